"""Generate the reviewed artefacts of the gate: one GX suite per feed and the gate/promotion SQL.

    python -m canbao.validation.suites --write   # (re)write expectations/expectations/*.json, include/sql/intake/*
    python -m canbao.validation.suites --check   # exit 1 when a committed file differs (CI, tests)

Suites are data checked into git; generating them from the registry and the
target definitions keeps them in step with what intake stages, and the diff
shows a reviewer what a registry change does to the gate.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from canbao.paths import EXPECTATIONS_DIR, SQL_DIR
from canbao.validation.feeds import GateFeed, load_feeds
from canbao.validation.rules import generated_sql, rules_for

SUITES_DIR = EXPECTATIONS_DIR / "expectations"
INTAKE_SQL_DIR = SQL_DIR / "intake"


def suite_dict(feed: Any) -> dict[str, Any]:
    """The GX Core 1.x suite (JSON form) of one feed."""
    f = GateFeed.of(feed)
    return {
        "name": f.suite_name,
        "expectations": [r.expectation() for r in rules_for(f)],
        "meta": {
            "feed": f.name,
            "target": f.target,
            "kind": f.kind,
            "strict_identity": f.strict_identity,
            "max_reject_share": f.max_reject_share,
            "volume_band": f.volume_band,
            "generated_by": "python -m canbao.validation.suites --write",
            "parameters": {
                "rows_expected": "data rows declared by the manifest less rows intake could not stage",
                "volume_min/volume_max": "band around the last accepted delivery's rows (snapshot feeds)",
                "last_as_of": "data date of the last accepted delivery",
                "today": "the date the gate runs",
                "as_of": "the delivery's data date",
                "earliest_date": "the earliest plausible date (1900-01-01)",
            },
        },
        "notes": None,
    }


def suite_json(feed: Any) -> str:
    return json.dumps(suite_dict(feed), ensure_ascii=False, indent=2) + "\n"


def suite_path(feed: Any) -> Path:
    return SUITES_DIR / f"{GateFeed.of(feed).suite_name}.json"


def load_suite(feed: Any) -> dict[str, Any]:
    """The committed suite of a feed; generated on the fly (and logged) when none is committed yet."""
    path = suite_path(feed)
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    from canbao.privacy import get_logger

    get_logger(__name__).warning("no committed suite %s; using the generated one", path.name)
    return suite_dict(feed)


def expected_files(feeds: dict[str, GateFeed] | None = None) -> dict[Path, str]:
    """Every generated file and its content."""
    feeds = load_feeds() if feeds is None else feeds
    out: dict[Path, str] = {suite_path(f): suite_json(f) for f in feeds.values()}
    for name, text in generated_sql().items():
        out[INTAKE_SQL_DIR / name] = text
    return out


def stale_files(feeds: dict[str, GateFeed] | None = None) -> list[Path]:
    """Generated files missing or differing from what the registry and targets give now."""
    return [p for p, text in expected_files(feeds).items()
            if not p.is_file() or p.read_text(encoding="utf-8") != text]


def write(feeds: dict[str, GateFeed] | None = None) -> list[Path]:
    written = []
    for path, text in expected_files(feeds).items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m canbao.validation.suites", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true", help="write the suites and the generated SQL")
    group.add_argument("--check", action="store_true", help="exit 1 when a generated file is out of date")
    args = parser.parse_args(argv)
    if args.write:
        for path in write():
            print(f"wrote {path}")
        return 0
    stale = stale_files()
    for path in stale:
        print(f"out of date: {path}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
