"""Run a feed's GX suite on a delivery: PostgreSQL staging rows, or pandas frames offline.

Why an ephemeral context rather than the file context under ``expectations/``:
a file context persists data sources (connection strings) into
``great_expectations.yml`` and validation results under ``uncommitted/``;
the gate must write neither into the repository. The committed suite JSON is
loaded into an in-memory context, run, masked, and only then rendered to the
delivery's Data Docs folder.

Privacy: every expectation runs with ``result_format`` BASIC,
``partial_unexpected_count`` 0 and ``include_unexpected_rows`` False, so the
results carry counts and never a value from the data; on top of that every
string in the result is passed through :func:`canbao.privacy.mask_text`
before it is stored or rendered. Failing rows are named by row number from
the gate's own SQL (see :mod:`canbao.validation.rules`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from canbao.privacy import get_logger, mask_text

log = get_logger(__name__)

RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 0, "include_unexpected_rows": False}
SITE = "canbao"


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's masked outcome: enough for reasons, receipts and the stored summary."""

    rule: str
    critical: bool
    success: bool
    expectation_type: str
    column: str | None
    unexpected_count: int | None
    element_count: int | None
    observed_value: Any
    zh: str
    en: str
    error: str | None = None
    unexpected_rows: tuple[int, ...] = ()  # source_row of failing rows (offline runs only)

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "critical": self.critical, "success": self.success,
                "type": self.expectation_type, "column": self.column,
                "unexpected_count": self.unexpected_count, "element_count": self.element_count,
                "observed_value": self.observed_value, "error": self.error}


@dataclass
class SuiteOutcome:
    success: bool
    results: list[ExpectationOutcome] = field(default_factory=list)
    data_docs: str | None = None

    @property
    def critical_failures(self) -> list[ExpectationOutcome]:
        return [r for r in self.results if r.critical and not r.success]

    @property
    def row_failures(self) -> list[ExpectationOutcome]:
        return [r for r in self.results if not r.critical and not r.success]


def _gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    return gx


