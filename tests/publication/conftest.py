"""Fixtures of the publication tests: a real sandbox province on loopback and outbox helpers."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable

import pytest
import sqlalchemy as sa

from canbao.db import engine
from canbao.province import examples
from canbao.province_sandbox import runner
from canbao.publication.client import ProvinceClient

NODES = {f"33{i:04d}": f"secret-{i}" for i in range(1, 200)}
_next_node = itertools.count(1)


@pytest.fixture(scope="session")
def province(tmp_path_factory):
    """One sandbox for the publication tests; each test publishes as a node of its own."""
    handle = runner.start(db_path=tmp_path_factory.mktemp("province-pub") / "province.sqlite", nodes=NODES)
    yield handle
    handle.stop()


@pytest.fixture
def node(province):
    """(node_id, secret) unused by any other test; faults are reset after the test."""
    node_id = f"33{next(_next_node):04d}"
    yield node_id, NODES[node_id]
    province.set_fault("none")


@pytest.fixture
def client(province, node):
    with ProvinceClient(province.url, node[0], node[1], timeout=5) as c:
        yield c


def add_to_outbox(db_url: str, rows: Iterable[tuple[str, int, str | dict]]) -> None:
    """Insert (person_id, version, data-or-DELETE-reason) rows the way the comparison job does."""
    with engine(db_url).begin() as conn:
        for person_id, version, what in rows:
            if isinstance(what, dict):
                conn.execute(sa.text(
                    "insert into publication.outbox (person_id, version, op, changed_at, record, run_id) "
                    "values (:p, :v, 'UPSERT', '2026-11-21T18:00:00Z', cast(:r as jsonb), 'test')"),
                    {"p": person_id, "v": version, "r": json.dumps(what, ensure_ascii=False)})
            else:
                conn.execute(sa.text(
                    "insert into publication.outbox (person_id, version, op, changed_at, reason, run_id) "
                    "values (:p, :v, 'DELETE', '2026-11-21T18:00:00Z', :reason, 'test')"),
                    {"p": person_id, "v": version, "reason": what})


def versions(n_persons: int, n_versions: int, first: int = 0) -> list[tuple[str, int, dict]]:
    """Outbox rows for n persons with n versions each, interleaved (v1 of all, then v2 of all, ...)."""
    rows = []
    for version in range(1, n_versions + 1):
        for n in range(first, first + n_persons):
            pid = examples.person_id(n)
            rows.append((pid, version, examples.upsert_data(pid, name=f"人{version}")))
    return rows


def outbox_order(db_url: str) -> list[tuple[str, int]]:
    with engine(db_url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "select person_id, version from publication.outbox order by outbox_id"))]


def distinct_held(db_url: str) -> int:
    """Persons whose latest outbox version is an UPSERT (what the province should hold)."""
    with engine(db_url).connect() as conn:
        return conn.execute(sa.text(
            "select count(*) from (select distinct on (person_id) op from publication.outbox "
            "order by person_id, version desc) latest where op = 'UPSERT'")).scalar_one()


class Outbox:
    """The outbox of one test database, with the helpers above bound to it."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url

    def add(self, rows: Iterable[tuple[str, int, str | dict]]) -> None:
        add_to_outbox(self.db_url, rows)

    def add_versions(self, n_persons: int, n_versions: int, first: int = 0) -> None:
        add_to_outbox(self.db_url, versions(n_persons, n_versions, first))

    def order(self) -> list[tuple[str, int]]:
        return outbox_order(self.db_url)

    def held(self) -> int:
        return distinct_held(self.db_url)

    def scalar(self, sql: str, **params) -> object:
        with engine(self.db_url).connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def rows(self, sql: str, **params) -> list[tuple]:
        with engine(self.db_url).connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), params)]


@pytest.fixture
def outbox(fresh_db_url) -> Outbox:
    return Outbox(fresh_db_url)
