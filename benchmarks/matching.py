"""Matching benchmark: precision / recall / F1 per tier and per variant type, and run time.

Compares two matchers on the same labelled synthetic records (:func:`guanlian.matching.synth.make_labelled`):

* ``exact-name``: link when the names are the same string (the baseline an investigator gets from Excel);
* ``guanlian``: :func:`guanlian.matching.matcher.collide`.

The comparison with Splink (trained models, FEBRL4, the same sets) is ``benchmarks/splink_baseline.py``.

Then, with ``--scale``, a scale run: guanlian on 100k family members against 1M registry persons, with the
load average before it; ``--phases`` adds a second, instrumented guanlian run that times record preparation,
candidate pairs, scoring and explanations separately.

Usage::

    python benchmarks/matching.py                   # labelled run (20k registry, 4k family)
    python benchmarks/matching.py --scale           # plus 100k x 1M
    python benchmarks/matching.py --scale --phases  # plus the phase breakdown
    python benchmarks/matching.py --right 5000 --left 1000

    # before/after in one run: an older guanlian, extracted from git, timed on the same data
    git archive e72c969 guanlian | tar -x -C /tmp/guanlian-before
    python benchmarks/matching.py --scale --phases --baseline-src /tmp/guanlian-before
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from typing import Any

import numpy as np
import pandas as pd

from guanlian.matching.features import prepare_records
from guanlian.matching.matcher import collide
from guanlian.matching.synth import NEGATIVE_VARIANTS, POSITIVE_VARIANTS, make_labelled, make_people


def prf(pred: set[tuple[int, int]], truth: set[tuple[int, int]]) -> tuple[float, float, float]:
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(truth) if truth else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def truth_of(left: pd.DataFrame) -> set[tuple[int, int]]:
    t = left[left["true_right"] >= 0]
    return set(zip(t["row"].astype(int), t["true_right"].astype(int), strict=True))


def report(label: str, links: pd.DataFrame, left: pd.DataFrame, seconds: float) -> dict[str, Any]:
    """links: left_row, right_row, tier."""
    truth = truth_of(left)
    out: dict[str, Any] = {"matcher": label, "seconds": round(seconds, 2)}
    tiers = {"certain": ["certain"], "certain+probable": ["certain", "probable"],
             "all": ["certain", "probable", "possible"]}
    for name, ts in tiers.items():
        sel = links[links["tier"].isin(ts)]
        pred = set(zip(sel["left_row"].astype(int), sel["right_row"].astype(int), strict=True))
        p, r, f = prf(pred, truth)
        out[f"{name}: P"] = round(p, 4)
        out[f"{name}: R"] = round(r, 4)
        out[f"{name}: F1"] = round(f, 4)
    strong = links[links["tier"].isin(["certain", "probable"])]
    strong_pairs = set(zip(strong["left_row"].astype(int), strong["right_row"].astype(int), strict=True))
    per_variant: dict[str, str] = {}
    for v in (*POSITIVE_VARIANTS, *NEGATIVE_VARIANTS):
        rows = set(left.loc[left["variant"] == v, "row"].astype(int))
        t = {x for x in truth if x[0] in rows}
        pr = {x for x in strong_pairs if x[0] in rows}
        fp = len(pr - t)
        if v in POSITIVE_VARIANTS:
            per_variant[v] = f"R={len(pr & t) / max(len(t), 1):.3f} FP={fp}"
        else:
            per_variant[v] = f"FP={fp}/{len(rows)}"
    out["per_variant"] = per_variant
    neg_rows = set(left.loc[left["variant"].isin(["namesake_diff_id", "namesake_same_birth"]), "row"].astype(int))
    out["conflicting-ID namesakes above possible"] = sum(1 for x in strong_pairs if x[0] in neg_rows)
    return out


def run_exact(left: pd.DataFrame, right: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    t0 = time.perf_counter()
    lt = pd.DataFrame({"left_row": left["row"], "k": left["name"].str.strip()})
    rt = pd.DataFrame({"right_row": right["row"], "k": right["name"].str.strip()})
    m = lt.merge(rt, on="k")
    m["tier"] = "probable"
    return m[["left_row", "right_row", "tier"]], time.perf_counter() - t0


def run_guanlian(left: pd.DataFrame, right: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    cols = ["row", "name", "id_number", "birth_date", "phone"]
    t0 = time.perf_counter()
    out = collide(left[cols], right[cols])
    return out, time.perf_counter() - t0


def _fmt(results: list[dict[str, Any]]) -> str:
    lines = []
    keys = [k for k in results[0] if k not in ("matcher", "per_variant")]
    lines.append("| metric | " + " | ".join(r["matcher"] for r in results) + " |")
    lines.append("|---|" + "---|" * len(results))
    for k in keys:
        lines.append(f"| {k} | " + " | ".join(str(r.get(k, "")) for r in results) + " |")
    for v in (*POSITIVE_VARIANTS, *NEGATIVE_VARIANTS):
        lines.append(f"| variant {v} | " + " | ".join(r["per_variant"].get(v, "") for r in results) + " |")
    return "\n".join(lines)


def phases(left: pd.DataFrame, right: pd.DataFrame) -> dict[str, float]:
    """Seconds per guanlian phase (the same steps ``collide`` runs), with the pair and link counts."""
    from guanlian.matching.matcher import MatchConfig, candidate_pairs, score_pairs

    cols = ["row", "name", "id_number", "birth_date", "phone"]
    cfg = MatchConfig()
    out: dict[str, float] = {}
    t = time.perf_counter()
    try:
        from guanlian.matching.features import prepare_pair
        lf, rf = prepare_pair(left[cols], right[cols])
    except ImportError:  # older versions prepared each side alone
        rf = prepare_records(right[cols])
        lf = prepare_records(left[cols])
    out["record preparation"] = time.perf_counter() - t
    t = time.perf_counter()
    li, ri, _ = candidate_pairs(lf, rf, cfg)
    out["candidate pairs"] = time.perf_counter() - t
    t = time.perf_counter()
    try:  # as collide scores: pairs no tier can take are left out early
        scored = score_pairs(lf, rf, li, ri, cfg, linkable_only=True)
    except TypeError:  # older versions scored every pair
        scored = score_pairs(lf, rf, li, ri, cfg)
    out["scoring"] = time.perf_counter() - t
    t = time.perf_counter()
    scored.explanations(scored.tier != "")
    out["explanations"] = time.perf_counter() - t
    out["total"] = sum(out.values())
    out["pairs"] = float(len(li))
    out["links"] = float((scored.tier != "").sum())
    return out


def _print_phases(label: str, ph: dict[str, float]) -> None:
    print(f"{label} phases: " + ", ".join(
        f"{k} {v:,.0f}" if k in ("pairs", "links") else f"{k} {v:.1f}s" for k, v in ph.items()), flush=True)


def baseline_phases(left: pd.DataFrame, right: pd.DataFrame, src: str) -> None:
    """Time the phases of the guanlian package found under ``src`` (e.g. an older commit) on the same data,
    in a subprocess whose import path starts there."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        left.to_pickle(f"{tmp}/left.pkl")
        right.to_pickle(f"{tmp}/right.pkl")
        env = {**os.environ, "PYTHONPATH": os.path.abspath(src)}
        print(f"load average before the baseline run: {os.getloadavg()[0]:.1f}", flush=True)
        subprocess.run([sys.executable, __file__, "--phases-of", tmp], env=env, check=True)


