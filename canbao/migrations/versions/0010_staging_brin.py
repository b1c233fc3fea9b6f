"""Platform schema: staging tables indexed by BRIN on delivery_id (SQL in
include/sql/schema/0010_staging_brin.sql).

Revision ID: 0010_staging_brin
"""

from canbao.migrations.sqlfile import downgrade_from, upgrade_from

revision = "0010_staging_brin"
down_revision = "0009_lz4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_from(revision)


def downgrade() -> None:
    downgrade_from(revision)
