"""The platform's PostgreSQL restarted or down during a publish run: the run fails loudly, the next is exactly once.

These tests restart a cluster, so they use a cluster of their own (the
session's ``pg_cluster`` is shared by every other test).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from pathlib import Path

import psycopg2
import pytest
from faultkit import Outbox, assert_exactly_once, publisher_env, start_publisher, stop_process

from canbao.db import migrate
from canbao.publication.client import ProvinceClient
from canbao.publication.publisher import LOCK_KEY, PublishError, publish
from canbao.services.postgres import PgCluster
from canbao.services.process import free_port, wait_until

TEMPLATE = "canbao_fault_template"
_db_counter = itertools.count(1)


@pytest.fixture(scope="module")
def own_cluster():
    """A cluster these tests may stop and restart without disturbing anyone else."""
    root = Path(tempfile.mkdtemp(prefix="canbao-fault-pg-"))
    os.chmod(root, 0o755)  # the postgres server user must reach its data folder
    cluster = PgCluster(root / "pg", free_port(), durable=False)
    cluster.start()
    # The throwaway cluster turns synchronous_commit off; production keeps it on. With it off an immediate
    # stop loses the last commits the publisher was told were durable, which is not the fault tested here.
    conn = psycopg2.connect(cluster.dsn("postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("alter system set synchronous_commit = on")
        cur.execute("select pg_reload_conf()")
    conn.close()
    cluster.ensure_database(TEMPLATE)
    migrate(cluster.url(TEMPLATE))
    yield cluster
    cluster.stop(mode="immediate")
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def own_outbox(own_cluster: PgCluster) -> Outbox:
    """A migrated platform database of this test's own, on the restartable cluster."""
    own_cluster.start()  # a failed earlier test may have left it stopped
    name = f"canbao_fault_{os.getpid()}_{next(_db_counter)}"
    conn = psycopg2.connect(own_cluster.dsn("postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'create database "{name}" template "{TEMPLATE}"')
    conn.close()
    return Outbox(own_cluster.url(name))


def _in_flight(outbox: Outbox) -> bool:
    """The first batch is committed and its send has begun (attempts is written just before the POST)."""
    return (outbox.scalar("select coalesce(max(attempts), 0) from publication.batch") or 0) >= 1


def _rerun(outbox: Outbox, province, node: tuple[str, str]):
    with ProvinceClient(province.url, node[0], node[1], timeout=10) as client:
        return publish(outbox.db_url, client, max_records=10, backoff=0.01, max_wait=30)


def test_restart_while_a_batch_is_in_flight_stops_the_run_and_the_rerun_delivers_exactly_once(
        fault_province, node, own_cluster, own_outbox, tmp_path):
    own_outbox.add_versions(15, 2)  # 30 versions: three batches of 10
    fault_province.set_fault("slow", delay=3, count=1)  # the first POST is held while the database restarts
    log = tmp_path / "publisher.log"
    proc = start_publisher(publisher_env(own_outbox.db_url, fault_province, node), log)
    try:
        wait_until(lambda: _in_flight(own_outbox), 30, "first batch in flight", proc, log)
        own_cluster.restart()  # pg_ctl stop -m fast + start: every session ends, the publisher's lock session too
        # Normally the held POST is still waiting now, so its answer comes back to a database that is up again.
        answer_after_restart = fault_province.stats(node[0])["batches"] == 0
        proc.wait(60)
    finally:
        stop_process(proc)
    output = log.read_text()
    assert proc.returncode != 0, output
    # A run that lost its lock must not go on: at most the batch in flight reached the province.
    assert fault_province.stats(node[0])["batches"] <= 1
    assert own_outbox.scalar("select count(*) from publication.batch") == 1
    if answer_after_restart:
        assert "lost the publisher lock" in output, output
    else:  # a slow restart: the answer met a database still down
        assert "OperationalError" in output, output

    _rerun(own_outbox, fault_province, node)
    assert_exactly_once(fault_province, node[0], own_outbox)


def test_database_down_when_the_answer_arrives_fails_loudly_and_the_rerun_delivers_exactly_once(
        fault_province, node, own_cluster, own_outbox, tmp_path):
    own_outbox.add_versions(15, 2)
    fault_province.set_fault("slow", delay=2, count=1)
    log = tmp_path / "publisher.log"
    proc = start_publisher(publisher_env(own_outbox.db_url, fault_province, node), log)
    try:
        wait_until(lambda: _in_flight(own_outbox), 30, "first batch in flight", proc, log)
        own_cluster.stop(mode="immediate")  # a crash: the province answers while the database is gone
        proc.wait(60)
    finally:
        stop_process(proc)
        own_cluster.start()
    output = log.read_text()
    assert proc.returncode != 0, output
    assert "OperationalError" in output, output
    # The province stored the batch but the platform could not record it: it is still pending, not lost.
    assert fault_province.stats(node[0])["batches"] == 1
    assert [state for _, _, state in own_outbox.batches()] == ["PENDING"]

    summary = _rerun(own_outbox, fault_province, node)
    assert summary.confirmed_by_cursor == 1  # the doubt was resolved with the cursor, not by sending again
    assert_exactly_once(fault_province, node[0], own_outbox)


def test_publisher_started_while_the_database_is_down_fails_clearly_and_sends_nothing(
        fault_province, node, own_cluster, own_outbox, tmp_path):
    own_outbox.add_versions(5, 1)
    log = tmp_path / "publisher.log"
    own_cluster.stop(mode="fast")
    try:
        proc = start_publisher(publisher_env(own_outbox.db_url, fault_province, node), log)
        try:
            proc.wait(60)
        finally:
            stop_process(proc)
    finally:
        own_cluster.start()
    output = log.read_text()
    assert proc.returncode != 0
    assert "Connection refused" in output or "could not connect" in output, output
    assert fault_province.stats(node[0])["batches"] == 0
    assert own_outbox.scalar("select count(*) from publication.batch") == 0

    _rerun(own_outbox, fault_province, node)
    assert_exactly_once(fault_province, node[0], own_outbox)


class _LockKillingClient(ProvinceClient):
    """A real client that, at its first batch, has the database end the session holding the publisher lock.

    What a DBA's pg_terminate_backend, an idle-session timeout or a failover does to one session.
    """

    def __init__(self, *args, db_url: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.db_url = db_url
        self.killed = 0

    def send_batch(self, payload, gzip: bool = True):
        if not self.killed:
            with psycopg2.connect(self.db_url.replace("postgresql+psycopg2", "postgresql")) as conn:
                with conn.cursor() as cur:
                    cur.execute("select pg_terminate_backend(pid) from pg_locks "
                                "where locktype = 'advisory' and objid = %s and granted", (LOCK_KEY,))
                    self.killed = cur.rowcount
        return super().send_batch(payload, gzip=gzip)


def test_lock_session_ended_mid_run_stops_before_the_next_batch(fault_province, node, outbox):
    outbox.add_versions(15, 2)
    with _LockKillingClient(fault_province.url, node[0], node[1], timeout=10, db_url=outbox.db_url) as client:
        with pytest.raises(PublishError, match="lost the publisher lock"):
            publish(outbox.db_url, client, max_records=10, backoff=0.01, max_wait=30)
    assert client.killed == 1
    # The batch already on its way was delivered and recorded; nothing was formed or sent without the lock.
    assert [state for _, _, state in outbox.batches()] == ["DELIVERED"]
    assert fault_province.stats(node[0])["batches"] == 1

    _rerun(outbox, fault_province, node)
    assert_exactly_once(fault_province, node[0], outbox)
