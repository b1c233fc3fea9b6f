"""The linkage review queue: records below certainty (MATCH) and unrepairable IDs (INVALID_IDENTITY).

A decision is a row of base.review_decision, kept for ever, about an ID (source '*': whichever feeds
carry it); every later comparison run applies the latest decision per ID (include/sql/comparison/link_result.sql). Nothing is merged until a run.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from canbao import audit
from canbao.db import engine
from canbao.ids import VALID, normalise_id
from canbao.privacy import mask_id


class ReviewError(ValueError):
    """A decision that cannot be recorded (unknown item, missing person, invalid ID)."""


def list_queue(db_url: str | None = None, state: str = "OPEN", kind: str | None = None,
               limit: int = 100) -> list[dict[str, Any]]:
    with engine(db_url).connect() as conn:
        rows = conn.execute(sa.text(
            "select queue_id, kind, source, raw_id, candidate_person_id, score, state, last_run_id "
            "from base.review_queue where state = :state and (cast(:kind as text) is null or kind = :kind) "
            "order by queue_id limit :limit"), {"state": state, "kind": kind, "limit": limit}).mappings()
        return [dict(r) for r in rows]


def show(db_url: str | None, queue_id: int) -> dict[str, Any]:
    with engine(db_url).connect() as conn:
        row = conn.execute(sa.text("select * from base.review_queue where queue_id = :q"),
                           {"q": queue_id}).mappings().first()
        if row is None:
            raise ReviewError(f"no review item {queue_id}")
        item = dict(row)
        item["decisions"] = [dict(d) for d in conn.execute(sa.text(
            "select decision_id, decision, person_id, decided_by, decided_at, note from base.review_decision "
            "where raw_id = :r order by decision_id"), {"r": item["raw_id"]}).mappings()]
        return item


def _decide(db_url: str | None, *, queue_id: int | None, source: str, raw_id: str, decision: str,
            person_id: str | None, by: str, note: str | None) -> int:
    with engine(db_url).begin() as conn:
        if person_id is not None:
            known = conn.execute(sa.text(
                "select exists (select 1 from base.person_current where person_id = :p) "
                "or exists (select 1 from curated.ps_person where person_id = :p)"), {"p": person_id}).scalar_one()
            if not known:
                raise ReviewError(f"{mask_id(person_id)} is not a person of the base")
        decision_id = conn.execute(sa.text(
            "insert into base.review_decision (queue_id, source, raw_id, decision, person_id, decided_by, note) "
            "values (:q, :s, :r, :d, :p, :by, :note) returning decision_id"),
            {"q": queue_id, "s": source, "r": raw_id, "d": decision, "p": person_id, "by": by, "note": note},
        ).scalar_one()
        if queue_id is not None:
            conn.execute(sa.text("update base.review_queue set state = 'DECIDED', updated_at = now() "
                                 "where queue_id = :q"), {"q": queue_id})
        audit.record(conn, "review_decision", f"review:{queue_id or source}", actor=by,
                     detail={"decision": decision, "source": source, "raw_id": mask_id(raw_id),
                             "person_id": mask_id(person_id), "decision_id": decision_id})
        return decision_id


def accept(db_url: str | None, queue_id: int, by: str, person_id: str | None = None,
           note: str | None = None) -> int:
    """The record belongs to ``person_id`` (default: the best candidate); applied by the next run."""
    item = show(db_url, queue_id)
    person_id = person_id or item["candidate_person_id"]
    if not person_id:
        raise ReviewError(f"review item {queue_id} has no candidate: give the person's ID")
    return _decide(db_url, queue_id=queue_id, source="*", raw_id=item["raw_id"], decision="ACCEPT",
                   person_id=person_id, by=by, note=note)


def reject(db_url: str | None, queue_id: int, by: str, note: str | None = None) -> int:
    """The record is no one of the base: it stays held out, and no longer waits in the queue."""
    item = show(db_url, queue_id)
    return _decide(db_url, queue_id=queue_id, source="*", raw_id=item["raw_id"], decision="REJECT",
                   person_id=None, by=by, note=note)


def merge(db_url: str | None, person_id: str, into: str, by: str, note: str | None = None) -> int:
    """Two base persons are one: every record of ``person_id`` moves to ``into``; the next run
    withdraws ``person_id`` from the base and sends the province a DELETE (MERGED_DUPLICATE)."""
    if person_id == into:
        raise ReviewError("a person cannot be merged into itself")
    if normalise_id(into).status != VALID:
        raise ReviewError(f"{mask_id(into)} is not a valid citizen ID")
    return _decide(db_url, queue_id=None, source="*", raw_id=person_id, decision="ACCEPT", person_id=into,
                   by=by, note=note)
