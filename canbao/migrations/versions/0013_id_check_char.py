"""Platform schema: the ID check character as one inlinable expression (SQL in
include/sql/schema/0013_id_check_char.sql).

Revision ID: 0013_id_check_char
"""

from canbao.migrations.sqlfile import downgrade_from, upgrade_from

revision = "0013_id_check_char"
down_revision = "0012_jsonb_statistics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_from(revision)


def downgrade() -> None:
    downgrade_from(revision)
