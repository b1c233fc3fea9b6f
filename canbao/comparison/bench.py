"""Benchmarks of the comparison (wired into `make bench` by canbao.bench).

Both functions need a SCRATCH database (migrated): they empty the curated and base tables.
"""

from __future__ import annotations

import os
import time
from typing import Any

import sqlalchemy as sa

from canbao.bench.memory import BackendMemory
from canbao.comparison.run import run_by_county
from canbao.db import engine
from canbao.paths import read_sql


def _synthesise(db_url: str, persons: int) -> float:
    t0 = time.perf_counter()
    with engine(db_url).begin() as conn:
        if conn.execute(sa.text("select to_regclass('publication.outbox') is not null")).scalar_one():
            conn.execute(sa.text("truncate publication.outbox cascade"))
        conn.execute(sa.text(read_sql("comparison/bench_synthesise.sql")), {"persons": persons})
    return time.perf_counter() - t0


def _dominant(steps: dict[str, float], n: int = 5) -> list[tuple[str, float]]:
    """The models that cost most (``prepare`` and ``counties`` are wall-clock totals, not models)."""
    models = {k: v for k, v in steps.items() if k not in ("prepare", "counties")}
    return sorted(models.items(), key=lambda kv: kv[1], reverse=True)[:n]


def _workers() -> int:
    """As many county workers as cores (the comparison DAG maps counties over the Airflow workers)."""
    return max(1, os.cpu_count() or 1)


def comparison_1m(db_url: str, persons: int = 1_000_000) -> dict[str, Any]:
    """Full comparison over a synthetic city of ``persons``: the first build (every person a new
    version and outbox row) and a full re-run with nothing changed; seconds and dominant steps.
    Both run the DAG's path (city-wide prepare, the units of work on one connection per core, finish)."""
    setup = _synthesise(db_url, persons)
    with BackendMemory(db_url) as memory:
        first = run_by_county(db_url, scope="full", workers=_workers())
    again = run_by_county(db_url, scope="full", workers=_workers())
    return {
        "persons": persons,
        "workers": _workers(),
        "setup_seconds": round(setup, 1),
        "first_build_seconds": first.seconds,
        "full_rerun_seconds": again.seconds,
        "versions_written": first.versions_written,
        "categories": first.categories,
        "linkage": first.linkage,
        "dominant_steps_first": _dominant(first.steps),
        "dominant_steps_rerun": _dominant(again.steps),
        "memory_first_build": memory.peaks.as_dict(),
        "note": "all work is SQL (temp tables, hash joins); Python memory does not grow with the population",
    }


def first_build_memory(db_url: str, persons: int) -> dict[str, Any]:
    """Peak memory of a first build over a synthetic city of ``persons`` (the same measurement as
    ``comparison_1m``'s, for a second population size)."""
    _synthesise(db_url, persons)
    with BackendMemory(db_url) as memory:
        build = run_by_county(db_url, scope="full", workers=_workers())
    return {"persons": persons, "seconds": build.seconds, "memory": memory.peaks.as_dict()}


def incremental_1pct(db_url: str, persons: int = 1_000_000, share: float = 0.01,
                     built: bool = False) -> dict[str, Any]:
    """A day with ``share`` of persons changed: incremental run vs a full run of the same day.

    ``built``: the database already holds the synthetic city of ``persons`` with its base built
    (``comparison_1m`` ran on it just before): the day starts from there instead of synthesising and
    building again, which at a million persons saves five minutes of the benchmark.
    """
    if not built:
        _synthesise(db_url, persons)
        run_by_county(db_url, scope="full", workers=_workers())
    with engine(db_url).begin() as conn:
        conn.execute(sa.text(read_sql("comparison/bench_churn.sql")), {"share": share})
    inc = run_by_county(db_url, scope="auto", workers=_workers())
    full = run_by_county(db_url, scope="full", workers=_workers())
    return {
        "persons": persons,
        "workers": _workers(),
        "share": share,
        "incremental_seconds": inc.seconds,
        "incremental_scope": inc.scope_size,
        "incremental_versions": inc.versions_written,
        "full_seconds_same_day": full.seconds,
        # versions or refreshes the full run still found = what the incremental run missed (must be 0)
        "full_found_left_over": full.versions_written + full.rows_refreshed,
        "full_found_versions": full.versions_written,
        "full_found_refreshed": full.rows_refreshed,
        "ratio_incremental_to_full": round(inc.seconds / full.seconds, 3) if full.seconds else None,
        "dominant_steps_incremental": _dominant(inc.steps),
    }


if __name__ == "__main__":  # python -m canbao.comparison.bench URL [PERSONS]
    import json
    import sys

    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    print(json.dumps(comparison_1m(sys.argv[1], n), ensure_ascii=False, indent=2, default=str))
    print(json.dumps(incremental_1pct(sys.argv[1], n), ensure_ascii=False, indent=2, default=str))
