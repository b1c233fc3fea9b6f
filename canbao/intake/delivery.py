"""Deliveries on SFTP: discovery, download with checksum, content-addressed archive, bookkeeping.

A delivery is a data file plus its completion proof (manifest or marker). A
data file without its proof is not yet delivered and is never opened. Names
come from the server's listing and must stay in their folder: anything that
looks like a path, and any symbolic link, is refused before a byte is read.

Processed files are *moved*, never deleted: to ``<inbox>/processed/<as_of>/``
(accepted, quarantined, duplicate) or ``<inbox>/rejected/<as_of>/`` (bad
deliveries), so the inbox holds only what is still to do and the department
can see what became of each file. The sha256 dedupe stays as the second
line of defence when a department drops the same bytes again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import posixpath
import stat
import tempfile
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from canbao.intake.errors import BadDelivery
from canbao.privacy import get_logger
from canbao.registry.loader import Feed

log = get_logger("canbao.intake.delivery")

MAX_MANIFEST_BYTES = 64 * 1024
READ_CHUNK = 1 << 20
PREFETCH_REQUESTS = 64
# paramiko asks 32 KiB per SFTP read; 128 KiB requests cut its per-request Python work (≈30 % faster on
# loopback) and stay under OpenSSH sftp-server's 256 KiB read cap. A server answering short would be
# caught by the SHA-256/size check against the manifest.
REQUEST_BYTES = 128 * 1024
PROCESSED, REJECTED = "processed", "rejected"


@dataclass
class Candidate:
    """A complete delivery found in a feed's folder (JSON-serialisable for XCom)."""

    feed: str
    folder: str
    file_name: str
    proof_name: str
    as_of: str | None = None          # ISO date
    bytes: int | None = None          # declared (manifest) or listed size
    rows: int | None = None           # declared data rows (manifest only)
    sha256: str | None = None         # declared (manifest only)
    listed_bytes: int | None = None
    error_code: str | None = None     # a whole-delivery fault found at discovery
    error_message: str | None = None

    @property
    def remote_path(self) -> str:
        return posixpath.join(self.folder, self.file_name)

    @property
    def proof_path(self) -> str:
        return posixpath.join(self.folder, self.proof_name)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Candidate:
        return cls(**data)

    def sort_key(self) -> tuple[str, str]:
        return (self.as_of or "9999-12-31", self.file_name)


def safe_name(name: str) -> bool:
    """A plain file name: no separators, no parent references, nothing absolute."""
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name and "\x00" not in name


def sftp_hook(feed: Feed):
    """The Airflow SFTP hook of the feed's connection (imported here: DAG parsing stays light)."""
    from airflow.providers.sftp.hooks.sftp import SFTPHook

    return SFTPHook(ssh_conn_id=feed.sftp.conn_id)


def _read_manifest(sftp, path: str) -> dict[str, Any]:
    with sftp.open(path, "rb") as fh:
        raw = fh.read(MAX_MANIFEST_BYTES + 1)
    if len(raw) > MAX_MANIFEST_BYTES:
        raise BadDelivery("MANIFEST_INVALID", "manifest larger than 64 KiB")
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadDelivery("MANIFEST_INVALID", f"not JSON: {exc.__class__.__name__}") from None
    if not isinstance(doc, dict):
        raise BadDelivery("MANIFEST_INVALID", "not a JSON object")
    return doc


