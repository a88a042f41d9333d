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
import sys
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


# --- companies and units (issue 16) ---------------------------------------------------------------------

_CITIES = ("吉安市", "南昌市", "赣州市", "九江市", "上饶市", "宜春市", "抚州市", "萍乡市")
_PROVINCE = "江西省"
_TRADE_CHARS = "鑫盛华信恒达宇昌永丰泰和富源金辉通瑞德隆兴旺顺安嘉禾博远天成"
_INDUSTRIES = ("建材", "建筑工程", "商贸", "科技", "物流", "医疗器械", "园林绿化", "电子", "劳务", "物业管理")
COMPANY_VARIANTS = ("no_region", "province_added", "llc_form", "bracket_region", "traditional_fullwidth",
                    "short_city")
COMPANY_NEGATIVES = ("other_region", "extended_name")


def company_variants(n: int = 5_000, n_payees: int = 2_000, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A registry of ``n`` companies (with credit codes) and ledger payees written in other ways.

    A fifth of the registry companies have a sibling whose name extends theirs (吉安市鑫盛建材贸易有限公司 beside
    吉安市鑫盛建材有限公司, another code). Payees: :data:`COMPANY_VARIANTS` of a registry name (truth = that
    company) and :data:`COMPANY_NEGATIVES` (the same name in another city with no such company there, or a
    sibling's extended name that is *not* in the registry for this company: truth -1).

    Returns:
        ``(registry, payees)``; ``payees`` has ``variant`` and ``true_right``.
    """
    import opencc
    from stdnum.cn import uscc

    rng = np.random.default_rng(seed)
    chars = np.array(list(_TRADE_CHARS))
    names: list[str] = []
    seen: set[str] = set()
    parts: list[tuple[str, str, str]] = []
    while len(names) < n:
        city = str(rng.choice(_CITIES))
        trade = "".join(rng.choice(chars, 2))
        ind = str(rng.choice(_INDUSTRIES))
        name = f"{city}{trade}{ind}有限公司"
        if name in seen:
            continue
        seen.add(name)
        names.append(name)
        parts.append((city, trade, ind))
        if rng.random() < 0.2 and len(names) < n:
            ext = f"{city}{trade}{ind}贸易有限公司"
            if ext not in seen:
                seen.add(ext)
                names.append(ext)
                parts.append((city, trade, ind + "贸易"))
    codes = []
    for i in range(len(names)):
        body = f"913608{i:011d}"[:17]
        codes.append(body + uscc.calc_check_digit(body))
    registry = pd.DataFrame({"row": np.arange(len(names)), "name": names, "credit_code": codes})
    s2t = opencc.OpenCC("s2t")
    rows = []
    for k in range(n_payees):
        j = int(rng.integers(0, len(names)))
        city, trade, ind = parts[j]
        kinds = COMPANY_VARIANTS + COMPANY_NEGATIVES
        v = kinds[k % len(kinds)]
        truth = j
        if v == "no_region":
            pay = f"{trade}{ind}有限公司"
        elif v == "province_added":
            pay = f"{_PROVINCE}{city}{trade}{ind}有限公司"
        elif v == "llc_form":
            pay = f"{city}{trade}{ind}有限责任公司"
        elif v == "bracket_region":
            pay = f"{trade}{ind}（{city[:-1]}）有限公司"
        elif v == "traditional_fullwidth":
            pay = s2t.convert(f"{city} {trade}{ind}有限公司").replace(" ", "\u3000")
        elif v == "short_city":
            pay = f"{city[:-1]}{trade}{ind}有限公司"
        elif v == "other_region":
            other = str(rng.choice([c for c in _CITIES if c != city]))
            pay = f"{other}{trade}{ind}有限公司"
            truth = -1 if pay not in seen else names.index(pay)
        else:  # extended_name: a sibling that is not in the registry
            pay = f"{city}{trade}{ind}咨询有限公司"
            truth = -1 if pay not in seen else names.index(pay)
        rows.append({"name": pay, "variant": v, "true_right": truth})
    payees = pd.DataFrame(rows)
    payees["row"] = np.arange(len(payees))
    # a bare name without region fits several registry companies when their trade and industry repeat:
    # then no single answer is right, so the truth is only kept when the registry holds one such company
    cores = pd.Series([f"{t}{i}" for _, t, i in parts]).value_counts()
    amb = (payees["variant"] == "no_region") & payees["true_right"].map(
        lambda j: cores[f"{parts[j][1]}{parts[j][2]}"] > 1 if j >= 0 else False)
    payees = payees[~amb].reset_index(drop=True)
    payees["row"] = np.arange(len(payees))
    return registry, payees


def run_companies(n: int = 5_000, n_payees: int = 2_000, seed: int = 0) -> dict[str, Any]:
    """Company-name resolution on :func:`company_variants`: P/R/F1 at probable+, per variant, seconds."""
    from guanlian.matching.companies import resolve_companies

    registry, payees = company_variants(n, n_payees, seed)
    t0 = time.perf_counter()
    out = resolve_companies(payees[["row", "name"]], registry)
    secs = time.perf_counter() - t0
    strong = out[out["tier"].isin(["certain", "probable"])]
    pred = set(zip(strong["left_row"].astype(int), strong["right_row"].astype(int), strict=True))
    t = payees[payees["true_right"] >= 0]
    truth = set(zip(t["row"].astype(int), t["true_right"].astype(int), strict=True))
    p, r, f = prf(pred, truth)
    per: dict[str, str] = {}
    for v in (*COMPANY_VARIANTS, *COMPANY_NEGATIVES):
        rows = set(payees.loc[payees["variant"] == v, "row"].astype(int))
        tv = {x for x in truth if x[0] in rows}
        pv = {x for x in pred if x[0] in rows}
        per[v] = (f"R={len(pv & tv) / max(len(tv), 1):.3f} FP={len(pv - tv)}" if v in COMPANY_VARIANTS
                  else f"FP={len(pv - tv)}/{len(rows)}")
    return {"registry": len(registry), "payees": len(payees), "P": round(p, 4), "R": round(r, 4), "F1": round(f, 4),
            "seconds": round(secs, 2), "per_variant": per}


# --- FEBRL4 (Latin-script names, other IDs) -----------------------------------------------------------------


def run_febrl4() -> dict[str, Any]:
    """guanlian's ``collide`` on FEBRL4 read as plain person lists (name, birth date, address, SSN as
    ``other_id``; loader: ``benchmarks/datasets.py``): P/R/F1 at probable+ and seconds. The Splink runs on the
    same data are in ``benchmarks/splink_baseline.py``."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from datasets import febrl4_person_lists

    left, right = febrl4_person_lists()
    cols = ["row", "name", "birth_date", "address", "other_id"]
    t0 = time.perf_counter()
    out = collide(left[cols], right[cols])
    secs = time.perf_counter() - t0
    r = report("guanlian", out, left, secs)
    return {"records": f"{len(left):,} x {len(right):,}", "P": r["certain+probable: P"],
            "R": r["certain+probable: R"], "F1": r["certain+probable: F1"], "seconds": round(secs, 2),
            "all tiers F1": r["all: F1"]}


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
    ap.add_argument("--companies", action="store_true", help="also the company-name variants")
    ap.add_argument("--febrl4", action="store_true", help="also FEBRL4 (Latin names, SSN as another ID)")
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
    if a.companies:
        rc = run_companies(seed=a.seed)
        print("companies: " + ", ".join(f"{k} {v}" for k, v in rc.items() if k != "per_variant"))
        for v, txt in rc["per_variant"].items():
            print(f"  company variant {v}: {txt}")
    if a.febrl4:
        print("FEBRL4 (guanlian collide, probable+): " + ", ".join(f"{k} {v}" for k, v in run_febrl4().items()),
              flush=True)
    if a.scale:
        scale_run(a.scale_left, a.scale_right, with_phases=a.phases, baseline_src=a.baseline_src)


if __name__ == "__main__":
    main()
