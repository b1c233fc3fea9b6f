"""Platform schema: core (SQL in include/sql/schema/0001_core.sql).

Revision ID: 0001_core
"""

from canbao.migrations.sqlfile import downgrade_from, upgrade_from

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_from(revision)


def downgrade() -> None:
    downgrade_from(revision)
