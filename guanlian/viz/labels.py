"""Human-readable text for nodes and edges (Chinese or English), built from :mod:`guanlian.model`.

The words themselves (kind labels, tiers, severities …) come from :mod:`guanlian.values.vocab`; this module
composes them into tooltips and edge labels for the views and the report.

Everything here returns plain text; escaping is the renderer's job (views pass text to vis-network as
strings, which it shows with ``innerText``; the report goes through Jinja autoescaping).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from guanlian.model import MONEY_PROPS, NAME_SOURCES, RESIDENT_ID_PROPS, model
from guanlian.values.money import format_money
from guanlian.values.names import ALIASES, alias_label, aliases_text
from guanlian.values.privacy import mask_id, mask_text
from guanlian.values.vocab import (
    HIDDEN_PROPS,
    KINSHIP,
    TIER,
    Lang,
    edge_kind_label,
    kind_label,
    prop_label,
    tr,
    value_label,
)


def money(value: Any, lang: Lang) -> str:
    """Format an amount given in yuan (Decimal, decimal text or int): ``¥2,345,000.00`` (zh) or
    ``CNY 2,345,000.00`` (en). Amounts in fen (graph properties) go through
    :func:`guanlian.values.money.format_money`.

    >>> money("1229983.83", "zh"), money(Decimal("5"), "en")
    ('¥1,229,983.83', 'CNY 5.00')
    """
    if value is None or value == "":
        return ""
    try:
        v = Decimal(repr(value) if isinstance(value, float) else str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(value)
    return f"¥{v:,.2f}" if lang == "zh" else f"CNY {v:,.2f}"


def percent(share: Any) -> str:
    """Format a share held; values up to 1 are fractions, larger values are already percentages."""
    try:
        v = float(share)
    except (TypeError, ValueError):
        return str(share) if share is not None else ""
    pct = v * 100 if v <= 1 else v
    return f"{pct:.4g}%"


def display_name(node: Mapping[str, Any], show_ids: bool = False) -> str:
    """Text shown on a node: its ``name``, else the kind's display property, else its key (masked)."""
    name = node.get("name")
    props = node.get("props") or {}
    if not name:
        try:
            name = props.get(model().node(str(node.get("kind"))).display)
        except KeyError:
            name = None
    return mask_text(name or node.get("key", ""), show_ids)


def _value_text(name: str, value: Any, show_ids: bool, lang: Lang = "zh") -> str:
    if name in RESIDENT_ID_PROPS:
        return mask_id(str(value), show_ids)
    if name in MONEY_PROPS:
        return format_money(value, "zh").lstrip("¥")
    value = value_label(name, value, lang)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    return mask_text(value, show_ids)


def provenance_text(src_file: Any, src_row: Any, lang: Lang) -> str:
    """``来源: 干部基本信息表.xlsx 第12行`` / ``source: file.xlsx, row 12``."""
    if not src_file and src_row in (None, ""):
        return ""
    if lang == "zh":
        return f"来源: {src_file or '?'} 第{src_row}行" if src_row not in (None, "") else f"来源: {src_file}"
    return f"source: {src_file or '?'}, row {src_row}" if src_row not in (None, "") else f"source: {src_file}"


def props_lines(
    owner: str, props: Mapping[str, Any], lang: Lang, show_ids: bool, *, is_edge: bool = False
) -> list[str]:
    """``label: value`` lines for the non-empty, non-internal properties of a node or edge."""
    lines: list[str] = []
    aliases = props.get(ALIASES) or aliases_text(props.get(NAME_SOURCES))
    if aliases:  # the name forms of a node merged from several records (a store's raw list, or a finding's text)
        lines.append(f"{alias_label(lang)}: {mask_text(aliases, show_ids)}")
    for name, value in props.items():
        if name in HIDDEN_PROPS or name == ALIASES or name.endswith("_day") or value is None or value == "":
            continue
        if name.startswith("explanation_") and name != f"explanation_{lang}":
            continue
        lines.append(f"{prop_label(owner, name, lang, is_edge=is_edge)}: {_value_text(name, value, show_ids, lang)}")
    return lines


