"""Any file as a list of persons, one record per data row: what ``guanlian collide`` compares.

Two ways to read a file:

* a **plain person list** (no kind): a name column and any of resident ID, another ID (type + number:
  passport, Hong Kong/Macau permit, social-security number …), birth date or month, sex, phone, address and
  employer, under Chinese or English headers (:data:`PLAIN_FIELDS`; the words come from the model's Person
  labels and the loaders' own header aliases, plus English). Only the name is required.
* a **known kind** (officials, relatives, shareholders, officers, companies, payments, subsidies): the kind's
  own headers (:data:`guanlian.loaders.pipeline.KINDS`) and a :class:`PersonView` saying which of its columns
  describe a person. A family table (relatives) describes two persons per row, the relative and the official;
  ``side`` picks ``relative`` (default), ``official`` or ``both``. Its officials need not be loaded anywhere.

Every data row gives one record (two with ``side="both"``), so repeated rows stay repeated, and each record
carries its file row (the number a person sees in Excel). Rows without a usable name are rejected with file,
row, field and reason; holders and payees that are organisations are skipped and counted.

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "list.csv"
    >>> _ = p.write_text("Full Name,Date of Birth\\n王晓明,1980.05\\n王晓明,1980.05\\n", encoding="utf-8")
    >>> people = read_person_list(p)
    >>> people.kind, people.records[["row", "name", "birth_date"]].values.tolist()
    (None, [[2, '王晓明', '1980-05'], [3, '王晓明', '1980-05']])
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanlian.loaders.common import looks_like_company, parse_resident_ids
from guanlian.loaders.parse import clean_text, map_unique, parse_dates, parse_sex
from guanlian.loaders.pipeline import KINDS, LoadError, _flag_cells, detect_kind, map_columns
from guanlian.loaders.read import RawTable, ReadError, norm_header, read_table
from guanlian.loaders.spec import REASONS, Batch
from guanlian.model import model
from guanlian.values.ids import credit_codes
from guanlian.values.vocab import ROLE, in_language, said, tr

__all__ = [
    "ISSUE_COLUMNS",
    "PERSON_COLUMNS",
    "PLAIN_FIELDS",
    "SIDES",
    "VIEWS",
    "PersonList",
    "PersonListError",
    "PersonView",
    "header_key",
    "read_person_list",
]

PERSON_COLUMNS: tuple[str, ...] = ("name", "id_number", "other_id_type", "other_id", "birth_date", "sex", "phone",
                                   "address", "employer")
"""Columns of a person record besides ``row`` and ``role`` (``other_id_type``/``other_id``: an identity
document that is not a resident ID)."""

ISSUE_COLUMNS: tuple[str, ...] = ("file", "row", "field", "value", "severity", "code", "reason_zh", "reason_en")

Side = Literal["relative", "official", "both"]
SIDES: tuple[Side, ...] = ("relative", "official", "both")


class PersonListError(ValueError):
    """A file cannot be read as a person list at all; the message names the file and its header."""


def header_key(header: str) -> str:
    """A header as compared with the plain-list vocabulary: :func:`norm_header`, lower case, and no
    ``_ - . /`` (so ``Date of Birth``, ``date_of_birth`` and ``DateOfBirth`` are one key).

    Example:
        >>> header_key(" Date_of birth "), header_key("身份证号码（必填）")
        ('dateofbirth', '身份证号码(必填)')
    """
    return re.sub(r"[_\-./]", "", norm_header([header])[0].lower())


# -- the plain-list vocabulary ------------------------------------------------------------------------------


def _loader_aliases(field_name: str, types: Sequence[str]) -> tuple[str, ...]:
    """Every header the loaders accept for a field of this name and value type (one vocabulary)."""
    return tuple(a for spec in KINDS.values() for f in spec.fields
                 if f.name == field_name and f.type in types for a in f.aliases)


def _person_labels(prop: str) -> tuple[str, ...]:
    p = model().node("Person").prop(prop)
    return (p.label_zh, p.label_en)


_GENERIC_ID = ("证件号码", "证件号", "证照号码", "证件编号", "id number", "id no", "id", "document number",
               "identity number", "identification number")


def _plain_fields() -> dict[str, tuple[str, ...]]:
    resident = [a for a in _loader_aliases("id_number", ("resident_id",)) if a not in _GENERIC_ID]
    fields: dict[str, tuple[str, ...]] = {
        "name": ("姓名", *_person_labels("name"), *_loader_aliases("name", ("person_name",)), "名字", "人员姓名",
                 "full name", "person name", "person", "holder name"),
        "surname": ("姓", "姓氏", "surname", "family name", "last name"),
        "given_name": ("名", "given name", "first name", "forename"),
        "id_number": (*_person_labels("id_number"), *resident, "身份证", "身份证号码", "居民身份证号码",
                      "公民身份证号码", "resident id number", "id card", "id card number", "national id",
                      "citizen id", "chinese id"),
        "id_type": ("证件类型", "证件种类", "证照类型", "证件名称", "id type", "document type",
                    "identity document type"),
        "id_any": _GENERIC_ID,
        "other_id": ("其他证件号码", "护照号码", "护照号", "港澳通行证号码", "港澳居民来往内地通行证号码",
                     "台湾居民来往大陆通行证号码", "外国人永久居留身份证号码", "社会保障号码", "社保号码",
                     "other id", "other id number", "passport", "passport number", "passport no",
                     "social security number", "ssn", "soc sec id", "permit number"),
        "birth_date": (*_person_labels("birth_date"), *_loader_aliases("birth_date", ("date",)), "出生年月日",
                       "生日", "出生时间", "date of birth", "birth date", "birthdate", "dob", "birthday",
                       "birth month"),
        "sex": (*_person_labels("sex"), *_loader_aliases("sex", ("sex",)), "性别", "gender"),
        "phone": (*_person_labels("phone"), *_loader_aliases("phone", ("phone",)), "手机", "电话号码",
                  "mobile", "mobile phone", "telephone", "tel", "phone number"),
        "address": (*_person_labels("address"), *_loader_aliases("address", ("address",)), "地址",
                    "户籍地址", "户籍所在地", "home address", "street address", "address 1", "address1"),
        "employer": (*_person_labels("employer"), *_loader_aliases("employer", ("text",)),
                     *_loader_aliases("unit", ("unit_name",)), "工作单位及职务", "工作单位", "单位名称",
                     "company", "organisation", "organization", "work unit", "employer name"),
    }
    return {k: tuple(dict.fromkeys(header_key(a) for a in v)) for k, v in fields.items()}


PLAIN_FIELDS: Mapping[str, tuple[str, ...]] = _plain_fields()
"""Plain-list field → the header keys (:func:`header_key`) that name it, in order of preference (when two
columns name one field, the one with the earlier word wins: ``姓名`` before ``干部姓名``)."""


def _plain_columns(header: list[str]) -> dict[str, int]:
    """Plain field → column index of the header (the most preferred word; ties: the leftmost column)."""
    keys = [header_key(h) for h in header]
    chosen: dict[str, int] = {}
    taken: set[int] = set()
    for fname, words in PLAIN_FIELDS.items():
        best: tuple[int, int] | None = None
        for i, k in enumerate(keys):
            if k in words and i not in taken and (best is None or words.index(k) < best[0]):
                best = (words.index(k), i)
        if best is not None:
            chosen[fname] = best[1]
            taken.add(best[1])
    return chosen


def _plain_score(cells: list[str]) -> int:
    """Header-row score: recognised plain-list columns, the name column counting twice (a list of names only
    still has a header)."""
    cols = _plain_columns(cells)
    return len(cols) + (1 if "name" in cols or {"surname", "given_name"} <= set(cols) else 0)


# -- views of the loaders' kinds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonView:
    """Which columns of a loader kind describe one person of each row.

    Attributes:
        kind: the loader kind (:data:`~guanlian.loaders.pipeline.KINDS`).
        role: what the person is in that file (``relative``, ``official``, ``shareholder`` …).
        fields: person column (:data:`PERSON_COLUMNS`, or ``id_any`` for a cell that holds a resident ID or
            another number) → the kind's field.
        organisations: a field whose rows that read as an organisation are skipped (holders, payees).
    """

    kind: str
    role: str
    fields: Mapping[str, str]
    organisations: str | None = None


VIEWS: Mapping[str, Mapping[str, PersonView]] = {
    "officials": {"official": PersonView("officials", "official", {
        "name": "name", "id_number": "id_number", "sex": "sex", "birth_date": "birth_date", "phone": "phone",
        "address": "address", "employer": "unit"})},
    "relatives": {
        "relative": PersonView("relatives", "relative", {
            "name": "name", "id_number": "id_number", "birth_date": "birth_date", "phone": "phone",
            "employer": "employer"}),
        "official": PersonView("relatives", "official", {"name": "official_name", "id_number": "official_id"}),
    },
    "shareholders": {"shareholder": PersonView("shareholders", "shareholder", {
        "name": "holder", "id_any": "holder_id", "employer": "company"}, organisations="holder")},
    "officers": {"officer": PersonView("officers", "officer", {
        "name": "name", "id_any": "id_number", "employer": "company"})},
    "companies": {"legal_rep": PersonView("companies", "legal_rep", {
        "name": "legal_rep", "id_number": "legal_rep_id", "employer": "name"})},
    "payments": {"payee": PersonView("payments", "payee", {"name": "payee"}, organisations="payee")},
    "subsidies": {"recipient": PersonView("subsidies", "recipient", {"name": "name", "id_number": "id_number"})},
}
"""Kind → role → :class:`PersonView`. Change records (``changes``) name people inside free text and are not a
person list."""


# -- the result -------------------------------------------------------------------------------------------------


@dataclass
class PersonList:
    """A file read as person records.

    Attributes:
        path: the file.
        kind: the loader kind it was read as, or None for a plain person list.
        roles: the roles taken (``("relative",)`` for a family table by default; ``("person",)`` for a plain list).
        records: one row per record: ``row`` (file row), ``role``, and the :data:`PERSON_COLUMNS` present.
        columns: the person columns the file has (``name`` first).
        read: data rows read.
        skipped: rows left out because the party is an organisation (holders, payees).
        issues: rejected rows and warnings (:data:`ISSUE_COLUMNS`); a rejected row gives no record.
        header: the header row as written; ``sheet``: the sheet read (workbooks).
    """

    path: Path
    kind: str | None
    roles: tuple[str, ...]
    records: pd.DataFrame
    columns: tuple[str, ...]
    read: int
    skipped: int = 0
    issues: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(ISSUE_COLUMNS)))
    header: list[str] = field(default_factory=list)
    sheet: str | None = None

    @property
    def rejected(self) -> int:
        """Rows rejected (each counted once)."""
        bad = self.issues[self.issues["severity"] == "rejected"]
        return int(bad["row"].nunique())

    @property
    def name_only(self) -> bool:
        """True when the records carry nothing but names."""
        return self.columns == ("name",)


def _issue(out: list[dict[str, object]], file: str, rows: pd.Series, field_name: str, values: pd.Series,
           code: str, severity: str) -> None:
    zh, en = REASONS[code]
    for r, v in zip(rows.tolist(), values.tolist(), strict=True):
        out.append({"file": file, "row": int(r), "field": field_name, "value": v, "severity": severity,
                    "code": code, "reason_zh": zh, "reason_en": en})


_HAS_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_RESIDENT_TYPE = re.compile(r"身份证|居民|resident|idcard|nationalid|citizen", re.IGNORECASE)
_CORPORATE_TYPES = ("企业", "法人", "公司", "机构", "合伙", "单位", "事业")


def _records(frame: pd.DataFrame, fields: Mapping[str, str], role: str, file: str, id_type: str | None,
             other_label: str | None, issues: list[dict[str, object]]) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Person records from a frame of cleaned strings (``src_row`` + source columns); rows without a name
    are rejected into ``issues``."""
    name_src = fields.get("name")
    if name_src is not None:
        names = frame[name_src]
    else:  # surname + given name
        sur, giv = frame[fields["surname"]], frame[fields["given_name"]]
        latin = map_unique(sur + giv, lambda v: bool(v) and not any("\u3400" <= ch <= "\u9fff" for ch in v),
                           dtype=bool)
        names = (giv + " " + sur).str.strip().where(latin, sur + giv)
        name_src = fields["surname"]
    empty = names == ""
    _issue(issues, file, frame.loc[empty, "src_row"], name_src, names[empty], "missing_required", "rejected")
    no_letters = ~empty & ~_has_letter(names)
    _issue(issues, file, frame.loc[no_letters, "src_row"], name_src, names[no_letters], "name_no_letters",
           "rejected")
    keep = ~(empty | no_letters)
    frame, names = frame[keep], names[keep]
    out = pd.DataFrame({"row": frame["src_row"].astype("int64").to_numpy(), "role": role,
                        "name": names.to_numpy(dtype=object)})
    cols: list[str] = ["name"]

    def col(src: str | None) -> pd.Series:
        return frame[src] if src is not None and src in frame.columns else pd.Series("", index=frame.index)

    rid = col(fields.get("id_number"))
    anyid = col(fields.get("id_any"))
    other = col(fields.get("other_id"))
    other_type = pd.Series(other_label or "", index=frame.index).where(other != "", "")
    if "id_any" in fields and (anyid != "").any():
        types = col(id_type)
        typed_resident = map_unique(types, lambda t: bool(_RESIDENT_TYPE.search(t.replace(" ", ""))), dtype=bool)
        shaped = _matches(anyid, r"^[0-9*xX]{15,18}$")
        as_resident = (anyid != "") & (typed_resident | ((types == "") & shaped))
        rid = rid.where(rid != "", anyid.where(as_resident, ""))
        as_other = (anyid != "") & ~as_resident & (other == "")
        other = other.where(~as_other, anyid)
        other_type = other_type.where(~as_other, types)
    values = {"id_number": rid, "other_id": other, "other_id_type": other_type}
    declared = {"id_number": "id_number" in fields or "id_any" in fields, "other_id": "other_id" in fields,
                "other_id_type": "other_id" in fields}
    for c in ("id_number", "other_id_type", "other_id"):
        if declared[c] or (values[c] != "").any():
            out[c] = values[c].to_numpy(dtype=object)
            cols.append(c)
    if "birth_date" in fields:
        text = col(fields["birth_date"])
        parsed = parse_dates(text)
        bad = (parsed.bad | parsed.out_of_range) & (text != "")
        _issue(issues, file, frame.loc[bad, "src_row"], fields["birth_date"], text[bad], "bad_date", "warning")
        iso = _as_given(parsed.iso.where(~bad, None), text)
        out["birth_date"] = iso.fillna("").to_numpy(dtype=object)
        cols.append("birth_date")
    if "sex" in fields:
        out["sex"] = parse_sex(col(fields["sex"])).fillna("").to_numpy(dtype=object)
        cols.append("sex")
    for c in ("phone", "address", "employer"):
        if c in fields:
            out[c] = col(fields[c]).to_numpy(dtype=object)
            cols.append(c)
    return out, tuple(cols)


