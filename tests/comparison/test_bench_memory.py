"""The benchmark's memory sampler reads real backends: a sort that needs a few hundred MB of
work_mem shows up as that backend's private memory, with its statement, and nothing is counted
for the sampler's own connection."""

from __future__ import annotations

import sqlalchemy as sa

from canbao.bench.memory import BackendMemory
from canbao.db import engine

_SORT = ("select count(*) from (select g, md5(g::text) from generate_series(1, 3000000) as g "
         "order by 2 desc) as sorted")


def test_a_large_sort_is_seen_with_its_statement(fresh_db_url: str) -> None:
    with BackendMemory(fresh_db_url, interval=0.05) as memory:
        with engine(fresh_db_url).connect() as conn:
            conn.execute(sa.text("set work_mem = '1GB'"))
            assert conn.execute(sa.text(_SORT)).scalar_one() == 3_000_000
    peaks = memory.peaks
    assert peaks.supported
    assert peaks.samples >= 3
    # 3 million sort tuples with a 32-character text each: well over 100 MiB in memory
    assert peaks.one_backend_mib > 100
    assert peaks.one_backend_query.startswith("select count(*) from (select g, md5")
    assert peaks.backends_mib >= peaks.one_backend_mib
    assert set(peaks.as_dict()) >= {"backends_mib", "one_backend_mib", "one_backend_query", "process_growth_mib"}


def test_an_idle_database_costs_little(fresh_db_url: str) -> None:
    with BackendMemory(fresh_db_url, interval=0.05) as memory:
        with engine(fresh_db_url).connect() as conn:
            conn.execute(sa.text("select pg_sleep(0.3)"))
    assert memory.peaks.samples >= 3
    assert memory.peaks.one_backend_mib < 100
