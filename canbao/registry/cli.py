"""``canbao feeds`` (the registry as a table) and ``canbao check`` (a file tried offline)."""

from __future__ import annotations

import argparse
import sys


def _feeds(args: argparse.Namespace) -> int:
    from canbao.registry.loader import RegistryError, load_registry

    try:
        feeds = load_registry(args.registry)
    except RegistryError as exc:
        print(f"registry error / 登记错误: {exc}", file=sys.stderr)
        return 2
    rows = [("name", "department", "folder", "pattern", "kind", "target", "suite")]
    rows += [(f.name, f.department, f.sftp.folder, f.sftp.pattern, f.kind, f.target, f.gate.suite)
             for f in feeds.values()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return 0


def _check(args: argparse.Namespace) -> int:
    from canbao.intake.check import check_file
    from canbao.registry.loader import RegistryError, get_feed

    try:
        feed = get_feed(args.feed, args.registry)
    except (RegistryError, KeyError) as exc:
        print(f"registry error / 登记错误: {exc}", file=sys.stderr)
        return 2
    report = check_file(feed, args.file, args.manifest)
    print(report.render())
    return 0 if report.ok else 1


def register(subparsers) -> None:
    p = subparsers.add_parser("feeds", help="list the feed registry / 列出数据源登记")
    p.add_argument("--registry", help="registry folder (default config/feeds or $CANBAO_FEEDS_DIR)")
    p.set_defaults(func=_feeds)

    p = subparsers.add_parser("check", help="try a file offline against its feed / 离线检查文件")
    p.add_argument("--feed", required=True)
    p.add_argument("file")
    p.add_argument("--manifest", help="the delivery's manifest (<file>.manifest.json)")
    p.add_argument("--registry", help="registry folder")
    p.set_defaults(func=_check)
