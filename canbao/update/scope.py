"""Dynamic update (动态更新): which persons a comparison run must recompute.

A full run recomputes everyone in the base's universe. An incremental run recomputes only:
- persons whose rows were touched by deliveries promoted since the last run (curated.change_log,
  IDs resolved through linkage; an employer's change reaches its employees);
- persons whose links changed in this run (repairs, review decisions, merges);
- persons whose state changes with time alone between the previous and the new reference date
  (birthdays, the 16th included; graduations; enrollment starts, ends and the lapse line; the
  tax-withholding window; deaths, cancellations, household changes and survey returns dated in
  the interval; province feedback received or starting/ending in it).
Everyone else's row cannot change, so the incremental result equals a full rebuild
(tests/comparison/test_incremental.py proves it on a sample). A change of classification settings
or of the staleness of the insurance data forces a full run.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from canbao.paths import read_sql

FULL = "FULL"
INCREMENTAL = "INCREMENTAL"


def choose_mode(requested: str, previous: dict[str, Any] | None, ref_date, fingerprint: str, si_stale: bool) -> str:
    """FULL unless an incremental run is asked for (``auto``) and provably equivalent."""
    if requested != "auto" or previous is None or previous["ref_date"] > ref_date:
        return FULL
    counts = previous.get("counts") or {}
    if counts.get("config") != fingerprint or bool(counts.get("si_stale")) != si_stale:
        return FULL
    return INCREMENTAL


def scope_params(params: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Bind parameters of the incremental scope: the previous run's reference date and high-water mark."""
    return params | {
        "prev_ref_date": previous["ref_date"],
        "last_delivery_id": previous["max_delivery_id"] or 0,
        "last_started_at": previous["started_at"],
    }


def add_feedback_scope(conn: Connection, params: dict[str, Any]) -> None:
    """Province feedback (when the publication schema has it) into the temp table scope_person."""
    if conn.execute(sa.text("select to_regclass('publication.feedback') is not null")).scalar_one():
        conn.execute(sa.text("insert into scope_person " + read_sql("comparison/scope_feedback.sql")), params)
