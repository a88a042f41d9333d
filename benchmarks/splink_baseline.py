"""guanlian vs a properly trained Splink, on three labelled sets in one run (issue 21).

Sets:

* ``chinese``: :func:`guanlian.matching.synth.make_labelled` (20k registry persons, 4k family records with
  variants and hard namesakes) — the set ``benchmarks/matching.py`` reports;
* ``febrl4``: FEBRL4 (5,000 x 5,000, 5,000 true links; :mod:`datasets`), guanlian reading it as plain person
  lists (name, birth date, address, social-security number as ``other_id``), Splink as its documentation
  models it (``docs/demos/examples/duckdb/febrl4``);
* ``scale``: 100k family records (20 % labelled variants / namesakes, 80 % new people) x 1M registry persons.

Splink models (Splink 5, DuckDB backend), two per set, both trained on that set:

* ``em``: u by random sampling (10M pairs), the prior from deterministic rules with a stated recall guess,
  m by expectation maximisation over several blocking rules (each comparison is trained in at least one
  session), no labels at all;
* ``supervised``: the same u, m from the labels of the calibration half (``estimate_m_from_label_column``)
  and the prior from the calibration half's link count.

Term-frequency adjustments on names; an ID comparison with missing / agree / (masked ID: visible parts agree)
/ disagree levels; birth date exact / one typo / same month / same year levels. Every model is checked to be
fully trained (no "not fully trained" parameter) before it predicts.

Held-out split: the left records are split 50/50 (seeded). Splink's threshold is the match probability that
maximises F1 on the calibration half; every figure in the tables (both tools) is measured on the other
(evaluation) half. guanlian is not trained and has no threshold to choose.

Timing, per set and in one process: guanlian ``collide`` end to end; Splink's feature preparation (our
pandas / pinyin code that makes Splink's input columns: Splink needs them and cannot make them itself);
Splink training; Splink/DuckDB's own prediction time (register + predict + fetch the pairs); the ratios.
Peak memory: the peak resident set size during each step above the resident size at its start (Linux
``VmHWM`` after resetting it through ``/proc/self/clear_refs``).

The trained models are saved as Splink JSON under ``benchmarks/splink_models/`` (``<set>_<model>.json``) with
the chosen thresholds in ``thresholds.json``; ``--from-saved`` (``--scale-from-saved``: on the scale set only)
predicts with them instead of training.

Timed steps (guanlian, each Splink prediction) run ``--repeat`` times (``--scale-repeat`` on the scale set);
the fastest is reported, with the largest peak among the runs.

Usage (heavy: run under the shared lock)::

    flock /tmp/heavy.lock python benchmarks/splink_baseline.py                 # chinese, febrl4, scale
    python benchmarks/splink_baseline.py --scale-from-saved                    # scale: the saved models
    python benchmarks/splink_baseline.py --sets febrl4 --spark 'local[2]'      # plus Splink on Spark
    python benchmarks/splink_baseline.py --sets chinese febrl4                 # the two small sets
    python benchmarks/splink_baseline.py --sets febrl4 --from-saved

    # before/after in one run (one Splink measurement): an older guanlian timed alternately, outputs compared
    git archive 6c1ab3e | tar -x -C /tmp/guanlian-before
    flock /tmp/heavy.lock python benchmarks/splink_baseline.py --sets scale --from-saved --scale-repeat 3 \
        --baseline-src /tmp/guanlian-before
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from datasets import febrl4_person_lists
from machine import describe

from guanlian.matching.features import prepare_pair
from guanlian.matching.matcher import collide
from guanlian.matching.normalize import name_aliases, person_name_key
from guanlian.matching.synth import NEGATIVE_VARIANTS, POSITIVE_VARIANTS, make_labelled, make_people

MODEL_DIR = Path(__file__).resolve().parent / "splink_models"
U_MAX_PAIRS = 1e7
# m of "two different valid resident IDs" on the Chinese sets, fixed rather than learnt: a valid ID belongs to
# one person, and a typo keeps the check character valid about 1 time in 11 (~1 % entry errors -> ~0.001).
# EM cannot learn it on our labelled sets: their same-name, same-birth-date namesakes with different IDs (10 %
# of the family records, far more than real data holds) fall into its match class (m = 0.42, weight -1.3).
ID_DISAGREE_M = 0.001
EM_MAX_PAIRS = 5e6  # per EM session (Splink samples records when a training block would hold more pairs)
SPLIT_SEED = 7


# ----------------------------------------------------------------------------------------------- memory / time

def _status_kib(field_name: str) -> int:
    m = re.search(rf"^{field_name}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    return int(m.group(1)) if m else 0


@dataclass
class Step:
    """Seconds and peak RSS growth (MiB) of one measured step."""

    seconds: float = 0.0
    peak_mib: float = 0.0
    cpu: float = 0.0  # CPU seconds of this process (every thread)


def best_of(steps: list[Step]) -> Step:
    """The fastest of repeated runs (with its CPU seconds), with the largest peak RSS growth among them."""
    fastest = min(steps, key=lambda s: s.seconds)
    return Step(fastest.seconds, max(s.peak_mib for s in steps), fastest.cpu)


@contextmanager
def measure(step: Step) -> Iterator[None]:
    """Time the block and record its peak resident set size above the size at its start."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    except OSError:
        pass
    start = _status_kib("VmRSS")
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        step.seconds = time.perf_counter() - t0
        step.cpu = time.process_time() - c0
        step.peak_mib = max(_status_kib("VmHWM") - start, 0) / 1024


