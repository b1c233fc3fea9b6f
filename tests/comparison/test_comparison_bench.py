"""The comparison benchmark (make bench) runs end to end at a small scale: the first build, the full
re-run, and the memory figure against a city a tenth the size, on real backends."""

from __future__ import annotations

from pathlib import Path

from canbao.bench import suite
from canbao.bench.runner import BenchContext, Figure


def test_the_comparison_figures_at_a_small_scale(pg_cluster, pg_template, tmp_path: Path) -> None:
    ctx = BenchContext(work=tmp_path, cluster=pg_cluster, scale=3_000)
    ctx.figures["copy_baseline"] = Figure("copy_baseline", 500_000.0, "rows/s")
    timing, memory = suite.comparison_1m(ctx)
    assert timing.name == "comparison_1m" and timing.unit == "s" and timing.value > 0
    assert timing.goal == {"op": "<=", "value": 60 * 3_000 / 1_000_000, "of": "value"}
    assert "full re-run with nothing changed" in timing.note
    assert memory.name == "comparison_memory" and memory.unit == "MiB"
    assert memory.baseline["name"] == "backends_mib_at_1000"
    # real backends were sampled: each holds at least its catalog caches
    assert memory.value > 1 and memory.baseline["value"] > 1
    assert memory.ratio is not None and memory.ratio > 0
