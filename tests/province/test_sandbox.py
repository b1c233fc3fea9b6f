"""The provincial sandbox server follows the contract (real server on a loopback port)."""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import uuid

import httpx
import pytest

from canbao.province import examples
from canbao.province.signing import sign_headers
from canbao.province_sandbox import runner
from canbao.publication.client import ProvinceClient, serialize

NODES = {f"3306{i:02d}": f"secret-{i}" for i in range(1, 99)}
_next_node = itertools.count(1)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    handle = runner.start(db_path=tmp_path_factory.mktemp("province") / "province.sqlite", nodes=NODES)
    yield handle
    handle.stop()


@pytest.fixture
def client(sandbox):
    """A client of a node no other test of this module uses, so counts and seqs start from zero."""
    node_id = f"3306{next(_next_node):02d}"
    with ProvinceClient(sandbox.url, node_id, NODES[node_id], timeout=30) as c:
        yield c
    sandbox.set_fault("none")


def batch(client: ProvinceClient, seq: int, records: list[dict], batch_id: str | None = None, **envelope) -> dict:
    body = {"batch_id": batch_id or str(uuid.uuid4()), "node_id": client.node_id, "seq": seq,
            "created_at": "2026-11-22T02:10:00Z", "record_count": len(records), "records": records}
    body.update(envelope)
    return body


def pid(n: int) -> str:
    return examples.person_id(n)


def raw_post(sandbox, node_id: str, secret: str, body: bytes, **sign_options) -> httpx.Response:
    headers = sign_headers(node_id, secret, "POST", "/v1/batches", body, **sign_options)
    return httpx.post(sandbox.url + "/v1/batches", content=body, headers=headers)


# --- authentication ---------------------------------------------------------------------------------
def test_unsigned_request_is_401_auth(sandbox):
    r = httpx.post(sandbox.url + "/v1/batches", content=b"{}")
    assert (r.status_code, r.json()["code"]) == (401, "AUTH")


def test_wrong_secret_is_401_and_stores_nothing(sandbox, client):
    body = serialize(batch(client, 1, [examples.upsert(pid(1), 1)]))
    r = raw_post(sandbox, client.node_id, "not-the-secret", body)
    assert (r.status_code, r.json()["code"]) == (401, "AUTH")
    assert sandbox.stats(client.node_id)["batches"] == 0


def test_timestamp_301_seconds_old_is_401(sandbox, client):
    body = serialize(batch(client, 1, [examples.upsert(pid(1), 1)]))
    old = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=301)
    r = raw_post(sandbox, client.node_id, NODES[client.node_id], body, now=old)
    assert r.status_code == 401


def test_timestamp_250_seconds_ahead_is_accepted(sandbox, client):
    body = serialize(batch(client, 1, [examples.upsert(pid(1), 1)]))
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=250)
    r = raw_post(sandbox, client.node_id, NODES[client.node_id], body, now=ahead)
    assert r.status_code == 200


def test_reused_nonce_is_401(sandbox, client):
    nonce = "n" * 32
    first = raw_post(sandbox, client.node_id, NODES[client.node_id],
                     serialize(batch(client, 1, [examples.upsert(pid(1), 1)])), nonce=nonce)
    second = raw_post(sandbox, client.node_id, NODES[client.node_id],
                      serialize(batch(client, 2, [examples.upsert(pid(2), 1)])), nonce=nonce)
    assert (first.status_code, second.status_code) == (200, 401)
    assert sandbox.stats(client.node_id)["batches"] == 1


def test_nonce_replay_cache_survives_a_restart(tmp_path):
    nodes = {"330600": "s"}
    body = b""
    headers = sign_headers("330600", "s", "GET", "/v1/nodes/330600/cursor", body)
    first = runner.start(db_path=tmp_path / "p.sqlite", nodes=nodes)
    try:
        assert httpx.get(first.url + "/v1/nodes/330600/cursor", headers=headers).status_code == 200
    finally:
        first.stop()
    second = runner.start(db_path=tmp_path / "p.sqlite", nodes=nodes)
    try:
        assert httpx.get(second.url + "/v1/nodes/330600/cursor", headers=headers).status_code == 401
    finally:
        second.stop()


def test_node_cannot_read_another_nodes_cursor(sandbox, client):
    headers = sign_headers(client.node_id, NODES[client.node_id], "GET", "/v1/nodes/330698/cursor", b"")
    assert httpx.get(sandbox.url + "/v1/nodes/330698/cursor", headers=headers).status_code == 401


