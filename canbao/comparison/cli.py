"""Comparison subcommands: `canbao compare`, `canbao export registration`, `canbao review ...`."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
from pathlib import Path

from canbao.privacy import mask_id


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("compare", help="run the comparison: linkage, base build, classification, outbox")
    p.add_argument("--ref-date", type=dt.date.fromisoformat,
                   help="what-if reference date (writes no versions, sends nothing)")
    p.add_argument("--full", action="store_true", help="recompute everyone (default: only who changed)")
    p.add_argument("--workers", type=int, default=0,
                   help="run the counties on this many connections at once, each county committing on its own "
                        "(as the comparison DAG does); default 0: the whole run in one transaction")
    p.add_argument("--db", help="database URL (default CANBAO_DATABASE_URL)")
    p.set_defaults(func=_compare)

    if "export" not in subparsers.choices:
        e = subparsers.add_parser("export", help="exports of the registration base")
        esub = e.add_subparsers(dest="export_what", metavar="WHAT", required=True)
    else:  # another area registered `export` first: add ours beside theirs
        esub = next(a for a in subparsers.choices["export"]._actions
                    if isinstance(a, argparse._SubParsersAction))
    r = esub.add_parser("registration", help="the base as CSV (category, reason, mismatches, statuses)")
    r.add_argument("--out", required=True, type=Path)
    r.add_argument("--db", help="database URL (default CANBAO_DATABASE_URL)")
    r.set_defaults(func=_export)

    rv = subparsers.add_parser("review", help="the linkage review queue")
    rsub = rv.add_subparsers(dest="review_cmd", metavar="ACTION", required=True)
    ls = rsub.add_parser("list", help="open items")
    ls.add_argument("--kind", choices=["MATCH", "INVALID_IDENTITY"])
    ls.add_argument("--state", default="OPEN", choices=["OPEN", "DECIDED", "GONE"])
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--unmask", action="store_true")
    ls.set_defaults(func=_review_list)
    sh = rsub.add_parser("show", help="one item with its candidates and decisions")
    sh.add_argument("queue_id", type=int)
    sh.add_argument("--unmask", action="store_true")
    sh.set_defaults(func=_review_show)
    ac = rsub.add_parser("accept", help="the record is this person (default: the best candidate)")
    ac.add_argument("queue_id", type=int)
    ac.add_argument("--person-id")
    ac.add_argument("--note")
    ac.set_defaults(func=_review_accept)
    rj = rsub.add_parser("reject", help="the record is no one of the base (stays held out)")
    rj.add_argument("queue_id", type=int)
    rj.add_argument("--note")
    rj.set_defaults(func=_review_reject)
    mg = rsub.add_parser("merge", help="two base persons are one: withdraw PERSON_ID into --into")
    mg.add_argument("person_id")
    mg.add_argument("--into", required=True)
    mg.add_argument("--note")
    mg.set_defaults(func=_review_merge)
    for sp in (ls, sh, ac, rj, mg):
        sp.add_argument("--db", help="database URL (default CANBAO_DATABASE_URL)")
        sp.add_argument("--by", default=None, help="reviewer (default: the login name)")


def _compare(args: argparse.Namespace) -> int:
    from canbao.comparison.run import run_by_county, run_comparison

    scope = "full" if args.full else "auto"
    if args.workers and args.ref_date:
        print("--workers cannot be combined with --ref-date (a what-if run is one transaction)")
        return 2
    if args.workers:
        summary = run_by_county(args.db, scope=scope, workers=args.workers)
    else:
        summary = run_comparison(args.db, ref_date=args.ref_date, scope=scope)
    out = summary.as_dict()
    out.pop("steps", None)
    print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    return 0


def _export(args: argparse.Namespace) -> int:
    from canbao.comparison.export import export_registration

    n = export_registration(args.db, args.out)
    print(f"{n} persons written to {args.out}")
    return 0


def _who(args: argparse.Namespace) -> str:
    return args.by or getpass.getuser()


def _masked(item: dict, unmask: bool) -> dict:
    if unmask:
        return item
    item = dict(item)
    for key in ("raw_id", "candidate_person_id", "person_id"):
        if item.get(key):
            item[key] = mask_id(item[key])
    if isinstance(item.get("candidates"), list):
        item["candidates"] = [{**c, "person_id": mask_id(c.get("person_id"))} for c in item["candidates"]]
    if isinstance(item.get("decisions"), list):
        item["decisions"] = [_masked(d, False) for d in item["decisions"]]
    return item


def _review_list(args: argparse.Namespace) -> int:
    from canbao.comparison.review import list_queue

    for item in list_queue(args.db, state=args.state, kind=args.kind, limit=args.limit):
        i = _masked(item, args.unmask)
        print(f"{i['queue_id']:>6}  {i['kind']:17} {i['source']:22} {i['raw_id']}  "
              f"candidate {i['candidate_person_id'] or '-'}  score {i['score'] if i['score'] is not None else '-'}")
    return 0


def _review_show(args: argparse.Namespace) -> int:
    from canbao.comparison.review import ReviewError, show

    try:
        item = show(args.db, args.queue_id)
    except ReviewError as exc:
        print(exc)
        return 1
    print(json.dumps(_masked(item, args.unmask), ensure_ascii=False, indent=2, default=str))
    return 0


def _review_accept(args: argparse.Namespace) -> int:
    from canbao.comparison.review import ReviewError, accept

    try:
        d = accept(args.db, args.queue_id, by=_who(args), person_id=args.person_id, note=args.note)
    except ReviewError as exc:
        print(exc)
        return 1
    print(f"decision {d} recorded; applied by the next `canbao compare`")
    return 0


def _review_reject(args: argparse.Namespace) -> int:
    from canbao.comparison.review import ReviewError, reject

    try:
        d = reject(args.db, args.queue_id, by=_who(args), note=args.note)
    except ReviewError as exc:
        print(exc)
        return 1
    print(f"decision {d} recorded; applied by the next `canbao compare`")
    return 0


def _review_merge(args: argparse.Namespace) -> int:
    from canbao.comparison.review import ReviewError, merge

    try:
        d = merge(args.db, args.person_id, args.into, by=_who(args), note=args.note)
    except ReviewError as exc:
        print(exc)
        return 1
    print(f"decision {d} recorded; the next `canbao compare` withdraws {mask_id(args.person_id)}")
    return 0
