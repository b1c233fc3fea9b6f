"""``canbao quarantine list|show ID`` and ``canbao release ID --by NAME --note "…"``."""

from __future__ import annotations

import argparse
import json

from canbao.privacy import mask_text


def _db_url(args: argparse.Namespace) -> str:
    if getattr(args, "db_url", None):
        return args.db_url
    from canbao.settings import Settings

    return Settings.from_env().database_url


def _reasons(value) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value)
    return [str(v) for v in (value or [])]


def cmd_quarantine_list(args: argparse.Namespace) -> int:
    from canbao.db import engine, run_sql

    with engine(_db_url(args)).connect() as conn:
        rows = run_sql(conn, "intake/gate_quarantine_list.sql").mappings().all()
    if not rows:
        print("隔离区为空 / nothing in quarantine")
        return 0
    for r in rows:
        first = _reasons(r["reasons"])[:1]
        print(f"{r['delivery_id']:>8}  {r['feed']:<22} {r['file_name']}  as_of {r['as_of']}  "
              f"rows {r['rows_parsed']} rejected {r['rows_rejected']}  since {r['quarantined_at']:%Y-%m-%d %H:%M}")
        for reason in first:
            print(f"          {mask_text(reason)}")
    return 0


def cmd_quarantine_show(args: argparse.Namespace) -> int:
    from canbao.db import engine, run_sql

    with engine(_db_url(args)).connect() as conn:
        r = run_sql(conn, "intake/gate_quarantine_show.sql", {"delivery_id": args.delivery_id}).mappings().first()
        rejects = run_sql(conn, "intake/gate_rejects_of_delivery.sql",
                          {"delivery_id": args.delivery_id}).mappings().all() if r else []
    if r is None:
        print(f"delivery {args.delivery_id} was never quarantined")
        return 1
    print(f"delivery {r['delivery_id']}  feed {r['feed']}  state {r['state']}")
    print(f"file {r['file_name']}  sha256 {r['sha256']}  as_of {r['as_of']}")
    print(f"rows declared {r['rows_declared']} parsed {r['rows_parsed']} rejected {r['rows_rejected']}")
    print(f"quarantined {r['quarantined_at']}"
          + (f"; released {r['released_at']} by {r['released_by']}: {r['release_note']}" if r["released_at"] else ""))
    print("reasons:")
    for reason in _reasons(r["reasons"]):
        print(f"  - {mask_text(reason)}")
    results = r["results"] if not isinstance(r["results"], str) else json.loads(r["results"])
    failed = [x for x in (results or []) if not x.get("success")]
    if failed:
        print("failed expectations:")
        for x in failed:
            count = x.get("unexpected_count", x.get("observed_value"))
            print(f"  - {x['rule']:<28} {'critical' if x.get('critical') else 'row-level':<9} {count}")
    if rejects:
        print(f"rejected rows ({len(rejects)}, first {min(len(rejects), args.limit)}):")
        for x in rejects[: args.limit]:
            print(f"  row {x['source_row']}: {mask_text(x['reason'])}")
    print(f"data docs: {r['data_docs'] or '-'}")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from canbao.validation.promote import NotQuarantined, StaleDelivery, release

    try:
        counts = release(_db_url(args), args.delivery_id, args.by, args.note)
    except (NotQuarantined, StaleDelivery, ValueError, KeyError) as exc:
        print(mask_text(f"not released: {exc}"))
        return 1
    print(f"delivery {args.delivery_id} released by {args.by}: {counts.promoted} rows promoted "
          f"({counts.inserted} new, {counts.updated} changed, {counts.absent} now absent), "
          f"{counts.rejected} rows stay rejected")
    return 0


def register(subparsers) -> None:
    q = subparsers.add_parser("quarantine", help="deliveries held back by the quality gate (隔离区)")
    q.add_argument("--db-url", help="platform database (default CANBAO_DATABASE_URL)")
    qsub = q.add_subparsers(dest="quarantine_command", metavar="ACTION")
    ql = qsub.add_parser("list", help="deliveries waiting in quarantine")
    ql.set_defaults(func=cmd_quarantine_list)
    qs = qsub.add_parser("show", help="why one delivery was quarantined")
    qs.add_argument("delivery_id", type=int)
    qs.add_argument("--limit", type=int, default=50, help="rejected rows to list")
    qs.set_defaults(func=cmd_quarantine_show)
    q.set_defaults(func=lambda args: (q.print_help(), 2)[1])

    r = subparsers.add_parser("release", help="promote a quarantined delivery after review (audited)")
    r.add_argument("delivery_id", type=int)
    r.add_argument("--by", required=True, help="the engineer releasing it")
    r.add_argument("--note", required=True, help="why it may go in despite the failed checks")
    r.add_argument("--db-url", help="platform database (default CANBAO_DATABASE_URL)")
    r.set_defaults(func=cmd_release)
