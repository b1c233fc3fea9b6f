"""The quality gate between staging and curated (docs/ARCHITECTURE.md, "Flow").

- :mod:`canbao.validation.rules` — the rules, once: GX expectations + the SQL that names failing rows
  and promotes (``python -m canbao.validation.suites --write`` regenerates the suites and that SQL);
- :mod:`canbao.validation.gate` — ``run_gate``: GX on the delivery's staging rows, rejects, decision;
- :mod:`canbao.validation.promote` — ``promote`` / ``quarantine`` / ``release`` (one transaction each);
- :mod:`canbao.validation.receipt` — receipts (回执) to department contacts, SFTP + mail;
- :mod:`canbao.validation.lateness` — late feeds for the ``feed_lateness`` DAG;
- :mod:`canbao.validation.offline` — the same suite on DataFrames for ``canbao check``;
- :mod:`canbao.validation.bench` — the gate's cost against one hand-written query (``make bench``).
"""
