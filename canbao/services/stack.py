"""The whole local stack: every service the platform needs, on loopback, state under one folder.

``Stack(home).up()`` starts (or reuses) them and writes ``home/env`` with every
variable the platform and Airflow read; ``down()`` stops exactly the processes
it started, by pid. Used by ``make demo`` (``canbao services up``), by
``make stop`` and by the end-to-end tests (with free ports and a temp home).

| service | default port | state |
| --- | --- | --- |
| PostgreSQL, platform data | 54321 | home/pg/platform |
| PostgreSQL, Airflow metadata (apart: a platform DB restart is a fault Airflow survives) | 54322 | home/pg/airflow |
| SFTP (asyncssh) | 2222 | home/sftp |
| SMTP catcher (mail lands as .eml files) | 8025 | home/mail |
| provincial sandbox | 8808 | home/province |
| Airflow api-server (UI) + scheduler, dag-processor, triggerer | 8080 | home/airflow |
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from canbao.paths import DAGS_DIR, REPO_ROOT
from canbao.privacy import get_logger
from canbao.services.postgres import PgCluster, platform_shared_buffers
from canbao.services.process import Managed, port_open, wait_until
from canbao.services.sftp import SftpState

log = get_logger(__name__)

AIRFLOW_COMPONENTS = ["scheduler", "dag-processor", "api-server", "triggerer"]
NODE_ID = "330600"  # 绍兴市: the sample city's node id at the province


@dataclass
class Ports:
    platform_db: int = 54321
    airflow_db: int = 54322
    sftp: int = 2222
    smtp: int = 8025
    sandbox: int = 8808
    airflow: int = 8080

    @classmethod
    def from_env(cls) -> Ports:
        ports = cls()
        for name in ports.__dataclass_fields__:
            value = os.environ.get(f"CANBAO_PORT_{name.upper()}")
            if value:
                setattr(ports, name, int(value))
        return ports


@dataclass
class Stack:
    home: Path
    ports: Ports = field(default_factory=Ports.from_env)
    host: str = "127.0.0.1"
    durable: bool = True  # False for test stacks: PostgreSQL without fsync

    def __post_init__(self) -> None:
        self.home = Path(self.home).resolve()
        self.run_dir = self.home / "run"
        self.platform_pg = PgCluster(self.home / "pg" / "platform", self.ports.platform_db, durable=self.durable,
                                     shared_buffers=platform_shared_buffers() if self.durable
                                     else PgCluster.shared_buffers)
        self.airflow_pg = PgCluster(self.home / "pg" / "airflow", self.ports.airflow_db, durable=self.durable)
        self.sftp_state = SftpState(self.home / "sftp" / "state", self.home / "sftp" / "root")

    # -- secrets generated at first start --------------------------------------------
    def secrets(self) -> dict:
        path = self.home / "secrets.json"
        if path.exists():
            return json.loads(path.read_text())
        from cryptography.fernet import Fernet

        values = {
            "node_secret": secrets.token_urlsafe(32),
            "airflow_admin_password": secrets.token_urlsafe(12),
            "fernet_key": Fernet.generate_key().decode(),
            "jwt_secret": secrets.token_urlsafe(32),
            "api_secret_key": secrets.token_urlsafe(32),
        }
        self.home.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))
        os.chmod(path, 0o600)
        return values

    # -- environment -----------------------------------------------------------------
    @property
    def database_url(self) -> str:
        return self.platform_pg.url("canbao")

    @property
    def airflow_url(self) -> str:
        return f"http://{self.host}:{self.ports.airflow}"

    @property
    def sandbox_url(self) -> str:
        return f"http://{self.host}:{self.ports.sandbox}"

    def env(self) -> dict[str, str]:
        """Every variable the platform, Airflow and the tools read, for this stack."""
        s = self.secrets()
        airflow_home = self.home / "airflow"
        sftp_conn = {
            "conn_type": "sftp", "host": self.host, "port": self.ports.sftp, "login": "canbao",
            "extra": {"key_file": str(self.sftp_state.client_key_path), "no_host_key_check": True},
        }
        smtp_conn = {"conn_type": "smtp", "host": self.host, "port": self.ports.smtp,
                     "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "canbao@canbao.local"}}
        pg = self.platform_pg
        return {
            "CANBAO_HOME": str(self.home),
            "CANBAO_DATABASE_URL": self.database_url,
            "CANBAO_SFTP_CONN_ID": "canbao_sftp",
            "CANBAO_PROVINCE_URL": self.sandbox_url,
            "CANBAO_NODE_ID": NODE_ID,
            "CANBAO_NODE_SECRET": s["node_secret"],
            "CANBAO_SMTP_HOST": self.host,
            "CANBAO_SMTP_PORT": str(self.ports.smtp),
            "CANBAO_ALERT_TO": "oncall@canbao.local",
            "CANBAO_ALERT_FROM": "canbao@canbao.local",
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "8",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__FERNET_KEY": s["fernet_key"],
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.airflow_url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(airflow_home / "passwords.json"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.airflow_pg.url("airflow"),
            "AIRFLOW__API__HOST": self.host,
            "AIRFLOW__API__PORT": str(self.ports.airflow),
            "AIRFLOW__API__BASE_URL": self.airflow_url,
            "AIRFLOW__API__SECRET_KEY": s["api_secret_key"],
            "AIRFLOW__API_AUTH__JWT_SECRET": s["jwt_secret"],
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "20",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "10",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "AIRFLOW__TRIGGERER__DEFAULT_CAPACITY": "50",
            "AIRFLOW_CONN_CANBAO_SFTP": json.dumps(sftp_conn),
            "AIRFLOW_CONN_CANBAO_DB": json.dumps({
                "conn_type": "postgres", "host": self.host, "port": pg.port, "login": pg.superuser,
                "schema": "canbao"}),
            "AIRFLOW_CONN_CANBAO_SMTP": json.dumps(smtp_conn),
            "NO_PROXY": "*",
        }

    def write_env_file(self) -> Path:
        path = self.home / "env"
        lines = ["# Written by `canbao services up`; source it to use this stack from a shell."]
        lines += [f"export {k}={shlex.quote(v)}" for k, v in sorted(self.env().items())]
        path.write_text("\n".join(lines) + "\n")
        os.chmod(path, 0o600)
        return path

    def process_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.env())
        venv_bin = str(Path(sys.executable).parent)
        env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
        return env

    # -- lifecycle -------------------------------------------------------------------
    def managed(self, name: str) -> Managed:
        return Managed(name, self.run_dir)

    def up(self, airflow: bool = True) -> None:
        """Start every service not already running (idempotent)."""
        self.home.mkdir(parents=True, exist_ok=True)
        os.chmod(self.home, 0o755)
        self.secrets()
        self.write_env_file()
        self.start_databases()
        self.start_sftp()
        self.start_smtp()
        self.start_sandbox()
        if airflow:
            self.start_airflow()

    def start_databases(self) -> None:
        from canbao.db import migrate

        log.info("PostgreSQL (platform) on port %s", self.ports.platform_db)
        self.platform_pg.start()
        self.platform_pg.ensure_database("canbao")
        migrate(self.database_url)
        log.info("PostgreSQL (Airflow metadata) on port %s", self.ports.airflow_db)
        self.airflow_pg.start()
        self.airflow_pg.ensure_database("airflow")

    def _start_python(self, name: str, args: list[str], port: int, timeout: float = 60) -> None:
        managed = self.managed(name)
        if managed.running() and port_open(self.host, port):
            return
        managed.stop()
        if port_open(self.host, port):
            raise RuntimeError(f"port {port} for {name} is taken by a process we did not start; "
                               f"set CANBAO_PORT_{name.upper().replace('-', '_')} to another port")
        proc = managed.start([sys.executable, *args], env=self.process_env(), cwd=REPO_ROOT)
        wait_until(lambda: port_open(self.host, port), timeout, name, proc, managed.logfile)

    def start_sftp(self) -> None:
        self.sftp_state.ensure()
        self._start_python("sftp", ["-m", "canbao.services.sftp", "--state", str(self.sftp_state.state_dir),
                                    "--root", str(self.sftp_state.root), "--host", self.host,
                                    "--port", str(self.ports.sftp)], self.ports.sftp)

    def start_smtp(self) -> None:
        maildir = self.home / "mail"
        maildir.mkdir(parents=True, exist_ok=True)
        self._start_python("smtp", ["-m", "canbao.alerts.catcher", "--host", self.host,
                                    "--port", str(self.ports.smtp), "--dir", str(maildir)], self.ports.smtp)

    def start_sandbox(self) -> None:
        state = self.home / "province"
        state.mkdir(parents=True, exist_ok=True)
        self._start_python("sandbox", ["-m", "canbao.cli", "sandbox", "serve", "--host", self.host,
                                       "--port", str(self.ports.sandbox), "--db", str(state / "sandbox.db"),
                                       "--node-id", NODE_ID, "--secret", self.secrets()["node_secret"]],
                           self.ports.sandbox)

    def airflow(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
        """Run an ``airflow`` CLI command against this stack."""
        return subprocess.run([str(Path(sys.executable).parent / "airflow"), *args], env=self.process_env(),
                              capture_output=True, text=True, check=check, timeout=timeout, cwd=REPO_ROOT)

    def start_airflow(self) -> None:
        airflow_home = self.home / "airflow"
        airflow_home.mkdir(parents=True, exist_ok=True)
        passwords = airflow_home / "passwords.json"
        passwords.write_text(json.dumps({"admin": self.secrets()["airflow_admin_password"]}))
        os.chmod(passwords, 0o600)
        if not all(self.managed(f"airflow-{c}").running() for c in AIRFLOW_COMPONENTS):
            log.info("Airflow metadata database: migrating")
            self.airflow("db", "migrate")
        airflow_bin = str(Path(sys.executable).parent / "airflow")
        for component in AIRFLOW_COMPONENTS:
            managed = self.managed(f"airflow-{component}")
            if managed.running():
                continue
            log.info("Airflow %s starting", component)
            managed.start([airflow_bin, component], env=self.process_env(), cwd=REPO_ROOT)
        api = self.managed("airflow-api-server")
        wait_until(lambda: port_open(self.host, self.ports.airflow), 180, "airflow api-server",
                   None, api.logfile, interval=1)

    def down(self) -> list[str]:
        """Stop every process this stack started (by pid) and its PostgreSQL clusters."""
        stopped = []
        for name in [f"airflow-{c}" for c in AIRFLOW_COMPONENTS] + ["sandbox", "smtp", "sftp"]:
            if self.managed(name).stop():
                stopped.append(name)
        for name, cluster in (("postgres-airflow", self.airflow_pg), ("postgres-platform", self.platform_pg)):
            if cluster.running():
                cluster.stop()
                stopped.append(name)
        return stopped

    def status(self) -> dict[str, str]:
        out = {
            "postgres-platform": "running" if self.platform_pg.running() else "stopped",
            "postgres-airflow": "running" if self.airflow_pg.running() else "stopped",
        }
        for name in ["sftp", "smtp", "sandbox"] + [f"airflow-{c}" for c in AIRFLOW_COMPONENTS]:
            pid = self.managed(name).pid()
            out[name] = f"running (pid {pid})" if pid else "stopped"
        return out
