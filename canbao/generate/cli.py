"""``canbao generate``: write a synthetic city's SFTP drop folders and its truth."""

from __future__ import annotations

import argparse
import datetime as dt
import json


def _run(args: argparse.Namespace) -> int:
    from canbao.generate.city import generate_city

    rates = json.loads(args.rates) if args.rates else None
    summary = generate_city(args.out, persons=args.persons, seed=args.seed, days=args.days,
                            as_of=dt.date.fromisoformat(args.as_of), rates=rates, progress=not args.quiet)
    truth = summary["truth"][0]
    print(f"wrote {len(summary['files'])} deliveries to {args.out}; reference date {truth['reference_date']}: "
          f"{truth['persons']} persons, categories {truth['categories']}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("generate", help="write a synthetic city (绍兴市) with planted problems and its truth")
    p.add_argument("--persons", type=int, required=True, help="number of persons (household register + insured non-locals)")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", required=True, help="output folder: <out>/<department>/inbox/..., <out>/_truth/")
    p.add_argument("--days", type=int, default=0, help="days of daily change files after the initial snapshot")
    p.add_argument("--as-of", default="2026-11-01", help="date of the initial delivery (YYYY-MM-DD)")
    p.add_argument("--rates", default=None, help='JSON object overriding planted-problem rates, e.g. {"si_check_digit": 0.01}')
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=_run)
