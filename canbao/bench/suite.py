"""The area benchmarks, each wrapping a function that lives beside its code.

Each returns Figures with the baseline measured in the same run (see runner.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from canbao.bench.runner import BenchContext, Figure


def area_benchmarks() -> dict:
    return {
        "generate_1m": generate_1m,
        "gate": gate,
        "publish": publish,
    }


def generate_1m(ctx: BenchContext) -> Figure:
    """Seconds for `canbao generate` of ``scale`` persons; goal: 1M within 3 minutes (scaled linearly)."""
    from canbao.generate.bench import generate_1m as run

    with tempfile.TemporaryDirectory(dir=ctx.work) as tmp:
        seconds = run(Path(tmp), persons=ctx.scale)
    copy = ctx.figures["copy_baseline"]
    copy_seconds = ctx.scale / copy.value
    return Figure("generate_1m", round(seconds, 2), "s",
                  baseline={"name": "copy_baseline", "value": copy.value},
                  ratio=round(seconds / copy_seconds, 2),
                  goal={"op": "<=", "value": 180 * ctx.scale / 1_000_000, "of": "value"},
                  note=f"{ctx.scale:,} persons; ratio = generate time / COPY time of as many person rows")


def publish(ctx: BenchContext) -> Figure:
    """Records per second published to the provincial sandbox on loopback (signed, gzip, stored)."""
    from canbao.publication.bench import publish_throughput

    n = max(5_000, min(ctx.scale // 20, 50_000))
    rate = publish_throughput(ctx.db_url("bench"), n_records=n)
    copy = ctx.figures["copy_baseline"]
    return Figure("publish", round(rate, 1), "records/s",
                  baseline={"name": "copy_baseline", "value": copy.value},
                  ratio=round(rate / copy.value, 4),
                  note=f"{n:,} outbox records, batches of 5,000, HMAC-SM3, gzip, sandbox on loopback (SQLite)")


def gate(ctx: BenchContext) -> Figure:
    """The quality gate over a public-security snapshot vs one hand-written SQL query checking the same rules."""
    from canbao.validation.bench import gate_vs_query

    result = gate_vs_query(ctx.migrated_db_url("bench_gate"), rows=ctx.scale, repeat=1)
    return Figure("gate", round(result["gate"], 3), "x",
                  baseline={"name": "one_scan_query_s", "value": round(result["query_s"], 2)},
                  ratio=round(result["gate"], 3),
                  goal={"op": "<=", "value": 3, "of": "ratio"},
                  note=f"{ctx.scale:,} rows; gate {result['gate_s']:.2f} s vs one-scan query "
                       f"{result['query_s']:.2f} s")
