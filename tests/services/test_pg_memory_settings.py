"""The local cluster's memory and WAL settings (canbao.conf) are rewritten at every start, so a
cluster made by an older release gets them, and ALTER SYSTEM still overrides them."""

import os

import psycopg2

from canbao.services.postgres import PgCluster
from canbao.services.process import free_port


def _show(cluster: PgCluster, name: str) -> str:
    conn = psycopg2.connect(cluster.dsn("postgres"))
    try:
        with conn.cursor() as cur:
            cur.execute(f"show {name}")
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_settings_follow_the_cluster_object_at_each_start_and_alter_system_wins(test_root):
    data = test_root / "pg-memory"
    cluster = PgCluster(data, free_port(), durable=False, shared_buffers="160MB")
    cluster.start()
    try:
        assert _show(cluster, "shared_buffers") == "160MB"
        assert _show(cluster, "wal_buffers") == "64MB"
        assert _show(cluster, "max_wal_size") == "8GB"
    finally:
        cluster.stop(mode="immediate")

    # the same data folder started by a cluster object asking for more: the new size applies
    bigger = PgCluster(data, free_port(), durable=False, shared_buffers="192MB")
    bigger.start()
    try:
        assert _show(bigger, "shared_buffers") == "192MB"
        conn = psycopg2.connect(bigger.dsn("postgres"))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("alter system set shared_buffers = '144MB'")
        conn.close()
    finally:
        bigger.stop(mode="immediate")

    bigger.start()
    try:
        assert _show(bigger, "shared_buffers") == "144MB"  # an engineer's ALTER SYSTEM is kept
        assert (bigger.pgdata / "postgresql.conf").read_text().count("include_if_exists = 'canbao.conf'") == 1
    finally:
        bigger.stop(mode="immediate")



def test_platform_shared_buffers_is_a_quarter_of_memory_within_bounds_unless_configured(monkeypatch):
    from canbao import settings
    from canbao.services import postgres

    configured: dict[str, str] = {}
    monkeypatch.setattr(settings, "getenv", lambda name, default=None: configured.get(name, default))
    for memory_gib, expected in ((2, "1024MB"), (8, "2048MB"), (23, "4096MB"), (64, "4096MB")):
        monkeypatch.setattr(postgres, "_memory_bytes", lambda g=memory_gib: g * 2**30)
        assert postgres.platform_shared_buffers() == expected
    configured["CANBAO_PG_SHARED_BUFFERS"] = "768MB"
    assert postgres.platform_shared_buffers() == "768MB"


def test_memory_is_the_lower_of_the_machine_and_its_cgroup():
    from canbao.services.postgres import _memory_bytes

    assert 0 < _memory_bytes() <= os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
