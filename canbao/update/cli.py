"""`canbao history PERSON_ID [--unmask]`: every version of a person with its facts and sources, then
every change applied to the person with its effective and received dates, feed, file and run."""

from __future__ import annotations

import argparse

from canbao.update.history import format_history, person_applied_changes, person_history


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "history", help="every version and applied change of one person of the base (masked by default)")
    p.add_argument("person_id")
    p.add_argument("--unmask", action="store_true", help="show ID, name, phone and addresses in full")
    p.add_argument("--db", help="database URL (default CANBAO_DATABASE_URL)")
    p.set_defaults(func=_history)


def _history(args: argparse.Namespace) -> int:
    versions = person_history(args.db, args.person_id, unmask=args.unmask)
    changes = person_applied_changes(args.db, args.person_id, unmask=args.unmask)
    print(format_history(versions, changes))
    return 0 if versions or changes else 1
