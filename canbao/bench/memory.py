"""Peak memory while a benchmark runs: the private memory of a database's PostgreSQL backends and
this process's own resident memory, sampled from Linux ``/proc`` a few times a second.

A backend's private memory is its ``RssAnon``: sorts, hash tables, temp-table buffers and caches.
Shared buffers are shared memory (``RssShmem``) and sized once for the cluster, so they are not
counted. Sampling misses peaks shorter than the interval; at a quarter of a second that is well
below the length of any model of the comparison.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from canbao.db import engine

_PROC = Path("/proc")


def _status_kib(pid: int | str, key: str) -> int | None:
    """One ``kB`` line of /proc/PID/status (``RssAnon``, ``VmRSS``), or None if unreadable."""
    try:
        for line in (_PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


@dataclass
class MemoryPeaks:
    backends_mib: float = 0.0       # the largest sum over the database's backends at one moment
    one_backend_mib: float = 0.0    # the largest single backend
    one_backend_query: str = ""     # what it was running then (the statement's first line)
    process_growth_mib: float = 0.0  # this process's resident memory above where it started
    samples: int = 0
    supported: bool = True          # False where /proc is not there to read

    def as_dict(self) -> dict:
        return {"backends_mib": round(self.backends_mib, 1), "one_backend_mib": round(self.one_backend_mib, 1),
                "one_backend_query": self.one_backend_query,
                "process_growth_mib": round(self.process_growth_mib, 1), "samples": self.samples,
                "supported": self.supported}


@dataclass
class BackendMemory:
    """``with BackendMemory(url) as m: ...`` then ``m.peaks``: samples every ``interval`` seconds
    on its own connection (which it leaves out of the sums)."""

    db_url: str
    interval: float = 0.25
    peaks: MemoryPeaks = field(default_factory=MemoryPeaks)
    _stop: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)

    def __enter__(self) -> BackendMemory:
        self.peaks = MemoryPeaks(supported=(_PROC / "self" / "status").exists())
        if self.peaks.supported:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="bench-memory", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        start = _status_kib("self", "VmRSS") or 0
        with engine(self.db_url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # the first line of a statement names the model (e.g. "create temp table c_person as"),
            # never a value: run parameters are dates and ids, and synthetic data only here
            query = sa.text("select pid, split_part(left(query, 200), chr(10), 1) from pg_stat_activity "
                            "where datname = current_database() and pid <> pg_backend_pid()")
            while True:
                peaks = self.peaks
                total = 0
                for pid, statement in conn.execute(query).all():
                    kib = _status_kib(pid, "RssAnon")
                    if kib is None:
                        continue
                    total += kib
                    if kib / 1024 > peaks.one_backend_mib:
                        peaks.one_backend_mib, peaks.one_backend_query = kib / 1024, statement
                peaks.samples += 1
                peaks.backends_mib = max(peaks.backends_mib, total / 1024)
                own = _status_kib("self", "VmRSS")
                if own is not None:
                    peaks.process_growth_mib = max(peaks.process_growth_mib, (own - start) / 1024)
                if self._stop.wait(self.interval):
                    break
