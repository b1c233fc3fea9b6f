"""Platform schema: lz4 compression of the wide jsonb columns (SQL in
include/sql/schema/0009_lz4.sql).

Revision ID: 0009_lz4
"""

from canbao.migrations.sqlfile import downgrade_from, upgrade_from

revision = "0009_lz4"
down_revision = "0008_change_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_from(revision)


def downgrade() -> None:
    downgrade_from(revision)
