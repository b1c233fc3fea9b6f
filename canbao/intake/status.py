"""Where each feed stands: its last delivery and whether the next one is late (``canbao status``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from canbao.registry.loader import Feed
from canbao.settings import BUREAU_TZ_NAME

SHANGHAI = ZoneInfo(BUREAU_TZ_NAME)


@dataclass
class FeedStatus:
    feed: str
    delivery_id: int | None
    file_name: str | None
    as_of: dt.date | None
    received_at: dt.datetime | None
    state: str | None
    rows: int | None
    late_by: dt.timedelta | None  # None when not late (or no schedule)


def last_expected(feed: Feed, now: dt.datetime) -> dt.datetime | None:
    """The latest expected delivery time (cron, Asia/Shanghai) at or before ``now``."""
    if not feed.schedule.expected:
        return None
    from croniter import croniter

    return croniter(feed.schedule.expected, now.astimezone(SHANGHAI)).get_prev(dt.datetime)


def lateness(feed: Feed, last_received: dt.datetime | None, now: dt.datetime) -> dt.timedelta | None:
    """How late the expected delivery is beyond its grace, or None when nothing is overdue."""
    expected = last_expected(feed, now)
    if expected is None:
        return None
    if last_received is not None and last_received >= expected:
        return None
    due = expected + feed.schedule.grace
    return now - due if now > due else None


def feed_statuses(db_url: str, feeds: dict[str, Feed], now: dt.datetime | None = None) -> list[FeedStatus]:
    from canbao.db import engine, run_sql

    now = now or dt.datetime.now(dt.UTC)
    with engine(db_url).connect() as conn:
        rows: dict[str, Any] = {r["feed"]: r for r in run_sql(
            conn, "intake/feed_status.sql", {"feeds": list(feeds)}).mappings()}
    out = []
    for name, feed in feeds.items():
        r = rows.get(name)
        received = r["received_at"] if r else None
        out.append(FeedStatus(name, r and r["delivery_id"], r and r["file_name"], r and r["as_of"], received,
                              r and r["state"], r and (r["rows_promoted"] if r["rows_promoted"] is not None
                                                       else r["rows_parsed"]),
                              lateness(feed, received, now)))
    return out


def render(statuses: list[FeedStatus]) -> str:
    head = ("feed", "delivery", "as_of", "received", "state", "rows", "lateness")
    rows = [head]
    for s in statuses:
        late = "—" if s.late_by is None else f"迟到 LATE {int(s.late_by.total_seconds() // 3600)}h"
        rows.append((s.feed, str(s.delivery_id or "—"), str(s.as_of or "—"),
                     s.received_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if s.received_at else "—",
                     s.state or "无投递 none", "—" if s.rows is None else str(s.rows), late))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)
