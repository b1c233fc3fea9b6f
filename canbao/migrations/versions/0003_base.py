"""Platform schema: base (SQL in include/sql/schema/0003_base.sql).

Revision ID: 0003_base
"""

from canbao.migrations.sqlfile import downgrade_from, upgrade_from

revision = "0003_base"
down_revision = '0002a_gate'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_from(revision)


def downgrade() -> None:
    downgrade_from(revision)