# --- batches ----------------------------------------------------------------------------------------
def test_valid_batch_is_accepted_and_moves_the_cursor(sandbox, client):
    b = batch(client, 1, [examples.upsert(pid(1), 1), examples.upsert(pid(2), 1)])
    r = client.send_batch(b)
    assert r.status == 200
    assert r.body == {"batch_id": b["batch_id"], "seq": 1, "status": "ACCEPTED", "accepted": 2, "rejected": []}
    assert client.cursor().body == {"last_seq": 1, "last_batch_id": b["batch_id"]}


def test_gzip_and_plain_bodies_are_both_accepted(sandbox, client):
    assert client.send_batch(batch(client, 1, [examples.upsert(pid(1), 1)]), gzip=True).status == 200
    assert client.send_batch(batch(client, 2, [examples.upsert(pid(2), 1)]), gzip=False).status == 200


def test_same_batch_again_returns_the_same_answer_and_changes_nothing(sandbox, client):
    b = batch(client, 1, [examples.upsert(pid(1), 1)])
    first = client.send_batch(b)
    again = client.send_batch(dict(b, created_at="2026-11-23T00:00:00Z", seq=7))  # envelope may differ
    assert (again.status, again.body) == (200, first.body)
    assert sandbox.stats(client.node_id) == {"batches": 1, "last_seq": 1, "records": 1, "persons": 1}


def test_same_batch_id_with_other_records_is_422_conflict(sandbox, client):
    b = batch(client, 1, [examples.upsert(pid(1), 1)])
    client.send_batch(b)
    r = client.send_batch(dict(b, records=[examples.upsert(pid(2), 1)]))
    assert (r.status, r.code) == (422, "CONFLICT")


def test_seq_not_next_is_409_with_expected_seq_and_not_stored(sandbox, client):
    r = client.send_batch(batch(client, 2, [examples.upsert(pid(1), 1)]))
    assert (r.status, r.code, r.body["expected_seq"]) == (409, "SEQ", 1)
    assert sandbox.stats(client.node_id)["batches"] == 0


def test_more_than_5000_records_is_413(sandbox, client):
    records = [examples.upsert(pid(n), 1) for n in range(5001)]
    assert client.send_batch(batch(client, 1, records)).status == 413


def test_more_than_8_mib_uncompressed_is_413_even_when_gzip_is_small(sandbox, client):
    record = examples.upsert(pid(1), 1)
    record["data"]["hukou_address"] = "x" * (8 * 1024 * 1024)
    body = serialize(batch(client, 1, [record]))
    compressed = gzip.compress(body)
    headers = sign_headers(client.node_id, NODES[client.node_id], "POST", "/v1/batches", compressed)
    r = httpx.post(sandbox.url + "/v1/batches", content=compressed,
                   headers={**headers, "Content-Encoding": "gzip"})
    assert len(compressed) < 100_000 and r.status_code == 413


def test_record_count_mismatch_is_rejected_and_not_stored(sandbox, client):
    r = client.send_batch(batch(client, 1, [examples.upsert(pid(1), 1)], record_count=2))
    assert r.status == 422
    assert sandbox.stats(client.node_id)["batches"] == 0


def test_stale_version_is_rejected_individually_and_batch_is_partial(sandbox, client):
    client.send_batch(batch(client, 1, [examples.upsert(pid(1), 2)]))
    r = client.send_batch(batch(client, 2, [examples.upsert(pid(1), 2), examples.upsert(pid(2), 1)]))
    assert r.body["status"] == "PARTIAL" and r.body["accepted"] == 1
    assert [(x["index"], x["code"]) for x in r.body["rejected"]] == [(0, "VERSION_STALE")]
    assert client.cursor().body["last_seq"] == 2


def test_version_must_rise_within_one_batch(sandbox, client):
    r = client.send_batch(batch(client, 1, [examples.upsert(pid(1), 3), examples.upsert(pid(1), 3)]))
    assert [x["code"] for x in r.body["rejected"]] == ["VERSION_STALE"]


