"""DAG integrity of dags/feed_intake.py: one DAG per registry feed, with the required headers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from canbao.paths import DAGS_DIR, REPO_ROOT

FEEDS = Path(__file__).parent / "feeds"

# Parsed in a child process: AIRFLOW_HOME must be set before airflow is first imported.
PROBE = r"""
import json, sys
from airflow.models import DagBag
bag = DagBag(dag_folder=sys.argv[1])
out = {"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {}}
for dag_id, dag in bag.dags.items():
    out["dags"][dag_id] = {
        "owner": dag.owner, "tags": sorted(dag.tags), "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs, "start": dag.start_date.isoformat(),
        "retries": dag.default_args.get("retries"), "retry_delay": str(dag.default_args.get("retry_delay")),
        "doc": bool(dag.doc_md), "schedule": str(getattr(dag.timetable, "_expression", dag.timetable)),
        "tasks": [t.task_id for t in dag.tasks],
        "outlets": [a.uri for t in dag.tasks for a in t.outlets],
        "failure_callback": bool(dag.default_args.get("on_failure_callback")),
    }
print("JSON" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    import json

    home = tmp_path_factory.mktemp("airflow_home")
    env = os.environ | {"AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                        "AIRFLOW__CORE__UNIT_TEST_MODE": "True", "CANBAO_FEEDS_DIR": str(FEEDS),
                        "CANBAO_DATABASE_URL": "postgresql+psycopg2://nobody@127.0.0.1:1/none"}
    proc = subprocess.run([sys.executable, "-c", PROBE, str(DAGS_DIR / "feed_intake.py")], env=env,
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=240)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("JSON")), None)
    assert line, proc.stderr[-3000:]
    return json.loads(line[4:])


def test_dag_file_imports_without_errors(parsed):
    assert parsed["errors"] == {}


def test_one_dag_per_registry_feed(parsed):
    from canbao.registry import load_registry

    assert sorted(parsed["dags"]) == sorted(f"intake__{n}" for n in load_registry(FEEDS))


def test_every_intake_dag_has_the_required_headers(parsed):
    for dag_id, d in parsed["dags"].items():
        dept = {"intake__ps_household": "public_security", "intake__edu_fixed": "education",
                "intake__si_pipe": "social_insurance", "intake__mr_excel": "market_regulation",
                "intake__ca_cremation": "civil_affairs"}[dag_id]
        assert d["owner"] == "canbao" and d["catchup"] is False and d["max_active_runs"] == 1
        assert d["start"].startswith("2025-12-31T16:00:00")  # 2026-01-01 00:00 Asia/Shanghai
        assert d["retries"] == 2 and d["retry_delay"] != "None" and d["failure_callback"]
        assert d["tags"] == sorted(["canbao", "intake", dept]) and d["doc"]
        assert "*/5 * * * *" in d["schedule"]
        assert d["tasks"] == ["discover", "process", "announce"]
        assert d["outlets"] == [f"canbao://curated/{dag_id.removeprefix('intake__')}"]


def test_dag_file_does_no_database_or_network_work_at_import():
    text = (DAGS_DIR / "feed_intake.py").read_text()
    factory = (REPO_ROOT / "canbao" / "intake" / "dag_factory.py").read_text()
    top = [ln for ln in factory.splitlines() if ln.startswith(("import ", "from "))]
    assert all(m not in " ".join(top) for m in ("sqlalchemy", "pandas", "great_expectations", "paramiko", "db"))
    assert "import" in text and "build_dags" in text
