"""``canbao intake run``, ``canbao status`` and ``canbao reprocess``: intake without Airflow.

The same functions the DAG tasks call, for operators and for the demo.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid


def _registry(args):
    from canbao.registry.loader import load_registry

    return load_registry(getattr(args, "registry", None))


def _run(args: argparse.Namespace) -> int:
    from canbao.intake.pipeline import GateUnavailable, process_feed

    feeds = _registry(args)
    names = [args.feed] if args.feed else sorted(feeds)
    unknown = [n for n in names if n not in feeds]
    if unknown:
        print(f"unknown feed / 未登记的数据源: {', '.join(unknown)}", file=sys.stderr)
        return 2
    run_id = f"cli__{uuid.uuid4().hex[:12]}"
    worst = 0
    for name in names:
        try:
            outcomes = process_feed(feeds[name], run_id, gate=not args.no_gate)
        except GateUnavailable as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return 3
        if not outcomes:
            print(f"{name}: 无新投递 / no complete delivery")
        for o in outcomes:
            print(json.dumps(o.as_dict(), ensure_ascii=False, default=str))
            if o.state in ("FAILED", "QUARANTINED"):
                worst = 1
    return worst


def _status(args: argparse.Namespace) -> int:
    from canbao.intake.status import feed_statuses, render
    from canbao.settings import Settings

    print(render(feed_statuses(Settings.from_env().database_url, _registry(args))))
    return 0


def _reprocess(args: argparse.Namespace) -> int:
    from canbao.intake.pipeline import delivery_state, reprocess
    from canbao.settings import Settings

    url = Settings.from_env().database_url
    row = delivery_state(url, args.delivery)
    feeds = _registry(args)
    if row["feed"] not in feeds:
        print(f"feed {row['feed']} is no longer in the registry / 数据源已不在登记中", file=sys.stderr)
        return 2
    outcome = reprocess(url, feeds[row["feed"]], args.delivery, run_id=f"reprocess__{uuid.uuid4().hex[:12]}",
                        actor=args.by, gate=not args.no_gate)
    print(json.dumps(outcome.as_dict(), ensure_ascii=False, default=str))
    return 0 if outcome.state != "FAILED" else 1


def _purge_staging(args) -> int:
    from canbao.intake.retention import purge_staging

    deleted = purge_staging(days=args.keep_days)
    print(json.dumps({"deleted_rows": deleted, "total": sum(deleted.values())}, ensure_ascii=False))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("intake", help="feed intake without Airflow / 数据接收")
    sub = p.add_subparsers(dest="intake_command", metavar="ACTION")
    r = sub.add_parser("run", help="process the complete deliveries now on SFTP / 处理当前投递")
    r.add_argument("--feed", help="one feed (default: every feed)")
    r.add_argument("--registry", help="registry folder")
    r.add_argument("--no-gate", action="store_true", help="stage only; leave deliveries STAGED")
    r.set_defaults(func=_run)
    pg = sub.add_parser("purge-staging",
                        help="delete staged rows of deliveries promoted over N days ago / 清理已入库的暂存数据")
    pg.add_argument("--keep-days", type=int, default=None,
                    help="days promoted deliveries keep their staged rows (default CANBAO_STAGING_KEEP_DAYS or 14)")
    pg.set_defaults(func=_purge_staging)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    s = subparsers.add_parser("status", help="each feed's last delivery and lateness / 各数据源状态")
    s.add_argument("--registry", help="registry folder")
    s.set_defaults(func=_status)

    rp = subparsers.add_parser("reprocess", help="re-run an archived delivery with today's config / 重新处理")
    rp.add_argument("--delivery", type=int, required=True)
    rp.add_argument("--by", default="platform", help="who decided (recorded in the audit trail)")
    rp.add_argument("--registry", help="registry folder")
    rp.add_argument("--no-gate", action="store_true")
    rp.set_defaults(func=_reprocess)
