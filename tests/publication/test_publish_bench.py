"""The publish benchmark runs end to end in its own scratch database."""

from __future__ import annotations

import sqlalchemy as sa

from canbao.db import engine
from canbao.publication.bench import publish_throughput


def test_publish_throughput_publishes_everything_and_leaves_no_scratch_database(pg_url):
    assert publish_throughput(pg_url, 300) > 0
    with engine(pg_url).connect() as conn:
        left = conn.execute(sa.text("select count(*) from pg_database where datname like 'canbao_bench_publish_%'"))
        assert left.scalar() == 0
