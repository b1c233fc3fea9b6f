"""Planting the known problems into the clean city, by exact quotas of the eligible people.

Each planted person carries the tag in ``Person.planted``; each planted employer in
``Employer.planted``. A person gets at most one coverage problem and at most one identity (ID or
fact) problem, so the linkage a comparison job needs stays deterministic.
"""

from __future__ import annotations

import datetime as dt
import random

from canbao.generate import reference as ref
from canbao.generate.model import E_EMPLOYER, E_END, E_TERM, Person, month_index
from canbao.generate.population import City, fullwidth, legacy15, stream, transposed, wrong_check


def quota(rate: float, eligible: int) -> int:
    if eligible == 0 or rate <= 0:
        return 0
    return min(eligible, max(1, round(rate * eligible)))


def _sample(rng: random.Random, pool: list, rate: float) -> list:
    return rng.sample(pool, quota(rate, len(pool)))


def _adult_registered_alive(p: Person, as_of: dt.date) -> bool:
    return (p.local and p.cancel_date is None and p.death_date is None and not p.military
            and (as_of - p.birth).days >= 17 * 365 and not (p.student and p.student[1]))


def plant_all(city: City, seed: int, rates: dict[str, float]) -> None:
    rng = stream(seed, "plant")
    as_of = city.as_of
    ref_month = month_index(as_of)
    persons = city.persons
    coverage_used: set[int] = set()

    # Enterprises alive but not registered for social insurance; their employees lose employer enrollments.
    ents = [e for e in city.employers if e.status == "ACTIVE" and e.entity_type == "ENTERPRISE"
            and e.si_unit_no is not None and e.employees > 0]
    unregistered = {e.uscc for e in _sample(rng, ents, rates["enterprise_not_registered"])}
    for e in city.employers:
        if e.uscc in unregistered:
            e.si_unit_no = None
            e.planted.append("enterprise_not_registered")
    for i, p in enumerate(persons):
        if p.employer in unregistered:
            p.enr = [x for x in p.enr if x[E_EMPLOYER] != p.employer]
            p.planted.append("employer_not_registered")
            coverage_used.add(i)

    def full_employee(i: int, p: Person) -> bool:
        return (i not in coverage_used and p.employer is not None and p.death_date is None
                and p.cancel_date is None and sum(1 for x in p.enr if x[E_EMPLOYER] == p.employer) == 5)

    def take(tag: str, pool: list[int]) -> list[int]:
        chosen = _sample(rng, pool, rates[tag])
        for i in chosen:
            coverage_used.add(i)
            persons[i].planted.append(tag)
        return chosen

    for i in take("partial_employee", [i for i, p in enumerate(persons) if full_employee(i, p) and p.local]):
        p = persons[i]
        p.enr = [x for x in p.enr if not (x[E_EMPLOYER] == p.employer and x[0] in ("210", "410", "510"))]
    for i in take("employer_not_enrolling", [i for i, p in enumerate(persons) if full_employee(i, p) and p.local]):
        p = persons[i]
        p.enr = [x for x in p.enr if x[E_EMPLOYER] != p.employer]
        if rng.random() < 0.5:
            p.enr.append(("390", "", "ACTIVE", as_of - dt.timedelta(days=400), ref_month - 1, False, None, None))
    for i in take("duplicate_here", [i for i, p in enumerate(persons) if full_employee(i, p)]):
        persons[i].enr.append(("390", "", "ACTIVE", as_of - dt.timedelta(days=rng.randrange(30, 900)),
                               ref_month - 1, False, None, None))

    def resident_only(i: int, p: Person) -> bool:
        return (i not in coverage_used and _adult_registered_alive(p, as_of) and p.employer is None
                and (as_of - p.birth).days < 50 * 365 and all(x[0] in ("170", "390") for x in p.enr))

    registered_ents = [e for e in city.employers if e.si_unit_no is not None and e.status == "ACTIVE"
                       and e.entity_type == "ENTERPRISE"]
    for i in take("lapsed_suspended", [i for i, p in enumerate(persons) if resident_only(i, p) and p.enr]):
        p = persons[i]
        emp = rng.choice(registered_ents).uscc if registered_ents else ""
        start = as_of - dt.timedelta(days=rng.randrange(400, 3000))
        p.enr = [(c, emp, "SUSPENDED", start, ref_month - rng.randrange(4, 20), False, None, None)
                 for c in ("110", "310", "210", "410", "510")]
    for i in take("lapsed_unpaid", [i for i, p in enumerate(persons) if resident_only(i, p)
                                    and any(x[0] == "170" and not x[5] for x in p.enr)]):
        p = persons[i]
        p.enr = [(*x[:4], ref_month - rng.randrange(5, 14), *x[5:]) if x[0] == "170" else x for x in p.enr]
    for i in take("insured_elsewhere", [i for i, p in enumerate(persons) if resident_only(i, p) and not p.enr]):
        region = rng.choice(ref.ELSEWHERE_REGIONS)
        since = as_of - dt.timedelta(days=rng.randrange(60, 2000))
        persons[i].fb = [("110", region, "ACTIVE", since, None), ("310", region, "ACTIVE", since, None)]

    def covered_pension(p: Person) -> bool:
        return any(x[0] in ("110", "120", "170") and x[E_TERM] is None and (x[2] == "ACTIVE" or x[5])
                   for x in p.enr)

    for i in take("duplicate_elsewhere", [i for i, p in enumerate(persons) if i not in coverage_used
                                          and p.local and p.death_date is None and covered_pension(p)]):
        region = rng.choice(ref.ELSEWHERE_REGIONS)
        persons[i].fb.append(("110", region, "ACTIVE", as_of - dt.timedelta(days=rng.randrange(30, 700)), None))

    dead = [i for i, p in enumerate(persons) if i not in coverage_used and p.death_known(as_of) is not None
            and any(x[E_END] == p.death_date for x in p.enr)]
    for i in take("deceased_active", dead):
        p = persons[i]
        p.enr = [(*x[:E_TERM], None, None) if x[E_END] == p.death_date else x for x in p.enr]

    # Social insurance's own copy of the identity facts, for everyone with an enrollment record.
    for p in persons:
        p.si = (p.pid, p.name, p.sex, p.birth, p.eth, p.res_addr, p.phone) if p.enr else None

    identity_used: set[int] = set()

    def si_pool(extra=lambda p: True) -> list[int]:
        return [i for i, p in enumerate(persons) if i not in identity_used and p.si is not None and p.local
                and p.death_date is None and extra(p)]

    def take_id(tag: str, pool: list[int]) -> list[int]:
        chosen = _sample(rng, pool, rates[tag])
        for i in chosen:
            identity_used.add(i)
            persons[i].planted.append(tag)
        return chosen

    def set_si(p: Person, pos: int, value) -> None:
        si = list(p.si)
        si[pos] = value
        p.si = tuple(si)

    for i in take_id("si_check_digit", si_pool()):
        set_si(persons[i], 0, wrong_check(persons[i].pid))
    for i in take_id("si_transposed", si_pool(lambda p: transposed(p.pid) is not None)):
        set_si(persons[i], 0, transposed(persons[i].pid))
    for i in take_id("si_legacy15", si_pool(lambda p: legacy15(p.pid) is not None)):
        set_si(persons[i], 0, legacy15(persons[i].pid))
    for i in take_id("si_fullwidth", si_pool()):
        pid = persons[i].pid
        set_si(persons[i], 0, fullwidth(pid[:6]) + " " + fullwidth(pid[6:]))
    for i in take_id("si_lower_x", si_pool(lambda p: p.pid.endswith("X"))):
        set_si(persons[i], 0, persons[i].pid[:17] + "x")
    for i in take_id("mismatch_name", si_pool()):
        p = persons[i]
        name = p.name
        last = name[-1]
        repl = ref.NAME_TYPOS.get(last) or ("明" if last != "明" else "铭")
        set_si(p, 1, name[:-1] + repl)
    for i in take_id("mismatch_sex", si_pool()):
        set_si(persons[i], 2, "2" if persons[i].sex == "1" else "1")
    for i in take_id("mismatch_birth_date", si_pool()):
        set_si(persons[i], 3, persons[i].birth + dt.timedelta(days=rng.randrange(1, 40)))
    for i in take_id("mismatch_ethnicity", si_pool()):
        set_si(persons[i], 4, "22" if persons[i].eth == "01" else "01")
    for i in take_id("mismatch_residence_address", si_pool()):
        p = persons[i]
        set_si(p, 5, p.res_addr.replace("号", f"弄{rng.randrange(1, 99)}号", 1))
    for i in take_id("mismatch_phone", si_pool()):
        p = persons[i]
        phone = p.phone
        while phone == p.phone:
            phone = rng.choice(ref.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        set_si(p, 6, phone)
    for i in take_id("address_form_only", si_pool()):
        p = persons[i]
        set_si(p, 5, fullwidth(p.res_addr).replace("号", " 号", 1))

    # Other departments' copies of the ID: a wrong check character (linkable by the 17-digit body).
    def other_pool(pred) -> list[int]:
        return [i for i, p in enumerate(persons) if i not in identity_used and pred(p)]

    for i in take_id("tax_check_digit", other_pool(lambda p: bool(p.wh))):
        persons[i].ids = {"tax": wrong_check(persons[i].pid)}
    for i in take_id("edu_check_digit", other_pool(lambda p: p.student is not None)):
        persons[i].ids = {"edu": wrong_check(persons[i].pid)}
    cremated = other_pool(lambda p: p.cremation_date is not None and p.cremation_date <= as_of)
    for i in take_id("ca_check_digit", cremated):
        persons[i].ids = {"ca": wrong_check(persons[i].pid)}
    for i in take_id("ca_fullwidth", [i for i in cremated if i not in identity_used]):
        persons[i].ids = {"ca": fullwidth(persons[i].pid)}

    # Public security rows with a wrong check character: nobody else knows these people.
    reps = {e.legal_rep for e in city.employers}
    lonely = [i for i, p in enumerate(persons) if i not in identity_used and p.local and p.si is None
              and p.student is None and not p.wh and p.cremation_date is None and p.assist is None
              and not p.fb and p.cancel_date is None and p.death_date is None and p.pid not in reps]
    for i in take_id("ps_invalid_id", lonely):
        persons[i].ps_id = wrong_check(persons[i].pid)
