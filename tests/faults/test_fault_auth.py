"""Tampered and replayed requests are refused (401 AUTH) and change nothing at the province.

tests/province/test_sandbox.py already covers: unsigned, wrong secret, stale
timestamp, a nonce reused for another signed body, the replay cache across a
restart, another node's cursor. These add what an attacker on the wire does:
change a signed body (plain or gzip), change a signed query, replay a
captured request verbatim, and race a tampered copy ahead of the genuine one.
"""

from __future__ import annotations

import gzip
import uuid

import httpx

from canbao.province import examples
from canbao.province.signing import sign_headers
from canbao.publication.client import serialize


def signed_batch(node_id: str, seq: int, version: int = 1) -> bytes:
    return serialize({"batch_id": str(uuid.uuid4()), "node_id": node_id, "seq": seq,
                      "created_at": "2026-11-22T02:10:00Z", "record_count": 1,
                      "records": [examples.upsert(examples.person_id(7), version)]})


def post(province, headers: dict, body: bytes, **extra_headers: str) -> httpx.Response:
    return httpx.post(province.url + "/v1/batches", content=body, headers={**headers, **extra_headers}, timeout=10)


def nothing_stored(province, node_id: str) -> bool:
    return province.stats(node_id)["batches"] == 0 and province.accepted(node_id) == []


def test_body_changed_after_signing_is_401_and_stores_nothing(fault_province, node):
    body = signed_batch(node[0], 1)
    headers = sign_headers(node[0], node[1], "POST", "/v1/batches", body)
    tampered = body.replace(b'"version":1', b'"version":9')
    assert tampered != body
    r = post(fault_province, headers, tampered)
    assert (r.status_code, r.json()["code"]) == (401, "AUTH")
    assert nothing_stored(fault_province, node[0])


def test_gzip_body_changed_after_signing_is_401_not_a_decoding_error(fault_province, node):
    compressed = gzip.compress(signed_batch(node[0], 1), mtime=0)
    headers = sign_headers(node[0], node[1], "POST", "/v1/batches", compressed)
    tampered = compressed[:-9] + bytes([compressed[-9] ^ 0xFF]) + compressed[-8:]  # one byte of the stream
    r = post(fault_province, headers, tampered, **{"Content-Encoding": "gzip"})
    assert (r.status_code, r.json()["code"]) == (401, "AUTH")
    assert nothing_stored(fault_province, node[0])


def test_captured_request_replayed_verbatim_is_401_and_applied_once(fault_province, node):
    body = signed_batch(node[0], 1)
    headers = sign_headers(node[0], node[1], "POST", "/v1/batches", body)
    first, replay = post(fault_province, headers, body), post(fault_province, headers, body)
    # Without the nonce check the replay would get the stored answer (same batch_id): the nonce comes first.
    assert (first.status_code, replay.status_code) == (200, 401)
    assert replay.json()["code"] == "AUTH"
    assert [a["version"] for a in fault_province.accepted(node[0])] == [1]
    assert fault_province.stats(node[0])["batches"] == 1


def test_signed_query_changed_is_401(fault_province, node):
    path = f"/v1/feedback?node_id={node[0]}&limit=10"
    headers = sign_headers(node[0], node[1], "GET", path, b"")
    r = httpx.get(fault_province.url + path.replace("limit=10", "limit=1000"), headers=headers, timeout=10)
    assert (r.status_code, r.json()["code"]) == (401, "AUTH")


def test_tampered_copy_sent_first_does_not_burn_the_genuine_requests_nonce(fault_province, node):
    body = signed_batch(node[0], 1)
    headers = sign_headers(node[0], node[1], "POST", "/v1/batches", body)
    tampered = post(fault_province, headers, body.replace(b'"version":1', b'"version":9'))
    genuine = post(fault_province, headers, body)
    assert (tampered.status_code, genuine.status_code) == (401, 200)
    assert [a["version"] for a in fault_province.accepted(node[0])] == [1]

