"""The gate's cost against the plainest alternative: one hand-written query checking the same rules.

``gate_vs_query(db_url, rows)`` stages ``rows`` synthetic household-register
rows (one in a thousand with a bad sex code, so the gate also names rejected
rows), runs the full gate on them (GX suite, reject rows, stored result, Data
Docs; promotion excluded, since the baseline does not promote) and the
hand-written one-scan query, and returns both times and their ratio — the
``make bench`` figure ``gate``. Goal: at most 3.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from canbao.db import engine, run_sql, transaction
from canbao.validation.feeds import GateFeed, register_feed

BENCH_FEED = GateFeed(
    name="bench_ps_household", department="public_security", title="基准测试：公安户籍人口全量",
    contact="", target="ps_person", kind="snapshot", suite="ps_household",  # the committed suite
    max_reject_share=0.01, volume_band=0.2, strict_identity=True,
)


def _stage(db_url: str, rows: int, as_of: dt.date) -> int:
    sha = hashlib.sha256(f"bench/{time.time_ns()}".encode()).hexdigest()
    with transaction(db_url) as conn:
        delivery_id = conn.execute(sa.text(
            "insert into intake.delivery (feed, file_name, sha256, bytes, rows_declared, as_of, state) "
            "values (:feed, 'HJRK_BENCH.txt', :sha, 0, :rows, :as_of, 'STAGED') returning delivery_id"),
            {"feed": BENCH_FEED.name, "sha": sha, "rows": rows, "as_of": as_of}).scalar_one()
        run_sql(conn, "intake/gate_bench_stage.sql", {"delivery_id": delivery_id, "rows": rows, "as_of": as_of})
    with engine(db_url).connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("analyze intake.stg_ps_person"))
    return delivery_id


def gate_vs_query(db_url: str, rows: int = 1_000_000, repeat: int = 1) -> dict[str, Any]:
    """Time the gate and the one-scan query on the same staged delivery; ``ratio`` = gate / query."""
    from canbao.validation import runner
    from canbao.validation.gate import run_gate

    runner._gx()  # importing GX takes seconds: a one-time cost of the worker, not of a gate
    register_feed(BENCH_FEED)
    as_of = dt.date(2026, 6, 1)
    today = as_of + dt.timedelta(days=1)
    delivery_id = _stage(db_url, rows, as_of)
    try:
        query_times, gate_times = [], []
        decision = None
        with tempfile.TemporaryDirectory(prefix="canbao-bench-docs-") as docs:
            for _ in range(repeat):
                started = time.perf_counter()
                with engine(db_url).connect() as conn:
                    run_sql(conn, "intake/gate_bench_one_scan_ps_person.sql",
                            {"delivery_id": delivery_id, "as_of": as_of, "today": today}).one()
                query_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                decision = run_gate(db_url, BENCH_FEED, delivery_id, today=today, data_docs_dir=Path(docs),
                                    apply=False)
                gate_times.append(time.perf_counter() - started)
        query_s, gate_s = min(query_times), min(gate_times)
        return {
            "rows": rows,
            "query_s": round(query_s, 3),
            "gate_s": round(gate_s, 3),
            "ratio": round(gate_s / query_s, 2),
            "gate": round(gate_s / query_s, 2),
            "outcome": decision.outcome if decision else None,
            "rejected": decision.counts["rejected"] if decision else None,
        }
    finally:
        with transaction(db_url) as conn:
            run_sql(conn, "intake/gate_bench_clear.sql", {"delivery_id": delivery_id})


if __name__ == "__main__":
    import json
    import sys

    from canbao.settings import Settings

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print(json.dumps(gate_vs_query(Settings.from_env().database_url, n), indent=2))
