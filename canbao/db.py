"""Access to the platform database: engines, SQL files, COPY, migrations."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from canbao.paths import REPO_ROOT, read_sql


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    return sa.create_engine(url, pool_pre_ping=True, future=True)


def engine(url: str | None = None) -> Engine:
    """The platform engine (``CANBAO_DATABASE_URL`` unless a URL is given)."""
    if url is None:
        from canbao.settings import Settings

        url = Settings.from_env().database_url
    return _engine(url)


@contextmanager
def transaction(url: str | None = None):
    """One transaction: committed on success, rolled back on any error."""
    with engine(url).begin() as conn:
        yield conn


def run_sql(conn: Connection, name: str, params: Mapping[str, Any] | None = None) -> sa.CursorResult:
    """Run one SQL file from include/sql with bind parameters (``:name`` style)."""
    return conn.execute(sa.text(read_sql(name)), dict(params or {}))


def run_sql_script(conn: Connection, name: str) -> None:
    """Run a multi-statement SQL file with no parameters (schema files)."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(read_sql(name))


def copy_rows(conn: Connection, table: str, columns: list[str], rows: Iterable[Iterable[Any]]) -> int:
    """COPY rows (Python values; None = NULL) into ``table``. Returns the number of rows."""
    buf = io.StringIO()
    n = 0
    for row in rows:
        buf.write("\t".join(_copy_value(v) for v in row))
        buf.write("\n")
        n += 1
    buf.seek(0)
    copy_text(conn, table, columns, buf)
    return n


def copy_text(conn: Connection, table: str, columns: list[str], stream: io.TextIOBase | io.BufferedIOBase) -> None:
    """COPY a text-format stream (tab-separated, ``\\N`` for NULL) into ``table``."""
    cols = ", ".join(f'"{c}"' for c in columns)
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.copy_expert(f"copy {table} ({cols}) from stdin with (format text)", stream)


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def alembic_config(url: str | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(REPO_ROOT / "canbao" / "migrations"))
    if url is None:
        from canbao.settings import Settings

        url = Settings.from_env().database_url
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str | None = None, revision: str = "head") -> None:
    """Bring the platform schema to ``revision`` (idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
