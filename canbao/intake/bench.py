"""Intake benchmarks (wired into ``make bench`` by the lead).

- :func:`intake_vs_copy`: a GBK pipe-delimited public-security snapshot through
  parse + normalise + COPY into staging, against PostgreSQL's own COPY of the
  same file (goal: intake ≥ 0.5× COPY), with the peak RSS of the intake.
- :func:`sftp_download`: our SFTP fetch (paramiko with prefetch, hashing and
  archiving as it streams) against OpenSSH's ``sftp`` client fetching the same
  file over loopback (goal ≥ 0.5×).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from canbao.ids import check_char
from canbao.registry.loader import parse_feed

BENCH_FEED = {
    "name": "bench_ps", "department": "public_security", "title": "基准测试 户籍", "target": "ps_person",
    "kind": "snapshot",
    "sftp": {"folder": "/public_security/inbox", "pattern": "BENCH_*.txt"},
    "completion": {"proof": "manifest"},
    "format": {"type": "csv", "encoding": "gbk", "delimiter": "|", "header": True},
    "columns": {
        "person_id": "公民身份号码", "name": "姓名",
        "sex": {"column": "性别", "map": {"男": "1", "女": "2"}},
        "ethnicity": "民族",
        "birth_date": {"column": "出生日期", "date_format": "%Y%m%d"},
        "household_no": "户号", "hukou_region": "户籍地区划", "hukou_address": "户籍地址",
        "residence_address": "居住地址", "phone": "联系电话",
        "household_type": {"column": "户口性质", "map": {"农业": "AGRI", "非农业": "NONAGRI"}},
        "hukou_status": {"column": "户口状态", "map": {"正常": "REGISTERED", "死亡注销": "CANCELLED_DEATH"}},
        "cancel_date": {"column": "注销日期", "date_format": "%Y%m%d"},
        "military": {"column": "是否服役", "map": {"是": True, "否": False}},
    },
    "gate": {"suite": "ps_household"},
}
HEADER = ["公民身份号码", "姓名", "性别", "民族", "出生日期", "户号", "户籍地区划", "户籍地址", "居住地址",
          "联系电话", "户口性质", "户口状态", "注销日期", "是否服役"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def write_snapshot(path: Path, rows: int) -> int:
    """A synthetic GBK pipe-delimited household register of ``rows`` people (valid IDs)."""
    start = dt.date(1940, 1, 1)
    with open(path, "w", encoding="gbk", newline="") as out:
        out.write("|".join(HEADER) + "\r\n")
        buf = []
        for i in range(rows):
            birth = start + dt.timedelta(days=(i * 37) % 29000)
            b = birth.strftime("%Y%m%d")
            seq = i % 1000
            body = f"3306{(i // 1000) % 100:02d}{b}{seq:03d}"
            pid = body + check_char(body)
            sex = "男" if seq % 2 else "女"
            name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 20) % len(GIVEN)] + (GIVEN[(i // 7) % len(GIVEN)] if i % 3 else "")
            buf.append(f"{pid}|{name}|{sex}|01|{b}|H{i:09d}|330604{(i % 97):03d}{(i % 13):03d}|"
                       f"浙江省绍兴市越城区某街道{i % 500}号|某小区{i % 40}幢{i % 6}单元|"
                       f"138{i % 100000000:08d}|{'农业' if i % 3 else '非农业'}|正常||否\r\n")
            if len(buf) >= 10000:
                out.write("".join(buf))
                buf = []
        out.write("".join(buf))
    return path.stat().st_size


class _PeakRss(threading.Thread):
    """Samples this process's RSS while the benchmark runs (MiB)."""

    def __init__(self):
        super().__init__(daemon=True)
        import psutil

        self.proc = psutil.Process()
        self.peak = self.proc.memory_info().rss
        self.baseline = self.peak
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.02):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def result(self) -> tuple[float, float]:
        self.stop.set()
        self.join()
        return self.peak / 2**20, (self.peak - self.baseline) / 2**20


