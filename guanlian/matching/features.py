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
import pandas as pd

from guanlian.matching.identifiers import parse_resident_id
from guanlian.matching.normalize import _person_name_after_nfkc, has_cjk, normalize_phone, to_simplified
from guanlian.matching.pinyin import fuzzy_pinyin_key, initials_key, pinyin_key, split_name

__all__ = ["FEATURE_COLUMNS", "INPUT_COLUMNS", "prepare_records"]

INPUT_COLUMNS: tuple[str, ...] = ("name", "id_number", "birth_date", "sex", "phone", "address", "employer")
"""Columns :func:`prepare_records` reads (each optional)."""

FEATURE_COLUMNS: tuple[str, ...] = (
    "name", "name_norm", "name_key", "surname", "sorted_key", "py_key", "py_fuzzy", "init_key", "sur_py",
    "id_raw", "id_number", "id_status", "id_prefix", "id_suffix", "id_len",
    "by", "bm", "bd", "birth_src", "sex", "phone", "address", "employer",
)
"""Columns of the frame :func:`prepare_records` returns."""

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.array(list("10X98765432"))


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name].astype("object").where(df[name].notna(), "").astype(str).reset_index(drop=True)
    return pd.Series([""] * len(df), dtype="object")


def _map_unique(s: pd.Series, fn: Callable[[str], object]) -> pd.Series:
    uniq = pd.unique(s)
    mapping = dict(zip(uniq, map(fn, uniq), strict=True))
    return s.map(mapping)


def _normalize_names_batch(names: pd.Series) -> pd.Series:
    """normalize_person_name over distinct values, with one OpenCC call for all CJK names."""
    uniq = pd.unique(names)
    nfkc = [unicodedata.normalize("NFKC", u).strip().replace("\n", " ") for u in uniq]
    cjk_idx = [i for i, u in enumerate(nfkc) if has_cjk(u)]
    converted = to_simplified("\n".join(nfkc[i] for i in cjk_idx)).split("\n") if cjk_idx else []
    done = len(converted) == len(cjk_idx)
    if done:
        for i, c in zip(cjk_idx, converted, strict=True):
            nfkc[i] = c
    mapping = {u: _person_name_after_nfkc(v, convert=not done) for u, v in zip(uniq, nfkc, strict=True)}
    return names.map(mapping)


def _sorted_key(key: str) -> str:
    if not key:
        return ""
    sur, given = split_name(key)
    return sur + "".join(sorted(given))


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


def _parse_birth(s: pd.Series) -> pd.DataFrame:
    """ISO-ish dates (``1968-01-05``, ``1968-01``, ``1968``, ``19680105``, ``1968年1月5日``) → y, m, d ints
    (0 when unknown)."""
    t = s.str.strip()
    ex = t.str.extract(r"^(\d{4})(?:[-./年]?(\d{1,2}))?(?:[-./月]?(\d{1,2}))?")
    compact = t.str.fullmatch(r"\d{8}").fillna(False)
    if compact.any():
        ex.loc[compact, 0] = t[compact].str[:4]
        ex.loc[compact, 1] = t[compact].str[4:6]
        ex.loc[compact, 2] = t[compact].str[6:8]
    y = pd.to_numeric(ex[0], errors="coerce").fillna(0).astype(np.int16)
    m = pd.to_numeric(ex[1], errors="coerce").fillna(0).astype(np.int8)
    d = pd.to_numeric(ex[2], errors="coerce").fillna(0).astype(np.int8)
    bad_m = (m < 0) | (m > 12)
    m = m.where(~bad_m, 0)
    d = d.where(~bad_m & (d <= 31), 0)
    y = y.where((y >= 1880) & (y <= 2100), 0)
    return pd.DataFrame({"y": y.to_numpy(), "m": m.to_numpy(), "d": d.to_numpy()})


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
    out = pd.DataFrame(index=pd.RangeIndex(n))
    out["name"] = _col(df, "name")
    out["name_norm"] = _normalize_names_batch(out["name"])
    out["name_key"] = out["name_norm"].str.replace("·", "", regex=False)
    key = out["name_key"]
    out["surname"] = _map_unique(key, lambda k: split_name(k)[0])
    out["sorted_key"] = _map_unique(key, _sorted_key)
    out["py_key"] = _map_unique(key, pinyin_key)
    out["py_fuzzy"] = _map_unique(key, fuzzy_pinyin_key)
    out["init_key"] = _map_unique(key, initials_key)
    out["sur_py"] = out["init_key"].str.split("|", n=1).str[0].fillna("")

    ids = _parse_ids(_col(df, "id_number"))
    for c in ("id_raw", "id_number", "id_status", "id_prefix", "id_suffix", "id_len"):
        out[c] = ids[c]

    b = _parse_birth(_col(df, "birth_date"))
    from_id = ids["iy"] > 0
    out["by"] = np.where(from_id, ids["iy"], b["y"]).astype(np.int16)
    out["bm"] = np.where(from_id, ids["im"], b["m"]).astype(np.int8)
    out["bd"] = np.where(from_id, ids["iday"], b["d"]).astype(np.int8)
    out["birth_src"] = np.where(from_id, 2, np.where(b["y"].to_numpy() > 0, 1, 0)).astype(np.int8)

    sex_field = _col(df, "sex").str.strip().str.upper().map(_SEX).fillna(0).astype(np.int8).to_numpy()
    out["sex"] = np.where(ids["isex"] > 0, ids["isex"], sex_field).astype(np.int8)

    phone = _col(df, "phone")
    ascii_plain = phone.str.fullmatch(r"1[3-9]\d{9}").fillna(False)
    out["phone"] = phone.where(ascii_plain, _map_unique(phone.where(~ascii_plain, ""), normalize_phone))
    out["address"] = _col(df, "address")
    out["employer"] = _col(df, "employer")
    return out
