"""Platform schema: the applied-change journal base.applied_change (SQL in
include/sql/schema/0006_applied_change.sql).

Revision ID: 0006_applied_change
"""

from canbao.migrations.sqlfile import downgrade_from, upgrade_from

revision = "0006_applied_change"
down_revision = "0005_outputs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_from(revision)


def downgrade() -> None:
    downgrade_from(revision)
