"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
"""

from canbao.migrations.sqlfile import upgrade_from, downgrade_from

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}


def upgrade() -> None:
    upgrade_from(revision)


def downgrade() -> None:
    downgrade_from(revision)
