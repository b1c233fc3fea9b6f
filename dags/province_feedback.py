"""
### Province feedback (省内异地参保 / 省外参保)

Pulls, by cursor, the people of this city insured in another region, applies
each item once, and emits `canbao://province/feedback` when anything new
arrived, so the next comparison sees insured-elsewhere and cross-region
duplicates. Daily at 02:00. Logic: `canbao.publication.feedback`.
"""

from airflow.sdk import Asset, dag, task

from canbao.dag_defaults import FEEDBACK_ASSET, dag_kwargs


@dag(dag_id="province_feedback", schedule="0 2 * * *", doc_md=__doc__, **dag_kwargs(["publication", "feedback"]))
def province_feedback():
    @task(multiple_outputs=False)
    def pull() -> dict:
        from canbao import pipeline

        return pipeline.pull_feedback()

    @task(outlets=[Asset(FEEDBACK_ASSET)])
    def announce(result: dict) -> None:
        from airflow.exceptions import AirflowSkipException

        if not result.get("new_items"):
            raise AirflowSkipException("no new feedback")

    announce(pull())


province_feedback()
