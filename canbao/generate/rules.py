"""The expected outcome per person: an independent second implementation of DOMAIN.md's classification.

It reads the generator's own state (what each department delivered, as known at the reference
date), never the files, so that it can test the SQL implementation that reads the files. Every rule
parameter lives in ``RULES``; the edge cases decided here are listed in canbao/generate/README.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from canbao.generate.model import (
    E_CODE,
    E_EMPLOYER,
    E_LAST_PAID,
    E_RECEIVING,
    E_START,
    E_STATUS,
    E_TERM,
    F_INS,
    F_SINCE,
    F_STATUS,
    F_UNTIL,
    Person,
    month_index,
)
from canbao.ids import to_halfwidth


@dataclass(frozen=True)
class Rules:
    """Classification parameters (DOMAIN.md defaults; config/canbao.yaml may set them for the SQL)."""

    lapse_months: int = 3  # active but last paid month more than this many months before the reference month
    employee_insurances: tuple[str, ...] = ("210", "410", "510")
    maternity_merged: bool = False  # True: 310 also covers 510
    withholding_months: int = 3  # tax withholding in months [ref_month - 3, ref_month] makes an employee
    adult_age: int = 16
    pension: frozenset[str] = field(default_factory=lambda: frozenset({"110", "120", "170"}))
    medical: frozenset[str] = field(default_factory=lambda: frozenset({"310", "390"}))


RULES = Rules()

# Insurance "slots" in the order the provincial record's single reason follows.
SLOTS = ("pension", "medical", "210", "410", "510")
SLOT_KEY = {"pension": "110", "medical": "310", "210": "210", "410": "410", "510": "510"}
CATEGORIES = ("DECEASED_ACTIVE", "DUPLICATE", "UNINSURED", "LAPSED", "PARTIAL", "INSURED", "NOT_APPLICABLE")
MISMATCH_FIELDS = ("name", "sex", "person_id", "birth_date", "ethnicity", "residence_address", "phone")


def slot_codes(slot: str, rules: Rules = RULES) -> frozenset[str]:
    if slot == "pension":
        return rules.pension
    if slot == "medical":
        return rules.medical
    if slot == "510" and rules.maternity_merged:
        return frozenset({"510", "310"})
    return frozenset({slot})


@dataclass
class Outcome:
    category: str
    reason: str  # the single reason (first missing slot), '' if none
    reasons: dict[str, str]  # slot key (110/310/210/410/510) -> reason
    reason_employer: str
    should_insure: bool
    is_employee: bool
    registered: bool
    age: int
    student: bool
    military: bool
    dead: bool
    covered: dict[str, bool]  # slot -> covered at ref


def age_at(birth: dt.date, ref: dt.date) -> int:
    return ref.year - birth.year - ((ref.month, ref.day) < (birth.month, birth.day))


def is_student(p: Person, ref: dt.date) -> bool:
    """Full-time on the student roll at ``ref`` (enrolled, not past the expected graduation)."""
    s = p.student
    return bool(s) and s[1] and s[3] <= ref and (s[4] is None or s[4] >= ref)


def _slots_of(rules: Rules) -> dict[str, tuple[int, ...]]:
    """Insurance code -> indexes (in SLOTS) of the slots it can fill."""
    out: dict[str, list[int]] = {}
    for i, slot in enumerate(SLOTS):
        for code in slot_codes(slot, rules):
            out.setdefault(code, []).append(i)
    return {c: tuple(v) for c, v in out.items()}


_SLOTS_CACHE: dict[Rules, dict[str, tuple[int, ...]]] = {}


def classify(p: Person, ref: dt.date, rules: Rules = RULES) -> Outcome:
    """The primary category, reasons and coverage of one person at reference date ``ref``.

    One pass over the person's enrollments (here) and province feedback (elsewhere) fills, per slot
    (pension, medical, 210, 410, 510): how many enrollments cover it (active or receiving), whether one
    holds it (active, suspended or receiving), whether one is current (receiving, or active and paid
    within ``lapse_months``), and whether a terminated one exists (reason 2).
    """
    slots_of = _SLOTS_CACHE.get(rules)
    if slots_of is None:
        slots_of = _SLOTS_CACHE[rules] = _slots_of(rules)
    ref_month = month_index(ref)
    registered = p.in_ps and p.local and p.ps_status(ref) == "REGISTERED"
    dead = p.death_known(ref) is not None
    age = age_at(p.birth, ref)
    student = is_student(p, ref)
    military = p.military and registered

    n_cover = [0, 0, 0, 0, 0]
    held = [False] * 5
    current = [False] * 5
    terminated = [False] * 5
    active_here = False
    employers_enrolling: set[str] = set()
    for e in p.enr:
        if e[E_START] > ref:
            continue
        term = e[E_TERM]
        if term is not None and term <= ref:
            status, receiving = "TERMINATED", False
        else:
            status, receiving = e[E_STATUS], e[E_RECEIVING]
        active = status == "ACTIVE"
        cover = active or receiving
        if cover:
            active_here = True
        if active and not receiving and e[E_EMPLOYER]:
            employers_enrolling.add(e[E_EMPLOYER])
        paid = e[E_LAST_PAID]
        is_current = receiving or (active and paid is not None and ref_month - paid <= rules.lapse_months)
        for i in slots_of.get(e[E_CODE], ()):
            if cover:
                n_cover[i] += 1
            if cover or status == "SUSPENDED":
                held[i] = True
            if is_current:
                current[i] = True
            if status == "TERMINATED":
                terminated[i] = True
    for f in p.fb:
        if f[F_SINCE] > ref or (f[F_UNTIL] is not None and f[F_UNTIL] < ref):
            continue
        st = f[F_STATUS]
        for i in slots_of.get(f[F_INS], ()):
            if st in ("ACTIVE", "RECEIVING"):
                n_cover[i] += 1
                held[i] = current[i] = True
            elif st == "SUSPENDED":
                held[i] = True

    # Employee: an active enrollment through an employer, or wages withheld in the last N months.
    paying = [(m, emp) for m, emp, _ in p.wh if ref_month - rules.withholding_months <= m <= ref_month]
    is_employee = bool(employers_enrolling or paying)
    applicable = (0, 1, 2, 3, 4) if is_employee else (0, 1)
    covered = {s: n_cover[i] > 0 for i, s in enumerate(SLOTS)}

    should = registered and not dead and age >= rules.adult_age and not student and not military
    if dead and active_here:
        category = "DECEASED_ACTIVE"
    elif not dead and (n_cover[0] >= 2 or n_cover[1] >= 2):
        category = "DUPLICATE"
    elif not should:
        category = "NOT_APPLICABLE"
    elif not any(held[i] for i in applicable):
        category = "UNINSURED"
    elif any(held[i] and not current[i] for i in applicable):
        category = "LAPSED"
    elif any(not held[i] for i in applicable):
        category = "PARTIAL"
    else:
        category = "INSURED"

    reasons: dict[str, str] = {}
    employer = ""
    if category in ("UNINSURED", "PARTIAL", "NOT_APPLICABLE"):
        na_reason = ""
        if category == "NOT_APPLICABLE" and age >= rules.adult_age:
            cancelled = p.ps_status(ref) if p.in_ps and p.local else ""
            if dead and registered:
                na_reason = "11"
            elif military or cancelled == "CANCELLED_MILITARY":
                na_reason = "5"
            elif student and registered:
                na_reason = "4"
        for i in applicable:
            if n_cover[i]:
                continue
            key = SLOT_KEY[SLOTS[i]]
            if category == "NOT_APPLICABLE":
                if na_reason:
                    reasons[key] = na_reason
            elif is_employee:
                reasons[key] = "3"
            elif terminated[i]:
                reasons[key] = "2"
            else:
                reasons[key] = "1"
        if "3" in reasons.values():
            if employers_enrolling:
                employer = min(employers_enrolling)
            elif paying:
                employer = max(paying)[1]
    reason = next(iter(reasons.values()), "")
    return Outcome(category, reason, reasons, employer, should, is_employee, registered, age, student,
                   military, dead, covered)


def _norm_text(value: str | None) -> str:
    return "".join(to_halfwidth(value or "").split())


def mismatched_fields(p: Person, ref: dt.date) -> list[str]:
    """Identity facts differing between public security and social insurance (both present)."""
    if p.si is None or not p.in_ps or not p.local or p.ps_id is not None:
        return []
    si_id, name, sex, birth, eth, addr, phone = p.si
    out = []
    if name and name != p.name and _norm_text(name) != _norm_text(p.name):
        out.append("name")
    if sex and sex != p.sex:
        out.append("sex")
    if si_id != p.pid and _norm_text(si_id).upper() != p.pid:
        out.append("person_id")
    if birth and birth != p.birth:
        out.append("birth_date")
    if eth and eth != p.eth:
        out.append("ethnicity")
    ps_addr = p.ps_residence(ref)
    if addr and addr != ps_addr and _norm_text(addr) != _norm_text(ps_addr):
        out.append("residence_address")
    if phone and phone != p.phone and _norm_text(phone) != _norm_text(p.phone):
        out.append("phone")
    return out


__all__ = ["RULES", "Rules", "Outcome", "classify", "mismatched_fields", "age_at", "CATEGORIES", "SLOTS",
           "MISMATCH_FIELDS", "E_TERM"]
