"""The Airflow failure notifier, called with a context made of real Airflow 3 task-SDK objects."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import datetime, timezone

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, BaseNotifier
from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

from canbao.alerts.notifier import CanbaoFailureNotifier, on_failure, task_instance_url

PERSON_ID = "330604198001010012"


def _failure_context(try_number: int = 2, map_index: int = -1, exception: BaseException | str | None = None):
    """What Airflow hands an ``on_failure_callback``: the dag, task, runtime task instance, exception."""
    with DAG("intake__ps_household", schedule=None, start_date=datetime(2026, 1, 1, tzinfo=timezone.utc)) as dag:
        task = EmptyOperator(task_id="verify")
    run_id = "scheduled__2026-03-01T06:00:00+00:00"
    ti = RuntimeTaskInstance.model_construct(
        id=uuid.uuid4(),
        task_id="verify",
        dag_id=dag.dag_id,
        run_id=run_id,
        try_number=try_number,
        dag_version_id=uuid.uuid4(),
        map_index=map_index,
        task=task,
        max_tries=3,
        start_date=datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc),
    )
    return {
        "dag": dag,
        "task": task,
        "ti": ti,
        "task_instance": ti,
        "run_id": run_id,
        "exception": exception
        if exception is not None
        else ValueError(f"row 17: person_id {PERSON_ID} fails the check digit"),
    }


def test_ready_instance_is_an_airflow_notifier():
    assert isinstance(on_failure, BaseNotifier)
    assert isinstance(on_failure, CanbaoFailureNotifier)


def test_notifier_mails_dag_run_task_try_and_exception(smtp):
    on_failure(_failure_context())

    (message,) = smtp.wait_for(1)
    text = message["Subject"] + "\n" + message.get_content()
    assert "intake__ps_household.verify" in message["Subject"]
    assert "第 2 次尝试" in message["Subject"]
    assert "scheduled__2026-03-01T06:00:00+00:00" in text
    assert "try_number: 2" in text
    assert "ValueError: row 17" in text


def test_notifier_masks_the_exception_message(smtp, webhook):
    on_failure(_failure_context())

    mail = smtp.wait_for(1)[0].get_content()
    posted = webhook.received()[0]["markdown"]["text"]
    for text in (mail, posted):
        assert PERSON_ID not in text
        assert "330604********0012" in text


def test_notifier_links_the_task_instance_in_the_ui(smtp, monkeypatch):
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.bureau.example/")

    on_failure(_failure_context(try_number=3))

    expected = (
        "https://airflow.bureau.example/dags/intake__ps_household/runs/"
        "scheduled__2026-03-01T06%3A00%3A00%2B00%3A00/tasks/verify?try_number=3"
    )
    assert expected in smtp.wait_for(1)[0].get_content()


def test_ui_link_defaults_to_local_api_server():
    url = task_instance_url("comparison", "manual__1", "classify")

    assert url == "http://127.0.0.1:8080/dags/comparison/runs/manual__1/tasks/classify"


def test_mapped_task_link_names_the_map_index():
    url = task_instance_url("intake__ps_household", "r1", "parse", map_index=4, try_number=1)

    assert url.endswith("/tasks/parse/mapped/4?try_number=1")


def test_dag_level_failure_without_task_instance_still_alerts(smtp):
    context = _failure_context()
    dag_context = {"dag": context["dag"], "run_id": context["run_id"], "reason": "task_failure"}

    on_failure(dag_context)

    message = smtp.wait_for(1)[0]
    assert "DAG 运行失败: intake__ps_household" in message["Subject"]
    assert "原因: task_failure" in message.get_content()


def test_notifier_with_exception_as_string_names_it(smtp):
    on_failure(_failure_context(exception="Task received SIGTERM signal"))

    assert "Task received SIGTERM signal" in smtp.wait_for(1)[0].get_content()


def test_notifier_does_not_raise_when_smtp_is_down(monkeypatch):
    from canbao.alerts.catcher import free_port

    monkeypatch.setenv("CANBAO_SMTP_PORT", str(free_port()))

    on_failure(_failure_context())  # a failure callback must not fail the callback chain


def test_custom_recipient_notifier_mails_that_address(smtp):
    CanbaoFailureNotifier(to="data-team@bureau.example", severity="critical")(_failure_context())

    caught = smtp.caught[0]
    assert caught.rcpt_tos == ("data-team@bureau.example",)
    assert caught.message["X-Canbao-Severity"] == "critical"


def test_importing_the_notifier_opens_no_socket_and_reads_no_settings():
    """DAG files import it at parse time: importing it in a fresh interpreter must not touch the network."""
    code = (
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise AssertionError('network at import time')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "import canbao.alerts.notifier\n"
        "import canbao.settings as s\n"
        "assert s._env_file_at.cache_info().currsize == 0, 'settings read at import time'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
