"""Load one delivery's parsed rows into ``intake.stg_<target>`` (and its parse rejects), in one transaction.

Re-staging a delivery first deletes what an earlier attempt staged, so a
re-run gives the same rows. Parsing (Python, this thread) and COPY
(PostgreSQL, fed by a second thread) overlap: a small queue of batches keeps
memory bounded while both cores work. The rows go in one COPY for the whole
delivery (fed batch by batch), then the row rejects in a second.
"""

from __future__ import annotations

import datetime as dt
import io
import queue
import tempfile
import threading
from pathlib import Path

import sqlalchemy as sa

from canbao.db import copy_text, engine
from canbao.intake.errors import BadDelivery
from canbao.intake.parse import ParseStats, escape_copy, parse_file
from canbao.paths import read_sql
from canbao.registry.loader import Feed
from canbao.registry.targets import TARGETS

REJECT_COLUMNS = ["delivery_id", "source_row", "rule", "reason"]
# Rows per batch handed to the COPY thread. All batches feed one COPY, so small batches cost nothing there,
# and the smaller the batch the sooner PostgreSQL starts and the less is left to load after the parser ends.
STAGE_CHUNK_ROWS = 16_384


def staging_table(target: str) -> str:
    if target not in TARGETS:
        raise KeyError(f"unknown target {target}")
    return f"intake.stg_{target}"


def _sql_for_target(name: str, target: str) -> str:
    return read_sql(name).replace("intake.stg_target", staging_table(target))


class _BatchStream(io.RawIOBase):
    """The staging rows of the batches the parser hands over, as one stream for one COPY.

    Why one COPY for the whole delivery: PostgreSQL starts on the first batch
    while the parser works on the next, and nothing is left to load once the
    parser is done but the last small batch (with a COPY per 50,000-row batch
    the last batch was loaded after parsing, a sixth of the time at 300,000
    rows). Read in pieces of at most 1 MiB whatever size psycopg2 asks for (it
    asks 8 KiB): fewer round trips through Python, so the parsing thread keeps
    the interpreter. Row rejects of each batch go to a spool, loaded once the
    rows are in (a connection runs one COPY at a time).
    """

    def __init__(self, jobs: queue.Queue, delivery_id: int, piece: int = 1 << 20):
        super().__init__()
        self.jobs, self.delivery_id, self.piece = jobs, delivery_id, piece
        self.view, self.pos = memoryview(b""), 0
        self.ended = False
        self.rejects = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 (closed by the worker)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while self.pos >= len(self.view):
            if self.ended:
                return b""
            job = self.jobs.get()
            if job is None:
                self.ended = True
                return b""
            batch, rejects = job
            # bytes, not text: psycopg2 then sends the buffer as is instead of encoding 8 KiB pieces
            self.view, self.pos = memoryview(batch.copy_data()), 0
            batch.release()
            if rejects:
                text = "".join(f"{self.delivery_id}\t{row}\t{escape_copy(rule)}\t{escape_copy(reason)}\n"
                               for row, rule, reason in rejects)
                self.rejects.write(text.encode("utf-8"))
        chunk = self.view[self.pos:self.pos + self.piece]
        self.pos += len(chunk)
        return bytes(chunk)


class _CopyWorker(threading.Thread):
    """Runs the delivery's COPY (then its rejects' COPY) on the caller's connection while the parser keeps going."""

    def __init__(self, conn, table: str, columns: list[str], delivery_id: int):
        super().__init__(daemon=True, name="canbao-copy")
        self.conn, self.table, self.columns, self.delivery_id = conn, table, columns, delivery_id
        self.jobs: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None

    def run(self) -> None:
        stream = _BatchStream(self.jobs, self.delivery_id)
        try:
            copy_text(self.conn, self.table, self.columns, stream)
            if stream.rejects.tell():
                stream.rejects.seek(0)
                copy_text(self.conn, "intake.reject", REJECT_COLUMNS, stream.rejects)
        except BaseException as exc:  # reported to the parsing thread
            self.error = exc
            while not stream.ended and self.jobs.get() is not None:  # let the parser finish or fail
                pass
        finally:
            stream.rejects.close()

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
               expected_rows: int | None = None, chunk_rows: int = STAGE_CHUNK_ROWS) -> ParseStats:
    """Parse ``path`` and COPY it into staging on ``conn`` (the caller's transaction)."""
    conn.execute(sa.text(_sql_for_target("intake/stage_clear.sql", feed.target)), {"delivery_id": delivery_id})
    conn.execute(sa.text(read_sql("intake/reject_clear.sql")), {"delivery_id": delivery_id})
    stats = ParseStats()
    columns = [c for c, _ in feed.target_def.columns()]
    worker = _CopyWorker(conn, staging_table(feed.target), columns, delivery_id)
    worker.start()
    try:
        for batch in parse_file(feed, path, delivery_id, as_of, chunk_rows, stats):
            worker.put((batch, _dedupe_rejects(batch.rejects)))
    finally:
        worker.finish()
    if expected_rows is not None and stats.rows != expected_rows:
        code = "TRUNCATED" if stats.rows < expected_rows else "ROW_COUNT_MISMATCH"
        raise BadDelivery(code, f"{stats.rows} data rows parsed, {expected_rows} declared")
    return stats


def stage_delivery(db_url: str | None, feed: Feed, path: Path, delivery_id: int, as_of: dt.date | None,
                   expected_rows: int | None = None, chunk_rows: int = STAGE_CHUNK_ROWS) -> ParseStats:
    """Stage one delivery in its own transaction and mark it STAGED; nothing is left behind on failure."""
    with engine(db_url).begin() as conn:
        stats = stage_file(conn, feed, path, delivery_id, as_of, expected_rows, chunk_rows)
        conn.execute(sa.text(read_sql("intake/delivery_staged.sql")),
                     {"delivery_id": delivery_id, "rows_parsed": stats.rows, "rows_rejected": stats.rejected_rows})
    return stats
