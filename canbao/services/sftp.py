"""An embedded SFTP server (asyncssh) with one chrooted drop folder per department.

It speaks the real SSH/SFTP protocol, so the platform (paramiko through the
Airflow SFTP provider), OpenSSH's ``sftp`` client and department tools all
talk to it as to a production server. Accounts:

- one per department, password auth, chrooted to ``<root>/<department>``;
- the platform's service account ``canbao``, key auth (and a password), rooted
  at ``<root>`` so it sees every department folder.

Credentials are generated at first start and kept in ``<state>/credentials.json``
(mode 600); the host key in ``<state>/ssh_host_ed25519_key``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import secrets
import signal
from dataclasses import dataclass
from pathlib import Path

import asyncssh

DEPARTMENTS = [
    "public_security",
    "civil_affairs",
    "education",
    "market_regulation",
    "tax",
    "social_insurance",
    "towns",
]
SUBFOLDERS = {"towns": []}  # towns hold <town_code>/{returns,receipts,rosters}, made as towns appear
DEFAULT_SUBFOLDERS = ["inbox", "receipts"]
PLATFORM_USER = "canbao"


@dataclass
class Account:
    username: str
    password: str
    root: str  # relative to the SFTP root; "" for the whole tree


def _hash(password: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 100_000).hex()


class SftpState:
    """Folders, accounts and keys of one SFTP server, under ``state_dir`` (files under ``root``)."""

    def __init__(self, state_dir: Path, root: Path):
        self.state_dir = Path(state_dir)
        self.root = Path(root)
        self.credentials_path = self.state_dir / "credentials.json"
        self.host_key_path = self.state_dir / "ssh_host_ed25519_key"
        self.client_key_path = self.state_dir / "canbao_id_ed25519"

    def ensure(self) -> dict:
        """Create folders, host key, platform key and passwords on first use; return credentials."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state_dir, 0o700)
        for dept in DEPARTMENTS:
            for sub in SUBFOLDERS.get(dept, DEFAULT_SUBFOLDERS):
                (self.root / dept / sub).mkdir(parents=True, exist_ok=True)
            (self.root / dept).mkdir(parents=True, exist_ok=True)
        if not self.host_key_path.exists():
            key = asyncssh.generate_private_key("ssh-ed25519")
            key.write_private_key(str(self.host_key_path))
            os.chmod(self.host_key_path, 0o600)
        if not self.client_key_path.exists():
            key = asyncssh.generate_private_key("ssh-ed25519", comment="canbao-platform")
            key.write_private_key(str(self.client_key_path), format_name="openssh")
            key.write_public_key(str(self.client_key_path) + ".pub")
            os.chmod(self.client_key_path, 0o600)
        if self.credentials_path.exists():
            creds = json.loads(self.credentials_path.read_text())
        else:
            creds = {}
        changed = False
        for user, root in [(PLATFORM_USER, "")] + [(d, d) for d in DEPARTMENTS]:
            if user not in creds:
                salt = secrets.token_hex(8)
                password = secrets.token_urlsafe(12)
                creds[user] = {"password": password, "salt": salt, "hash": _hash(password, salt), "root": root}
                changed = True
        if changed:
            tmp = self.credentials_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(creds, indent=2))
            os.chmod(tmp, 0o600)
            tmp.replace(self.credentials_path)
        return creds

    def accounts(self) -> dict[str, Account]:
        creds = self.ensure()
        return {u: Account(u, c["password"], c["root"]) for u, c in creds.items()}


class _Server(asyncssh.SSHServer):
    def __init__(self, creds: dict, client_public_key: asyncssh.SSHKey):
        self._creds = creds
        self._client_key = client_public_key

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        entry = self._creds.get(username)
        if not entry:
            return False
        return hmac.compare_digest(entry["hash"], _hash(password, entry["salt"]))

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return username == PLATFORM_USER and key.public_data == self._client_key.public_data


async def serve(state: SftpState, host: str, port: int, ready_file: Path | None = None) -> None:
    creds = state.ensure()
    client_key = asyncssh.read_public_key(str(state.client_key_path) + ".pub")
    root = state.root.resolve()

    def sftp_factory(chan: asyncssh.SSHServerChannel) -> asyncssh.SFTPServer:
        user = chan.get_extra_info("username")
        user_root = root / creds[user]["root"] if creds[user]["root"] else root
        return asyncssh.SFTPServer(chan, chroot=str(user_root))

    server = await asyncssh.create_server(
        lambda: _Server(creds, client_key),
        host, port,
        server_host_keys=[str(state.host_key_path)],
        sftp_factory=sftp_factory,
        allow_scp=False,
        # Large windows and packets: bulk file transfer is this server's whole job.
        window=8 * 1024 * 1024,
        max_pktsize=256 * 1024,
    )
    bound_port = server.sockets[0].getsockname()[1]
    if ready_file:
        ready_file.write_text(str(bound_port))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="embedded SFTP server for canbao")
    parser.add_argument("--state", required=True, type=Path)
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2222)
    parser.add_argument("--ready-file", type=Path)
    args = parser.parse_args(argv)
    asyncio.run(serve(SftpState(args.state, args.root), args.host, args.port, args.ready_file))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
