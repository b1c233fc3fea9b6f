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
