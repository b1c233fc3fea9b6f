"""Fixtures of the gate tests: this test's database, SFTP server and a real SMTP catcher."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from canbao.alerts.testing import SmtpCatcher


@pytest.fixture
def gate_env(canbao_env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict]:
    """canbao_env plus a mailbox (SMTP catcher) and a Data Docs folder of this test."""
    with SmtpCatcher() as catcher:
        for key, value in catcher.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("CANBAO_ALERT_TO", "oncall@bureau.example")
        monkeypatch.setenv("CANBAO_ALERT_FROM", "canbao@bureau.example")
        monkeypatch.delenv("CANBAO_ALERT_WEBHOOK", raising=False)
        docs = tmp_path / "data_docs"
        monkeypatch.setenv("CANBAO_DATA_DOCS_DIR", str(docs))
        yield {**canbao_env, "smtp": catcher, "docs": docs}