def _check_manifest(feed: Feed, cand: Candidate, doc: dict[str, Any]) -> None:
    named = doc.get("file")
    if not isinstance(named, str) or not named:
        raise BadDelivery("MANIFEST_INVALID", "no 'file'")
    if not safe_name(named) or named.startswith("~"):
        raise BadDelivery("PATH_TRAVERSAL", "manifest 'file' is a path, not a file name of this folder")
    if named != cand.file_name:
        raise BadDelivery("MANIFEST_MISMATCH", f"manifest names {named!r}, delivered {cand.file_name!r}")
    try:
        cand.bytes = int(doc["bytes"])
        cand.rows = int(doc["rows"])
        cand.sha256 = str(doc["sha256"]).lower()
    except (KeyError, TypeError, ValueError):
        raise BadDelivery("MANIFEST_INVALID", "needs integer 'bytes' and 'rows' and a 'sha256'") from None
    if len(cand.sha256) != 64 or any(c not in "0123456789abcdef" for c in cand.sha256):
        raise BadDelivery("MANIFEST_INVALID", "'sha256' is not 64 hex digits")
    if feed.as_of.source == "manifest":
        try:
            cand.as_of = dt.date.fromisoformat(str(doc.get("as_of"))).isoformat()
        except ValueError:
            raise BadDelivery("NO_AS_OF", "manifest 'as_of' is not YYYY-MM-DD") from None


def feed_folders(feed: Feed, sftp) -> list[str]:
    """The feed's folder, or every folder matching it when it has glob segments (``/towns/*/returns``)."""
    parts = [p for p in feed.sftp.folder.split("/") if p]
    folders = ["/"]
    for part in parts:
        if not any(c in part for c in "*?["):
            folders = [posixpath.join(f, part) for f in folders]
            continue
        matched = []
        for f in folders:
            try:
                entries = sftp.listdir_attr(f)
            except OSError:
                continue
            matched += [posixpath.join(f, a.filename) for a in entries
                        if safe_name(a.filename) and a.st_mode is not None and stat.S_ISDIR(a.st_mode)
                        and fnmatchcase(a.filename, part)]
        folders = sorted(matched)
    return folders


def discover(feed: Feed, sftp=None) -> list[Candidate]:
    """Complete deliveries in the feed's folder, in processing order (as_of, then file name).

    Files without their proof are left alone. A delivery whose proof or name
    is unsafe comes back with ``error_code`` set, so it is reported and moved
    aside rather than silently skipped forever.
    """
    if sftp is None:
        with sftp_hook(feed).get_managed_conn() as conn:
            return discover(feed, conn)
    found: list[Candidate] = []
    globbed = any(c in feed.sftp.folder for c in "*?[")
    for folder in feed_folders(feed, sftp):
        try:
            found += _discover_in(feed, sftp, folder)
        except FileNotFoundError:
            if not globbed:  # the feed's own folder missing is a configuration fault
                raise
            # a folder matched by the glob may lack this subfolder (a town with rosters, no returns yet)
    return sorted(found, key=Candidate.sort_key)


def _discover_in(feed: Feed, sftp, folder: str) -> list[Candidate]:
    entries = {a.filename: a for a in sftp.listdir_attr(folder)}
    suffix = feed.completion.suffix
    found: list[Candidate] = []
    for name, attr in entries.items():
        if name.endswith(suffix) or name.endswith(".manifest.json") or not fnmatchcase(name, feed.sftp.pattern):
            continue
        proof_name = name + suffix
        proof = entries.get(proof_name)
        if proof is None:
            continue  # not delivered yet: never read a data file without its proof
        cand = Candidate(feed.name, folder, name, proof_name, listed_bytes=attr.st_size)
        try:
            if not safe_name(name) or not safe_name(proof_name):
                raise BadDelivery("PATH_TRAVERSAL", "file name is a path")
            for a in (attr, proof):
                if a.st_mode is not None and stat.S_ISLNK(a.st_mode):
                    raise BadDelivery("SYMLINK", f"{a.filename} is a symbolic link")
                if a.st_mode is not None and not stat.S_ISREG(a.st_mode):
                    raise BadDelivery("PATH_TRAVERSAL", f"{a.filename} is not a regular file")
            if feed.completion.proof == "manifest":
                _check_manifest(feed, cand, _read_manifest(sftp, cand.proof_path))
            else:
                cand.bytes = attr.st_size
            if feed.as_of.source == "filename":
                day = feed.as_of.from_filename(name)
                if day is None:
                    raise BadDelivery("NO_AS_OF", f"file name does not match {feed.as_of.regex}")
                cand.as_of = day.isoformat()
        except BadDelivery as bad:
            cand.error_code, cand.error_message = bad.code, str(bad)
        found.append(cand)
    return found


