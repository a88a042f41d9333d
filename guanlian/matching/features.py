"""Columnar matching features for a table of person records (vectorised; scales to millions of rows).

:func:`prepare_records` turns a DataFrame with any of the columns ``name``, ``id_number``, ``birth_date``,
``sex``, ``phone``, ``address``, ``employer`` into one row of features per record: name keys, pinyin keys,
the parsed resident ID, the effective birth date (from a valid ID when there is one, else from the field),
sex and phone. Expensive string work runs once per *distinct* value; the common shapes (a plain
18-character ID, an ISO birth date, an 11-digit mobile number, a name of common CJK ideographs) are parsed
with Arrow compute kernels and numpy, and only the long tail goes through the scalar reference functions.

Every string key also has an integer code column (``c_<key>``, ``-1`` = blank): the matcher blocks and
compares on integers, not on Python strings. Codes are only comparable between frames prepared *together*
(:func:`prepare_pair`, or one frame with itself); :func:`joint_codes` recodes two frames prepared apart.
``c_id`` (the valid resident ID as a number) and ``id_kind`` are absolute and always comparable.
Address and employer are kept raw (plus a code of the raw text); the matcher normalises them once per
distinct value that reaches a candidate pair.

Example:
    >>> import pandas as pd
    >>> f = prepare_records(pd.DataFrame({"name": ["劉桂蘭"], "id_number": ["110105491231002"]}))
    >>> f.loc[0, "name_key"], f.loc[0, "py_key"], f.loc[0, "id_number"], int(f.loc[0, "by"])
    ('刘桂兰', 'liuguilan', '11010519491231002X', 1949)
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanlian.matching.normalize import _person_name_after_nfkc, has_cjk, normalize_phone, to_simplified
from guanlian.matching.pinyin import (
    COMPOUND_SURNAMES,
    SURNAME_PINYIN,
    _char_tone3,
    _fuzzy_syllable,
    split_name,
    syllables_of_key,
)
from guanlian.values.ids import id_birth_ok, id_check_ok, parse_resident_id

__all__ = ["CODE_COLUMNS", "FEATURE_COLUMNS", "ID_KINDS", "INPUT_COLUMNS", "joint_codes", "map_codes", "prepare_pair",
           "prepare_records", "share_coding", "shares_coding"]

INPUT_COLUMNS: tuple[str, ...] = ("name", "id_number", "birth_date", "sex", "phone", "address", "employer",
                                  "other_id")
"""Columns :func:`prepare_records` reads (each optional)."""

CODE_COLUMNS: dict[str, str] = {
    "c_name": "name", "c_name_key": "name_key", "c_sorted_key": "sorted_key", "c_py_key": "py_key",
    "c_py_fuzzy": "py_fuzzy", "c_init_key": "init_key", "c_sur_py": "sur_py", "c_phone": "phone",
    "c_address": "address", "c_employer": "employer", "c_other_id": "other_id",
}
"""Integer code column → the string column it codes (``-1`` for ``""``; equal codes ⇔ equal strings
within one coding)."""

FEATURE_COLUMNS: tuple[str, ...] = (
    "name", "name_norm", "name_key", "surname", "sorted_key", "py_key", "py_fuzzy", "init_key", "sur_py", "name_len",
    "id_raw", "id_number", "id_status", "id_prefix", "id_suffix", "id_len",
    "by", "bm", "bd", "birth_src", "birth_digits", "sex", "phone", "address", "employer", "other_id", "latin",
    *CODE_COLUMNS, "c_id", "id_kind",
)
"""Columns of the frame :func:`prepare_records` returns."""

ID_KINDS: tuple[str, ...] = ("", "valid", "bad_checksum", "masked", "invalid")
"""``id_kind`` k ⇔ ``id_status == ID_KINDS[k]``."""

_CODING = "guanlian_coding"  # DataFrame.attrs key: frames with the same value share their code columns

IntArray = npt.NDArray[np.int64]

_STRING = pd.StringDtype("pyarrow", na_value=np.nan)


# --- columns in and out -------------------------------------------------------------------------------


def _arrow_col(df: pd.DataFrame, name: str) -> pa.Array:
    """Column as an Arrow ``large_string`` array; missing column and nulls → ``""``, other values → str.

    Lone surrogates (a CLI argument can carry them; UTF-8 cannot) are dropped, as the normalisers drop them.
    """
    if name not in df.columns:
        return pc.fill_null(pa.nulls(len(df), pa.large_string()), "")
    s = df[name].reset_index(drop=True)
    try:
        if not isinstance(s.dtype, pd.StringDtype):
            s = s.astype("object").where(s.notna(), "").astype("str")
        arr = pa.array(s, from_pandas=True)
    except (UnicodeEncodeError, pa.ArrowInvalid):
        s = s.astype("object").where(s.notna(), "").map(lambda v: _SURROGATES.sub("", str(v)))
        arr = pa.array(s.astype("str"), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.fill_null(arr.cast(pa.large_string()), "")


_SURROGATES = re.compile("[\ud800-\udfff]")


def _str_series(arr: pa.Array) -> pd.Series:
    # StringDtype.__from_arrow__ wraps the Arrow array without copying on pandas 2.3 and 3 alike;
    # ArrowStringArray(arr, dtype=...) exists only in pandas 3 (2.3 raised TypeError in `match`).
    return pd.Series(_STRING_FROM_ARROW.__from_arrow__(arr))


_STRING_FROM_ARROW: Any = _STRING  # pandas-stubs do not declare the ExtensionDtype.__from_arrow__ protocol


def _codes(arr: pa.Array) -> npt.NDArray[np.int32]:
    """Dictionary codes of a string array, ``""`` → -1."""
    enc = arr.dictionary_encode()
    codes: npt.NDArray[np.int32] = np.array(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int32)
    blank = pc.index(enc.dictionary, pa.scalar("", enc.dictionary.type)).as_py()
    if blank >= 0:
        codes[codes == blank] = -1
    return codes


def _codes_obj(values: npt.NDArray[np.object_]) -> npt.NDArray[np.int32]:
    """Codes of an object array of str, ``""`` → -1."""
    raw, uniq = pd.factorize(values)
    codes: npt.NDArray[np.int32] = raw.astype(np.int32)
    blank = np.flatnonzero(np.asarray(uniq == "", dtype=bool))
    if len(blank):
        codes[codes == blank[0]] = -1
    return codes


def _map_unique(s: pd.Series, fn: Callable[[str], object]) -> pd.Series:
    uniq = pd.unique(s)
    mapping = dict(zip(uniq, map(fn, uniq), strict=True))
    return s.map(mapping)


# --- names --------------------------------------------------------------------------------------------

_NAME_FEATURES = ("name_key", "surname", "sorted_key", "py_key", "py_fuzzy", "init_key", "sur_py", "name_len")
# Names of common CJK ideographs only (after NFKC and t2s): normalisation leaves them unchanged and their
# keys split into surname + given name, so both halves are computed once per distinct half.
_SIMPLE_CJK = re.compile("[\u4e00-\u9fff]+")


def _normalize_unique(uniq: list[str]) -> list[str]:
    """normalize_person_name over distinct values, with one OpenCC call for all CJK names."""
    nfkc = [unicodedata.normalize("NFKC", u).strip().replace("\n", " ") for u in uniq]
    cjk_idx = [i for i, u in enumerate(nfkc) if has_cjk(u)]
    converted = to_simplified("\n".join(nfkc[i] for i in cjk_idx)).split("\n") if cjk_idx else []
    done = len(converted) == len(cjk_idx)
    if done:
        for i, c in zip(cjk_idx, converted, strict=True):
            nfkc[i] = c
    simple = _SIMPLE_CJK.fullmatch
    return [v if done and simple(v) else _person_name_after_nfkc(v, convert=not done) for v in nfkc]


_SIMPLE_RE2 = "^[\\x{4e00}-\\x{9fff}]+$"


def _normalize_distinct(uniq: pa.Array) -> pa.Array:
    """:func:`_normalize_unique` for an Arrow array, with no Python object per name for the common case.

    Names made only of CJK unified ideographs are unchanged by NFKC and stripping, so they only need
    OpenCC: they are joined, converted in one call and split again by Arrow kernels. The rest, and any
    converted name that is no longer that simple, take the scalar path.
    """
    simple_a = pc.match_substring_regex(uniq, _SIMPLE_RE2)
    simple = simple_a.to_numpy(zero_copy_only=False).astype(bool)
    if not simple.any():
        return pa.array(_normalize_unique(uniq.to_pylist()), type=pa.large_string())
    s = uniq.filter(simple_a)
    joined = pc.binary_join(pa.LargeListArray.from_arrays(pa.array([0, len(s)], pa.int64()), s),
                            pa.scalar("\n", pa.large_string()))[0].as_py()
    conv = pc.list_flatten(pc.split_pattern(pa.array([to_simplified(joined)], pa.large_string()), "\n"))
    if len(conv) != len(s):  # OpenCC changed the line structure: do it one name at a time
        return pa.array(_normalize_unique(uniq.to_pylist()), type=pa.large_string())
    still = pc.match_substring_regex(conv, _SIMPLE_RE2).to_numpy(zero_copy_only=False).astype(bool)
    if not still.all():
        fix = np.flatnonzero(~still)
        vals = [_person_name_after_nfkc(v, convert=False) for v in conv.take(pa.array(fix)).to_pylist()]
        conv = pc.replace_with_mask(conv, pa.array(~still), pa.array(vals, type=pa.large_string()))
    other_idx = np.flatnonzero(~simple)
    other = pa.array(_normalize_unique(uniq.take(pa.array(other_idx)).to_pylist()), type=pa.large_string())
    order = np.concatenate([np.flatnonzero(simple), other_idx])
    pos = np.empty(len(order), dtype=np.int64)
    pos[order] = np.arange(len(order), dtype=np.int64)
    return pa.concat_arrays([conv.cast(pa.large_string()), other]).take(pa.array(pos))


def _name_features(norm: str) -> tuple[str, str, str, str, str, str, str, int]:
    """All name keys of one normalised name in one pass (same results as the functions in
    :mod:`guanlian.matching.pinyin`, which the tests check)."""
    key = norm.replace("·", "")
    if not key:
        return ("", "", "", "", "", "", "", 0)
    syl = [s.rstrip("012345") for s in syllables_of_key(key)]
    surname, given = split_name(key)
    n_sur = len(surname) if surname and has_cjk(key) else 0
    head = "".join(syl[:n_sur])
    init = head + "|" + "".join(sorted(x[:1] for x in syl[n_sur:]))
    return (key, surname, surname + "".join(sorted(given)), "".join(syl),
            "".join(_fuzzy_syllable(x) for x in syl), init, head, len(key))


def _surname_parts(surname: str) -> tuple[str, str]:
    syl = SURNAME_PINYIN.get(surname) or tuple(_char_tone3(c) for c in surname)
    plain = [s.rstrip("012345") for s in syl]
    return "".join(plain), "".join(_fuzzy_syllable(s) for s in plain)


def _given_parts(given: str) -> tuple[str, str, str, str]:
    plain = [_char_tone3(c).rstrip("012345") for c in given]
    return ("".join(plain), "".join(_fuzzy_syllable(s) for s in plain), "".join(sorted(s[:1] for s in plain)),
            "".join(sorted(given)))


def _name_columns(norm: pa.Array) -> dict[str, pa.Array]:
    """The name keys of distinct normalised names, as Arrow arrays aligned with ``norm_u``.

    Names of two or more common CJK ideographs (nearly all) are split into surname + given name with Arrow
    kernels; readings are computed once per distinct surname and per distinct given name, and the keys are
    assembled with Arrow string joins. Other names go through :func:`_name_features`.
    """
    simple_a = pc.match_substring_regex(norm, "^[\\x{4e00}-\\x{9fff}]{2,}$")
    simple = simple_a.to_numpy(zero_copy_only=False).astype(bool)
    s = norm.filter(simple_a)
    lens = pc.utf8_length(s)
    compound = pc.and_(pc.is_in(pc.utf8_slice_codeunits(s, 0, 2), value_set=pa.array(sorted(COMPOUND_SURNAMES))),
                       pc.greater_equal(lens, 3))
    sur = pc.if_else(compound, pc.utf8_slice_codeunits(s, 0, 2), pc.utf8_slice_codeunits(s, 0, 1))
    longest = int(pc.max(lens).as_py() or 0)
    given = pc.if_else(compound, pc.utf8_slice_codeunits(s, 2, longest), pc.utf8_slice_codeunits(s, 1, longest))
    senc = sur.dictionary_encode()
    genc = given.dictionary_encode()
    sp = [_surname_parts(x) for x in senc.dictionary.to_pylist()]
    gp = [_given_parts(x) for x in genc.dictionary.to_pylist()]

    def part(parts: Sequence[tuple[str, ...]], k: int, indices: pa.Array) -> pa.Array:
        return pa.array([x[k] for x in parts], type=pa.large_string()).take(indices)

    head = part(sp, 0, senc.indices)
    empty, bar = pa.scalar("", pa.large_string()), pa.scalar("|", pa.large_string())
    fast = {
        "name_key": s,
        "surname": sur,
        "sorted_key": pc.binary_join_element_wise(sur, part(gp, 3, genc.indices), empty),
        "py_key": pc.binary_join_element_wise(head, part(gp, 0, genc.indices), empty),
        "py_fuzzy": pc.binary_join_element_wise(part(sp, 1, senc.indices), part(gp, 1, genc.indices), empty),
        "init_key": pc.binary_join_element_wise(head, part(gp, 2, genc.indices), bar),
        "sur_py": head,
        "name_len": lens.cast(pa.int64()),
    }
    other_idx = np.flatnonzero(~simple)
    other = [_name_features(v) for v in norm.take(pa.array(other_idx)).to_pylist()]
    order = np.concatenate([np.flatnonzero(simple), other_idx])
    pos = np.empty(len(order), dtype=np.int64)
    pos[order] = np.arange(len(order), dtype=np.int64)
    back = pa.array(pos)
    out: dict[str, pa.Array] = {}
    for k, c in enumerate(_NAME_FEATURES):
        typ = pa.int64() if c == "name_len" else pa.large_string()
        rest = pa.array([row[k] for row in other], type=typ)
        out[c] = pa.concat_arrays([fast[c].cast(typ), rest]).take(back)
    return out


def _names(raw: pa.Array, out: dict[str, object]) -> None:
    enc = raw.dictionary_encode()
    idx = enc.indices.cast(pa.int64())
    codes = idx.to_numpy(zero_copy_only=False)
    norm = _normalize_distinct(enc.dictionary.cast(pa.large_string()))
    cols = _name_columns(norm)
    out["name"] = raw
    # Text columns are built by Arrow ``take`` from the distinct values (no Python object per row).
    out["name_norm"] = norm.take(idx)
    c_name = codes.astype(np.int32)
    blank = pc.index(enc.dictionary, pa.scalar("", enc.dictionary.type)).as_py()
    if blank >= 0:
        c_name[codes == blank] = -1
    out["c_name"] = c_name
    for c in _NAME_FEATURES:
        arr = cols[c]
        if c == "name_len":
            out[c] = arr.to_numpy(zero_copy_only=False).astype(np.int64)[codes]
            continue
        out[c] = arr.take(idx)
        if f"c_{c}" in CODE_COLUMNS:
            out[f"c_{c}"] = _codes(arr)[codes]


# --- resident IDs -------------------------------------------------------------------------------------


def _id_code(number: str) -> int:
    """A valid 18-character number as an int64: the 17 digits times 11 plus the check value (X = 10)."""
    return int(number[:17]) * 11 + (10 if number[17] == "X" else int(number[17]))


def _fixed18(a: pa.Array) -> npt.NDArray[np.uint8]:
    b = a.cast(pa.binary(18))
    return np.frombuffer(b.buffers()[1], dtype=np.uint8)[b.offset * 18:(b.offset + len(b)) * 18].reshape(-1, 18)


def _fixed_width(arr: pa.Array, width: int) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.uint8]]:
    """Rows of a ``large_string`` array that are exactly ``width`` bytes long, and their bytes as an
    ``(m, width)`` matrix read straight from the Arrow buffers (no Python object per row).

    Arrow's filter packs the chosen rows' bytes back to back, so the matrix is one reshaped copy of its data
    buffer (a gather through an index matrix cost 30 times more at 1M rows).

    >>> sel, m = _fixed_width(pa.array(["ab", "abc", "xy"], pa.large_string()), 2)
    >>> sel.tolist(), m.tobytes()
    ([True, False, True], b'abxy')
    """
    chosen = pc.fill_null(pc.equal(pc.binary_length(arr), width), False)
    sel: npt.NDArray[np.bool_] = chosen.to_numpy(zero_copy_only=False)
    if not sel.any():
        return sel, np.zeros((0, width), dtype=np.uint8)
    kept = arr.filter(chosen)
    start = int(np.frombuffer(kept.buffers()[1], dtype=np.int64)[kept.offset])
    data = np.frombuffer(kept.buffers()[2], dtype=np.uint8)[start:start + len(kept) * width]
    return sel, data.reshape(-1, width).copy()


def _digits(m: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    return (m >= 48) & (m <= 57)


def _nonblank(arr: pa.Array) -> npt.NDArray[np.bool_]:
    offs = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    return np.diff(offs) > 0


def _parse_ids(raw: pa.Array) -> dict[str, object]:
    """Vectorised resident-ID parse; rows that are not plain 18-character numbers go through
    :func:`parse_resident_id` once per distinct value. Text columns come back as Arrow arrays."""
    n = len(raw)
    # Most numbers are plain 18 ASCII characters: checked on their bytes. Only the others need
    # separators removed and x upper-cased (with Arrow kernels) before the same check.
    sel, mat = _fixed_width(raw, 18)
    ok = _digits(mat[:, :17]).all(axis=1) & (_digits(mat[:, 17]) | (mat[:, 17] == 88))
    idx1 = np.flatnonzero(sel)[ok]
    plain = np.zeros(n, dtype=bool)
    plain[idx1] = True
    nonblank = _nonblank(raw)
    compact = raw
    idx2 = np.empty(0, dtype=np.int64)
    mat2 = np.zeros((0, 18), dtype=np.uint8)
    todo = ~plain & nonblank
    if todo.any():
        fix = pa.array(todo)
        fixed = pc.utf8_upper(pc.replace_substring_regex(raw.filter(fix), r"[\s\-]", "")).cast(pa.large_string())
        compact = pc.replace_with_mask(raw, fix, fixed)
        sel2, m2 = _fixed_width(fixed, 18)
        ok2 = _digits(m2[:, :17]).all(axis=1) & (_digits(m2[:, 17]) | (m2[:, 17] == 88))
        idx2 = np.flatnonzero(todo)[np.flatnonzero(sel2)[ok2]]
        mat2 = m2[ok2]
        plain[idx2] = True
    valid_all = np.zeros(n, dtype=bool)
    kind = np.where(nonblank, 4, 0).astype(np.int8)  # "invalid" unless parsed below
    length = np.zeros(n, dtype=np.int32)
    code = np.full(n, -1, dtype=np.int64)
    iy = np.zeros(n, dtype=np.int64)
    im = np.zeros(n, dtype=np.int64)
    iday = np.zeros(n, dtype=np.int64)
    isex = np.zeros(n, dtype=np.int64)
    if plain.any():
        idx = np.flatnonzero(plain)
        arr = np.empty((len(idx), 18), dtype=np.uint8)
        arr[np.searchsorted(idx, idx1)] = mat[ok]
        arr[np.searchsorted(idx, idx2)] = mat2
        digits = arr[:, :17] - np.uint8(48)  # uint8 columns; sums below in int64, one column at a time
        first17 = np.zeros(len(arr), dtype=np.int64)
        for k in range(17):
            first17 = first17 * 10 + digits[:, k].astype(np.int64)
        check_ok = id_check_ok(arr)
        dg = digits[:, 6:14].astype(np.int64)
        y = dg[:, 0] * 1000 + dg[:, 1] * 100 + dg[:, 2] * 10 + dg[:, 3]
        m = dg[:, 4] * 10 + dg[:, 5]
        d = dg[:, 6] * 10 + dg[:, 7]
        date_ok = id_birth_ok(y, m, d)
        k8 = np.where(date_ok, np.where(check_ok, 1, 2), 4).astype(np.int8)
        kind[idx] = k8
        valid = k8 == 1
        valid_all[idx[valid]] = True
        last = arr[valid, 17].astype(np.int64)
        code[idx[valid]] = first17[valid] * 11 + np.where(last == 88, 10, last - 48)
        length[idx] = 18
        use = k8 != 4
        iy[idx[use]] = y[use]
        im[idx[use]] = m[use]
        iday[idx[use]] = d[use]
        isex[idx[use]] = np.where(digits[use, 16] % 2 == 1, 1, 2)
    blank = pa.scalar("", pa.large_string())
    plain_a = pa.array(plain)
    number = pc.if_else(pa.array(valid_all), compact, blank)
    prefix = pc.if_else(plain_a, pc.utf8_slice_codeunits(compact, 0, 6), blank)
    suffix = pc.if_else(plain_a, pc.utf8_slice_codeunits(compact, 14, 18), blank)
    rest = ~plain & nonblank
    if rest.any():
        idx = np.flatnonzero(rest)
        parsed = _map_unique(pd.Series(raw.take(pa.array(idx)).to_numpy(zero_copy_only=False)), parse_resident_id)
        r_number, r_prefix, r_suffix = [], [], []
        for i, r in zip(idx, parsed.tolist(), strict=True):
            r_number.append(r.number or "" if r else "")
            r_prefix.append(r.prefix if r else "")
            r_suffix.append(r.suffix if r else "")
            if r is None:
                continue
            kind[i] = ID_KINDS.index(r.status)
            if r.number:
                code[i] = _id_code(r.number)
            length[i] = 18 if r.number else len(r.raw_compact)
            if r.birth_date:
                iy[i], im[i], iday[i] = r.birth_date.year, r.birth_date.month, r.birth_date.day
            if r.sex:
                isex[i] = 1 if r.sex == "M" else 2
        mask = pa.array(rest)
        number = pc.replace_with_mask(number, mask, pa.array(r_number, pa.large_string()))
        prefix = pc.replace_with_mask(prefix, mask, pa.array(r_prefix, pa.large_string()))
        suffix = pc.replace_with_mask(suffix, mask, pa.array(r_suffix, pa.large_string()))
    status = pa.array(ID_KINDS, type=pa.large_string()).take(pa.array(kind.astype(np.int64)))
    return {"id_raw": raw, "id_number": number, "id_status": status, "id_prefix": prefix,
            "id_suffix": suffix, "id_len": length, "c_id": code, "id_kind": kind,
            "iy": iy, "im": im, "iday": iday, "isex": isex}


# --- birth dates, sex, phones -------------------------------------------------------------------------


def _parse_birth_slow(s: pd.Series) -> dict[str, IntArray]:
    """The reference parser (any of the accepted shapes, Python regexes)."""
    n = len(s)
    y = np.zeros(n, dtype=np.int64)
    m = np.zeros(n, dtype=np.int64)
    d = np.zeros(n, dtype=np.int64)
    t = s.str.strip()
    iso = t.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).to_numpy(dtype=bool)
    if iso.any():
        ti = t[iso]
        y[iso] = ti.str[0:4].astype(int).to_numpy()
        m[iso] = ti.str[5:7].astype(int).to_numpy()
        d[iso] = ti.str[8:10].astype(int).to_numpy()
    rest = ~iso & (t != "").to_numpy(dtype=bool)
    if rest.any():
        tr = t[rest]
        ex = tr.str.extract(r"^(\d{4})(?:[-./年]?(\d{1,2}))?(?:[-./月]?(\d{1,2}))?")
        compact = tr.str.fullmatch(r"\d{8}").fillna(False)
        if compact.any():
            ex.loc[compact, 0] = tr[compact].str[:4]
            ex.loc[compact, 1] = tr[compact].str[4:6]
            ex.loc[compact, 2] = tr[compact].str[6:8]
        y[rest] = pd.to_numeric(ex[0], errors="coerce").fillna(0).astype(np.int64).to_numpy()
        m[rest] = pd.to_numeric(ex[1], errors="coerce").fillna(0).astype(np.int64).to_numpy()
        d[rest] = pd.to_numeric(ex[2], errors="coerce").fillna(0).astype(np.int64).to_numpy()
    return {"y": y, "m": m, "d": d}


def _parse_birth(raw: pa.Array) -> dict[str, IntArray]:
    """ISO-ish dates (``1968-01-05``, ``1968-01``, ``1968``, ``19680105``, ``1968年1月5日``) → y, m, d ints
    (0 when unknown), and ``digits``: the date as written, YYYYMMDD as one integer, kept also when the month or
    day is impossible (``19403407``: a typing error; 0 when there is no year). Plain ASCII ISO dates are read from
    their bytes; the rest go through the reference parser."""
    n = len(raw)
    y = np.zeros(n, dtype=np.int64)
    m = np.zeros(n, dtype=np.int64)
    d = np.zeros(n, dtype=np.int64)
    sel, mat = _fixed_width(raw, 10)
    dash = (mat[:, 4] == 45) & (mat[:, 7] == 45)
    ok = dash & _digits(mat[:, [0, 1, 2, 3, 5, 6, 8, 9]]).all(axis=1)
    iso = np.zeros(n, dtype=bool)
    iso[np.flatnonzero(sel)[ok]] = True
    if iso.any():
        dg = mat[ok].astype(np.int64) - 48
        y[iso] = dg[:, 0] * 1000 + dg[:, 1] * 100 + dg[:, 2] * 10 + dg[:, 3]
        m[iso] = dg[:, 5] * 10 + dg[:, 6]
        d[iso] = dg[:, 8] * 10 + dg[:, 9]
    rest = ~iso & _nonblank(raw)  # incl. ISO dates with spaces around: the reference strips them
    if rest.any():
        idx = np.flatnonzero(rest)
        slow = _parse_birth_slow(pd.Series(raw.take(pa.array(idx)).to_numpy(zero_copy_only=False), dtype=object))
        y[idx], m[idx], d[idx] = slow["y"], slow["m"], slow["d"]
    written = (y >= 1880) & (y <= 2100) & (m >= 0) & (m <= 99) & (d >= 0) & (d <= 99)
    digits = np.where(written, y * 10000 + m * 100 + d, 0)
    bad_m = (m < 0) | (m > 12)
    m[bad_m] = 0
    d[bad_m | (d > 31) | (d < 0)] = 0
    y[(y < 1880) | (y > 2100)] = 0
    return {"y": y, "m": m, "d": d, "digits": digits}


_SEX = {"M": 1, "男": 1, "MALE": 1, "F": 2, "女": 2, "FEMALE": 2}


def _sex_field(raw: pa.Array) -> npt.NDArray[np.int8]:
    enc = raw.dictionary_encode()
    lut = np.array([_SEX.get(u.strip().upper(), 0) for u in enc.dictionary.to_pylist()] or [0], dtype=np.int8)
    return lut[enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)] if len(raw) else lut[:0]


_PHONE_LEN = 10**17


def _phone_code(d: str, extra: dict[str, int]) -> int:
    """A normalised phone as an int64: length·10^17 + value for up to 17 ASCII digits, else a number from
    ``extra`` above that range; -1 for blank."""
    if not d:
        return -1
    if len(d) <= 17 and d.isascii() and d.isdigit():
        return len(d) * _PHONE_LEN + int(d)
    return extra.setdefault(d, 18 * _PHONE_LEN + len(extra))


def _phones(raw: pa.Array) -> tuple[pa.Array, IntArray]:
    """Normalised phones and their codes: plain 11-digit mobiles (checked on their bytes) as they are, the
    rest through :func:`normalize_phone` once per distinct value."""
    n = len(raw)
    sel, mat = _fixed_width(raw, 11)
    ok = (mat[:, 0] == 49) & (mat[:, 1] >= 51) & (mat[:, 1] <= 57) & _digits(mat[:, 2:]).all(axis=1)
    plain = np.zeros(n, dtype=bool)
    plain[np.flatnonzero(sel)[ok]] = True
    code = np.full(n, -1, dtype=np.int64)
    value = np.zeros(int(ok.sum()), dtype=np.int64)
    for k in range(11):
        value = value * 10 + (mat[ok, k].astype(np.int64) - 48)
    code[plain] = 11 * _PHONE_LEN + value
    todo = ~plain & _nonblank(raw)
    if not todo.any():
        return raw, code
    fix = pa.array(todo)
    rest = pd.Series(raw.filter(fix).to_numpy(zero_copy_only=False), dtype=object)
    norm = _map_unique(rest, normalize_phone).to_numpy(dtype=object)
    extra: dict[str, int] = {}
    code[todo] = [_phone_code(d, extra) for d in norm]
    return pc.replace_with_mask(raw, fix, pa.array(norm, type=pa.large_string())), code


# --- the frame ----------------------------------------------------------------------------------------


def _features(cols: dict[str, pa.Array]) -> dict[str, object]:
    """Feature arrays (numpy, or Arrow for raw text) from Arrow input columns of equal length."""
    out: dict[str, object] = {}
    _names(cols["name"], out)
    ids = _parse_ids(cols["id_number"])
    for c in ("id_raw", "id_number", "id_status", "id_prefix", "id_suffix", "id_len", "c_id", "id_kind"):
        out[c] = ids[c]
    b = _parse_birth(cols["birth_date"])
    iy, im, iday, isex = (np.asarray(ids[k]) for k in ("iy", "im", "iday", "isex"))
    from_id = iy > 0
    out["by"] = np.where(from_id, iy, b["y"]).astype(np.int16)
    out["bm"] = np.where(from_id, im, b["m"]).astype(np.int8)
    out["bd"] = np.where(from_id, iday, b["d"]).astype(np.int8)
    out["birth_src"] = np.where(from_id, 2, np.where(b["y"] > 0, 1, 0)).astype(np.int8)
    id_digits = iy.astype(np.int64) * 10000 + im.astype(np.int64) * 100 + iday.astype(np.int64)
    out["birth_digits"] = np.where(from_id, id_digits, b["digits"]).astype(np.int32)
    out["sex"] = np.where(isex > 0, isex, _sex_field(cols["sex"])).astype(np.int8)
    phone, phone_code = _phones(cols["phone"])
    out["phone"] = phone
    out["address"] = cols["address"]
    out["employer"] = cols["employer"]
    out["c_phone"] = phone_code
    out["c_address"] = _codes(cols["address"])
    out["c_employer"] = _codes(cols["employer"])
    other = _other_ids(cols["other_id"])
    out["other_id"] = other
    out["c_other_id"] = _codes(other)
    norm = out["name_norm"]
    assert isinstance(norm, pa.Array)
    latin = pc.and_(pc.not_equal(norm, ""), pc.invert(pc.match_substring_regex(norm, _CJK_RE2)))
    out["latin"] = latin.to_numpy(zero_copy_only=False).astype(np.int8)
    return out


_CJK_RE2 = "[\\x{3400}-\\x{9fff}\\x{f900}-\\x{faff}\\x{20000}-\\x{3134f}]"


def _other_ids(raw: pa.Array) -> pa.Array:
    """Other identity numbers (passport, HK/Macau permit, social-security number …) for exact / one-edit
    comparison: NFKC, upper case, spaces and hyphens removed; once per distinct value."""
    enc = raw.dictionary_encode()
    uniq = enc.dictionary.to_pylist()
    norm = [re.sub(r"[\s\-_./]", "", unicodedata.normalize("NFKC", u)).upper() if u else "" for u in uniq]
    return pa.array(norm or [""], type=pa.large_string()).take(enc.indices) if len(raw) else raw


def _frame(feats: dict[str, object], lo: int, hi: int, token: str) -> pd.DataFrame:
    data: dict[str, pd.Series] = {}
    for c in FEATURE_COLUMNS:
        v = feats[c]
        if isinstance(v, pa.Array):
            data[c] = _str_series(v.slice(lo, hi - lo))
        else:
            a = np.asarray(v)[lo:hi]
            data[c] = pd.Series(a, dtype=object, copy=False) if a.dtype == object else pd.Series(a, copy=False)
    f = pd.DataFrame(data, copy=False)
    f.attrs[_CODING] = token
    return f


def prepare_records(df: pd.DataFrame) -> pd.DataFrame:
    """Compute matching features for every row of ``df`` (index reset to 0..n-1).

    Args:
        df: person records; any of :data:`INPUT_COLUMNS` may be missing or blank.

    Returns:
        A frame with :data:`FEATURE_COLUMNS`. ``by``/``bm``/``bd`` are the effective birth year, month and
        day (0 = unknown) and ``birth_src`` says where they came from (0 none, 1 the birth-date field,
        2 the resident ID); ``birth_digits`` is the date as written (YYYYMMDD, impossible months and days
        kept, 0 = none); ``sex`` is 0 unknown, 1 male, 2 female. ``c_*`` columns are integer codes of
        the string keys (see :data:`CODE_COLUMNS`).

    Example:
        >>> f = prepare_records(pd.DataFrame({"name": ["王晓明"], "birth_date": ["1980-05"]}))
        >>> [f.loc[0, "init_key"], *map(int, f.loc[0, ["by", "bm", "bd", "birth_src"]])]
        ['wang|mx', 1980, 5, 0, 1]
    """
    feats = _features({c: _arrow_col(df, c) for c in INPUT_COLUMNS})
    return _frame(feats, 0, len(df), uuid.uuid4().hex)


def prepare_pair(left: pd.DataFrame, right: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Prepare two record tables together, so that their code columns are comparable.

    Distinct names shared by both tables are also normalised and read in pinyin only once.

    Args:
        left: person records (see :func:`prepare_records`).
        right: person records.

    Returns:
        ``(left_features, right_features)``, each as :func:`prepare_records` would give, sharing one coding.

    Example:
        >>> lf, rf = prepare_pair(pd.DataFrame({"name": ["王晓明"]}), pd.DataFrame({"name": ["王小明", "王晓明"]}))
        >>> int(lf.loc[0, "c_py_key"]) == int(rf.loc[0, "c_py_key"]), int(lf.loc[0, "c_name"]) == int(rf.loc[1, "c_name"])
        (True, True)
    """
    nl = len(left)
    cols = {c: pa.concat_arrays([_arrow_col(left, c), _arrow_col(right, c)]) for c in INPUT_COLUMNS}
    feats = _features(cols)
    token = uuid.uuid4().hex
    return _frame(feats, 0, nl, token), _frame(feats, nl, nl + len(right), token)


