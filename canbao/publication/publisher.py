"""The outbox publisher: every change, to the province, in order, exactly once.

How exactly-once holds through crashes and faults:
- a batch (its batch_id, seq and items) is committed BEFORE it is sent, so a
  process killed mid-send finds it again and resends the very same batch_id
  with the very same records; the province's idempotency on batch_id makes
  that harmless;
- after any doubt (a 5xx, a timeout, a lost connection, or a batch found
  pending at start) the province's cursor is asked before anything else is
  sent: if it holds the batch it is marked delivered (and its stored answer
  fetched by replaying it), otherwise the same batch is sent again;
- only one batch per node is ever pending, and the next one is formed only
  once that one is delivered, so seq values rise by one and records stay in
  outbox order;
- 429/503 are waited out (Retry-After, within a bounded budget), then the same
  batch is resent with the same seq;
- a ``409 SEQ`` is reconciled with the cursor; a batch the province never
  stored is renumbered to the expected seq only when the province is ahead of
  us (never backwards: that would mean the province lost batches, an incident).
A PostgreSQL advisory lock keeps a second publisher for the same database out; a
run whose lock session ends (a database restart) stops before forming or sending
anything more, since its pooled connections would otherwise reconnect without it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from canbao import audit
from canbao.db import engine, run_sql
from canbao.privacy import get_logger, mask_id
from canbao.province import rules
from canbao.province.signing import format_timestamp, sm3_hex
from canbao.publication.client import ProvinceClient, Result, serialize

log = get_logger(__name__)

MAX_RECORDS = 5000
MAX_BYTES = 8 * 1024 * 1024
ENVELOPE_ALLOWANCE = 1024  # bytes kept free in a batch for the envelope around the records
LOCK_KEY = 0x63616E62  # "canb": the publisher's advisory lock
CRASH_ENV = "CANBAO_PUBLISH_CRASH_AT"  # test hook: after_persist | after_send | after_answer

RejectionHook = Callable[[list[dict]], None]


class PublishError(RuntimeError):
    """The province refused a batch in a way retrying cannot fix; an operator must look."""


@dataclass
class PublishSummary:
    """What one run did; ``stopped`` says why it ended early (the pending batch then waits for the next run)."""

    batches_delivered: int = 0
    records_sent: int = 0
    records_accepted: int = 0
    records_rejected: int = 0
    precheck_failures: int = 0
    sends: int = 0
    cursor_checks: int = 0
    confirmed_by_cursor: int = 0
    renumbered: int = 0
    waited_seconds: float = 0.0
    stopped: str | None = None
    batch_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _crash_point(name: str) -> None:
    """Die here, without cleanup, when the test hook asks for it (simulates a killed process)."""
    if os.environ.get(CRASH_ENV) == name:
        os._exit(86)


def default_rejection_hook(rejections: list[dict]) -> None:
    """Log rejected records, masked; the Airflow task's notifier turns the warning into an alert."""
    for r in rejections:
        log.warning("province rejected %s version %s: %s %s", mask_id(r["person_id"]), r["version"], r["code"],
                    r.get("message", ""))


def outbox_record(row: Any) -> dict:
    """One outbox row as the record the contract expects."""
    changed_at = row.changed_at
    if isinstance(changed_at, dt.datetime):
        changed_at = format_timestamp(changed_at)
    record: dict[str, Any] = {"op": row.op, "person_id": row.person_id, "version": row.version,
                              "changed_at": changed_at}
    if row.op == "UPSERT":
        record["data"] = row.record
    else:
        record["reason"] = row.reason
    return record


@dataclass
class _Batch:
    batch_id: str
    seq: int
    created_at: dt.datetime
    record_count: int
    delivered: bool = False  # confirmed held by the province's cursor, answer not yet known


