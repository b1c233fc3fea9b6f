"""Airflow's own scheduler carries real deliveries through the chain of DAGs, by itself.

The whole local stack is started in a temporary home on free loopback ports
(both PostgreSQL clusters, SFTP, SMTP catcher, provincial sandbox, Airflow's
scheduler, dag-processor, api-server and triggerer). Department exports of a
small synthetic city are dropped over SFTP as department contacts would; the
test triggers only the intake DAGs: the comparison and publication runs must
come from the scheduler reacting to the assets the intake DAGs emit.
"""

from __future__ import annotations

import datetime as dt
import os
import re

import httpx
import pytest

from canbao.services.process import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from canbao.services.stack import Ports, Stack

    home = tmp_path_factory.mktemp("stack")
    os.chmod(home, 0o755)
    os.chmod(home.parent, 0o755)
    ports: set[int] = set()
    while len(ports) < 6:
        ports.add(free_port())
    s = Stack(home, Ports(*sorted(ports)), durable=False)
    s.up()
    yield s
    s.down()
    assert all(not s.managed(n).running() for n in ["sftp", "smtp", "sandbox", "airflow-scheduler",
                                                    "airflow-dag-processor", "airflow-api-server",
                                                    "airflow-triggerer"])
    assert not s.platform_pg.running() and not s.airflow_pg.running()


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from canbao.generate import generate_city

    out = tmp_path_factory.mktemp("city")
    generate_city(out, persons=400, seed=3, days=1)
    return out


def test_scheduler_carries_deliveries_through_intake_comparison_and_publication(stack, city):
    from canbao.demo import deliveries_by_day, run_day, seed_feedback, upload
    from canbao.registry.names import feed_names
    from canbao.services.airflow_api import AirflowApi

    api = AirflowApi(stack.airflow_url, "admin", stack.secrets()["airflow_admin_password"])
    intake_dags = [f"intake__{n}" for n in feed_names()]
    api.wait_for_dags(intake_dags + ["comparison", "publication"], timeout=300)
    seed_feedback(stack, city)

    days = deliveries_by_day(city)
    assert len(days) >= 2, "the city should have a snapshot day and a change day"
    results = []
    for day, deliveries in days.items():
        since = dt.datetime.now(dt.timezone.utc)
        for folder, data, proof in deliveries:
            upload(stack, folder, data, proof)
        results.append(run_day(api, stack, day, intake_dags, timeout=600, since=since))

    first, second = results[0], results[1]
    assert all(state == "success" for state in first["intake"].values()), first["intake"]
    # The day's last comparison ran; its publication ran too, or an earlier one of the day had
    # already sent everything ("not needed"): either way the province holds exactly the base.
    assert first["comparison"] == "success"
    assert first["publication"] in ("success", "not needed")
    assert first["province"]["persons"] == first["base_persons"] > 0
    assert first["province"]["batches"] >= 1
    # The second day publishes its delta only: more batches, the same people plus the new ones.
    assert second["comparison"] == "success"
    assert second["province"]["batches"] > first["province"]["batches"]
    assert second["province"]["persons"] == second["base_persons"]

    # A receipt went back to public security's own SFTP folder.
    receipts = list((stack.sftp_state.root / "public_security" / "receipts").glob("*.receipt.txt"))
    assert receipts, "no receipt in /public_security/receipts"
    # The comparison runs were created by the scheduler from asset events, not triggered by us.
    runs = api.runs("comparison", dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    assert runs and all(r["run_type"] in ("asset_triggered", "scheduled") for r in runs)
    # Each mapped unit of work is named after its county in the UI (a small city: no county is split;
    # a run whose scope was empty maps nothing and has only the placeholder, map index -1).
    units = [ti for r in runs if r["state"] == "success"
             for ti in api.task_instances("comparison", r["dag_run_id"])
             if ti["task_id"] == "classify_county" and ti["map_index"] >= 0]
    assert units and all(re.fullmatch(r"\d{6}|\(no county\)", ti["rendered_map_index"] or "") for ti in units), \
        [ti["rendered_map_index"] for ti in units]
    stats = httpx.get(f"{stack.sandbox_url}/sandbox/stats", trust_env=False).json()
    assert stats["last_seq"] == stats["batches"]