def node_tooltip(node: Mapping[str, Any], lang: Lang, show_ids: bool) -> str:
    """Plain-text tooltip for a node: kind and name, properties, key, provenance (one per line)."""
    kind = str(node.get("kind", ""))
    lines = [f"{kind_label(kind, lang)}: {display_name(node, show_ids)}"]
    lines += props_lines(kind, node.get("props") or {}, lang, show_ids)
    if node.get("key"):
        lines.append(("键: " if lang == "zh" else "key: ") + mask_text(node["key"], show_ids))
    prov = provenance_text(node.get("src_file"), node.get("src_row"), lang)
    if prov:
        lines.append(prov)
    return "\n".join(lines)


def edge_label(etype: str, props: Mapping[str, Any], lang: Lang) -> str:
    """Short label drawn on an edge: relation term, share %, payment count/sum, tenure, match tier."""
    p = props
    zh = lang == "zh"
    if etype == "RELATIVE_OF":
        if not zh and p.get("relation") in KINSHIP:
            return tr(KINSHIP, str(p["relation"]), lang)
        return str(p.get("term") or value_label("relation", p.get("relation"), lang) or edge_kind_label(etype, lang))
    if etype == "SHAREHOLDER_OF":
        share = p.get("share")
        base = "股东" if zh else "shareholder"
        return f"{base} {percent(share)}" if share not in (None, "") else base
    if etype == "OFFICER_OF":
        return str(p.get("title") or edge_kind_label(etype, lang))
    if etype == "SERVES_IN":
        post = str(p.get("post") or edge_kind_label(etype, lang))
        start, end = p.get("term_start") or "", p.get("term_end") or ""
        if start or end:
            until = end or ("至今" if zh else "now")
            return f"{post}\n{start or '?'}—{until}"
        return post
    if etype == "PAID":
        count, total = p.get("payments"), p.get("total")
        if zh:
            return f"付款 {count}笔\n{format_money(total, lang)}"
        return f"paid {count}×\n{format_money(total, lang)}"
    if etype == "PAYMENT":
        return f"{format_money(p.get('amount'), lang)}\n{p.get('paid_on') or ''}".strip()
    if etype in ("POSSIBLY_SAME", "SAME_COMPANY"):
        tier = tr(TIER, p.get("tier"), lang)
        score = p.get("score")
        score_text = f" {float(score):.2f}" if isinstance(score, int | float) else ""
        return f"{edge_kind_label(etype, lang)}?\n({tier}{score_text})"
    if etype == "CHANGE":
        parts = [str(value_label(k, p.get(k), lang)) for k in ("item", "action", "changed_on") if p.get(k)]
        return " ".join(parts) or edge_kind_label(etype, lang)
    return edge_kind_label(etype, lang)


def edge_tooltip(edge: Mapping[str, Any], lang: Lang, show_ids: bool) -> str:
    """Plain-text tooltip for an edge: kind, properties, provenance (``sources``, when given, lists the rows of
    the two records a matcher link joins instead of the link's own placeholder row).

    >>> edge_tooltip({"type": "POSSIBLY_SAME", "props": {}, "src_file": "matcher", "src_row": 0,
    ...               "sources": [("亲属.xlsx", 7), ("股东.csv", 31)]}, "zh", False).splitlines()[-2:]
    ['来源: 亲属.xlsx 第7行', '来源: 股东.csv 第31行']
    """
    etype = str(edge.get("type", ""))
    lines = [edge_kind_label(etype, lang)]
    lines += props_lines(etype, edge.get("props") or {}, lang, show_ids, is_edge=True)
    sources = edge.get("sources")
    if sources:  # a matcher link has no row of its own: the rows of the two records it links
        lines += [provenance_text(f, r, lang) for f, r in sources]
    else:
        prov = provenance_text(edge.get("src_file"), edge.get("src_row"), lang)
        if prov:
            lines.append(prov)
    return "\n".join(mask_text(x, show_ids) for x in lines)
