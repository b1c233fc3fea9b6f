"""SM3 / HMAC-SM3 and the canonical string of the provincial interface."""

from __future__ import annotations

import datetime as dt

import pytest

from canbao.province import signing

NOW = dt.datetime(2026, 11, 22, 2, 10, tzinfo=dt.UTC)
SECRETS = {"330600": "s3cret"}


def _hmac_by_definition(key: bytes, message: bytes) -> str:
    """RFC 2104 built from SM3 alone (64-byte blocks), an independent check of the library's HMAC."""
    from cryptography.hazmat.primitives import hashes

    def sm3(data: bytes) -> bytes:
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize()

    key = key.ljust(64, b"\0")
    inner = sm3(bytes(b ^ 0x36 for b in key) + message)
    return sm3(bytes(b ^ 0x5C for b in key) + inner).hex()


def test_sm3_of_abc_matches_the_gbt_32905_example():
    assert signing.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm3_of_the_64_byte_example_matches_the_standard():
    assert signing.sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_hmac_sm3_equals_rfc2104_built_from_sm3():
    assert signing.hmac_sm3_hex("s3cret", b"message") == _hmac_by_definition(b"s3cret", b"message")


def test_canonical_string_is_five_lines_ending_with_body_digest():
    text = signing.canonical_string("post", "/v1/batches?x=1", "2026-11-22T02:10:00Z", "n" * 16, b"{}")
    assert text.decode().split("\n") == ["POST", "/v1/batches?x=1", "2026-11-22T02:10:00Z", "n" * 16,
                                         signing.sm3_hex(b"{}")]


def test_empty_body_is_signed_with_the_sm3_of_zero_bytes():
    text = signing.canonical_string("GET", "/v1/nodes/330600/cursor", "t", "n" * 16, b"")
    assert text.decode().endswith("\n" + signing.sm3_hex(b""))


def test_signed_request_verifies():
    headers = signing.sign_headers("330600", "s3cret", "POST", "/v1/batches", b"body", now=NOW)
    verified = signing.verify_request(headers, SECRETS, "POST", "/v1/batches", b"body", now=NOW)
    assert verified.node_id == "330600"


def test_changed_body_fails_verification():
    headers = signing.sign_headers("330600", "s3cret", "POST", "/v1/batches", b"body", now=NOW)
    with pytest.raises(signing.AuthError, match="signature"):
        signing.verify_request(headers, SECRETS, "POST", "/v1/batches", b"b0dy", now=NOW)


def test_wrong_secret_fails_verification():
    headers = signing.sign_headers("330600", "other", "GET", "/p", b"", now=NOW)
    with pytest.raises(signing.AuthError):
        signing.verify_request(headers, SECRETS, "GET", "/p", b"", now=NOW)


def test_timestamp_beyond_300_seconds_fails_verification():
    headers = signing.sign_headers("330600", "s3cret", "GET", "/p", b"", now=NOW - dt.timedelta(seconds=301))
    with pytest.raises(signing.AuthError, match="skew"):
        signing.verify_request(headers, SECRETS, "GET", "/p", b"", now=NOW)


def test_timestamp_within_300_seconds_verifies():
    headers = signing.sign_headers("330600", "s3cret", "GET", "/p", b"", now=NOW + dt.timedelta(seconds=299))
    assert signing.verify_request(headers, SECRETS, "GET", "/p", b"", now=NOW).node_id == "330600"


def test_short_nonce_fails_verification():
    headers = signing.sign_headers("330600", "s3cret", "GET", "/p", b"", now=NOW, nonce="short")
    with pytest.raises(signing.AuthError, match="nonce"):
        signing.verify_request(headers, SECRETS, "GET", "/p", b"", now=NOW)


def test_timestamp_is_rfc3339_utc_with_z():
    assert signing.format_timestamp(NOW) == "2026-11-22T02:10:00Z"