# ----------------------------------------------------------------------------------------------- the sets

@dataclass
class LinkSet:
    """Two person tables with the truth on the left (``true_right``: row in ``right`` or -1; ``variant``)."""

    name: str
    left: pd.DataFrame
    right: pd.DataFrame
    guanlian_cols: list[str]
    cal: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # calibration half of left

    def __post_init__(self) -> None:
        rng = np.random.default_rng(SPLIT_SEED)
        self.cal = rng.random(len(self.left)) < 0.5


_CN_COLS = ["row", "name", "id_number", "birth_date", "phone"]


def chinese_set(n_right: int = 20_000, n_left: int = 4_000, seed: int = 0) -> LinkSet:
    right, left = make_labelled(n_right, n_left, seed=seed)
    return LinkSet("chinese", left, right, _CN_COLS)


def scale_set(n_left: int = 100_000, n_right: int = 1_000_000) -> LinkSet:
    # As benchmarks/matching.py's scale run: 20 % labelled variants / namesakes, the rest new people.
    right, lab = make_labelled(n_right, n_left // 5, seed=3)
    taken = set(right["id_number"]) | set(lab["id_number"])
    fam_new = make_people(n_left - len(lab), seed=11, exclude=taken).drop(columns=["kind"])
    fam_new["true_right"] = -1
    fam_new["variant"] = "new_person"
    left = pd.concat([lab.drop(columns=["source_name"]), fam_new], ignore_index=True)
    left["row"] = np.arange(len(left))
    left["phone"] = left["phone"].fillna("")
    return LinkSet("scale", left, right, _CN_COLS)


def febrl4_set() -> LinkSet:
    left, right = febrl4_person_lists()
    return LinkSet("febrl4", left, right, ["row", "name", "birth_date", "address", "other_id"])


# ----------------------------------------------------------------------------------------------- Splink specs

def _none(s: pd.Series) -> pd.Series:
    """Blank / NaN text as None (Splink's nulls)."""
    s = s.astype(object)
    return s.where(s.notna() & (s.astype(str).str.strip() != ""), None)


def chinese_features(ls: LinkSet) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Splink input columns for the Chinese sets, made with guanlian's record preparation: the name without a
    former-name note (``name_aliases``) and the note's first name as ``alias_key``; normalised name, toneless
    pinyin, sorted characters; the valid 18-digit ID, the 18 digits as written (``id_digits``, also when the
    check character is wrong), a masked-ID flag and the first 4 + last 4 visible characters; birth date from the
    field or else from the ID digits; phone."""
    split_l = [name_aliases(n) for n in ls.left["name"].fillna("").astype(str)]
    split_r = [name_aliases(n) for n in ls.right["name"].fillna("").astype(str)]
    left = ls.left[_CN_COLS].assign(name=[m for m, _ in split_l])
    right = ls.right[_CN_COLS].assign(name=[m for m, _ in split_r])
    lf, rf = prepare_pair(left, right)

    def one(f: pd.DataFrame, rows: pd.Series, split: list[tuple[str, tuple[str, ...]]]) -> pd.DataFrame:
        by = f["by"].to_numpy().astype(np.int64)
        bm = f["bm"].to_numpy().astype(np.int64)
        bd = f["bd"].to_numpy().astype(np.int64)
        y = pd.Series(by.astype(str), dtype=object)
        ym = y + "-" + pd.Series(bm.astype(str), dtype=object).str.zfill(2)
        ymd = ym + "-" + pd.Series(bd.astype(str), dtype=object).str.zfill(2)
        pre = f["id_prefix"].astype(str).str[:4].to_numpy()
        suf = f["id_suffix"].astype(str).str[-4:].to_numpy()
        vis = np.where((np.char.str_len(pre.astype(str)) == 4) & (np.char.str_len(suf.astype(str)) == 4),
                       pre.astype(object) + suf.astype(object), None)
        raw = f["id_raw"].fillna("").astype(str).str.upper()
        id18 = _none(f["id_number"])
        digits = id18.where(id18.notna(), raw.where(raw.str.fullmatch(r"\d{17}[\dX]"), None))
        alias = [person_name_key(a[0]) if a else None for _, a in split]
        return pd.DataFrame({
            "unique_id": rows.to_numpy(),
            "name_key": _none(f["name_key"]).to_numpy(),
            "alias_key": alias,
            "sorted_key": _none(f["sorted_key"]).to_numpy(),
            "py_key": _none(f["py_key"]).to_numpy(),
            "sur_py": _none(f["sur_py"]).to_numpy(),
            "id18": id18.to_numpy(),
            "id_digits": _none(digits).to_numpy(),
            "id_masked": raw.str.contains("*", regex=False).astype(np.int8).to_numpy(),
            "id_vis": vis,
            "birth_date": np.where(bd > 0, ymd, None),
            "birth_ym": np.where(bm > 0, ym, None),
            "birth_y": np.where(by > 0, y, None),
            "phone": _none(f["phone"]).to_numpy(),
        })

    return one(lf, ls.left["row"], split_l), one(rf, ls.right["row"], split_r)


def _pair_count(a: pd.Series, b: pd.Series) -> int:
    """How many (left, right) pairs share a value (nulls never do): sum over values of count_l * count_r."""
    ca, cb = a.dropna().value_counts(), b.dropna().value_counts()
    common = ca.index.intersection(cb.index)
    return int((ca[common].astype(np.int64) * cb[common].astype(np.int64)).sum())


def chinese_exact_u(li: pd.DataFrame, ri: pd.DataFrame) -> dict[tuple[str, str], float]:
    """u of the rare agreement levels, counted exactly over all left x right pairs where the comparison is not
    null: used for the levels random sampling cannot observe (at 100k x 1M a shared ID or phone is about one
    pair in 10^7, below Splink's minimum count of 100 in 10^7 sampled pairs)."""
    vis_l, vis_r = li["id_vis"].notna(), ri["id_vis"].notna()
    n_vis = int(vis_l.sum()) * int(vis_r.sum())
    same_id = _pair_count(li["id18"], ri["id18"])
    same_vis = _pair_count(li["id_vis"], ri["id_vis"])
    unmasked = _pair_count(li["id_vis"].where(li["id_masked"] == 0), ri["id_vis"].where(ri["id_masked"] == 0))
    n_phone = int(li["phone"].notna().sum()) * int(ri["phone"].notna().sum())
    return {
        ("resident_id", "Exact match on id18"): same_id / max(n_vis, 1),
        ("resident_id", "masked: visible ends agree"): (same_vis - unmasked) / max(n_vis, 1),
        ("phone", "Exact match on phone"): _pair_count(li["phone"], ri["phone"]) / max(n_phone, 1),
    }


def fill_unobserved_u(model: dict[str, Any], exact: dict[tuple[str, str], float]) -> list[str]:
    """Set the u of levels random sampling left without one from ``exact`` (counted over all pairs; levels it
    cannot count get 1 / the number of sampled pairs), and rescale the comparison's other u values so they sum
    to 1; returns the levels filled."""
    filled: list[str] = []
    for comp in model["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        missing = [lv for lv in levels if not isinstance(lv.get("u_probability"), float | int)]
        if not missing:
            continue
        for lv in missing:
            key = (comp["output_column_name"], lv.get("label_for_charts", ""))
            if key in exact:
                lv["u_probability"] = max(exact[key], 1e-12)
                filled.append(f"{key[0]}: {key[1]} = {lv['u_probability']:.3g} (counted)")
            else:  # not seen in U_MAX_PAIRS random pairs: about the largest u that is likely not to be seen
                lv["u_probability"] = 1 / U_MAX_PAIRS
                filled.append(f"{key[0]}: {key[1]} = {lv['u_probability']:.3g} (1 / sampled pairs)")
        set_u = sum(lv["u_probability"] for lv in missing)
        rest = [lv for lv in levels if lv not in missing]
        total = sum(lv["u_probability"] for lv in rest)
        for lv in rest:
            lv["u_probability"] *= (1 - set_u) / total
    return filled


def febrl4_features(ls: LinkSet) -> tuple[pd.DataFrame, pd.DataFrame]:
    """FEBRL4's raw columns as Splink's FEBRL4 example feeds them (text, trimmed, blanks as null)."""
    from datasets import febrl4

    a, b, _ = febrl4()

    def one(df: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame({"unique_id": np.arange(len(df))})
        for c in ("given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode",
                  "state", "date_of_birth", "soc_sec_id"):
            out[c] = _none(df[c].astype(object).where(df[c].notna(), None)).map(
                lambda v: v.strip() if isinstance(v, str) else v).to_numpy()
        return out

    return one(b), one(a)  # left = duplicates (dataset4b), right = originals (dataset4a)


def chinese_settings(fix_id_m: bool = True) -> Any:
    """Splink settings for the Chinese sets; ``fix_id_m``: the resident-ID "different" level keeps
    m = :data:`ID_DISAGREE_M` instead of learning it."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    name = cl.CustomComparison(
        output_column_name="name",
        comparison_description="name: exact (TF) / former name / same characters reordered / same pinyin "
                               "(TF) / one character differs / else",
        comparison_levels=[
            cll.NullLevel("name_key"),
            cll.ExactMatchLevel("name_key", term_frequency_adjustments=True),
            cll.CustomLevel("alias_key_l = name_key_r OR name_key_l = alias_key_r",
                            label_for_charts="former name in a note = the other name"),
            cll.ExactMatchLevel("sorted_key").configure(label_for_charts="same characters reordered"),
            cll.ExactMatchLevel("py_key", term_frequency_adjustments=True),
            cll.LevenshteinLevel("name_key", 1),
            cll.ElseLevel(),
        ],
    )
    resident_id = cl.CustomComparison(
        output_column_name="resident_id",
        comparison_description="resident ID: missing / same / masked ID's visible ends agree / one typo / "
                               "different",
        comparison_levels=[
            cll.NullLevel("id_vis"),
            cll.ExactMatchLevel("id18"),
            cll.CustomLevel("(id_masked_l = 1 OR id_masked_r = 1) AND id_vis_l = id_vis_r",
                            label_for_charts="masked: visible ends agree"),
            cll.DamerauLevenshteinLevel("id_digits", 1).configure(label_for_charts="one digit differs or swapped"),
            cll.ElseLevel().configure(label_for_charts="different", **(
                {"m_probability": ID_DISAGREE_M, "fix_m_probability": True} if fix_id_m else {})),
        ],
    )
    birth = _birth_comparison("birth_date", "birth_ym", "birth_y")
    return SettingsCreator(
        link_type="link_only",
        comparisons=[name, resident_id, birth, cl.ExactMatch("phone")],
        blocking_rules_to_generate_predictions=[
            block_on("id18"), block_on("py_key"), block_on("sorted_key"), block_on("phone"),
            block_on("sur_py", "birth_date"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def _birth_comparison(ymd: str, ym: str, y: str) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name="birth",
        comparison_description="birth date: missing / exact / one typo / same month / same year / else",
        comparison_levels=[
            cll.NullLevel(y),
            cll.ExactMatchLevel(ymd),
            cll.DamerauLevenshteinLevel(ymd, 1),
            cll.ExactMatchLevel(ym).configure(label_for_charts="same year and month"),
            cll.ExactMatchLevel(y).configure(label_for_charts="same year"),
            cll.ElseLevel(),
        ],
    )


def febrl4_settings(fix_id_m: bool = False) -> Any:
    """Splink's documented FEBRL4 model (the "detailed" one of its example notebook); nothing is fixed
    (``fix_id_m`` is ignored: the social-security number's levels are all learnt)."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="link_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d",
                                     invalid_dates_as_null=True),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


@dataclass(frozen=True)
class SplinkSpec:
    features: Callable[[LinkSet], tuple[pd.DataFrame, pd.DataFrame]]
    settings: Callable[[bool], Any]  # argument: fix the resident-ID "different" m (Chinese sets only)
    em_rules: tuple[tuple[str, ...], ...]  # one EM session per rule (block_on columns)
    deterministic: tuple[tuple[str, ...], ...]  # rules for the prior
    recall_guess: float  # the share of true links the deterministic rules are guessed to catch
    exact_u: Callable[[pd.DataFrame, pd.DataFrame], dict[tuple[str, str], float]] | None = None


SPECS: dict[str, SplinkSpec] = {
    # EM on the name (trains ID, birth, phone) and on the birth date (trains name, ID, phone); an ID or a
    # phone block would hold nearly only matches, which EM cannot learn from.
    "chinese": SplinkSpec(chinese_features, chinese_settings, (("name_key",), ("birth_date",)),
                          (("id18",), ("name_key", "birth_date")), 0.6, chinese_exact_u),
    "febrl4": SplinkSpec(febrl4_features, febrl4_settings, (("date_of_birth",), ("postcode",), ("surname",)),
                         (("soc_sec_id",), ("given_name", "surname", "date_of_birth")), 0.8),
}
SPECS["scale"] = SPECS["chinese"]


# ----------------------------------------------------------------------------------------------- Splink runs

@dataclass
class SplinkRun:
    label: str
    threshold: float
    links: pd.DataFrame
    train: Step
    predict: Step
    trained_fully: bool
    notes: list[str]


def _linker(db: Any, li: pd.DataFrame, ri: pd.DataFrame, settings: Any) -> Any:
    from splink import Linker

    sl = db.register(li, dataset_display_name="fam")
    sr = db.register(ri, dataset_display_name="reg")
    return Linker([sl, sr], settings, log_level=logging.WARNING)


def _pairs(pred: pd.DataFrame) -> pd.DataFrame:
    """Splink's predictions as left_row, right_row, p (whichever side Splink put first)."""
    if pred.empty:
        return pd.DataFrame({"left_row": pd.Series(dtype=np.int64), "right_row": pd.Series(dtype=np.int64),
                             "p": pd.Series(dtype=float)})
    l_first = (pred["source_dataset_l"] == "fam").to_numpy()
    return pd.DataFrame({
        "left_row": np.where(l_first, pred["unique_id_l"], pred["unique_id_r"]).astype(np.int64),
        "right_row": np.where(l_first, pred["unique_id_r"], pred["unique_id_l"]).astype(np.int64),
        "p": pred["match_probability"].to_numpy(dtype=float),
    })


def best_threshold(pairs: pd.DataFrame, truth: set[tuple[int, int]], rows: set[int]) -> tuple[float, float]:
    """The match probability that maximises F1 over ``rows`` (the calibration half), and that F1."""
    sel = pairs[pairs["left_row"].isin(rows)].sort_values("p", ascending=False, kind="stable")
    n_truth = sum(1 for t in truth if t[0] in rows)
    tp = np.array([(a, b) in truth for a, b in zip(sel["left_row"], sel["right_row"], strict=True)], dtype=bool)
    if not len(sel) or not n_truth:
        return 0.5, 0.0
    p = sel["p"].to_numpy()
    ctp = np.cumsum(tp)
    n = np.arange(1, len(sel) + 1)
    last_of_tie = np.r_[p[1:] != p[:-1], True]  # a cut can only fall between different probabilities
    f1 = np.where(last_of_tie, 2 * ctp / (n + n_truth), -1.0)
    k = int(np.argmax(f1))
    return float(p[k]), float(f1[k])


def fill_unobserved_m(model: dict[str, Any], n_links: int) -> list[str]:
    """Give every level that no labelled match reached a pseudo-count of 0.5 (m = 0.5 / n_links), then
    rescale the learnt m values of that comparison so that they sum to 1 again; returns the levels filled.

    ``estimate_m_from_label_column`` leaves such levels (e.g. "different birth date" when no labelled pair
    has one) without an m value, and Splink would predict with a default for them.
    """
    filled: list[str] = []
    for comp in model["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        missing = [lv for lv in levels if not isinstance(lv.get("m_probability"), float | int)]
        if not missing:
            continue
        for lv in missing:
            lv["m_probability"] = 0.5 / max(n_links, 1)
            filled.append(f"{comp['output_column_name']}: {lv.get('label_for_charts', '?')}")
        fixed = sum(lv["m_probability"] for lv in levels if lv.get("fix_m_probability"))
        free = [lv for lv in levels if not lv.get("fix_m_probability")]
        total = sum(lv["m_probability"] for lv in free)
        for lv in free:
            lv["m_probability"] *= (1 - fixed) / total
    return filled


def _train_u(linker: Any, tl: pd.DataFrame, tr: pd.DataFrame, li: pd.DataFrame, ri: pd.DataFrame,
             spec: SplinkSpec, notes: list[str]) -> Any:
    """u by random sampling (10M pairs); levels it could not observe get their exact share of all pairs
    (:func:`fill_unobserved_u`), in a linker rebuilt on the tables ``tl``, ``tr``."""
    from splink import DuckDBAPI

    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=1)
    model = linker.misc.save_model_to_json()
    unobserved = any(not isinstance(lv.get("u_probability"), float | int) for c in model["comparisons"]
                     for lv in c["comparison_levels"] if not lv.get("is_null_level"))
    if not unobserved or spec.exact_u is None:
        return linker
    filled = fill_unobserved_u(model, spec.exact_u(li, ri))
    notes.append(f"u not observed in {U_MAX_PAIRS:.0e} random pairs, counted exactly: " + "; ".join(filled))
    return _linker(DuckDBAPI(), tl, tr, model)


MODEL_KINDS = ("em", "em-pure", "supervised")


def splink_models(ls: LinkSet, li: pd.DataFrame, ri: pd.DataFrame, spec: SplinkSpec, truth: set[tuple[int, int]],
                  kinds: tuple[str, ...], from_saved: bool, repeat: int = 1) -> list[SplinkRun]:
    """Train (or load) each model kind, choose its threshold on the calibration half, and predict; the
    prediction step (register + predict + fetch, from the saved JSON) is what the timing ratios use.

    Kinds: ``em`` (u by random sampling, prior from deterministic rules, m by EM; on the Chinese sets the
    resident-ID "different" m fixed at :data:`ID_DISAGREE_M`), ``em-pure`` (the same with that m learnt too)
    and ``supervised`` (u by random sampling, m and prior from the calibration half's labels).
    """
    from splink import DuckDBAPI, block_on

    cal_rows = set(ls.left.loc[ls.cal, "row"].astype(int))
    thresholds_path = MODEL_DIR / "thresholds.json"
    runs: list[SplinkRun] = []
    for kind in kinds:
        if kind == "em-pure" and ls.name == "febrl4":
            continue  # FEBRL4's model has no fixed parameter: "em" is already pure
        label = f"splink {kind}"
        model_path = MODEL_DIR / f"{ls.name}_{kind}.json"
        train = Step()
        notes: list[str] = []
        db = DuckDBAPI()
        with measure(train):
            if from_saved:
                linker = _linker(db, li, ri, str(model_path))
            elif kind == "supervised":
                # Only the calibration half's labels are used; the evaluation half has none.
                tr = ls.left["true_right"].to_numpy()
                lc = np.where(tr >= 0, tr, -1 - ls.left["row"].to_numpy())
                lab_l = li.assign(cluster=np.where(ls.cal, lc, None))
                lab_r = ri.assign(cluster=ri["unique_id"].to_numpy())
                n_cal_links = int(((ls.left["true_right"] >= 0) & ls.cal).sum())
                prior = n_cal_links / (int(ls.cal.sum()) * len(ls.right))
                settings = spec.settings(True)
                settings.probability_two_random_records_match = prior
                lab_linker = _linker(db, lab_l, lab_r, settings)
                lab_linker = _train_u(lab_linker, lab_l, lab_r, li, ri, spec, notes)
                lab_linker.training.estimate_m_from_label_column("cluster")
                model = lab_linker.misc.save_model_to_json()
                filled = fill_unobserved_m(model, n_cal_links)
                linker = _linker(DuckDBAPI(), li, ri, model)
                notes.append(f"prior {prior:.3g} from the calibration labels ({n_cal_links:,} links); "
                             f"m = 0.5/{n_cal_links} for levels no labelled match reached: "
                             + (", ".join(filled) or "none"))
            else:
                linker = _linker(db, li, ri, spec.settings(kind == "em"))
                linker.training.estimate_probability_two_random_records_match(
                    [block_on(*r) for r in spec.deterministic], recall=spec.recall_guess)
                linker = _train_u(linker, li, ri, li, ri, spec, notes)
                for rule in spec.em_rules:
                    linker.training.estimate_parameters_using_expectation_maximisation(
                        block_on(*rule), estimate_without_term_frequencies=True, max_pairs=EM_MAX_PAIRS)
                prior = linker._settings_obj._probability_two_random_records_match
                notes.append(f"prior {prior:.3g} from deterministic rules "
                             + ", ".join("+".join(r) for r in spec.deterministic)
                             + f" (recall guessed {spec.recall_guess}); EM sessions blocked on "
                             + ", ".join("+".join(r) for r in spec.em_rules))
            fully = bool(linker._settings_obj._is_fully_trained)
            if not fully:
                notes.append("NOT FULLY TRAINED: " + " ".join(linker._settings_obj._not_trained_messages()))
            if from_saved:
                thr = float(json.loads(thresholds_path.read_text())[f"{ls.name}_{kind}"])
            else:
                MODEL_DIR.mkdir(exist_ok=True)
                linker.misc.save_model_to_json(str(model_path), overwrite=True)
                # The threshold that maximises F1 on the calibration half (predictions down to p = 0.001).
                low = _pairs(linker.inference.predict(threshold_match_probability=0.001,
                                                      warning_mode="never").as_pandas_dataframe())
                thr, cal_f1 = best_threshold(low, truth, cal_rows)
                notes.append(f"threshold p >= {thr:.4g} (calibration F1 {cal_f1:.4f})")
                saved = json.loads(thresholds_path.read_text()) if thresholds_path.exists() else {}
                saved[f"{ls.name}_{kind}"] = thr
                thresholds_path.write_text(json.dumps(saved, indent=1, sort_keys=True) + "\n")
        # The measured prediction: a fresh connection, register, predict, fetch (best of ``repeat``).
        tries: list[Step] = []
        for _ in range(repeat):
            tries.append(Step())
            with measure(tries[-1]):
                lk = _linker(DuckDBAPI(), li, ri, str(model_path))
                pairs = _pairs(lk.inference.predict(threshold_match_probability=min(thr, 0.5))
                               .as_pandas_dataframe())
        pred_step = best_of(tries)
        pairs["tier"] = np.where(pairs["p"] >= thr, "probable", "possible")
        runs.append(SplinkRun(label, thr, pairs, train, pred_step, fully, notes))
    return runs


def model_for_dialect(set_name: str, kind: str, dialect: str) -> dict[str, Any]:
    """The saved ``<set>_<kind>`` model rewritten for another SQL dialect (e.g. ``"spark"``): the settings made
    afresh for that dialect, with the trained prior and every level's m and u copied over (the saved JSON's
    SQL is DuckDB's: its double-quoted names would be string literals in Spark SQL)."""
    trained = json.loads((MODEL_DIR / f"{set_name}_{kind}.json").read_text())
    model: dict[str, Any] = SPECS[set_name].settings(kind != "em-pure").get_settings(dialect).as_dict()
    model["probability_two_random_records_match"] = trained["probability_two_random_records_match"]
    for comp, tcomp in zip(model["comparisons"], trained["comparisons"], strict=True):
        for lv, tlv in zip(comp["comparison_levels"], tcomp["comparison_levels"], strict=True):
            if lv.get("label_for_charts") != tlv.get("label_for_charts"):
                raise RuntimeError(f"{set_name}_{kind}: level {tlv.get('label_for_charts')} does not match")
            for key in ("m_probability", "u_probability"):
                if key in tlv:
                    lv[key] = tlv[key]
    return model


def spark_predict(ls: LinkSet, li: pd.DataFrame, ri: pd.DataFrame, kind: str, master: str) -> SplinkRun | None:
    """Predict with the saved ``<set>_<kind>`` model on Splink's Spark backend (``master``, e.g. ``local[2]``),
    through guanlian's Spark session helper with Splink's similarity-UDF jar in ``spark.jars``; ``None`` (and
    a printed reason) when the helper or pyspark is missing. The session start is timed apart."""
    try:
        from guanlian.spark.session import spark_session
    except ImportError as exc:
        print(f"Splink on Spark skipped: guanlian's Spark session helper is missing ({exc})", flush=True)
        return None
    import tempfile

    from splink.backends.spark import SparkAPI, similarity_jar_location

    thr = float(json.loads((MODEL_DIR / "thresholds.json").read_text())[f"{ls.name}_{kind}"])
    start = Step()
    with measure(start):
        tmp = tempfile.mkdtemp(prefix="splink-spark-")
        spark = spark_session(master, {"spark.jars": similarity_jar_location(), "spark.driver.memory": "4g",
                                       "spark.sql.shuffle.partitions": "8",
                                       "spark.local.dir": tmp, "spark.sql.warehouse.dir": f"{tmp}/warehouse"})
        spark.sparkContext.setCheckpointDir(f"{tmp}/checkpoints")
    step = Step()
    with measure(step):
        from splink import Linker

        api = SparkAPI(spark_session=spark)
        lk = Linker([api.register(li, dataset_display_name="fam"), api.register(ri, dataset_display_name="reg")],
                    model_for_dialect(ls.name, kind, "spark"), log_level=logging.WARNING)
        pairs = _pairs(lk.inference.predict(threshold_match_probability=min(thr, 0.5)).as_pandas_dataframe())
    pairs["tier"] = np.where(pairs["p"] >= thr, "probable", "possible")
    notes = [f"Spark {spark.version} {master}, session start {start.seconds:.1f}s (not in the prediction time)"]
    return SplinkRun(f"splink {kind} (spark {master})", thr, pairs, start, step, True, notes)


# ----------------------------------------------------------------------------------------------- scoring

def prf(pred: set[tuple[int, int]], truth: set[tuple[int, int]]) -> tuple[float, float, float]:
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(truth) if truth else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def truth_of(left: pd.DataFrame) -> set[tuple[int, int]]:
    t = left[left["true_right"] >= 0]
    return set(zip(t["row"].astype(int), t["true_right"].astype(int), strict=True))


TIERS = {"certain": ("certain",), "probable+": ("certain", "probable"), "all": ("certain", "probable", "possible")}


def score(links: pd.DataFrame, ls: LinkSet) -> dict[str, Any]:
    """P/R/F1 per tier and recall / false positives per variant, on the evaluation half."""
    ev = ls.left[~ls.cal]
    ev_rows = set(ev["row"].astype(int))
    truth = {t for t in truth_of(ls.left) if t[0] in ev_rows}
    links = links[links["left_row"].isin(ev_rows)]
    out: dict[str, Any] = {}
    for name, ts in TIERS.items():
        sel = links[links["tier"].isin(ts)]
        pred = set(zip(sel["left_row"].astype(int), sel["right_row"].astype(int), strict=True))
        out[name] = prf(pred, truth)
    strong = links[links["tier"].isin(TIERS["probable+"])]
    strong_pairs = set(zip(strong["left_row"].astype(int), strong["right_row"].astype(int), strict=True))
    known = [v for v in (*POSITIVE_VARIANTS, *NEGATIVE_VARIANTS) if v in set(ev["variant"])]
    variants = known + sorted(set(ev["variant"]) - set(known))
    per: dict[str, str] = {}
    for v in variants:
        rows = set(ev.loc[ev["variant"] == v, "row"].astype(int))
        t = {x for x in truth if x[0] in rows}
        pr = {x for x in strong_pairs if x[0] in rows}
        fp = len(pr - t)
        per[v] = f"R={len(pr & t) / len(t):.3f} FP={fp}" if t else f"FP={fp}/{len(rows)}"
    out["per_variant"] = per
    neg = set(ev.loc[ev["variant"].isin(["namesake_diff_id", "namesake_same_birth"]), "row"].astype(int))
    out["conflicting-ID namesakes above possible"] = sum(1 for x in strong_pairs if x[0] in neg)
    return out


# ----------------------------------------------------------------------------------------------- the run

_BASELINE = (
    "import sys, time, pandas as pd; sys.path.insert(0, sys.argv[1]);"
    "from guanlian.matching.matcher import collide;"
    "l = pd.read_pickle(sys.argv[2]); r = pd.read_pickle(sys.argv[3]);"
    "t, c = time.perf_counter(), time.process_time(); out = collide(l, r);"
    "w, u = time.perf_counter() - t, time.process_time() - c;"
    "out.to_pickle(sys.argv[4]); print(w, u)"
)


def baseline_collide(src: str, left: Path, right: Path, out: Path) -> Step:
    """``collide`` of the guanlian package under ``src`` (e.g. a ``git archive`` of an older commit) on the
    pickled frames, in its own process; its output is pickled to ``out``. Wall and CPU seconds of the call."""
    proc = subprocess.run([sys.executable, "-c", _BASELINE, src, str(left), str(right), str(out)],
                          capture_output=True, text=True, check=True)
    wall, cpu = (float(x) for x in proc.stdout.split()[-2:])
    return Step(wall, 0.0, cpu)


def run_set(ls: LinkSet, kinds: tuple[str, ...], from_saved: bool, spark_master: str | None,
            repeat: int = 1, baseline_src: str | None = None) -> None:
    spec = SPECS[ls.name]
    truth = truth_of(ls.left)
    print(f"\n## {ls.name}: {len(ls.left):,} left x {len(ls.right):,} right, {len(truth):,} true links; "
          f"calibration half {int(ls.cal.sum()):,} left records, evaluation half {int((~ls.cal).sum()):,}",
          flush=True)
    print(f"load average before guanlian: {os.getloadavg()[0]:.2f}", flush=True)
    tries: list[Step] = []
    base_tries: list[Step] = []
    own_tries: list[Step] = []  # this tree the way the baseline runs: its own process, one call (cold caches)
    same_as_baseline: bool | None = None
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if baseline_src:
            ls.left[ls.guanlian_cols].to_pickle(work / "left.pkl")
            ls.right[ls.guanlian_cols].to_pickle(work / "right.pkl")
        for _ in range(repeat):  # this tree and the baseline alternate, so both see the same load
            tries.append(Step())
            with measure(tries[-1]):
                gl = collide(ls.left[ls.guanlian_cols], ls.right[ls.guanlian_cols])
            if baseline_src:
                base_tries.append(baseline_collide(baseline_src, work / "left.pkl", work / "right.pkl",
                                                   work / "out.pkl"))
                own_tries.append(baseline_collide(str(Path(__file__).resolve().parents[1]), work / "left.pkl",
                                                  work / "right.pkl", work / "own.pkl"))
        if baseline_src:
            base_out = pd.read_pickle(work / "out.pkl")
            same_as_baseline = base_out.to_csv(index=False) == gl.to_csv(index=False)
    g = best_of(tries)
    prep = Step()
    with measure(prep):
        li, ri = spec.features(ls)
    print(f"load average before Splink: {os.getloadavg()[0]:.2f}", flush=True)
    runs = splink_models(ls, li, ri, spec, truth, kinds, from_saved, repeat)
    if spark_master:
        print(f"load average before Splink on Spark: {os.getloadavg()[0]:.2f}", flush=True)
        sp = spark_predict(ls, li, ri, kinds[0], spark_master)
        if sp is not None:
            runs.append(sp)
    results = [("guanlian", score(gl, ls))] + [(r.label, score(r.links, ls)) for r in runs]
    names = [n for n, _ in results]
    print("\n| metric (evaluation half) | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for tier in TIERS:
        for i, m in enumerate(("P", "R", "F1")):
            cells = []
            for n, r in results:
                cells.append("—" if (tier == "certain" and n != "guanlian") else f"{r[tier][i]:.4f}")
            print(f"| {tier}: {m} | " + " | ".join(cells) + " |")
    print("| conflicting-ID namesakes above possible | "
          + " | ".join(str(r["conflicting-ID namesakes above possible"]) for _, r in results) + " |")
    for v in results[0][1]["per_variant"]:
        print(f"| variant {v} | " + " | ".join(r["per_variant"].get(v, "") for _, r in results) + " |")
    print(f"\n| step | seconds (timed steps: fastest of {repeat}) | peak RSS growth (MiB) |")
    print("|---|---|---|")
    print(f"| guanlian collide (preparation, blocking, scoring, explanations) | {g.seconds:.2f} (CPU {g.cpu:.2f}) | "
          f"{g.peak_mib:.0f} |")
    if base_tries:
        b = min(base_tries, key=lambda s: s.seconds)
        o = min(own_tries, key=lambda s: s.seconds)
        print(f"| guanlian collide, this tree in its own process (one call, cold caches) | {o.seconds:.2f} "
              f"(CPU {o.cpu:.2f}) | — |")
        print(f"| guanlian collide, baseline `{baseline_src}` (its own process, one call, alternating) | "
              f"{b.seconds:.2f} (CPU {b.cpu:.2f}) | — |")
    print(f"| Splink feature preparation (pandas / guanlian's record preparation) | {prep.seconds:.2f} | "
          f"{prep.peak_mib:.0f} |")
    for r in runs:
        spark = "spark" in r.label
        verb = "session start" if spark else "load from JSON" if from_saved else "training + threshold"
        print(f"| {r.label}: {verb} | {r.train.seconds:.2f} | {r.train.peak_mib:.0f} |")
        engine = "Spark" if spark else "DuckDB"
        print(f"| {r.label}: Splink/{engine} prediction (register, predict, fetch {len(r.links):,} pairs) | "
              f"{r.predict.seconds:.2f} | {r.predict.peak_mib:.0f} |")
    em = runs[0]  # the "em" model: what an expert would run unsupervised
    print(f"\nratios (same run): guanlian / Splink-DuckDB prediction = {g.seconds / em.predict.seconds:.2f} "
          f"(time), {g.peak_mib / max(em.predict.peak_mib, 1):.2f} (peak RSS growth); guanlian / (Splink "
          f"feature preparation + prediction) = {g.seconds / (prep.seconds + em.predict.seconds):.2f}")
    for r in runs[1:]:
        if "spark" in r.label:
            print(f"guanlian / {r.label} prediction = {g.seconds / r.predict.seconds:.3f} (time)")
    print("guanlian / each model's Splink prediction (time): " + "; ".join(
        f"{r.label} {g.seconds / r.predict.seconds:.2f}" for r in runs))
    if base_tries:
        b = min(base_tries, key=lambda s: s.seconds)
        print("own process: this tree / each model's Splink prediction (time): " + "; ".join(
            f"{r.label} {o.seconds / r.predict.seconds:.2f}" for r in runs)
            + "; baseline / each model's Splink prediction (time): " + "; ".join(
            f"{r.label} {b.seconds / r.predict.seconds:.2f}" for r in runs)
            + f"; this tree / baseline (both in their own process) = {o.seconds / b.seconds:.2f} (time), "
            f"{o.cpu / b.cpu:.2f} (CPU); same collide output as the baseline: {same_as_baseline}")
    for r in runs:
        print(f"{r.label}: fully trained: {r.trained_fully}; " + "; ".join(r.notes))
    print(f"load average after the set: {os.getloadavg()[0]:.2f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="+", default=["chinese", "febrl4", "scale"], choices=["chinese", "febrl4", "scale"])
    ap.add_argument("--models", nargs="+", default=list(MODEL_KINDS), choices=MODEL_KINDS)
    ap.add_argument("--spark", metavar="MASTER", help="also predict with the first model on Splink/Spark, "
                    "e.g. local[2] (needs guanlian.spark.session and pyspark)")
    ap.add_argument("--spark-sets", nargs="+", default=["chinese", "febrl4"], help="sets that --spark runs on")
    ap.add_argument("--scale-models", nargs="+", default=["em", "supervised"], choices=MODEL_KINDS,
                    help="models on the scale set (em-pure's failure shows on the Chinese set already)")
    ap.add_argument("--scale-from-saved", action="store_true", help="load the scale set's saved models "
                    "instead of training them (training takes about 5 minutes idle, 20 on a loaded machine)")
    ap.add_argument("--from-saved", action="store_true", help="predict with the saved models and thresholds")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of guanlian and of each Splink "
                    "prediction on the small sets (the fastest is reported)")
    ap.add_argument("--scale-repeat", type=int, default=1, help="the same on the scale set")
    ap.add_argument("--scale-left", type=int, default=100_000)
    ap.add_argument("--scale-right", type=int, default=1_000_000)
    ap.add_argument("--baseline-src", help="also time guanlian collide of the package under this folder (e.g. "
                    "`git archive COMMIT | tar -x -C DIR`), alternating with this tree, and compare the outputs")
    a = ap.parse_args()
    logging.getLogger("splink").setLevel(logging.WARNING)
    import splink

    print(f"machine: {describe()}; splink {splink.__version__}; pandas {pd.__version__}; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    makers: dict[str, Callable[[], LinkSet]] = {
        "chinese": chinese_set, "febrl4": febrl4_set,
        "scale": lambda: scale_set(a.scale_left, a.scale_right),
    }
    for name in a.sets:
        t0 = time.perf_counter()
        ls = makers[name]()
        print(f"\n{name}: data made in {time.perf_counter() - t0:.1f}s", flush=True)
        kinds = tuple(a.models if name != "scale" else a.scale_models)
        saved = a.from_saved or (name == "scale" and a.scale_from_saved)
        run_set(ls, kinds, saved, a.spark if name in a.spark_sets else None,
                a.repeat if name != "scale" else a.scale_repeat, a.baseline_src)


if __name__ == "__main__":
    main()
