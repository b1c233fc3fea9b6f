"""Fixtures of the alerts tests: a real SMTP server and a real webhook receiver on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from canbao.alerts.testing import SmtpCatcher, WebhookReceiver

_ALERT_VARS = (
    "CANBAO_SMTP_HOST",
    "CANBAO_SMTP_PORT",
    "CANBAO_SMTP_USER",
    "CANBAO_SMTP_PASSWORD",
    "CANBAO_SMTP_STARTTLS",
    "CANBAO_ALERT_TO",
    "CANBAO_ALERT_FROM",
    "CANBAO_ALERT_WEBHOOK",
    "CANBAO_ALERT_WEBHOOK_STYLE",
    "CANBAO_DATABASE_URL",
    "AIRFLOW__API__BASE_URL",
)


@pytest.fixture(autouse=True)
def isolated_alert_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """No alert setting leaks in from the shell or from a local services env file."""
    for name in _ALERT_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CANBAO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CANBAO_SMTP_TIMEOUT", "5")
    monkeypatch.setenv("CANBAO_ALERT_TO", "oncall@bureau.example")
    monkeypatch.setenv("CANBAO_ALERT_FROM", "canbao@bureau.example")


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpCatcher]:
    with SmtpCatcher() as catcher:
        for key, value in catcher.env().items():
            monkeypatch.setenv(key, value)
        yield catcher


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        monkeypatch.setenv("CANBAO_ALERT_WEBHOOK", receiver.url)
        yield receiver
