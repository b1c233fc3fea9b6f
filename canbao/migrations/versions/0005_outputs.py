"""Platform schema: the outputs' tables (SQL in include/sql/outputs/output_schema.sql, idempotent).

Revision ID: 0005_outputs
"""

from alembic import op

from canbao.paths import read_sql

revision = "0005_outputs"
down_revision = "0004_publication"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(read_sql("outputs/output_schema.sql"))


def downgrade() -> None:
    op.execute("drop table if exists base.output_indicator, base.dispatch_table2, base.dispatch_table1, base.output")
