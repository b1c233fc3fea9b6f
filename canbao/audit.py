"""The append-only audit trail (audit.event)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from canbao.privacy import mask_text


def record(conn: Connection, kind: str, subject: str, detail: dict[str, Any] | None = None,
           run_id: str | None = None, actor: str = "platform") -> int:
    """Append one event in the caller's transaction; free text in ``detail`` is masked."""
    payload = mask_text(json.dumps(detail or {}, ensure_ascii=False, default=str))
    return conn.execute(
        sa.text(
            "insert into audit.event (kind, subject, run_id, actor, detail) "
            "values (:kind, :subject, :run_id, :actor, cast(:detail as jsonb)) returning event_id"
        ),
        {"kind": kind, "subject": subject, "run_id": run_id, "actor": actor, "detail": payload},
    ).scalar_one()
