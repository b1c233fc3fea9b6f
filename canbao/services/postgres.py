"""A local PostgreSQL cluster of the platform's own (initdb + pg_ctl), for the demo and the tests.

PostgreSQL refuses to run as root, so when we are root the server binaries run
as the unprivileged ``postgres`` user (``runuser``), and the data folder is
placed where that user can reach it. Connections are TCP on loopback only
(GX and the Airflow provider both want a TCP host), trust-authenticated for
the local cluster's own users: this is a development stand-in, the
production deployment (docker/) uses passwords.
"""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from canbao.privacy import get_logger

log = get_logger(__name__)

SERVER_USER = "postgres"


class PostgresNotFound(RuntimeError):
    pass


def platform_shared_buffers() -> str:
    """Shared buffers of the cluster that holds the platform's data: ``CANBAO_PG_SHARED_BUFFERS``, else
    a quarter of the memory this machine (or its cgroup) has, between 1GB and 4GB.

    A quarter of RAM is PostgreSQL's own starting advice. The floor was the old fixed value; the cap
    holds the base of a city of a million (person_current is 2 GB) and leaves the rest to the page
    cache and the comparison's sorts. With 1GB every unit of a full 1M-person run read the base
    through the page cache: 55.5 s -> 50.8 s with 4GB (the first build, which writes the base, did not
    change: 126 s -> 124 s).
    """
    from canbao.settings import getenv

    configured = getenv("CANBAO_PG_SHARED_BUFFERS")
    if configured:
        return configured
    mib = _memory_bytes() // 4 // 2**20
    return f"{max(1024, min(4096, mib))}MB"


