"""`canbao audit`: read the append-only audit trail (deliveries, gate decisions, releases, batches, answers)."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa


def register(sub) -> None:
    p = sub.add_parser("audit", help="query the append-only audit trail")
    p.add_argument("--kind", action="append", help="event kind (repeatable): delivery_received, gate_decision, "
                   "release, reprocess, batch_sent, batch_answer, review_decision, ...")
    p.add_argument("--subject", help="subject prefix, e.g. delivery:42 or a batch id")
    p.add_argument("--since", type=dt.date.fromisoformat, help="YYYY-MM-DD")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=_run)


def query(conn, kinds=None, subject=None, since=None, limit=50) -> list[dict]:
    rows = conn.execute(sa.text(
        "select event_id, occurred_at, kind, subject, run_id, actor, detail from audit.event "
        "where (cast(:kinds as text[]) is null or kind = any(cast(:kinds as text[]))) "
        "and (cast(:subject as text) is null or subject like cast(:subject as text) || '%') "
        "and (cast(:since as date) is null or occurred_at >= cast(:since as date)) "
        "order by event_id desc limit :limit"),
        {"kinds": kinds, "subject": subject, "since": since, "limit": limit}).mappings().all()
    return [dict(r) for r in rows]


def _run(args) -> int:
    from canbao.db import engine

    with engine().connect() as conn:
        events = query(conn, args.kind, args.subject, args.since, args.limit)
    for e in reversed(events):
        if args.json:
            print(json.dumps(e, ensure_ascii=False, default=str))
        else:
            detail = json.dumps(e["detail"], ensure_ascii=False, default=str)
            print(f"{e['event_id']:>8} {e['occurred_at']:%Y-%m-%d %H:%M:%S} {e['kind']:<18} {e['subject']:<40} "
                  f"{e['actor']:<10} {detail[:160]}")
    return 0
