"""`canbao demo` (make demo): the whole platform on a sample city, on this machine.

1. starts the local stack (both PostgreSQL clusters, SFTP, SMTP catcher,
   provincial sandbox, Airflow's scheduler, dag-processor, api-server, triggerer);
2. generates the sample city (kept, truth included, under .local/demo/city/);
3. seeds the provincial sandbox with the city's people insured elsewhere;
4. drops day 0's exports into the departments' SFTP folders, as each
   department contact would (data file first, its proof last);
5. triggers the intake DAGs through Airflow's API and waits while Airflow's
   own scheduler carries the deliveries through the gate, the comparison and
   the publication (asset-triggered);
6. does the same for each following day of change files (only the delta is published);
7. says what ran and where to look.

Running it again reuses the services and the city; deliveries already
processed are recognised by their SHA-256 and not loaded twice.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import time
from pathlib import Path

import httpx

from canbao.privacy import get_logger
from canbao.settings import canbao_home

log = get_logger(__name__)

PROOF_SUFFIXES = (".manifest.json", ".ok")
_DATE_IN_NAME = re.compile(r"(20\d{2})(\d{2})(\d{2})")


def register(sub) -> None:
    p = sub.add_parser("demo", help="run the whole platform on a sample city (what `make demo` runs)")
    p.add_argument("--persons", type=int, default=2000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--days", type=int, default=1, help="days of change files after the initial snapshot")
    p.add_argument("--timeout", type=float, default=900, help="seconds to wait for each pipeline stage")
    p.set_defaults(func=_main)


# -- the city's deliveries ------------------------------------------------------------------------

def delivery_day(proof: Path) -> dt.date | None:
    """The data date of a delivery: its manifest's as_of, else a date in the file name."""
    if proof.name.endswith(".manifest.json"):
        return dt.date.fromisoformat(json.loads(proof.read_text(encoding="utf-8"))["as_of"])
    m = _DATE_IN_NAME.search(proof.name)
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def deliveries_by_day(city: Path) -> dict[dt.date, list[tuple[str, Path, Path]]]:
    """{as_of: [(sftp folder, data file, proof file)]} for every department drop in the city folder."""
    days: dict[dt.date, list[tuple[str, Path, Path]]] = {}
    for proof in sorted(city.rglob("*")):
        if proof.is_dir() or not proof.name.endswith(PROOF_SUFFIXES) or "_truth" in proof.parts:
            continue
        suffix = next(s for s in PROOF_SUFFIXES if proof.name.endswith(s))
        data = proof.with_name(proof.name[: -len(suffix)])
        if not data.is_file():
            continue
        rel = proof.parent.relative_to(city)
        if rel.parts[0].startswith("_"):
            continue
        day = delivery_day(proof)
        if day is not None:
            days.setdefault(day, []).append(("/" + "/".join(rel.parts), data, proof))
    return dict(sorted(days.items()))


def upload(stack, folder: str, data: Path, proof: Path) -> None:
    """Drop one delivery as its department's contact: data under a temporary name, renamed, then the proof."""
    import paramiko

    department = folder.strip("/").split("/")[0]
    accounts = stack.sftp_state.accounts()
    transport = paramiko.Transport((stack.host, stack.ports.sftp))
    transport.connect(username=department, password=accounts[department].password)
    sftp = paramiko.SFTPClient.from_transport(transport)
    try:
        inner = "/" + "/".join(folder.strip("/").split("/")[1:])  # the department sees its folder as /
        _makedirs(sftp, inner)
        for path in (data, proof):
            target = f"{inner.rstrip('/')}/{path.name}"
            try:
                sftp.stat(target)
                continue  # already dropped
            except FileNotFoundError:
                pass
            sftp.put(str(path), target + ".part")
            sftp.posix_rename(target + ".part", target)
    finally:
        transport.close()


def _makedirs(sftp, path: str) -> None:
    current = ""
    for part in [p for p in path.split("/") if p]:
        current += "/" + part
        try:
            sftp.stat(current)
        except FileNotFoundError:
            sftp.mkdir(current)


# -- the run --------------------------------------------------------------------------------------

