"""``generate_city``: build the synthetic city and write every delivery, the truth and the province feedback."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections import Counter
from pathlib import Path

from canbao.generate import reference as ref
from canbao.generate.feeds import SEX_CN, Writer, iso
from canbao.generate.model import month_index
from canbao.generate.population import build_city
from canbao.generate.rules import SLOT_KEY, classify
from canbao.generate.truth import write_feedback, write_static_truth, write_truth

DEFAULT_AS_OF = dt.date(2026, 11, 1)
SURVEY_TOWNS = 3
SURVEY_ROWS_PER_TOWN = 15


def _log(msg: str, progress: bool) -> None:
    if progress:
        print(f"generate: {msg}", file=sys.stderr, flush=True)


def generate_city(out_dir: str | Path, persons: int, seed: int, days: int = 0, as_of: dt.date = DEFAULT_AS_OF,
                  rates: dict[str, float] | None = None, progress: bool = False) -> dict:
    """Write the city under ``out_dir``; returns a summary (files written with rows, truth counts)."""
    if persons < 50:
        raise ValueError("persons must be at least 50")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    city = build_city(seed, persons, as_of, days, rates, progress=progress)
    _log(f"city built: {len(city.persons):,} persons, {len(city.employers):,} employers "
         f"({time.monotonic() - started:.1f}s)", progress)

    w = Writer(city, out)
    day = as_of
    w.ps_household(day)
    w.ps_cancellation(day, initial=True)
    w.ca_cremation(day, initial=True)
    w.ca_assistance(day)
    w.edu_student(day)
    w.mr_enterprise(day)
    ref_month = month_index(day)
    w.tax_enterprise(day, [ref_month - 3, ref_month - 2, ref_month - 1])
    w.tax_withholding(day)
    w.si_person(day)
    w.si_employer(day)
    w.si_enrollment(day)
    _surveys(w, day)
    _log(f"initial deliveries written ({time.monotonic() - started:.1f}s)", progress)

    truth_dir = out / "_truth"
    summary_truth = [write_truth(city, truth_dir, day)]
    write_static_truth(city, truth_dir)
    feedback = write_feedback(city, out)
    _log(f"truth written ({time.monotonic() - started:.1f}s)", progress)

    for k in range(1, days + 1):
        d = as_of + dt.timedelta(days=k)
        w.ps_household_change(d)
        w.ps_cancellation(d, initial=False)
        w.ca_cremation(d, initial=False)
        w.si_enrollment_change(d)
        w.mr_enterprise(d)
        summary_truth.append(write_truth(city, truth_dir / f"day_{k}", d))
        _log(f"day {k} written ({time.monotonic() - started:.1f}s)", progress)

    summary = {
        "seed": seed, "persons": persons, "days": days, "as_of": as_of.isoformat(),
        "reference_date": (as_of + dt.timedelta(days=days)).isoformat(),
        "employers": len(city.employers), "households": city.households, "feedback_items": feedback,
        "files": w.files,
        "rows_by_feed": dict(sorted(Counter({f["feed"]: 0 for f in w.files}).items())),
        "truth": summary_truth,
    }
    for f in w.files:
        summary["rows_by_feed"][f["feed"]] += f["rows"]
    (truth_dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n",
                                            encoding="utf-8")
    _log(f"done in {time.monotonic() - started:.1f}s", progress)
    return summary


def _surveys(w: Writer, day: dt.date) -> None:
    """A few towns return survey forms for people found uninsured or partially insured, with the reasons
    the truth expects (so a return never contradicts the expected outcome)."""
    city = w.city
    by_town: dict[str, list] = {}
    for p in city.persons:
        if not (p.local and p.in_ps and p.ps_id is None and p.since <= day) or p.planted:
            continue
        town = p.village[:9]
        if len(by_town.get(town, ())) >= SURVEY_ROWS_PER_TOWN:
            continue
        o = classify(p, day)
        if o.category in ("UNINSURED", "PARTIAL"):
            by_town.setdefault(town, []).append((p, o))
    towns = sorted(by_town, key=lambda t: (-len(by_town[t]), t))[:SURVEY_TOWNS]
    for town in sorted(towns):
        entries = []
        for i, (p, o) in enumerate(by_town[town], start=1):
            emp = city.employer_by_uscc.get(p.employer) if p.employer else None

            def status(slot: str, o=o) -> str:
                if o.covered[slot]:
                    return "√"
                return o.reasons.get(SLOT_KEY[slot], "")

            remark = f"单位未予参保：{emp.name}" if emp is not None and "3" in o.reasons.values() else ""
            identity = ("4" if emp.entity_type == "INSTITUTION" else "6") if emp is not None else (
                "7" if p.hh_type == "AGRI" else "12")
            entries.append([str(i), p.name, SEX_CN[p.sex], p.pid, iso(p.birth), ref.ETHNICITY_NAMES[p.eth],
                            p.hukou_addr, p.ps_residence(day), p.phone, emp.name if emp else "",
                            emp.unit_type if emp else "", identity, status("pension"), status("medical"), status("410"),
                            status("510"), status("210"), remark, "", town, p.village,
                            iso(day - dt.timedelta(days=3))])
        w.survey_return(day, town, entries)