def test_invalid_id_and_bad_field_are_rejected_with_their_codes(sandbox, client):
    bad_id = examples.upsert(pid(1), 1)
    bad_id["person_id"] = bad_id["person_id"][:17] + ("1" if bad_id["person_id"][17] != "1" else "2")
    bad_field = examples.upsert(pid(2), 1, ethnicity="77")
    r = client.send_batch(batch(client, 1, [bad_id, bad_field, examples.upsert(pid(3), 1)]))
    assert [(x["index"], x["code"]) for x in r.body["rejected"]] == [(0, "ID_INVALID"), (1, "FIELD_INVALID")]
    assert "ethnicity" in r.body["rejected"][1]["message"]


def test_delete_removes_the_person_from_the_held_population(sandbox, client):
    client.send_batch(batch(client, 1, [examples.upsert(pid(1), 1), examples.upsert(pid(2), 1)]))
    client.send_batch(batch(client, 2, [examples.delete(pid(1), 2)]))
    assert sandbox.stats(client.node_id)["persons"] == 1


def test_held_record_is_the_latest_version(sandbox, client):
    client.send_batch(batch(client, 1, [examples.upsert(pid(5), 1), examples.upsert(pid(5), 2, name="李四")]))
    held = sandbox.record(pid(5))
    assert (held["version"], held["data"]["name"], held["history"]) == (2, "李四", [1, 2])


# --- feedback ---------------------------------------------------------------------------------------
def test_feedback_pages_by_cursor_until_next_is_null(sandbox, client):
    items = [{"person_id": pid(n), "insurance": "310", "region_code": "330100", "status": "ACTIVE",
              "since": "2025-01-01", "until": None} for n in range(5)]
    sandbox.load_feedback(items, node_id=client.node_id)
    first = client.feedback(limit=3).body
    second = client.feedback(after=first["next"], limit=3).body
    assert [len(first["items"]), len(second["items"])] == [3, 2]
    assert second["next"] is None
    assert [i["person_id"] for i in first["items"] + second["items"]] == [pid(n) for n in range(5)]


def test_feedback_accepts_json_lines(sandbox, client):
    lines = "\n".join(json.dumps({"node_id": client.node_id, "person_id": pid(n), "insurance": "110",
                                  "region_code": "330100", "status": "ACTIVE", "since": "2025-01-01",
                                  "until": None}) for n in range(2))
    assert httpx.post(sandbox.url + "/sandbox/feedback", content=lines).json() == {"loaded": 2}
    assert len(client.feedback().body["items"]) == 2


# --- faults -----------------------------------------------------------------------------------------
def test_down_answers_503_with_retry_after_then_recovers(sandbox, client):
    sandbox.set_fault("down", retry_after=7, count=1)
    down = client.cursor()
    assert (down.status, down.retry_after) == (503, 7.0)
    assert client.cursor().status == 200


def test_error_after_store_answers_500_but_the_batch_is_held(sandbox, client):
    b = batch(client, 1, [examples.upsert(pid(1), 1)])
    sandbox.set_fault("error_after_store", count=1)
    assert client.send_batch(b).status == 500
    assert client.cursor().body["last_batch_id"] == b["batch_id"]


def test_drop_after_store_loses_the_connection_but_the_batch_is_held(sandbox, client):
    b = batch(client, 1, [examples.upsert(pid(1), 1)])
    sandbox.set_fault("drop_after_store", count=1)
    r = client.send_batch(b)
    assert r.status is None and r.error
    assert client.cursor().body["last_batch_id"] == b["batch_id"]


def test_slow_answers_after_the_delay(sandbox, client):
    sandbox.set_fault("slow", delay=0.3, count=1)
    r = client.cursor()
    assert r.status == 200
    assert httpx.get(sandbox.url + "/sandbox/faults").json()["mode"] == "none"  # the one slowed request used it


def test_batches_survive_a_restart(tmp_path):
    nodes = {"330600": "s"}
    first = runner.start(db_path=tmp_path / "p.sqlite", nodes=nodes)
    try:
        with ProvinceClient(first.url, "330600", "s") as c:
            c.send_batch({"batch_id": str(uuid.uuid4()), "node_id": "330600", "seq": 1,
                          "created_at": "2026-11-22T02:10:00Z", "record_count": 1,
                          "records": [examples.upsert(pid(1), 1)]})
    finally:
        first.stop()
    second = runner.start(db_path=tmp_path / "p.sqlite", nodes=nodes)
    try:
        assert second.stats() == {"batches": 1, "last_seq": 1, "records": 1, "persons": 1}
    finally:
        second.stop()
