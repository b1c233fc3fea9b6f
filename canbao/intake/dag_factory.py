"""The one factory of intake DAGs: ``intake__<feed>`` for every registry entry.

Airflow parses DAG files every few seconds, so building a DAG reads the YAML
registry only: database, SFTP, pandas and GX are imported inside the tasks.

Shape of a run (every few minutes; ``max_active_runs=1`` keeps a feed's
deliveries one at a time, in order):

``discover`` lists the complete deliveries (data file + proof) in the feed's
folder, ordered by as_of then file name → ``process`` takes each one in that
order through fetch (prefetching SFTP read), verify against the manifest,
content-addressed archive, parse+normalise+stage, the quality gate and
promotion or quarantine, receipt, and moves the files aside → ``announce``
emits the asset ``canbao://curated/<feed>`` only when at least one delivery
was promoted (otherwise it is skipped, and a skipped task emits no event).

Deliveries are processed in one task rather than mapped tasks because
mapped task instances are not guaranteed to run in order, and a snapshot of
2026-03-02 must never be promoted before that of 2026-03-01.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from canbao.registry.loader import Feed, load_registry
from canbao.settings import BUREAU_TZ_NAME

POLL_SCHEDULE = "*/5 * * * *"
TIMEZONE = BUREAU_TZ_NAME


def _doc_md(feed: Feed) -> str:
    target = feed.target_def
    return "\n".join([
        f"# {feed.title} (`{feed.name}`)",
        "",
        f"- department: `{feed.department}`; contact: {feed.contact or '—'}",
        f"- SFTP: `{feed.sftp.folder}/{feed.sftp.pattern}` with {feed.completion.proof} `*{feed.completion.suffix}`",
        f"- format: {feed.format.type}, {feed.format.encoding}"
        + (f", delimiter `{feed.format.delimiter}`" if feed.format.type == "csv" else ""),
        f"- target: `{target.name}` ({target.description}); kind: {feed.kind}",
        f"- expected: `{feed.schedule.expected or 'n/a'}` (Asia/Shanghai), grace {feed.schedule.grace}",
        f"- gate suite: `{feed.gate.suite}`; max reject share {feed.gate.max_reject_share}",
        f"- emits asset `{feed.asset_uri}` when a delivery is promoted",
        "",
        "Bad deliveries are moved to `inbox/rejected/<as_of>/`, processed ones to `inbox/processed/<as_of>/`.",
    ])


def build_dag(feed: Feed):
    """The intake DAG of one feed."""
    import pendulum
    from airflow.sdk import Asset, dag, task

    from canbao.alerts.notifier import on_failure

    curated = Asset(feed.asset_uri)
    feed_name = feed.name

    @dag(
        dag_id=feed.dag_id,
        description=f"intake of {feed.title}",
        schedule=POLL_SCHEDULE,
        start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
        catchup=False,
        max_active_runs=1,
        tags=["canbao", "intake", feed.department],
        doc_md=_doc_md(feed),
        default_args={
            "owner": "canbao",
            "retries": 2,
            "retry_delay": dt.timedelta(minutes=2),
            "on_failure_callback": on_failure,
        },
        on_failure_callback=on_failure,
    )
    def intake():
        @task
        def discover() -> list[dict[str, Any]]:
            """Complete deliveries now in the folder, in processing order."""
            from canbao.intake.delivery import discover as find

            return [c.as_dict() for c in find(_current(feed_name))]

        @task
        def process(candidates: list[dict[str, Any]], **context) -> list[dict[str, Any]]:
            """Each delivery in order: fetch, verify, archive, stage, gate, promote/quarantine, receipt."""
            from canbao.intake.delivery import sftp_hook
            from canbao.intake.pipeline import process_delivery

            current = _current(feed_name)
            outcomes = []
            if not candidates:
                return outcomes
            with sftp_hook(current).get_managed_conn() as sftp:
                for cand in candidates:
                    outcomes.append(process_delivery(current, cand, context.get("run_id"), sftp=sftp).as_dict())
            return outcomes

        @task(outlets=[curated])
        def announce(outcomes: list[dict[str, Any]], **context) -> list[int]:
            """Emit the curated asset only when something was promoted."""
            from airflow.sdk.exceptions import AirflowSkipException

            promoted = [o["delivery_id"] for o in outcomes if o.get("promoted")]
            if not promoted:
                raise AirflowSkipException("nothing promoted / 本次无数据入库")
            events = context.get("outlet_events")
            if events is not None:
                events[curated].extra = {"feed": feed_name, "delivery_ids": promoted}
            return promoted

        announce(process(discover()))

    return intake()


def _current(name: str) -> Feed:
    """The feed as the registry says now (the task runs with the configuration it parsed)."""
    return load_registry()[name]


def build_dags(feeds: dict[str, Feed] | None = None) -> dict[str, Any]:
    """One DAG per registry feed, keyed by DAG id (for ``globals().update`` in the DAG file)."""
    feeds = load_registry() if feeds is None else feeds
    return {feed.dag_id: build_dag(feed) for feed in feeds.values()}
