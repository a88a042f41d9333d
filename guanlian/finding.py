"""The finding: one red flag, typed — who is involved, how they connect, how much money moved, and the rows
that prove it. ``findings.json`` is a :class:`FindingsDoc` written with :meth:`FindingsDoc.to_json`.

A core schema module beside :mod:`guanlian.model` (it imports only :mod:`guanlian.values`), so the query runner (which builds findings), the outputs (report, views, spreadsheets), the clue library, the CLI and a
web workbench all read the same types. Every part is a frozen dataclass with ``to_json()`` (the exact JSON
object of ``findings.json``, keys in their documented order) and ``from_json()`` (validating: a wrong type or a
missing required key raises :class:`FindingFormatError` saying where). ``from_json(x).to_json() == x`` for
every document guanlian writes; for hand-written documents the optional keys get defaults (``docs/outputs.md``).

Shape of one finding (``docs/outputs.md`` has the field-by-field description)::

    Finding ── entities: Entity (role, kind, name, key, id_number)
            ├─ path: FindingPath ── nodes: PathNode (key, kind, name, props, src_file, src_row)
            │                    └─ edges: PathStep (src, dst, type, key, props, src_file, src_row)
            ├─ payments: PaymentSummary | None (count, sum, first, last, in_tenure), summed from vouchers
            ├─ vouchers: Voucher (kind, file, row, date, amount_fen, voucher, contract, purpose, payer, payee)
            ├─ routes: Route (query, confidence, severity, score, explanation), strongest first
            ├─ evidence: EvidenceItem (file, row, what)
            └─ identity_routes (derived from POSSIBLY_SAME steps): IdentityRoute

Example:
    >>> f = Finding(id="f1", queries=("q",), title_zh="示例", title_en="Example", severity="high", score=0.9,
    ...             confidence="certain")
    >>> Finding.from_json(f.to_json()) == f
    True
    >>> f.title("en"), f.to_json()["payments"] is None
    ('Example', True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, TypeVar, get_args

from guanlian.values.money import to_fen, yuan, yuan_text
from guanlian.values.vocab import SEVERITIES, Lang, Severity

SCHEMA_VERSION = 4
"""Version of the ``findings.json`` layout (top-level ``schema_version``); raised on an incompatible change.

