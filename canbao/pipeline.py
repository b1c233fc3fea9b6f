"""What the downstream DAG tasks do, in one place: the DAG files stay thin and the
steps stay callable from the command line and the tests.

Every function reads its settings from the environment (canbao.settings) and
returns a small JSON-able dict (it travels through XCom).
"""

from __future__ import annotations

import datetime as dt

from canbao.privacy import get_logger
from canbao.settings import Settings

log = get_logger(__name__)


def _settings() -> Settings:
    return Settings.from_env()


def _province_client(s: Settings):
    from canbao.publication.client import ProvinceClient

    return ProvinceClient(s.province_url, s.node_id, s.node_secret)


def _run_id() -> str | None:
    try:
        from airflow.sdk import get_current_context

        return get_current_context()["run_id"]
    except Exception:  # outside a task
        return None


# -- comparison ---------------------------------------------------------------------------------

def prepare_comparison() -> dict:
    """Reference date, city-wide linkage and duplicate detection, and the scope of this run."""
    from canbao.comparison import run as comparison

    run_id = comparison.prepare(_settings().database_url)
    return {"run_id": run_id}


def comparison_counties(run: dict) -> list[str]:
    from canbao.comparison import run as comparison

    return comparison.list_units(_settings().database_url, run["run_id"])


def classify_county(run: dict, county: str) -> dict:
    """Build, classify and write the versions (with their outbox rows) of one county, in one transaction."""
    from canbao.comparison import run as comparison

    return _plain(comparison.run_county(_settings().database_url, run["run_id"], county))


def finish_comparison(run: dict, parts: list[dict]) -> dict:
    from canbao.comparison import run as comparison

    summary = comparison.finish(_settings().database_url, run["run_id"])
    result = _plain(summary)
    result["new_versions"] = summary.versions_written
    return result


def build_outputs(result: dict) -> dict:
    """Dispatch tables, rosters (delivered to the towns' SFTP folders), lists, stop-list."""
    from canbao.outputs.build import build_outputs as build
    from canbao.outputs.build import deliver_rosters

    s = _settings()
    built = build(s.database_url, run_id=result.get("run_id"), output_root=s.output_dir)
    delivered = deliver_rosters(s.database_url, run_id=built.run_id, conn_id=s.sftp_conn_id)
    return {"run_id": built.run_id, "out_dir": str(built.out_dir), "files": len(built.files),
            "rosters_delivered": len(delivered)}


# -- publication --------------------------------------------------------------------------------

def publish() -> dict:
    from canbao.publication.publisher import publish as send

    s = _settings()
    summary = send(s.database_url, _province_client(s))
    return _plain(summary)


def pull_feedback() -> dict:
    from canbao.publication.feedback import pull_feedback as pull

    s = _settings()
    summary = pull(s.database_url, _province_client(s))
    result = _plain(summary)
    result.setdefault("new_items", result.get("stored", result.get("new", 0)))
    return result


# -- monitoring ---------------------------------------------------------------------------------

def check_lateness() -> list[dict]:
    from canbao.registry import load_registry
    from canbao.validation.lateness import alert_late, check_late

    s = _settings()
    late = check_late(s.database_url, load_registry(), dt.datetime.now(dt.timezone.utc))
    if late:
        alert_late(s.database_url, late)
    return [_plain(x) for x in late]


def _plain(obj) -> dict:
    """A dataclass or dict as a JSON-able dict."""
    import dataclasses
    import json

    if dataclasses.is_dataclass(obj):
        obj = dataclasses.asdict(obj)
    return json.loads(json.dumps(obj, default=str))
