"""The local stand-ins behave like the real services they replace."""

import paramiko
import pytest
import sqlalchemy as sa


def test_platform_database_is_migrated_with_append_only_audit(fresh_db_url):
    from canbao import audit

    engine = sa.create_engine(fresh_db_url)
    with engine.begin() as conn:
        audit.record(conn, "test", "subject", {"note": "id 11010519491231002X"})
    with engine.begin() as conn:
        detail = conn.execute(sa.text("select detail->>'note' from audit.event")).scalar_one()
    assert detail == "id 110105********002X"
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text("delete from audit.event"))
    engine.dispose()


def _sftp(server, user, **auth):
    transport = paramiko.Transport((server.host, server.port))
    transport.connect(username=user, **auth)
    return transport, paramiko.SFTPClient.from_transport(transport)


def test_department_account_is_chrooted_to_its_own_folder(sftp_server):
    transport, sftp = _sftp(sftp_server, "tax", password=sftp_server.password("tax"))
    try:
        assert sorted(sftp.listdir("/")) == ["inbox", "receipts"]
        assert sorted(sftp.listdir("/../..")) == ["inbox", "receipts"]
    finally:
        transport.close()


def test_department_password_is_refused_when_wrong(sftp_server):
    with pytest.raises(paramiko.AuthenticationException):
        _sftp(sftp_server, "tax", password="wrong")


def test_platform_account_sees_every_department_with_its_key(sftp_server):
    key = paramiko.Ed25519Key.from_private_key_file(str(sftp_server.platform_key))
    transport, sftp = _sftp(sftp_server, "canbao", pkey=key)
    try:
        assert {"public_security", "civil_affairs", "education", "market_regulation", "tax",
                "social_insurance", "towns"} <= set(sftp.listdir("/"))
    finally:
        transport.close()


def test_audit_trail_is_queryable_by_kind_and_subject(fresh_db_url):
    from canbao import audit
    from canbao.audit_cli import query

    engine = sa.create_engine(fresh_db_url)
    with engine.begin() as conn:
        audit.record(conn, "gate_decision", "delivery:1", {"outcome": "ACCEPT"})
        audit.record(conn, "batch_sent", "batch:abc", {"seq": 1})
    with engine.connect() as conn:
        events = query(conn, kinds=["batch_sent"])
        by_subject = query(conn, subject="delivery:")
    engine.dispose()
    assert [e["subject"] for e in events] == ["batch:abc"]
    assert [e["kind"] for e in by_subject] == ["gate_decision"]
