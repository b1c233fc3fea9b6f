"""Feed intake: SFTP delivery → verify → archive → parse+normalise → staging → gate (canbao.validation).

Modules: ``delivery`` (discovery, download, archive, moving files aside),
``parse`` (formats, encodings, normalisation, row rejects), ``stage`` (COPY
into ``intake.stg_<target>``), ``pipeline`` (one delivery end to end, the
functions the DAG and the CLI call), ``dag_factory`` (``intake__<feed>``
DAGs), ``check``/``status``/``cli`` (commands), ``bench`` (benchmarks).
"""

from canbao.intake.errors import BadDelivery

__all__ = ["BadDelivery"]
