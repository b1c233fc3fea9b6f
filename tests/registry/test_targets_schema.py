"""The reviewed schema file is exactly what the target definitions generate."""

from canbao.paths import SQL_DIR
from canbao.registry.targets import render_schema


def test_intake_schema_file_matches_target_definitions():
    on_disk = (SQL_DIR / "schema" / "0002_intake.sql").read_text(encoding="utf-8")
    assert on_disk.strip() == render_schema().strip(), (
        "regenerate: python -m canbao.registry.targets > include/sql/schema/0002_intake.sql")