def scale_run(n_left: int, n_right: int, with_phases: bool, baseline_src: str | None = None) -> None:
    t0 = time.perf_counter()
    # 20 % of the family records are labelled variants / namesakes of registry persons, the rest new people.
    right, lab = make_labelled(n_right, n_left // 5, seed=3)
    taken = set(right["id_number"]) | set(lab["id_number"])
    fam_new = make_people(n_left - len(lab), seed=11, exclude=taken).drop(columns=["kind"])
    fam_new["true_right"] = -1
    fam_new["variant"] = "new_person"
    left = pd.concat([lab.drop(columns=["source_name"]), fam_new], ignore_index=True)
    left["row"] = np.arange(len(left))
    left["phone"] = left["phone"].fillna("")
    print(f"generated {len(left):,} family x {len(right):,} registry in {time.perf_counter() - t0:.1f}s; "
          f"{os.cpu_count()} CPUs", flush=True)
    print(f"load average before guanlian: {os.getloadavg()[0]:.1f}", flush=True)
    out, secs = run_guanlian(left, right)
    r = report("guanlian", out, left, secs)
    print(f"guanlian collide: {secs:.1f}s, {len(out):,} links "
          f"({(out['tier'] == 'certain').sum():,} certain, {(out['tier'] == 'probable').sum():,} probable, "
          f"{(out['tier'] == 'possible').sum():,} possible); certain+probable P={r['certain+probable: P']} "
          f"R={r['certain+probable: R']} F1={r['certain+probable: F1']}; conflicting-ID namesakes above "
          f"possible: {r['conflicting-ID namesakes above possible']}", flush=True)
    if with_phases:
        print(f"load average before the phase run: {os.getloadavg()[0]:.1f}", flush=True)
        _print_phases("guanlian", phases(left, right))
    if baseline_src:
        baseline_phases(left, right, baseline_src)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--right", type=int, default=20_000)
    ap.add_argument("--left", type=int, default=4_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scale", action="store_true")
    ap.add_argument("--phases", action="store_true", help="with --scale: also time each guanlian phase")
    ap.add_argument("--baseline-src", help="with --scale: also time the guanlian package under this folder")
    ap.add_argument("--phases-of", help=argparse.SUPPRESS)  # internal: phases on pickled data (baseline run)
    ap.add_argument("--scale-left", type=int, default=100_000)
    ap.add_argument("--scale-right", type=int, default=1_000_000)
    a = ap.parse_args()
    if a.phases_of:
        import guanlian
        _print_phases(f"baseline ({os.path.dirname(os.path.dirname(guanlian.__file__))})",
                      phases(pd.read_pickle(f"{a.phases_of}/left.pkl"), pd.read_pickle(f"{a.phases_of}/right.pkl")))
        return
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, python {platform.python_version()}")
    right, left = make_labelled(a.right, a.left, seed=a.seed)
    print(f"labelled: {len(right):,} registry persons, {len(left):,} family records "
          f"({(left['true_right'] >= 0).sum():,} true links)")
    results = []
    ex, secs = run_exact(left, right)
    results.append(report("exact-name", ex, left, secs))
    gl, secs = run_guanlian(left, right)
    results.append(report("guanlian", gl, left, secs))
    print(_fmt(results))
    if a.scale:
        scale_run(a.scale_left, a.scale_right, with_phases=a.phases, baseline_src=a.baseline_src)


if __name__ == "__main__":
    main()
