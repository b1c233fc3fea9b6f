"""Session fixtures: the real services the platform uses, started by the tests on free loopback ports.

- ``pg_cluster``: a throwaway PostgreSQL cluster (the platform's database server);
- ``pg_url``: a migrated platform database shared by the session (tests that write
  should prefer ``fresh_db_url``);
- ``fresh_db_url``: a new database cloned from the migrated template, per test;
- ``sftp_server``: the embedded SFTP server with department accounts;
- ``canbao_env``: environment variables pointing the platform at these services;
- ``isolated_platform_env`` (automatic): a session SMTP catcher and a temporary CANBAO_HOME,
  so no test touches a developer's running stack.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

from canbao.services.postgres import PgCluster
from canbao.services.process import Managed, free_port, port_open, wait_until

TEMPLATE_DB = "canbao_template"


@pytest.fixture(scope="session", autouse=True)
def isolated_platform_env(tmp_path_factory):
    """No test may reach the developer's own stack: mail goes to a catcher of the session's own,
    state to a temporary CANBAO_HOME, and no webhook is called unless a test sets one."""
    from canbao.alerts.testing import SmtpCatcher

    home = tmp_path_factory.mktemp("canbao_home")
    saved = {k: os.environ.get(k) for k in ("CANBAO_HOME", "CANBAO_SMTP_HOST", "CANBAO_SMTP_PORT",
                                            "CANBAO_ALERT_WEBHOOK")}
    with SmtpCatcher() as catcher:
        os.environ.update({"CANBAO_HOME": str(home), "CANBAO_SMTP_HOST": "127.0.0.1",
                           "CANBAO_SMTP_PORT": str(catcher.port)})
        os.environ.pop("CANBAO_ALERT_WEBHOOK", None)
        yield catcher
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def test_root() -> Iterator[Path]:
    """The session's scratch folder (clusters, SFTP roots, Airflow homes: 1-3 GB after a full run),
    removed when the session ends; ``CANBAO_KEEP_TEST_ROOT=1`` keeps it for a post-mortem."""
    # World-traversable so the postgres server user can reach its data folder.
    root = Path(tempfile.mkdtemp(prefix="canbao-test-"))
    os.chmod(root, 0o755)
    yield root
    if os.environ.get("CANBAO_KEEP_TEST_ROOT"):
        print(f"\ntest scratch kept in {root}")
        return
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster(test_root: Path):
    cluster = PgCluster(test_root / "pg", free_port(), durable=False)
    cluster.start()
    yield cluster
    cluster.stop(mode="immediate")


@pytest.fixture(scope="session")
def pg_template(pg_cluster: PgCluster) -> str:
    """A migrated database used as the template of every test database."""
    from canbao.db import migrate

    pg_cluster.ensure_database(TEMPLATE_DB)
    migrate(pg_cluster.url(TEMPLATE_DB))
    return TEMPLATE_DB


_db_counter = itertools.count(1)


def _clone(cluster: PgCluster, template: str, name: str) -> str:
    conn = psycopg2.connect(cluster.dsn("postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'create database "{name}" template "{template}"')
    conn.close()
    return cluster.url(name)


@pytest.fixture(scope="session")
def pg_url(pg_cluster: PgCluster, pg_template: str) -> str:
    """A migrated platform database shared by the whole session."""
    return _clone(pg_cluster, pg_template, "canbao_session")


@pytest.fixture
def fresh_db_url(pg_cluster: PgCluster, pg_template: str) -> str:
    """A migrated platform database of this test's own."""
    return _clone(pg_cluster, pg_template, f"canbao_t{os.getpid()}_{next(_db_counter)}")


@dataclass
class SftpServer:
    host: str
    port: int
    root: Path        # the folder the server serves (department folders below it)
    state: Path       # keys and credentials
    accounts: dict    # username -> {"password", "root"}

    @property
    def platform_key(self) -> Path:
        return self.state / "canbao_id_ed25519"

    def password(self, user: str) -> str:
        return self.accounts[user]["password"]

    def airflow_conn(self) -> str:
        """The Airflow connection (JSON) the platform reads SFTP with."""
        return json.dumps({
            "conn_type": "sftp", "host": self.host, "port": self.port, "login": "canbao",
            "extra": {"key_file": str(self.platform_key), "no_host_key_check": True},
        })


@pytest.fixture(scope="session")
def sftp_server(test_root: Path):
    from canbao.services.sftp import SftpState

    state, root = test_root / "sftp-state", test_root / "sftp-root"
    SftpState(state, root).ensure()
    port = free_port()
    managed = Managed("sftp", test_root / "run")
    proc = managed.start([sys.executable, "-m", "canbao.services.sftp", "--state", str(state),
                          "--root", str(root), "--port", str(port)])
    wait_until(lambda: port_open("127.0.0.1", port), 30, "sftp server", proc, managed.logfile)
    accounts = json.loads((state / "credentials.json").read_text())
    yield SftpServer("127.0.0.1", port, root, state, accounts)
    managed.stop()


@pytest.fixture
def canbao_env(monkeypatch, fresh_db_url, sftp_server, tmp_path):
    """Point the platform (settings, Airflow connections) at this test's services."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("CANBAO_HOME", str(home))
    monkeypatch.setenv("CANBAO_DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("AIRFLOW_CONN_CANBAO_SFTP", sftp_server.airflow_conn())
    monkeypatch.setenv("AIRFLOW_CONN_CANBAO_DB", fresh_db_url.replace("postgresql+psycopg2", "postgresql"))
    return {"home": home, "db_url": fresh_db_url, "sftp": sftp_server}
