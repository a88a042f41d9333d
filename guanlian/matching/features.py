"""Columnar matching features for a table of person records (vectorised; scales to millions of rows).

:func:`prepare_records` turns a DataFrame with any of the columns ``name``, ``id_number``, ``birth_date``,
``sex``, ``phone``, ``address``, ``employer`` into one row of features per record: name keys, pinyin keys,
the parsed resident ID, the effective birth date (from a valid ID when there is one, else from the field),
sex and phone. Expensive string work runs once per *distinct* value, and the common case of a well-formed
18-character ID is checked with numpy instead of one Python call per row. Address and employer are kept
raw; the matcher normalises them only for the records that reach a candidate pair.

Example:
    >>> import pandas as pd
    >>> f = prepare_records(pd.DataFrame({"name": ["劉桂蘭"], "id_number": ["110105491231002"]}))
    >>> f.loc[0, "name_key"], f.loc[0, "py_key"], f.loc[0, "id_number"], int(f.loc[0, "by"])
    ('刘桂兰', 'liuguilan', '11010519491231002X', 1949)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd

from guanlian.matching.identifiers import parse_resident_id
from guanlian.matching.normalize import _person_name_after_nfkc, has_cjk, normalize_phone, to_simplified
from guanlian.matching.pinyin import _fuzzy_syllable, split_name, syllables_of_key

__all__ = ["FEATURE_COLUMNS", "INPUT_COLUMNS", "prepare_records"]

INPUT_COLUMNS: tuple[str, ...] = ("name", "id_number", "birth_date", "sex", "phone", "address", "employer")
"""Columns :func:`prepare_records` reads (each optional)."""

FEATURE_COLUMNS: tuple[str, ...] = (
    "name", "name_norm", "name_key", "surname", "sorted_key", "py_key", "py_fuzzy", "init_key", "sur_py", "name_len",
    "id_raw", "id_number", "id_status", "id_prefix", "id_suffix", "id_len",
    "by", "bm", "bd", "birth_src", "sex", "phone", "address", "employer",
)
"""Columns of the frame :func:`prepare_records` returns."""

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.array(list("10X98765432"))


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name].astype("object").where(df[name].notna(), "").astype("str").reset_index(drop=True)
    return pd.Series([""] * len(df), dtype="str")


def _map_unique(s: pd.Series, fn: Callable[[str], object]) -> pd.Series:
    uniq = pd.unique(s)
    mapping = dict(zip(uniq, map(fn, uniq), strict=True))
    return s.map(mapping)


_NAME_FEATURES = ("name_key", "surname", "sorted_key", "py_key", "py_fuzzy", "init_key", "sur_py", "name_len")


def _normalize_unique(uniq: list[str]) -> list[str]:
    """normalize_person_name over distinct values, with one OpenCC call for all CJK names."""
    nfkc = [unicodedata.normalize("NFKC", u).strip().replace("\n", " ") for u in uniq]
    cjk_idx = [i for i, u in enumerate(nfkc) if has_cjk(u)]
    converted = to_simplified("\n".join(nfkc[i] for i in cjk_idx)).split("\n") if cjk_idx else []
    done = len(converted) == len(cjk_idx)
    if done:
        for i, c in zip(cjk_idx, converted, strict=True):
            nfkc[i] = c
    return [_person_name_after_nfkc(v, convert=not done) for v in nfkc]


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


def _parse_ids(raw: pd.Series) -> dict[str, np.ndarray]:
    """Vectorised resident-ID parse; rows that are not plain 18-character numbers go through
    :func:`parse_resident_id` once per distinct value."""
    n = len(raw)
    raw_a = raw.to_numpy(dtype=object)
    compact = raw.str.replace(r"[\s\-]", "", regex=True).str.upper()
    plain = compact.str.fullmatch(r"\d{17}[\dX]").fillna(False).to_numpy(dtype=bool)
    number = np.full(n, "", dtype=object)
    status = np.where(raw_a == "", "", "invalid").astype(object)
    prefix = np.full(n, "", dtype=object)
    suffix = np.full(n, "", dtype=object)
    length = np.zeros(n, dtype=np.int32)
    iy = np.zeros(n, dtype=np.int32)
    im = np.zeros(n, dtype=np.int32)
    iday = np.zeros(n, dtype=np.int32)
    isex = np.zeros(n, dtype=np.int32)
    if plain.any():
        c = compact[plain]
        ca = c.to_numpy(dtype=object)
        arr = np.frombuffer("".join(c.tolist()).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        digits = (arr[:, :17] - 48).astype(np.int64)
        check_ok = _ID_CHECK[(digits @ _ID_WEIGHTS) % 11] == (arr[:, 17].view("S1").astype(str))
        y = digits[:, 6] * 1000 + digits[:, 7] * 100 + digits[:, 8] * 10 + digits[:, 9]
        m = digits[:, 10] * 10 + digits[:, 11]
        d = digits[:, 12] * 10 + digits[:, 13]
        dates = pd.to_datetime(pd.DataFrame({"year": y, "month": m, "day": d}), errors="coerce")
        today = pd.Timestamp.today()
        date_ok = (dates.notna() & (dates <= today)).to_numpy() & (y >= 1880)
        idx = np.flatnonzero(plain)
        st = np.where(date_ok, np.where(check_ok, "valid", "bad_checksum"), "invalid").astype(object)
        status[idx] = st
        valid = st == "valid"
        number[idx[valid]] = ca[valid]
        prefix[idx] = c.str[:6].to_numpy(dtype=object)
        suffix[idx] = c.str[-4:].to_numpy(dtype=object)
        length[idx] = 18
        use = st != "invalid"
        iy[idx[use]] = y[use]
        im[idx[use]] = m[use]
        iday[idx[use]] = d[use]
        isex[idx[use]] = np.where(digits[use, 16] % 2 == 1, 1, 2)
    rest = ~plain & (raw_a != "")
    if rest.any():
        idx = np.flatnonzero(rest)
        parsed = _map_unique(raw[rest], parse_resident_id)
        for i, r in zip(idx, parsed.tolist(), strict=True):
            if r is None:
                continue
            status[i] = r.status
            number[i] = r.number or ""
            prefix[i] = r.prefix
            suffix[i] = r.suffix
            length[i] = 18 if r.number else len(r.raw_compact)
            if r.birth_date:
                iy[i], im[i], iday[i] = r.birth_date.year, r.birth_date.month, r.birth_date.day
            if r.sex:
                isex[i] = 1 if r.sex == "M" else 2
    return {"id_raw": raw_a, "id_number": number, "id_status": status, "id_prefix": prefix,
            "id_suffix": suffix, "id_len": length, "iy": iy, "im": im, "iday": iday, "isex": isex}


def _parse_birth(s: pd.Series) -> dict[str, npt.NDArray[np.int64]]:
    """ISO-ish dates (``1968-01-05``, ``1968-01``, ``1968``, ``19680105``, ``1968年1月5日``) → y, m, d ints
    (0 when unknown). Plain ISO dates take a vectorised fast path."""
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
    bad_m = (m < 0) | (m > 12)
    m[bad_m] = 0
    d[bad_m | (d > 31) | (d < 0)] = 0
    y[(y < 1880) | (y > 2100)] = 0
    return {"y": y, "m": m, "d": d}


_SEX = {"M": 1, "男": 1, "MALE": 1, "F": 2, "女": 2, "FEMALE": 2}


def prepare_records(df: pd.DataFrame) -> pd.DataFrame:
    """Compute matching features for every row of ``df`` (index reset to 0..n-1).

    Args:
        df: person records; any of :data:`INPUT_COLUMNS` may be missing or blank.

    Returns:
        A frame with :data:`FEATURE_COLUMNS`. ``by``/``bm``/``bd`` are the effective birth year, month and
        day (0 = unknown) and ``birth_src`` says where they came from (0 none, 1 the birth-date field,
        2 the resident ID); ``sex`` is 0 unknown, 1 male, 2 female.

    Example:
        >>> f = prepare_records(pd.DataFrame({"name": ["王晓明"], "birth_date": ["1980-05"]}))
        >>> [f.loc[0, "init_key"], *map(int, f.loc[0, ["by", "bm", "bd", "birth_src"]])]
        ['wang|mx', 1980, 5, 0, 1]
    """
    n = len(df)
    out: dict[str, object] = {}
    names = _col(df, "name")
    codes, uniques = pd.factorize(names.to_numpy(dtype=object))
    norm_u = _normalize_unique(list(uniques))
    feats = [_name_features(v) for v in norm_u] or [_name_features("")]
    cols_u = list(zip(*feats, strict=True))
    out["name"] = names.to_numpy(dtype=object)
    out["name_norm"] = np.array(norm_u or [""], dtype=object)[codes] if n else np.empty(0, dtype=object)
    for c, vals in zip(_NAME_FEATURES, cols_u, strict=True):
        arr = np.array(vals, dtype=np.int64 if c == "name_len" else object)
        out[c] = arr[codes] if n else arr[:0]

    ids = _parse_ids(_col(df, "id_number"))
    for c in ("id_raw", "id_number", "id_status", "id_prefix", "id_suffix", "id_len"):
        out[c] = ids[c]

    b = _parse_birth(_col(df, "birth_date"))
    from_id = ids["iy"] > 0
    out["by"] = np.where(from_id, ids["iy"], b["y"]).astype(np.int16)
    out["bm"] = np.where(from_id, ids["im"], b["m"]).astype(np.int8)
    out["bd"] = np.where(from_id, ids["iday"], b["d"]).astype(np.int8)
    out["birth_src"] = np.where(from_id, 2, np.where(b["y"] > 0, 1, 0)).astype(np.int8)

    sex_field = _col(df, "sex").str.strip().str.upper().map(_SEX).fillna(0).astype(np.int8).to_numpy()
    out["sex"] = np.where(ids["isex"] > 0, ids["isex"], sex_field).astype(np.int8)

    phone = _col(df, "phone")
    ascii_plain = phone.str.fullmatch(r"1[3-9]\d{9}").fillna(False).to_numpy(dtype=bool)
    ph = phone.to_numpy(dtype=object)
    if (~ascii_plain).any():
        ph = ph.copy()
        ph[~ascii_plain] = _map_unique(pd.Series(ph[~ascii_plain], dtype=object), normalize_phone).to_numpy(
            dtype=object)
    out["phone"] = ph
    out["address"] = _col(df, "address").to_numpy(dtype=object)
    out["employer"] = _col(df, "employer").to_numpy(dtype=object)
    return pd.DataFrame({k: (pd.Series(v, dtype=object) if isinstance(v, np.ndarray) and v.dtype == object
                             else pd.Series(v)) for k, v in out.items()})
