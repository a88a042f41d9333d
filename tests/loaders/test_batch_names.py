"""Names normalised over all distinct values at once (one OpenCC call) against the one-by-one functions."""

from __future__ import annotations

import random

import pandas as pd

from guanlian.loaders.parse import map_unique, map_unique_many
from guanlian.matching.normalize import (
    normalize_company_name,
    normalize_company_names,
    normalize_person_name,
    normalize_person_names,
    to_simplified,
    to_simplified_many,
)

# traditional characters and phrases whose conversion depends on the neighbour (頭髮 → 头发, 乾燥 → 干燥), dots,
# brackets, full-width and Latin letters, spaces, line breaks, an ideograph outside the BMP
_PIECES = ["劉", "桂", "蘭", "頭髮", "髮", "乾燥", "乾", "著作", "發", "張", "三", "阿依古丽", "·", ".", "•", "・",
           "买买提", "（", "）", "(", ")", "【", "】", "有限公司", "華信", "科技", "ＳＭＩＴＨ", "John", "smith", ",",
           " ", "\u3000", "\n", "_", "-", "1", "Ａ", "𠀀", "é", "e\u0301", "\"", "《", "》", ""]


def _value(rng: random.Random) -> object:
    r = rng.random()
    if r < 0.05:
        return None
    if r < 0.08:
        return float("nan")
    return "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 6)))


def test_batch_names_equal_one_by_one() -> None:
    rng = random.Random(18)
    for i in range(1500):
        values = [_value(rng) for _ in range(rng.randint(0, 12))]
        assert normalize_person_names(values) == [normalize_person_name(v) for v in values], (i, values)  # type: ignore[arg-type]
        assert normalize_company_names(values) == [normalize_company_name(v) for v in values], (i, values)  # type: ignore[arg-type]
        texts = [v for v in values if isinstance(v, str)]
        assert to_simplified_many(texts) == [to_simplified(t) for t in texts], (i, texts)


def test_map_unique_many_equals_map_unique() -> None:
    rng = random.Random(7)
    for _ in range(200):
        s = pd.Series([_value(rng) for _ in range(rng.randint(0, 20))], dtype=object)
        assert map_unique_many(s, normalize_person_names).equals(map_unique(s, normalize_person_name))
        assert map_unique_many(s, normalize_company_names).equals(map_unique(s, normalize_company_name))
