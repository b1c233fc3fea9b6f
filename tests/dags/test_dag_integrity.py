"""Every DAG imports cleanly, touches no network or database at parse time, and follows the policy."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap

import pytest

from canbao.paths import DAGS_DIR, REPO_ROOT

# Parsed in a child process whose sockets refuse to connect: any connection or
# query at parse time shows up as an import error.
_PARSE = textwrap.dedent("""
    import json, socket, sys
    attempts = []
    def refuse(self, address, *a, **k):
        attempts.append(str(address))
        raise OSError("network access at DAG parse time: %r" % (address,))
    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    from airflow.models.dagbag import DagBag
    bag = DagBag(dag_folder=sys.argv[1])
    out = {"errors": {k: str(v)[-2000:] for k, v in bag.import_errors.items()}, "attempts": attempts, "dags": {}}
    for dag_id, dag in bag.dags.items():
        da = dag.default_args or {}
        out["dags"][dag_id] = {
            "owner": da.get("owner"), "retries": da.get("retries"), "tags": sorted(dag.tags or []),
            "catchup": dag.catchup, "start_date": dag.start_date.isoformat() if dag.start_date else None,
            "max_active_runs": dag.max_active_runs, "doc_md": bool(dag.doc_md),
            "has_failure_callback": bool(da.get("on_failure_callback")),
            "tasks": [t.task_id for t in dag.tasks],
        }
    print("RESULT" + json.dumps(out))
""")


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow_home")
    env = dict(os.environ)
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "CANBAO_DATABASE_URL": "postgresql+psycopg2://nobody@127.0.0.1:9/none",
        "CANBAO_HOME": str(home / "canbao"),
    })
    result = subprocess.run([sys.executable, "-c", _PARSE, str(DAGS_DIR)], capture_output=True, text=True,
                            env=env, cwd=REPO_ROOT, timeout=300)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("RESULT")), None)
    assert line, f"DAG parsing crashed:\n{result.stderr[-3000:]}"
    return json.loads(line[len("RESULT"):])


def test_every_dag_file_imports_without_error(parsed):
    assert parsed["errors"] == {}


def test_no_network_or_database_connection_at_parse_time(parsed):
    assert parsed["attempts"] == []


def test_the_pipeline_dags_are_all_there(parsed):
    from canbao.registry.names import feed_names

    expected = {"comparison", "publication", "province_feedback", "feed_lateness", "staging_retention"}
    expected |= {f"intake__{name}" for name in feed_names()}
    assert expected <= set(parsed["dags"])


def test_every_dag_follows_the_header_policy(parsed):
    from canbao.dag_defaults import START_DATE

    problems = []
    for dag_id, d in parsed["dags"].items():
        if d["owner"] != "canbao":
            problems.append(f"{dag_id}: owner {d['owner']!r}")
        if not d["retries"] or d["retries"] < 1:
            problems.append(f"{dag_id}: no retries")
        if "canbao" not in d["tags"] or len(d["tags"]) < 2:
            problems.append(f"{dag_id}: tags {d['tags']}")
        if d["catchup"] is not False:
            problems.append(f"{dag_id}: catchup must be False")
        if d["start_date"] is None or dt.datetime.fromisoformat(d["start_date"]) != START_DATE:
            problems.append(f"{dag_id}: start_date {d['start_date']} is not the fixed {START_DATE.isoformat()}")
        if d["max_active_runs"] != 1:
            problems.append(f"{dag_id}: max_active_runs {d['max_active_runs']}")
        if not d["doc_md"]:
            problems.append(f"{dag_id}: no doc_md")
        if not d["has_failure_callback"]:
            problems.append(f"{dag_id}: no on-call failure notifier")
    assert problems == []
