"""``canbao sandbox serve``: run the provincial sandbox server (the province's side, for development and tests)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from canbao.privacy import install_log_masking
from canbao.province_sandbox.runner import nodes_from_env


def register(subparsers) -> None:
    parser = subparsers.add_parser("sandbox", help="the provincial sandbox server")
    sub = parser.add_subparsers(dest="sandbox_command", metavar="ACTION")
    serve = sub.add_parser("serve", help="serve the provincial interface on HTTP (loopback by default)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8808)
    serve.add_argument("--db", required=True, help="SQLite file holding what the province received")
    serve.add_argument("--node-id", action="append", default=[], help="a node allowed to publish (repeatable)")
    serve.add_argument("--secret", action="append", default=[], help="that node's shared secret (same order)")
    serve.set_defaults(func=serve_command)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def serve_command(args: argparse.Namespace) -> int:
    import uvicorn

    from canbao.province_sandbox.app import create_app

    nodes = nodes_from_env(os.environ.get("CANBAO_SANDBOX_NODES"))
    if len(args.node_id) != len(args.secret):
        print("give one --secret per --node-id", file=sys.stderr)
        return 2
    nodes.update(zip(args.node_id, args.secret, strict=True))
    if not nodes:
        print("no nodes configured: use --node-id/--secret or CANBAO_SANDBOX_NODES=node:secret,...", file=sys.stderr)
        return 2
    app = create_app(args.db, nodes)
    # h11 and asyncio explicitly: the drop_after_store fault aborts the transport uvicorn's h11 cycle holds.
    uvicorn.run(app, host=args.host, port=args.port, http="h11", loop="asyncio", log_level="warning",
                timeout_keep_alive=5)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="canbao")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_masking()
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
