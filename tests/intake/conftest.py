"""Intake test fixtures: this folder's own feed registry and clean inboxes on the shared SFTP server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FEEDS = Path(__file__).parent / "feeds"


@pytest.fixture
def registry():
    from canbao.registry import load_registry

    return load_registry(FEEDS)


@pytest.fixture
def intake_env(canbao_env, monkeypatch, tmp_path):
    """canbao_env plus this folder's registry, an archive of the test's own, and empty inboxes."""
    monkeypatch.setenv("CANBAO_FEEDS_DIR", str(FEEDS))
    monkeypatch.setenv("CANBAO_ARCHIVE_DIR", str(tmp_path / "archive"))
    root: Path = canbao_env["sftp"].root
    for dept in ("public_security", "education", "social_insurance", "market_regulation", "civil_affairs"):
        inbox = root / dept / "inbox"
        if inbox.exists():
            shutil.rmtree(inbox)
        inbox.mkdir(parents=True)
    return canbao_env | {"archive": tmp_path / "archive", "root": root}
