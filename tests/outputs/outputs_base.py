"""A handcrafted registration base for the outputs' tests.

The comparison engineer owns base.person_current / base.person_version
(include/sql/schema/0003_base.sql). Until that lands, the tests create the tables
from the documented contract (docs/ARCHITECTURE.md, "The registration base") when
they do not exist, and write only documented columns either way.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

import sqlalchemy as sa
from stdnum.cn import ric, uscc

PERSON_COLUMNS = """
    person_id text primary key,
    version int,
    valid_from timestamptz,
    ref_date date,
    name text, sex text, ethnicity text, birth_date date, household_no text,
    hukou_address text, residence_address text, phone text,
    hukou_region text, county_code text, town_code text, village_code text,
    hukou_status text, registered bool, age int, student bool, military bool,
    deceased_on date, should_insure bool, is_employee bool, employment_status text,
    employer_uscc text, employer_name text,
    ins_110 text, ins_120 text, ins_170 text, ins_210 text, ins_310 text, ins_390 text, ins_410 text, ins_510 text,
    elsewhere jsonb,
    cov_pension bool, cov_medical bool, cov_210 bool, cov_410 bool, cov_510 bool,
    category text, mismatched_fields text[], reasons jsonb, non_enrollment_reason text,
    reason_employer_uscc text, sources jsonb, record jsonb, record_hash text, review_flags text[]
"""
JSON_COLUMNS = {"elsewhere", "reasons", "sources", "record"}
REF_DATE = date(2026, 4, 15)


def ensure_base_tables(conn: sa.Connection) -> None:
    conn.execute(sa.text("create schema if not exists base"))
    conn.execute(sa.text(f"create table if not exists base.person_current ({PERSON_COLUMNS})"))
    version_columns = PERSON_COLUMNS.replace("person_id text primary key", "person_id text")
    conn.execute(sa.text(
        f"create table if not exists base.person_version ({version_columns}, valid_to timestamptz, "
        "primary key (person_id, version))"))


def make_id(region: str, birth: str, seq: int) -> str:
    body = f"{region}{birth}{seq:03d}"
    return body + ric.calc_check_digit(body)


def make_uscc(region: str, n: int) -> str:
    body = f"91{region}{n:09d}"[:17]
    return body + uscc.calc_check_digit(body)


def person(person_id: str, village: str | None = "330604001001", **kw: Any) -> dict[str, Any]:
    """A registered, insured adult of ``village`` unless told otherwise."""
    row: dict[str, Any] = {
        "person_id": person_id, "version": 1, "valid_from": datetime(2026, 4, 16, tzinfo=timezone.utc),
        "ref_date": REF_DATE, "name": "张三", "sex": "1", "ethnicity": "01", "birth_date": date(1986, 1, 1),
        "household_no": "H1", "hukou_address": "浙江省绍兴市上虞区百官街道1号", "residence_address": "浙江省绍兴市上虞区百官街道1号",
        "phone": "13812345678", "hukou_region": village, "county_code": village[:6] if village else None,
        "town_code": village[:9] if village and len(village) >= 9 else None,
        "village_code": village if village and len(village) == 12 else None,
        "hukou_status": "REGISTERED", "registered": True, "age": 40, "student": False, "military": False,
        "deceased_on": None, "should_insure": True, "is_employee": False, "employment_status": "FLEXIBLE",
        "employer_uscc": None, "employer_name": None, "ins_170": "ACTIVE", "ins_390": "ACTIVE",
        "elsewhere": {}, "cov_pension": True, "cov_medical": True, "cov_210": False, "cov_410": False,
        "cov_510": False, "category": "INSURED", "mismatched_fields": [], "reasons": {},
        "non_enrollment_reason": None, "sources": {}, "record": {"insurance": []}, "review_flags": [],
    }
    row.update(kw)
    return row


def insert(conn: sa.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        cols = list(row)
        values = ", ".join(f"cast(:{c} as jsonb)" if c in JSON_COLUMNS else f":{c}" for c in cols)
        params = {c: json.dumps(row[c], ensure_ascii=False) if c in JSON_COLUMNS and row[c] is not None else row[c]
                  for c in cols}
        conn.execute(sa.text(f"insert into {table} ({', '.join(cols)}) values ({values})"), params)
