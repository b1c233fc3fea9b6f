"""``canbao check``: the feed's suite on pandas DataFrames, without a database.

Intake's parser yields the delivery as DataFrames of canonical fields (with
``<id>_raw``/``<id>_status`` and, when it numbers them, ``source_row``); the
same committed suite runs on them in memory. Rules that need history (volume
band, freshness against the last accepted delivery) cannot be judged offline
and are given neutral parameters; the manifest's row count is checked when
``rows_declared`` is given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from canbao.privacy import mask_text
from canbao.registry.targets import TARGETS
from canbao.validation.feeds import GateFeed
from canbao.validation.rules import EARLIEST_DATE

UNBOUNDED = 2**31 - 1


@dataclass
class OfflineReport:
    feed: str
    rows: int
    outcome: str  # ACCEPT | ACCEPT_WITH_REJECTS | QUARANTINE (what the gate would decide)
    reasons: list[str] = field(default_factory=list)
    rejected_rows: dict[int, list[str]] = field(default_factory=dict)  # source_row -> failing rules
    data_docs: str | None = None

    @property
    def exit_code(self) -> int:
        """0 accepted as is, 1 accepted with rejected rows, 2 the whole delivery would be quarantined."""
        return {"ACCEPT": 0, "ACCEPT_WITH_REJECTS": 1}.get(self.outcome, 2)

    @property
    def ok(self) -> bool:
        """The gate would promote this delivery (perhaps refusing some rows)."""
        return self.outcome != "QUARANTINE"

    def render(self) -> str:
        return self.text()

    def text(self, max_rows: int = 50) -> str:
        lines = [f"{self.feed}: {self.rows} 行 rows — {self.outcome}"]
        lines += [f"  - {r}" for r in self.reasons]
        for row, rules in list(sorted(self.rejected_rows.items()))[:max_rows]:
            lines.append(f"  第 {row} 行 row {row}: {', '.join(rules)}")
        if len(self.rejected_rows) > max_rows:
            lines.append(f"  … {len(self.rejected_rows) - max_rows} more rows")
        return mask_text("\n".join(lines))


def _frame(feed: GateFeed, frames: Any, as_of: dt.date):
    import pandas as pd

    if isinstance(frames, pd.DataFrame):
        frame = frames.copy()
    else:
        parts = list(frames) if isinstance(frames, Iterable) else [frames]
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    target = TARGETS[feed.target]
    for col, _ in target.columns():
        if col not in frame.columns:
            frame[col] = None
    if frame["source_row"].isna().all():
        frame["source_row"] = range(1, len(frame) + 1)
    frame["as_of"] = frame["as_of"].where(frame["as_of"].notna(), as_of.isoformat())
    for f in target.fields:
        if f.type == "date":
            frame[f.name] = pd.to_datetime(frame[f.name], errors="coerce")
        elif f.type in ("id", "uscc", "code", "text", "month"):
            frame[f.name] = frame[f.name].astype("object").where(frame[f.name].notna(), None)
    frame["as_of"] = pd.to_datetime(frame["as_of"], errors="coerce")
    return frame


def check_dataframe(feed: Any, frames: Any, *, as_of: dt.date | None = None, rows_declared: int | None = None,
                    today: dt.date | None = None, data_docs_dir: Path | None = None) -> OfflineReport:
    """What the gate would decide about these rows (no database, nothing promoted)."""
    from canbao.validation.runner import run_on_frame
    from canbao.validation.suites import load_suite

    f = GateFeed.of(feed)
    if today is None:
        from canbao.validation.gate import local_today

        today = local_today()
    as_of = as_of or today
    frame = _frame(f, frames, as_of)
    n = len(frame)
    import pandas as pd

    # in memory, dates compare as Timestamps (GX's pandas engine does not parse ISO text)
    params = {"rows_expected": n if rows_declared is None else rows_declared, "volume_min": 0,
              "volume_max": UNBOUNDED, "last_as_of": pd.Timestamp(EARLIEST_DATE), "today": pd.Timestamp(today),
              "as_of": pd.Timestamp(as_of), "earliest_date": pd.Timestamp(EARLIEST_DATE)}
    outcome = run_on_frame(frame, load_suite(f), params, data_docs_dir, name=f.name)
    rejected: dict[int, list[str]] = {}
    for o in outcome.row_failures:
        for row in o.unexpected_rows:
            rejected.setdefault(row, []).append(o.rule)
    reasons = [mask_text(f"{o.zh}（{o.unexpected_count if o.unexpected_count is not None else ''}） / {o.en}")
               for o in outcome.results if not o.success]
    if outcome.critical_failures:
        decision = "QUARANTINE"
    elif n and len(rejected) / n > f.max_reject_share:
        decision = "QUARANTINE"
        reasons.insert(0, f"拒收行占比 {len(rejected) / n:.2%} 超过允许的 {f.max_reject_share:.2%} / "
                          f"rejected share above {f.max_reject_share:.2%}")
    elif rejected:
        decision = "ACCEPT_WITH_REJECTS"
    else:
        decision = "ACCEPT"
    return OfflineReport(f.name, n, decision, reasons, rejected, outcome.data_docs)
