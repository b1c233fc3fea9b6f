"""Platform schema: base.run_scope without a primary key (SQL in
include/sql/schema/0014_run_scope_no_pk.sql).

Revision ID: 0014_run_scope_no_pk
"""

from canbao.migrations.sqlfile import downgrade_from, upgrade_from

revision = "0014_run_scope_no_pk"
down_revision = "0013_id_check_char"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_from(revision)


def downgrade() -> None:
    downgrade_from(revision)
