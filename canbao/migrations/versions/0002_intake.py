"""Platform schema: intake (SQL in include/sql/schema/0002_intake.sql).

Revision ID: 0002_intake
"""

from canbao.migrations.sqlfile import downgrade_from, upgrade_from

revision = "0002_intake"
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_from(revision)


def downgrade() -> None:
    downgrade_from(revision)
