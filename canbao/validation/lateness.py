"""Late feeds: a department that has not delivered by its expected time plus grace.

``check_late(db_url, registry, now)`` is what the ``feed_lateness`` DAG calls.
For each feed with a ``schedule.expected`` cron (read in Asia/Shanghai), the
slot that matters is the latest expected time whose grace has run out by
``now``; the feed is late when nothing arrived since that slot (a delivery up
to one grace period early counts for it: departments often run their export a
little before the hour). Lateness looks at arrivals (``received_at``) of any
outcome: a quarantined delivery arrived and is alerted on its own.

A feed that has never delivered is watched from the first check that finds it so
(an audit event ``feed_watched``): slots before that are not counted, so a new
install or a newly onboarded feed does not page on-call for deliveries expected
before the platform existed; the first slot after it that passes its grace is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from canbao.db import engine, run_sql
from canbao.privacy import get_logger
from canbao.settings import BUREAU_TZ_NAME
from canbao.validation.feeds import GateFeed

log = get_logger(__name__)

TZ = ZoneInfo(BUREAU_TZ_NAME)
DEFAULT_GRACE = dt.timedelta(hours=6)


@dataclass(frozen=True)
class LateFeed:
    feed: str
    title: str
    department: str
    expected_at: dt.datetime
    deadline: dt.datetime
    last_received_at: dt.datetime | None

    def describe(self) -> str:
        last = self.last_received_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if self.last_received_at else "从未交付"
        return (f"{self.feed}（{self.title}）应于 {self.expected_at:%Y-%m-%d %H:%M} 交付，宽限至 "
                f"{self.deadline:%Y-%m-%d %H:%M} 仍未收到；最近一次交付 {last} / "
                f"{self.feed} expected {self.expected_at:%Y-%m-%d %H:%M} (+grace until {self.deadline:%H:%M}), "
                f"nothing since; last delivery {last}")


def due_slot(expected: str, grace: dt.timedelta, now: dt.datetime) -> dt.datetime:
    """The latest expected time (Asia/Shanghai) whose grace period has ended by ``now``."""
    from croniter import croniter

    local_now = now.astimezone(TZ)
    slot = croniter(expected, local_now - grace).get_prev(dt.datetime)
    return slot if slot.tzinfo else slot.replace(tzinfo=TZ)


def check_late(db_url: str, registry: Mapping[str, Any] | list[Any], now: dt.datetime | None = None, *,
               alert: bool = True) -> list[LateFeed]:
    """Every feed of ``registry`` that is late at ``now`` (aware; the wall clock if None).

    Each missed slot is alerted once (an audit event ``feed_late`` remembers it).
    """
    now = now or dt.datetime.now(tz=TZ)
    if now.tzinfo is None:
        now = now.replace(tzinfo=TZ)
    feeds = [GateFeed.of(f) for f in (registry.values() if isinstance(registry, Mapping) else registry)]
    with engine(db_url).connect() as conn:
        last = {r.feed: r.last_received_at for r in run_sql(conn, "intake/gate_last_received.sql")}
        watched = {r.subject: r.since for r in run_sql(conn, "intake/feed_watched_since.sql")}
    late = []
    for f in feeds:
        if not f.schedule_expected:
            continue
        grace = f.schedule_grace or DEFAULT_GRACE
        slot = due_slot(f.schedule_expected, grace, now)
        received = last.get(f.name)
        if received is not None and received.tzinfo is None:
            received = received.replace(tzinfo=dt.UTC)
        if received is None:
            since = watched.get(f"feed:{f.name}")
            if since is None:  # first sight of a feed that never delivered: watch it from now on
                if alert:
                    _start_watching(db_url, f.name, now)
                continue
            if slot < since:  # expected before the platform was watching it
                continue
        if received is None or received < slot - grace:
            late.append(LateFeed(f.name, f.title, f.department, slot, slot + grace, received))
    if alert:
        for item in late:
            _alert_once(db_url, item)
    return late


def _start_watching(db_url: str, feed: str, now: dt.datetime) -> None:
    """Record that lateness watches ``feed`` (never delivered) from ``now`` (audit event ``feed_watched``)."""
    from canbao import audit
    from canbao.db import transaction

    with transaction(db_url) as conn:
        audit.record(conn, "feed_watched", f"feed:{feed}", {"since": now.isoformat()})
    log.info("feed %s has never delivered: lateness watches it from %s", feed, now.isoformat())


def _alert_once(db_url: str, item: LateFeed) -> None:
    """Alert a missed slot once: the DAG checks every half hour, on-call wants one message per miss."""
    from canbao import audit
    from canbao.db import transaction

    subject, slot = f"feed:{item.feed}", item.expected_at.isoformat()
    with transaction(db_url) as conn:
        if run_sql(conn, "intake/gate_late_alerted.sql", {"subject": subject, "slot": slot}).scalar_one():
            return
        audit.record(conn, "feed_late", subject, {"slot": slot, "deadline": item.deadline.isoformat(),
                                                  "last_received_at": item.last_received_at})
    alert_late(item)


def alert_late(item: LateFeed) -> bool:
    """One on-call alert per late feed; returns whether a channel took it."""
    try:
        from canbao.alerts import send_alert
    except ImportError:
        log.error("feed late (no alert module): %s", item.describe())
        return False
    result = send_alert(f"数据源逾期未交付 / feed late: {item.feed}", item.describe(), severity="warning",
                        context={"feed": item.feed, "department": item.department,
                                 "expected_at": item.expected_at.isoformat(), "deadline": item.deadline.isoformat()})
    return result.delivered
