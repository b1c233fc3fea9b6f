"""Platform schema: publication (SQL in include/sql/schema/0004_publication.sql).

Revision ID: 0004_publication
"""

from canbao.migrations.sqlfile import downgrade_from, upgrade_from

revision = "0004_publication"
down_revision = '0003_base'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_from(revision)


def downgrade() -> None:
    downgrade_from(revision)
