"""Pull the province's feedback (people of our population insured elsewhere) into publication.feedback.

Each page is stored and the cursor advanced in one transaction, and items are
keyed by (node_id, cursor), so a pull interrupted at any point and run again
stores every item exactly once and resumes where it stopped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from canbao.db import engine, run_sql
from canbao.privacy import get_logger
from canbao.publication.client import ProvinceClient

log = get_logger(__name__)


class FeedbackError(RuntimeError):
    """The province did not answer the feedback request usefully; the stored cursor is unchanged."""


@dataclass
class FeedbackSummary:
    pages: int = 0
    items_received: int = 0
    items_stored: int = 0
    cursor: str | None = None


def stored_cursor(url_db: str, node_id: str) -> str | None:
    with engine(url_db).connect() as conn:
        return run_sql(conn, "publication/feedback_cursor_get.sql", {"node_id": node_id}).scalar_one_or_none()


def pull_feedback(url_db: str, client: ProvinceClient, limit: int = 1000, max_pages: int | None = None
                  ) -> FeedbackSummary:
    """Page through the feedback after our stored cursor until the province says there is no more."""
    summary = FeedbackSummary(cursor=stored_cursor(url_db, client.node_id))
    while max_pages is None or summary.pages < max_pages:
        result = client.feedback(after=summary.cursor, limit=limit)
        if result.status != 200 or not isinstance(result.body, dict):
            raise FeedbackError(f"feedback request failed: {result.status} {result.error or result.body}")
        items = result.body.get("items") or []
        summary.pages += 1
        summary.items_received += len(items)
        if items:
            with engine(url_db).begin() as conn:
                for item in items:
                    summary.items_stored += run_sql(conn, "publication/feedback_insert.sql", {
                        "node_id": client.node_id, "cursor": str(item["cursor"]), "person_id": item["person_id"],
                        "insurance": item["insurance"], "region_code": item.get("region_code"),
                        "status": item["status"], "since": item.get("since"), "until": item.get("until"),
                        "item": json.dumps(item, ensure_ascii=False),
                    }).rowcount
                summary.cursor = str(items[-1]["cursor"])
                run_sql(conn, "publication/feedback_cursor_set.sql",
                        {"node_id": client.node_id, "cursor": summary.cursor})
        if not result.body.get("next") or not items:
            break
    log.info("feedback: %s pages, %s items received, %s new", summary.pages, summary.items_received,
             summary.items_stored)
    return summary
