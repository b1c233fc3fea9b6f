"""Request signing of the provincial interface: SM3 digests and HMAC-SM3 (GB/T 32905).

Both sides use this module, so the node's client and the sandbox cannot drift
apart on the canonical string. The signature covers the exact bytes sent
(compressed when the body is gzip-compressed), which is why callers must
serialise a body once and hand the same bytes to both signing and sending.
"""

from __future__ import annotations

import datetime as dt
import hmac as std_hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

MAX_SKEW_SECONDS = 300
MIN_NONCE_LENGTH = 16

H_NODE = "X-Node-Id"
H_TIMESTAMP = "X-Timestamp"
H_NONCE = "X-Nonce"
H_SIGNATURE = "X-Signature"


def sm3_hex(data: bytes) -> str:
    """Lower-case hex SM3 digest of ``data``."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


EMPTY_BODY_SM3 = sm3_hex(b"")


def hmac_sm3_hex(key: bytes | str, message: bytes) -> str:
    """Lower-case hex HMAC-SM3 of ``message`` keyed with ``key`` (a str key is UTF-8 encoded)."""
    if isinstance(key, str):
        key = key.encode("utf-8")
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(message)
    return mac.finalize().hex()


def canonical_string(method: str, path_with_query: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """The five signed lines joined by ``\\n``: method, path+query, timestamp, nonce, sm3(body)."""
    return "\n".join([method.upper(), path_with_query, timestamp, nonce, sm3_hex(body)]).encode("utf-8")


def format_timestamp(moment: dt.datetime) -> str:
    """RFC 3339 UTC with a ``Z`` suffix and whole seconds, e.g. ``2026-11-22T02:10:00Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(value: str) -> dt.datetime:
    """Parse an RFC 3339 timestamp; raises ValueError when it is not one or has no offset."""
    text = value.strip()
    if not text or "T" not in text.upper():
        raise ValueError(f"not an RFC 3339 timestamp: {value!r}")
    parsed = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "Zz" else text)
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without a UTC offset: {value!r}")
    return parsed


def new_nonce() -> str:
    """32 random hex characters (the contract asks for at least 16)."""
    return secrets.token_hex(16)


def sign_headers(node_id: str, secret: str | bytes, method: str, path_with_query: str, body: bytes,
                 now: dt.datetime | None = None, nonce: str | None = None) -> dict[str, str]:
    """The four authentication headers for one request."""
    timestamp = format_timestamp(now or dt.datetime.now(dt.UTC))
    nonce = nonce or new_nonce()
    signature = hmac_sm3_hex(secret, canonical_string(method, path_with_query, timestamp, nonce, body))
    return {H_NODE: node_id, H_TIMESTAMP: timestamp, H_NONCE: nonce, H_SIGNATURE: signature}


@dataclass(frozen=True)
class Verified:
    """An authenticated request's identity; the nonce still has to be checked for reuse by the caller."""

    node_id: str
    nonce: str
    timestamp: dt.datetime


class AuthError(Exception):
    """A request that fails authentication (answered ``401 AUTH``)."""


def verify_request(headers: Mapping[str, str], secrets_by_node: Mapping[str, str], method: str,
                   path_with_query: str, body: bytes, now: dt.datetime | None = None,
                   max_skew: int = MAX_SKEW_SECONDS) -> Verified:
    """Check headers, clock skew and signature. Raises AuthError with a reason safe to return.

    Nonce reuse is not checked here because it needs the server's persistent
    replay cache; the caller records the nonce only after this passes.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    node_id = lower.get(H_NODE.lower())
    timestamp = lower.get(H_TIMESTAMP.lower())
    nonce = lower.get(H_NONCE.lower())
    signature = lower.get(H_SIGNATURE.lower())
    if not (node_id and timestamp and nonce and signature):
        raise AuthError("missing authentication header")
    secret = secrets_by_node.get(node_id)
    if secret is None:
        raise AuthError("unknown node")
    if len(nonce) < MIN_NONCE_LENGTH:
        raise AuthError(f"nonce shorter than {MIN_NONCE_LENGTH} characters")
    try:
        moment = parse_timestamp(timestamp)
    except ValueError as exc:
        raise AuthError("bad timestamp") from exc
    now = now or dt.datetime.now(dt.UTC)
    if abs((now - moment).total_seconds()) > max_skew:
        raise AuthError("timestamp outside the allowed clock skew")
    expected = hmac_sm3_hex(secret, canonical_string(method, path_with_query, timestamp, nonce, body))
    if not std_hmac.compare_digest(expected, signature.strip()):
        raise AuthError("bad signature")
    return Verified(node_id=node_id, nonce=nonce, timestamp=moment)
