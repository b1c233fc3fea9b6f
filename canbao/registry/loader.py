"""Load and validate the feed registry (config/feeds/*.yaml, schema in config/feeds/README.md).

Onboarding a department feed is configuration only, so the loader is the one
place that refuses a bad entry: every error names the file and the key, and a
feed that loads is one intake can run without further checks.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from canbao.paths import FEEDS_DIR
from canbao.registry.targets import TARGETS, Target

DEPARTMENTS = ("public_security", "civil_affairs", "education", "market_regulation", "tax",
               "social_insurance", "towns")
ENCODINGS = ("gbk", "gb18030", "utf-8", "utf-8-sig", "detect")
FORMAT_TYPES = ("csv", "fixed_width", "excel")
KINDS = ("snapshot", "change")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_DURATION_RE = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


class RegistryError(ValueError):
    """A feed file that breaks the registry schema; the message names the file and the key."""

    def __init__(self, file: str | Path, key: str, message: str):
        self.file, self.key = str(file), key
        super().__init__(f"{Path(file).name}: {key}: {message}")


@dataclass(frozen=True)
class SftpSpec:
    conn_id: str
    folder: str
    pattern: str
    receipts: str


@dataclass(frozen=True)
class CompletionSpec:
    proof: str  # manifest | marker
    suffix: str


@dataclass(frozen=True)
class AsOfSpec:
    source: str  # manifest | filename  (YAML key ``from``)
    regex: str | None = None
    format: str | None = None

    def from_filename(self, file_name: str) -> dt.date | None:
        """The data date read from a file name, or None when the name does not carry it."""
        if not self.regex:
            return None
        match = re.search(self.regex, file_name)
        if not match:
            return None
        try:
            return dt.datetime.strptime(match.group(1), self.format or "%Y%m%d").date()
        except ValueError:
            return None


@dataclass(frozen=True)
class FormatSpec:
    type: str
    encoding: str
    delimiter: str = ","
    quotechar: str | None = '"'
    header: bool = True
    skip_rows: int = 0
    sheet: str | int | None = None
    fields: dict[str, tuple[int, int]] = field(default_factory=dict)  # fixed width: column -> (start, width)


@dataclass(frozen=True)
class ColumnSpec:
    """How one canonical field is read: its source column and optional conversion rules."""

    field: str
    column: str | int
    map: dict[str, Any] | None = None
    date_format: str | None = None


@dataclass(frozen=True)
class ScheduleSpec:
    expected: str | None = None
    grace: dt.timedelta = dt.timedelta(hours=6)


@dataclass(frozen=True)
class GateSpec:
    suite: str
    max_reject_share: float = 0.01
    volume_band: float | None = 0.2
    strict_identity: bool = False


@dataclass(frozen=True)
class Feed:
    name: str
    department: str
    title: str
    contact: str
    target: str
    kind: str
    sftp: SftpSpec
    completion: CompletionSpec
    as_of: AsOfSpec
    format: FormatSpec
    columns: dict[str, ColumnSpec]
    constants: dict[str, Any]
    schedule: ScheduleSpec
    gate: GateSpec
    path: Path | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def target_def(self) -> Target:
        return TARGETS[self.target]

    @property
    def dag_id(self) -> str:
        return f"intake__{self.name}"

    @property
    def asset_uri(self) -> str:
        return f"canbao://curated/{self.name}"

    def proof_name(self, data_file: str) -> str:
        return data_file + self.completion.suffix


def parse_duration(text: str) -> dt.timedelta:
    """ISO 8601 duration limited to days/hours/minutes/seconds (``PT6H``, ``P1DT2H``)."""
    m = _DURATION_RE.match(str(text))
    if not m or not any(m.groups()):
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    d, h, mi, s = (int(g or 0) for g in m.groups())
    return dt.timedelta(days=d, hours=h, minutes=mi, seconds=s)


def _need(doc: dict, key: str, file: Path, prefix: str = "") -> Any:
    if not isinstance(doc, dict) or key not in doc or doc[key] is None:
        raise RegistryError(file, prefix + key, "is required")
    return doc[key]


def _section(doc: dict, key: str, file: Path, required: bool = True) -> dict:
    value = doc.get(key)
    if value is None:
        if required:
            raise RegistryError(file, key, "is required")
        return {}
    if not isinstance(value, dict):
        raise RegistryError(file, key, "must be a mapping")
    return value


def _absolute(value: Any, file: Path, key: str) -> str:
    text = str(value)
    if not text.startswith("/") or ".." in text.split("/"):
        raise RegistryError(file, key, f"must be an absolute folder without '..', got {text!r}")
    return text.rstrip("/") or "/"


def _column_ref(value: Any, header: bool, file: Path, key: str) -> str | int:
    if isinstance(value, bool) or value is None:
        raise RegistryError(file, key, "must name a source column")
    if header or isinstance(value, str) and not str(value).isdigit():
        return str(value)
    try:
        index = int(value)
    except (TypeError, ValueError):
        raise RegistryError(file, key, "must be a 0-based column index when header: false") from None
    if index < 0:
        raise RegistryError(file, key, "column index must be >= 0")
    return index


def parse_feed(doc: Any, file: Path) -> Feed:
    """One registry entry, validated (everything but name uniqueness, which needs all files)."""
    if not isinstance(doc, dict):
        raise RegistryError(file, "<root>", "a feed file holds one mapping")
    name = str(_need(doc, "name", file))
    if not _NAME_RE.match(name):
        raise RegistryError(file, "name", f"must match [a-z][a-z0-9_]*, got {name!r}")
    department = str(_need(doc, "department", file))
    if department not in DEPARTMENTS:
        raise RegistryError(file, "department", f"unknown department {department!r}; one of {', '.join(DEPARTMENTS)}")
    target_name = str(_need(doc, "target", file))
    if target_name not in TARGETS:
        raise RegistryError(file, "target", f"unknown target {target_name!r}")
    target = TARGETS[target_name]
    kind = str(doc.get("kind") or target.kind)
    if kind not in KINDS:
        raise RegistryError(file, "kind", f"must be snapshot or change, got {kind!r}")

    s = _section(doc, "sftp", file)
    pattern = str(_need(s, "pattern", file, "sftp."))
    if "/" in pattern or "\\" in pattern or pattern in ("", ".", ".."):
        raise RegistryError(file, "sftp.pattern", f"must be a plain glob without '/', got {pattern!r}")
    folder = _absolute(_need(s, "folder", file, "sftp."), file, "sftp.folder")
    receipts = _absolute(s.get("receipts") or folder.rsplit("/", 1)[0] + "/receipts", file, "sftp.receipts")
    sftp = SftpSpec(str(s.get("conn_id") or "canbao_sftp"), folder, pattern, receipts)

    c = _section(doc, "completion", file, required=False)
    proof = str(c.get("proof") or "manifest")
    if proof not in ("manifest", "marker"):
        raise RegistryError(file, "completion.proof", f"must be manifest or marker, got {proof!r}")
    suffix = str(c.get("suffix") or (".manifest.json" if proof == "manifest" else ".ok"))
    if "/" in suffix or not suffix:
        raise RegistryError(file, "completion.suffix", "must be a plain file-name suffix")
    sample = pattern.replace("*", "a").replace("?", "a").replace("[", "").replace("]", "")
    if fnmatchcase(sample + suffix, pattern):
        raise RegistryError(file, "sftp.pattern", f"must not match the proof files (*{suffix})")
    completion = CompletionSpec(proof, suffix)

    a = _section(doc, "as_of", file, required=False)
    source = str(a.get("from") or ("manifest" if proof == "manifest" else "filename"))
    if source not in ("manifest", "filename"):
        raise RegistryError(file, "as_of.from", f"must be manifest or filename, got {source!r}")
    if source == "manifest" and proof != "manifest":
        raise RegistryError(file, "as_of.from", "a marker carries no as_of: use from: filename")
    regex = a.get("regex")
    if source == "filename":
        if not regex:
            raise RegistryError(file, "as_of.regex", "is required with from: filename")
        try:
            if re.compile(str(regex)).groups < 1:
                raise RegistryError(file, "as_of.regex", "needs one capturing group")
        except re.error as exc:
            raise RegistryError(file, "as_of.regex", f"invalid regular expression: {exc}") from None
    as_of = AsOfSpec(source, str(regex) if regex else None, str(a.get("format") or "%Y%m%d"))

    f = _section(doc, "format", file)
    ftype = str(_need(f, "type", file, "format."))
    if ftype not in FORMAT_TYPES:
        raise RegistryError(file, "format.type", f"must be one of {', '.join(FORMAT_TYPES)}, got {ftype!r}")
    encoding = str(f.get("encoding") or "utf-8").lower()
    if encoding not in ENCODINGS:
        raise RegistryError(file, "format.encoding", f"must be one of {', '.join(ENCODINGS)}, got {encoding!r}")
    delimiter = f.get("delimiter", ",")
    if ftype == "csv" and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise RegistryError(file, "format.delimiter", f"must be one character, got {delimiter!r}")
    quotechar = f.get("quotechar", '"')
    if quotechar is not None and (not isinstance(quotechar, str) or len(quotechar) != 1):
        raise RegistryError(file, "format.quotechar", "must be one character or null")
    header = f.get("header", True)
    if not isinstance(header, bool):
        raise RegistryError(file, "format.header", "must be true or false")
    skip_rows = f.get("skip_rows", 0) or 0
    if not isinstance(skip_rows, int) or skip_rows < 0:
        raise RegistryError(file, "format.skip_rows", "must be a whole number >= 0")
    widths: dict[str, tuple[int, int]] = {}
    if ftype == "fixed_width":
        raw_fields = f.get("fields")
        if not isinstance(raw_fields, dict) or not raw_fields:
            raise RegistryError(file, "format.fields", "fixed_width needs column -> [start, width]")
        for col, spec in raw_fields.items():
            if (not isinstance(spec, (list, tuple)) or len(spec) != 2
                    or not all(isinstance(x, int) and not isinstance(x, bool) for x in spec)
                    or spec[0] < 0 or spec[1] <= 0):
                raise RegistryError(file, f"format.fields.{col}", "must be [start, width] (0-based characters)")
            widths[str(col)] = (spec[0], spec[1])
        header = False if "header" not in f else header
    fmt = FormatSpec(ftype, encoding, str(delimiter or ","), quotechar, header, skip_rows, f.get("sheet"), widths)

    cols_doc = _section(doc, "columns", file)
    constants = dict(_section(doc, "constants", file, required=False))
    known = set(target.field_names)
    columns: dict[str, ColumnSpec] = {}
    for fname, spec in cols_doc.items():
        key = f"columns.{fname}"
        if fname not in known:
            raise RegistryError(file, key, f"unknown canonical field for target {target.name}")
        if isinstance(spec, dict):
            ref = spec.get("column")
            vmap = spec.get("map")
            if vmap is not None and not isinstance(vmap, dict):
                raise RegistryError(file, key + ".map", "must be a mapping")
            date_format = spec.get("date_format")
            unknown = set(spec) - {"column", "map", "date_format"}
            if unknown:
                raise RegistryError(file, key, f"unknown keys {sorted(unknown)}")
        else:
            ref, vmap, date_format = spec, None, None
        by_name = fmt.header or ftype == "fixed_width"
        ref = _column_ref(ref, by_name, file, key + ".column" if isinstance(spec, dict) else key)
        if ftype == "fixed_width" and str(ref) not in widths:
            raise RegistryError(file, key, f"column {ref!r} is not in format.fields")
        if date_format is not None:
            try:
                dt.datetime.now().strftime(str(date_format))
            except ValueError:
                raise RegistryError(file, key + ".date_format", "invalid strptime format") from None
        normal_map = None if vmap is None else {str(k).strip(): v for k, v in vmap.items()}
        columns[fname] = ColumnSpec(fname, ref, normal_map, str(date_format) if date_format else None)
    for fname in constants:
        if fname not in known:
            raise RegistryError(file, f"constants.{fname}", f"unknown canonical field for target {target.name}")
        if fname in columns:
            raise RegistryError(file, f"constants.{fname}", "is mapped by columns too")
    for fld in target.fields:
        if fld.required and fld.name not in columns and fld.name not in constants:
            raise RegistryError(file, f"columns.{fld.name}", f"required field of target {target.name} is not mapped")

    sch = _section(doc, "schedule", file, required=False)
    try:
        grace = parse_duration(sch.get("grace") or "PT6H")
    except ValueError as exc:
        raise RegistryError(file, "schedule.grace", str(exc)) from None
    expected = sch.get("expected")
    if expected is not None and len(str(expected).split()) != 5:
        raise RegistryError(file, "schedule.expected", f"must be a 5-field cron expression, got {expected!r}")

    g = _section(doc, "gate", file, required=False)
    try:
        gate = GateSpec(
            suite=str(g.get("suite") or name),
            max_reject_share=float(g.get("max_reject_share", 0.01)),
            volume_band=None if g.get("volume_band", 0.2) is None else float(g.get("volume_band", 0.2)),
            strict_identity=bool(g.get("strict_identity", False)),
        )
    except (TypeError, ValueError):
        raise RegistryError(file, "gate", "max_reject_share and volume_band must be numbers") from None

    return Feed(
        name=name, department=department, title=str(doc.get("title") or name),
        contact=str(doc.get("contact") or ""), target=target_name, kind=kind, sftp=sftp,
        completion=completion, as_of=as_of, format=fmt, columns=columns, constants=constants,
        schedule=ScheduleSpec(str(expected) if expected else None, grace), gate=gate, path=file, raw=doc,
    )


def feeds_dir() -> Path:
    """The registry folder: ``CANBAO_FEEDS_DIR`` when set (tests, other deployments), else config/feeds."""
    return Path(os.environ.get("CANBAO_FEEDS_DIR") or FEEDS_DIR)


def load_registry(path: str | Path | None = None) -> dict[str, Feed]:
    """Every feed of the registry folder (``*.yaml``/``*.yml``), by name; refuses the first bad file."""
    folder = Path(path) if path is not None else feeds_dir()
    feeds: dict[str, Feed] = {}
    files = sorted(list(folder.glob("*.yaml")) + list(folder.glob("*.yml")))
    for file in files:
        try:
            doc = yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise RegistryError(file, "<yaml>", f"not valid YAML: {exc}") from None
        feed = parse_feed(doc, file)
        if feed.name in feeds:
            raise RegistryError(file, "name", f"{feed.name!r} is already defined in {feeds[feed.name].path.name}")
        feeds[feed.name] = feed
    return feeds


def get_feed(name: str, path: str | Path | None = None) -> Feed:
    feeds = load_registry(path)
    if name not in feeds:
        raise KeyError(f"no feed {name!r} in the registry ({', '.join(sorted(feeds)) or 'empty'})")
    return feeds[name]
