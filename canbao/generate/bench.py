"""Benchmark figure ``generate_1m``: seconds to generate a city of one million persons."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from canbao.generate.city import generate_city


def generate_1m(tmpdir: str | Path | None = None, persons: int = 1_000_000, seed: int = 1) -> float:
    """Wall-clock seconds of ``generate_city`` for ``persons`` (files removed afterwards)."""
    base = Path(tmpdir) if tmpdir else Path(tempfile.mkdtemp(prefix="canbao-gen-bench-"))
    out = base / "city"
    if out.exists():
        shutil.rmtree(out)
    started = time.perf_counter()
    generate_city(out, persons=persons, seed=seed, progress=True)
    elapsed = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    return elapsed


if __name__ == "__main__":
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print(f"generate_1m persons={n}: {generate_1m(persons=n):.1f} s")