def _memory_bytes() -> int:
    """Physical memory, or the cgroup's limit when that is lower (a container)."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total


def find_bindir() -> Path:
    """The newest PostgreSQL server binaries on this machine (Debian layout, then PATH)."""
    env = os.environ.get("CANBAO_PG_BINDIR")
    candidates = [env] if env else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        candidates.append(str(Path(os.path.realpath(pg_ctl)).parent))
    for c in candidates:
        if c and (Path(c) / "initdb").is_file() and (Path(c) / "postgres").is_file():
            return Path(c)
    raise PostgresNotFound(
        "no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin and PATH); "
        "install them with `apt-get install -y postgresql` (make bootstrap does this) or set CANBAO_PG_BINDIR"
    )


def _version_key(path: str) -> int:
    try:
        return int(Path(path).parent.name)
    except ValueError:
        return 0


def _is_root() -> bool:
    return os.geteuid() == 0


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *cmd] if _is_root() else cmd


def _reachable_by_server_user(path: Path) -> bool:
    """Can the postgres user traverse every parent of ``path``?"""
    if not _is_root():
        return True
    probe = path
    while not probe.exists():
        probe = probe.parent
    result = subprocess.run(_as_server_user(["test", "-x", str(probe)]), capture_output=True)
    return result.returncode == 0


@dataclass
class PgCluster:
    """One cluster: ``data_dir`` (created on first start), listening on ``host:port``."""

    data_dir: Path
    port: int
    host: str = "127.0.0.1"
    superuser: str = "canbao"
    durable: bool = True  # False for throwaway test clusters: fsync off
    # Shared buffers: the platform's and the benchmarks' clusters take more (``platform_shared_buffers``:
    # CANBAO_PG_SHARED_BUFFERS, else a quarter of RAM within 1-4GB); Airflow's metadata and test clusters
    # keep 256MB.
    shared_buffers: str = "256MB"

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        self.bindir = find_bindir()
        self.pgdata = self._placed_data_dir()

    def _placed_data_dir(self) -> Path:
        """Where the cluster really lives. When the postgres user cannot reach ``data_dir``
        (a checkout under /root, say), the cluster goes under /var/lib/canbao and
        ``data_dir`` becomes a link to it."""
        if self.data_dir.is_symlink():
            return self.data_dir.resolve()
        if _reachable_by_server_user(self.data_dir.parent):
            return self.data_dir
        digest = hashlib.sha1(str(self.data_dir.resolve()).encode()).hexdigest()[:12]
        return Path("/var/lib/canbao") / f"{self.data_dir.name}-{digest}"

    # -- lifecycle -------------------------------------------------------------------
    @property
    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").is_file()

    def init(self) -> None:
        if self.initialised:
            return
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if self.pgdata != self.data_dir and not self.data_dir.exists():
            self.data_dir.parent.mkdir(parents=True, exist_ok=True)
            self.data_dir.symlink_to(self.pgdata)
        if _is_root():
            pw = pwd.getpwnam(SERVER_USER)
            os.chown(self.pgdata, pw.pw_uid, pw.pw_gid)
        os.chmod(self.pgdata, 0o700)
        cmd = [
            str(self.bindir / "initdb"), "-D", str(self.pgdata), "-U", self.superuser,
            "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions",
        ]
        if not self.durable:
            cmd.append("--no-sync")
        self._run(cmd)
        conf = [
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "max_connections = 200",
            "work_mem = 64MB",
            "maintenance_work_mem = 256MB",
            "logging_collector = off",
        ]
        if not self.durable:
            conf += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        # Appended through the server user, who owns the file.
        self._run(_as_server_user(["sh", "-c", f"cat >> '{self.pgdata}/postgresql.conf'"]),
                  stdin="\n# canbao local cluster\n" + "\n".join(conf) + "\n", wrap=False)

    def start(self, timeout: float = 60) -> None:
        self.init()
        if self.running():
            return
        self._write_sized_conf()
        logfile = self.pgdata / "server.log"
        self._run([
            str(self.bindir / "pg_ctl"), "-D", str(self.pgdata), "-l", str(logfile),
            "-o", f"-p {self.port} -c listen_addresses={self.host}", "-w", "-t", str(int(timeout)), "start",
        ])
        self.wait_ready(timeout)

    def _write_sized_conf(self) -> None:
        """Memory settings in ``canbao.conf``, rewritten at every start (so a cluster made by an older
        release gets them too) and included at the end of postgresql.conf; ALTER SYSTEM still wins.

        wal_buffers: a comparison's bulk inserts filled the default 8 MB about 3.8 million times over
        a day of benchmarks, each time making the inserting backend write WAL itself; 64 MB and 1 GB
        of shared buffers took a 1M-person first build from 148 s to 138 s.
        """
        text = (f"# written by canbao at every start (PgCluster); override with ALTER SYSTEM\n"
                f"shared_buffers = {self.shared_buffers}\nwal_buffers = 64MB\n"
                # A comparison run rewrites the base in bulk (three wide tables at a first build): with
                # 2 GB the server checkpointed every 9 s during a 1M-person build, and each checkpoint
                # makes the next write of every page log the whole page again. WAL only takes this
                # room when written.
                "max_wal_size = 8GB\ncheckpoint_timeout = 15min\n")
        self._run(_as_server_user(["sh", "-c", f"cat > '{self.pgdata}/canbao.conf'"]), stdin=text, wrap=False)
        main_conf = self.pgdata / "postgresql.conf"
        if "include_if_exists = 'canbao.conf'" not in main_conf.read_text():
            self._run(_as_server_user(["sh", "-c", f"cat >> '{main_conf}'"]),
                      stdin="include_if_exists = 'canbao.conf'\n", wrap=False)

    def stop(self, mode: str = "fast") -> None:
        if self.initialised and self.running():
            self._run([str(self.bindir / "pg_ctl"), "-D", str(self.pgdata), "-m", mode, "-w", "stop"])

    def restart(self) -> None:
        self.stop()
        self.start()

    def running(self) -> bool:
        if not self.initialised:
            return False
        result = subprocess.run(
            _as_server_user([str(self.bindir / "pg_ctl"), "-D", str(self.pgdata), "status"]),
            capture_output=True, text=True,
        )
        return result.returncode == 0

    def pid(self) -> int | None:
        pidfile = self.pgdata / "postmaster.pid"
        try:
            return int(pidfile.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg2.connect(self.dsn("postgres"), connect_timeout=2).close()
                return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    # -- databases -------------------------------------------------------------------
    def dsn(self, dbname: str, user: str | None = None) -> str:
        return f"host={self.host} port={self.port} dbname={dbname} user={user or self.superuser}"

    def url(self, dbname: str, user: str | None = None) -> str:
        return f"postgresql+psycopg2://{user or self.superuser}@{self.host}:{self.port}/{dbname}"

    def ensure_database(self, dbname: str, owner: str | None = None) -> None:
        """Create role ``owner`` and database ``dbname`` if missing (idempotent)."""
        owner = owner or self.superuser
        conn = psycopg2.connect(self.dsn("postgres"))
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("select 1 from pg_roles where rolname = %s", (owner,))
                if not cur.fetchone():
                    cur.execute(f'create role "{owner}" login')
                cur.execute("select 1 from pg_database where datname = %s", (dbname,))
                if not cur.fetchone():
                    cur.execute(f'create database "{dbname}" owner "{owner}"')
        finally:
            conn.close()

    def _run(self, cmd: list[str], stdin: str | None = None, wrap: bool = True) -> None:
        full = _as_server_user(cmd) if wrap else cmd
        result = subprocess.run(full, input=stdin, capture_output=True, text=True, cwd="/")
        if result.returncode != 0:
            raise RuntimeError(
                f"{Path(cmd[0]).name} failed (exit {result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
            )
