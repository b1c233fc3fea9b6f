"""Platform schema: the quality gate's tables (SQL in include/sql/schema/0002a_gate.sql).

Revision ID: 0002a_gate

Sits right after 0002_intake: its tables reference intake.delivery only.
"""

from canbao.migrations.sqlfile import downgrade_from, upgrade_from

revision = "0002a_gate"
down_revision = "0002_intake"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_from(revision)


def downgrade() -> None:
    downgrade_from(revision)
