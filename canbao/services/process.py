"""Background processes the platform starts itself: pid files, logs, readiness, stop by pid."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(check: Callable[[], bool], timeout: float, what: str, proc: subprocess.Popen | None = None,
               log: Path | None = None, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if proc is not None and proc.poll() is not None:
            tail = _tail(log) if log else ""
            raise RuntimeError(f"{what} exited with code {proc.returncode} before it was ready{tail}")
        if time.monotonic() > deadline:
            tail = _tail(log) if log else ""
            raise TimeoutError(f"{what} not ready after {timeout:.0f} s{tail}")
        time.sleep(interval)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return "\n--- last lines of " + str(path) + " ---\n" + "\n".join(text)


@dataclass
class Managed:
    """A process we started: its pid file and log under the run folder."""

    name: str
    run_dir: Path

    @property
    def pidfile(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def logfile(self) -> Path:
        return self.run_dir / f"{self.name}.log"

    def pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) else None

    def running(self) -> bool:
        return self.pid() is not None

    def start(self, cmd: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> subprocess.Popen:
        """Start ``cmd`` in its own session (so stop() reaches its children), logging to the log file."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.logfile, "ab", buffering=0)
        proc = subprocess.Popen(
            list(cmd), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None, cwd=str(cwd) if cwd else None, start_new_session=True,
        )
        log.close()
        self.pidfile.write_text(str(proc.pid))
        return proc

    def stop(self, timeout: float = 30) -> bool:
        """Stop the process group we started (SIGTERM, then SIGKILL). Returns whether one was running."""
        pid = self.pid()
        if pid is None:
            self.pidfile.unlink(missing_ok=True)
            return False
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while _group_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _group_alive(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.pidfile.unlink(missing_ok=True)
        return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # killpg(0) also succeeds while only zombies remain; look for a live member.
    return any(_safe_pgid(int(p)) == pgid and _alive(int(p)) for p in os.listdir("/proc") if p.isdigit())


def _safe_pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None
