"""Platform schema: the rest of a changed row's key in the change log and journal (SQL in
include/sql/schema/0008_change_key.sql).

Revision ID: 0008_change_key
"""

from canbao.migrations.sqlfile import downgrade_from, upgrade_from

revision = "0008_change_key"
down_revision = "0007_comparison_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_from(revision)


def downgrade() -> None:
    downgrade_from(revision)
