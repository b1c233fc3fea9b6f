"""
### Comparison (数据比对): the registration base, its classifications and outputs

Runs when any feed has newly promoted curated data (the feeds' assets joined
with `|`, so one quiet feed never blocks it) or daily at 03:00. Linkage and
duplicate detection are city-wide; the base build and classification run per
unit of work (dynamic task mapping): a county, or a part `COUNTY:PART/PARTS` (by a hash of the ID)
of a county larger than `work.unit_max_persons` (config/canbao.yaml), each unit
writing its new versions and the province's outbox rows in one transaction; then the outputs (dispatch tables, survey rosters,
expansion lists, benefit stop-list) are rebuilt for the run.

Emits `canbao://base/registration` when the base changed, which schedules the
publication DAG. Logic: `canbao.pipeline` (thin here).
"""

from airflow.sdk import Asset, AssetAny, AssetOrTimeSchedule, CronTriggerTimetable, dag, task

from canbao.dag_defaults import BASE_ASSET, BUREAU_TZ_NAME, FEEDBACK_ASSET, curated_asset_uri, dag_kwargs
from canbao.registry.names import feed_names

_feeds = feed_names()


@dag(
    dag_id="comparison",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 3 * * *", timezone=BUREAU_TZ_NAME),
        assets=AssetAny(*[Asset(curated_asset_uri(f)) for f in _feeds], Asset(FEEDBACK_ASSET)),
    ),
    doc_md=__doc__,
    **dag_kwargs(["comparison"]),
)
def comparison():
    @task(multiple_outputs=False)
    def prepare() -> dict:
        """Reference date, linkage (city-wide) and the scope of this run."""
        from canbao import pipeline

        return pipeline.prepare_comparison()

    @task
    def counties(run: dict) -> list[dict]:
        from canbao import pipeline

        return [{"run": run, "county": c} for c in pipeline.comparison_counties(run)]

    @task(max_active_tis_per_dagrun=2, multiple_outputs=False, map_index_template="{{ unit }}")
    def classify_county(item: dict) -> dict:
        """Base build and classification for one unit of work (a county, or a part of a large one)."""
        from airflow.sdk import get_current_context

        from canbao import pipeline

        # the mapped instance is named after its unit in the UI ('' = persons with no county here)
        get_current_context()["unit"] = item["county"] or "(no county)"
        return pipeline.classify_county(item["run"], item["county"])

    @task(multiple_outputs=False)
    def finish(run: dict, parts: list[dict]) -> dict:
        """Close the run: counts by category, versions written."""
        from canbao import pipeline

        return pipeline.finish_comparison(run, list(parts))

    @task(multiple_outputs=False)
    def outputs(result: dict) -> dict:
        from canbao import pipeline

        return pipeline.build_outputs(result)

    @task(outlets=[Asset(BASE_ASSET)])
    def announce(result: dict, built: dict) -> None:
        """Tell the publication DAG, only when the base changed."""
        from airflow.exceptions import AirflowSkipException

        if not result.get("new_versions"):
            raise AirflowSkipException("the base did not change: nothing to publish")

    run = prepare()
    parts = classify_county.expand(item=counties(run))
    result = finish(run, parts)
    announce(result, outputs(result))


comparison()
