"""Typed cells: every column of a file parsed once, by the value type its :class:`~.spec.Field` declares.

The pipeline calls :meth:`Cells.parse` on a file's cleaned string columns before the kind's builder runs. Each
column is parsed in one vectorised pass, once per distinct value, by the parser registered for its type in
:data:`PARSERS` (dates, amounts, shares, resident IDs, credit codes, names, contacts …). Builders then read the
parsed values for the rows they keep (:meth:`Cells.dates`, :meth:`Cells.ids` …) instead of calling parsers by
hand; they still decide what a bad value means (reject the row or warn) and record the issue.

Example:
    >>> import pandas as pd
    >>> from guanlian.loaders.spec import Field
    >>> rows = pd.DataFrame({"paid_on": ["2019.03", "x"], "amount": ["12.3万元", "5"], "src_row": [2, 3]})
    >>> cells = Cells.parse(rows, (Field("paid_on", (), type="date"), Field("amount", (), type="amount")))
    >>> cells.dates(rows, "paid_on").iso.tolist(), cells.numbers(rows.iloc[:1], "amount")[0].tolist()
    (['2019-03-01', None], [12300000])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar, cast

import pandas as pd

from guanlian.loaders.common import (
    Ids,
    looks_like_company,
    normalize_account,
    parse_resident_ids,
)
from guanlian.loaders.kinship import classify
from guanlian.loaders.parse import (
    ParsedDates,
    map_unique,
    map_unique_many,
    parse_amounts,
    parse_dates,
    parse_sex,
    parse_shares,
    split_range,
)
from guanlian.loaders.spec import Field, ValueType
from guanlian.matching.normalize import (
    normalize_address,
    normalize_company_names,
    normalize_email,
    normalize_person_names,
    normalize_phone,
)
from guanlian.values.ids import credit_codes

T = TypeVar("T")


@dataclass(frozen=True)
class Numbers:
    """Parsed numbers (amounts in integer fen, or shares as 0..1) and the mask of non-empty cells that did not parse."""

    value: pd.Series
    bad: pd.Series


@dataclass(frozen=True)
class Codes:
    """Credit codes: canonical code (valid only, else None) and status (valid/bad_checksum/invalid/missing)."""

    code: pd.Series
    status: pd.Series


@dataclass(frozen=True)
class PartyIds:
    """An identifier cell that may hold a resident ID or a credit code (shareholders' 证件号码): both parses."""

    ids: Ids
    codes: Codes


@dataclass(frozen=True)
class PartyNames:
    """A name that may be a person's or an organisation's (payees, holders): both normal forms and the guess."""

    person: pd.Series
    company: pd.Series
    corporate: pd.Series


@dataclass(frozen=True)
class Tenure:
    """A range cell (``2015.03-至今``): its start and end text and their parsed dates."""

    start_text: pd.Series
    end_text: pd.Series
    start: ParsedDates
    end: ParsedDates


def _given(fn: Callable[[str], str], v: str | None) -> str:
    return fn(v) if v else ""


def _tenure(values: pd.Series) -> Tenure:
    start, end = split_range(values)
    return Tenure(start, end, parse_dates(start), parse_dates(end))


PARSERS: dict[ValueType, Callable[[pd.Series], object]] = {
    "date": parse_dates,
    "date_range": _tenure,
    "amount": lambda s: Numbers(*parse_amounts(s)),
    "share": lambda s: Numbers(*parse_shares(s)),
    "resident_id": parse_resident_ids,
    "credit_code": lambda s: Codes(*credit_codes(s)),
    "party_id": lambda s: PartyIds(parse_resident_ids(s), Codes(*credit_codes(s))),
    "sex": parse_sex,
    # names: one OpenCC call per column for all its distinct names (normalize_*_names), not one per name
    "person_name": lambda s: map_unique_many(s, normalize_person_names),
    "company_name": lambda s: map_unique_many(s, normalize_company_names),
    "unit_name": lambda s: map_unique_many(s, normalize_company_names),  # normalize_unit_name is the company rule
    "party_name": lambda s: PartyNames(map_unique_many(s, normalize_person_names),
                                       map_unique_many(s, normalize_company_names), looks_like_company(s).astype(bool)),
    "kinship": lambda s: map_unique(s, classify),
    "phone": lambda s: map_unique(s, partial(_given, normalize_phone)),
    "address": lambda s: map_unique(s, partial(_given, normalize_address)),
    "email": lambda s: map_unique(s, partial(_given, normalize_email)),
    "account": lambda s: map_unique(s, partial(_given, normalize_account)),
}
"""The parser of each value type (``text`` has none: the cleaned string is the value)."""


def _take(value: T, index: pd.Index) -> T:
    """``value`` restricted to the rows ``index`` (a Series, or a dataclass of Series and such dataclasses)."""
    if isinstance(value, pd.Series):
        return cast(T, value.loc[index])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = {f.name: _take(getattr(value, f.name), index) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **parts)
    raise TypeError(f"cannot take rows of {type(value).__name__}")


class Cells:
    """The parsed columns of one file, by canonical field name (see the module docstring)."""

    def __init__(self, parsed: dict[str, object] | None = None) -> None:
        self._parsed = dict(parsed or {})

    @classmethod
    def parse(cls, rows: pd.DataFrame, fields: Sequence[Field]) -> Cells:
        """Parse every column of ``rows`` named by a typed field in ``fields`` (one pass per column)."""
        parsed: dict[str, object] = {}
        for f in fields:
            fn = PARSERS.get(f.type)
            if fn is not None and f.name in rows.columns:
                parsed[f.name] = fn(rows[f.name])
        return cls(parsed)

    def has(self, field: str) -> bool:
        """True when column ``field`` was present and parsed."""
        return field in self._parsed

    def _get(self, rows: pd.DataFrame, field: str, kind: type[T]) -> T | None:
        value = self._parsed.get(field)
        if value is None:
            return None
        if not isinstance(value, kind):
            raise TypeError(f"field {field!r} holds {type(value).__name__}, not {kind.__name__}")
        return _take(value, rows.index)

    def dates(self, rows: pd.DataFrame, field: str) -> ParsedDates:
        """Parsed dates of ``field`` for ``rows`` (all empty when the column is absent)."""
        got = self._get(rows, field, ParsedDates)
        return got if got is not None else parse_dates(pd.Series("", index=rows.index, dtype=object))

    def tenure(self, rows: pd.DataFrame, field: str) -> Tenure | None:
        """The parsed range of ``field`` for ``rows``, or None when the column is absent."""
        return self._get(rows, field, Tenure)

    def numbers(self, rows: pd.DataFrame, field: str) -> tuple[pd.Series, pd.Series]:
        """(value, bad) of an amount or share column for ``rows`` (None / False when the column is absent)."""
        got = self._get(rows, field, Numbers)
        if got is None:
            return pd.Series(None, index=rows.index, dtype="float64"), pd.Series(False, index=rows.index)
        return got.value, got.bad

    def ids(self, rows: pd.DataFrame, field: str) -> Ids:
        """Parsed resident IDs of ``field`` (a resident-ID or party-ID column) for ``rows``."""
        value = self._parsed.get(field)
        if isinstance(value, PartyIds):
            return _take(value.ids, rows.index)
        got = self._get(rows, field, Ids)
        return got if got is not None else parse_resident_ids(pd.Series("", index=rows.index, dtype=object))

    def codes(self, rows: pd.DataFrame, field: str | None) -> Codes:
        """Parsed credit codes of ``field`` (a credit-code or party-ID column) for ``rows``."""
        value = self._parsed.get(field) if field else None
        if isinstance(value, PartyIds):
            return _take(value.codes, rows.index)
        got = self._get(rows, field, Codes) if field else None
        return got if got is not None else Codes(*credit_codes(pd.Series("", index=rows.index, dtype=object)))

    def party_names(self, rows: pd.DataFrame, field: str) -> PartyNames:
        """Both normal forms of a person-or-organisation name column for ``rows``."""
        got = self._get(rows, field, PartyNames)
        if got is None:
            raise KeyError(f"field {field!r} was not parsed as a party name")
        return got

    def company_names(self, rows: pd.DataFrame, field: str) -> pd.Series:
        """Normalised company names of a company-name or party-name column for ``rows``."""
        value = self._parsed.get(field)
        if isinstance(value, PartyNames):
            return _take(value.company, rows.index)
        return self.values(rows, field)

    def values(self, rows: pd.DataFrame, field: str) -> pd.Series:
        """The parsed Series of a name, sex, kinship or contact column for ``rows``.

        A party-name column gives its person form. Raises KeyError when the column was not parsed.
        """
        value = self._parsed.get(field)
        if isinstance(value, PartyNames):
            return _take(value.person, rows.index)
        got = self._get(rows, field, pd.Series)
        if got is None:
            raise KeyError(f"field {field!r} was not parsed")
        return got


__all__ = ["PARSERS", "Cells", "Codes", "Numbers", "PartyIds", "PartyNames", "Tenure"]
