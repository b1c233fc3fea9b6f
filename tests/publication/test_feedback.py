"""Feedback pull: every item stored once, cursor kept, resumable."""

from __future__ import annotations

import pytest

from canbao.province import examples
from canbao.publication.client import ProvinceClient
from canbao.publication.feedback import FeedbackError, pull_feedback, stored_cursor


def items(first: int, n: int) -> list[dict]:
    return [{"person_id": examples.person_id(i), "insurance": "110", "region_code": "330100", "status": "ACTIVE",
             "since": "2025-03-01", "until": None} for i in range(first, first + n)]


def test_pull_pages_through_and_stores_every_item_once(province, client, outbox):
    province.load_feedback(items(0, 7), node_id=client.node_id)
    summary = pull_feedback(outbox.db_url, client, limit=3)
    assert (summary.pages, summary.items_stored) == (3, 7)
    assert outbox.scalar("select count(distinct person_id) from publication.feedback") == 7


def test_second_pull_stores_nothing_and_keeps_the_cursor(province, client, outbox):
    province.load_feedback(items(0, 4), node_id=client.node_id)
    first = pull_feedback(outbox.db_url, client)
    again = pull_feedback(outbox.db_url, client)
    assert again.items_stored == 0
    assert stored_cursor(outbox.db_url, client.node_id) == first.cursor


def test_new_items_after_a_pull_are_fetched_from_the_stored_cursor(province, client, outbox):
    province.load_feedback(items(0, 3), node_id=client.node_id)
    pull_feedback(outbox.db_url, client)
    province.load_feedback(items(10, 2), node_id=client.node_id)
    later = pull_feedback(outbox.db_url, client)
    assert (later.items_received, later.items_stored) == (2, 2)
    assert outbox.scalar("select count(*) from publication.feedback") == 5


def test_interrupted_pull_resumes_without_duplicates(province, client, outbox):
    province.load_feedback(items(0, 6), node_id=client.node_id)
    pull_feedback(outbox.db_url, client, limit=2, max_pages=1)
    rest = pull_feedback(outbox.db_url, client, limit=2)
    assert rest.items_stored == 4
    assert outbox.scalar("select count(*) from publication.feedback") == 6


def test_item_columns_are_typed_for_the_comparison_job(province, client, outbox):
    province.load_feedback([{"person_id": examples.person_id(1), "insurance": "310", "region_code": "310100",
                             "status": "TERMINATED", "since": "2020-01-01", "until": "2024-06-30"}],
                           node_id=client.node_id)
    pull_feedback(outbox.db_url, client)
    row = outbox.rows("select insurance, region_code, status, since::text, until::text from publication.feedback")
    assert row == [("310", "310100", "TERMINATED", "2020-01-01", "2024-06-30")]


def test_refused_request_raises_and_keeps_the_cursor(province, node, outbox):
    with ProvinceClient(province.url, node[0], "wrong") as bad:
        with pytest.raises(FeedbackError):
            pull_feedback(outbox.db_url, bad)
    assert stored_cursor(outbox.db_url, node[0]) is None