def _context(data_docs_dir: Path | None):
    gx = _gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if data_docs_dir is not None:
        sites[SITE] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(data_docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            # the suite is reviewed in git; each delivery's site shows its validation only
            "site_section_builders": {"expectations": "0", "profiling": "0"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites=sites,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _suite(context, suite: Mapping[str, Any]):
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    s = ExpectationSuite(name=suite["name"], meta=dict(suite.get("meta") or {}))
    for e in suite["expectations"]:
        s.add_expectation_configuration(ExpectationConfiguration(type=e["type"], kwargs=dict(e["kwargs"]),
                                                                 meta=dict(e.get("meta") or {})))
    return context.suites.add(s)


def scrub(value: Any) -> Any:
    """Mask every string inside a (JSON-like) structure."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def _scrub_result(validation) -> None:
    """Mask in place what GX put into each result (it holds counts only; this is the second guard)."""
    for r in validation.results:
        r.result = scrub(dict(r.result or {}))
        for key in ("partial_unexpected_list", "partial_unexpected_index_list", "partial_unexpected_counts",
                    "unexpected_list", "unexpected_index_list", "unexpected_index_query", "unexpected_rows"):
            r.result.pop(key, None)
        info = dict(r.exception_info or {})
        if info:
            r.exception_info = scrub(info)


def _failing_source_rows(validation) -> list[tuple[int, ...]]:
    """``source_row`` of each result's failing rows (COMPLETE format only), taken before scrubbing."""
    out = []
    for r in validation.results:
        index = (r.result or {}).get("unexpected_index_list") or []
        out.append(tuple(sorted({int(i["source_row"]) for i in index
                                 if isinstance(i, Mapping) and i.get("source_row") is not None})))
    return out


def _outcomes(validation, suite: Mapping[str, Any], failing: list[tuple[int, ...]]) -> list[ExpectationOutcome]:
    out = []
    for r, rows in zip(validation.results, failing, strict=True):
        cfg = r.expectation_config
        meta = dict(cfg.meta or {})
        res = dict(r.result or {})
        info = dict(r.exception_info or {})
        error = mask_text(info.get("exception_message") or "") if info.get("raised_exception") else None
        observed = res.get("observed_value")
        out.append(ExpectationOutcome(
            rule=meta.get("rule", cfg.type), critical=bool(meta.get("critical", False)),
            success=bool(r.success) and not error, expectation_type=cfg.type,
            column=cfg.kwargs.get("column"), unexpected_count=res.get("unexpected_count"),
            element_count=res.get("element_count"),
            observed_value=observed if isinstance(observed, int | float | bool) or observed is None else None,
            zh=meta.get("reason_zh", cfg.type), en=meta.get("reason_en", cfg.type), error=error,
            unexpected_rows=rows,
        ))
    return out


def _finish(context, validation, suite, data_docs_dir: Path | None) -> SuiteOutcome:
    failing = _failing_source_rows(validation)
    _scrub_result(validation)
    docs = None
    if data_docs_dir is not None:
        store = context.validation_results_store
        for key in store.list_keys():
            store.set(key, validation)  # the masked result is what gets rendered
        urls = context.build_data_docs(site_names=[SITE])
        docs = str(Path(data_docs_dir) / "index.html") if urls.get(SITE) else None
    outcomes = _outcomes(validation, suite, failing)
    return SuiteOutcome(all(o.success for o in outcomes), outcomes, docs)


def run_on_postgres(db_url: str, table: str, delivery_id: int, suite: Mapping[str, Any],
                    parameters: Mapping[str, Any], data_docs_dir: Path | None = None) -> SuiteOutcome:
    """Validate the staged rows of one delivery (a query asset over ``table`` filtered by delivery).

    ``db_url`` must name a TCP host (GX refuses socket paths).
    """
    context = _context(data_docs_dir)
    source = context.data_sources.add_postgres("canbao", connection_string=db_url)
    # The delivery id is an int the platform assigned (cast here), not data from a file.
    query = f"select * from {table} where delivery_id = {int(delivery_id)}"
    asset = source.add_query_asset(f"delivery_{int(delivery_id)}", query=query)
    batch_definition = asset.add_batch_definition_whole_table("delivery")
    return _validate(context, batch_definition, suite, parameters, data_docs_dir)


def run_on_frame(frame, suite: Mapping[str, Any], parameters: Mapping[str, Any],
                 data_docs_dir: Path | None = None, name: str = "offline") -> SuiteOutcome:
    """Validate a pandas DataFrame (``canbao check``: a file tried offline, no database).

    In memory GX can name failing rows itself: result_format COMPLETE with
    ``unexpected_index_column_names=["source_row"]``; only the row numbers are
    kept, the values GX also returns are dropped before anything is rendered.
    """
    context = _context(data_docs_dir)
    source = context.data_sources.add_pandas("canbao")
    asset = source.add_dataframe_asset(name)
    batch_definition = asset.add_batch_definition_whole_dataframe("frame")
    complete = {"result_format": "COMPLETE", "unexpected_index_column_names": ["source_row"],
                "partial_unexpected_count": 0, "include_unexpected_rows": False,
                "return_unexpected_index_query": False}
    return _validate(context, batch_definition, suite, parameters, data_docs_dir, {"dataframe": frame}, complete)


def _validate(context, batch_definition, suite, parameters, data_docs_dir, batch_parameters=None,
              result_format: Mapping[str, Any] = RESULT_FORMAT) -> SuiteOutcome:
    gx = _gx()
    gx_suite = _suite(context, suite)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"gate_{suite['name']}", data=batch_definition, suite=gx_suite))
    validation = definition.run(batch_parameters=batch_parameters, expectation_parameters=dict(parameters),
                                result_format=dict(result_format))
    return _finish(context, validation, suite, data_docs_dir)
