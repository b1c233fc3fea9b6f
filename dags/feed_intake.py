"""Feed intake DAGs (Airflow): one DAG ``intake__<feed>`` per entry of the feed registry.

Made by one factory (``canbao.intake.dag_factory``) from ``config/feeds/*.yaml``:
onboarding a department feed is a YAML file, not a copy of this DAG. Parsing this
file reads the registry only; SFTP, database and parsing happen inside the tasks.
"""

from canbao.intake.dag_factory import build_dags

globals().update(build_dags())
