"""
### Publication to the province (省级平台)

Scheduled on `canbao://base/registration`: sends every change of the base
since the last acknowledged batch, in order and exactly once (transactional
outbox, contiguous `seq`, idempotent `batch_id`, HMAC-SM3 signatures; on any
5xx or lost connection the cursor is asked before anything else). A run that
finds nothing to send sends nothing. Per-record rejections are kept, alerted
and re-sent once the record is fixed. Logic: `canbao.publication`.
"""

from airflow.sdk import Asset, dag, task

from canbao.dag_defaults import BASE_ASSET, dag_kwargs


@dag(dag_id="publication", schedule=[Asset(BASE_ASSET)], doc_md=__doc__, **dag_kwargs(["publication"]))
def publication():
    @task(multiple_outputs=False)
    def publish() -> dict:
        from canbao import pipeline

        return pipeline.publish()

    publish()


publication()
