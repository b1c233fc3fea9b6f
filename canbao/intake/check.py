"""``canbao check``: try a department file offline against its feed, before it is ever delivered.

Runs the same parse and normalisation as intake (no database, no SFTP), the
manifest comparison when a manifest is given, and the gate engineer's
offline suite (``canbao.validation.offline.check_dataframe``) when present.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from canbao.intake.delivery import Candidate, Fetched, _check_manifest, verify
from canbao.intake.errors import BadDelivery
from canbao.intake.parse import ParseStats, parse_file, unescape_copy
from canbao.registry.loader import Feed


@dataclass
class CheckReport:
    feed: str
    file: str
    ok: bool = True
    rows: int = 0
    rejected_rows: int = 0
    rules: Counter = field(default_factory=Counter)
    bad: str | None = None
    suite: str | None = None   # offline suite verdict text, if it ran
    encoding: str = ""
    unmapped: list[str] = field(default_factory=list)

    def render(self) -> str:
        lines = [f"数据源 feed: {self.feed}   文件 file: {self.file}"]
        if self.bad:
            lines.append(f"✗ 整个文件被拒收 / whole file refused: {self.bad}")
        else:
            lines.append(f"编码 encoding: {self.encoding}   数据行 rows: {self.rows}   "
                         f"有问题的行 rows with rejects: {self.rejected_rows}")
            if self.unmapped:
                lines.append("未使用的列 columns not mapped (ignored): " + ", ".join(self.unmapped))
            for rule, n in self.rules.most_common():
                lines.append(f"  - {rule}: {n}")
        if self.suite:
            lines.append(self.suite)
        lines.append("结论 verdict: " + ("通过 / would pass" if self.ok else "不通过 / would NOT pass"))
        return "\n".join(lines)


def _frames(feed: Feed, batches: Iterator, stats: ParseStats) -> Iterator[Any]:
    import pandas as pd

    target = feed.target_def
    types = {f.name: f.type for f in target.fields}
    for batch in batches:
        cols = stats.columns
        rows = [[unescape_copy(v) for v in line.split("\t")] for line in batch.lines]
        df = pd.DataFrame(rows, columns=cols)
        for name, ftype in types.items():
            if ftype == "date":
                df[name] = pd.to_datetime(df[name], errors="coerce").dt.date
            elif ftype == "bool":
                df[name] = df[name].map({"t": True, "f": False})
            elif ftype == "int":
                df[name] = pd.to_numeric(df[name], errors="coerce").astype("Int64")
            elif ftype == "numeric":
                df[name] = pd.to_numeric(df[name], errors="coerce")
        yield df


def check_file(feed: Feed, path: str | Path, manifest: str | Path | None = None,
               chunk_rows: int = 50_000) -> CheckReport:
    path = Path(path)
    report = CheckReport(feed.name, path.name)
    stats = ParseStats()
    expected_rows = None
    try:
        if manifest is not None:
            cand = Candidate(feed.name, feed.sftp.folder, path.name, Path(manifest).name)
            try:
                doc = json.loads(Path(manifest).read_text(encoding="utf-8-sig"))
            except (OSError, ValueError) as exc:
                raise BadDelivery("MANIFEST_INVALID", type(exc).__name__) from None
            if not isinstance(doc, dict):
                raise BadDelivery("MANIFEST_INVALID", "not a JSON object")
            _check_manifest(feed, cand, doc)
            digest, size = hashlib.sha256(), 0
            with open(path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    digest.update(chunk)
                    size += len(chunk)
            verify(cand, Fetched(digest.hexdigest(), size, path))
            expected_rows = cand.rows

        def batches():
            for b in parse_file(feed, path, None, None, chunk_rows, stats):
                report.rules.update(rule for _, rule, _ in b.rejects)
                yield b

        offline = None
        try:
            offline = importlib.import_module("canbao.validation.offline")
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith("canbao.validation"):
                raise
        gen = batches()
        if offline is not None and hasattr(offline, "check_dataframe"):
            verdict = offline.check_dataframe(feed, _frames(feed, gen, stats))
            ok = getattr(verdict, "ok", getattr(verdict, "success", verdict))
            if isinstance(verdict, bool):
                report.suite = "质量检查 suite: " + ("通过 / passed" if verdict else "未通过 / failed")
            else:
                report.suite = verdict.render() if hasattr(verdict, "render") else str(verdict)
            report.ok = bool(ok)
        for _ in gen:  # parse what the suite did not read: whole-file faults still count
            pass
        if offline is None or not hasattr(offline, "check_dataframe"):
            report.suite = "（离线质量检查未安装 / offline suite not installed: parse checks only）"
        report.rows, report.rejected_rows, report.encoding = stats.rows, stats.rejected_rows, stats.encoding
        report.unmapped = stats.unmapped_columns
        if expected_rows is not None and stats.rows != expected_rows:
            code = "TRUNCATED" if stats.rows < expected_rows else "ROW_COUNT_MISMATCH"
            raise BadDelivery(code, f"{stats.rows} data rows parsed, {expected_rows} declared")
        if report.rows and report.rejected_rows / report.rows > feed.gate.max_reject_share:
            report.ok = False
    except BadDelivery as bad:
        report.ok, report.bad = False, str(bad)
    return report