# A CJK ideograph of the basic block or an ASCII letter is a letter for _HAS_LETTER too (checked by RE2 on
# the whole column); only names without one go through Python's Unicode rule.
_SURE_LETTER_RE2 = "[\\x{4e00}-\\x{9fff}A-Za-z]"


def _has_letter(names: pd.Series) -> pd.Series:
    """Per cleaned name: does it hold a letter (``_HAS_LETTER``, Python's Unicode rule)?

    >>> _has_letter(pd.Series(["王芳", "J. Smith", "１２", "—", "Ölçer"])).tolist()
    [True, True, False, False, True]
    """
    sure = _matches(names, _SURE_LETTER_RE2)
    rest = ~sure
    if rest.any():
        sure[rest] = map_unique(names[rest], lambda v: bool(_HAS_LETTER.search(v)), dtype=bool).to_numpy()
    return sure


def _matches(values: pd.Series, pattern: str) -> pd.Series:
    """Vectorised full-match of an RE2 pattern on cleaned (NFKC, ASCII digits) strings."""
    arr = pa.array(values.to_numpy(dtype=object), type=pa.string())
    hit = pc.fill_null(pc.match_substring_regex(arr, pattern), False).to_numpy(zero_copy_only=False)
    return pd.Series(hit, index=values.index, dtype=bool)


