"""An intake DAG run end to end (``dag.test()``) against the real SFTP server and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from helpers import drop, ps_row, ps_text  # noqa: E402

from canbao.paths import DAGS_DIR, REPO_ROOT  # noqa: E402

FEEDS = Path(__file__).parent / "feeds"

RUN = r"""
import json, sys
from airflow.models import DagBag
bag = DagBag(dag_folder=sys.argv[1])
dag = bag.dags[sys.argv[2]]
run = dag.test()
states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
print("JSON" + json.dumps({"run": str(run.state), "tasks": states}))
"""


def dag_test(env: dict, tmp_path: Path, dag_id: str) -> dict:
    home = tmp_path / "airflow"
    home.mkdir(exist_ok=True)
    child = os.environ | {
        "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR), "CANBAO_FEEDS_DIR": str(FEEDS),
    } | env
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=child, check=True,
                   capture_output=True, timeout=300, cwd=REPO_ROOT)
    proc = subprocess.run([sys.executable, "-c", RUN, str(DAGS_DIR / "feed_intake.py"), dag_id], env=child,
                          capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("JSON")), None)
    assert line, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(line[4:])


@pytest.mark.slow
def test_intake_dag_run_promotes_and_announces_the_asset(intake_env, tmp_path):
    pytest.importorskip("canbao.validation.gate")
    folder = intake_env["root"] / "public_security" / "inbox"
    drop(folder, "HJRK_20260301.txt", ps_text([ps_row(i) for i in range(30)]).encode("gbk"), rows=30)
    env = {k: os.environ[k] for k in ("CANBAO_HOME", "CANBAO_DATABASE_URL", "AIRFLOW_CONN_CANBAO_SFTP",
                                       "CANBAO_ARCHIVE_DIR")}
    result = dag_test(env, tmp_path, "intake__ps_household")
    assert result["tasks"] == {"discover": "success", "process": "success", "announce": "success"}, result
    eng = sa.create_engine(intake_env["db_url"])
    with eng.connect() as conn:
        assert conn.execute(sa.text("select count(*) from curated.ps_person")).scalar_one() == 30
    eng.dispose()
    # nothing new in the folder: the next run processes nothing and skips the asset event
    again = dag_test(env, tmp_path, "intake__ps_household")
    assert again["tasks"]["announce"] == "skipped", again
