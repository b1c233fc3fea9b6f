"""One outputs build for a comparison run: every table, workbook and list, recorded in base.output.

Files go under ``$CANBAO_OUTPUT_DIR/<run_id>/``; a rebuild of the same run replaces them
and their rows (idempotent). The database rows are written in one transaction, so a
failed check (table 1's formula) leaves the previous build of that run in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from canbao.db import engine
from canbao.outputs.context import OutputFile, RunContext, ensure_output_schema, make_context
from canbao.outputs.deliver import SftpTarget, conn_from_airflow, roster_remote_path, upload_files
from canbao.outputs.dispatch import Quarter, build_table1, build_table2
from canbao.outputs.indicators import build_indicators
from canbao.outputs.lists import build_employer_expansion, build_stop_list
from canbao.outputs.rosters import build_rosters
from canbao.outputs.sheets import sha256_file
from canbao.privacy import get_logger

log = get_logger(__name__)


@dataclass
class BuildResult:
    run_id: str
    out_dir: Path
    files: list[OutputFile] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[OutputFile]:
        return [f for f in self.files if f.kind == kind]


def build_outputs(url: str | None = None, run_id: str | None = None, output_root: Path | None = None,
                  quarter: Quarter | None = None, targets: dict | None = None) -> BuildResult:
    """Build every output of ``run_id`` (default: the latest comparison run)."""
    if output_root is None:
        from canbao.settings import Settings

        output_root = Settings.from_env().output_dir
    with engine(url).begin() as conn:
        ensure_output_schema(conn)
        ctx = make_context(conn, run_id, Path(output_root))
        ctx.out_dir.mkdir(parents=True, exist_ok=True)
        files: list[OutputFile] = []
        table1_rows, table1_files = build_table1(conn, ctx)
        files += table1_files
        files += build_table2(conn, ctx, table1_rows, quarter=quarter, targets=targets)[1]
        files += build_indicators(conn, ctx)[1]
        files += build_rosters(conn, ctx)
        files += build_employer_expansion(conn, ctx)
        files += build_stop_list(conn, ctx)
        record_outputs(conn, ctx, files)
    log.info("outputs of run %s: %d files in %s", ctx.run_id, len(files), ctx.out_dir)
    return BuildResult(ctx.run_id, ctx.out_dir, files)


def record_outputs(conn: Connection, ctx: RunContext, files: list[OutputFile]) -> None:
    conn.execute(sa.text("delete from base.output where run_id = :r"), {"r": ctx.run_id})
    if files:
        conn.execute(sa.text(
            "insert into base.output (run_id, kind, region, path, format, sha256, rows) "
            "values (:run_id, :kind, :region, :path, :format, :sha256, :rows)"),
            [{"run_id": ctx.run_id, "kind": f.kind, "region": f.region, "path": str(f.path), "format": f.format,
              "sha256": sha256_file(f.path), "rows": f.rows} for f in files])


def deliver_rosters(url: str | None = None, run_id: str | None = None, target: SftpTarget | None = None,
                    conn_id: str | None = None) -> list[str]:
    """Upload the rosters recorded for ``run_id`` (default: the latest built run) to the towns' folders."""
    if target is None:
        if conn_id is None:
            from canbao.settings import getenv

            conn_id = getenv("CANBAO_SFTP_CONN_ID", "canbao_sftp") or "canbao_sftp"
        target = conn_from_airflow(conn_id)
    with engine(url).begin() as conn:
        ensure_output_schema(conn)
        if run_id is None:
            run_id = conn.execute(sa.text(
                "select run_id from base.output where kind = 'roster' order by built_at desc limit 1")).scalar()
        rows = conn.execute(sa.text(
            "select region, path, sha256 from base.output where run_id = :r and kind = 'roster' order by region"),
            {"r": run_id}).all()
    pairs = []
    for region, path, sha in rows:
        local = Path(path)
        if sha256_file(local) != sha:
            raise RuntimeError(f"roster {local.name} changed since it was built; rebuild the outputs")
        pairs.append((local, roster_remote_path(region, local.name)))
    written = upload_files(target, pairs) if pairs else []
    with engine(url).begin() as conn:
        for (local, remote) in pairs:
            conn.execute(sa.text("update base.output set delivered_to = :d, delivered_at = now() "
                                 "where run_id = :r and path = :p"), {"d": remote, "r": run_id, "p": str(local)})
    log.info("delivered %d rosters of run %s", len(written), run_id)
    return written
