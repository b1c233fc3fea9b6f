"""Region names for the outputs' 甲栏 and file headers, from whatever source the deployment has.

The platform itself only knows region codes (GB/T 2260 county codes and the
statistics bureau's 9/12-digit town and village codes). Names come from the
first source found, in this order, so that a city can plug in its own list:

1. a CSV or YAML file named by ``CANBAO_REGION_NAMES``;
2. ``$CANBAO_HOME/regions.yaml`` or ``config/regions.yaml`` (``{code: name}``);
3. a table ``base.region (region_code, name)`` if the generator or a loader wrote one;

and a code without a name is printed as the code itself.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Connection

from canbao.paths import CONFIG_DIR
from canbao.settings import canbao_home, getenv


class RegionNames:
    """Code -> name, with the code itself as the fallback."""

    def __init__(self, names: Mapping[str, str] | None = None):
        self.names = {str(k): str(v) for k, v in (names or {}).items()}

    def name(self, code: str | None, default: str | None = None) -> str:
        if not code:
            return default or ""
        if code in self.names:
            return self.names[code]
        if len(code) == 9 and code.endswith("000"):
            return f"{self.name(code[:6])}(乡镇不详)"
        return default or code

    @classmethod
    def load(cls, conn: Connection | None = None) -> RegionNames:
        names: dict[str, str] = {}
        if conn is not None:
            names.update(_from_table(conn))
        for path in (CONFIG_DIR / "regions.yaml", canbao_home() / "regions.yaml"):
            names.update(_from_file(path))
        explicit = getenv("CANBAO_REGION_NAMES")
        if explicit:
            names.update(_from_file(Path(explicit)))
        return cls(names)


def _from_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return {row["region_code"]: row["name"] for row in csv.DictReader(fh)}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data = data.get("regions", data) if isinstance(data, dict) else {}
    return {str(k): str(v) for k, v in data.items()}


def _from_table(conn: Connection) -> dict[str, str]:
    exists = conn.execute(sa.text("select to_regclass('base.region') is not null")).scalar()
    if not exists:
        return {}
    rows = conn.execute(sa.text("select region_code, name from base.region")).all()
    return {str(code): str(name) for code, name in rows}


def city_code(county_codes: list[str]) -> str:
    """The city's 6-digit code (prefix of its counties + 00); '000000' when the counties disagree."""
    prefixes = {c[:4] for c in county_codes if c and len(c) >= 4}
    return (prefixes.pop() + "00") if len(prefixes) == 1 else "000000"
