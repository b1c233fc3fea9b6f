"""Platform settings, read from the environment.

Every setting has an environment variable (documented in docs/ARCHITECTURE.md
and the README). When a variable is unset, the value written by the local
services into ``$CANBAO_HOME/env`` is used, so the ``canbao`` command works in
a shell that never sourced it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from canbao.paths import REPO_ROOT

# The bureau's time zone: data dates (as-of, effective, received days) and delivery schedules are
# dates and times in China Standard Time, whatever the servers' clocks are set to. One zone serves
# the whole country, so it is a constant, not a setting.
BUREAU_TZ_NAME = "Asia/Shanghai"


def canbao_home() -> Path:
    return Path(os.environ.get("CANBAO_HOME", REPO_ROOT / ".local")).resolve()


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a file of ``export KEY=VALUE`` / ``KEY=VALUE`` lines (values may be single-quoted)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):]
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1].replace("'\\''", "'")
        values[key.strip()] = value
    return values


def getenv(name: str, default: str | None = None) -> str | None:
    """An environment variable, else the local services' env file, else the default."""
    if name in os.environ:
        return os.environ[name]
    return _env_file().get(name, default)


@lru_cache(maxsize=4)
def _env_file_at(path: str) -> dict[str, str]:
    return read_env_file(Path(path))


def _env_file() -> dict[str, str]:
    return _env_file_at(str(canbao_home() / "env"))


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    sftp_conn_id: str
    archive_dir: Path
    output_dir: Path
    province_url: str
    node_id: str
    node_secret: str
    smtp_host: str
    smtp_port: int
    alert_to: str
    alert_from: str
    alert_webhook: str | None
    data_docs_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        home = canbao_home()
        db = getenv("CANBAO_DATABASE_URL")
        if not db:
            raise RuntimeError(
                "CANBAO_DATABASE_URL is not set and no local services env file was found at "
                f"{home / 'env'}; run `make demo` (or `canbao services up`) first, or export it."
            )
        return cls(
            home=home,
            database_url=db,
            sftp_conn_id=getenv("CANBAO_SFTP_CONN_ID", "canbao_sftp"),
            archive_dir=Path(getenv("CANBAO_ARCHIVE_DIR", str(home / "archive"))),
            output_dir=Path(getenv("CANBAO_OUTPUT_DIR", str(home / "outputs"))),
            province_url=getenv("CANBAO_PROVINCE_URL", "http://127.0.0.1:8808"),
            node_id=getenv("CANBAO_NODE_ID", "330604"),
            node_secret=getenv("CANBAO_NODE_SECRET", ""),
            smtp_host=getenv("CANBAO_SMTP_HOST", "127.0.0.1"),
            smtp_port=int(getenv("CANBAO_SMTP_PORT", "8025")),
            alert_to=getenv("CANBAO_ALERT_TO", "oncall@canbao.local"),
            alert_from=getenv("CANBAO_ALERT_FROM", "canbao@canbao.local"),
            alert_webhook=getenv("CANBAO_ALERT_WEBHOOK") or None,
            data_docs_dir=Path(getenv("CANBAO_DATA_DOCS_DIR", str(home / "data_docs"))),
        )
