"""``canbao publish`` (outbox -> province) and ``canbao feedback`` (province -> publication.feedback)."""

from __future__ import annotations

import argparse
import json
import os

from canbao.publication.publisher import MAX_BYTES, MAX_RECORDS


def _connection_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="platform database URL (default CANBAO_DATABASE_URL)")
    parser.add_argument("--province-url", help="provincial endpoint (default CANBAO_PROVINCE_URL)")
    parser.add_argument("--node-id", help="our node id (default CANBAO_NODE_ID)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")


def register(subparsers) -> None:
    pub = subparsers.add_parser("publish", help="send pending outbox changes to the province (signed batches)")
    _connection_args(pub)
    pub.add_argument("--max-records", type=int, default=MAX_RECORDS)
    pub.add_argument("--max-bytes", type=int, default=MAX_BYTES)
    pub.add_argument("--no-gzip", action="store_true", help="send bodies uncompressed")
    pub.add_argument("--max-wait", type=float, default=300.0, help="seconds this run may wait on 429/503/backoff")
    pub.add_argument("--backoff", type=float, default=1.0, help="first retry delay after a failure, seconds")
    pub.add_argument("--run-id", help="Airflow run id, for the audit trail")
    pub.set_defaults(func=publish_command)
    fb = subparsers.add_parser("feedback", help="pull the province's feedback into publication.feedback")
    _connection_args(fb)
    fb.add_argument("--limit", type=int, default=1000)
    fb.set_defaults(func=feedback_command)


def _client(args: argparse.Namespace):
    from canbao.publication.client import ProvinceClient
    from canbao.settings import getenv

    secret = getenv("CANBAO_NODE_SECRET", "")  # never from the command line: it would show in ps
    return ProvinceClient(args.province_url or getenv("CANBAO_PROVINCE_URL", "http://127.0.0.1:8808"),
                          args.node_id or getenv("CANBAO_NODE_ID", "330604"), secret, timeout=args.timeout)


def _db(args: argparse.Namespace) -> str:
    from canbao.settings import Settings

    return args.db or os.environ.get("CANBAO_DATABASE_URL") or Settings.from_env().database_url


def publish_command(args: argparse.Namespace) -> int:
    from canbao.publication.publisher import publish

    with _client(args) as client:
        summary = publish(_db(args), client, max_records=args.max_records, max_bytes=args.max_bytes,
                          gzip=not args.no_gzip, max_wait=args.max_wait, backoff=args.backoff, run_id=args.run_id)
    print(json.dumps(summary.as_dict(), ensure_ascii=False))
    return 0 if summary.stopped is None else 3


def feedback_command(args: argparse.Namespace) -> int:
    from canbao.publication.feedback import pull_feedback

    with _client(args) as client:
        summary = pull_feedback(_db(args), client, limit=args.limit)
    print(json.dumps(summary.__dict__, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``publish``/``feedback`` without the whole ``canbao`` command (used by the crash tests)."""
    import logging

    from canbao.privacy import install_log_masking

    parser = argparse.ArgumentParser(prog="canbao")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_masking()
    return int(args.func(args) or 0)


if __name__ == "__main__":
    import sys

    sys.exit(main())
