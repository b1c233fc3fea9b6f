"""Every migration goes back as well as forward: an operator can roll a release back. Downgrading a
migrated database to nothing leaves no platform schema, and upgrading again reaches the head."""

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from canbao.db import alembic_config, engine, migrate


def _platform_schemas(url: str) -> set[str]:
    with engine(url).connect() as conn:
        return set(conn.execute(sa.text(
            "select nspname from pg_namespace where nspname not like 'pg\\_%' "
            "and nspname not in ('information_schema', 'public')")).scalars())


def _revision(url: str) -> str | None:
    with engine(url).connect() as conn:
        if conn.execute(sa.text("select to_regclass('public.alembic_version')")).scalar_one() is None:
            return None
        return conn.execute(sa.text("select version_num from alembic_version")).scalar_one_or_none()


def test_down_to_nothing_and_up_again(fresh_db_url):
    config = alembic_config(fresh_db_url)
    head = ScriptDirectory.from_config(config).get_current_head()
    assert _revision(fresh_db_url) == head
    assert {"base", "curated", "publication"} <= _platform_schemas(fresh_db_url)

    command.downgrade(config, "base")
    assert _revision(fresh_db_url) is None
    assert _platform_schemas(fresh_db_url) == set()

    migrate(fresh_db_url)
    assert _revision(fresh_db_url) == head
    with engine(fresh_db_url).connect() as conn:  # 0014 applied again: run_scope has no key
        assert conn.execute(sa.text(
            "select count(*) from pg_constraint where conname = 'run_scope_pkey'")).scalar_one() == 0
