"""Platform schema: indexes on the data dates every run reads (SQL in
include/sql/schema/0011_as_of_indexes.sql).

Revision ID: 0011_as_of_indexes
"""

from canbao.migrations.sqlfile import downgrade_from, upgrade_from

revision = "0011_as_of_indexes"
down_revision = "0010_staging_brin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_from(revision)


def downgrade() -> None:
    downgrade_from(revision)
