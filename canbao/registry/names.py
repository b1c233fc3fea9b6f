"""Feed names from the registry folder, cheaply (DAG files call this at parse time)."""

from __future__ import annotations

from pathlib import Path

from canbao.paths import FEEDS_DIR


def feed_names(folder: Path = FEEDS_DIR) -> list[str]:
    """Names of the registered feeds: the ``name`` key of each YAML file, else its stem."""
    import yaml

    names = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names.append(str(data.get("name") or path.stem))
    return names