2: a finding is a case (``id`` fingerprints its actors, not its path) with ``routes`` (every query row that
supports it) and ``vouchers`` (every payment row its summary sums).
3: amounts are exact: payments carry ``sum_fen`` (integer fen) and ``sum`` (yuan as decimal text).
4: vouchers too: ``amount_fen`` (integer fen) and ``amount`` (yuan as decimal text); a voucher's ``kind`` may be
``change`` (a registry change record a pattern uses)."""

VoucherKind = Literal["payment", "subsidy", "change"]
VOUCHER_KINDS: tuple[VoucherKind, ...] = get_args(VoucherKind)
"""What a cited row is: a payment ledger row, a subsidy row, or a registry change record."""

Confidence = Literal["possible", "probable", "certain", "confirmed"]
CONFIDENCES: tuple[Confidence, ...] = get_args(Confidence)
"""Confidence of a finding = the weakest identity link on its path; the match tiers, weakest first
(the same order as :data:`guanlian.model.TIERS`). Severities and the output language (:data:`Severity`,
:data:`SEVERITIES`, :data:`Lang`) come from :mod:`guanlian.values.vocab`."""

Scalar = str | int | float | bool | None
"""A property value as stored on a node or edge (the model's property types)."""

POSSIBLY_SAME = "POSSIBLY_SAME"


_T = TypeVar("_T")


class FindingFormatError(ValueError):
    """A findings document does not have the expected shape; the message says which finding and key."""


# --- reading helpers ---------------------------------------------------------------------------------------


def _obj(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FindingFormatError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _list(d: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = d.get(key)
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise FindingFormatError(f"{where}.{key}: expected a list, got {type(value).__name__}")
    return list(value)


def _req(d: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in d:
        raise FindingFormatError(f"{where}: missing {key!r}")
    return d[key]


def _str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise FindingFormatError(f"{where}: expected text, got {type(value).__name__}")
    return value


def _opt_str(value: object, where: str) -> str | None:
    return None if value is None else _str(value, where)


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FindingFormatError(f"{where}: expected an integer, got {value!r}")
    return value


def _opt_int(value: object, where: str) -> int | None:
    return None if value is None else _int(value, where)


def _num(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FindingFormatError(f"{where}: expected a number, got {value!r}")
    return value


def _json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as JSON values: amounts (Decimal yuan) as decimal strings."""
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in params.items()}


def _choice(value: object, choices: tuple[_T, ...], where: str) -> _T:
    for c in choices:
        if value == c:
            return c
    raise FindingFormatError(f"{where}: expected one of {', '.join(map(str, choices))}, got {value!r}")


def _props(value: object, where: str) -> dict[str, Scalar]:
    if value is None:
        return {}
    out: dict[str, Scalar] = {}
    for k, v in _obj(value, where).items():
        if v is not None and not isinstance(v, str | int | float | bool):
            raise FindingFormatError(f"{where}.{k}: expected a plain value, got {type(v).__name__}")
        out[str(k)] = v
    return out


# --- parts ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entity:
    """A person, company or unit a finding is about, in the role a query gave it.

    Example:
        >>> Entity("company", "Company", "恒信建材", "uscc:C1").to_json()["role"]
        'company'
    """

    role: str
    """``official``, ``relative``, ``company``, ``unit``, ``payee`` … (the query column's role)."""
    kind: str
    """Node kind (``Person``, ``Company``, ``Unit`` …)."""
    name: str
    key: str
    """Node key (``ric:<ID>``, ``uscc:<code>``, ``unit:<name>`` …)."""
    id_number: str | None = None
    """Resident ID of a person, when known (masked in every human-facing output)."""
    aliases: tuple[str, ...] = ()
    """Every name form of an entity merged from records that spelled it differently, each with the source records
    that gave it (``劉桂蘭（companies.csv:12）``); empty when there is one form (and then absent from the JSON)."""

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``findings.json``."""
        out: dict[str, Any] = {"role": self.role, "kind": self.kind, "name": self.name, "key": self.key,
                               "id_number": self.id_number}
        if self.aliases:
            out["aliases"] = list(self.aliases)
        return out

    def label(self, lang: str = "zh") -> str:
        """The name, followed by the other name forms when there are several.

        >>> Entity("relative", "Person", "刘桂兰", "ric:1", aliases=("刘桂兰（a.csv:5）", "劉桂蘭（b.csv:12）")).label()
        '刘桂兰（别名：刘桂兰（a.csv:5）；劉桂蘭（b.csv:12））'
        """
        if not self.aliases:
            return self.name
        return f"{self.name}（别名：{'；'.join(self.aliases)}）" if lang == "zh" else \
            f"{self.name} (aliases: {'; '.join(self.aliases)})"

    @classmethod
    def from_json(cls, d: object, where: str = "entity") -> Entity:
        """Read one entity object; raises :class:`FindingFormatError`."""
        o = _obj(d, where)
        return cls(role=_str(_req(o, "role", where), f"{where}.role"),
                   kind=_str(o.get("kind", ""), f"{where}.kind"),
                   name=_str(o.get("name", ""), f"{where}.name"),
                   key=_str(_req(o, "key", where), f"{where}.key"),
                   id_number=_opt_str(o.get("id_number"), f"{where}.id_number"),
                   aliases=tuple(_str(a, f"{where}.aliases") for a in _list(o, "aliases", where)))


@dataclass(frozen=True, slots=True)
class PathNode:
    """A node on a finding's path with its properties (internal ones left out) and where it was first seen.

    Example:
        >>> PathNode("unit:住建局", "Unit", "住建局", {}, "付款.xlsx", 2).to_json()["src_row"]
        2
    """

    key: str
    kind: str
    name: str
    props: Mapping[str, Scalar] = field(default_factory=dict)
    src_file: str | None = None
    src_row: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``findings.json``."""
        return {"key": self.key, "kind": self.kind, "name": self.name, "props": dict(self.props),
                "src_file": self.src_file, "src_row": self.src_row}

    @classmethod
    def from_json(cls, d: object, where: str = "node") -> PathNode:
        """Read one path node object; raises :class:`FindingFormatError`."""
        o = _obj(d, where)
        return cls(key=_str(_req(o, "key", where), f"{where}.key"), kind=_str(o.get("kind", ""), f"{where}.kind"),
                   name=_str(o.get("name", ""), f"{where}.name"), props=_props(o.get("props"), f"{where}.props"),
                   src_file=_opt_str(o.get("src_file"), f"{where}.src_file"),
                   src_row=_opt_int(o.get("src_row"), f"{where}.src_row"))


@dataclass(frozen=True, slots=True)
class PathStep:
    """An edge on a finding's path: ``src`` —``type``→ ``dst``, with its properties and source row.

    An identity link made by a matcher (``POSSIBLY_SAME``, ``SAME_COMPANY``) has no source row of its own: its
    ``src_file``/``src_row`` are None and ``sources`` holds ``(file, row)`` of the two records it links, ``src``'s
    first.

    Example:
        >>> s = PathStep("ric:O1", "ric:R1", "RELATIVE_OF", "rel:1", {"relation": "mother_in_law"})
        >>> s.props["relation"], s.is_identity_link
        ('mother_in_law', False)
        >>> PathStep("anon:a", "ric:R1", "POSSIBLY_SAME", sources=(("亲属.xlsx", 7), ("股东.csv", 31))).to_json()[
        ...     "sources"]
        [{'file': '亲属.xlsx', 'row': 7}, {'file': '股东.csv', 'row': 31}]
    """

    src: str
    dst: str
    type: str
    key: str | None = None
    props: Mapping[str, Scalar] = field(default_factory=dict)
    src_file: str | None = None
    src_row: int | None = None
    sources: tuple[tuple[str | None, int | None], ...] = ()

    @property
    def is_identity_link(self) -> bool:
        """True for a fuzzy identity link (a scored ``POSSIBLY_SAME`` edge)."""
        return self.type == POSSIBLY_SAME

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``findings.json`` (``key`` left out only when unknown)."""
        out: dict[str, Any] = {"src": self.src, "dst": self.dst, "type": self.type}
        if self.key is not None:
            out["key"] = self.key
        out.update(props=dict(self.props), src_file=self.src_file, src_row=self.src_row)
        if self.sources:
            out["sources"] = [{"file": f, "row": r} for f, r in self.sources]
        return out

    @classmethod
    def from_json(cls, d: object, where: str = "edge") -> PathStep:
        """Read one path edge object; raises :class:`FindingFormatError`."""
        o = _obj(d, where)
        return cls(src=_str(_req(o, "src", where), f"{where}.src"), dst=_str(_req(o, "dst", where), f"{where}.dst"),
                   type=_str(o.get("type", ""), f"{where}.type"), key=_opt_str(o.get("key"), f"{where}.key"),
                   props=_props(o.get("props"), f"{where}.props"),
                   src_file=_opt_str(o.get("src_file"), f"{where}.src_file"),
                   src_row=_opt_int(o.get("src_row"), f"{where}.src_row"),
                   sources=tuple((_opt_str(_obj(x, f"{where}.sources[{i}]").get("file"), f"{where}.sources[{i}].file"),
                                  _opt_int(_obj(x, f"{where}.sources[{i}]").get("row"), f"{where}.sources[{i}].row"))
                                 for i, x in enumerate(_list(o, "sources", where))))


@dataclass(frozen=True, slots=True)
class FindingPath:
    """The subgraph that makes a finding: nodes, then edges in path order.

    Example:
        >>> p = FindingPath((PathNode("a", "Unit", "A"),), ())
        >>> p.names(), p.keys()
        ({'a': 'A'}, ['a'])
    """

    nodes: tuple[PathNode, ...] = ()
    edges: tuple[PathStep, ...] = ()

    def names(self) -> dict[str, str]:
        """``{node key: display name}`` (the key when a node has no name)."""
        return {n.key: n.name or n.key for n in self.nodes}

    def keys(self) -> list[str]:
        """Node keys in path order."""
        return [n.key for n in self.nodes]

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``findings.json`` (``{"nodes": [...], "edges": [...]}``)."""
        return {"nodes": [n.to_json() for n in self.nodes], "edges": [e.to_json() for e in self.edges]}

    @classmethod
    def from_json(cls, d: object, where: str = "path") -> FindingPath:
        """Read a path object; raises :class:`FindingFormatError`."""
        o = _obj(d if d is not None else {}, where)
        return cls(nodes=tuple(PathNode.from_json(n, f"{where}.nodes[{i}]")
                               for i, n in enumerate(_list(o, "nodes", where))),
                   edges=tuple(PathStep.from_json(e, f"{where}.edges[{i}]")
                               for i, e in enumerate(_list(o, "edges", where))))


@dataclass(frozen=True, slots=True)
class PaymentSummary:
    """Payments the finding is about (from the query row): count, total in integer fen, first and last day.

    ``in_tenure`` is how many fell in the official's tenure (None when the query has no tenure notion).
    In ``findings.json`` the total is written twice, as ``sum_fen`` (integer fen, the exact value read back)
    and ``sum`` (yuan as a decimal string with two decimals, for people and for tools that read yuan).

    Example:
        >>> p = PaymentSummary(2, 80000000, "2019-04-10", "2020-01-15", 2)
        >>> p.to_json()["sum_fen"], p.to_json()["sum"], p.sum
        (80000000, '800000.00', Decimal('800000.00'))
    """

    count: int
    sum_fen: int
    first: str | None = None
    last: str | None = None
    in_tenure: int | None = None

    @property
    def sum(self) -> Decimal:
        """The total in yuan, exact."""
        return yuan(self.sum_fen)

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``findings.json``."""
        return {"count": self.count, "sum_fen": self.sum_fen, "sum": yuan_text(self.sum_fen), "first": self.first,
                "last": self.last, "in_tenure": self.in_tenure}

    @classmethod
    def from_json(cls, d: object, where: str = "payments") -> PaymentSummary:
        """Read a payments object; raises :class:`FindingFormatError`.

        Documents of schema version 1 carry only ``sum`` as a number of yuan; it is read to the fen.
        """
        o = _obj(d, where)
        if "sum_fen" in o:
            fen = _int(o["sum_fen"], f"{where}.sum_fen")
        else:
            fen = to_fen(_num(_req(o, "sum", where), f"{where}.sum"))
        return cls(count=_int(_req(o, "count", where), f"{where}.count"), sum_fen=fen,
                   first=_opt_str(o.get("first"), f"{where}.first"), last=_opt_str(o.get("last"), f"{where}.last"),
                   in_tenure=_opt_int(o.get("in_tenure"), f"{where}.in_tenure"))


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One cited source row: file, row number as in the source, and what it says in Chinese (``what``) and
    English (``what_en``), coded values in words, IDs masked.

    Example:
        >>> ev = EvidenceItem("付款.xlsx", 12, "付款明细: 渠道 国库集中支付", "payment: channel treasury")
        >>> ev.to_json()["what_en"], ev.text("zh"), EvidenceItem("a.csv", 1, "人员: 张三").text("en")
        ('payment: channel treasury', '付款明细: 渠道 国库集中支付', '人员: 张三')
    """

    file: str | None
    row: int | None
    what: str
    what_en: str = ""

    def text(self, lang: Lang) -> str:
        """What the row says in ``lang`` (the Chinese text when a document written before ``what_en`` has none)."""
        return self.what_en or self.what if lang == "en" else self.what

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``findings.json``."""
        out: dict[str, Any] = {"file": self.file, "row": self.row, "what": self.what}
        if self.what_en:
            out["what_en"] = self.what_en
        return out

    @classmethod
    def from_json(cls, d: object, where: str = "evidence") -> EvidenceItem:
        """Read one evidence object (``what_en`` optional); raises :class:`FindingFormatError`."""
        o = _obj(d, where)
        return cls(file=_opt_str(o.get("file"), f"{where}.file"), row=_opt_int(o.get("row"), f"{where}.row"),
                   what=_str(o.get("what", ""), f"{where}.what"), what_en=_str(o.get("what_en", ""), f"{where}.what_en"))


@dataclass(frozen=True, slots=True)
class Voucher:
    """One source row a finding sums or cites: a payment (treasury/bank ledger row), a subsidy, or a registry
    change record (deregistration, a shareholder or officer leaving or joining).

    ``row`` is the row number as a person sees it in Excel; ``amount_fen`` integer fen (None for a change record).
    In ``findings.json`` the amount is written twice, as ``amount_fen`` (the exact value read back) and ``amount``
    (yuan as decimal text with two decimals), like :class:`PaymentSummary`'s total. For a change record
    ``purpose`` says what changed (``变更事项: before → after``), ``payer`` is who changed and ``payee`` the
    company.

    Example:
        >>> v = Voucher("pay:1", "付款.xlsx", 12, "2020-03-01", 5000000, voucher="记-0031", purpose="材料款")
        >>> Voucher.from_json(v.to_json()) == v, v.to_json()["row"], v.to_json()["amount"], v.amount
        (True, 12, '50000.00', Decimal('50000.00'))
    """

    key: str
    file: str | None
    row: int | None
    date: str | None
    amount_fen: int | None
    voucher: str | None = None
    contract: str | None = None
    purpose: str | None = None
    payer: str | None = None
    payee: str | None = None
    kind: VoucherKind = "payment"
    """``payment``, ``subsidy`` or ``change``."""

    @property
    def amount(self) -> Decimal | None:
        """The amount in yuan, exact (None when the row has none)."""
        return None if self.amount_fen is None else yuan(self.amount_fen)

    @property
    def is_money(self) -> bool:
        """True for a row that moves money (a payment or a subsidy), False for a change record."""
        return self.kind != "change"

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``findings.json``."""
        return {"key": self.key, "kind": self.kind, "file": self.file, "row": self.row, "date": self.date,
                "amount_fen": self.amount_fen,
                "amount": None if self.amount_fen is None else yuan_text(self.amount_fen),
                "voucher": self.voucher, "contract": self.contract, "purpose": self.purpose,
                "payer": self.payer, "payee": self.payee}

    @classmethod
    def from_json(cls, d: object, where: str = "voucher") -> Voucher:
        """Read one voucher object; raises :class:`FindingFormatError`.

        Documents of schema version 2 and 3 carry only ``amount`` as a number of yuan; it is read to the fen.
        """
        o = _obj(d, where)
        if o.get("amount_fen") is not None:
            fen: int | None = _int(o["amount_fen"], f"{where}.amount_fen")
        elif o.get("amount") is None:
            fen = None
        else:
            amount = o["amount"]
            try:
                fen = to_fen(amount if isinstance(amount, str) else _num(amount, f"{where}.amount"))
            except ValueError:
                raise FindingFormatError(f"{where}.amount: expected an amount, got {amount!r}") from None
        return cls(key=_str(_req(o, "key", where), f"{where}.key"),
                   kind=_choice(o.get("kind", "payment"), VOUCHER_KINDS, f"{where}.kind"),
                   file=_opt_str(o.get("file"), f"{where}.file"), row=_opt_int(o.get("row"), f"{where}.row"),
                   date=_opt_str(o.get("date"), f"{where}.date"), amount_fen=fen,
                   voucher=_opt_str(o.get("voucher"), f"{where}.voucher"),
                   contract=_opt_str(o.get("contract"), f"{where}.contract"),
                   purpose=_opt_str(o.get("purpose"), f"{where}.purpose"),
                   payer=_opt_str(o.get("payer"), f"{where}.payer"), payee=_opt_str(o.get("payee"), f"{where}.payee"))


@dataclass(frozen=True, slots=True)
class Route:
    """One way a case was found: a saved query's row, with the confidence of its identity links, its severity,
    score and its own explanation. A case lists every route, strongest first; the first sets the finding's
    confidence, the others are supporting evidence.

    Example:
        >>> r = Route("relative_company_paid", "possible", "high", 0.5, "经姓名比对…", "by name…")
        >>> Route.from_json(r.to_json()) == r
        True
    """

    query: str
    confidence: Confidence
    severity: Severity
    score: float
    explanation_zh: str = ""
    explanation_en: str = ""

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``findings.json``."""
        return {"query": self.query, "confidence": self.confidence, "severity": self.severity, "score": self.score,
                "explanation_zh": self.explanation_zh, "explanation_en": self.explanation_en}

    @classmethod
    def from_json(cls, d: object, where: str = "route") -> Route:
        """Read one route object; raises :class:`FindingFormatError`."""
        o = _obj(d, where)
        return cls(query=_str(_req(o, "query", where), f"{where}.query"),
                   confidence=_choice(o.get("confidence", "certain"), CONFIDENCES, f"{where}.confidence"),
                   severity=_choice(_req(o, "severity", where), SEVERITIES, f"{where}.severity"),
                   score=_num(_req(o, "score", where), f"{where}.score"),
                   explanation_zh=_str(o.get("explanation_zh", ""), f"{where}.explanation_zh"),
                   explanation_en=_str(o.get("explanation_en", ""), f"{where}.explanation_en"))


@dataclass(frozen=True, slots=True)
class IdentityRoute:
    """Why two person records are taken for one person: a scored fuzzy link on the path (derived, not stored).

    A matcher link has no source row of its own: the route cites the rows of the two records it links
    (``a_file``/``a_row`` and ``b_file``/``b_row``, from the path's nodes).

    Example:
        >>> s = PathStep("anon:a", "anon:b", "POSSIBLY_SAME", "ps:1", {"tier": "probable", "score": 0.8})
        >>> nodes = {"anon:a": PathNode("anon:a", "Person", "刘桂英", {}, "亲属.xlsx", 7),
        ...          "anon:b": PathNode("anon:b", "Person", "劉桂英", {}, "股东.csv", 31)}
        >>> r = IdentityRoute.of(s, nodes)
        >>> r.pair, r.tier, r.sources()
        ('刘桂英 ≈ 劉桂英', 'probable', [('亲属.xlsx', 7), ('股东.csv', 31)])
    """

    a: str
    b: str
    a_name: str
    b_name: str
    tier: str | None
    score: float | None
    explanation_zh: str
    explanation_en: str
    a_file: str | None = None
    a_row: int | None = None
    b_file: str | None = None
    b_row: int | None = None

    @property
    def pair(self) -> str:
        """``name ≈ name`` as shown in reports."""
        return f"{self.a_name} ≈ {self.b_name}"

    def sources(self) -> list[tuple[str | None, int | None]]:
        """(file, row) of the two linked records, in pair order."""
        return [(self.a_file, self.a_row), (self.b_file, self.b_row)]

    def explanation(self, lang: Lang) -> str:
        """The matcher's explanation in ``lang`` (Chinese when the English one is missing)."""
        return (self.explanation_en if lang == "en" else self.explanation_zh) or self.explanation_zh

    @classmethod
    def of(cls, step: PathStep, nodes: Mapping[str, PathNode]) -> IdentityRoute:
        """The route a ``POSSIBLY_SAME`` step states; ``nodes`` maps node keys to the path's nodes (a missing
        node reads as ``?`` with no source row)."""
        p = step.props
        tier, score = p.get("tier"), p.get("score")
        a, b = nodes.get(step.src), nodes.get(step.dst)
        return cls(a=step.src, b=step.dst, a_name=(a.name or a.key) if a else "?",
                   b_name=(b.name or b.key) if b else "?",
                   tier=None if tier is None else str(tier),
                   score=float(score) if isinstance(score, int | float) else None,
                   explanation_zh=str(p.get("explanation_zh") or ""),
                   explanation_en=str(p.get("explanation_en") or ""),
                   a_file=a.src_file if a else None, a_row=a.src_row if a else None,
                   b_file=b.src_file if b else None, b_row=b.src_row if b else None)


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding of a scan: a red flag, scored, explained, with its path and evidence.

    A finding is a case: ``id`` is a fingerprint of its actors (official, relative, company, paying unit …, as
    the queries' ``case`` headers name them; their natural node keys), stable across scans and reloads (the
    clue library keys on it). ``queries`` lists every saved query that found the case, ``routes`` every row
    that supports it (strongest first), ``vouchers`` every payment row that ``payments`` sums.

    Example:
        >>> f = Finding(id="f1", queries=("shell_company",), title_zh="空壳企业", title_en="Shell company",
        ...             severity="medium", score=0.5, confidence="possible",
        ...             payments=PaymentSummary(1, 10000, "2020-01-01", "2020-01-01"))
        >>> f.payments.count if f.payments else 0, f.explanation("en")
        (1, '')
    """

    id: str
    queries: tuple[str, ...]
    title_zh: str
    title_en: str
    severity: Severity
    score: float
    confidence: Confidence = "certain"
    entities: tuple[Entity, ...] = ()
    path: FindingPath = field(default_factory=FindingPath)
    payments: PaymentSummary | None = None
    explanation_zh: str = ""
    explanation_en: str = ""
    evidence: tuple[EvidenceItem, ...] = ()
    routes: tuple[Route, ...] = ()
    vouchers: tuple[Voucher, ...] = ()

    def title(self, lang: Lang) -> str:
        """The title in ``lang``; the Chinese one when missing, then the id."""
        return (self.title_en if lang == "en" else self.title_zh) or self.title_zh or self.id

    def explanation(self, lang: Lang) -> str:
        """The explanation in ``lang``; the Chinese one when missing."""
        return (self.explanation_en if lang == "en" else self.explanation_zh) or self.explanation_zh

    def identity_routes(self) -> list[IdentityRoute]:
        """The fuzzy identity links on the path, in path order (empty when every link is an identifier)."""
        nodes = {n.key: n for n in self.path.nodes}
        return [IdentityRoute.of(e, nodes) for e in self.path.edges if e.is_identity_link]

    def entities_in(self, role: str) -> list[Entity]:
        """Entities of one role, in order."""
        return [e for e in self.entities if e.role == role]

    def to_json(self) -> dict[str, Any]:
        """The JSON object of one element of ``findings.json["findings"]``."""
        return {
            "id": self.id,
            "queries": list(self.queries),
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "severity": self.severity,
            "score": self.score,
            "confidence": self.confidence,
            "entities": [e.to_json() for e in self.entities],
            "path": self.path.to_json(),
            "payments": None if self.payments is None else self.payments.to_json(),
            "explanation_zh": self.explanation_zh,
            "explanation_en": self.explanation_en,
            "evidence": [e.to_json() for e in self.evidence],
            "routes": [r.to_json() for r in self.routes],
            "vouchers": [v.to_json() for v in self.vouchers],
        }

    @classmethod
    def from_json(cls, d: object, where: str = "finding") -> Finding:
        """Read one finding object.

        Required: ``id``, ``title_zh``, ``severity``, ``score``; everything else defaults (no queries, no
        path, no payments, ``certain``). Raises :class:`FindingFormatError` naming the finding and key.
        """
        o = _obj(d, where)
        fid = _str(_req(o, "id", where), f"{where}.id")
        w = f"finding {fid}"
        pay = o.get("payments")
        return cls(
            id=fid,
            queries=tuple(_str(q, f"{w}.queries") for q in _list(o, "queries", w)),
            title_zh=_str(_req(o, "title_zh", w), f"{w}.title_zh"),
            title_en=_str(o.get("title_en", ""), f"{w}.title_en"),
            severity=_choice(_req(o, "severity", w), SEVERITIES, f"{w}.severity"),
            score=_num(_req(o, "score", w), f"{w}.score"),
            confidence=_choice(o.get("confidence", "certain"), CONFIDENCES, f"{w}.confidence"),
            entities=tuple(Entity.from_json(e, f"{w}.entities[{i}]") for i, e in enumerate(_list(o, "entities", w))),
            path=FindingPath.from_json(o.get("path"), f"{w}.path"),
            payments=None if pay is None else PaymentSummary.from_json(pay, f"{w}.payments"),
            explanation_zh=_str(o.get("explanation_zh", ""), f"{w}.explanation_zh"),
            explanation_en=_str(o.get("explanation_en", ""), f"{w}.explanation_en"),
            evidence=tuple(EvidenceItem.from_json(e, f"{w}.evidence[{i}]")
                           for i, e in enumerate(_list(o, "evidence", w))),
            routes=tuple(Route.from_json(r, f"{w}.routes[{i}]") for i, r in enumerate(_list(o, "routes", w))),
            vouchers=tuple(Voucher.from_json(v, f"{w}.vouchers[{i}]")
                           for i, v in enumerate(_list(o, "vouchers", w))),
        )


@dataclass(frozen=True, slots=True)
class QueryRun:
    """How one saved query ran in a scan (``(findings)`` for building the findings).

    Example:
        >>> QueryRun("shell_company", 3, 0.012).to_json()
        {'id': 'shell_company', 'rows': 3, 'seconds': 0.012}
    """

    id: str
    rows: int
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``findings.json["query_runs"]``."""
        return {"id": self.id, "rows": self.rows, "seconds": self.seconds}

    @classmethod
    def from_json(cls, d: object, where: str = "query_runs") -> QueryRun:
        """Read one query run object; raises :class:`FindingFormatError`."""
        o = _obj(d, where)
        return cls(id=_str(_req(o, "id", where), f"{where}.id"), rows=_int(_req(o, "rows", where), f"{where}.rows"),
                   seconds=_num(_req(o, "seconds", where), f"{where}.seconds"))


@dataclass(frozen=True, slots=True)
class FindingsDoc:
    """A scan's result: ``findings.json``.

    ``params`` are the parameters given to the scan (typed), ``query_params`` the parameters each query ran
    with (given or default), ``query_runs`` rows and seconds per query.

    Example:
        >>> doc = FindingsDoc(findings=(), generated_at="2026-11-30T12:00:00Z", store="demo/store")
        >>> list(doc.to_json())[:3]
        ['schema_version', 'generated_at', 'store']
        >>> FindingsDoc.from_json(doc.to_json()) == doc
        True
    """

    findings: tuple[Finding, ...] = ()
    generated_at: str = ""
    store: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    query_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    query_runs: tuple[QueryRun, ...] = ()
    schema_version: int = SCHEMA_VERSION

    def by_id(self, finding_id: str) -> Finding | None:
        """The finding with this id, or None."""
        return next((f for f in self.findings if f.id == finding_id), None)

    def to_json(self) -> dict[str, Any]:
        """The JSON object written as ``findings.json``."""
        return {
            "schema_version": self.schema_version,
            "generated_at": self.generated_at,
            "store": self.store,
            "params": _json_params(self.params),
            "findings": [f.to_json() for f in self.findings],
            "query_params": {k: _json_params(v) for k, v in self.query_params.items()},
            "query_runs": [r.to_json() for r in self.query_runs],
        }

    @classmethod
    def from_json(cls, d: object) -> FindingsDoc:
        """Read a findings document (as parsed from ``findings.json``).

        A document without ``schema_version`` (written before it existed) is read as version 1; a newer
        version than this code knows raises :class:`FindingFormatError`.
        """
        o = _obj(d, "findings.json")
        version = _int(o.get("schema_version", 1), "findings.json.schema_version")
        if version > SCHEMA_VERSION:
            raise FindingFormatError(
                f"findings.json schema_version {version} is newer than this guanlian reads ({SCHEMA_VERSION}); "
                "upgrade guanlian")
        qp = _obj(o.get("query_params") or {}, "findings.json.query_params")
        return cls(
            findings=tuple(Finding.from_json(f, f"findings[{i}]")
                           for i, f in enumerate(_list(o, "findings", "findings.json"))),
            generated_at=_str(o.get("generated_at", ""), "findings.json.generated_at"),
            store=_str(o.get("store", ""), "findings.json.store"),
            params=dict(_obj(o.get("params") or {}, "findings.json.params")),
            query_params={str(k): dict(_obj(v, f"query_params.{k}")) for k, v in qp.items()},
            query_runs=tuple(QueryRun.from_json(r, f"query_runs[{i}]")
                             for i, r in enumerate(_list(o, "query_runs", "findings.json"))),
            schema_version=SCHEMA_VERSION,
        )


def as_severity(value: object) -> Severity:
    """``value`` as a :data:`Severity`; ValueError otherwise.

    >>> as_severity("high")
    'high'
    """
    return _choice(value, SEVERITIES, "severity")


def as_confidence(value: object) -> Confidence:
    """``value`` as a :data:`Confidence` (a match tier); ValueError otherwise.

    >>> as_confidence("probable")
    'probable'
    """
    return _choice(value, CONFIDENCES, "confidence")


__all__ = [
    "CONFIDENCES",
    "SCHEMA_VERSION",
    "SEVERITIES",
    "Confidence",
    "Entity",
    "EvidenceItem",
    "Finding",
    "FindingFormatError",
    "FindingPath",
    "FindingsDoc",
    "IdentityRoute",
    "Lang",
    "PathNode",
    "PathStep",
    "PaymentSummary",
    "QueryRun",
    "Route",
    "Scalar",
    "Severity",
    "as_confidence",
    "VOUCHER_KINDS",
    "Voucher",
    "VoucherKind",
    "as_severity",
]
