"""Load one delivery's parsed rows into ``intake.stg_<target>`` (and its parse rejects), in one transaction.

Re-staging a delivery first deletes what an earlier attempt staged, so a
re-run gives the same rows. Parsing (Python, this thread) and COPY
(PostgreSQL, fed by a second thread) overlap: a small queue of batches keeps
memory bounded while both cores work.
"""

from __future__ import annotations

import datetime as dt
import io
import queue
import threading
from pathlib import Path

import sqlalchemy as sa

from canbao.db import copy_text, engine
from canbao.intake.errors import BadDelivery
from canbao.intake.parse import DEFAULT_CHUNK_ROWS, ParseStats, escape_copy, parse_file
from canbao.paths import read_sql
from canbao.registry.loader import Feed
from canbao.registry.targets import TARGETS

REJECT_COLUMNS = ["delivery_id", "source_row", "rule", "reason"]


def staging_table(target: str) -> str:
    if target not in TARGETS:
        raise KeyError(f"unknown target {target}")
    return f"intake.stg_{target}"


def _sql_for_target(name: str, target: str) -> str:
    return read_sql(name).replace("intake.stg_target", staging_table(target))


class _BigReads(io.RawIOBase):
    """A bytes buffer read in 1 MiB pieces whatever size psycopg2 asks for (it asks 8 KiB by default):
    fewer round trips through Python, so the parsing thread keeps the interpreter."""

    def __init__(self, data: bytes, piece: int = 1 << 20):
        super().__init__()
        self.view, self.pos, self.piece = memoryview(data), 0, piece

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self.view[self.pos:self.pos + self.piece]
        self.pos += len(chunk)
        return bytes(chunk)


class _CopyWorker(threading.Thread):
    """Runs the COPYs of one connection in order while the parser keeps going."""

    def __init__(self, conn, table: str, columns: list[str], delivery_id: int):
        super().__init__(daemon=True, name="canbao-copy")
        self.conn, self.table, self.columns, self.delivery_id = conn, table, columns, delivery_id
        self.jobs: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None

    def run(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                return
            if self.error is not None:
                continue
            lines, rejects = job
            try:
                if lines:
                    lines.append("")
                    # bytes, not text: psycopg2 then sends the buffer as is instead of encoding 8 KiB pieces
                    data = "\n".join(lines).encode("utf-8")
                    lines.clear()
                    copy_text(self.conn, self.table, self.columns, _BigReads(data))
                if rejects:
                    text = "".join(f"{self.delivery_id}\t{row}\t{escape_copy(rule)}\t{escape_copy(reason)}\n"
                                   for row, rule, reason in rejects)
                    copy_text(self.conn, "intake.reject", REJECT_COLUMNS, io.BytesIO(text.encode("utf-8")))
            except BaseException as exc:  # reported to the parsing thread
                self.error = exc

    def put(self, job) -> None:
        if self.error is not None:
            raise self.error
        self.jobs.put(job)

    def finish(self) -> None:
        self.jobs.put(None)
        self.join()
        if self.error is not None:
            raise self.error


def _dedupe_rejects(rejects: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    seen: set[tuple[int, str]] = set()
    out = []
    for r in rejects:
        if (r[0], r[1]) not in seen:
            seen.add((r[0], r[1]))
            out.append(r)
    return out


def stage_file(conn, feed: Feed, path: Path, delivery_id: int, as_of: dt.date | None,
               expected_rows: int | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> ParseStats:
    """Parse ``path`` and COPY it into staging on ``conn`` (the caller's transaction)."""
    conn.execute(sa.text(_sql_for_target("intake/stage_clear.sql", feed.target)), {"delivery_id": delivery_id})
    conn.execute(sa.text(read_sql("intake/reject_clear.sql")), {"delivery_id": delivery_id})
    stats = ParseStats()
    columns = [c for c, _ in feed.target_def.columns()]
    worker = _CopyWorker(conn, staging_table(feed.target), columns, delivery_id)
    worker.start()
    try:
        for batch in parse_file(feed, path, delivery_id, as_of, chunk_rows, stats):
            worker.put((batch.lines, _dedupe_rejects(batch.rejects)))
    finally:
        worker.finish()
    if expected_rows is not None and stats.rows != expected_rows:
        code = "TRUNCATED" if stats.rows < expected_rows else "ROW_COUNT_MISMATCH"
        raise BadDelivery(code, f"{stats.rows} data rows parsed, {expected_rows} declared")
    return stats


def stage_delivery(db_url: str | None, feed: Feed, path: Path, delivery_id: int, as_of: dt.date | None,
                   expected_rows: int | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> ParseStats:
    """Stage one delivery in its own transaction and mark it STAGED; nothing is left behind on failure."""
    with engine(db_url).begin() as conn:
        stats = stage_file(conn, feed, path, delivery_id, as_of, expected_rows, chunk_rows)
        conn.execute(sa.text(read_sql("intake/delivery_staged.sql")),
                     {"delivery_id": delivery_id, "rows_parsed": stats.rows, "rows_rejected": stats.rejected_rows})
    return stats
