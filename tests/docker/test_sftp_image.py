"""The SFTP drop server's image: chrooted SFTP-only accounts for every department and the platform."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SFTP = Path(__file__).resolve().parents[2] / "docker" / "sftp"
DEPARTMENTS = {"public_security", "civil_affairs", "education", "market_regulation", "tax",
               "social_insurance", "towns"}


def _accounts() -> dict[str, list[str]]:
    accounts = {}
    for line in (SFTP / "users.conf").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, uid, *folders = line.split()
            assert uid.isdigit()
            accounts[name] = folders
    return accounts


def _match_blocks() -> dict[str, dict[str, str]]:
    """sshd_config Match blocks: 'User a,b' -> {keyword (lower): value}."""
    blocks: dict[str, dict[str, str]] = {}
    current = None
    for raw in (SFTP / "sshd_config").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, value = line.partition(" ")
        if keyword == "Match":
            current = blocks.setdefault(value.strip(), {})
        elif current is not None:
            current[keyword.lower()] = value.strip()
    return blocks


def test_users_file_has_every_department_and_the_platform_account():
    accounts = _accounts()
    assert DEPARTMENTS <= set(accounts)
    assert accounts["canbao"] == ["@platform"]
    assert accounts["towns"] == ["@towns"]
    for dept in DEPARTMENTS - {"towns"}:
        assert accounts[dept] == ["inbox", "receipts"], dept


def test_departments_are_chrooted_to_their_own_folder_with_sftp_only():
    blocks = _match_blocks()
    (key,) = [k for k in blocks if k.startswith("User ") and "tax" in k]
    assert set(key.removeprefix("User ").split(",")) == DEPARTMENTS
    block = blocks[key]
    assert block["chrootdirectory"] == "/srv/sftp/%u"
    assert block["forcecommand"].startswith("internal-sftp")
    assert block["allowtcpforwarding"] == "no"


def test_platform_account_is_chrooted_at_the_root_and_uses_keys_only():
    block = _match_blocks()["User canbao"]
    assert block["chrootdirectory"] == "/srv/sftp"
    assert block["forcecommand"].startswith("internal-sftp")
    assert block["passwordauthentication"] == "no"
    assert block["allowtcpforwarding"] == "no"


def test_global_config_allows_nothing_but_sftp():
    text = (SFTP / "sshd_config").read_text()
    for line in ("Subsystem sftp internal-sftp", "AllowTcpForwarding no", "X11Forwarding no",
                 "PermitTunnel no", "PermitRootLogin no", "PermitTTY no"):
        assert line in text, line


@pytest.mark.skipif(not Path("/usr/sbin/sshd").exists(), reason="openssh-server not installed")
def test_sshd_accepts_the_config(tmp_path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "hostkey")], check=True)
    config = (SFTP / "sshd_config").read_text().replace("/etc/ssh/keys/ssh_host_ed25519_key", str(tmp_path / "hostkey"))
    (tmp_path / "sshd_config").write_text(config)
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory sshd -t insists on

    result = subprocess.run(["/usr/sbin/sshd", "-t", "-f", str(tmp_path / "sshd_config")], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_entrypoint_passes_shellcheck():
    result = subprocess.run(["shellcheck", str(SFTP / "entrypoint.sh")], capture_output=True, text=True)

    assert result.returncode == 0, result.stdout


def test_entrypoint_is_valid_bash_and_execs_the_command():
    subprocess.run(["bash", "-n", str(SFTP / "entrypoint.sh")], check=True)
    assert (SFTP / "entrypoint.sh").read_text().rstrip().endswith('exec "$@"')


def test_image_runs_sshd_in_the_foreground_through_the_entrypoint():
    text = (SFTP / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["/usr/local/bin/sftp-entrypoint"]' in text
    assert 'CMD ["/usr/sbin/sshd", "-D", "-e"]' in text
