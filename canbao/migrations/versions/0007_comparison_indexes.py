"""Platform schema: indexes for the incremental comparison (SQL in
include/sql/schema/0007_comparison_indexes.sql).

Revision ID: 0007_comparison_indexes
"""

from canbao.migrations.sqlfile import downgrade_from, upgrade_from

revision = "0007_comparison_indexes"
down_revision = "0006_applied_change"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_from(revision)


def downgrade() -> None:
    downgrade_from(revision)
