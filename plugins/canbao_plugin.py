"""Airflow plugin of the canbao platform: template macros and where the failure notifier lives.

Airflow imports every file in ``plugins/`` in the scheduler, API server,
DAG processor and workers, so this module stays import-safe and light: no
network, database or settings access, no Airflow UI views. The logic lives in
the ``canbao`` package; this only registers it.

In templates: ``{{ macros.canbao.mask_id(params.person_id) }}``.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from canbao.privacy import mask_id, mask_name, mask_phone, mask_text

#: Import path of the ready failure notifier, for DAG files' ``on_failure_callback``
#: (``from canbao.alerts.notifier import on_failure``).
FAILURE_NOTIFIER = "canbao.alerts.notifier.on_failure"


class CanbaoPlugin(AirflowPlugin):
    """Registers the privacy maskers as ``macros.canbao.*`` for templated fields."""

    name = "canbao"
    macros = [mask_id, mask_name, mask_phone, mask_text]
