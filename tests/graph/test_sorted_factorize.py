"""The Arrow sorted factorize of string columns (:func:`guanlian.graph.frames._sorted_factorize`) against pandas'."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

from guanlian.graph.frames import _ranks, _sorted_factorize

_WORDS = ["", "a", "A", "b", "ab", "a b", "张三", "張三", "李四", "020|0f", "020|f0", "010|ff", "é", "e\u0301", "𠀀",
          "\uffff", "z" * 30, "1", "10", "9"]


def _column(rng: random.Random) -> pd.Series:
    values: list[object] = []
    for _ in range(rng.randint(0, 15)):
        r = rng.random()
        if r < 0.1:
            values.append(None)
        elif r < 0.15:
            values.append(float("nan"))
        else:
            values.append(rng.choice(_WORDS) + (rng.choice(_WORDS) if rng.random() < 0.3 else ""))
    if values and rng.random() < 0.05:  # not strings: pandas decides
        values[rng.randrange(len(values))] = rng.choice([3, 2.5, b"x", "\ud800"])
    return pd.Series(values, dtype=object)


def test_sorted_factorize_equals_pandas() -> None:
    rng = random.Random(18)
    for i in range(3000):
        col = _column(rng)
        codes, uniq = _sorted_factorize(col)
        want_codes, want_uniq = pd.factorize(col, sort=True)
        assert codes.tolist() == np.asarray(want_codes).tolist(), (i, col.tolist())
        assert [type(v) for v in uniq] == [type(v) for v in want_uniq], (i, col.tolist())
        assert list(uniq) == list(want_uniq), (i, col.tolist())
        ranks = _ranks(col)
        assert ranks.tolist() == np.where(want_codes < 0, len(want_uniq), want_codes).tolist()


def test_string_dtype_column() -> None:
    col = pd.Series(["b", None, "a"], dtype="str")
    codes, uniq = _sorted_factorize(col)
    assert codes.tolist() == [1, -1, 0] and list(uniq) == ["a", "b"]
