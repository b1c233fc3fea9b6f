"""Receipts for deliveries that never reach the gate (intake's entry point).

Intake calls ``intake_receipt(db_url, feed, outcome)`` for a duplicate file or
a delivery it could not read (bad manifest, truncated file...), with its
``Outcome.as_dict()``; the gate's own receipts are
:func:`canbao.validation.receipt.deliver_receipt`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canbao.db import engine, run_sql
from canbao.privacy import get_logger, mask_text
from canbao.validation.feeds import resolve_feed
from canbao.validation.receipt import deliver_receipt, render, send_receipt

log = get_logger(__name__)


def intake_receipt(db_url: str, feed: Any, outcome: Mapping[str, Any]) -> str | None:
    """Receipt of a DUPLICATE or FAILED delivery (or of any gated one, by its delivery id).

    Never raises: the delivery's outcome is already recorded, and a mail relay
    or SFTP hiccup must not turn it into a failed intake. A receipt that could
    not be sent is logged (masked) and the path is None.
    """
    try:
        return _intake_receipt(db_url, feed, outcome)
    except Exception as exc:  # receipts are a courtesy to the contact, not part of the decision
        log.error("receipt of %s (%s) not delivered: %s: %s", outcome.get("file_name"), outcome.get("state"),
                  type(exc).__name__, mask_text(str(exc)))
        return None


def _intake_receipt(db_url: str, feed: Any, outcome: Mapping[str, Any]) -> str:
    f = resolve_feed(feed)
    state = str(outcome.get("state") or "")
    delivery_id = outcome.get("delivery_id")
    if state not in ("DUPLICATE", "FAILED") and delivery_id is not None:
        return deliver_receipt(db_url, f, int(delivery_id))
    delivery: dict[str, Any] = {"file_name": outcome.get("file_name"), "sha256": "—", "delivery_id": delivery_id}
    if delivery_id is not None:
        with engine(db_url).connect() as conn:
            row = run_sql(conn, "intake/gate_delivery.sql", {"delivery_id": int(delivery_id)}).mappings().first()
        if row is not None:
            delivery = dict(row)
    reasons = []
    if state == "DUPLICATE" and outcome.get("duplicate_of"):
        reasons.append(f"与第 {outcome['duplicate_of']} 号交付内容相同 / same bytes as delivery {outcome['duplicate_of']}")
    if outcome.get("message"):
        reasons.append(mask_text(f"{outcome.get('code') or ''} {outcome['message']}".strip()))
    decision = {"outcome": state, "reasons": reasons,
                "counts": {"parsed": outcome.get("rows"), "rejected": outcome.get("rejected_rows"), "promoted": 0}}
    text = render(f, delivery, decision, [])
    return send_receipt(f, str(outcome.get("file_name")), text, (), state)
