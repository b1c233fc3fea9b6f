"""Deliver the towns' survey rosters into ``/towns/<town_code>/rosters/`` over SFTP.

The platform's service account sees every department folder. The connection is the
Airflow connection ``canbao_sftp`` (``AIRFLOW_CONN_CANBAO_SFTP``, JSON or URI form);
the transfer itself is plain paramiko so it runs the same inside a task or from the CLI.
A file is written as ``<name>.part`` and renamed when complete, so a town never opens
half a workbook.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import paramiko

from canbao.privacy import get_logger

log = get_logger(__name__)


@dataclass
class SftpTarget:
    host: str
    port: int
    username: str
    key_file: str | None = None
    password: str | None = None


def conn_from_airflow(conn_id: str = "canbao_sftp") -> SftpTarget:
    """The SFTP target from ``AIRFLOW_CONN_<CONN_ID>`` (Airflow's JSON or URI connection form)."""
    raw = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
    if not raw:
        raise RuntimeError(f"AIRFLOW_CONN_{conn_id.upper()} is not set")
    raw = raw.strip()
    if raw.startswith("{"):
        data = json.loads(raw)
        extra = data.get("extra") or {}
        if isinstance(extra, str):
            extra = json.loads(extra)
        return SftpTarget(data["host"], int(data.get("port") or 22), data.get("login") or "canbao",
                          extra.get("key_file"), data.get("password"))
    url = urlsplit(raw)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    return SftpTarget(url.hostname or "", url.port or 22, unquote(url.username or "canbao"),
                      query.get("key_file"), unquote(url.password) if url.password else None)


def _mkdirs(sftp: paramiko.SFTPClient, folder: str) -> None:
    path = "/"
    for part in [p for p in folder.split("/") if p]:
        path = posixpath.join(path, part)
        try:
            sftp.stat(path)
        except FileNotFoundError:
            sftp.mkdir(path)


def upload_files(target: SftpTarget, files: Iterable[tuple[Path, str]]) -> list[str]:
    """Upload (local file, remote path) pairs; returns the remote paths written."""
    client = paramiko.SSHClient()
    # The platform's own server; the Airflow connection sets no_host_key_check for it.
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # noqa: S507
    client.connect(target.host, port=target.port, username=target.username, key_filename=target.key_file,
                   password=target.password, look_for_keys=False, allow_agent=False, timeout=30)
    written: list[str] = []
    try:
        sftp = client.open_sftp()
        for local, remote in files:
            _mkdirs(sftp, posixpath.dirname(remote))
            part = remote + ".part"
            sftp.put(str(local), part)
            try:
                sftp.remove(remote)
            except FileNotFoundError:
                pass
            sftp.rename(part, remote)
            written.append(remote)
            log.info("delivered %s", remote)
        sftp.close()
    finally:
        client.close()
    return written


def roster_remote_path(town_code: str, file_name: str) -> str:
    return f"/towns/{town_code}/rosters/{file_name}"
