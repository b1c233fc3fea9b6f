"""Test helpers: feeds of the tests' own, deliveries inserted and staged with plain SQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from stdnum.cn import ric

from canbao.db import copy_rows, engine
from canbao.registry.targets import TARGETS
from canbao.validation.feeds import GateFeed, register_feed

PS_HOUSEHOLD = register_feed({
    "name": "t_ps_household", "department": "public_security", "title": "公安户籍人口全量（测试）",
    "contact": "hj-data@ga.example.gov.cn", "target": "ps_person", "kind": "snapshot",
    "sftp": {"conn_id": "canbao_sftp", "folder": "/public_security/inbox", "receipts": "/public_security/receipts"},
    "schedule": {"expected": "0 6 * * *", "grace": "PT6H"},
    "gate": {"suite": "t_ps_household", "max_reject_share": 0.2, "volume_band": 0.5, "strict_identity": True},
})
SI_PERSON = register_feed({
    "name": "t_si_person", "department": "social_insurance", "title": "社保个人信息（测试）",
    "contact": "si-data@rs.example.gov.cn", "target": "si_person", "kind": "snapshot",
    "sftp": {"conn_id": "canbao_sftp", "folder": "/social_insurance/inbox", "receipts": "/social_insurance/receipts"},
    "schedule": {"expected": "0 7 * * *", "grace": "PT2H"},
    "gate": {"suite": "t_si_person", "max_reject_share": 0.2, "volume_band": 0.5, "strict_identity": False},
})
CREMATION = register_feed({
    "name": "t_ca_cremation", "department": "civil_affairs", "title": "殡葬火化（测试）",
    "contact": "mz@mz.example.gov.cn", "target": "ca_cremation", "kind": "change",
    "sftp": {"conn_id": "canbao_sftp", "folder": "/civil_affairs/inbox", "receipts": "/civil_affairs/receipts"},
    "gate": {"suite": "t_ca_cremation", "max_reject_share": 0.1, "strict_identity": False},
})


def make_id(region: str, birth: dt.date, seq: int) -> str:
    """A valid 18-digit citizen ID (check character by python-stdnum)."""
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def person(i: int, **overrides: Any) -> dict[str, Any]:
    """A clean ps_person row number ``i`` (person_id valid, sex agreeing with it)."""
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=97 * i)
    seq = 100 + 2 * i + 1  # odd: male
    pid = make_id("330604", birth, seq % 1000)
    row = {
        "person_id": pid, "person_id_raw": pid, "person_id_status": "VALID",
        "name": f"张{'三丰四五六七八九十'[i % 9]}{i}", "sex": "1", "ethnicity": "01", "birth_date": birth,
        "household_no": f"H{i:06d}", "hukou_region": "330604001001", "hukou_address": f"某街{i}号",
        "residence_address": f"某路{i}号", "phone": f"138{i:08d}", "household_type": "AGRI",
        "hukou_status": "REGISTERED", "cancel_date": None, "military": False,
    }
    row.update(overrides)
    return row


def add_delivery(db_url: str, feed: GateFeed, as_of: dt.date, rows_declared: int | None,
                 file_name: str | None = None) -> int:
    file_name = file_name or f"{feed.name}_{as_of:%Y%m%d}.txt"
    sha = hashlib.sha256(f"{feed.name}/{file_name}/{uuid.uuid4()}".encode()).hexdigest()
    with engine(db_url).begin() as conn:
        return conn.execute(sa.text(
            "insert into intake.delivery (feed, file_name, sha256, bytes, rows_declared, as_of, state) "
            "values (:feed, :file, :sha, 1000, :rows, :as_of, 'STAGED') returning delivery_id"),
            {"feed": feed.name, "file": file_name, "sha": sha, "rows": rows_declared, "as_of": as_of}).scalar_one()


def stage(db_url: str, feed: GateFeed, delivery_id: int, as_of: dt.date, rows: Iterable[Mapping[str, Any]]) -> int:
    """COPY rows into intake.stg_<target> with lineage (source_row = 1-based position)."""
    target = TARGETS[feed.target]
    columns = [c for c, _ in target.columns()]
    values = []
    for n, row in enumerate(rows, start=1):
        full = {"delivery_id": delivery_id, "source_row": n, "as_of": as_of, **row}
        values.append([full.get(c) for c in columns])
    with engine(db_url).begin() as conn:
        return copy_rows(conn, f"intake.stg_{target.name}", columns, values)


def staged_delivery(db_url: str, feed: GateFeed, as_of: dt.date, rows: list[Mapping[str, Any]],
                    rows_declared: int | None = -1, file_name: str | None = None) -> int:
    declared = len(rows) if rows_declared == -1 else rows_declared
    delivery_id = add_delivery(db_url, feed, as_of, declared, file_name)
    stage(db_url, feed, delivery_id, as_of, rows)
    return delivery_id


def fetch(db_url: str, sql: str, **params: Any) -> list[dict[str, Any]]:
    with engine(db_url).connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(sql), params).mappings()]
