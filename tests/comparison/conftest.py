"""Fixtures of the comparison tests: a City of curated rows on a fresh migrated database."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from city import City  # noqa: E402


@pytest.fixture
def city(fresh_db_url: str) -> City:
    return City(fresh_db_url)
