"""Platform schema: no planner statistics for the base's jsonb documents (SQL in
include/sql/schema/0012_jsonb_statistics.sql).

Revision ID: 0012_jsonb_statistics
"""

from canbao.migrations.sqlfile import downgrade_from, upgrade_from

revision = "0012_jsonb_statistics"
down_revision = "0011_as_of_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_from(revision)


def downgrade() -> None:
    downgrade_from(revision)
