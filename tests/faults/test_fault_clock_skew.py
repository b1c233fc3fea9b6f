"""A node whose clock is off by more than the province's 300 s: refused (401 AUTH), nothing marked delivered.

The province checks ``X-Timestamp`` against its own clock; the client takes
it from its ``clock`` (the wall clock in production), which these tests set
off by 400 s either way.
"""

from __future__ import annotations

import datetime as dt

import pytest
from faultkit import assert_exactly_once

from canbao.publication.client import ProvinceClient
from canbao.publication.publisher import PublishError, publish

FAST = {"backoff": 0.01, "max_wait": 30}


def skewed(seconds: float):
    """A clock ``seconds`` off the true time (negative: behind)."""
    return lambda: dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("skew", [-400, 400], ids=["behind", "ahead"])
def test_skewed_clock_is_refused_and_the_batch_stays_pending_for_the_same_batch_id(
        fault_province, node, outbox, skew):
    outbox.add_versions(12, 1)
    with ProvinceClient(fault_province.url, node[0], node[1], timeout=10, clock=skewed(skew)) as off:
        with pytest.raises(PublishError, match="401 AUTH"):
            publish(outbox.db_url, off, **FAST)
    # Nothing reached the province and the platform claims nothing: one batch, pending, no outcomes.
    assert fault_province.stats(node[0])["batches"] == 0
    [(batch_id, seq, state)] = outbox.batches()
    assert (seq, state) == (1, "PENDING")
    assert outbox.scalar("select count(*) from publication.batch_item where outcome is not null") == 0
    assert outbox.rows("select http_status, body->>'code' from publication.response") == [(401, "AUTH")]

    with ProvinceClient(fault_province.url, node[0], node[1], timeout=10) as right:
        summary = publish(outbox.db_url, right, **FAST)
    assert summary.batch_ids == [batch_id]  # the very batch formed before, not a new one
    assert_exactly_once(fault_province, node[0], outbox)


def test_skewed_clock_while_resolving_doubt_leaves_the_batch_pending_until_the_cursor_confirms_it(
        fault_province, node, outbox):
    outbox.add_versions(12, 1)
    # The province stores the batch but answers 500; with no retry allowed the run stops in doubt.
    fault_province.set_fault("error_after_store", count=1)
    with ProvinceClient(fault_province.url, node[0], node[1], timeout=10) as right:
        first = publish(outbox.db_url, right, max_attempts=0, **FAST)
    assert first.stopped and fault_province.stats(node[0])["batches"] == 1

    # The next run must ask the cursor first; with a skewed clock that is refused, and the doubt stays.
    with ProvinceClient(fault_province.url, node[0], node[1], timeout=10, clock=skewed(-400)) as off:
        with pytest.raises(PublishError, match="cursor"):
            publish(outbox.db_url, off, **FAST)
    assert [state for _, _, state in outbox.batches()] == ["PENDING"]

    with ProvinceClient(fault_province.url, node[0], node[1], timeout=10) as right:
        last = publish(outbox.db_url, right, **FAST)
    assert last.confirmed_by_cursor == 1
    assert_exactly_once(fault_province, node[0], outbox)
