"""Publishing throughput: outbox rows to a sandbox province on loopback (figure ``publish`` of ``make bench``).

It runs in a scratch database created beside the given one (and dropped
after), so benchmarking never touches a real outbox.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from canbao.db import copy_rows, migrate
from canbao.province import examples
from canbao.province_sandbox import runner
from canbao.publication.client import ProvinceClient
from canbao.publication.publisher import publish

NODE_ID, SECRET = "330600", "bench-secret"


def _fill_outbox(url: str, n_records: int) -> None:
    rows = []
    for n in range(n_records):
        pid = examples.person_id(n)
        rows.append((pid, 1, "UPSERT", "2026-11-21T18:00:00Z",
                     json.dumps(examples.upsert_data(pid), ensure_ascii=False), "bench"))
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            copy_rows(conn, "publication.outbox", ["person_id", "version", "op", "changed_at", "record", "run_id"],
                      rows)
    finally:
        engine.dispose()


def publish_throughput(pg_url: str, n_records: int = 50_000, gzip: bool = True) -> float:
    """Records per second published (outbox read, batching, signing, HTTP, province storage), end to end."""
    base = make_url(pg_url)
    scratch = f"canbao_bench_publish_{os.getpid()}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    url = base.set(database=scratch).render_as_string(hide_password=False)
    workdir = Path(tempfile.mkdtemp(prefix="canbao-bench-publish-"))
    sandbox = None
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{scratch}"'))
            conn.execute(sa.text(f'create database "{scratch}"'))
        migrate(url)
        _fill_outbox(url, n_records)
        sandbox = runner.start(db_path=workdir / "province.sqlite", nodes={NODE_ID: SECRET})
        with ProvinceClient(sandbox.url, NODE_ID, SECRET, timeout=300) as client:
            started = time.perf_counter()
            summary = publish(url, client, gzip=gzip)
            elapsed = time.perf_counter() - started
        if summary.records_accepted != n_records or summary.stopped:
            raise RuntimeError(f"benchmark publish incomplete: {summary.as_dict()}")
        return n_records / elapsed
    finally:
        if sandbox is not None:
            sandbox.stop()
        from canbao.db import _engine

        _engine.cache_clear()  # release pooled connections to the scratch database before dropping it
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{scratch}" with (force)'))
        admin.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
