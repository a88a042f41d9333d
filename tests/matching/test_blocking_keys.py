"""Blocking rules are declared once: the text keys other engines join on group records exactly as the
in-process integer codes do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from guanlian.matching.features import prepare_pair, prepare_records
from guanlian.matching.matcher import BLOCKING_RULES, BlockingRule
from guanlian.matching.synth import make_labelled


def _same_partition(codes: np.ndarray, texts: list[str | None]) -> None:
    has_code = codes >= 0
    has_text = np.array([t is not None for t in texts])
    assert (has_code == has_text).all()
    sel = np.flatnonzero(has_code)
    by_code = pd.Series([texts[i] for i in sel]).groupby(codes[sel]).nunique()
    by_text = pd.Series(codes[sel]).groupby([texts[i] for i in sel]).nunique()
    assert (by_code == 1).all() and (by_text == 1).all()


@pytest.fixture(scope="module")
def labelled() -> tuple[pd.DataFrame, pd.DataFrame]:
    right, left = make_labelled(3_000, 800, seed=7)
    rng = np.random.default_rng(3)
    employers = np.array(["吉安华信科技有限公司", "华信建筑工程（吉安）有限责任公司", "江西鑫盛建材有限公司", ""])
    others = np.array(["E12345678", "G7654321", "H0123456", ""])
    latin = np.array(["john smith", "mary jones", "SMITH, John", "li wei"])
    addresses = np.array(["8 stanley street, miami 4223 nsw", "12 high st, kew 3101 vic", "江西省吉安市青原区", ""])
    for df in (left, right):
        df["employer"] = employers[rng.integers(0, 4, len(df))]
        df["other_id"] = others[rng.integers(0, 4, len(df))]
        df["address"] = addresses[rng.integers(0, 4, len(df))]
        df.loc[df.index[:40], "name"] = latin[rng.integers(0, 4, 40)]
    left.loc[left.index[:40], "birth_date"] = right["birth_date"].iloc[:40].to_numpy()
    return left, right


@pytest.mark.parametrize("rule", list(BLOCKING_RULES))
def test_text_keys_partition_like_codes(rule: str, labelled: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    left, right = labelled
    lf, rf = prepare_pair(left, right)
    r = BLOCKING_RULES[rule]
    kl, kr = r(lf, rf)
    texts = r.keys(lf).to_pylist() + r.keys(rf).to_pylist()
    _same_partition(np.concatenate([kl, kr]), texts)
    assert (kl >= 0).any(), "the labelled set exercises every rule"


def test_text_keys_compare_across_frames_prepared_apart() -> None:
    a = prepare_records(pd.DataFrame({"name": ["王晓明", "李四"], "birth_date": ["1980-05-06", "1990-01-01"]}))
    b = prepare_records(pd.DataFrame({"name": ["张三", "王小明"], "birth_date": ["1990-01-01", "1980-05-06"]}))
    r = BLOCKING_RULES["surname_birth_date"]
    ka, kb = r.keys(a).to_pylist(), r.keys(b).to_pylist()
    assert ka[0] == kb[1]  # same surname and date, codes from two codings
    assert ka[1] != kb[0]  # same date, other surname: near miss
    assert isinstance(r, BlockingRule) and not r.masked_only
    assert BLOCKING_RULES["id_visible"].masked_only
