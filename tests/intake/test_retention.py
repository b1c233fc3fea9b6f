"""Staging retention: staged rows of deliveries promoted long enough ago go; everything else stays."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from canbao.db import engine
from canbao.intake.retention import purge_staging

NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)


def _staged_delivery(url: str, state: str, decided_days_ago: int | None, rows: int = 3) -> int:
    with engine(url).begin() as c:
        decided = None if decided_days_ago is None else NOW - dt.timedelta(days=decided_days_ago)
        d = c.execute(sa.text(
            "insert into intake.delivery (feed, file_name, sha256, bytes, as_of, state, decided_at) "
            "values ('ps_household', :n, md5(random()::text), 0, date '2026-11-01', :s, :t) returning delivery_id"),
            {"n": f"HJ_{state}_{decided_days_ago}.txt", "s": state, "t": decided}).scalar_one()
        for i in range(1, rows + 1):
            c.execute(sa.text(
                "insert into intake.stg_ps_person (delivery_id, source_row, as_of, person_id, person_id_raw, "
                "person_id_status, name) values (:d, :i, date '2026-11-01', :p, :p, 'VALID', '张三')"),
                {"d": d, "i": i, "p": f"33060419800101{d % 1000:03d}{i % 10}"})
    return d


def _staged(url: str, delivery_id: int) -> int:
    with engine(url).connect() as c:
        return c.execute(sa.text("select count(*) from intake.stg_ps_person where delivery_id = :d"),
                         {"d": delivery_id}).scalar_one()


def test_purge_deletes_only_staged_rows_of_deliveries_promoted_before_the_retention(fresh_db_url):
    old_accepted = _staged_delivery(fresh_db_url, "ACCEPTED", 20)
    old_with_rejects = _staged_delivery(fresh_db_url, "ACCEPTED_WITH_REJECTS", 30)
    old_released = _staged_delivery(fresh_db_url, "RELEASED", 15)
    recent = _staged_delivery(fresh_db_url, "ACCEPTED", 2)
    quarantined = _staged_delivery(fresh_db_url, "QUARANTINED", 40)
    undecided = _staged_delivery(fresh_db_url, "STAGED", None)

    deleted = purge_staging(fresh_db_url, days=14, now=NOW)

    assert deleted == {"ps_person": 9}
    assert [_staged(fresh_db_url, d) for d in (old_accepted, old_with_rejects, old_released)] == [0, 0, 0]
    assert [_staged(fresh_db_url, d) for d in (recent, quarantined, undecided)] == [3, 3, 3]
    with engine(fresh_db_url).connect() as c:
        assert c.execute(sa.text("select count(*) from intake.delivery")).scalar_one() == 6
        detail = c.execute(sa.text(
            "select detail from audit.event where kind = 'staging.purged'")).scalar_one()
    assert detail["rows"] == {"ps_person": 9} and detail["keep_days"] == 14


def test_purge_twice_deletes_nothing_the_second_time(fresh_db_url):
    _staged_delivery(fresh_db_url, "ACCEPTED", 20)
    assert purge_staging(fresh_db_url, days=14, now=NOW) == {"ps_person": 3}
    assert purge_staging(fresh_db_url, days=14, now=NOW) == {}
