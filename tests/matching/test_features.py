from __future__ import annotations

import pandas as pd

from guanlian.matching.features import FEATURE_COLUMNS, prepare_records
from guanlian.matching.normalize import normalize_person_name, normalize_phone
from guanlian.matching.pinyin import fuzzy_pinyin_key, initials_key, pinyin_key
from guanlian.matching.synth import make_labelled
from guanlian.values.ids import parse_resident_id


def test_batch_name_features_equal_scalar_functions() -> None:
    _, left = make_labelled(300, 200, seed=5)
    names = [*left["name"], "劉桂蘭", "ＳＭＩＴＨ, John", "", "欧阳 娜娜", "单雄信"]
    f = prepare_records(pd.DataFrame({"name": names}))
    assert list(f.columns) == list(FEATURE_COLUMNS)
    for i, n in enumerate(names):
        assert f.loc[i, "name_norm"] == normalize_person_name(n)
        assert f.loc[i, "py_key"] == pinyin_key(n)
        assert f.loc[i, "py_fuzzy"] == fuzzy_pinyin_key(n)
        assert f.loc[i, "init_key"] == initials_key(n)


def test_vectorised_ids_equal_parse_resident_id() -> None:
    ids = ["11010519491231002X", "11010519491231002x", "110105194912310021", "110105491231002",
           "3624**********1234", "11010519491331002X", "abc", "", None, " 1101 0519 4912 3100 2X "]
    f = prepare_records(pd.DataFrame({"id_number": ids}))
    for i, raw in enumerate(ids):
        r = parse_resident_id(raw)
        if r is None:
            assert f.loc[i, "id_status"] == "" and f.loc[i, "id_number"] == ""
            continue
        assert f.loc[i, "id_status"] == r.status, raw
        assert f.loc[i, "id_number"] == (r.number or ""), raw
    assert int(f.loc[0, "by"]) == 1949 and int(f.loc[0, "birth_src"]) == 2 and int(f.loc[0, "sex"]) == 2
    assert int(f.loc[5, "by"]) == 0  # invalid date gives no birth year


def test_birth_formats() -> None:
    vals = ["1968-01-05", "1968-01", "1968", "19680105", "1968年1月5日", "1968.1.5", "", "不详", "1968-13-05"]
    f = prepare_records(pd.DataFrame({"birth_date": vals}))
    got = [(int(f.loc[i, "by"]), int(f.loc[i, "bm"]), int(f.loc[i, "bd"])) for i in range(len(vals))]
    assert got == [(1968, 1, 5), (1968, 1, 0), (1968, 0, 0), (1968, 1, 5), (1968, 1, 5), (1968, 1, 5),
                   (0, 0, 0), (0, 0, 0), (1968, 0, 0)]


def test_phone_and_sex() -> None:
    f = prepare_records(pd.DataFrame({"phone": ["13800138000", "+86 138 0013 8000", "123", ""],
                                      "sex": ["男", "F", "", "?"]}))
    assert list(f["phone"]) == ["13800138000", normalize_phone("+86 138 0013 8000"), "", ""]
    assert [int(x) for x in f["sex"]] == [1, 2, 0, 0]
