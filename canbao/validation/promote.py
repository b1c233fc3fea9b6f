"""Promotion of a gated delivery into curated, quarantine, and an engineer's release.

Promotion is one transaction: the curated upsert (with absence marking for
snapshots) and the change log are one SQL statement
(``include/sql/intake/promote_<target>.sql``, generated from the targets), and
the delivery's state, the decision row and the audit event are written in the
same transaction, so curated state and the record of why it changed never
disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from canbao import audit
from canbao.db import run_sql, transaction
from canbao.privacy import get_logger, mask_text
from canbao.validation.feeds import GateFeed, resolve_feed

log = get_logger(__name__)

STATE_OF_OUTCOME = {"ACCEPT": "ACCEPTED", "ACCEPT_WITH_REJECTS": "ACCEPTED_WITH_REJECTS", "RELEASE": "RELEASED"}


class StaleDelivery(RuntimeError):
    """A snapshot older than the newest promoted one of its feed: promoting it would roll state back."""


class NotQuarantined(RuntimeError):
    """Release asked for a delivery that is not waiting in quarantine."""


@dataclass(frozen=True)
class PromotionCounts:
    parsed: int
    rejected: int
    promoted: int
    inserted: int
    updated: int
    absent: int


def delivery_row(conn: Connection, delivery_id: int) -> dict[str, Any]:
    row = run_sql(conn, "intake/gate_delivery.sql", {"delivery_id": delivery_id}).mappings().first()
    if row is None:
        raise KeyError(f"no delivery {delivery_id}")
    return dict(row)


def _count_rows(conn: Connection, feed: GateFeed, delivery_id: int) -> tuple[int, int]:
    """(rows in the delivery: staged or refused before staging, rows refused)."""
    from canbao.validation.rules import all_rule_ids

    facts = run_sql(conn, f"intake/gate_facts_{feed.target}.sql",
                    {"delivery_id": delivery_id, "gate_rules": all_rule_ids(feed)}).mappings().one()
    rejected = run_sql(conn, "intake/gate_rejected_rows.sql", {"delivery_id": delivery_id}).scalar_one()
    return int(facts["staged_rows"]) + int(facts["unstaged_rejects"]), int(rejected)


def _check_not_stale(conn: Connection, feed: GateFeed, delivery: dict[str, Any]) -> None:
    if feed.kind != "snapshot" or delivery["as_of"] is None:
        return
    newest = run_sql(conn, "intake/promote_newest_as_of.sql",
                     {"feed": feed.name, "delivery_id": delivery["delivery_id"]}).scalar_one()
    if newest is not None and delivery["as_of"] < newest:
        raise StaleDelivery(
            f"数据日期 {delivery['as_of']} 早于已接收的最新全量 {newest}，不能覆盖较新的数据 / "
            f"snapshot as of {delivery['as_of']} is older than the promoted one as of {newest}")


def _record_decision(conn: Connection, delivery_id: int, outcome: str, actor: str, note: str | None,
                     reasons: list[str]) -> None:
    run_sql(conn, "intake/gate_record_decision.sql", {
        "delivery_id": delivery_id, "outcome": outcome, "actor": actor, "note": mask_text(note or "") or None,
        "reasons": json.dumps([mask_text(r) for r in reasons], ensure_ascii=False)})


def promote_in(conn: Connection, feed: Any, delivery_id: int, *, outcome: str = "ACCEPT",
               actor: str = "platform", reasons: list[str] | None = None, note: str | None = None,
               data_docs: str | None = None, run_id: str | None = None) -> PromotionCounts:
    """Promote within the caller's transaction (see :func:`promote`)."""
    f = resolve_feed(feed)
    delivery = delivery_row(conn, delivery_id)
    if delivery["feed"] != f.name:
        raise ValueError(f"delivery {delivery_id} belongs to feed {delivery['feed']}, not {f.name}")
    _check_not_stale(conn, f, delivery)
    parsed, rejected = _count_rows(conn, f, delivery_id)
    if outcome == "ACCEPT" and rejected:
        outcome = "ACCEPT_WITH_REJECTS"
    counts = run_sql(conn, f"intake/promote_{f.target}.sql",
                     {"delivery_id": delivery_id, "as_of": delivery["as_of"]}).mappings().one()
    state = STATE_OF_OUTCOME[outcome]
    reasons = [mask_text(r) for r in (reasons or [])]
    run_sql(conn, "intake/promote_set_delivery.sql", {
        "delivery_id": delivery_id, "state": state, "rows_parsed": parsed, "rows_rejected": rejected,
        "rows_promoted": int(counts["promoted"]), "reason": "\n".join(reasons) or None, "data_docs": data_docs})
    _record_decision(conn, delivery_id, outcome, actor, note, reasons)
    result = PromotionCounts(parsed, rejected, int(counts["promoted"]), int(counts["inserted"]),
                             int(counts["updated"]), int(counts["absent"]))
    audit.record(conn, "release" if outcome == "RELEASE" else "gate_decision", f"delivery:{delivery_id}", {
        "feed": f.name, "delivery_id": delivery_id, "file": delivery["file_name"],
        "sha256": delivery["sha256"][:12], "outcome": outcome, "state": state, "reasons": reasons,
        "note": note, "counts": result.__dict__, "data_docs": data_docs,
    }, run_id=run_id, actor=actor)
    return result


