"""One delivery through intake: fetch → verify → archive → parse+stage → gate → promote/quarantine → receipt.

These are the functions the DAG tasks call and ``canbao intake run`` calls
without Airflow. A whole-file fault (:class:`BadDelivery`) is an outcome,
recorded and told to the department; only infrastructure errors raise (the
task retries, and the sha256 dedupe plus moving processed files aside make
the retry safe).
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from canbao.intake.delivery import (
    PROCESSED,
    REJECTED,
    Candidate,
    discover,
    fetch_to_archive,
    move_aside,
    sftp_hook,
    verify,
)
from canbao.intake.errors import BadDelivery
from canbao.privacy import get_logger
from canbao.registry.loader import Feed

log = get_logger("canbao.intake.pipeline")

PROMOTED_STATES = ("ACCEPTED", "ACCEPTED_WITH_REJECTS")
REPROCESSABLE = ("RECEIVED", "STAGED", "FAILED")


class GateUnavailable(RuntimeError):
    """The gate (canbao.validation.gate.run_gate) is not installed: nothing may be promoted without it."""


@dataclass
class Outcome:
    """What became of one delivery (JSON-serialisable; the DAG passes it on by XCom)."""

    feed: str
    file_name: str
    state: str                      # DUPLICATE | FAILED | STAGED | ACCEPTED | ... (intake.delivery.state)
    delivery_id: int | None = None
    code: str | None = None         # BadDelivery code when FAILED
    message: str | None = None
    rows: int | None = None
    rejected_rows: int | None = None
    duplicate_of: int | None = None

    @property
    def promoted(self) -> bool:
        return self.state in PROMOTED_STATES

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"promoted": self.promoted}


def _db_url(db_url: str | None) -> str:
    if db_url:
        return db_url
    from canbao.settings import Settings

    return Settings.from_env().database_url


def _sql(conn, name: str, params: dict[str, Any]):
    from canbao.db import run_sql

    return run_sql(conn, f"intake/{name}.sql", params)


def register_delivery(db_url: str, feed: Feed, cand: Candidate, sha256: str, size: int, archive_path: Path,
                      run_id: str | None) -> tuple[int, str | None]:
    """The delivery row for these bytes: (delivery_id, state of an earlier finished delivery or None)."""
    from canbao.db import engine

    params = {"feed": feed.name, "file_name": cand.file_name, "sha256": sha256, "bytes": size,
              "rows_declared": cand.rows, "as_of": cand.as_of, "archive_path": str(archive_path), "run_id": run_id}
    with engine(db_url).begin() as conn:
        conn.execute(sa.text("select pg_advisory_xact_lock(hashtext(:k))"), {"k": f"intake:{feed.name}"})
        row = _sql(conn, "delivery_find", {"feed": feed.name, "sha256": sha256}).mappings().first()
        if row is None:
            return _sql(conn, "delivery_insert", params).scalar_one(), None
        if row["state"] not in REPROCESSABLE:
            return row["delivery_id"], row["state"]
        _sql(conn, "delivery_retry", params | {"delivery_id": row["delivery_id"]})
        return row["delivery_id"], None


def mark_failed(db_url: str, delivery_id: int, bad: BadDelivery, run_id: str | None = None) -> None:
    from canbao.audit import record
    from canbao.db import engine

    with engine(db_url).begin() as conn:
        _sql(conn, "delivery_failed", {"delivery_id": delivery_id, "reason": str(bad)})
        record(conn, "delivery.failed", f"delivery:{delivery_id}", {"code": bad.code, "reason": str(bad)},
               run_id=run_id)


def delivery_state(db_url: str, delivery_id: int) -> dict[str, Any]:
    from canbao.db import engine

    with engine(db_url).connect() as conn:
        return dict(_sql(conn, "delivery_get", {"delivery_id": delivery_id}).mappings().one())


def run_gate(db_url: str, feed: Feed, delivery_id: int, run_id: str | None = None) -> Any:
    """The gate engineer's decision for a staged delivery; it promotes or quarantines itself.

    Fails loudly when the gate is missing: a delivery must never reach the
    curated tables unchecked, so it stays STAGED and the task fails (retried).
    """
    try:
        gate = importlib.import_module("canbao.validation.gate")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("canbao.validation"):
            raise GateUnavailable(
                "canbao.validation.gate is not installed: delivery stays STAGED, nothing promoted "
                "/ 质量闸门未安装，数据未入库") from exc
        raise
    if not hasattr(gate, "run_gate"):
        raise GateUnavailable("canbao.validation.gate has no run_gate / 质量闸门不可用")
    return gate.run_gate(db_url, feed, delivery_id, run_id=run_id)


def issue_receipt(db_url: str, feed: Feed, outcome: Outcome) -> None:
    """Tell the department (回执) through the gate engineer's receipts, when installed.

    Bad deliveries and duplicates never reach the gate, so intake asks for
    their receipts itself; accepted/quarantined receipts are the gate's.
    """
    try:
        receipts = importlib.import_module("canbao.validation.receipts")
    except ModuleNotFoundError:
        log.warning("receipts not installed; %s %s gets no receipt", feed.name, outcome.state)
        return
    fn = getattr(receipts, "intake_receipt", None) or getattr(receipts, "send_intake_receipt", None)
    if fn is None:
        log.warning("canbao.validation.receipts has no intake_receipt; %s gets no receipt", feed.name)
        return
    fn(db_url, feed, outcome.as_dict())


def process_delivery(feed: Feed, cand: Candidate | dict, run_id: str | None = None, db_url: str | None = None,
                     sftp=None, gate: bool = True, move: bool = True) -> Outcome:
    """Take one complete delivery all the way; returns its outcome (raises only on infrastructure errors)."""
    if isinstance(cand, dict):
        cand = Candidate.from_dict(cand)
    if sftp is None:
        with sftp_hook(feed).get_managed_conn() as conn:
            return process_delivery(feed, cand, run_id, db_url, conn, gate, move)
    url = _db_url(db_url)
    from canbao.audit import record
    from canbao.db import engine

    if cand.error_code:
        bad = BadDelivery(cand.error_code, cand.error_message or "")
        outcome = Outcome(feed.name, cand.file_name, "FAILED", code=bad.code, message=str(bad))
        with engine(url).begin() as conn:
            record(conn, "delivery.refused", f"feed:{feed.name}",
                   {"file": cand.file_name, "code": bad.code, "reason": str(bad)}, run_id=run_id)
        issue_receipt(url, feed, outcome)
        if move:
            move_aside(cand, sftp, REJECTED)
        return outcome

    try:
        fetched = fetch_to_archive(feed, cand, sftp)
    except BadDelivery as bad:
        outcome = Outcome(feed.name, cand.file_name, "FAILED", code=bad.code, message=str(bad))
        issue_receipt(url, feed, outcome)
        if move:
            move_aside(cand, sftp, REJECTED)
        return outcome
    delivery_id, earlier = register_delivery(url, feed, cand, fetched.sha256, fetched.bytes,
                                             fetched.archive_path, run_id)
    if earlier is not None:
        outcome = Outcome(feed.name, cand.file_name, "DUPLICATE", duplicate_of=delivery_id,
                          message=f"same bytes as delivery {delivery_id} ({earlier}) / 与已处理的投递内容相同")
        with engine(url).begin() as conn:
            record(conn, "delivery.duplicate", f"delivery:{delivery_id}",
                   {"file": cand.file_name, "sha256": fetched.sha256, "earlier_state": earlier}, run_id=run_id)
        issue_receipt(url, feed, outcome)
        if move:
            move_aside(cand, sftp, PROCESSED, tag=f"dup{delivery_id}")
        return outcome

    outcome = stage_and_gate(url, feed, delivery_id, fetched.archive_path, cand, fetched, run_id, gate)
    if move:
        move_aside(cand, sftp, REJECTED if outcome.state == "FAILED" else PROCESSED)
    return outcome


def stage_and_gate(url: str, feed: Feed, delivery_id: int, archive_path: Path, cand: Candidate | None,
                   fetched: Any = None, run_id: str | None = None, gate: bool = True) -> Outcome:
    """Verify (when a manifest is known), parse+stage and gate one archived delivery."""
    from canbao.intake.stage import stage_delivery

    file_name = cand.file_name if cand else archive_path.name
    as_of = dt.date.fromisoformat(cand.as_of) if cand and cand.as_of else None
    try:
        if cand is not None and fetched is not None:
            verify(cand, fetched)
        stats = stage_delivery(url, feed, archive_path, delivery_id, as_of, cand.rows if cand else None)
    except BadDelivery as bad:
        mark_failed(url, delivery_id, bad, run_id)
        outcome = Outcome(feed.name, file_name, "FAILED", delivery_id, bad.code, str(bad))
        issue_receipt(url, feed, outcome)
        return outcome
    log.info("%s: delivery %s staged %s rows (%s with parse rejects)", feed.name, delivery_id, stats.rows,
             stats.rejected_rows)
    if stats.unmapped_columns:
        log.info("%s: delivery %s has columns the mapping does not use: %s", feed.name, delivery_id,
                 ", ".join(stats.unmapped_columns))
    if gate:
        run_gate(url, feed, delivery_id, run_id)
    state = delivery_state(url, delivery_id)
    outcome = Outcome(feed.name, file_name, state["state"], delivery_id, rows=stats.rows,
                      rejected_rows=stats.rejected_rows, message=state.get("reason"))
    if gate:  # accepted, accepted with rejects or quarantined: the department hears either way
        issue_receipt(url, feed, outcome)
    return outcome


def process_feed(feed: Feed, run_id: str | None = None, db_url: str | None = None, gate: bool = True) -> list[Outcome]:
    """Every complete delivery now in the feed's folder, one at a time, in order of as_of then file name."""
    with sftp_hook(feed).get_managed_conn() as sftp:
        return [process_delivery(feed, cand, run_id, db_url, sftp, gate) for cand in discover(feed, sftp)]


def reprocess(db_url: str | None, feed: Feed, delivery_id: int, run_id: str | None = None,
              actor: str = "platform", gate: bool = True) -> Outcome:
    """Run an archived delivery again with today's registry configuration; the decision is audited."""
    from canbao.audit import record
    from canbao.db import engine

    url = _db_url(db_url)
    row = delivery_state(url, delivery_id)
    if row["feed"] != feed.name:
        raise ValueError(f"delivery {delivery_id} belongs to feed {row['feed']}, not {feed.name}")
    path = Path(row["archive_path"])
    with engine(url).begin() as conn:
        record(conn, "delivery.reprocess", f"delivery:{delivery_id}",
               {"feed": feed.name, "previous_state": row["state"], "config": str(feed.path)},
               run_id=run_id, actor=actor)
        _sql(conn, "delivery_reopen", {"delivery_id": delivery_id})
    cand = Candidate(feed.name, feed.sftp.folder, row["file_name"], "", as_of=row["as_of"].isoformat()
                     if row["as_of"] else None, rows=row["rows_declared"])
    return stage_and_gate(url, feed, delivery_id, path, cand, None, run_id, gate)