def _main(args) -> int:
    from canbao.services.airflow_api import AirflowApi
    from canbao.services.stack import Stack

    t0 = time.monotonic()
    home = canbao_home()
    stack = Stack(home)
    print("» starting the local stack (PostgreSQL ×2, SFTP, SMTP catcher, provincial sandbox, Airflow)", flush=True)
    stack.up()

    city = home / "demo" / "city"
    stamp = home / "demo" / "city.json"
    wanted = {"persons": args.persons, "seed": args.seed, "days": args.days}
    if not stamp.exists() or json.loads(stamp.read_text()) != wanted:
        from canbao.generate import generate_city

        print(f"» generating the sample city: {args.persons} persons, seed {args.seed}, {args.days} day(s) of changes",
              flush=True)
        shutil.rmtree(city, ignore_errors=True)
        generate_city(city, persons=args.persons, seed=args.seed, days=args.days)
        stamp.write_text(json.dumps(wanted))
    else:
        print(f"» reusing the sample city in {city}", flush=True)

    seed_feedback(stack, city)
    write_region_names(home, args.seed)

    api = AirflowApi(stack.airflow_url, "admin", stack.secrets()["airflow_admin_password"])
    from canbao.registry.names import feed_names

    intake_dags = [f"intake__{n}" for n in feed_names()]
    print("» waiting for Airflow to register the DAGs", flush=True)
    api.wait_for_dags(intake_dags + ["comparison", "publication"], timeout=args.timeout)

    summary = []
    for day, deliveries in deliveries_by_day(city).items():
        print(f"» day {day}: dropping {len(deliveries)} deliveries into the departments' SFTP folders", flush=True)
        since = dt.datetime.now(dt.timezone.utc)
        for folder, data, proof in deliveries:
            upload(stack, folder, data, proof)
        summary.append(run_day(api, stack, day, intake_dags, args.timeout, since))

    print_summary(stack, summary, time.monotonic() - t0)
    return 0 if all(s["ok"] for s in summary) else 1


def write_region_names(home: Path, seed: int) -> None:
    """The sample city's region names (the bureau's own reference list in production), read by the outputs."""
    import yaml

    from canbao.generate.population import region_names

    (home / "regions.yaml").write_text(yaml.safe_dump(region_names(seed), allow_unicode=True), encoding="utf-8")


def seed_feedback(stack, city: Path) -> None:
    path = city / "_province" / "feedback.jsonl"
    if not path.exists():
        return
    r = httpx.post(f"{stack.sandbox_url}/sandbox/feedback", content=path.read_bytes(),
                   headers={"Content-Type": "application/x-ndjson"}, trust_env=False, timeout=60)
    r.raise_for_status()


