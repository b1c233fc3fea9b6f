"""Province feedback pulled twice at once, and across a restart of the province mid-pull: each item stored once."""

from __future__ import annotations

import threading

from canbao.province import examples
from canbao.province_sandbox import runner
from canbao.publication.client import ProvinceClient
from canbao.publication.feedback import FeedbackError, pull_feedback, stored_cursor
from canbao.services.process import wait_until


def items(n: int) -> list[dict]:
    """n feedback items, one per person, distinguishable by person and since."""
    return [{"person_id": examples.person_id(i), "insurance": "110", "region_code": "330100", "status": "ACTIVE",
             "since": f"2025-{1 + i % 12:02d}-01", "until": None} for i in range(n)]


def assert_each_item_once(outbox, province, node_id: str, secret: str, expected: list[dict]) -> None:
    """Every province item stored once, with the province's cursor as key, and the cursor at the last item."""
    served = []
    with ProvinceClient(province.url, node_id, secret) as client:
        after = None
        while True:
            page = client.feedback(after=after, limit=1000).body
            served += page["items"]
            if not page["next"]:
                break
            after = page["next"]
    assert [i["person_id"] for i in served] == [i["person_id"] for i in expected]
    stored = outbox.rows("select cursor, person_id from publication.feedback where node_id = :n order by received_at, "
                         "cursor", n=node_id)
    assert sorted(stored) == sorted((str(i["cursor"]), i["person_id"]) for i in served)
    assert stored_cursor(outbox.db_url, node_id) == str(served[-1]["cursor"])


def test_two_pulls_at_once_store_each_item_once(fault_province, node, outbox):
    expected = items(40)
    fault_province.load_feedback(expected, node_id=node[0])
    start = threading.Barrier(2)
    summaries, errors = [], []

    def pull() -> None:
        try:
            with ProvinceClient(fault_province.url, node[0], node[1], timeout=10) as client:
                start.wait(10)
                summaries.append(pull_feedback(outbox.db_url, client, limit=5))
        except Exception as exc:  # reported by the assertion below, with the thread's error
            errors.append(exc)

    threads = [threading.Thread(target=pull) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    # Between them the two pulls stored 40 rows: no item counted as new by both.
    assert sum(s.items_stored for s in summaries) == 40
    assert_each_item_once(outbox, fault_province, node[0], node[1], expected)


def test_pull_interrupted_by_a_province_restart_resumes_and_stores_each_item_once(outbox, tmp_path):
    node_id, secret = "349901", "restart-secret"
    expected = items(30)
    db_path = tmp_path / "province.sqlite"
    province = runner.start(db_path=db_path, nodes={node_id: secret})
    try:
        province.load_feedback(expected, node_id=node_id)
        province.set_fault("slow", delay=0.4)  # every page is slow, so the pull is mid-way when the province stops
        outcome: list[object] = []

        def pull() -> None:
            try:
                with ProvinceClient(province.url, node_id, secret, timeout=10) as client:
                    outcome.append(pull_feedback(outbox.db_url, client, limit=5))
            except Exception as exc:
                outcome.append(exc)

        puller = threading.Thread(target=pull)
        puller.start()
        wait_until(lambda: outbox.scalar("select count(*) from publication.feedback") >= 10, 30, "two pages stored")
    finally:
        province.stop()
    puller.join(60)
    [interrupted] = outcome
    assert isinstance(interrupted, FeedbackError)  # refused loudly, not a half-stored page
    stored_before = outbox.scalar("select count(*) from publication.feedback")
    assert 10 <= stored_before < 30 and stored_before % 5 == 0  # whole pages only

    province = runner.start(port=province.port, db_path=db_path, nodes={node_id: secret})  # same state, faults reset
    try:
        with ProvinceClient(province.url, node_id, secret, timeout=10) as client:
            rest = pull_feedback(outbox.db_url, client, limit=5)
            again = pull_feedback(outbox.db_url, client, limit=5)
        assert rest.items_stored == 30 - stored_before
        assert again.items_stored == 0
        assert_each_item_once(outbox, province, node_id, secret, expected)
    finally:
        province.stop()

