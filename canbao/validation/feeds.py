"""What the gate needs to know about a feed, whoever loaded the registry.

The registry loader (``canbao.registry.load_registry``) belongs to intake and
returns its own dataclasses; until it exists, and so that the gate does not
depend on the exact shape of those classes, this module reads the few keys
the gate uses into :class:`GateFeed`. Anything with attributes *or* a mapping
with the keys of ``config/feeds/README.md`` is accepted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from canbao.paths import FEEDS_DIR
from canbao.registry.targets import TARGETS, Target


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


@dataclass(frozen=True)
class GateFeed:
    """The registry facts the gate, promotion, receipts and lateness checks read."""

    name: str
    department: str
    title: str
    contact: str
    target: str
    kind: str
    sftp_conn_id: str = "canbao_sftp"
    sftp_folder: str = ""
    sftp_receipts: str = ""
    suite: str = ""
    max_reject_share: float = 0.01
    volume_band: float | None = 0.2
    strict_identity: bool = False
    schedule_expected: str | None = None
    schedule_grace: dt.timedelta | None = None

    @property
    def target_def(self) -> Target:
        return TARGETS[self.target]

    @property
    def suite_name(self) -> str:
        return self.suite or self.name

    @classmethod
    def of(cls, feed: Any) -> GateFeed:
        """Adapt a registry ``Feed`` (attributes) or a parsed YAML mapping."""
        if isinstance(feed, GateFeed):
            return feed
        sftp, gate, schedule = _get(feed, "sftp"), _get(feed, "gate"), _get(feed, "schedule")
        target = _get(feed, "target")
        target_name = target if isinstance(target, str) else _get(target, "name")
        kind = _get(feed, "kind") or TARGETS[target_name].kind
        band = _get(gate, "volume_band", 0.2 if kind == "snapshot" else None)
        grace = _get(schedule, "grace")
        return cls(
            name=_get(feed, "name"),
            department=_get(feed, "department", ""),
            title=_get(feed, "title", "") or _get(feed, "name"),
            contact=_get(feed, "contact", "") or "",
            target=target_name,
            kind=kind,
            sftp_conn_id=_get(sftp, "conn_id", "canbao_sftp") or "canbao_sftp",
            sftp_folder=_get(sftp, "folder", "") or "",
            sftp_receipts=_get(sftp, "receipts", "") or "",
            suite=_get(gate, "suite", "") or _get(feed, "name"),
            max_reject_share=float(_get(gate, "max_reject_share", 0.01) or 0.0),
            volume_band=float(band) if band is not None else None,
            strict_identity=bool(_get(gate, "strict_identity", False)),
            schedule_expected=_get(schedule, "expected"),
            schedule_grace=_duration(grace),
        )


def _duration(value: Any) -> dt.timedelta | None:
    """The grace period: a ``timedelta`` (intake's loader parses it) or ISO 8601 text (``PT6H``)."""
    if value is None or isinstance(value, dt.timedelta):
        return value
    from canbao.registry.loader import parse_duration

    return parse_duration(str(value))


def load_feeds(feeds_dir: Path | None = None) -> dict[str, GateFeed]:
    """Every feed of the registry, through intake's loader when it exists, else straight from YAML."""
    if feeds_dir is None:
        try:
            from canbao.registry import load_registry  # type: ignore[attr-defined]
        except ImportError:
            load_registry = None
        if load_registry is not None:
            return {name: GateFeed.of(feed) for name, feed in load_registry().items()}
    import yaml

    out: dict[str, GateFeed] = {}
    for path in sorted((feeds_dir or FEEDS_DIR).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        feed = GateFeed.of(data)
        out[feed.name] = feed
    return out


# Feeds made known to this process that are not (yet) in config/feeds: a draft feed tried with
# `canbao check`, or the feeds tests define. A quarantined delivery is released by id, and its feed
# is then looked up by name: here first, then in the registry.
_KNOWN: dict[str, GateFeed] = {}


def register_feed(feed: Any) -> GateFeed:
    """Make a feed known by name to this process (for feeds not in config/feeds)."""
    f = GateFeed.of(feed)
    _KNOWN[f.name] = f
    return f


def resolve_feed(feed: Any) -> GateFeed:
    """A feed given by name (looked up in the registry) or as an object."""
    if isinstance(feed, str):
        if feed in _KNOWN:
            return _KNOWN[feed]
        feeds = load_feeds()
        if feed not in feeds:
            raise KeyError(f"no feed {feed!r} in the registry (config/feeds/)")
        return feeds[feed]
    return GateFeed.of(feed)
