"""The node's HTTP client of the provincial interface (httpx), signing every request with HMAC-SM3.

A body is serialised once and the very bytes sent are the bytes signed and
digested, so the audit trail's digests are those of what went on the wire.
Transport failures are returned, not raised: the publisher must treat a lost
connection as "unsure whether stored" and ask the cursor, so it needs the
distinction between "no answer" and "an answer" as data.
"""

from __future__ import annotations

import datetime as dt
import gzip as gzip_module
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from canbao.province.signing import sign_headers, sm3_hex


def serialize(payload: dict) -> bytes:
    """The one JSON serialisation of a batch (UTF-8, compact, key order kept)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class Result:
    """One request's outcome: an HTTP answer, or a transport error (``status`` None)."""

    status: int | None
    body: Any = None
    retry_after: float | None = None
    error: str | None = None
    sha256: str | None = None   # of the uncompressed JSON body sent, when there was one
    sm3: str | None = None

    @property
    def answered(self) -> bool:
        return self.status is not None

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP-date: the caller falls back to its own backoff


class ProvinceClient:
    """Signed requests to one provincial endpoint on behalf of one node.

    ``clock`` (a callable returning an aware "now") is what ``X-Timestamp`` is
    taken from; the wall clock unless given. It exists so a node whose clock
    is skewed beyond the province's 300 s window can be reproduced in tests.
    """

    def __init__(self, base_url: str, node_id: str, secret: str, timeout: float = 60.0,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.node_id = node_id
        self._secret = secret
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._http = httpx.Client(timeout=timeout, headers={"User-Agent": "canbao-publication/1"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ProvinceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, method: str, path: str, params: dict | None = None, body: bytes = b"",
                 headers: dict | None = None) -> Result:
        query = urlencode({k: v for k, v in (params or {}).items() if v is not None})
        path_qs = path + ("?" + query if query else "")
        signed = sign_headers(self.node_id, self._secret, method, path_qs, body, now=self._clock())
        try:
            response = self._http.request(method, self.base_url + path_qs, content=body or None,
                                          headers={**(headers or {}), **signed})
        except httpx.HTTPError as exc:  # timeouts, refused or dropped connections, protocol errors
            return Result(None, error=f"{type(exc).__name__}: {exc}")
        try:
            parsed = response.json()
        except ValueError:
            parsed = {"text": response.text[:2000]}
        return Result(response.status_code, parsed, _retry_after(response.headers.get("Retry-After")))

    def send_batch(self, payload: dict | bytes, gzip: bool = True) -> Result:
        """POST /v1/batches; ``payload`` is the batch dict or its already serialised JSON bytes."""
        plain = payload if isinstance(payload, bytes) else serialize(payload)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        body = plain
        if gzip:
            body = gzip_module.compress(plain, compresslevel=5, mtime=0)
            headers["Content-Encoding"] = "gzip"
        result = self._request("POST", "/v1/batches", body=body, headers=headers)
        result.sha256, result.sm3 = hashlib.sha256(plain).hexdigest(), sm3_hex(plain)
        return result

    def cursor(self) -> Result:
        """GET /v1/nodes/{node_id}/cursor -> {"last_seq", "last_batch_id"}."""
        return self._request("GET", f"/v1/nodes/{self.node_id}/cursor")

    def feedback(self, after: str | None = None, limit: int = 1000) -> Result:
        """GET /v1/feedback -> {"items": [...], "next": cursor or null}."""
        return self._request("GET", "/v1/feedback", {"node_id": self.node_id, "after": after, "limit": limit})
