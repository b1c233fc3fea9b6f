"""Start and stop the sandbox server as a subprocess (tests, the demo, the benchmark).

A subprocess, not a thread: a test can restart it over the same SQLite file
to prove state survives, and the server's event loop never competes with the
publisher's for the GIL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from canbao.services.process import free_port, wait_until


def nodes_to_env(nodes: dict[str, str]) -> str:
    """``{"330600": "s"}`` -> ``330600:s`` (the CANBAO_SANDBOX_NODES form)."""
    return ",".join(f"{node}:{secret}" for node, secret in nodes.items())


def nodes_from_env(text: str | None) -> dict[str, str]:
    nodes: dict[str, str] = {}
    for part in (text or "").split(","):
        if part.strip():
            node, _, secret = part.strip().partition(":")
            if not node or not secret:
                raise ValueError("CANBAO_SANDBOX_NODES entries are node_id:secret")
            nodes[node] = secret
    return nodes


@dataclass
class SandboxHandle:
    """A running sandbox: its base URL and how to stop it."""

    url: str
    host: str
    port: int
    db_path: Path
    nodes: dict[str, str]
    proc: subprocess.Popen
    log_path: Path
    _client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30), repr=False)

    def stats(self, node_id: str | None = None) -> dict:
        return self._get("/sandbox/stats", {"node_id": node_id} if node_id else None)

    def record(self, person_id: str, node_id: str | None = None) -> dict | None:
        r = self._client.get(f"{self.url}/sandbox/records/{person_id}", params={"node_id": node_id} if node_id else None)
        return r.json() if r.status_code == 200 else None

    def accepted(self, node_id: str | None = None) -> list[dict]:
        return self._get("/sandbox/accepted", {"node_id": node_id} if node_id else None)

    def set_fault(self, mode: str, retry_after: int = 1, delay: float = 0.0, count: int | None = None) -> dict:
        r = self._client.post(f"{self.url}/sandbox/faults",
                              json={"mode": mode, "retry_after": retry_after, "delay": delay, "count": count})
        r.raise_for_status()
        return r.json()

    def load_feedback(self, items: list[dict], node_id: str | None = None) -> int:
        r = self._client.post(f"{self.url}/sandbox/feedback", params={"node_id": node_id} if node_id else None,
                              json=items)
        r.raise_for_status()
        return r.json()["loaded"]

    def _get(self, path: str, params: dict | None = None):
        r = self._client.get(f"{self.url}{path}", params=params)
        r.raise_for_status()
        return r.json()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 10) -> None:
        """Stop the server we started (its own process group), by pid."""
        self._client.close()
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/sandbox/stats", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def start(host: str = "127.0.0.1", port: int | None = None, db_path: str | Path | None = None,
          nodes: dict[str, str] | None = None, log_path: str | Path | None = None,
          timeout: float = 30) -> SandboxHandle:
    """Start a sandbox and wait until it answers. Secrets travel in the environment, not on the command line."""
    port = port or free_port(host)
    db_path = Path(db_path) if db_path else Path(tempfile.mkdtemp(prefix="canbao-sandbox-")) / "province.sqlite"
    nodes = dict(nodes or {"330600": "sandbox-secret"})
    log_path = Path(log_path) if log_path else db_path.with_suffix(".log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, CANBAO_SANDBOX_NODES=nodes_to_env(nodes))
    with open(log_path, "ab", buffering=0) as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "canbao.province_sandbox.cli", "sandbox", "serve", "--host", host, "--port", str(port),
             "--db", str(db_path)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True,
        )
    url = f"http://{host}:{port}"
    handle = SandboxHandle(url, host, port, db_path, nodes, proc, log_path)
    try:
        wait_until(lambda: _answers(url), timeout, "province sandbox", proc, log_path)
    except BaseException:
        handle.stop()
        raise
    return handle
