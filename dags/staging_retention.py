"""
### Staging retention (暂存清理)

Daily at 02:30: the staged rows of deliveries promoted more than
`CANBAO_STAGING_KEEP_DAYS` (default 14) days ago are deleted. The curated
tables, the archive (original bytes, `canbao reprocess`), the rejects and the
delivery records keep everything else; quarantined deliveries keep their rows.
Logic: `canbao.intake.retention`.
"""

from airflow.sdk import CronTriggerTimetable, dag, task

from canbao.dag_defaults import BUREAU_TZ_NAME, dag_kwargs


@dag(dag_id="staging_retention", schedule=CronTriggerTimetable("30 2 * * *", timezone=BUREAU_TZ_NAME),
     doc_md=__doc__, **dag_kwargs(["intake", "maintenance"]))
def staging_retention():
    @task
    def purge() -> dict:
        from canbao.intake.retention import purge_staging

        deleted = purge_staging()
        return {"deleted_rows": deleted, "total": sum(deleted.values())}

    purge()


staging_retention()
