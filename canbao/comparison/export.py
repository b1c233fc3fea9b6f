"""The analysts' export of the registration base (CSV, one row per person)."""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa

from canbao.db import engine
from canbao.paths import read_sql

INSURANCE_CODES = ("110", "120", "170", "210", "310", "390", "410", "510")
COLUMNS = ["person_id", "category", "reason_code", "mismatched_fields", "region_code",
           *[f"ins_{c}" for c in INSURANCE_CODES]]


def export_registration(db_url: str | None, out: Path) -> int:
    """Write base.person_current to ``out`` (UTF-8 with BOM, so spreadsheet programs read Chinese);
    streamed with a server-side cursor, so memory does not grow with the population."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with engine(db_url).connect() as conn, out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        result = conn.execution_options(stream_results=True, yield_per=10_000).execute(
            sa.text(read_sql("comparison/export_registration.sql")))
        for row in result:
            writer.writerow(["" if v is None else v for v in row])
            n += 1
    return n
