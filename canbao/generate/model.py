"""The in-memory state of the synthetic city: compact person and employer records.

Every fact that changes during ``--days`` carries the date it takes effect (which is also the date it
is delivered), so the state "as known at reference date R" is a pure function of the records and R:
the truth for any day is computed without replaying anything.
"""

from __future__ import annotations

import datetime as dt

# Enrollment tuple fields (kept as plain tuples: millions of them live in memory).
E_CODE, E_EMPLOYER, E_STATUS, E_START, E_LAST_PAID, E_RECEIVING, E_TERM, E_END = range(8)
# Feedback tuple fields: (insurance, region_code, status, since, until)
F_INS, F_REGION, F_STATUS, F_SINCE, F_UNTIL = range(5)


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class Person:
    """One person of the city (or an insured non-local), as every department knows them.

    ``si`` is social insurance's own copy of the identity facts (None when not insured here):
    ``(id_written, name, sex, birth_date, ethnicity, residence_address, phone)``. ``ids`` holds the ID
    as written by other departments when a problem was planted there (feed -> written ID).
    """

    __slots__ = (
        "pid", "name", "sex", "eth", "birth", "county", "village", "hh_no", "hukou_addr", "res_addr",
        "phone", "hh_type", "local", "since", "cancel_type", "cancel_date", "military", "death_date",
        "cremation_date", "student", "employer", "wh", "enr", "fb", "si", "ps_id", "ids", "assist",
        "planted", "res_update", "in_ps", "change_type",
    )

    def __init__(self) -> None:
        self.cancel_type: str | None = None
        self.cancel_date: dt.date | None = None
        self.military = False
        self.death_date: dt.date | None = None
        self.cremation_date: dt.date | None = None
        self.student: tuple | None = None  # (level, full_time, school, enrol_date, expected_graduation)
        self.employer: str | None = None
        self.wh: tuple = ()  # ((month_index, employer_uscc, income), ...)
        self.enr: list[tuple] = []
        self.fb: list[tuple] = []
        self.si: tuple | None = None
        self.ps_id: str | None = None  # ID as written by public security when planted invalid
        self.ids: dict[str, str] | None = None
        self.assist: tuple | None = None
        self.planted: list[str] = []
        self.res_update: tuple | None = None  # (date, new residence address) from a public-security UPDATE
        self.in_ps = True
        self.change_type: str | None = None  # BIRTH / MOVE_IN for people arriving during --days

    # --- state as known at a reference date -------------------------------------------------
    def ps_status(self, ref: dt.date) -> str:
        if self.cancel_date is not None and self.cancel_date <= ref:
            return "CANCELLED_" + self.cancel_type
        return "REGISTERED"

    def ps_residence(self, ref: dt.date) -> str:
        if self.res_update is not None and self.res_update[0] <= ref:
            return self.res_update[1]
        return self.res_addr

    def death_known(self, ref: dt.date) -> dt.date | None:
        """Earliest death date known at ``ref`` to civil affairs (cremation record) or public security."""
        known = []
        if self.cremation_date is not None and self.cremation_date <= ref:
            known.append(self.death_date)
        if self.cancel_type == "DEATH" and self.cancel_date <= ref:
            known.append(self.cancel_date if self.death_date is None else min(self.death_date, self.cancel_date))
        return min(known) if known else None


def enrollment_at(e: tuple, ref: dt.date) -> tuple[str, bool] | None:
    """(status, receiving) of an enrollment at ``ref``; None if it has not started."""
    if e[E_START] > ref:
        return None
    if e[E_TERM] is not None and e[E_TERM] <= ref:
        return "TERMINATED", False
    return e[E_STATUS], e[E_RECEIVING]


class Employer:
    """An enterprise or individual business of market regulation."""

    __slots__ = ("uscc", "name", "entity_type", "unit_type", "status", "reg_date", "region", "legal_rep",
                 "si_unit_no", "tax_status", "planted", "employees")

    def __init__(self) -> None:
        self.si_unit_no: str | None = None
        self.tax_status = "NORMAL"
        self.planted: list[str] = []
        self.employees = 0
