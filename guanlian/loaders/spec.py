"""What every loader shares: field specs with header aliases, issue codes, the build context and batch.

A loader module (``officials``, ``relatives`` …) declares ``SPEC = KindSpec(...)`` with its fields and a
``build(rows, ctx) -> Batch`` function. ``rows`` holds one cleaned string column per canonical field plus
``src_row``; each field declares its value type, and the pipeline parses every typed column once before the
builder runs (``ctx.cells``). The builder reads the parsed values, records issues (a *reject* drops the row, a
*warning* keeps it) and returns node and edge frames shaped for :mod:`guanlian.graph.frames`.

Example:
    >>> f = Field("name", ("姓名", "干部姓名"), required=True, type="person_name")
    >>> f.matches("干部姓名"), f.matches("name"), f.type
    (True, True, 'person_name')
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import pandas as pd

from guanlian.graph.frames import Conflict, prepare_edges, prepare_nodes
from guanlian.model import model
from guanlian.values.privacy import mask_text

if TYPE_CHECKING:
    from guanlian.loaders.cells import Cells

Severity = Literal["rejected", "warning"]

REASONS: dict[str, tuple[str, str]] = {
    "missing_required": ("必填字段为空", "required field is empty"),
    "bad_date": ("日期无法识别", "unrecognised date"),
    "date_out_of_range": ("日期超出合理范围(1900—2100年)", "date outside 1900-2100"),
    "future_date": ("日期晚于今天", "date is in the future"),
    "bad_amount": ("金额无法识别", "unrecognised amount"),
    "negative_amount": ("金额为负数或零", "amount is negative or zero"),
    "absurd_amount": ("金额超过1000亿元,疑似错误", "amount above 100 billion CNY, implausible"),
    "bad_share": ("持股比例无法识别或不在0—100%之间", "share unrecognised or outside 0-100%"),
    "id_bad_checksum": ("身份证号校验位错误,保留原值", "resident ID check character is wrong; raw value kept"),
    "id_invalid": ("身份证号格式无效,保留原值", "resident ID is malformed; raw value kept"),
    "id_masked": ("身份证号已脱敏,仅作部分证据", "resident ID is masked; partial evidence only"),
    "id_precision_lost": (
        "身份证号被 Excel 存成数字,末位已丢失",
        "resident ID was stored as a number by Excel; digits lost",
    ),
    "code_bad_checksum": ("统一社会信用代码校验位错误,保留原值", "credit code check character is wrong; raw value kept"),
    "code_invalid": ("统一社会信用代码格式无效,保留原值", "credit code is malformed; raw value kept"),
    "term_end_before_start": ("离任时间早于任职时间", "tenure ends before it starts"),
    "too_many_fields": ("该行字段数多于表头", "row has more fields than the header"),
    "unknown_relation": ("未知称谓,按原文保留", "unknown kinship term, kept as written"),
    "official_not_found": ("找不到该干部(请先导入干部信息或填写干部身份证号)", "official not found (load officials first or give the ID)"),
    "official_ambiguous": ("同名干部不止一人,请填写干部身份证号", "several officials share this name; give the ID"),
    "name_no_letters": ("姓名/名称没有文字", "name has no letters"),
    "cell_too_long": ("单元格内容过长,已截断", "cell too long; truncated"),
    "formula": ("单元格是公式,按文本保留", "cell is a formula; kept as text"),
    "excel_error": ("单元格是 Excel 错误值", "cell holds an Excel error value"),
    "duplicate_header": ("重复的表头,只用第一列", "duplicated header; first column used"),
    "conflict": ("与另一来源的值不一致,保留较小的值", "differs from another source's value; the smaller value is kept"),
}


def conflict_issue(c: Conflict) -> dict[str, object]:
    """An issue (warning) for a conflict: the row of the value set aside, naming both values and sources.

    >>> from guanlian.graph.frames import Conflict
    >>> i = conflict_issue(Conflict("Company", "uscc:X", "status", "存续", "注销", "r.csv:2", "p.csv:7"))
    >>> i["file"], i["row"], i["value"]
    ('p.csv', 7, '注销 ≠ 存续 (r.csv:2)')
    """
    file, _, row = c.other_source.rpartition(":")
    zh, en = REASONS["conflict"]
    # the node key of a person is ``ric:<resident ID>``: masked like every ID in the rejects file
    where = mask_text(f"{c.kind} {c.key} {c.prop}")
    return {"file": file, "row": int(row) if row.isdigit() else 0, "field": c.prop,
            "value": mask_text(f"{c.other} ≠ {c.kept} ({c.kept_source})"), "code": "conflict", "severity": "warning",
            "reason_zh": f"{zh}: {where}", "reason_en": f"{en}: {where}"}


ValueType = Literal[
    "text", "person_name", "company_name", "unit_name", "party_name", "date", "date_range", "amount", "share",
    "resident_id", "credit_code", "party_id", "sex", "kinship", "phone", "address", "email", "account",
]
"""What a column holds, which decides how the pipeline parses it (:data:`guanlian.loaders.cells.PARSERS`):

