"""Accuracy against the synthetic city's truth: generate, load through intake (parse, stage, gate,
promote) from the real SFTP server, compare, and score categories, reasons, mismatches and linkage."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.slow

PERSONS = 3000


def _load_city(city: Path, sftp_root: Path, db_url: str) -> None:
    from canbao.demo import deliveries_by_day
    from canbao.intake.pipeline import process_feed
    from canbao.registry.loader import load_registry

    for _day, drops in sorted(deliveries_by_day(city).items()):
        for folder, data, proof in drops:
            target = sftp_root / folder.strip("/")
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(data, target / data.name)
            shutil.copy2(proof, target / proof.name)
    feeds = load_registry()
    for name in sorted(feeds, key=lambda n: (feeds[n].department != "public_security", n)):
        process_feed(feeds[name], db_url=db_url)
    feedback = city / "_province" / "feedback.jsonl"
    if feedback.exists():
        from canbao.db import engine

        with engine(db_url).begin() as conn:
            for i, line in enumerate(feedback.read_text(encoding="utf-8").splitlines()):
                item = json.loads(line)
                conn.execute(sa.text(
                    "insert into publication.feedback (node_id, cursor, person_id, insurance, region_code, status, "
                    "since, until, item) values ('330600', :c, :p, :i, :r, :s, :since, :until, cast(:item as jsonb))"),
                    {"c": item.get("cursor") or str(i), "p": item["person_id"], "i": item["insurance"],
                     "r": item.get("region_code"), "s": item["status"], "since": item.get("since"),
                     "until": item.get("until"), "item": line})


def _scores(pairs: list[tuple[str, str]]) -> dict[str, tuple[float, float, int]]:
    """precision, recall, support per expected label."""
    labels = sorted({e for e, _ in pairs} | {g for _, g in pairs})
    out = {}
    for label in labels:
        tp = sum(1 for e, g in pairs if e == label and g == label)
        fp = sum(1 for e, g in pairs if e != label and g == label)
        fn = sum(1 for e, g in pairs if e == label and g != label)
        out[label] = (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, tp + fn)
    return out


def test_comparison_matches_the_synthetic_citys_truth(canbao_env, tmp_path):
    generate = pytest.importorskip("canbao.generate")
    pytest.importorskip("canbao.intake.pipeline")
    pytest.importorskip("canbao.validation.promote")
    from canbao.comparison.run import run_comparison
    from canbao.db import engine

    db_url = canbao_env["db_url"]
    city = tmp_path / "city"
    generate.generate_city(city, persons=PERSONS, seed=11)
    _load_city(city, canbao_env["sftp"].root, db_url)
    summary = run_comparison(db_url, scope="full")

    with engine(db_url).connect() as conn:
        got = {r.person_id: r for r in conn.execute(sa.text(
            "select person_id, category, non_enrollment_reason, mismatched_fields from base.person_current"))}
        held_out = {r[0] for r in conn.execute(sa.text(
            "select raw_id from base.review_queue where kind = 'INVALID_IDENTITY' and state = 'OPEN'"))}
        links = {(r.raw_id, r.person_id) for r in conn.execute(sa.text(
            "select raw_id, person_id from base.person_link where source <> '*'"))}
    truth = list(csv.DictReader((city / "_truth" / "persons.csv").open(encoding="utf-8")))

    pairs, reason_pairs, mismatch_ok, total_mm = [], [], 0, 0
    for t in truth:
        expected = t["expected_category"]
        g = got.get(t["person_id"])
        if expected == "INVALID_IDENTITY":
            pairs.append((expected, "INVALID_IDENTITY" if g is None else g.category))
            continue
        pairs.append((expected, g.category if g else "MISSING"))
        if g is not None:
            reason_pairs.append((t["expected_reason"] or "", g.non_enrollment_reason or ""))
            exp_mm = sorted(f for f in (t["expected_mismatched_fields"] or "").split(";") if f)
            total_mm += 1
            mismatch_ok += exp_mm == sorted(g.mismatched_fields or [])
    scores = _scores(pairs)
    print(f"\nrun {summary.run_id}: linkage {summary.linkage}; {len(held_out)} held out")
    for label, (p, r, n) in scores.items():
        print(f"  {label:17} precision {p:6.3f} recall {r:6.3f} (n={n})")
    reason_acc = sum(e == g for e, g in reason_pairs) / max(len(reason_pairs), 1)
    print(f"  reasons exact {reason_acc:.3f}; mismatched_fields exact {mismatch_ok / max(total_mm, 1):.3f}")
    confusion = Counter((e, g) for e, g in pairs if e != g)
    print("  confusion (expected, got):", confusion.most_common(10))

    linkable = ("_check_digit", "_transposed", "_legacy15")
    planted = [t for t in truth
               if any(tag.endswith(linkable) and not tag.startswith("ps_") for tag in (t["planted"] or "").split(";"))]
    linked_people = {p for _, p in links}
    recall = sum(t["person_id"] in linked_people for t in planted) / max(len(planted), 1)
    # a correct link repairs the same body: same first 17 characters, or the same characters transposed
    correct = sum(1 for raw, pid in links if raw[:17] == pid[:17] or sorted(raw[:17]) == sorted(pid[:17]))
    precision = correct / max(len(links), 1)
    print(f"  linkage recall {recall:.3f} over {len(planted)} planted identity problems; "
          f"precision {precision:.3f} over {len(links)} links")
    assert recall >= 0.99
    assert precision >= 0.995
    deterministic = ("DECEASED_ACTIVE", "DUPLICATE", "UNINSURED", "LAPSED", "PARTIAL", "INSURED", "NOT_APPLICABLE")
    for label in deterministic:
        if label in scores and scores[label][2]:
            assert scores[label][:2] == (1.0, 1.0), f"{label}: {scores[label]}"
