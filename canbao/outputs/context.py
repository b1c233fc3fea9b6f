"""What every output of one comparison run shares: run id, reference date, folder, region names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from canbao.db import run_sql_script
from canbao.outputs.regions import RegionNames, city_code


class OutputError(RuntimeError):
    """An output cannot be built as the plans define it (the build fails, nothing is delivered)."""


@dataclass
class RunContext:
    run_id: str
    ref_date: date
    out_dir: Path          # $CANBAO_OUTPUT_DIR/<run_id>
    names: RegionNames
    city_code: str

    @property
    def city_name(self) -> str:
        return self.names.name(self.city_code, "全市")

    def region_name(self, level: str, code: str) -> str:
        if level == "city":
            return self.city_name
        return self.names.name(code)


def ensure_output_schema(conn: Connection) -> None:
    """Create the outputs' tables if missing (include/sql/outputs/output_schema.sql, idempotent)."""
    run_sql_script(conn, "outputs/output_schema.sql")


def _has_table(conn: Connection, name: str) -> bool:
    return bool(conn.execute(sa.text("select to_regclass(:n) is not null"), {"n": name}).scalar())


def _has_column(conn: Connection, schema: str, table: str, column: str) -> bool:
    return bool(conn.execute(sa.text(
        "select 1 from information_schema.columns where table_schema = :s and table_name = :t and column_name = :c"
    ), {"s": schema, "t": table, "c": column}).scalar())


def resolve_run(conn: Connection, run_id: str | None) -> tuple[str, date]:
    """The run to build for and its reference date.

    From ``base.run`` when the comparison wrote it (the latest non-what-if run unless one is
    named); else from the base itself (its latest ``ref_date``), with run id ``ref-<date>``.
    """
    if not _has_table(conn, "base.person_current"):
        raise OutputError("base.person_current does not exist: run the comparison first")
    if _has_table(conn, "base.run"):
        # What-if runs write no versions, so the base holds nothing of theirs to report; an
        # unfinished run may still be writing the base.
        what_if = "and not coalesce(what_if, false)" if _has_column(conn, "base", "run", "what_if") else ""
        if _has_column(conn, "base", "run", "finished_at"):
            what_if += " and finished_at is not null"
        latest = "started_at desc," if _has_column(conn, "base", "run", "started_at") else ""
        if run_id:
            row = conn.execute(sa.text("select run_id::text, ref_date from base.run where run_id::text = :r"),
                               {"r": run_id}).first()
        else:
            row = conn.execute(sa.text(
                f"select run_id::text, ref_date from base.run where ref_date is not null {what_if} "  # noqa: S608 - fixed text
                f"order by {latest} ref_date desc, run_id::text desc limit 1")).first()
        if row:
            return row[0], row[1]
    ref = conn.execute(sa.text("select max(ref_date) from base.person_current")).scalar()
    if ref is None:
        raise OutputError("base.person_current is empty: nothing to report")
    return run_id or f"ref-{ref.isoformat()}", ref


def make_context(conn: Connection, run_id: str | None, output_root: Path) -> RunContext:
    run_id, ref_date = resolve_run(conn, run_id)
    counties = [r[0] for r in conn.execute(sa.text(
        "select distinct county_code from base.person_current where county_code is not null and registered"))]
    names = RegionNames.load(conn)
    return RunContext(run_id=run_id, ref_date=ref_date, out_dir=Path(output_root) / safe_name(run_id),
                      names=names, city_code=city_code(counties))


def safe_name(text: str) -> str:
    """A file-name-safe form of a run id or region code (these carry no personal data)."""
    return re.sub(r"[^0-9A-Za-z._-]+", "_", text).strip("._") or "run"


@dataclass
class OutputFile:
    """One file an outputs build wrote (recorded in base.output)."""

    kind: str
    region: str
    path: Path
    rows: int

    @property
    def format(self) -> str:
        return self.path.suffix.lstrip(".").lower()
