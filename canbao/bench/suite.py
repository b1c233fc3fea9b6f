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
        "intake": intake,
        "sftp_download": sftp_download,
        "gate": gate,
        "comparison_1m": comparison_1m,
        "incremental_1pct": incremental_1pct,
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


def intake(ctx: BenchContext) -> list[Figure]:
    """Intake (parse, normalise, COPY into staging) of a GBK public-security snapshot vs raw COPY of the same rows."""
    from canbao.intake.bench import intake_vs_copy

    r = intake_vs_copy(ctx.migrated_db_url("bench_intake"), rows=ctx.scale, workdir=ctx.work)
    return [
        Figure("intake", r["ratio"], "x COPY",
               baseline={"name": "raw_copy_rows_per_s", "value": r["copy_rows_per_s"]},
               ratio=r["ratio"], goal={"op": ">=", "value": 0.5, "of": "ratio"},
               note=f"{r['rows']:,} rows, {r['file_mb']} MiB GBK: intake {r['intake_rows_per_s']:,} rows/s; "
                    f"COPY of the typed staging rows alone {r['staging_copy_rows_per_s']:,} rows/s "
                    f"(ceiling ratio {r['ceiling_ratio']})"),
        Figure("intake_peak_rss", r["peak_rss_growth_mib"], "MiB",
               note=f"resident memory intake added at its peak (process peak {r['peak_rss_mib']} MiB includes "
                    "what earlier benchmarks left); bounded by the chunk size, not the file size"),
    ]


def sftp_download(ctx: BenchContext) -> Figure:
    """Our SFTP download (prefetch, SHA-256, archive) of a large delivery vs OpenSSH's sftp client, on loopback."""
    import json
    import sys

    from canbao.intake.bench import sftp_download as run
    from canbao.services.process import Managed, free_port, port_open, wait_until
    from canbao.services.sftp import SftpState

    state = SftpState(ctx.work / "sftp-state", ctx.work / "sftp-root")
    state.ensure()
    port = free_port()
    server = Managed("bench-sftp", ctx.work)
    proc = server.start([sys.executable, "-m", "canbao.services.sftp", "--state", str(state.state_dir),
                         "--root", str(state.root), "--port", str(port)])
    try:
        wait_until(lambda: port_open("127.0.0.1", port), 30, "bench sftp server", proc, server.logfile)
        size_mb = max(50, min(500, ctx.scale // 2000))
        info = {"host": "127.0.0.1", "port": port, "root": state.root, "platform_key": state.client_key_path,
                "accounts": json.loads(state.credentials_path.read_text())}
        r = run(info, size_mb=size_mb, workdir=ctx.work)
    finally:
        server.stop()
    return Figure("sftp_download", r["ratio"], "x OpenSSH",
                  baseline={"name": "openssh_mb_per_s", "value": r["openssh_mb_per_s"]},
                  ratio=r["ratio"], goal={"op": ">=", "value": 0.5, "of": "ratio"},
                  note=f"{size_mb} MB: ours {r['ours_mb_per_s']} MB/s ({r['note']})")


def comparison_1m(ctx: BenchContext) -> list[Figure]:
    """The full comparison (linkage, base, classification, versions, outbox) on a synthetic city, and
    the peak memory of its first build against a city a tenth its size."""
    from canbao.comparison.bench import comparison_1m as run
    from canbao.comparison.bench import first_build_memory

    r = run(ctx.migrated_db_url("bench_comparison"), persons=ctx.scale)
    seconds = r["first_build_seconds"]
    copy = ctx.figures["copy_baseline"]
    steps = ", ".join(f"{name} {sec:.1f}s" for name, sec in r["dominant_steps_first"][:3])
    figures = [Figure("comparison_1m", round(seconds, 2), "s",
                      baseline={"name": "copy_baseline", "value": copy.value},
                      ratio=round(seconds / (ctx.scale / copy.value), 2),
                      goal={"op": "<=", "value": 60 * ctx.scale / 1_000_000, "of": "value"},
                      note=f"{ctx.scale:,} persons; full re-run with nothing changed {r['full_rerun_seconds']:.1f} s; "
                           f"ratio = seconds / seconds to COPY as many rows; dominant: {steps}")]
    big = r["memory_first_build"]
    if big["supported"]:
        small_persons = max(1_000, ctx.scale // 10)
        small = first_build_memory(ctx.migrated_db_url("bench_comparison_small"), persons=small_persons)["memory"]
        figures.append(Figure(
            "comparison_memory", big["backends_mib"], "MiB",
            baseline={"name": f"backends_mib_at_{small_persons}", "value": small["backends_mib"]},
            ratio=round(big["backends_mib"] / small["backends_mib"], 2) if small["backends_mib"] else None,
            note=f"peak private memory of the database backends during the first build, {ctx.scale:,} persons "
                 f"vs {small_persons:,} (largest backend {big['one_backend_mib']} vs {small['one_backend_mib']} MiB); "
                 f"the Python process grew {big['process_growth_mib']} MiB vs {small['process_growth_mib']} MiB. "
                 "Each sort, hash and temp table is capped by work_mem and temp_buffers (comparison/run.py) "
                 "and spills to disk beyond"))
    return figures


def incremental_1pct(ctx: BenchContext) -> Figure:
    """A day with 1 % churn: the incremental run as a ratio of the full comparison of the same day."""
    from canbao.comparison.bench import incremental_1pct as run

    if "comparison_1m" in ctx.figures:  # its city is built already: the day starts from there
        r = run(ctx.db_url("bench_comparison"), persons=ctx.scale, built=True)
    else:
        r = run(ctx.migrated_db_url("bench_incremental"), persons=ctx.scale)
    return Figure("incremental_1pct", r["ratio_incremental_to_full"], "x full",
                  baseline={"name": "full_comparison_s", "value": r["full_seconds_same_day"]},
                  ratio=r["ratio_incremental_to_full"], goal={"op": "<=", "value": 0.1, "of": "ratio"},
                  note=f"incremental {r['incremental_seconds']:.1f} s over {r['incremental_scope']:,} persons in scope; "
                       f"a full run afterwards found {r['full_found_left_over']} left-over changes")
