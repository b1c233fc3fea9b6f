"""Curated rows written straight into the platform database, for rule-by-rule comparison tests.

Each test builds a tiny city with these helpers (as if intake had promoted the deliveries), runs
the comparison and reads base.person_current.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import sqlalchemy as sa

from canbao.db import engine
from canbao.ids import check_char, upgrade_15

REF = dt.date(2026, 11, 20)
_seq = itertools.count(1)


def make_id(birth: str = "19800101", sex: str = "1", region: str = "330604", seq: int | None = None) -> str:
    """A valid GB 11643 ID with the given birth date (YYYYMMDD) and sex."""
    n = next(_seq) if seq is None else seq
    base = (n * 2) % 1000
    if sex == "1":
        base = base + 1 if base % 2 == 0 else base
    else:
        base = base if base % 2 == 0 else base + 1
    body = f"{region}{birth}{base % 1000:03d}"
    return body + check_char(body)


def wrong_check(pid: str) -> str:
    """The same ID with a wrong check character."""
    good = pid[-1]
    bad = "0" if good != "0" else "1"
    return pid[:17] + bad


def transpose(pid: str, i: int) -> str:
    """Swap characters i and i+1 (0-based)."""
    s = list(pid)
    s[i], s[i + 1] = s[i + 1], s[i]
    return "".join(s)


def to_15(pid: str) -> str:
    """The legacy 15-digit form of a 19xx ID (and check that it upgrades back)."""
    legacy = pid[:6] + pid[8:17]
    assert upgrade_15(legacy) == pid
    return legacy


class City:
    """Writes curated rows for one test database."""

    def __init__(self, db_url: str, as_of: dt.date = REF):
        self.db_url = db_url
        self.as_of = as_of
        self._deliveries: dict[tuple[str, dt.date], int] = {}

    def _delivery(self, feed: str, as_of: dt.date) -> int:
        key = (feed, as_of)
        if key not in self._deliveries:
            with engine(self.db_url).begin() as c:
                self._deliveries[key] = c.execute(sa.text(
                    "insert into intake.delivery (feed, file_name, sha256, bytes, as_of, state) "
                    "values (:f, :f, md5(random()::text), 0, :a, 'ACCEPTED') returning delivery_id"),
                    {"f": feed, "a": as_of}).scalar_one()
        return self._deliveries[key]

    def new_delivery(self, feed: str, as_of: dt.date) -> int:
        self._deliveries.pop((feed, as_of), None)
        return self._delivery(feed, as_of)

    def insert(self, target: str, row: dict[str, Any], as_of: dt.date | None = None,
               status: str = "VALID", id_fields: tuple[str, ...] = ("person_id",), upsert_key: str | None = None) -> None:
        as_of = as_of or self.as_of
        d = self._delivery(target, as_of)
        row = dict(row)
        row.setdefault("delivery_id", d)
        row.setdefault("source_row", 1)
        row.setdefault("as_of", as_of)
        for f in id_fields:
            if f in row and f + "_status" not in row:
                row[f + "_status"] = status
                row.setdefault(f + "_raw", row[f])
        cols = list(row)
        sql = (f"insert into curated.{target} ({', '.join(cols)}) values ({', '.join(':' + c for c in cols)})")
        if upsert_key:
            sql += f" on conflict ({upsert_key}) do update set " + ", ".join(f"{c} = excluded.{c}" for c in cols)
        with engine(self.db_url).begin() as c:
            c.execute(sa.text(sql), row)
            c.execute(sa.text("insert into curated.change_log (delivery_id, target, person_id, uscc, change) "
                              "values (:d, :t, :p, :u, 'INSERT')"),
                      {"d": row["delivery_id"], "t": target, "p": row.get("person_id"),
                       "u": row.get("uscc") or row.get("employer_uscc")})

    # -- feeds -------------------------------------------------------------------------------
    def ps(self, pid: str, name: str = "张三", sex: str | None = None, birth: dt.date | None = None,
           region: str = "330604001001", as_of: dt.date | None = None, **kw) -> str:
        row = {"person_id": pid, "name": name, "sex": sex or ("1" if int(pid[16]) % 2 else "2"),
               "ethnicity": "01", "birth_date": birth or dt.date(int(pid[6:10]), int(pid[10:12]), int(pid[12:14])),
               "household_no": "H" + pid[-6:], "hukou_region": region, "hukou_address": "浙江省绍兴市上虞区某路1号",
               "residence_address": "浙江省绍兴市上虞区某路1号", "phone": "13800000000", "household_type": "NONAGRI",
               "hukou_status": "REGISTERED", "military": False} | kw
        self.insert("ps_person", row, as_of, upsert_key="person_id")
        return pid

    def si_person(self, pid: str, status: str = "VALID", raw: str | None = None, **kw) -> None:
        row = {"person_id": pid, "person_id_raw": raw or pid, "name": "张三",
               "sex": "1" if pid[16:17].isdigit() and int(pid[16]) % 2 else "2",
               "birth_date": None, "ethnicity": "01", "residence_address": "浙江省绍兴市上虞区某路1号",
               "phone": "13800000000"} | kw
        if row["birth_date"] is None and pid[6:14].isdigit():
            try:
                row["birth_date"] = dt.date(int(pid[6:10]), int(pid[10:12]), int(pid[12:14]))
            except ValueError:
                row["birth_date"] = None
        self.insert("si_person", row, status=status, upsert_key="person_id")

    def enroll(self, pid: str, code: str, status: str = "ACTIVE", start: dt.date = dt.date(2015, 1, 1),
               last_paid: str | None = "2026-10", receiving: bool = False, employer: str | None = None,
               id_status: str = "VALID", as_of: dt.date | None = None, end: dt.date | None = None) -> None:
        self.insert("si_enrollment", {
            "person_id": pid, "insurance_code": code, "employer_uscc": employer, "status": status,
            "start_date": start, "end_date": end, "last_paid_month": last_paid, "receiving": receiving,
        }, as_of, status=id_status, upsert_key="person_id, insurance_code, start_date")

    def employee_full(self, pid: str, employer: str = "91330604MA2BXXXX1X") -> None:
        for code in ("110", "210", "310", "410", "510"):
            self.enroll(pid, code, employer=employer)

    def resident_full(self, pid: str) -> None:
        self.enroll(pid, "170")
        self.enroll(pid, "390")

    def cremation(self, pid: str, death: dt.date, name: str = "张三", status: str = "VALID",
                  as_of: dt.date | None = None) -> None:
        self.insert("ca_cremation", {"person_id": pid, "name": name, "death_date": death,
                                     "cremation_date": death + dt.timedelta(days=3)}, as_of, status=status)

    def cancellation(self, pid: str, kind: str, date: dt.date, as_of: dt.date | None = None) -> None:
        self.insert("ps_cancellation", {"person_id": pid, "name": "张三", "cancel_type": kind, "cancel_date": date},
                    as_of)

    def student(self, pid: str, graduation: dt.date = dt.date(2028, 7, 1), full_time: bool = True,
                as_of: dt.date | None = None) -> None:
        self.insert("edu_student", {"person_id": pid, "name": "张三", "school_name": "上虞中学", "level": "SENIOR",
                                    "full_time": full_time, "hukou_region": "330604001001",
                                    "enrol_date": dt.date(2024, 9, 1), "expected_graduation": graduation},
                    as_of, upsert_key="person_id")

    def withholding(self, pid: str, employer: str, month: str, as_of: dt.date | None = None) -> None:
        self.insert("tax_withholding", {"employer_uscc": employer, "person_id": pid, "name": "张三",
                                        "month": month, "income": 5000}, as_of,
                    id_fields=("person_id", "employer_uscc"))

    def survey(self, pid: str, survey_date: dt.date, **statuses: str) -> None:
        self.insert("survey_return", {"town_code": "330604001", "village_code": "330604001001", "row_no": 1,
                                      "name": "张三", "person_id": pid, "survey_date": survey_date} | statuses)

    # -- reading -----------------------------------------------------------------------------
    def current(self, pid: str) -> dict[str, Any] | None:
        with engine(self.db_url).connect() as c:
            row = c.execute(sa.text("select * from base.person_current where person_id = :p"), {"p": pid}).mappings().first()
        return dict(row) if row else None

    def scalar(self, sql: str, **params: Any) -> Any:
        with engine(self.db_url).connect() as c:
            return c.execute(sa.text(sql), params).scalar()

    def execute(self, sql: str, **params: Any) -> None:
        with engine(self.db_url).begin() as c:
            c.execute(sa.text(sql), params)

    def touch(self, pid: str, target: str, change: str = "UPDATE", as_of: dt.date | None = None) -> None:
        """A change_log row, as intake's promote writes for a changed or absent key."""
        d = self.new_delivery(target, as_of or self.as_of)
        self.execute("insert into curated.change_log (delivery_id, target, person_id, change) values (:d, :t, :p, :c)",
                     d=d, t=target, p=pid, c=change)

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        with engine(self.db_url).connect() as c:
            return [dict(r) for r in c.execute(sa.text(sql), params).mappings()]
