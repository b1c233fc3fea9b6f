"""`make bench`: each figure is printed beside a baseline measured in the same run.

Figures are appended to ``$CANBAO_HOME/bench/latest.json`` as a list of
``{"name", "value", "unit", "baseline": {"name", "value"}, "ratio", "goal":
{"op", "value", "of"}}``. Benchmarks run against a scratch PostgreSQL cluster
of their own (``$CANBAO_HOME/bench/pg``, default durability settings) so that
figures from one run are comparable with each other.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import resource
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg2

from canbao.ids import check_char
from canbao.services.postgres import PgCluster, platform_shared_buffers
from canbao.services.process import free_port
from canbao.settings import canbao_home


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline: dict | None = None
    ratio: float | None = None
    goal: dict | None = None
    note: str = ""

    def met(self) -> bool | None:
        if not self.goal:
            return None
        measured = self.ratio if self.goal.get("of") == "ratio" else self.value
        if measured is None:
            return None
        return measured <= self.goal["value"] if self.goal["op"] == "<=" else measured >= self.goal["value"]


@dataclass
class BenchContext:
    """What every benchmark gets: a scratch database, a work folder, the scale, earlier figures."""

    work: Path
    cluster: PgCluster
    scale: int
    figures: dict[str, Figure] = field(default_factory=dict)

    def db_url(self, name: str = "bench") -> str:
        self.cluster.ensure_database(name)
        return self.cluster.url(name)

    def migrated_db_url(self, name: str) -> str:
        from canbao.db import migrate

        url = self.db_url(name)
        migrate(url)
        return url


# -- the baseline every other figure is a ratio of ---------------------------------------------

PERSON_COLUMNS = ["person_id", "name", "sex", "ethnicity", "birth_date", "household_no", "hukou_region",
                  "hukou_address", "residence_address", "phone"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强文"


def person_rows(n: int, seed: int = 1):
    """``n`` plausible canonical person rows (valid IDs), deterministic for a seed."""
    rnd = random.Random(seed)
    start = dt.date(1940, 1, 1).toordinal()
    span = dt.date(2024, 12, 31).toordinal() - start
    counties = ["330602", "330603", "330604", "330624", "330681", "330683"]
    for i in range(n):
        county = counties[i % 6]
        birth = dt.date.fromordinal(start + rnd.randrange(span))
        seq = f"{rnd.randrange(1000):03d}"
        body = county + birth.strftime("%Y%m%d") + seq
        pid = body + check_char(body)
        name = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + (rnd.choice(GIVEN) if rnd.random() < 0.6 else "")
        village = f"{county}{rnd.randrange(1, 20):03d}{rnd.randrange(1, 30):03d}"
        yield (pid, name, "1" if int(seq[-1]) % 2 else "2", "01", birth.isoformat(), f"H{i // 3:09d}",
               village, f"绍兴市某路{rnd.randrange(1, 999)}号", f"绍兴市某路{rnd.randrange(1, 999)}号",
               f"13{rnd.randrange(10**9):09d}")


def write_person_csv(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(PERSON_COLUMNS)
        w.writerows(person_rows(n))
    return path


def copy_baseline(ctx: BenchContext) -> Figure:
    """Raw COPY throughput of a generated person file into a logged table: rows per second."""
    path = ctx.work / f"persons_{ctx.scale}.csv"
    if not path.exists():
        write_person_csv(path, ctx.scale)
    conn = psycopg2.connect(ctx.cluster.dsn("bench"))
    try:
        with conn.cursor() as cur:
            cur.execute("drop table if exists copy_baseline")
            cur.execute("create table copy_baseline (" + ", ".join(f"{c} text" for c in PERSON_COLUMNS) + ")")
            conn.commit()
            t0 = time.perf_counter()
            with open(path, encoding="utf-8") as f:
                cur.copy_expert("copy copy_baseline from stdin with (format csv, header true)", f)
            conn.commit()
            seconds = time.perf_counter() - t0
            cur.execute("select count(*) from copy_baseline")
            rows = cur.fetchone()[0]
            cur.execute("drop table copy_baseline")
            conn.commit()
    finally:
        conn.close()
    mb = path.stat().st_size / 2**20
    return Figure("copy_baseline", round(rows / seconds), "rows/s",
                  note=f"{rows:,} rows, {mb:.0f} MiB CSV in {seconds:.2f} s (logged table)")


# -- registry of benchmarks ------------------------------------------------------------------

def _optional(module: str, attr: str) -> Callable | None:
    import importlib

    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return None


def benchmarks() -> dict[str, Callable[[BenchContext], Figure | list[Figure]]]:
    """Name -> function. Area benchmarks live beside their code (canbao/<area>/bench.py)."""
    from canbao.bench import suite

    return {"copy_baseline": copy_baseline, **suite.area_benchmarks()}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(only: list[str] | None = None, scale: int = 1_000_000, out: Path | None = None) -> list[Figure]:
    home = canbao_home()
    work = home / "bench"
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o755)
    home.chmod(0o755)
    cluster = PgCluster(work / "pg", free_port(), shared_buffers=platform_shared_buffers())
    cluster.start()
    ctx = BenchContext(work=work, cluster=cluster, scale=scale)
    ctx.db_url("bench")
    results: list[Figure] = []
    try:
        todo = benchmarks()
        names = ["copy_baseline"] + [n for n in todo if n != "copy_baseline" and (not only or n in only)]
        for name in names:
            print(f"… {name}", flush=True)
            t0 = time.perf_counter()
            try:
                produced = todo[name](ctx)
            except Exception as exc:  # one failing benchmark must not hide the others' figures
                print(f"  {name} failed: {type(exc).__name__}: {exc}", flush=True)
                continue
            for fig in produced if isinstance(produced, list) else [produced]:
                ctx.figures[fig.name] = fig
                results.append(fig)
            print(f"  done in {time.perf_counter() - t0:.1f} s", flush=True)
    finally:
        cluster.stop()
    out = out or (work / "latest.json")
    out.write_text(json.dumps([{k: v for k, v in asdict(f).items() if k != "note" or v} for f in results],
                              ensure_ascii=False, indent=2))
    print_table(results)
    print(f"\nfigures written to {out}")
    return results


def print_table(figures: list[Figure]) -> None:
    buf = io.StringIO()
    buf.write(f"\n{'figure':<22}{'value':>16} {'unit':<10}{'baseline':>22}{'ratio':>9}  {'goal':<16}{'met':<5}\n")
    for f in figures:
        base = f"{f.baseline['name']}={f.baseline['value']:,.0f}" if f.baseline else ""
        goal = f"{f.goal['op']} {f.goal['value']} ({f.goal['of']})" if f.goal else ""
        met = {True: "yes", False: "NO", None: ""}[f.met()]
        ratio = f"{f.ratio:.3f}" if f.ratio is not None else ""
        buf.write(f"{f.name:<22}{f.value:>16,.2f} {f.unit:<10}{base:>22}{ratio:>9}  {goal:<16}{met:<5}\n")
        if f.note:
            buf.write(f"{'':<22}  {f.note}\n")
    print(buf.getvalue())


def clear(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
