"""What every canbao DAG shares: headers, retries, the failure notifier, asset names.

Imported by the DAG files at parse time, so it must stay cheap: no database,
network, pandas or GX here.
"""

from __future__ import annotations

import datetime as dt

import pendulum

from canbao.settings import BUREAU_TZ_NAME

START_DATE = pendulum.datetime(2026, 1, 1, tz=BUREAU_TZ_NAME)
OWNER = "canbao"
BASE_ASSET = "canbao://base/registration"
FEEDBACK_ASSET = "canbao://province/feedback"


def curated_asset_uri(feed: str) -> str:
    return f"canbao://curated/{feed}"


def failure_callbacks() -> list:
    """The on-call notifier for DAG and task failures (email + webhook, masked)."""
    try:
        from canbao.alerts.notifier import CanbaoFailureNotifier
    except ImportError:  # alerts not installed: the failure still shows in the UI
        return []
    return [CanbaoFailureNotifier()]


def default_args(**overrides) -> dict:
    args = {
        "owner": OWNER,
        "retries": 2,
        "retry_delay": dt.timedelta(minutes=1),
        "retry_exponential_backoff": True,
        "max_retry_delay": dt.timedelta(minutes=15),
        "on_failure_callback": failure_callbacks(),
    }
    args.update(overrides)
    return args


def dag_kwargs(tags: list[str], **overrides) -> dict:
    """Keyword arguments of every canbao ``@dag``: the headers the DAG policy test checks."""
    kwargs = {
        "start_date": START_DATE,
        "catchup": False,
        "max_active_runs": 1,
        "default_args": default_args(),
        "tags": ["canbao", *tags],
        "owner_links": {},
    }
    kwargs.update(overrides)
    return kwargs
