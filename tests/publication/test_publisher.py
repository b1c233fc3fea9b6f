"""The outbox publisher against a real sandbox province and a real PostgreSQL: exactly once, in order."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from canbao.province import examples
from canbao.publication.client import ProvinceClient
from canbao.publication.publisher import PublishError, publish

FAST = {"backoff": 0.01, "max_wait": 60}


def accepted_pairs(province, node_id: str) -> list[tuple[str, int]]:
    return [(a["person_id"], a["version"]) for a in province.accepted(node_id)]


def assert_exactly_once_in_order(province, node_id: str, outbox) -> None:
    """The province applied every outbox version once, in outbox order, and holds the outbox's persons."""
    assert accepted_pairs(province, node_id) == outbox.order()
    stats = province.stats(node_id)
    assert stats["persons"] == outbox.held()
    assert stats["records"] == len(outbox.order())


def test_run_with_nothing_pending_sends_nothing(province, client, outbox):
    summary = publish(outbox.db_url, client, **FAST)
    assert (summary.sends, summary.batches_delivered) == (0, 0)
    assert province.stats(client.node_id)["batches"] == 0


def test_every_version_is_sent_once_in_order_in_contiguous_batches(province, client, outbox):
    outbox.add_versions(25, 3)
    summary = publish(outbox.db_url, client, max_records=20, **FAST)
    assert summary.batches_delivered == 4 and summary.records_accepted == 75
    assert_exactly_once_in_order(province, client.node_id, outbox)
    assert outbox.rows("select seq from publication.batch order by seq") == [(1,), (2,), (3,), (4,)]
    assert province.stats(client.node_id)["last_seq"] == 4


def test_same_run_twice_sends_nothing_the_second_time(province, client, outbox):
    outbox.add_versions(10, 2)
    publish(outbox.db_url, client, **FAST)
    again = publish(outbox.db_url, client, **FAST)
    assert again.sends == 0
    assert_exactly_once_in_order(province, client.node_id, outbox)


def test_later_outbox_rows_go_in_the_next_seq(province, client, outbox):
    outbox.add_versions(5, 1)
    publish(outbox.db_url, client, **FAST)
    outbox.add_versions(5, 1, first=100)
    publish(outbox.db_url, client, **FAST)
    assert province.stats(client.node_id)["last_seq"] == 2
    assert_exactly_once_in_order(province, client.node_id, outbox)


def test_byte_limit_splits_batches(province, client, outbox):
    outbox.add_versions(30, 1)
    summary = publish(outbox.db_url, client, max_bytes=8 * 1024, **FAST)
    assert summary.batches_delivered > 1
    assert_exactly_once_in_order(province, client.node_id, outbox)


def test_delete_withdraws_the_person_from_the_province(province, client, outbox):
    outbox.add_versions(3, 1)
    outbox.add([(examples.person_id(0), 2, "MERGED_DUPLICATE")])
    publish(outbox.db_url, client, **FAST)
    assert province.stats(client.node_id)["persons"] == 2
    assert_exactly_once_in_order(province, client.node_id, outbox)


def test_down_with_retry_after_is_waited_out_and_sent_once(province, client, outbox):
    outbox.add_versions(10, 1)
    province.set_fault("down", retry_after=2, count=3)
    waits: list[float] = []
    summary = publish(outbox.db_url, client, sleep=waits.append, **FAST)
    assert waits == [2.0, 2.0, 2.0]
    assert summary.batches_delivered == 1
    assert_exactly_once_in_order(province, client.node_id, outbox)


def test_retry_after_beyond_the_waiting_budget_stops_and_the_next_run_finishes(province, client, outbox):
    outbox.add_versions(10, 1)
    province.set_fault("down", retry_after=100, count=1)
    first = publish(outbox.db_url, client, sleep=lambda s: None, backoff=0.01, max_wait=10)
    assert first.stopped and province.stats(client.node_id)["batches"] == 0
    publish(outbox.db_url, client, **FAST)
    assert_exactly_once_in_order(province, client.node_id, outbox)


def test_slow_province_timeout_is_resolved_by_cursor_and_sent_once(province, node, outbox):
    outbox.add_versions(10, 2)
    province.set_fault("slow", delay=2.5, count=1)
    with ProvinceClient(province.url, node[0], node[1], timeout=0.5) as impatient:
        summary = publish(outbox.db_url, impatient, max_records=10, **FAST)
    assert summary.cursor_checks >= 1 and summary.stopped is None
    assert_exactly_once_in_order(province, node[0], outbox)