def run_day(api, stack, day: dt.date, intake_dags: list[str], timeout: float, since: dt.datetime) -> dict:
    """Trigger the intake DAGs (the scheduled polls may already have started on the drops: either way each
    delivery is processed once), then wait for the asset-triggered comparison and publication runs."""
    runs = {d: api.trigger(d) for d in intake_dags}
    states = {}
    for dag_id, run_id in runs.items():
        states[dag_id] = api.wait_run(dag_id, run_id, timeout=timeout)["state"]
    failed = [d for d, s in states.items() if s != "success"]
    print(f"  intake: {len(states) - len(failed)}/{len(states)} DAG runs succeeded"
          + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    comparison, publication = wait_settled(api, stack, since, timeout)
    for name, run in (("comparison", comparison), ("publication", publication)):
        print(f"  {name}: " + (f"{run['state']} ({run['dag_run_id']})" if run else "no run (nothing new)"),
              flush=True)
    stats = httpx.get(f"{stack.sandbox_url}/sandbox/stats", trust_env=False).json()
    base = _base_count(stack)
    print(f"  province holds {stats.get('persons')} persons in {stats.get('batches')} batches; "
          f"the base has {base}", flush=True)
    comparison_state = comparison["state"] if comparison else "not needed"
    publication_state = publication["state"] if publication else "not needed"
    return {"day": day.isoformat(), "intake": states, "comparison": comparison_state,
            "publication": publication_state, "province": stats, "base_persons": base,
            "ok": not failed and comparison_state in ("success", "not needed")
            and publication_state in ("success", "not needed") and stats.get("persons") == base}


def _stamp(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def last_promotion(stack, since: dt.datetime) -> dt.datetime | None:
    """When the last delivery promoted since ``since`` was decided (None: nothing new was promoted)."""
    import sqlalchemy as sa

    from canbao.db import engine

    with engine(stack.database_url).connect() as conn:
        return conn.execute(sa.text(
            "select max(decided_at) from intake.delivery where decided_at >= :since "
            "and state in ('ACCEPTED', 'ACCEPTED_WITH_REJECTS', 'RELEASED')"), {"since": since}).scalar()


def wait_run_after(api, dag_id: str, after: dt.datetime, timeout: float, appear_within: float | None = None):
    """The latest finished run of ``dag_id`` queued after ``after``, once none of its runs is active.
    None when no run was queued within ``appear_within`` seconds (nothing for it to do)."""
    t0 = time.monotonic()
    while True:
        runs = api.runs(dag_id, after)
        active = [r for r in runs if r["state"] not in ("success", "failed")]
        if runs and not active:
            return runs[0]
        waited = time.monotonic() - t0
        if not runs and appear_within is not None and waited > appear_within:
            return None
        if waited > timeout:
            raise TimeoutError(f"no finished {dag_id} run queued after {after:%H:%M:%S} within {timeout:.0f} s")
        time.sleep(3)


def wait_settled(api, stack, since: dt.datetime, timeout: float) -> tuple[dict | None, dict | None]:
    """Each promoted feed emits its asset, so several comparison runs may queue one after another: the
    day is done when a comparison queued after the last promotion has finished, and then a publication
    queued after that comparison ended (when it had anything to publish)."""
    promoted_at = last_promotion(stack, since)
    if promoted_at is None:  # every delivery was a duplicate or failed: nothing for the chain to do
        return None, None
    comparison = wait_run_after(api, "comparison", promoted_at, timeout)
    ended = _stamp(comparison.get("end_date")) or promoted_at
    publication = wait_run_after(api, "publication", ended, timeout, appear_within=90)
    # A publication of an earlier comparison of the day may still be sending: wait for it as well.
    earlier = wait_run_after(api, "publication", since, timeout, appear_within=0)
    return comparison, publication or earlier


def _base_count(stack) -> int | None:
    import sqlalchemy as sa

    from canbao.db import engine

    with engine(stack.database_url).connect() as conn:
        return conn.execute(sa.text("select count(*) from base.person_current")).scalar_one()


def print_summary(stack, summary: list[dict], seconds: float) -> None:
    secrets = stack.secrets()
    out = stack.home / "outputs"
    print()
    print("══ canbao demo finished in %.0f s ══" % seconds)
    for day in summary:
        mark = "ok" if day["ok"] else "PROBLEM"
        print(f"  {day['day']}: intake {sum(s == 'success' for s in day['intake'].values())}/{len(day['intake'])}, "
              f"comparison {day['comparison']}, publication {day['publication']}, "
              f"province {day['province'].get('persons')} / base {day['base_persons']} persons  [{mark}]")
    print()
    print(f"  Airflow UI        {stack.airflow_url}   login admin / {secrets['airflow_admin_password']}")
    print(f"  outputs           {out}   (dispatch tables, rosters, expansion lists, stop-list, per run)")
    print(f"  receipts          {stack.sftp_state.root}/<department>/receipts/")
    print(f"  rosters           {stack.sftp_state.root}/towns/<town>/rosters/")
    print(f"  on-call mail      {stack.home / 'mail'}   (.eml files from the SMTP catcher)")
    print(f"  data docs         {stack.home / 'data_docs'}")
    print(f"  province sandbox  {stack.sandbox_url}/sandbox/stats")
    print(f"  platform database {stack.database_url}")
    print(f"  sample city       {stack.home / 'demo' / 'city'}   (_truth/ is what the pipeline should find)")
    print(f"  shell             source {stack.home / 'env'}; canbao status | canbao export registration --out x.csv")
    print("  stop everything   make stop      (make clean also removes .local/)")
