"""`canbao bench`: run the benchmarks and print figures beside their same-run baselines."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("bench", help="run benchmarks (figures and ratios to baselines of the same run)")
    p.add_argument("--only", type=lambda s: [x.strip() for x in s.split(",") if x.strip()],
                   help="comma-separated benchmark names (copy_baseline always runs)")
    p.add_argument("--scale", type=int, default=1_000_000, help="persons / rows (default 1,000,000)")
    p.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from canbao.bench import runner

    if args.list:
        for name, fn in runner.benchmarks().items():
            print(f"{name:<20} {(fn.__doc__ or '').strip().splitlines()[0]}")
        return 0
    figures = runner.run(only=args.only, scale=args.scale)
    return 0 if figures else 1
