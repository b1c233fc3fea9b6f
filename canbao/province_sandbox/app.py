"""The provincial sandbox server: the contract of spec/provincial-interface.md, plus fault injection.

It plays the province so the platform can be developed and tested against a
server that follows the contract strictly. Routes under ``/v1`` are the
contract; routes under ``/sandbox`` are for tests and the demo (statistics,
seeding feedback, injecting faults, inspecting what the province holds).
"""

from __future__ import annotations

import asyncio
import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from canbao.privacy import get_logger
from canbao.province.signing import AuthError, parse_timestamp, verify_request
from canbao.province_sandbox.store import Store, records_digest

log = get_logger(__name__)

MAX_RECORDS = 5000
MAX_BYTES = 8 * 1024 * 1024
MAX_FEEDBACK_PAGE = 1000
FAULT_MODES = ("none", "down", "slow", "error_after_store", "drop_after_store")


@dataclass
class Faults:
    """Fault injection state; ``count`` requests are affected, then the mode returns to none."""

    mode: str = "none"
    retry_after: int = 1
    delay: float = 0.0
    count: int | None = None

    def take(self, *modes: str) -> str | None:
        """The active mode if it is one of ``modes``, consuming one use of it."""
        if self.mode not in modes:
            return None
        mode = self.mode
        if self.count is not None:
            self.count -= 1
            if self.count <= 0:
                self.mode, self.count = "none", None
        return mode

    def as_dict(self) -> dict:
        return {"mode": self.mode, "retry_after": self.retry_after, "delay": self.delay, "count": self.count}


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, "code": code, **extra}, status_code=status)


def _path_with_query(request: Request) -> str:
    """The path and query exactly as the client sent them (what it signed)."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string") or b""
    text = raw.decode("latin-1")
    return text + ("?" + query.decode("latin-1") if query else "")


def _decode_body(request: Request, body: bytes) -> bytes:
    """Uncompressed body, refusing more than MAX_BYTES (raises OverflowError) or bad gzip (ValueError)."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        plain = body
    elif encoding == "gzip":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            plain = inflater.decompress(body, MAX_BYTES + 1)
        except zlib.error as exc:
            raise ValueError("body is not valid gzip") from exc
        if len(plain) <= MAX_BYTES and not inflater.eof:
            raise ValueError("gzip body is truncated")
    else:
        raise ValueError(f"unsupported Content-Encoding {encoding}")
    if len(plain) > MAX_BYTES:
        raise OverflowError
    return plain