class Publisher:
    """One run of publishing for one node (use :func:`publish`)."""

    def __init__(self, url_db: str, client: ProvinceClient, max_records: int = MAX_RECORDS,
                 max_bytes: int = MAX_BYTES, gzip: bool = True, max_wait: float = 300.0, max_attempts: int = 5,
                 backoff: float = 1.0, on_rejection: RejectionHook | None = None, run_id: str | None = None,
                 sleep: Callable[[float], None] = time.sleep, max_batches: int | None = None) -> None:
        self.engine = engine(url_db)
        self.client = client
        self.node_id = client.node_id
        self.max_records = min(max_records, MAX_RECORDS)
        self.max_bytes = min(max_bytes, MAX_BYTES)
        self.gzip = gzip
        self.max_wait = max_wait
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.on_rejection = on_rejection or default_rejection_hook
        self.run_id = run_id
        self.sleep = sleep
        self.max_batches = max_batches
        self.summary = PublishSummary()
        self._lock_conn: Connection | None = None  # the session holding the advisory lock during run()

    # --- the run ----------------------------------------------------------------------------------
    def run(self) -> PublishSummary:
        with self.engine.connect() as lock_conn:
            got = lock_conn.execute(sa.text("select pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar()
            # The lock is the session's, not the transaction's: end the transaction so the lock session is not
            # left "idle in transaction" for the whole run (idle_in_transaction_session_timeout would end it).
            lock_conn.commit()
            if not got:
                self.summary.stopped = "another publisher is running"
                return self.summary
            self._lock_conn = lock_conn
            try:
                self._run()
            finally:
                self._lock_conn = None
                self._unlock(lock_conn)
        return self.summary

    def _check_lock(self) -> None:
        """Stop unless our session still holds the publisher lock.

        A restart of the database (or anything else ending the lock's session)
        releases the lock silently while the pooled connections the run writes
        with reconnect by themselves (pre-ping): without this check the run
        would go on with no lock, beside a publisher that may have started
        meanwhile. Called before a batch is formed and before each send.
        """
        lock_conn = self._lock_conn
        if lock_conn is None:
            return
        try:
            held = lock_conn.execute(sa.text(
                "select exists (select 1 from pg_locks where locktype = 'advisory' and granted "
                "and pid = pg_backend_pid() and classid = cast(:hi as oid) and objid = cast(:lo as oid) "
                "and objsubid = 1)"), {"hi": LOCK_KEY >> 32, "lo": LOCK_KEY & 0xFFFFFFFF}).scalar()
            lock_conn.commit()
        except sa.exc.DBAPIError as exc:
            raise PublishError("lost the publisher lock: the database session holding it ended "
                               f"(database restarted?); stopping, the next run resumes: {exc.orig}") from exc
        if not held:
            raise PublishError("lost the publisher lock (its session no longer holds it); stopping, "
                               "the next run resumes")

    @staticmethod
    def _unlock(lock_conn: Connection) -> None:
        """Release the lock; a session that already ended released it with itself.

        A lost session must not raise here: it would hide the error that ended
        the run, or fail a run that delivered everything.
        """
        if lock_conn.invalidated:
            return
        try:
            lock_conn.execute(sa.text("select pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
            lock_conn.commit()
        except sa.exc.DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            log.warning("publisher lock session had already ended; the lock went with it")

    def _run(self) -> None:
        for batch in self._batches_without_answer():
            self._fetch_answer(batch)
        batch = self._pending_batch()
        unsure = batch is not None  # found pending at start: a previous run may or may not have sent it
        while True:
            if batch is None:
                if self.max_batches is not None and self.summary.batches_delivered >= self.max_batches:
                    return
                batch = self._form_batch()
                if batch is None:
                    return
                unsure = False
            if not self._deliver(batch, unsure):
                return
            batch = None

    # --- forming batches --------------------------------------------------------------------------
    def _pending_batch(self) -> _Batch | None:
        with self.engine.connect() as conn:
            row = run_sql(conn, "publication/pending_batch.sql", {"node_id": self.node_id}).first()
        return _Batch(row.batch_id, row.seq, row.created_at, row.record_count) if row else None

    def _batches_without_answer(self) -> list[_Batch]:
        with self.engine.connect() as conn:
            rows = run_sql(conn, "publication/batches_without_answer.sql", {"node_id": self.node_id}).all()
        return [_Batch(r.batch_id, r.seq, r.created_at, r.record_count, delivered=True) for r in rows]

    def _form_batch(self) -> _Batch | None:
        """Take pending outbox rows within the limits and commit them as the next batch, before any send."""
        self._check_lock()
        with self.engine.begin() as conn:
            rows = run_sql(conn, "publication/pending_outbox.sql", {"limit": self.max_records}).all()
            if not rows:
                return None
            chosen: list[int] = []
            size = ENVELOPE_ALLOWANCE
            for row in rows:
                record = outbox_record(row)
                length = len(serialize(record)) + 1
                if size + length > self.max_bytes:
                    if not chosen:
                        raise PublishError(f"outbox row {row.outbox_id} alone exceeds {self.max_bytes} bytes")
                    break
                if rules.check_record(record) is not None:
                    self.summary.precheck_failures += 1
                size += length
                chosen.append(row.outbox_id)
            seq = run_sql(conn, "publication/next_seq.sql", {"node_id": self.node_id}).scalar_one()
            batch = _Batch(str(uuid.uuid4()), seq, dt.datetime.now(dt.UTC).replace(microsecond=0), len(chosen))
            run_sql(conn, "publication/batch_insert.sql", {
                "batch_id": batch.batch_id, "node_id": self.node_id, "seq": seq, "created_at": batch.created_at,
                "record_count": batch.record_count,
            })
            run_sql(conn, "publication/batch_items_insert.sql", {"batch_id": batch.batch_id, "outbox_ids": chosen})
        _crash_point("after_persist")
        return batch

    def _payload(self, batch: _Batch) -> bytes:
        with self.engine.connect() as conn:
            rows = run_sql(conn, "publication/batch_records.sql", {"batch_id": batch.batch_id}).all()
        records = [outbox_record(r) for r in rows]
        return serialize({
            "batch_id": batch.batch_id, "node_id": self.node_id, "seq": batch.seq,
            "created_at": format_timestamp(batch.created_at), "record_count": len(records), "records": records,
        })

    # --- delivering one batch ---------------------------------------------------------------------
    def _deliver(self, batch: _Batch, unsure: bool) -> bool:
        """Send until the province holds the batch. False: stopped (budget spent), the batch stays pending."""
        failures = 0
        while True:
            if unsure:
                cursor = self._ask_cursor(batch)
                if cursor is None:
                    return False
                if cursor.get("last_batch_id") == batch.batch_id:
                    self._confirmed_by_cursor(batch)
                    self._fetch_answer(batch)
                    return True
                self._check_cursor_consistent(batch, cursor)
                unsure = False
            result = self._send(batch)
            if result.status == 200:
                self._record_answer(batch, result.body)
                return True
            if result.status in (429, 503):
                if not self._wait(result.retry_after if result.retry_after is not None else self._backoff(failures)):
                    self.summary.stopped = f"province busy ({result.status}) beyond the waiting budget"
                    return False
                continue
            if result.status == 409 and result.code == "SEQ":
                self._reconcile_seq(batch, result.body)
                continue
            if result.status is None or result.status >= 500:
                failures += 1
                if failures > self.max_attempts:
                    self.summary.stopped = f"no answer after {failures} attempts: {result.error or result.status}"
                    return False
                if not self._wait(self._backoff(failures)):
                    self.summary.stopped = "waiting budget spent after failures"
                    return False
                unsure = True
                continue
            raise PublishError(f"province refused batch seq {batch.seq} ({batch.batch_id}): "
                               f"{result.status} {result.code} {result.body}")

    def _send(self, batch: _Batch) -> Result:
        self._check_lock()
        body = self._payload(batch)
        digest, sm3 = sha256(body).hexdigest(), sm3_hex(body)
        with self.engine.begin() as conn:
            run_sql(conn, "publication/batch_attempt.sql", {"batch_id": batch.batch_id, "sha256": digest, "sm3": sm3})
            audit.record(conn, "batch_sent", batch.batch_id, {
                "node_id": self.node_id, "seq": batch.seq, "records": batch.record_count, "sha256": digest,
                "sm3": sm3, "bytes": len(body), "gzip": self.gzip, "replay": batch.delivered,
            }, run_id=self.run_id)
        result = self.client.send_batch(body, gzip=self.gzip)
        self.summary.sends += 1
        _crash_point("after_send")
        with self.engine.begin() as conn:
            self._store_response(conn, batch.batch_id, "POST /v1/batches", result)
            audit.record(conn, "batch_answer", batch.batch_id, {
                "seq": batch.seq, "http_status": result.status, "code": result.code, "error": result.error,
                "status": result.body.get("status") if isinstance(result.body, dict) else None,
                "accepted": result.body.get("accepted") if isinstance(result.body, dict) else None,
                "rejected": len(result.body.get("rejected") or []) if isinstance(result.body, dict) else None,
            }, run_id=self.run_id)
        return result

    def _store_response(self, conn: Connection, batch_id: str | None, request: str, result: Result) -> None:
        run_sql(conn, "publication/response_insert.sql", {
            "batch_id": batch_id, "request": request, "http_status": result.status,
            "body": json.dumps(result.body, ensure_ascii=False) if result.body is not None else None,
            "retry_after": result.retry_after, "error": result.error,
        })

    def _record_answer(self, batch: _Batch, answer: dict) -> None:
        """A 200: the batch is delivered; each record accepted or rejected (rejections kept and alerted)."""
        rejected = answer.get("rejected") or []
        with self.engine.begin() as conn:
            run_sql(conn, "publication/items_outcome.sql",
                    {"batch_id": batch.batch_id, "rejected_idx": [int(r["index"]) for r in rejected]})
            for r in rejected:
                run_sql(conn, "publication/rejection_insert.sql", {
                    "batch_id": batch.batch_id, "idx": int(r["index"]), "code": r.get("code", ""),
                    "message": r.get("message"),
                })
            run_sql(conn, "publication/rejection_resolve.sql", {"batch_id": batch.batch_id})
            was_pending = not batch.delivered
            run_sql(conn, "publication/batch_delivered.sql", {
                "batch_id": batch.batch_id, "answer_status": answer.get("status"),
                "accepted": answer.get("accepted"), "rejected": len(rejected),
            })
            run_sql(conn, "publication/cursor_upsert.sql",
                    {"node_id": self.node_id, "last_seq": batch.seq, "last_batch_id": batch.batch_id})
            rows = conn.execute(sa.text(
                "select person_id, version, code, message from publication.rejection "
                "where batch_id = cast(:b as uuid) order by idx"), {"b": batch.batch_id}).mappings().all()
        _crash_point("after_answer")
        if was_pending:
            self.summary.batches_delivered += 1
            self.summary.records_sent += batch.record_count
            self.summary.batch_ids.append(batch.batch_id)
        self.summary.records_accepted += int(answer.get("accepted") or 0)
        self.summary.records_rejected += len(rejected)
        batch.delivered = True
        if rows:
            self.on_rejection([dict(r) for r in rows])

    # --- doubt, cursor and reconciliation ---------------------------------------------------------
    def _ask_cursor(self, batch: _Batch) -> dict | None:
        failures = 0
        while True:
            result = self.client.cursor()
            self.summary.cursor_checks += 1
            with self.engine.begin() as conn:
                self._store_response(conn, batch.batch_id, "GET cursor", result)
                if result.status == 200:
                    run_sql(conn, "publication/cursor_upsert.sql", {
                        "node_id": self.node_id, "last_seq": int(result.body.get("last_seq") or 0),
                        "last_batch_id": result.body.get("last_batch_id"),
                    })
            if result.status == 200:
                return result.body
            if result.status in (429, 503):
                if not self._wait(result.retry_after if result.retry_after is not None else self._backoff(failures)):
                    self.summary.stopped = "province busy beyond the waiting budget (cursor)"
                    return None
                continue
            if result.status is None or result.status >= 500:
                failures += 1
                if failures > self.max_attempts or not self._wait(self._backoff(failures)):
                    self.summary.stopped = f"cursor unavailable: {result.error or result.status}"
                    return None
                continue
            raise PublishError(f"province refused the cursor request: {result.status} {result.body}")

    def _confirmed_by_cursor(self, batch: _Batch) -> None:
        with self.engine.begin() as conn:
            run_sql(conn, "publication/batch_delivered.sql",
                    {"batch_id": batch.batch_id, "answer_status": None, "accepted": None, "rejected": None})
            audit.record(conn, "batch_confirmed", batch.batch_id, {"seq": batch.seq, "by": "cursor"},
                         run_id=self.run_id)
        if not batch.delivered:
            self.summary.batches_delivered += 1
            self.summary.records_sent += batch.record_count
            self.summary.batch_ids.append(batch.batch_id)
            self.summary.confirmed_by_cursor += 1
        batch.delivered = True

    def _fetch_answer(self, batch: _Batch) -> None:
        """Replay a held batch (same batch_id, same records) to get the stored per-record answer.

        The contract makes a replay return the same 200 and change nothing. A
        failed replay is left for a later run: the batch is delivered either way.
        """
        for _ in range(max(1, self.max_attempts)):
            result = self._send(batch)
            if result.status == 200:
                self._record_answer(batch, result.body)
                return
            if result.status in (429, 503):
                if not self._wait(result.retry_after or self._backoff(1)):
                    break
                continue
            if result.status is not None and result.status < 500:
                break
            if not self._wait(self._backoff(1)):
                break
        log.warning("answer of delivered batch seq %s not fetched; a later run retries", batch.seq)

    def _check_cursor_consistent(self, batch: _Batch, cursor: dict) -> None:
        last_seq = int(cursor.get("last_seq") or 0)
        if last_seq != batch.seq - 1:
            # Either another sender used this node's seq (ahead) or the province lost batches (behind):
            # sending now would be wrong in both cases without reconciliation.
            if last_seq >= batch.seq:
                self._renumber(batch, last_seq + 1, "cursor")
            else:
                raise PublishError(f"province cursor last_seq {last_seq} is behind our delivered seq "
                                   f"{batch.seq - 1}; it has lost batches we consider delivered")

    def _reconcile_seq(self, batch: _Batch, body: dict) -> None:
        expected = int(body.get("expected_seq") or 0)
        cursor = self._ask_cursor(batch)
        if cursor is None:
            raise PublishError("409 SEQ and the cursor cannot be read")
        if cursor.get("last_batch_id") == batch.batch_id:
            return  # it was stored after all; the next send is a replay that returns its answer
        if expected > batch.seq:
            self._renumber(batch, expected, "409")
            return
        raise PublishError(f"province expects seq {expected} but we delivered up to {batch.seq - 1}")

    def _renumber(self, batch: _Batch, seq: int, why: str) -> None:
        """Give a never-stored batch the seq the province expects (same batch_id and records)."""
        log.warning("province is ahead of us (%s): batch %s renumbered from seq %s to %s", why, batch.batch_id,
                    batch.seq, seq)
        with self.engine.begin() as conn:
            run_sql(conn, "publication/batch_renumber.sql", {"batch_id": batch.batch_id, "seq": seq})
            audit.record(conn, "batch_renumbered", batch.batch_id, {"from": batch.seq, "to": seq, "why": why},
                         run_id=self.run_id)
        batch.seq = seq
        self.summary.renumbered += 1

    # --- waiting ----------------------------------------------------------------------------------
    def _backoff(self, failures: int) -> float:
        return min(self.backoff * (2 ** max(failures - 1, 0)), 60.0)

    def _wait(self, seconds: float) -> bool:
        """Sleep if the run's waiting budget allows; False when it does not."""
        seconds = max(0.0, float(seconds))
        if self.summary.waited_seconds + seconds > self.max_wait:
            return False
        self.sleep(seconds)
        self.summary.waited_seconds += seconds
        return True


def publish(url_db: str, client: ProvinceClient, max_records: int = MAX_RECORDS, max_bytes: int = MAX_BYTES,
            **options: Any) -> PublishSummary:
    """Publish every pending outbox row to the province; see the module docstring for the guarantees."""
    summary = Publisher(url_db, client, max_records=max_records, max_bytes=max_bytes, **options).run()
    log.info("publication: %s", {k: v for k, v in summary.as_dict().items() if k != "batch_ids"})
    return summary
