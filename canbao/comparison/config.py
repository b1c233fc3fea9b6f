"""Classification and linkage settings (config/canbao.yaml), with DOMAIN.md's defaults."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from canbao.paths import CONFIG_DIR

CONFIG_FILE = CONFIG_DIR / "canbao.yaml"


@dataclass(frozen=True)
class ComparisonConfig:
    lapse_months: int = 3
    employee_months: int = 3
    employee_insurances: tuple[str, ...] = ("210", "410", "510")
    maternity_merged_into_310: bool = False
    si_stale_days: int = 45
    accept_score: int = 80
    margin: int = 15
    review_score: int = 50
    # How the work is split, not what it decides (left out of the fingerprint): a county with more
    # persons in a run's scope is computed in parts of about equal size, at most about this many (a hash of the ID).
    unit_max_persons: int = 100_000
    extra: dict = field(default_factory=dict, compare=False)

    def fingerprint(self) -> str:
        """Changes whenever a setting that decides classification changes (forces a full run)."""
        body = {k: v for k, v in asdict(self).items() if k not in ("extra", "unit_max_persons")}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]

    def params(self) -> dict:
        """Bind parameters the SQL models use."""
        return {
            "lapse_months": self.lapse_months,
            "employee_months": self.employee_months,
            "employee_insurances": list(self.employee_insurances),
            "maternity_merged": self.maternity_merged_into_310,
            "accept_score": self.accept_score,
            "margin": self.margin,
            "review_score": self.review_score,
        }


def load_config(path: Path | None = None, **overrides) -> ComparisonConfig:
    """Read config/canbao.yaml (missing file or keys: the defaults); keyword overrides win (tests)."""
    path = path or CONFIG_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    data = data or {}
    cls_ = data.get("classification") or {}
    link = data.get("linkage") or {}
    work = data.get("work") or {}
    values = {
        "lapse_months": int(cls_.get("lapse_months", 3)),
        "employee_months": int(cls_.get("employee_months", 3)),
        "employee_insurances": tuple(str(c) for c in cls_.get("employee_insurances", ["210", "410", "510"])),
        "maternity_merged_into_310": bool(cls_.get("maternity_merged_into_310", False)),
        "si_stale_days": int(cls_.get("si_stale_days", 45)),
        "accept_score": int(link.get("accept_score", 80)),
        "margin": int(link.get("margin", 15)),
        "review_score": int(link.get("review_score", 50)),
        "unit_max_persons": max(1, int(work.get("unit_max_persons", 100_000))),
    }
    values.update(overrides)
    if "employee_insurances" in overrides:
        values["employee_insurances"] = tuple(overrides["employee_insurances"])
    return ComparisonConfig(**values)