def shares_coding(left: pd.DataFrame, right: pd.DataFrame) -> bool:
    """True if the code columns of two prepared frames are comparable (same frame, or prepared together)."""
    tok = left.attrs.get(_CODING)
    return left is right or (tok is not None and tok == right.attrs.get(_CODING))


def share_coding(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Give two frames of features one coding, in place: every code column of :data:`CODE_COLUMNS` is (re)computed
    over the strings of both frames, as :func:`joint_codes` does for one column, and both are marked as sharing
    it (:func:`shares_coding`), so comparisons read the codes instead of recoding a column per call.

    Args:
        left: features (the string columns of :data:`CODE_COLUMNS` at least; the ``c_*`` columns may be absent).
        right: the same for the other side (a different frame).

    Example:
        >>> a, b = pd.DataFrame({c: ["张三"] for c in CODE_COLUMNS.values()}), pd.DataFrame({c: ["", "张三"] for c in CODE_COLUMNS.values()})
        >>> share_coding(a, b)
        >>> shares_coding(a, b), int(a.loc[0, "c_name"]) == int(b.loc[1, "c_name"]), int(b.loc[0, "c_name"])
        (True, True, -1)
    """
    n = len(left)
    for code_col, src in CODE_COLUMNS.items():
        codes = _codes_obj(np.concatenate([left[src].to_numpy(dtype=object), right[src].to_numpy(dtype=object)]))
        left[code_col] = codes[:n]
        right[code_col] = codes[n:]
    left.attrs[_CODING] = right.attrs[_CODING] = uuid.uuid4().hex


def joint_codes(left: pd.DataFrame, right: pd.DataFrame, code_col: str) -> tuple[IntArray, IntArray]:
    """Comparable integer codes of one key in two prepared frames.

    Args:
        left: prepared features.
        right: prepared features.
        code_col: a key of :data:`CODE_COLUMNS`, or ``c_id`` / ``id_kind`` (always comparable).

    Returns:
        ``(codes_left, codes_right)`` as int64, ``-1`` for blank; equal codes ⇔ equal strings.

    Example:
        >>> a = prepare_records(pd.DataFrame({"name": ["李四", "张三"]}))
        >>> b = prepare_records(pd.DataFrame({"name": ["张三"]}))
        >>> cl, cr = joint_codes(a, b, "c_name_key")
        >>> int(cl[1]) == int(cr[0]), int(cl[0]) == int(cr[0])
        (True, False)
    """
    cl = left[code_col].to_numpy().astype(np.int64)
    if left is right:
        return cl, cl
    if code_col not in CODE_COLUMNS or shares_coding(left, right):
        return cl, right[code_col].to_numpy().astype(np.int64)
    src = CODE_COLUMNS[code_col]
    both = np.concatenate([left[src].to_numpy(dtype=object), right[src].to_numpy(dtype=object)])
    codes = _codes_obj(both).astype(np.int64)
    return codes[:len(left)], codes[len(left):]


def map_codes(left: pd.DataFrame, right: pd.DataFrame, cl: npt.NDArray[np.integer[Any]],
              cr: npt.NDArray[np.integer[Any]], column: str,
              fn: Callable[[str], str], li: IntArray | None = None,
              ri: IntArray | None = None) -> tuple[IntArray, IntArray]:
    """Codes of ``fn(value)``, computing ``fn`` once per distinct value.

    Args:
        left: prepared features.
        right: prepared features.
        cl: joint codes of ``column`` (:func:`joint_codes`), one per element on the left side.
        cr: the same on the right side.
        column: the string column the codes stand for.
        fn: a string function (e.g. ``normalize_address``).
        li: row of ``left`` for each element of ``cl`` (default: element i is row i).
        ri: the same for ``right``.

    Returns:
        ``(codes_left, codes_right)``: equal ⇔ equal ``fn`` results; ``-1`` where the result is ``""``.

    Example:
        >>> from guanlian.matching.normalize import company_trade_name
        >>> a, b = prepare_pair(pd.DataFrame({"employer": ["吉安华信科技有限公司"]}),
        ...                     pd.DataFrame({"employer": ["华信建筑工程（吉安）有限责任公司", ""]}))
        >>> cl, cr = joint_codes(a, b, "c_employer")
        >>> tl, tr = map_codes(a, b, cl, cr, "employer", company_trade_name)
        >>> int(tl[0]) == int(tr[0]), int(tr[1])
        (True, -1)
    """
    n = len(cl)
    both = np.concatenate([cl, cr])
    if not (both >= 0).any():
        return np.full(n, -1, np.int64), np.full(len(cr), -1, np.int64)
    inv, uniq = pd.factorize(both)
    first = np.empty(len(uniq), dtype=np.int64)
    first[inv[::-1]] = np.arange(len(both), dtype=np.int64)[::-1]  # first occurrence of each distinct code
    from_left = first < n
    rows_l = first[from_left] if li is None else li[first[from_left]]
    rows_r = first[~from_left] - n if ri is None else ri[first[~from_left] - n]
    values = np.empty(len(uniq), dtype=object)
    values[from_left] = left[column].iloc[rows_l].to_numpy(dtype=object)
    values[~from_left] = right[column].iloc[rows_r].to_numpy(dtype=object)
    mapped = np.array([fn(v) if u >= 0 else "" for u, v in zip(uniq, values, strict=True)], dtype=object)
    codes = _codes_obj(mapped).astype(np.int64)[inv]
    return codes[:n], codes[n:]
