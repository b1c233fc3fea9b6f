"""Intake with the real gate: a clean delivery is promoted into curated, a bad one is not."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from helpers import drop, ps_row, ps_text  # noqa: E402

pytest.importorskip("canbao.validation.gate")


def count(db_url: str, sql: str) -> int:
    eng = sa.create_engine(db_url)
    with eng.connect() as conn:
        n = conn.execute(sa.text(sql)).scalar_one()
    eng.dispose()
    return n


def test_clean_delivery_is_gated_and_promoted(intake_env, registry):
    from canbao.intake.pipeline import process_feed

    folder = intake_env["root"] / "public_security" / "inbox"
    drop(folder, "HJRK_20260301.txt", ps_text([ps_row(i) for i in range(40)]).encode("gbk"), rows=40)
    [out] = process_feed(registry["ps_household"], "e2e")
    assert out.promoted, out
    assert count(intake_env["db_url"], "select count(*) from curated.ps_person") == 40
