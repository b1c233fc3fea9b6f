"""Helpers of the fault tests: outbox rows, the exactly-once check, publisher runs in processes of their own."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from canbao.db import engine
from canbao.province import examples
from canbao.province_sandbox.runner import SandboxHandle

NODES = {f"34{i:04d}": f"fault-secret-{i}" for i in range(1, 100)}
_next_node = itertools.count(1)


def next_node() -> str:
    """A node id no other fault test uses (so its seqs and counts start from zero)."""
    return f"34{next(_next_node):04d}"


# The publisher as a process of its own, as Airflow runs it: one run of publish() with a ProvinceClient,
# its summary printed as JSON on the last line. Settings come from the environment (the secret never on
# the command line).
PUBLISH_SCRIPT = """
import json, os
from canbao.publication.client import ProvinceClient
from canbao.publication.publisher import publish
go = os.environ.get("FAULT_GO_FILE")
if go:
    import pathlib, time
    pathlib.Path(os.environ["FAULT_READY_FILE"]).touch()
    while not pathlib.Path(go).exists():
        time.sleep(0.01)
with ProvinceClient(os.environ["FAULT_PROVINCE_URL"], os.environ["FAULT_NODE_ID"], os.environ["FAULT_NODE_SECRET"],
                    timeout=float(os.environ.get("FAULT_TIMEOUT", "30"))) as client:
    summary = publish(os.environ["FAULT_DB_URL"], client, max_records=int(os.environ.get("FAULT_MAX_RECORDS", "10")),
                      backoff=0.01, max_wait=30)
print(json.dumps(summary.as_dict()))
"""


def versions(n_persons: int, n_versions: int, first: int = 0) -> list[tuple[str, int, dict]]:
    """Outbox rows for n persons with n versions each, interleaved (v1 of all, then v2 of all, ...)."""
    rows = []
    for version in range(1, n_versions + 1):
        for n in range(first, first + n_persons):
            pid = examples.person_id(n)
            rows.append((pid, version, examples.upsert_data(pid, name=f"人{version}")))
    return rows


class Outbox:
    """The outbox and publication state of one platform database."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url

    def add_versions(self, n_persons: int, n_versions: int, first: int = 0) -> None:
        """Insert rows the way the comparison job does (one row per new base version)."""
        with engine(self.db_url).begin() as conn:
            for person_id, version, data in versions(n_persons, n_versions, first):
                conn.execute(sa.text(
                    "insert into publication.outbox (person_id, version, op, changed_at, record, run_id) "
                    "values (:p, :v, 'UPSERT', '2026-11-21T18:00:00Z', cast(:r as jsonb), 'fault-test')"),
                    {"p": person_id, "v": version, "r": json.dumps(data, ensure_ascii=False)})

    def order(self) -> list[tuple[str, int]]:
        return [tuple(r) for r in self.rows("select person_id, version from publication.outbox order by outbox_id")]

    def scalar(self, sql: str, **params) -> object:
        with engine(self.db_url).connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def rows(self, sql: str, **params) -> list[tuple]:
        with engine(self.db_url).connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), params)]

    def batches(self) -> list[tuple[str, int, str]]:
        """(batch_id, seq, state) of every batch, in seq order."""
        return self.rows("select batch_id::text, seq, state from publication.batch order by seq")


def assert_exactly_once(province: SandboxHandle, node_id: str, outbox: Outbox) -> None:
    """The province applied every outbox version once and in outbox order, and the platform knows it.

    Province side: its accepted log equals the outbox order (so no version twice, none missing, none out of
    order). Platform side: every batch is DELIVERED with its answer, none pending, seqs 1..n contiguous and
    equal to the province's, every outbox row in exactly one batch, every item's outcome recorded.
    """
    accepted = province.accepted(node_id)
    assert [(a["person_id"], a["version"]) for a in accepted] == outbox.order()
    stats = province.stats(node_id)
    assert stats["records"] == len(outbox.order())
    batches = outbox.batches()
    assert [state for _, _, state in batches] == ["DELIVERED"] * len(batches)
    assert [seq for _, seq, _ in batches] == list(range(1, len(batches) + 1))
    assert stats["last_seq"] == len(batches) == stats["batches"]
    assert sorted({a["batch_id"] for a in accepted}) == sorted(batch_id for batch_id, _, _ in batches)
    assert outbox.scalar("select count(*) from publication.batch where state = 'PENDING'") == 0
    assert outbox.scalar("select count(*) from publication.batch where answer_status is null") == 0
    assert outbox.scalar("select count(*) from publication.batch_item") == len(outbox.order())
    assert outbox.scalar("select count(*) from publication.batch_item where outcome is distinct from 'ACCEPTED'") == 0


def publisher_env(db_url: str, province: SandboxHandle, node: tuple[str, str], **extra: str) -> dict[str, str]:
    env = dict(os.environ, FAULT_DB_URL=db_url, FAULT_PROVINCE_URL=province.url, FAULT_NODE_ID=node[0],
               FAULT_NODE_SECRET=node[1])
    env.pop("CANBAO_PUBLISH_CRASH_AT", None)
    env.update(extra)
    return env


def start_publisher(env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start one publisher run in a process of its own (output to ``log``)."""
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-c", PUBLISH_SCRIPT], env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def summary_of(log: Path) -> dict:
    """The JSON summary a successful publisher run printed last."""
    return json.loads(log.read_text().strip().splitlines()[-1])


def stop_process(proc: subprocess.Popen) -> None:
    """Kill a process this test started, by its pid, if it still runs."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)

