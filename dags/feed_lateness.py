"""
### Feed lateness (迟报监控)

Every 30 minutes: a feed whose expected delivery (its registry `schedule`)
has not arrived within its grace period alerts on-call, once per missed
delivery. Logic: `canbao.validation.lateness`.
"""

from airflow.sdk import dag, task

from canbao.dag_defaults import dag_kwargs


@dag(dag_id="feed_lateness", schedule="*/30 * * * *", doc_md=__doc__, **dag_kwargs(["intake", "monitoring"]))
def feed_lateness():
    @task
    def check() -> list[dict]:
        from canbao import pipeline

        return pipeline.check_lateness()

    check()


feed_lateness()
