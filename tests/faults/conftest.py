"""Fixtures of the fault tests: a sandbox province of their own and a fresh outbox per test.

The fault tests inject faults that hit every request of a sandbox (slow, down),
so they run against a sandbox of their own rather than the publication tests'
one; each test still publishes as a node nobody else uses. Helpers live in
``faultkit.py`` (a conftest is not a module to import from).
"""

from __future__ import annotations

import pytest
from faultkit import NODES, Outbox, next_node

from canbao.province_sandbox import runner
from canbao.province_sandbox.runner import SandboxHandle


@pytest.fixture(scope="session")
def fault_province(tmp_path_factory) -> SandboxHandle:
    """One sandbox for the fault tests (faults are global to a sandbox, so not shared with other folders)."""
    handle = runner.start(db_path=tmp_path_factory.mktemp("province-faults") / "province.sqlite", nodes=NODES)
    yield handle
    handle.stop()


@pytest.fixture
def node(fault_province: SandboxHandle) -> tuple[str, str]:
    """(node_id, secret) unused by any other test; faults are reset after the test."""
    node_id = next_node()
    yield node_id, NODES[node_id]
    if fault_province.alive():
        fault_province.set_fault("none")


@pytest.fixture
def outbox(fresh_db_url: str) -> Outbox:
    return Outbox(fresh_db_url)


