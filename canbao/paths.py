"""Where the repository's own files are (SQL, registry, suites), wherever the code runs from."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = REPO_ROOT / "include" / "sql"
CONFIG_DIR = REPO_ROOT / "config"
FEEDS_DIR = CONFIG_DIR / "feeds"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
DAGS_DIR = REPO_ROOT / "dags"


def sql_path(name: str) -> Path:
    """Path of an SQL file under include/sql, e.g. ``sql_path("comparison/base_build.sql")``."""
    path = SQL_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"no SQL file include/sql/{name}")
    return path


def read_sql(name: str) -> str:
    return sql_path(name).read_text(encoding="utf-8")