def intake_vs_copy(db_url: str, rows: int = 1_000_000, workdir: str | Path | None = None) -> dict[str, Any]:
    """Intake rows/s (parse + normalise + load into staging) vs raw COPY rows/s of the same file."""
    from canbao.db import engine
    from canbao.intake.stage import stage_delivery

    feed = parse_feed(BENCH_FEED, Path("<bench>"))
    tmp = Path(tempfile.mkdtemp(prefix="canbao-bench-", dir=workdir))
    try:
        path = tmp / "BENCH_20260301.txt"
        size = write_snapshot(path, rows)
        eng = engine(db_url)
        with eng.begin() as conn:
            # the benchmark's own database: staging starts empty, as a new install's does (rows deleted by
            # earlier runs would otherwise pile up as dead tuples that no real intake ever leaves)
            conn.execute(sa.text("truncate intake.stg_ps_person"))
            delivery_id = conn.execute(sa.text(
                "insert into intake.delivery (feed, file_name, sha256, bytes, state) "
                "values ('bench_ps', :f, :s, :b, 'RECEIVED') returning delivery_id"),
                {"f": path.name, "s": uuid.uuid4().hex * 2, "b": size}).scalar_one()
        sampler = _PeakRss()
        sampler.start()
        t0 = time.perf_counter()
        stats = stage_delivery(db_url, feed, path, delivery_id, dt.date(2026, 3, 1), rows)
        intake_s = time.perf_counter() - t0
        peak, peak_delta = sampler.result()

        cols = ", ".join(f"c{i} text" for i in range(len(HEADER)))
        with eng.begin() as conn:
            conn.execute(sa.text(f"create unlogged table if not exists intake.bench_raw ({cols})"))
            conn.execute(sa.text("truncate intake.bench_raw"))
        raw = eng.raw_connection()
        try:
            t0 = time.perf_counter()
            with raw.cursor() as cur, open(path, "rb") as fh:
                cur.copy_expert("copy intake.bench_raw from stdin with (format csv, delimiter '|', header true, "
                                "encoding 'GBK')", fh)
            raw.commit()
            copy_s = time.perf_counter() - t0
        finally:
            raw.close()
        staging_copy_s = _staging_copy_seconds(eng, delivery_id, tmp / "staged.copy")
        with eng.begin() as conn:
            conn.execute(sa.text("drop table if exists intake.bench_raw"))
            conn.execute(sa.text("truncate intake.stg_ps_person"))
            conn.execute(sa.text("delete from intake.reject where delivery_id = :d"), {"d": delivery_id})
            conn.execute(sa.text("delete from intake.delivery where delivery_id = :d"), {"d": delivery_id})
        return {
            "rows": stats.rows, "file_mb": round(size / 2**20, 1),
            "intake_s": round(intake_s, 2), "intake_rows_per_s": round(stats.rows / intake_s),
            "copy_s": round(copy_s, 2), "copy_rows_per_s": round(rows / copy_s),
            "ratio": round(copy_s / intake_s, 3), "goal_ratio": 0.5,
            "peak_rss_mib": round(peak, 1), "peak_rss_growth_mib": round(peak_delta, 1),
            "rows_with_parse_rejects": stats.rejected_rows,
            # PostgreSQL alone loading the finished staging text: the most intake could reach with free parsing
            "staging_copy_s": round(staging_copy_s, 2), "staging_copy_rows_per_s": round(rows / staging_copy_s),
            "ceiling_ratio": round(copy_s / staging_copy_s, 3),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _staging_copy_seconds(eng, delivery_id: int, spool: Path) -> float:
    """Seconds PostgreSQL takes to COPY the staged rows of ``delivery_id`` back into staging (rolled back).

    Why: intake ends in a COPY into ``intake.stg_ps_person`` (19 typed columns
    and an index), which costs the server more than the raw 14-column text
    COPY it is compared with; this is that floor, measured on the same rows.
    """
    from canbao.intake.stage import staging_table

    table = staging_table("ps_person")
    raw = eng.raw_connection()
    try:
        with raw.cursor() as cur:
            cur.execute("create temp table bench_staged as select * from intake.stg_ps_person "
                        "where delivery_id = %(d)s", {"d": delivery_id})
            with open(spool, "wb") as fh:
                cur.copy_expert("copy bench_staged to stdout", fh)
            cur.execute("drop table bench_staged")
            t0 = time.perf_counter()
            with open(spool, "rb") as fh:
                cur.copy_expert(f"copy {table} from stdin", fh)
            seconds = time.perf_counter() - t0
        raw.rollback()
    finally:
        raw.close()
        spool.unlink(missing_ok=True)
    return seconds


def _get(info: Any, key: str) -> Any:
    return info[key] if isinstance(info, dict) else getattr(info, key)


def _paramiko_sftp(info: Any):
    """An SFTP client to the server as the platform account (the same settings as the Airflow hook)."""
    import paramiko

    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # loopback benchmark server
    client.connect(_get(info, "host"), port=int(_get(info, "port")), username="canbao",
                   key_filename=str(_get(info, "platform_key")), look_for_keys=False, allow_agent=False)
    return client, client.open_sftp()


def sftp_download(sftp_server_info: Any, size_mb: int = 500, workdir: str | Path | None = None) -> dict[str, Any]:
    """Our fetch (prefetching paramiko read, SHA-256, archive write) vs OpenSSH ``sftp`` over loopback."""
    from canbao.intake.delivery import Candidate, fetch_to_archive

    root = Path(_get(sftp_server_info, "root"))
    folder = root / "public_security" / "inbox"
    name = f"BENCH_{uuid.uuid4().hex[:8]}.bin"
    src = folder / name
    tmp = Path(tempfile.mkdtemp(prefix="canbao-bench-sftp-", dir=workdir))
    try:
        block = os.urandom(1 << 20)
        with open(src, "wb") as fh:
            for i in range(size_mb):
                fh.write(block[i % 997:] + block[:i % 997])
        client, sftp = _paramiko_sftp(sftp_server_info)
        try:
            cand = Candidate("bench", "/public_security/inbox", name, name + ".manifest.json")
            t0 = time.perf_counter()
            got = fetch_to_archive(None, cand, sftp, root=tmp / "archive")  # type: ignore[arg-type]
            ours_s = time.perf_counter() - t0
        finally:
            sftp.close()
            client.close()
        assert got.bytes == size_mb << 20
        batch = tmp / "batch"
        batch.write_text(f"get /public_security/inbox/{name} {tmp / 'openssh.bin'}\n")
        cmd = ["sftp", "-q", "-b", str(batch), "-i", str(_get(sftp_server_info, "platform_key")),
               "-P", str(_get(sftp_server_info, "port")), "-o", "StrictHostKeyChecking=no",
               "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
               f"canbao@{_get(sftp_server_info, 'host')}"]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, timeout=600)
        openssh_s = time.perf_counter() - t0
        return {
            "size_mb": size_mb, "ours_s": round(ours_s, 2), "ours_mb_per_s": round(size_mb / ours_s, 1),
            "openssh_s": round(openssh_s, 2), "openssh_mb_per_s": round(size_mb / openssh_s, 1),
            "ratio": round(openssh_s / ours_s, 3), "goal_ratio": 0.5,
            "note": "ours includes SHA-256 and the archive write; OpenSSH only writes the file",
        }
    finally:
        src.unlink(missing_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