def _as_given(iso: pd.Series, text: pd.Series) -> pd.Series:
    """:func:`~guanlian.loaders.parse.as_precise_as_given`, vectorised for long lists: a birth month stays a
    month (``1985.07`` → ``1985-07``), a year a year.

    Example:
        >>> _as_given(pd.Series(["2014-04-01", "2014-01-01", "2014-04-05", None], dtype=object),
        ...           pd.Series(["2014.04", "2014年", "2014-4-5", ""])).tolist()
        ['2014-04', '2014', '2014-04-05', None]
    """
    month = _matches(text, r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*月?$|^\d{6}$").to_numpy()
    year = _matches(text, r"^\d{4}\s*年?$").to_numpy()
    values = iso.to_numpy(dtype=object)
    ok = np.array([isinstance(v, str) for v in values], dtype=bool)
    out = values.copy()
    for mask, width in ((month & ok, 7), (year & ok, 4)):
        idx = np.flatnonzero(mask)
        out[idx] = [values[i][:width] for i in idx]
    return pd.Series(out, index=iso.index, dtype=object)


def _organisations(frame: pd.DataFrame, view: PersonView) -> pd.Series:
    """Rows whose party (holder, payee) is an organisation, as the loaders decide it."""
    assert view.organisations is not None
    names = frame[view.organisations]
    org = looks_like_company(names)
    if view.kind == "shareholders":
        htype = frame["holder_type"] if "holder_type" in frame.columns else pd.Series("", index=frame.index)
        corporate_type = map_unique(htype, lambda t: any(w in t for w in _CORPORATE_TYPES), dtype=bool)
        org = (htype == "") & org | corporate_type
        if "holder_id" in frame.columns:
            _, status = credit_codes(frame["holder_id"])
            org |= (status == "valid") & (parse_resident_ids(frame["holder_id"]).status != "valid")
        org &= ~htype.str.contains("自然人")
    if view.kind == "payments" and "payee_code" in frame.columns:
        org |= frame["payee_code"] != ""
    return org.astype(bool)


def _read(path: Path, score: Callable[[list[str]], int]) -> RawTable:
    try:
        return read_table(path, score)
    except ReadError as exc:
        hint = ("；姓名列可以叫：", "; a name column may be called: ") if getattr(exc, "no_header", False) else None
        words = _name_words()
        raise said(PersonListError, in_language(exc, "zh") + (f"{hint[0]}{words}" if hint else ""),
                   in_language(exc, "en") + (f"{hint[1]}{words}" if hint else "")) from None


def _name_words() -> str:
    return ", ".join(["姓名", "name", "full name", "名字", "亲属姓名", "干部姓名", "surname + given name"])


def _combined_score(cells: list[str]) -> int:
    from guanlian.loaders.pipeline import header_score

    return max(_plain_score(cells), header_score(cells))


def _detected_kind(table: RawTable, path: Path) -> str | None:
    """The loader kind whose headers this table has, when it has a person view with its name column."""
    try:
        spec = detect_kind(table.header, path)
    except LoadError:
        return None
    views = VIEWS.get(spec.name)
    if not views or spec.name == "officials":  # 姓名 + 单位 is any list of people with employers
        return None
    cells = norm_header(table.header)
    name_fields = {v.fields["name"] for v in views.values()}
    have = {f.name for c in cells if (f := spec.field_for(c)) is not None}
    return spec.name if name_fields & have else None


def read_person_list(path: Path, kind: str | None = None, side: Side | None = None) -> PersonList:
    """Read ``path`` as person records, one per data row (two per row for a family table with ``side="both"``).

    Args:
        path: a CSV or Excel file.
        kind: ``None`` (a family table, shareholder, officer, company, payment or subsidy table is recognised
            by its headers; anything else, personnel lists included, is a plain person list), ``"persons"``
            (always a plain list), or a kind of :data:`VIEWS`.
        side: for a family table (relatives): ``relative`` (default), ``official`` or ``both``; ignored for
            other files.

    Returns:
        A :class:`PersonList`.

    Raises:
        PersonListError: the file cannot be read, has no header, no name column, or the kind does not fit;
            the message names the file and the header it found.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "fam.csv"
        >>> _ = p.write_text("干部姓名,称谓,姓名\\n周建国,妻子,刘桂兰\\n", encoding="utf-8")
        >>> fam = read_person_list(p, side="both")
        >>> fam.kind, fam.records[["row", "role", "name"]].values.tolist()
        ('relatives', [[2, 'relative', '刘桂兰'], [2, 'official', '周建国']])
    """
    path = Path(path)
    if kind is not None and kind != "persons" and kind not in VIEWS:
        known = ", ".join(("persons", *VIEWS))
        raise said(PersonListError, f"{path.name}：类型 {kind!r} 不能作为人员名单读取；可选：{known}",
                   f"{path.name}: kind {kind!r} is not a person list; use one of: {known}")
    if kind in VIEWS:
        spec = KINDS[str(kind)]
        table = _read(path, lambda cells: sum(1 for c in cells if spec.field_for(c)))
    else:
        table = _read(path, _plain_score if kind == "persons" else _combined_score)
        kind = _detected_kind(table, path) if kind is None else None
    file = path.name
    issues: list[dict[str, object]] = []
    batch = Batch()
    header_of: dict[str, str]
    frames: list[pd.DataFrame] = []
    columns: tuple[str, ...] = ()
    skipped = 0
    if kind is None:
        chosen = _plain_columns(table.header)
        if "name" not in chosen and not {"surname", "given_name"} <= set(chosen):
            raise said(
                PersonListError,
                f"{file}：找不到姓名列。表头：{table.header}。姓名列可以叫：{_name_words()}",
                f"{file}: no name column. Header: {table.header}. A name column may be called: {_name_words()}")
        header_of = {f: table.header[i] for f, i in chosen.items()}
        frame = pd.DataFrame({f: clean_text(table.rows[i]) for f, i in chosen.items()}, index=table.rows.index)
        frame["src_row"] = table.row_numbers.to_numpy()
        frame = _flag_cells(frame, table, batch)
        fields = {f: f for f in chosen if f != "id_type"}
        if "name" in fields:
            fields.pop("surname", None)
            fields.pop("given_name", None)
        other_label = table.header[chosen["other_id"]] if "other_id" in chosen else None
        recs, columns = _records(frame, fields, "person", file, "id_type" if "id_type" in chosen else None,
                                 other_label, issues)
        frames.append(recs)
        roles: tuple[str, ...] = ("person",)
    else:
        spec = KINDS[kind]
        header_of = {}
        for text, cell in zip(table.header, norm_header(table.header), strict=True):
            f = spec.field_for(cell)
            if f is not None:
                header_of.setdefault(f.name, text)
        try:
            frame = map_columns(table, spec, batch)
        except LoadError as exc:
            raise PersonListError(str(exc)) from None
        frame = _flag_cells(frame, table, batch)
        views = VIEWS[kind]
        if kind == "relatives":
            want = side or "relative"
            roles = ("relative", "official") if want == "both" else (want,)
        else:
            roles = tuple(views)
        for role in roles:
            view = views[role]
            fields = {p: f for p, f in view.fields.items() if f in frame.columns}
            if "name" not in fields:
                aliases = [a for f in spec.fields if f.name == view.fields["name"] for a in f.aliases]
                raise said(
                    PersonListError,
                    f"{file}：找不到{tr(ROLE, view.role, 'zh')}的姓名列，应为其中之一：{aliases}；表头：{table.header}",
                    f"{file}: no column names the {view.role}: expected one of {aliases}; header: {table.header}")
            part = frame
            if view.organisations is not None:
                org = _organisations(frame, view)
                skipped += int(org.sum())
                part = frame[~org]
            recs, cols = _records(part, fields, role, file, None, None, issues)
            frames.append(recs)
            columns = tuple(dict.fromkeys((*columns, *cols)))
    for item in batch.issues:
        issues.append({"file": file, **{k: item.get(k) for k in ISSUE_COLUMNS if k != "file"}})
    for note in table.warnings:
        issues.append({"file": file, "row": 0, "field": "", "value": "", "severity": "warning", "code": "file",
                       "reason_zh": note, "reason_en": note})
    records = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if len(frames) > 1:
        order = {r: i for i, r in enumerate(roles)}
        records = records.assign(_o=records["role"].map(order)).sort_values(["row", "_o"], kind="stable")
        records = records.drop(columns="_o").reset_index(drop=True)
    for c in columns:
        if c not in records.columns:
            records[c] = ""
        records[c] = records[c].fillna("")
    records = records[["row", "role", *columns]]
    for item in issues:  # the column as the file names it
        item["field"] = header_of.get(str(item["field"]), item["field"])
    issue_frame = pd.DataFrame(issues, columns=list(ISSUE_COLUMNS))
    if len(issue_frame):
        issue_frame = issue_frame.sort_values(["row"], kind="stable").reset_index(drop=True)
    return PersonList(path, kind, roles, records, columns, len(table.rows), skipped, issue_frame,
                      table.header, table.sheet)