class DropConnection:
    """Outermost ASGI layer: lets a route abort the TCP connection instead of answering.

    A route sets ``scope["canbao.fault"]["drop"]``; when the response would
    start, the connection is aborted (uvicorn's cycle object holds the
    transport), so the client sees a lost connection after the server stored
    the batch, exactly the uncertainty the contract's cursor call resolves.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        holder: dict = {}
        scope["canbao.fault"] = holder

        async def guarded_send(message: dict) -> None:
            if holder.get("drop"):
                if message["type"] == "http.response.start":
                    transport = getattr(getattr(receive, "__self__", None), "transport", None)
                    if transport is not None:
                        transport.abort()
                        await asyncio.sleep(0.05)  # let connection_lost mark the cycle disconnected
                return
            await send(message)

        await self.app(scope, receive, guarded_send)


def create_app(db_path: str | Path, nodes: dict[str, str]) -> Any:
    """The sandbox ASGI app over the SQLite file ``db_path`` for ``nodes`` (node id -> shared secret)."""
    store = Store(db_path)
    faults = Faults()
    app = FastAPI(title="canbao provincial sandbox", version="1")
    app.state.store, app.state.faults, app.state.nodes = store, faults, dict(nodes)

    async def authenticate(request: Request, body: bytes) -> str | JSONResponse:
        try:
            verified = verify_request(request.headers, app.state.nodes, request.method,
                                      _path_with_query(request), body)
        except AuthError as exc:
            return _error(401, "AUTH", str(exc))
        if not store.use_nonce(verified.node_id, verified.nonce):
            return _error(401, "AUTH", "nonce already used")
        return verified.node_id

    async def front_faults() -> JSONResponse | None:
        """Faults that hit every contract request before it is processed (down, slow)."""
        mode = faults.take("down", "slow")
        if mode == "down":
            response = _error(503, "UNAVAILABLE", "province down for maintenance")
            response.headers["Retry-After"] = str(faults.retry_after)
            return response
        if mode == "slow":
            await asyncio.sleep(faults.delay)
        return None

    @app.post("/v1/batches")
    async def post_batch(request: Request) -> Response:
        fault = await front_faults()
        if fault is not None:
            return fault
        raw = await request.body()
        node_id = await authenticate(request, raw)
        if isinstance(node_id, JSONResponse):
            return node_id
        try:
            plain = _decode_body(request, raw)
        except OverflowError:
            return _error(413, "TOO_LARGE", f"batch over {MAX_BYTES} bytes before compression")
        except ValueError as exc:
            return _error(400, "BAD_REQUEST", str(exc))
        try:
            batch = json.loads(plain.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _error(400, "BAD_REQUEST", "body is not UTF-8 JSON")
        if not isinstance(batch, dict) or not isinstance(batch.get("batch_id"), str) or not batch["batch_id"]:
            return _error(422, "INVALID", "batch_id missing")
        records = batch.get("records")
        # The idempotency key is checked first: a replay gets the stored answer whatever the envelope says.
        stored = store.stored_batch(batch["batch_id"])
        if stored is not None:
            stored_node, digest, answer = stored
            if stored_node != node_id or digest != records_digest(records):
                return _error(422, "CONFLICT", "batch_id already used with other records")
            return _answer(request, 200, answer)
        if not isinstance(records, list):
            return _error(422, "INVALID", "records must be an array")
        if len(records) > MAX_RECORDS:
            return _error(413, "TOO_LARGE", f"more than {MAX_RECORDS} records")
        problem = _envelope_problem(batch, node_id)
        if problem:
            return _error(422, "INVALID", problem)
        status, answer = await asyncio.to_thread(store.store_batch, node_id, batch["batch_id"], batch["seq"], records)
        if status != 200:
            return JSONResponse(answer, status_code=status)
        log.info("batch seq %s stored for node %s: %s accepted, %s rejected", answer["seq"], node_id,
                 answer["accepted"], len(answer["rejected"]))
        return _answer(request, status, answer)

    def _answer(request: Request, status: int, answer: dict) -> Response:
        mode = faults.take("error_after_store", "drop_after_store")
        if mode == "error_after_store":
            return _error(500, "INTERNAL", "injected failure after the batch was stored")
        if mode == "drop_after_store":
            request.scope["canbao.fault"]["drop"] = True
        return JSONResponse(answer, status_code=status)

    @app.get("/v1/nodes/{node_id}/cursor")
    async def get_cursor(node_id: str, request: Request) -> Response:
        fault = await front_faults()
        if fault is not None:
            return fault
        caller = await authenticate(request, await request.body())
        if isinstance(caller, JSONResponse):
            return caller
        if caller != node_id:
            return _error(401, "AUTH", "a node may only read its own cursor")
        return JSONResponse(store.cursor(node_id))

    @app.get("/v1/feedback")
    async def get_feedback(request: Request, node_id: str, after: str | None = None, limit: int = 1000) -> Response:
        fault = await front_faults()
        if fault is not None:
            return fault
        caller = await authenticate(request, await request.body())
        if isinstance(caller, JSONResponse):
            return caller
        if caller != node_id:
            return _error(401, "AUTH", "a node may only read its own feedback")
        try:
            after_n = int(after) if after not in (None, "", "null") else 0
        except ValueError:
            return _error(400, "BAD_REQUEST", "after is not a cursor of this server")
        limit = max(1, min(int(limit), MAX_FEEDBACK_PAGE))
        items, next_cursor = store.feedback(node_id, after_n, limit)
        return JSONResponse({"items": items, "next": next_cursor})

    # --- beside the contract ----------------------------------------------------------------------
    @app.get("/sandbox/stats")
    async def stats(node_id: str | None = None) -> dict:
        return store.stats(node_id)

    @app.get("/sandbox/records/{person_id}")
    async def held_record(person_id: str, node_id: str | None = None) -> Response:
        found = store.person(person_id, node_id)
        return JSONResponse(found) if found else _error(404, "NOT_FOUND", "no record held")

    @app.get("/sandbox/accepted")
    async def accepted(node_id: str | None = None) -> list:
        return store.accepted_log(node_id)

    @app.get("/sandbox/faults")
    async def get_faults() -> dict:
        return faults.as_dict()

    @app.post("/sandbox/faults")
    async def set_faults(request: Request) -> Response:
        spec = await request.json()
        mode = spec.get("mode", "none")
        if mode not in FAULT_MODES:
            return _error(422, "INVALID", f"mode must be one of {', '.join(FAULT_MODES)}")
        faults.mode = mode
        faults.retry_after = int(spec.get("retry_after", 1))
        faults.delay = float(spec.get("delay", 0.0))
        faults.count = int(spec["count"]) if spec.get("count") is not None else None
        return JSONResponse(faults.as_dict())

    @app.post("/sandbox/feedback")
    async def load_feedback(request: Request, node_id: str | None = None) -> Response:
        text = (await request.body()).decode("utf-8").strip()
        try:
            items = json.loads(text) if text.startswith("[") else [json.loads(line) for line in text.splitlines()
                                                                    if line.strip()]
        except json.JSONDecodeError:
            return _error(400, "BAD_REQUEST", "body is neither a JSON list nor JSON lines")
        default = node_id or (next(iter(app.state.nodes)) if len(app.state.nodes) == 1 else None)
        rows = []
        for item in items:
            target = item.pop("node_id", None) or default
            if target not in app.state.nodes:
                return _error(422, "INVALID", "feedback item for an unknown node (give node_id)")
            rows.append((target, item))
        return JSONResponse({"loaded": store.add_feedback(rows)})

    return DropConnection(app)


def _envelope_problem(batch: dict, node_id: str) -> str | None:
    """What is wrong with a new batch's envelope, if anything."""
    if batch.get("node_id") != node_id:
        return "node_id differs from X-Node-Id"
    seq = batch.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return "seq must be a positive integer"
    created_at = batch.get("created_at")
    try:
        if not isinstance(created_at, str):
            raise ValueError
        parse_timestamp(created_at)
    except ValueError:
        return "created_at must be an RFC 3339 timestamp"
    if batch.get("record_count") != len(batch["records"]):
        return "record_count differs from the number of records"
    return None
