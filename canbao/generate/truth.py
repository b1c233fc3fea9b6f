"""The truth: what a correct pipeline must conclude, written to ``<out>/_truth/`` (never read by the
pipeline). Computed from the generator's state with ``canbao.generate.rules``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

from canbao.generate import reference as ref
from canbao.generate.files import write_delimited
from canbao.generate.model import E_EMPLOYER, E_START, Person, enrollment_at, month_index
from canbao.generate.population import City
from canbao.generate.rules import RULES, Outcome, Rules, classify, mismatched_fields

PERSON_HEADER = ["person_id", "expected_category", "expected_reason", "expected_mismatched_fields", "planted",
                 "expected_reasons", "reason_employer_uscc", "hukou_status", "county_code", "village_code", "age",
                 "should_insure", "is_employee", "deceased_on"]
DISPATCH_HEADER = ["region_code", "region_name", "c1_registered", "c2_aged_16_plus", "c3_students_16_plus",
                   "c4_military_16_plus", "c5_pension_should", "c6_pension_uncovered", "c7_medical_should",
                   "c8_medical_uncovered", "c9_injury_should", "c10_injury_uncovered", "c11_maternity_should",
                   "c12_maternity_uncovered", "c13_unemployment_should", "c14_unemployment_uncovered",
                   "note_dead_not_cancelled"]


def in_base(p: Person, day: dt.date) -> bool:
    """Everyone in the household register, and everyone insured here (DOMAIN.md 'Who is in the base')."""
    if p.since > day:
        return False
    return (p.local and p.in_ps) or any(e[E_START] <= day for e in p.enr)


def write_truth(city: City, folder: Path, day: dt.date, rules: Rules = RULES) -> dict:
    """persons.csv and dispatch_table1.csv for reference date ``day``; returns counts."""
    folder.mkdir(parents=True, exist_ok=True)
    categories: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    mismatches: Counter[str] = Counter()
    table: dict[str, list[int]] = {c: [0] * 15 for c in ref.COUNTIES}

    def rows():
        for p in city.persons:
            if not in_base(p, day):
                continue
            o = classify(p, day, rules)
            if p.ps_id is not None:
                category, reason, fields = "INVALID_IDENTITY", "", []
            else:
                category, reason, fields = o.category, o.reason, mismatched_fields(p, day)
                if o.registered:
                    _count(table[p.county], o, rules)
            categories[category] += 1
            tags.update(p.planted)
            mismatches.update(fields)
            deceased = p.death_known(day)
            status = (p.ps_status(day) if p.local and p.in_ps else "NOT_REGISTERED_HERE")
            yield [p.pid, category, reason, ";".join(fields), ";".join(p.planted),
                   ";".join(f"{k}:{v}" for k, v in o.reasons.items()), o.reason_employer, status,
                   p.county if p.local else "", p.village, str(o.age), "1" if o.should_insure else "0",
                   "1" if o.is_employee else "0", deceased.isoformat() if deceased else ""]

    n = write_delimited(folder / "persons.csv", PERSON_HEADER, rows(), "utf-8", ",")
    total = [sum(col) for col in zip(*table.values(), strict=True)]
    out_rows = [[c, ref.COUNTIES[c][0], *map(str, v)] for c, v in table.items()]
    out_rows.append([ref.CITY_CODE, ref.CITY_NAME, *map(str, total)])
    write_delimited(folder / "dispatch_table1.csv", DISPATCH_HEADER, out_rows, "utf-8", ",")
    return {"reference_date": day.isoformat(), "persons": n, "categories": dict(sorted(categories.items())),
            "planted": dict(sorted(tags.items())), "mismatched_fields": dict(sorted(mismatches.items()))}


def _count(row: list[int], o: Outcome, rules: Rules) -> None:
    """Dispatch table 1 (seed 003) from the register: columns 1-14 and the dead-not-cancelled note."""
    row[0] += 1
    if o.age < rules.adult_age:
        return
    row[1] += 1
    if o.student:
        row[2] += 1
        return
    if o.military:
        row[3] += 1
        return
    # column 5 population: registered, 16+, not a student, not military (the seed's formula 5 = 2 - 3 - 4)
    row[4] += 1
    row[5] += not o.covered["pension"]
    row[6] += 1
    row[7] += not o.covered["medical"]
    if o.is_employee:
        for should, slot in ((8, "410"), (10, "510"), (12, "210")):
            row[should] += 1
            row[should + 1] += not o.covered[slot]
    row[14] += o.dead


def write_static_truth(city: City, folder: Path) -> None:
    """Employers and the list of every planted problem (person or employer, with its tag)."""
    folder.mkdir(parents=True, exist_ok=True)
    emp_rows = ([e.uscc, e.entity_type, e.status, e.reg_date.isoformat(), "1" if e.si_unit_no else "0",
                 e.tax_status,
                 "1" if (e.status == "ACTIVE" and e.entity_type == "ENTERPRISE" and not e.si_unit_no) else "0",
                 ";".join(e.planted)] for e in city.employers)
    write_delimited(folder / "employers.csv", ["uscc", "entity_type", "status", "registration_date",
                                               "si_registered", "tax_status", "expected_expansion", "planted"],
                    emp_rows, "utf-8", ",")

    def planted():
        for e in city.employers:
            for t in e.planted:
                yield ["employer", e.uscc, t]
        for p in city.persons:
            for t in p.planted:
                yield ["person", p.pid, t]

    write_delimited(folder / "planted.csv", ["kind", "key", "tag"], planted(), "utf-8", ",")

    def unenrolled():
        """Employees paid wages (withholding in the last 3 months) by an employer with no enrollment of
        theirs in force (expansion list, employee side; as of the initial delivery; the known dead left out)."""
        ref_month = month_index(city.as_of)
        for p in city.persons:
            if p.death_known(city.as_of) is not None:
                continue
            paying = sorted({emp for m, emp, _ in p.wh if ref_month - RULES.withholding_months <= m <= ref_month})
            for emp in paying:
                if not any(e[E_EMPLOYER] == emp and (st := enrollment_at(e, city.as_of)) is not None
                           and st[0] in ("ACTIVE", "SUSPENDED") for e in p.enr):
                    yield [emp, p.pid, "1" if in_base(p, city.as_of) else "0"]

    write_delimited(folder / "unenrolled_employees.csv", ["employer_uscc", "person_id", "in_base"], unenrolled(),
                    "utf-8", ",")


def write_feedback(city: City, out: Path) -> int:
    """Province feedback (people of this city insured elsewhere), one JSON object per line."""
    folder = out / "_province"
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(folder / "feedback.jsonl", "w", encoding="utf-8", newline="\n") as f:
        for p in city.persons:
            for ins, region, status, since, until in p.fb:
                f.write(json.dumps({"person_id": p.pid, "insurance": ins, "region_code": region, "status": status,
                                    "since": since.isoformat(), "until": until.isoformat() if until else None},
                                   ensure_ascii=False) + "\n")
                n += 1
    return n