def test_error_after_store_is_confirmed_by_cursor_and_not_applied_twice(province, client, outbox):
    outbox.add_versions(10, 2)
    province.set_fault("error_after_store", count=1)
    summary = publish(outbox.db_url, client, max_records=10, **FAST)
    assert summary.confirmed_by_cursor == 1
    assert_exactly_once_in_order(province, client.node_id, outbox)
    assert outbox.scalar("select count(*) from publication.batch where answer_status is null") == 0


def test_drop_after_store_is_confirmed_by_cursor_and_not_applied_twice(province, client, outbox):
    outbox.add_versions(10, 2)
    province.set_fault("drop_after_store", count=2)
    summary = publish(outbox.db_url, client, max_records=10, **FAST)
    assert summary.stopped is None and summary.batches_delivered == 2
    assert_exactly_once_in_order(province, client.node_id, outbox)


@pytest.mark.parametrize("crash_at", ["after_persist", "after_send", "after_answer"])
def test_publisher_killed_mid_batch_then_rerun_delivers_exactly_once(province, node, outbox, crash_at):
    outbox.add_versions(15, 2)
    env = dict(os.environ, CANBAO_PUBLISH_CRASH_AT=crash_at, CANBAO_NODE_SECRET=node[1])
    killed = subprocess.run(
        [sys.executable, "-m", "canbao.publication.cli", "publish", "--db", outbox.db_url,
         "--province-url", province.url, "--node-id", node[0], "--max-records", "10", "--backoff", "0.01"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert killed.returncode == 86, killed.stderr
    with ProvinceClient(province.url, node[0], node[1]) as client:
        publish(outbox.db_url, client, max_records=10, **FAST)
    assert_exactly_once_in_order(province, node[0], outbox)
    assert outbox.scalar("select count(*) from publication.batch where state <> 'DELIVERED'") == 0


def test_seq_taken_by_another_sender_is_reconciled_with_expected_seq(province, client, outbox):
    other = {"batch_id": "00000000-0000-4000-8000-000000000001", "node_id": client.node_id, "seq": 1,
             "created_at": "2026-11-22T02:10:00Z", "record_count": 1,
             "records": [examples.upsert(examples.person_id(900), 1)]}
    assert client.send_batch(other).status == 200
    outbox.add_versions(5, 1)
    summary = publish(outbox.db_url, client, **FAST)
    assert summary.renumbered == 1
    assert outbox.rows("select seq, renumbered_from from publication.batch") == [(2, 1)]
    assert accepted_pairs(province, client.node_id)[1:] == outbox.order()


def test_rejected_record_is_kept_alerted_and_resolved_by_a_fixed_version(province, client, outbox):
    pid = examples.person_id(3)
    outbox.add([(pid, 1, examples.upsert_data(pid) | {"ethnicity": "77"}),
                (examples.person_id(4), 1, examples.upsert_data(examples.person_id(4)))])
    alerts: list[list[dict]] = []
    summary = publish(outbox.db_url, client, on_rejection=alerts.append, **FAST)
    assert summary.records_rejected == 1 and summary.precheck_failures == 1
    assert [(a["version"], a["code"]) for a in alerts[0]] == [(1, "FIELD_INVALID")]
    assert outbox.rows("select version, code, resolved_by from publication.rejection") == [(1, "FIELD_INVALID", None)]
    outbox.add([(pid, 2, examples.upsert_data(pid))])
    publish(outbox.db_url, client, **FAST)
    assert outbox.scalar("select count(*) from publication.rejection where resolved_by is null") == 0
    assert province.record(pid, client.node_id)["version"] == 2


def test_every_answer_is_stored_and_audited(province, client, outbox):
    outbox.add_versions(4, 1)
    province.set_fault("down", retry_after=0, count=1)
    publish(outbox.db_url, client, sleep=lambda s: None, **FAST)
    statuses = outbox.rows("select http_status from publication.response where request = 'POST /v1/batches' "
                           "order by response_id")
    assert statuses == [(503,), (200,)]
    kinds = outbox.rows("select kind from audit.event where kind like 'batch_%' order by event_id")
    assert kinds == [("batch_sent",), ("batch_answer",), ("batch_sent",), ("batch_answer",)]
    sent = outbox.rows("select detail->>'sha256', detail->>'sm3' from audit.event where kind = 'batch_sent'")
    assert all(len(sha) == 64 and len(sm3) == 64 for sha, sm3 in sent)


def test_wrong_secret_raises_and_leaves_the_batch_pending(province, node, outbox):
    outbox.add_versions(2, 1)
    with ProvinceClient(province.url, node[0], "wrong") as bad:
        with pytest.raises(PublishError, match="401"):
            publish(outbox.db_url, bad, **FAST)
    assert outbox.scalar("select count(*) from publication.batch where state = 'PENDING'") == 1
