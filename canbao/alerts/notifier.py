"""Airflow 3 failure notifier: a failed task (or DAG run) becomes a masked on-call alert.

DAG files import this at parse time, every few seconds, so importing it does
no network, database or settings access: everything is read when a failure
is being notified. Use the ready instance::

    from canbao.alerts.notifier import on_failure
    default_args = {"on_failure_callback": on_failure}
    # or DAG(..., on_failure_callback=on_failure)
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from airflow.sdk import BaseNotifier

from canbao.privacy import get_logger, mask_text

log = get_logger("canbao.alerts.notifier")

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
MAX_MESSAGE_CHARS = 2000


def _first(*values: Any) -> Any:
    for value in values:
        if value not in (None, ""):
            return value
    return None


def ui_base_url() -> str:
    """The Airflow UI root, as Airflow itself knows it (``[api] base_url``)."""
    return (os.environ.get("AIRFLOW__API__BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def task_instance_url(
    dag_id: str, run_id: str | None, task_id: str | None, map_index: int | None = None, try_number: int | None = None
) -> str:
    """Airflow 3 UI address of a task instance (same shape as ``RuntimeTaskInstance.log_url``)."""
    url = f"{ui_base_url()}/dags/{quote(dag_id, safe='')}"
    if run_id:
        url += f"/runs/{quote(run_id, safe='')}"
        if task_id:
            url += f"/tasks/{quote(task_id, safe='')}"
            if map_index is not None and map_index >= 0:
                url += f"/mapped/{map_index}"
            if try_number:
                url += f"?try_number={try_number}"
    return url


def failure_facts(context: Mapping[str, Any]) -> dict[str, Any]:
    """Pull what on-call needs from an Airflow context (task-level or DAG-level callback)."""
    ti = context.get("task_instance") or context.get("ti")
    dag = context.get("dag")
    dag_run = context.get("dag_run")
    task = context.get("task")
    exception = context.get("exception")
    if isinstance(exception, BaseException):
        exc_type, message = type(exception).__name__, str(exception)
    elif exception:
        exc_type, message = "Error", str(exception)
    else:
        exc_type, message = None, str(context.get("reason") or "")
    message = mask_text(message)
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS] + " …(truncated)"
    map_index = getattr(ti, "map_index", None)
    return {
        "dag_id": _first(getattr(ti, "dag_id", None), getattr(dag, "dag_id", None), getattr(dag_run, "dag_id", None))
        or "?",
        "run_id": _first(context.get("run_id"), getattr(ti, "run_id", None), getattr(dag_run, "run_id", None)),
        "task_id": _first(getattr(ti, "task_id", None), getattr(task, "task_id", None)),
        "map_index": map_index if isinstance(map_index, int) and map_index >= 0 else None,
        "try_number": _first(getattr(ti, "try_number", None), context.get("try_number")),
        "exception_type": exc_type,
        "message": message,
        "logical_date": _first(context.get("logical_date"), getattr(dag_run, "logical_date", None)),
    }


class CanbaoFailureNotifier(BaseNotifier):
    """Sends a masked alert naming the DAG, run, task, try, exception and the UI link."""

    template_fields = ()

    def __init__(self, *, severity: str = "error", to: str | None = None) -> None:
        super().__init__()
        self.severity = severity
        self.to = to

    def build(self, context: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
        """Subject, body and context of the alert (all masked later by ``send_alert`` too)."""
        facts = failure_facts(context)
        url = task_instance_url(
            facts["dag_id"], facts["run_id"], facts["task_id"], facts["map_index"], facts["try_number"]
        )
        where = facts["dag_id"] + (f".{facts['task_id']}" if facts["task_id"] else "")
        if facts["map_index"] is not None:
            where += f"[{facts['map_index']}]"
        attempt = f"（第 {facts['try_number']} 次尝试）" if facts["try_number"] else ""
        what = "任务失败" if facts["task_id"] else "DAG 运行失败"
        subject = f"{what}: {where}{attempt}"
        lines = [f"{what}: {where}"]
        if facts["exception_type"]:
            lines.append(f"{facts['exception_type']}: {facts['message']}")
        elif facts["message"]:
            lines.append(f"原因: {facts['message']}")
        lines.append(f"查看: {url}")
        alert_context = {
            "dag_id": facts["dag_id"],
            "run_id": facts["run_id"],
            "task_id": facts["task_id"],
            "map_index": facts["map_index"],
            "try_number": facts["try_number"],
            "exception": facts["exception_type"],
            "logical_date": facts["logical_date"],
            "url": url,
        }
        return subject, "\n".join(lines), {k: v for k, v in alert_context.items() if v is not None}

    def notify(self, context: Mapping[str, Any]) -> None:
        from canbao.alerts.send import send_alert  # settings and SMTP only at failure time

        subject, body, alert_context = self.build(context)
        result = send_alert(subject, body, severity=self.severity, to=self.to, context=alert_context)
        if not result.delivered:
            log.error("failure of %s notified to no channel: %s", subject, result.errors)

    async def async_notify(self, context: Mapping[str, Any]) -> None:
        """For the triggerer (deadline alerts): same alert, off the event loop."""
        await asyncio.to_thread(self.notify, context)


on_failure = CanbaoFailureNotifier()
"""Ready instance for ``on_failure_callback`` in DAG files and ``default_args``."""
