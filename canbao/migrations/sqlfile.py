"""Migrations run the reviewed SQL of include/sql/schema/<revision>.sql (and <revision>.down.sql)."""

from alembic import op

from canbao.paths import SQL_DIR


def _run(name: str) -> None:
    path = SQL_DIR / "schema" / name
    if path.is_file():
        op.execute(path.read_text(encoding="utf-8"))


def upgrade_from(revision: str) -> None:
    _run(f"{revision}.sql")


def downgrade_from(revision: str) -> None:
    _run(f"{revision}.down.sql")