``text`` (kept as cleaned), ``person_name`` / ``company_name`` / ``unit_name`` (normalised for keys and
matching), ``party_name`` (a person or an organisation: both normal forms), ``date``, ``date_range``
(``2015.03-至今``), ``amount`` (yuan, parsed to integer fen), ``share`` (0..1), ``resident_id``, ``credit_code``, ``party_id`` (either
of the two), ``sex``, ``kinship`` (称谓), and the contacts ``phone``, ``address``, ``email``, ``account``."""


@dataclass(frozen=True)
class Field:
    """A canonical field, the headers that name it (English canonical name always accepted) and its value type."""

    name: str
    aliases: tuple[str, ...]
    required: bool = False
    type: ValueType = "text"

    def matches(self, header: str) -> bool:
        return header == self.name or header in self.aliases


@dataclass
class Batch:
    """Node and edge frames plus issues produced from one file."""

    nodes: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    edges: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    issues: list[dict[str, object]] = field(default_factory=list)
    rejected_rows: set[int] = field(default_factory=set)
    company_names: dict[str, set[str]] = field(default_factory=dict)
    """Normalised name → keys of the companies with a valid credit code (several when namesakes are registered)."""
    officials: dict[str, str | None] = field(default_factory=dict)
    """Key → normalised name of every official (a SERVES_IN source), in row order."""

    def note_references(self) -> None:
        """Fill :attr:`company_names` and :attr:`officials` from the frames (before :meth:`compact`)."""
        for frame in self.nodes.get("Company", []):
            if "credit_code" in frame.columns:
                ok = frame["credit_code"].notna()
                for n, k in zip(frame.loc[ok, "name_norm"], frame.loc[ok, "key"], strict=True):
                    self.company_names.setdefault(n, set()).add(k)
        serves = self.edges.get("SERVES_IN", [])
        if serves:
            people = pd.concat(self.nodes.get("Person", []))
            names = people.drop_duplicates("key").set_index("key")["name_norm"]
            for frame in serves:
                for k, n in zip(frame["src"], frame["src"].map(names), strict=True):
                    self.officials.setdefault(k, n if isinstance(n, str) else None)

    def compact(self) -> None:
        """One typed frame per kind with one row per key (merged by the model's rules; conflicts become warnings).

        Loads write the same result (combining is associative), but a batch handed back from a worker
        process is several times smaller: a ledger names its paying unit on every row.
        """
        m = model()
        found: list[Conflict] = []
        self.nodes = {k: [prepare_nodes(m.node(k), pd.concat(fs, ignore_index=True), found)]
                      for k, fs in self.nodes.items()}
        self.edges = {k: [prepare_edges(m.edge(k), pd.concat(fs, ignore_index=True), found)]
                      for k, fs in self.edges.items()}
        for c in found:
            issue = conflict_issue(c)
            del issue["file"]  # the pipeline adds the file of the batch
            self.issues.append(issue)

    def add_nodes(self, kind: str, frame: pd.DataFrame) -> None:
        if len(frame):
            self.nodes.setdefault(kind, []).append(frame)

    def add_edges(self, kind: str, frame: pd.DataFrame) -> None:
        if len(frame):
            self.edges.setdefault(kind, []).append(frame)

    def issue(
        self, rows: pd.Series, field_name: str, values: pd.Series, code: str, severity: Severity
    ) -> None:
        """Record ``code`` for every row number in ``rows`` (values aligned by index)."""
        zh, en = REASONS[code]
        for r, v in zip(rows.tolist(), values.tolist(), strict=True):
            self.issues.append(
                {"row": int(r), "field": field_name, "value": v, "code": code, "severity": severity,
                 "reason_zh": zh, "reason_en": en}
            )
            if severity == "rejected":
                self.rejected_rows.add(int(r))


@dataclass
class BuildContext:
    """What a builder needs besides its rows.

    ``company_key_for_name`` maps a normalised company name to the credit-code key of the one registered
    company of that name (registry data loaded earlier or in the same run), None when there is none or several
    (a namesake is never picked silently: :mod:`guanlian.loaders.relink` links such a name to every candidate); ``officials`` resolves an official by resident ID or by name;
    ``cells`` holds the file's columns parsed by type (:class:`guanlian.loaders.cells.Cells`).
    """

    src_file: str
    load_id: str
    today_day: int
    company_key_for_name: Callable[[str], str | None]
    official_by_id: Callable[[str], str | None]
    officials_by_name: Callable[[str], list[str]]
    cells: Cells
    src_ranks: pd.Series | None = None
    """``src_rank`` of each row, indexed by ``src_row`` (:func:`guanlian.loaders.common.source_ranks`)."""


@dataclass(frozen=True)
class KindSpec:
    """A source kind: its fields and its builder."""

    name: str
    label_zh: str
    fields: tuple[Field, ...]
    build: Callable[[pd.DataFrame, BuildContext], Batch]
    order: int

    @property
    def required(self) -> list[Field]:
        return [f for f in self.fields if f.required]

    def field_for(self, header: str) -> Field | None:
        for f in self.fields:
            if f.matches(header):
                return f
        return None


def stable_key(prefix: str, *parts: object) -> str:
    """Deterministic key from parts (same parts → same key, across runs and machines).

    >>> stable_key("anon", "a", 1) == stable_key("anon", "a", 1)
    True
    """
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return f"{prefix}:{hashlib.sha1(text.encode('utf-8')).hexdigest()[:20]}"


def stable_keys(prefix: str, *columns: pd.Series) -> pd.Series:
    """Vectorised :func:`stable_key` over aligned Series."""
    if not columns:
        raise ValueError("stable_keys needs at least one column")
    parts = [c.astype(object).where(c.notna(), "").astype(str).to_numpy(dtype=object) for c in columns]
    joined = parts[0] if len(parts) == 1 else ["\x1f".join(t) for t in zip(*parts, strict=True)]
    sha1, head = hashlib.sha1, prefix + ":"
    keys = [head + sha1(t.encode("utf-8")).hexdigest()[:20] for t in joined]
    return pd.Series(keys, index=columns[0].index, dtype=object)
