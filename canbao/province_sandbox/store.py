"""The sandbox's storage: one SQLite file, so batches, cursors and the replay cache survive restarts.

This is the province's side of the contract, kept deliberately separate from
the platform database: tests compare what the province holds with what the
platform meant to send.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from canbao.province import rules

SCHEMA = """
create table if not exists node (
    node_id text primary key,
    last_seq integer not null default 0,
    last_batch_id text
);
create table if not exists batch (
    batch_id text primary key,
    node_id text not null,
    seq integer not null,
    records_sha256 text not null,
    answer text not null,
    received_at real not null
);
create table if not exists accepted (
    node_id text not null,
    batch_id text not null,
    seq integer not null,
    idx integer not null,
    person_id text not null,
    version integer not null,
    op text not null,
    primary key (batch_id, idx)
);
create index if not exists accepted_person on accepted (node_id, person_id, version);
create table if not exists person (
    node_id text not null,
    person_id text not null,
    version integer not null,
    op text not null,
    held integer not null,
    record text,
    primary key (node_id, person_id)
);
create table if not exists nonce (
    node_id text not null,
    nonce text not null,
    seen_at real not null,
    primary key (node_id, nonce)
);
create table if not exists feedback (
    cursor integer primary key autoincrement,
    node_id text not null,
    item text not null
);
"""

# Nonces older than this can no longer be replayed (their timestamp fails the skew check), so they are pruned.
NONCE_TTL_SECONDS = 2 * 300 + 60


def records_digest(records: Any) -> str:
    """A digest of the records independent of key order and whitespace: the idempotency comparison."""
    canonical = json.dumps(records, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Store:
    """Thread-safe access to the sandbox SQLite file (one connection, one lock: the sandbox is not a load test)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("pragma journal_mode=wal")
        self._db.execute("pragma synchronous=normal")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- authentication ---------------------------------------------------------------------------
    def use_nonce(self, node_id: str, nonce: str, now: float | None = None) -> bool:
        """Record a nonce; False when it was already used (a replay)."""
        now = now or time.time()
        with self._lock:
            self._db.execute("delete from nonce where seen_at < ?", (now - NONCE_TTL_SECONDS,))
            cur = self._db.execute("insert or ignore into nonce (node_id, nonce, seen_at) values (?, ?, ?)",
                                   (node_id, nonce, now))
            return cur.rowcount == 1

    # --- batches ----------------------------------------------------------------------------------
    def stored_batch(self, batch_id: str) -> tuple[str, str, dict] | None:
        """(node_id, records_sha256, answer) of an already stored batch."""
        with self._lock:
            row = self._db.execute("select node_id, records_sha256, answer from batch where batch_id = ?",
                                   (batch_id,)).fetchone()
        return (row[0], row[1], json.loads(row[2])) if row else None

    def cursor(self, node_id: str) -> dict:
        with self._lock:
            row = self._db.execute("select last_seq, last_batch_id from node where node_id = ?", (node_id,)).fetchone()
        return {"last_seq": row[0] if row else 0, "last_batch_id": row[1] if row else None}

    def store_batch(self, node_id: str, batch_id: str, seq: int, records: list) -> tuple[int, dict]:
        """Check seq, apply the records, store the answer, all in one transaction.

        Returns (http status, answer): 409 with expected_seq when seq is not the
        next one (nothing stored), else 200 with the per-record outcome.
        """
        digest = records_digest(records)
        with self._lock:
            db = self._db
            db.execute("begin immediate")
            try:
                # The same batch may have been stored by a concurrent request since the caller looked.
                done = db.execute("select node_id, records_sha256, answer from batch where batch_id = ?",
                                  (batch_id,)).fetchone()
                if done is not None:
                    db.execute("rollback")
                    if done[0] != node_id or done[1] != digest:
                        return 422, {"error": "batch_id already used with other records", "code": "CONFLICT"}
                    return 200, json.loads(done[2])
                row = db.execute("select last_seq from node where node_id = ?", (node_id,)).fetchone()
                expected = (row[0] if row else 0) + 1
                if seq != expected:
                    db.execute("rollback")
                    return 409, {"error": f"seq {seq} is not the next expected", "code": "SEQ",
                                 "expected_seq": expected}
                rejected: list[dict] = []
                watermark: dict[str, int] = {}
                accepted_rows = []
                for index, record in enumerate(records):
                    problem = rules.check_record(record)
                    person_id = record.get("person_id") if isinstance(record, dict) else None
                    if problem is None:
                        last = watermark.get(person_id)
                        if last is None:
                            got = db.execute("select version from person where node_id = ? and person_id = ?",
                                             (node_id, person_id)).fetchone()
                            last = got[0] if got else 0
                        if record["version"] <= last:
                            problem = (rules.VERSION_STALE, f"version must be above the last accepted ({last})")
                    if problem is not None:
                        rejected.append({"index": index, "person_id": person_id if isinstance(person_id, str) else "",
                                         "code": problem[0], "message": problem[1]})
                        continue
                    watermark[person_id] = record["version"]
                    accepted_rows.append((node_id, batch_id, seq, index, person_id, record["version"], record["op"]))
                    upsert = record["op"] == "UPSERT"
                    db.execute(
                        "insert into person (node_id, person_id, version, op, held, record) values (?, ?, ?, ?, ?, ?) "
                        "on conflict (node_id, person_id) do update set version = excluded.version, op = excluded.op, "
                        "held = excluded.held, record = excluded.record",
                        (node_id, person_id, record["version"], record["op"], 1 if upsert else 0,
                         json.dumps(record.get("data"), ensure_ascii=False) if upsert else None),
                    )
                db.executemany("insert into accepted values (?, ?, ?, ?, ?, ?, ?)", accepted_rows)
                answer = {"batch_id": batch_id, "seq": seq, "status": "PARTIAL" if rejected else "ACCEPTED",
                          "accepted": len(accepted_rows), "rejected": rejected}
                db.execute("insert into batch values (?, ?, ?, ?, ?, ?)",
                           (batch_id, node_id, seq, digest, json.dumps(answer, ensure_ascii=False), time.time()))
                db.execute(
                    "insert into node (node_id, last_seq, last_batch_id) values (?, ?, ?) on conflict (node_id) "
                    "do update set last_seq = excluded.last_seq, last_batch_id = excluded.last_batch_id",
                    (node_id, seq, batch_id),
                )
                db.execute("commit")
            except BaseException:
                db.execute("rollback")
                raise
        return 200, answer

    # --- feedback ---------------------------------------------------------------------------------
    def add_feedback(self, items: Iterable[tuple[str, dict]]) -> int:
        with self._lock:
            self._db.execute("begin")
            n = 0
            for node_id, item in items:
                self._db.execute("insert into feedback (node_id, item) values (?, ?)",
                                 (node_id, json.dumps(item, ensure_ascii=False)))
                n += 1
            self._db.execute("commit")
        return n

    def feedback(self, node_id: str, after: int, limit: int) -> tuple[list[dict], str | None]:
        with self._lock:
            rows = self._db.execute(
                "select cursor, item from feedback where node_id = ? and cursor > ? order by cursor limit ?",
                (node_id, after, limit + 1),
            ).fetchall()
        items = [{"cursor": str(c), **json.loads(item)} for c, item in rows[:limit]]
        more = len(rows) > limit
        return items, (items[-1]["cursor"] if more and items else None)

    # --- beside the contract (tests, demo) --------------------------------------------------------
    def stats(self, node_id: str | None = None) -> dict:
        where, args = ("where node_id = ?", (node_id,)) if node_id else ("", ())
        with self._lock:
            batches = self._db.execute(f"select count(*) from batch {where}", args).fetchone()[0]
            last_seq = self._db.execute(f"select coalesce(max(last_seq), 0) from node {where}", args).fetchone()[0]
            records = self._db.execute(f"select count(*) from accepted {where}", args).fetchone()[0]
            held = "where held = 1" + (" and node_id = ?" if node_id else "")
            persons = self._db.execute(f"select count(*) from person {held}", args).fetchone()[0]
        return {"batches": batches, "last_seq": last_seq, "records": records, "persons": persons}

    def person(self, person_id: str, node_id: str | None = None) -> dict | None:
        """The latest record held for a person (of one node, or of the first node holding one)."""
        with self._lock:
            row = self._db.execute(
                "select node_id, version, op, held, record from person where person_id = ? "
                "and (? is null or node_id = ?) order by node_id limit 1", (person_id, node_id, node_id)
            ).fetchone()
            if row is None:
                return None
            history = self._db.execute(
                "select version from accepted where person_id = ? and node_id = ? order by seq, idx",
                (person_id, row[0]),
            ).fetchall()
        return {"person_id": person_id, "node_id": row[0], "version": row[1], "op": row[2], "held": bool(row[3]),
                "data": json.loads(row[4]) if row[4] else None, "history": [h[0] for h in history]}

    def accepted_log(self, node_id: str | None = None) -> list[dict]:
        """Every accepted record in the order the province applied it (seq, index)."""
        where, args = ("where node_id = ?", (node_id,)) if node_id else ("", ())
        with self._lock:
            rows = self._db.execute(
                f"select seq, idx, person_id, version, op, batch_id from accepted {where} order by seq, idx", args
            ).fetchall()
        return [{"seq": r[0], "index": r[1], "person_id": r[2], "version": r[3], "op": r[4], "batch_id": r[5]}
                for r in rows]