def promote(db_url: str, feed: Any, delivery_id: int, **kwargs: Any) -> PromotionCounts:
    """Promote a delivery's accepted rows into curated.<target>, in ONE transaction.

    Snapshot feeds: every accepted staged row is upserted by key (rewritten only
    when a value changed; ``absent_since`` cleared), keys of the target missing
    from this snapshot get ``absent_since = as_of`` (never deleted). Change feeds
    upsert by key. ``curated.change_log`` gets every key inserted, updated or
    newly absent; the delivery gets its state, counts and ``decided_at``; an
    audit event ``gate_decision`` is written. A snapshot older than the newest
    promoted one of the feed raises :class:`StaleDelivery` and changes nothing.
    """
    with transaction(db_url) as conn:
        return promote_in(conn, feed, delivery_id, **kwargs)


def quarantine(db_url: str, feed: Any, delivery_id: int, reasons: list[str], *, data_docs: str | None = None,
               counts: tuple[int, int] | None = None, run_id: str | None = None, alert: bool = True) -> None:
    """Hold a delivery back: state QUARANTINED, reasons stored (masked), audit event, nothing promoted.

    On-call is alerted after the transaction commits (an alert about a
    quarantine that was rolled back would send people looking for nothing).
    """
    f = resolve_feed(feed)
    reasons = [mask_text(r) for r in reasons]
    with transaction(db_url) as conn:
        delivery = delivery_row(conn, delivery_id)
        parsed, rejected = counts if counts is not None else _count_rows(conn, f, delivery_id)
        run_sql(conn, "intake/promote_set_delivery.sql", {
            "delivery_id": delivery_id, "state": "QUARANTINED", "rows_parsed": parsed, "rows_rejected": rejected,
            "rows_promoted": 0, "reason": "\n".join(reasons), "data_docs": data_docs})
        run_sql(conn, "intake/gate_quarantine.sql", {
            "delivery_id": delivery_id, "feed": f.name, "reasons": json.dumps(reasons, ensure_ascii=False)})
        _record_decision(conn, delivery_id, "QUARANTINE", "platform", None, reasons)
        audit.record(conn, "gate_decision", f"delivery:{delivery_id}", {
            "feed": f.name, "delivery_id": delivery_id, "file": delivery["file_name"],
            "sha256": delivery["sha256"][:12], "outcome": "QUARANTINE", "state": "QUARANTINED",
            "reasons": reasons, "counts": {"parsed": parsed, "rejected": rejected, "promoted": 0},
            "data_docs": data_docs or delivery.get("data_docs"),
        }, run_id=run_id)
    if alert:
        alert_quarantine(f, delivery, reasons, parsed, rejected, data_docs or delivery.get("data_docs"))


def alert_quarantine(feed: GateFeed, delivery: dict[str, Any], reasons: list[str], parsed: int, rejected: int,
                     data_docs: str | None) -> bool:
    """Tell on-call what was held back and why; returns whether a channel took it. Never raises."""
    try:
        from canbao.alerts import send_alert
    except ImportError:  # alerts not installed in this deployment: the log line is all we can do
        log.error("delivery %s of %s quarantined (no alert module): %s", delivery["delivery_id"], feed.name,
                  "; ".join(reasons))
        return False
    subject = f"交付已隔离 / delivery quarantined: {feed.name} #{delivery['delivery_id']} {delivery['file_name']}"
    lines = [
        f"数据源 feed: {feed.name}（{feed.title}）",
        f"交付 delivery: #{delivery['delivery_id']} 文件 {delivery['file_name']}，SHA-256 {delivery['sha256'][:12]}…，"
        f"数据日期 {delivery['as_of']}",
        f"行数 rows: 解析 parsed {parsed}，拒收 rejected {rejected}，入库 promoted 0",
        "未通过的检查 / what failed:",
        *[f"  - {r}" for r in reasons],
        f"质量报告 Data Docs: {data_docs or '（未生成 / not built）'}",
        f"复核后放行 / release after review: canbao release {delivery['delivery_id']} --by NAME --note \"…\"",
    ]
    result = send_alert(subject, "\n".join(lines), severity="error", context={
        "feed": feed.name, "delivery_id": delivery["delivery_id"], "data_docs": data_docs or ""})
    return result.delivered


def release(db_url: str, delivery_id: int, engineer: str, note: str) -> PromotionCounts:
    """An engineer releases a quarantined delivery after review: promote it anyway, state RELEASED, audited.

    Rows refused by row-level rules stay refused; only the failed critical
    checks (and the reject share) are overridden. A stale snapshot is still
    refused: releasing it would roll newer curated state back.
    """
    if not engineer or not note:
        raise ValueError("a release needs the engineer's name and a note saying why")
    with transaction(db_url) as conn:
        delivery = delivery_row(conn, delivery_id)
        if delivery["state"] != "QUARANTINED":
            raise NotQuarantined(f"delivery {delivery_id} is {delivery['state']}, not QUARANTINED")
        feed = resolve_feed(delivery["feed"])
        counts = promote_in(conn, feed, delivery_id, outcome="RELEASE", actor=engineer, note=note,
                            reasons=[f"人工放行 released by {engineer}: {note}"])
        run_sql(conn, "intake/promote_release_mark.sql",
                {"delivery_id": delivery_id, "engineer": engineer, "note": mask_text(note)})
    return counts


__all__ = ["PromotionCounts", "StaleDelivery", "NotQuarantined", "promote", "promote_in", "quarantine",
           "release", "alert_quarantine"]
