"""The vectorised resident-ID shortcut agrees with parse_resident_id (python-stdnum) on every value."""

from __future__ import annotations

import random

import pandas as pd
from stdnum.cn import ric

from guanlian.loaders.common import fast_valid_ids
from guanlian.matching.identifiers import parse_resident_id


def test_fast_path_matches_reference() -> None:
    rng = random.Random(3)
    values = []
    for _ in range(3000):
        body = f"{rng.choice(['360802', '110105', '440303'])}{rng.randint(1880, 2030)}{rng.randint(1, 13):02d}"
        body += f"{rng.randint(1, 31):02d}{rng.randint(0, 999):03d}"
        good = body + ric.calc_check_digit(body + "0")
        values.append(good)
        values.append(body + rng.choice("0123456789X"))  # often a wrong check character
    values += ["", "36080219700101001x", "360802700101001", "3608**********001X", "abc", "３６０８０２１９７０"]
    s = pd.Series(values, dtype=object)
    fast = fast_valid_ids(s)
    for i, v in s.items():
        ref = parse_resident_id(v) if v else None
        in_fast = i in fast.index
        if in_fast:
            assert ref is not None and ref.status == "valid" and ref.number == v
            assert fast.loc[i, "birth"] == ref.birth_date.isoformat()  # type: ignore[union-attr]
            assert fast.loc[i, "sex"] == ref.sex
        elif ref is not None and ref.status == "valid":
            # only non-canonical spellings (lowercase x, 15 digits, full width) may skip the shortcut
            assert ref.number != v
    assert len(fast) > 2000


def test_fast_credit_codes_match_reference() -> None:
    """fast_valid_codes says valid exactly where python-stdnum does, for canonical spellings."""
    from stdnum.cn import uscc

    from guanlian.loaders.common import credit_codes, fast_valid_codes
    from guanlian.matching.identifiers import parse_credit_code

    rng = random.Random(5)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    values: list[str] = []
    for _ in range(3000):
        body = f"{rng.choice(['91', '92', '12', '52'])}{rng.randint(100000, 999999)}"
        body += "".join(rng.choice(alphabet) for _ in range(9))
        good = body + uscc.calc_check_digit(body)
        values.append(good)
        values.append(body + rng.choice(alphabet))  # often a wrong check character
        values.append(body + rng.choice("IOSVZ"))  # never in the alphabet
    values += ["", "91110000600037341l", "9111 0000 6000 3734 1L", "91110000600037341", "abc", "９１１１０"]
    s = pd.Series(values, dtype=object)
    fast = fast_valid_codes(s)
    code, status = credit_codes(s)
    for i, v in s.items():
        ref = parse_credit_code(v)
        if fast[i]:
            assert ref is not None and ref.status == "valid" and ref.code == v
        elif ref is not None and ref.status == "valid":
            assert ref.code != v  # only non-canonical spellings skip the shortcut
        if ref is None:
            assert (code[i], status[i]) == (None, "missing" if v == "" else "invalid")
        else:
            assert (code[i], status[i]) == (ref.code, ref.status)
    assert 2000 < int(fast.sum()) < 4000
