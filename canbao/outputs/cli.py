"""``canbao outputs build|deliver-rosters``: the outputs people use, for one comparison run."""

from __future__ import annotations

import argparse
from pathlib import Path

from canbao.outputs.context import OutputError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("outputs", help="dispatch tables, survey rosters, expansion lists, stop-list")
    sub = parser.add_subparsers(dest="outputs_command", metavar="ACTION")

    build = sub.add_parser("build", help="build every output of a comparison run")
    build.add_argument("--run-id", help="comparison run (default: the latest)")
    build.add_argument("--out", type=Path, help="output root (default: $CANBAO_OUTPUT_DIR)")
    build.add_argument("--quarter", help="quarter for dispatch table 2, e.g. 2026Q1 (default: the one before ref date)")
    build.add_argument("--deliver", action="store_true", help="also deliver the rosters to the towns over SFTP")
    build.set_defaults(func=_build)

    deliver = sub.add_parser("deliver-rosters", help="upload a run's rosters into /towns/<town>/rosters/")
    deliver.add_argument("--run-id", help="comparison run (default: the latest built)")
    deliver.add_argument("--conn-id", help="Airflow SFTP connection id (default: $CANBAO_SFTP_CONN_ID)")
    deliver.set_defaults(func=_deliver)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def _build(args: argparse.Namespace) -> int:
    from canbao.outputs.build import build_outputs, deliver_rosters
    from canbao.outputs.dispatch import Quarter

    try:
        result = build_outputs(run_id=args.run_id, output_root=args.out,
                               quarter=Quarter.parse(args.quarter) if args.quarter else None)
    except OutputError as exc:
        print(f"outputs build failed: {exc}")
        return 1
    for f in result.files:
        print(f"{f.kind:20} {f.region or '-':12} {f.rows:8} {f.path}")
    if args.deliver:
        for remote in deliver_rosters(run_id=result.run_id):
            print(f"delivered {remote}")
    return 0


def _deliver(args: argparse.Namespace) -> int:
    from canbao.outputs.build import deliver_rosters

    for remote in deliver_rosters(run_id=args.run_id, conn_id=args.conn_id):
        print(f"delivered {remote}")
    return 0
