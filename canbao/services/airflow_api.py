"""A small client of Airflow 3's REST API (v2): trigger DAG runs and wait for them."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import httpx

TERMINAL = {"success", "failed"}


@dataclass
class AirflowApi:
    base_url: str
    username: str
    password: str
    timeout: float = 30

    def __post_init__(self) -> None:
        self._client = httpx.Client(base_url=self.base_url, timeout=self.timeout, trust_env=False)
        self._token: str | None = None

    def _headers(self) -> dict:
        if self._token is None:
            r = self._client.post("/auth/token", json={"username": self.username, "password": self.password})
            r.raise_for_status()
            self._token = r.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    def _request(self, method: str, path: str, **kw) -> httpx.Response:
        r = self._client.request(method, path, headers=self._headers(), **kw)
        if r.status_code == 401:  # token expired: once more with a new one
            self._token = None
            r = self._client.request(method, path, headers=self._headers(), **kw)
        return r

    def dag_ids(self) -> list[str]:
        r = self._request("GET", "/api/v2/dags", params={"limit": 1000})
        r.raise_for_status()
        return [d["dag_id"] for d in r.json()["dags"]]

    def wait_for_dags(self, dag_ids: list[str], timeout: float = 180) -> None:
        """Wait until the DAG processor has registered every one of ``dag_ids``."""
        deadline = time.monotonic() + timeout
        while True:
            missing = set(dag_ids) - set(self.dag_ids())
            if not missing:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"DAGs not registered after {timeout:.0f} s: {sorted(missing)}")
            time.sleep(2)

    def unpause(self, dag_id: str) -> None:
        self._request("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False}).raise_for_status()

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        r = self._request("POST", f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}})
        r.raise_for_status()
        return r.json()["dag_run_id"]

    def run(self, dag_id: str, run_id: str) -> dict:
        r = self._request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")
        r.raise_for_status()
        return r.json()

    def runs(self, dag_id: str, since: dt.datetime | None = None) -> list[dict]:
        """Runs of ``dag_id``, newest first; with ``since``, only those queued or started after it.

        Filtered here on ``queued_at``/``start_date``, not with the API's ``run_after_gte``: an
        asset-triggered run's ``run_after`` can be the time of an older asset event it consumed.
        """
        r = self._request("GET", f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": 100, "order_by": "-id"})
        r.raise_for_status()
        runs = r.json()["dag_runs"]
        if since is None:
            return runs
        return [run for run in runs if _after(run.get("queued_at") or run.get("start_date"), since)]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        r = self._request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000})
        r.raise_for_status()
        return r.json()["task_instances"]

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 600) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            info = self.run(dag_id, run_id)
            if info["state"] in TERMINAL:
                return info
            if time.monotonic() > deadline:
                raise TimeoutError(f"{dag_id} run {run_id} still {info['state']} after {timeout:.0f} s")
            time.sleep(2)

    def wait_new_run(self, dag_id: str, since: dt.datetime, timeout: float = 600,
                     terminal: bool = True) -> dict:
        """Wait for a run of ``dag_id`` created after ``since`` (an asset-triggered one) to finish."""
        deadline = time.monotonic() + timeout
        while True:
            runs = [r for r in self.runs(dag_id, since)]
            done = [r for r in runs if r["state"] in TERMINAL]
            if runs and (done or not terminal):
                return (done or runs)[0]
            if time.monotonic() > deadline:
                state = runs[0]["state"] if runs else "not started"
                raise TimeoutError(f"no finished {dag_id} run since {since:%H:%M:%S} after {timeout:.0f} s ({state})")
            time.sleep(2)


def _after(stamp: str | None, since: dt.datetime) -> bool:
    if not stamp:
        return True  # not queued yet: it is new
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")) >= since
