"""Staging retention: the staged rows of promoted deliveries are deleted after a few days.

Why: every delivery is staged into ``intake.stg_<target>`` and promoted from there; a daily
million-row household snapshot would otherwise leave a million staged rows a day, forever. Once a
delivery is promoted its staged rows are not read again (see include/sql/intake/staging_purge.sql
for what keeps the information instead); quarantined and undecided deliveries keep theirs.
The ``staging_retention`` DAG runs this daily; ``canbao intake purge-staging`` runs it by hand.
``CANBAO_STAGING_KEEP_DAYS`` (default 14) is how long promoted rows stay, for an engineer who wants
to look at what was staged.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from canbao import audit
from canbao.db import engine
from canbao.intake.stage import _sql_for_target
from canbao.privacy import get_logger
from canbao.registry.targets import TARGETS
from canbao.settings import getenv

log = get_logger(__name__)

DEFAULT_KEEP_DAYS = 14


def keep_days() -> int:
    """Days promoted deliveries keep their staged rows (``CANBAO_STAGING_KEEP_DAYS``, default 14)."""
    value = getenv("CANBAO_STAGING_KEEP_DAYS", str(DEFAULT_KEEP_DAYS))
    days = int(value or DEFAULT_KEEP_DAYS)
    if days < 0:
        raise ValueError("CANBAO_STAGING_KEEP_DAYS must be 0 or more")
    return days


def purge_staging(db_url: str | None = None, days: int | None = None,
                  now: dt.datetime | None = None) -> dict[str, int]:
    """Delete the staged rows of deliveries promoted more than ``days`` ago; rows deleted per target.

    One transaction for all targets, with an audit event naming the counts; a second run the same
    day deletes nothing more (idempotent).
    """
    days = keep_days() if days is None else days
    now = now or dt.datetime.now(dt.UTC)
    before = now - dt.timedelta(days=days)
    deleted: dict[str, int] = {}
    with engine(db_url).begin() as conn:
        for target in TARGETS:
            n = conn.execute(sa.text(_sql_for_target("intake/staging_purge.sql", target)),
                             {"before": before}).rowcount or 0
            if n:
                deleted[target] = int(n)
        audit.record(conn, "staging.purged", "intake", {"before": before.isoformat(), "keep_days": days,
                                                        "rows": deleted})
    log.info("staging retention (%d days): %d staged rows deleted %s", days, sum(deleted.values()), deleted)
    return deleted
