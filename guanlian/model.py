"""The canonical graph schema: node kinds, edge kinds, keys and provenance — declared once.

Every other module (loaders, stores, matcher, queries, views, exports) reads this module instead of
restating field lists. The model is validated when it is first used (:func:`model`), and a mistake
raises :class:`InvalidModel` naming the kind and property.

Conventions
-----------
* Every node has a string primary key ``key``; keys are deterministic, so loading the same row twice
  produces the same key (idempotent loads). Each kind states its rule in :attr:`NodeKind.key_rule`.
* Every edge has a string ``key`` too (deterministic from its natural identity), so edges can be upserted.
* Every node and edge carries provenance: ``src_file``, ``src_row`` (the row number a person sees in Excel),
  and ``load_id``.
* Dates are stored twice: an ISO ``YYYY-MM-DD`` string (for people) and an ``*_day`` integer, days since
  1970-01-01 (for arithmetic that runs unchanged on LadybugDB and Neo4j; see PITFALLS.md).

Example:
    >>> m = model()
    >>> m.node("Person").prop("birth_date_day").type
    'int'
    >>> sorted(m.edge("PAID").endpoints)
    [('Unit', 'Company'), ('Unit', 'Person')]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

PropType = Literal["string", "int", "float", "bool", "strings"]
PROP_TYPES: tuple[PropType, ...] = ("string", "int", "float", "bool", "strings")

MergeRule = Literal["fill", "variant", "union", "source", "earliest"]
MERGE_RULES: tuple[MergeRule, ...] = ("fill", "variant", "union", "source", "earliest")
"""What a later record may do to a property a node or edge already has (see :data:`MERGE_RULES_TEXT`)."""

MERGE_RULES_TEXT: dict[MergeRule, str] = {
    "fill": "single value: a record fills a gap; a different known value is a conflict — the smaller of the two "
            "values is kept (the same whatever the load order) and the load reports a warning naming both sources",
    "variant": "single value with spelling variants (names, phones, addresses): a gap is filled; a different "
               "value is a variant, not a conflict — the smaller value is shown, every value is kept in the "
               "multi-valued companion property or in the linked Phone/Address nodes",
    "union": "multi-valued (a list of strings): every value any record gives is kept, sorted, each once",
    "source": "provenance of one representative source record, chosen by content, not by file name: the "
              "smallest src_rank (the kind of file the record came from, in the loaders' order — officials, "
              "relatives, registry tables, ledgers — then a hash of the row's content); file name and row only "
              "break ties (the same row in two files) or stand in where no rank is known; src_file, src_row and "
              "src_rank always name the same record, and sources lists every record",
    "earliest": "the smallest value wins (load ids sort by time: the first load that wrote the item)",
}
"""The merge rules in words (docs/architecture.md quotes them). Every rule is commutative and associative, so
the graph does not depend on the order or grouping in which files are loaded; and no rule ever lets an absent
value (null, or a marker listed in ``Prop.absent`` such as ``missing``) replace a known one."""


class InvalidModel(ValueError):
    """Raised when the declared schema is inconsistent (names the kind and property)."""


@dataclass(frozen=True, slots=True)
class Prop:
    """One property of a node or edge kind.

    Args:
        name: identifier used in the graph (ASCII snake_case).
        type: one of ``string``, ``int``, ``float``, ``bool``.
        label_zh: column title shown to investigators (Chinese).
        label_en: column title in English.
        sensitive: True for values masked in human-facing output by default (resident IDs).
        money: True for an amount stored as integer fen (shown as yuan; see :mod:`guanlian.values.money`).
        merge: what a later record may do to a known value (:data:`MERGE_RULES_TEXT`).
        absent: values that mean "not known" (e.g. ``missing``): they fill a gap but never replace a value.
    """

    name: str
    type: PropType = "string"
    label_zh: str = ""
    label_en: str = ""
    sensitive: bool = False
    money: bool = False
    merge: MergeRule = "fill"
    absent: tuple[str, ...] = ()


def _money(name: str, zh: str, en: str) -> Prop:
    """An amount: integer fen in the graph (exact sums in both engines), yuan wherever people read it."""
    return Prop(name, "int", zh, en, money=True)


def _date(name: str, zh: str, en: str) -> tuple[Prop, Prop]:
    """A date stored as ISO string ``name`` plus integer day number ``name_day``."""
    return (Prop(name, "string", zh, en), Prop(f"{name}_day", "int", f"{zh}(日序)", f"{en} (day number)"))


PROVENANCE: tuple[Prop, ...] = (
    Prop("src_file", "string", "来源文件", "source file", merge="source"),
    Prop("src_row", "int", "来源行号", "source row", merge="source"),
    Prop("src_rank", "string", "来源排序键", "source rank", merge="source"),
    Prop("load_id", "string", "导入批次", "load id", merge="earliest"),
    Prop("sources", "strings", "全部来源", "all sources", merge="union"),
)
"""Provenance properties present on every node and edge kind. ``src_file``/``src_row`` name the representative
source record (the smallest ``src_rank``: ``<kind order>|<hash of the row's content>``, so a renamed or newly named
export does not move it); ``sources`` lists every source record as ``file:rows`` (rows as ranges, e.g.
``a.csv:2-5,9``)."""

NAMES = "names"
"""The multi-valued companion of ``name``: every spelling any source gave (``name`` shows the smallest)."""

NAME_SOURCES = "name_sources"
"""Where each spelling in ``names`` came from: ``<name>|<file>:<rows>`` entries (rows as ranges, like ``sources``),
e.g. ``刘桂兰|relatives.csv:5`` and ``劉桂蘭|companies.csv:12`` for one person merged by resident ID."""

BY_NAME = "by_name"
"""Records (``file:rows``, like ``sources``) that named a registered company without a valid code and were resolved
to it by its name alone (the only registered company of that name then). A namesake registered later re-opens
exactly these records (``loaders/relink.py``): records that gave the code stay."""

EMPLOYERS = "employers"
"""The multi-valued companion of a person's ``employer``: every employer any source gave (``employer`` shows the
smallest); the matcher compares a person under each of them."""

KEY = Prop("key", "string", "键", "key")
"""The deterministic key every node and edge has."""


def _find_prop(kind: str, props: tuple[Prop, ...], name: str) -> Prop:
    for p in props:
        if p.name == name:
            return p
    raise KeyError(f"{kind} has no property {name!r}")


@dataclass(frozen=True, slots=True)
class NodeKind:
    """A node kind (a LadybugDB node table / a Neo4j label)."""

    name: str
    label_zh: str
    label_en: str
    key_rule: str
    props: tuple[Prop, ...]
    color: str
    shape: str
    display: str = "name"

    def prop(self, name: str) -> Prop:
        """Return the property called ``name`` or raise KeyError naming the kind."""
        return _find_prop(self.name, self.all_props, name)

    @property
    def all_props(self) -> tuple[Prop, ...]:
        """``key``, the declared properties, then provenance."""
        return (KEY, *self.props, *PROVENANCE)


@dataclass(frozen=True, slots=True)
class EdgeKind:
    """An edge kind (a LadybugDB rel table / a Neo4j relationship type).

    ``endpoints`` lists every (source kind, target kind) pair the edge may join.
    """

    name: str
    label_zh: str
    label_en: str
    endpoints: tuple[tuple[str, str], ...]
    props: tuple[Prop, ...] = ()
    fuzzy: bool = False

    def prop(self, name: str) -> Prop:
        """Return the property called ``name`` or raise KeyError naming the kind."""
        return _find_prop(self.name, self.all_props, name)

    @property
    def all_props(self) -> tuple[Prop, ...]:
        """``key``, the declared properties, then provenance."""
        return (KEY, *self.props, *PROVENANCE)


@dataclass(frozen=True, slots=True)
class Model:
    """The whole schema. Use :func:`model` to get the validated singleton."""

    nodes: tuple[NodeKind, ...]
    edges: tuple[EdgeKind, ...]

    def node(self, name: str) -> NodeKind:
        """Node kind by name; KeyError lists the known kinds."""
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(f"unknown node kind {name!r}; known: {[n.name for n in self.nodes]}")

    def edge(self, name: str) -> EdgeKind:
        """Edge kind by name; KeyError lists the known kinds."""
        for e in self.edges:
            if e.name == name:
                return e
        raise KeyError(f"unknown edge kind {name!r}; known: {[e.name for e in self.edges]}")

    @property
    def node_names(self) -> list[str]:
        return [n.name for n in self.nodes]

    @property
    def edge_names(self) -> list[str]:
        return [e.name for e in self.edges]


_NAME = Prop("name", "string", "名称", "name", merge="variant")
_NAMES = Prop(NAMES, "strings", "全部名称", "all names", merge="union")
_NAME_SOURCES = Prop(NAME_SOURCES, "strings", "名称来源", "where each name came from", merge="union")

PERSON = NodeKind(
    "Person",
    "人员",
    "Person",
    "ric:<18-digit resident ID> when a resident ID with a valid checksum is known (15-digit IDs converted); "
    "otherwise anon:<hash of the row's context> (official: unit+name+birth; relative: official key+relation+name; "
    "registry person: company key+name; payee: unit+name+account). Persons without an ID are never merged by name.",
    (
        Prop("name", "string", "姓名", "name", merge="variant"),
        Prop(NAMES, "strings", "全部姓名", "all names", merge="union"),
        Prop(NAME_SOURCES, "strings", "姓名来源", "where each name came from", merge="union"),
        Prop("name_norm", "string", "规范姓名", "normalised name", merge="variant"),
        Prop("id_number", "string", "身份证号", "resident ID", sensitive=True),
        Prop("id_status", "string", "证件状态", "ID status", absent=("missing",)),
        *_date("birth_date", "出生日期", "birth date"),
        Prop("sex", "string", "性别", "sex"),
        Prop("phone", "string", "联系电话", "phone", merge="variant"),
        Prop("address", "string", "住址", "address", merge="variant"),
        Prop("employer", "string", "工作单位", "employer", merge="variant"),
        Prop(EMPLOYERS, "strings", "全部工作单位", "all employers", merge="union"),
        Prop("politics", "string", "政治面貌", "political status"),
    ),
    color="#4e79a7",
    shape="dot",
)

COMPANY = NodeKind(
    "Company",
    "企业",
    "Company",
    "uscc:<18-char unified social credit code> when the code has a valid check character; "
    "otherwise cname:<normalised full legal name> (a legal name is unique in its registration area).",
    (
        _NAME,
        _NAMES,
        _NAME_SOURCES,
        Prop("name_norm", "string", "规范名称", "normalised name", merge="variant"),
        Prop("credit_code", "string", "统一社会信用代码", "credit code"),
        Prop("credit_code_status", "string", "代码状态", "code status", absent=("missing",)),
        Prop("legal_rep", "string", "法定代表人", "legal representative"),
        *_date("established", "成立日期", "established"),
        _money("reg_capital", "注册资本(元)", "registered capital (CNY)"),
        Prop("status", "string", "登记状态", "status"),
        *_date("status_on", "注销/吊销日期", "deregistered/revoked on"),
        Prop("address", "string", "注册地址", "address", merge="variant"),
        Prop("phone", "string", "联系电话", "phone", merge="variant"),
        Prop("email", "string", "邮箱", "e-mail", merge="variant"),
        Prop("scope", "string", "经营范围", "business scope"),
        Prop(BY_NAME, "strings", "按名称归属的来源", "records that named it without a code", merge="union"),
    ),
    color="#f28e2b",
    shape="box",
)

UNIT = NodeKind(
    "Unit",
    "单位",
    "Unit",
    "unit:<normalised unit name>: a public body that employs officials and pays money.",
    (_NAME, _NAMES, _NAME_SOURCES, Prop("name_norm", "string", "规范名称", "normalised name", merge="variant")),
    color="#59a14f",
    shape="diamond",
)

ACCOUNT = NodeKind(
    "Account",
    "账户",
    "Account",
    "acct:<account number, digits only>",
    (Prop("number", "string", "账号", "account number"), Prop("holder", "string", "户名", "holder", merge="variant")),
    color="#b07aa1",
    shape="square",
    display="number",
)

PHONE = NodeKind(
    "Phone",
    "电话",
    "Phone",
    "tel:<digits only, leading +86/0086 removed>",
    (Prop("number", "string", "号码", "number"),),
    color="#76b7b2",
    shape="triangle",
    display="number",
)

ADDRESS = NodeKind(
    "Address",
    "地址",
    "Address",
    "addr:<normalised address text>",
    (Prop("text", "string", "地址", "address", merge="variant"),),
    color="#edc948",
    shape="star",
    display="text",
)

EMAIL = NodeKind(
    "Email",
    "邮箱",
    "E-mail",
    "mail:<lower-cased address>",
    (Prop("address", "string", "邮箱", "e-mail"),),
    color="#9c755f",
    shape="hexagon",
    display="address",
)

_P, _C, _U = "Person", "Company", "Unit"

_MATCH_PROPS: tuple[Prop, ...] = (
    Prop("score", "float", "匹配分", "match score"),
    Prop("tier", "string", "匹配等级", "match tier"),
    Prop("tier_rank", "int", "等级序", "tier rank"),
    Prop("explanation_zh", "string", "匹配理由", "explanation (zh)"),
    Prop("explanation_en", "string", "匹配理由(英)", "explanation (en)"),
)
"""Properties of a scored identity link (POSSIBLY_SAME between persons, SAME_COMPANY between companies)."""

EDGES: tuple[EdgeKind, ...] = (
    EdgeKind(
        "RELATIVE_OF",
        "亲属",
        "relative of",
        ((_P, _P),),
        (
            Prop("relation", "string", "关系", "relation"),
            Prop("term", "string", "称谓", "term as written"),
            Prop("degree", "int", "亲疏等级", "degree"),
            Prop("category", "string", "关系类别", "category"),
        ),
    ),
    EdgeKind(
        "SHAREHOLDER_OF",
        "股东",
        "shareholder of",
        ((_P, _C), (_C, _C)),
        (
            Prop("share", "float", "持股比例", "share"),
            _money("subscribed", "认缴出资额(元)", "subscribed (CNY)"),
            *_date("contrib_date", "出资日期", "contribution date"),
            Prop("holder_type", "string", "股东类型", "holder type"),
        ),
    ),
    EdgeKind("OFFICER_OF", "任职", "officer of", ((_P, _C),), (Prop("title", "string", "职务", "title"),)),
    EdgeKind("LEGAL_REP_OF", "法定代表人", "legal representative of", ((_P, _C),)),
    EdgeKind(
        "SERVES_IN",
        "任职单位",
        "serves in",
        ((_P, _U),),
        (
            Prop("post", "string", "职务", "post"),
            Prop("rank", "string", "职级", "rank"),
            *_date("term_start", "任职开始", "tenure start"),
            *_date("term_end", "任职结束", "tenure end"),
        ),
    ),
    EdgeKind(
        "PAYMENT",
        "付款明细",
        "payment",
        ((_U, _C), (_U, _P)),
        (
            _money("amount", "金额(元)", "amount (CNY)"),
            *_date("paid_on", "日期", "date"),
            Prop("purpose", "string", "用途", "purpose"),
            Prop("voucher", "string", "凭证号", "voucher"),
            Prop("contract", "string", "合同号", "contract"),
            Prop("from_account", "string", "付款账号", "payer account"),
            Prop("to_account", "string", "收款账号", "payee account"),
            Prop("channel", "string", "渠道", "channel"),
            Prop("item", "string", "补贴项目", "subsidy item"),
            Prop("approver_unit", "string", "审批单位键", "approving unit key"),
            Prop("routed_from", "string", "原收款方键", "payee as recorded (key), when routed by a company match"),
            Prop("route", "string", "归属依据(企业匹配键)", "SAME_COMPANY link that routed the payment"),
            Prop("payee_name", "string", "收款单位名称(无代码)", "payee company as named (no credit code)"),
        ),
    ),
    EdgeKind(
        "PAID",
        "付款汇总",
        "paid (total)",
        ((_U, _C), (_U, _P)),
        (
            Prop("payments", "int", "笔数", "payments"),
            _money("total", "合计(元)", "total (CNY)"),
            *_date("first_paid", "首笔日期", "first payment"),
            *_date("last_paid", "末笔日期", "last payment"),
            Prop("channel", "string", "渠道", "channel"),
        ),
    ),
    EdgeKind("HAS_PHONE", "电话", "has phone", ((_P, "Phone"), (_C, "Phone"), (_U, "Phone"))),
    EdgeKind("HAS_ADDRESS", "地址", "has address", ((_P, "Address"), (_C, "Address"))),
    EdgeKind("HAS_EMAIL", "邮箱", "has e-mail", ((_P, "Email"), (_C, "Email"))),
    EdgeKind("HAS_ACCOUNT", "账户", "has account", ((_P, "Account"), (_C, "Account"), (_U, "Account"))),
    EdgeKind(
        "CHANGE",
        "变更",
        "registry change",
        ((_P, _C), (_C, _C)),
        (
            Prop("item", "string", "变更事项", "item"),
            Prop("action", "string", "变动", "action"),
            Prop("before", "string", "变更前", "before"),
            Prop("after", "string", "变更后", "after"),
            *_date("changed_on", "变更日期", "change date"),
        ),
    ),
    EdgeKind(
        "MAY_BE",
        "名称对应",
        "may be (same legal name)",
        ((_C, _C),),
        (
            Prop("candidates", "int", "同名登记企业数", "registered namesakes"),
            Prop("tier", "string", "可能性", "tier"),
            Prop("tier_rank", "int", "等级序", "tier rank"),
            Prop("explanation_zh", "string", "说明", "explanation (zh)"),
            Prop("explanation_en", "string", "说明(英)", "explanation (en)"),
        ),
    ),
    EdgeKind(
        "POSSIBLY_SAME",
        "疑似同一人",
        "possibly the same",
        ((_P, _P),),
        _MATCH_PROPS,
        fuzzy=True,
    ),
    EdgeKind(
        "SAME_COMPANY",
        "疑似同一企业",
        "possibly the same company",
        ((_C, _C),),
        (*_MATCH_PROPS, Prop("payments_routed", "int", "转入付款笔数", "payments routed")),
        fuzzy=True,
    ),
)

NODES: tuple[NodeKind, ...] = (PERSON, COMPANY, UNIT, ACCOUNT, PHONE, ADDRESS, EMAIL)

TIERS: tuple[str, ...] = ("possible", "probable", "certain", "confirmed")
"""Match tiers, weakest first. ``tier_rank`` on POSSIBLY_SAME edges is the index here (0, 1, 2, 3).
``confirmed`` is never computed: it is a pair an investigator confirmed (``guanlian judge LINK confirm``)."""


def tier_rank(tier: str) -> int:
    """Rank of a match tier (possible=0, probable=1, certain=2, confirmed=3).

    >>> tier_rank("probable")
    1
    """
    try:
        return TIERS.index(tier)
    except ValueError:
        raise ValueError(f"unknown match tier {tier!r}; expected one of {TIERS}") from None


def _validate(m: Model) -> Model:
    names: set[str] = set()
    kinds: list[NodeKind | EdgeKind] = [*m.nodes, *m.edges]
    for kind in kinds:
        if kind.name in names:
            raise InvalidModel(f"duplicate kind name {kind.name!r}")
        names.add(kind.name)
        seen: set[str] = set()
        for p in kind.all_props:
            if p.type not in PROP_TYPES:
                raise InvalidModel(f"{kind.name}.{p.name}: unknown type {p.type!r}")
            if p.merge not in MERGE_RULES:
                raise InvalidModel(f"{kind.name}.{p.name}: unknown merge rule {p.merge!r}")
            if (p.merge == "union") != (p.type == "strings"):
                raise InvalidModel(f"{kind.name}.{p.name}: the union rule is for (and only for) lists of strings")
            if p.name in seen:
                raise InvalidModel(f"{kind.name}.{p.name}: declared twice")
            if not p.name.isidentifier() or not p.name.isascii():
                raise InvalidModel(f"{kind.name}.{p.name}: not an ASCII identifier")
            seen.add(p.name)
    node_names = {n.name for n in m.nodes}
    for e in m.edges:
        if not e.endpoints:
            raise InvalidModel(f"{e.name}: no endpoints")
        for src, dst in e.endpoints:
            for end in (src, dst):
                if end not in node_names:
                    raise InvalidModel(f"{e.name}: endpoint {end!r} is not a node kind")
    return m


@cache
def model() -> Model:
    """The validated schema (built once, on first use)."""
    return _validate(Model(NODES, EDGES))


_ALL_KINDS: tuple[NodeKind | EdgeKind, ...] = (*NODES, *EDGES)
RESIDENT_ID_PROPS: frozenset[str] = frozenset(p.name for k in _ALL_KINDS for p in k.props if p.sensitive)
"""Property names that hold resident ID numbers (masked in human-facing output)."""
MONEY_PROPS: frozenset[str] = frozenset(p.name for k in _ALL_KINDS for p in k.props if p.money)
"""Property names that hold amounts in integer fen (``amount``, ``total``, ``reg_capital``, ``subscribed``)."""


def _note(p: Prop) -> str:
    return " (masked in outputs)" if p.sensitive else " (integer fen)" if p.money else ""


def _merge_text(p: Prop) -> str:
    return p.merge + (f" (absent: {', '.join(p.absent)})" if p.absent else "")


def describe_markdown() -> str:
    """The schema as Markdown (``docs/data-model.md`` is this text; a test keeps them equal).

    >>> describe_markdown().startswith("# Data model")
    True
    """
    m = model()
    out = [
        "# Data model",
        "",
        "Generated from `guanlian/model.py` by `python -m guanlian.model > docs/data-model.md`; "
        "a test fails when they differ.",
        "",
        "Every node and edge also carries `key` and the provenance properties "
        + ", ".join(f"`{p.name}` ({p.label_en})" for p in PROVENANCE)
        + ". Dates are stored as an ISO string and as an integer `*_day` (days since 1970-01-01). "
        "Amounts (marked *fen*) are stored as integer fen (1 yuan = 100 fen) so sums are exact in both engines: "
        "write `p.amount >= 5000000` for 50,000 yuan.",
        "",
        "## Node kinds",
        "",
    ]
    for n in m.nodes:
        out += [f"### {n.name} ({n.label_zh})", "", f"Key: {n.key_rule}", "",
                "| property | type | merge | 中文 | meaning |", "|---|---|---|---|---|"]
        out += [f"| `{p.name}` | {p.type} | {_merge_text(p)} | {p.label_zh} | {p.label_en}{_note(p)} |"
                for p in n.props]
        out.append("")
    out += ["## Edge kinds", ""]
    for e in m.edges:
        ends = ", ".join(f"{s} → {d}" for s, d in e.endpoints)
        out += [f"### {e.name} ({e.label_zh})", "", f"Joins: {ends}." + (" Fuzzy: a scored identity link." if e.fuzzy else ""), ""]
        if e.props:
            out += ["| property | type | merge | 中文 | meaning |", "|---|---|---|---|---|"]
            out += [f"| `{p.name}` | {p.type} | {_merge_text(p)} | {p.label_zh} | {p.label_en}{_note(p)} |"
                    for p in e.props]
            out.append("")
    out += ["## Merge rules", "", "What a later record may do to a value a node or edge already has "
            "(the `merge` column above; provenance: `src_file`/`src_row` use `source`, `load_id` `earliest`, "
            "`sources` `union`):", ""]
    out += [f"- `{rule}`: {text}." for rule, text in MERGE_RULES_TEXT.items()]
    out += ["", "Every rule is commutative and associative: the graph does not depend on the order or grouping in "
            "which files are loaded.", ""]
    out += ["## Match tiers", "", ", ".join(f"`{t}` = {i}" for i, t in enumerate(TIERS)) + " (`tier_rank`).", ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(describe_markdown(), end="")