def archive_dir() -> Path:
    from canbao.settings import Settings

    return Settings.from_env().archive_dir


def archive_path_for(sha256: str, root: Path | None = None) -> Path:
    root = root or archive_dir()
    return root / sha256[:2] / sha256


@dataclass
class Fetched:
    sha256: str
    bytes: int
    archive_path: Path


def fetch_to_archive(feed: Feed, cand: Candidate, sftp, root: Path | None = None,
                     prefetch_requests: int = PREFETCH_REQUESTS) -> Fetched:
    """Download the data file once, hashing as it streams, into the content-addressed archive.

    The archive file is written under a temporary name beside its final place,
    then renamed and made read-only: what is archived is exactly what was
    delivered, and an archived sha256 is never rewritten.
    """
    root = root or archive_dir()
    root.mkdir(parents=True, exist_ok=True)
    lst = sftp.lstat(cand.remote_path)
    if lst.st_mode is not None and stat.S_ISLNK(lst.st_mode):
        raise BadDelivery("SYMLINK", f"{cand.file_name} is a symbolic link")
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(prefix=".incoming-", dir=root)
    try:
        with os.fdopen(fd, "wb") as out, sftp.open(cand.remote_path, "rb") as remote:
            remote.MAX_REQUEST_SIZE = REQUEST_BYTES
            remote.prefetch(lst.st_size, prefetch_requests)
            while True:
                chunk = remote.read(READ_CHUNK)
                if not chunk:
                    break
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        sha = digest.hexdigest()
        final = archive_path_for(sha, root)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            os.unlink(tmp)  # same bytes already archived: immutable, keep the first copy
        else:
            os.chmod(tmp, 0o444)
            os.replace(tmp, final)
        return Fetched(sha, size, final)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def verify(cand: Candidate, got: Fetched) -> None:
    """The bytes against their proof: a manifest must match in size and SHA-256."""
    if cand.bytes is None or cand.sha256 is None:
        return  # marker: nothing declared to compare with
    if got.bytes < cand.bytes:
        raise BadDelivery("TRUNCATED", f"{got.bytes} bytes received, {cand.bytes} declared")
    if got.bytes != cand.bytes:
        raise BadDelivery("SIZE_MISMATCH", f"{got.bytes} bytes received, {cand.bytes} declared")
    if got.sha256 != cand.sha256:
        raise BadDelivery("CHECKSUM_MISMATCH", "SHA-256 of the received bytes differs from the manifest")


def _mkdirs(sftp, path: str) -> None:
    parts = [p for p in path.split("/") if p]
    cur = ""
    for part in parts:
        cur += "/" + part
        try:
            sftp.stat(cur)
        except OSError:
            sftp.mkdir(cur)


def move_aside(cand: Candidate, sftp, where: str, tag: str = "") -> str:
    """Move data file and proof into ``<folder>/<where>/<as_of>/``; never overwrite, never delete."""
    day = cand.as_of or dt.date.today().isoformat()
    dest = posixpath.join(cand.folder, where, day)
    _mkdirs(sftp, dest)
    for name in (cand.file_name, cand.proof_name):
        if not safe_name(name):
            continue
        target = posixpath.join(dest, name)
        try:
            sftp.stat(target)
            target = posixpath.join(dest, f"{name}.{tag or dt.datetime.now().strftime('%H%M%S%f')}")
        except OSError:
            pass
        try:
            sftp.rename(posixpath.join(cand.folder, name), target)
        except OSError as exc:
            log.warning("could not move %s aside: %s", name, exc)
    return dest
