"""The ``canbao`` command. Each area registers its own subcommands.

An area module ``canbao.<area>.cli`` exposes ``register(subparsers)`` which
adds its subcommands, each with ``set_defaults(func=callable(args) -> int)``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from canbao.privacy import install_log_masking

AREAS = [
    "canbao.services.cli",
    "canbao.generate.cli",
    "canbao.registry.cli",
    "canbao.intake.cli",
    "canbao.validation.cli",
    "canbao.comparison.cli",
    "canbao.outputs.cli",
    "canbao.update.cli",
    "canbao.publication.cli",
    "canbao.province_sandbox.cli",
    "canbao.bench.cli",
    "canbao.demo",
    "canbao.audit_cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="canbao", description="全民参保登记 data exchange platform")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in AREAS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # area not built yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "paramiko", "alembic"):  # one line per request or connection drowns the story
        logging.getLogger(noisy).setLevel(logging.WARNING)
    install_log_masking()
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
