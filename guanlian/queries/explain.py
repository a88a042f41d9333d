"""Explainers: small named helpers that add query-specific words to a finding's explanation.

A saved query's ``explain_zh`` / ``explain_en`` templates are ``str.format`` text. The generic builder
(:mod:`guanlian.queries.findings`) fills in what every query has:

* every bound parameter and every returned column (node columns as display names, lists joined with 、; an
  integer ``<x>_day`` column also as the ISO date ``<x>``);
* ``payments_zh`` / ``payments_en`` (the payment summary) and ``match_zh`` / ``match_en`` (the fuzzy
  identity links on the path, with tier and the matcher's reason).

Anything else a template needs comes from an explainer the header declares::

    // explain: [kinship, company_roles]

An explainer is a function of :class:`ExplainInput` (the query row, the finding's typed path, the context so
far) returning ``{template key: value}``; it is registered once with the keys it provides. The header schema
(:mod:`guanlian.queries.spec`) rejects an unknown explainer name and a ``{placeholder}`` that nothing
provides, naming the file and line.

Example:
    >>> from guanlian.finding import FindingPath, PathStep
    >>> step = PathStep("ric:O1", "ric:R1", "RELATIVE_OF", "r1", {"relation": "mother_in_law"})
    >>> EXPLAINERS["kinship"].fn(ExplainInput({}, FindingPath((), (step,)), {}))
    {'relation': 'mother-in-law'}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from guanlian.finding import FindingPath, PaymentSummary
from guanlian.model import TIERS
from guanlian.values.vocab import CHANGE_ACTION, KINSHIP, SHELL_SIGNAL, TIER, TIER_ADVERB, Lang, pick, tr

GENERIC_KEYS: tuple[str, ...] = ("payments_zh", "payments_en", "match_zh", "match_en")
"""Template keys every query gets, besides its parameters and returned columns."""


@dataclass(frozen=True, slots=True)
class ExplainInput:
    """What an explainer reads.

    ``row`` is the query's result row (column → raw value), ``path`` the finding's path (edges in path
    order, properties as in ``findings.json``), ``context`` the template values filled in so far (returned
    columns as display text, parameters).
    """

    row: Mapping[str, Any]
    path: FindingPath
    context: Mapping[str, Any]


Explain = Callable[[ExplainInput], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Explainer:
    """A registered explainer: its name (as written in a query header), the keys it provides, what it does."""

    name: str
    provides: tuple[str, ...]
    doc: str
    fn: Explain


EXPLAINERS: dict[str, Explainer] = {}
"""Every explainer by name (filled by :func:`explainer`)."""


def explainer(name: str, provides: tuple[str, ...]) -> Callable[[Explain], Explain]:
    """Register ``fn`` as the explainer ``name`` providing ``provides`` (its docstring's first line is its doc).

    Example:
        >>> @explainer("doc_example", ("shout",))
        ... def _shout(x: ExplainInput) -> dict[str, Any]:
        ...     '''The unit's name in capitals.'''
        ...     return {"shout": str(x.context.get("unit", "")).upper()}
        >>> EXPLAINERS.pop("doc_example").provides
        ('shout',)
    """

    def register(fn: Explain) -> Explain:
        if name in EXPLAINERS:
            raise ValueError(f"explainer {name!r} is registered twice")
        doc = (fn.__doc__ or "").strip().splitlines()
        EXPLAINERS[name] = Explainer(name, provides, doc[0] if doc else "", fn)
        return fn

    return register


def providers(key: str) -> list[str]:
    """Names of the explainers that provide template key ``key``.

    >>> providers("signals_zh")
    ['shell_signals']
    """
    return [e.name for e in EXPLAINERS.values() if key in e.provides]


# --- generic texts (every query) -------------------------------------------------------------------------


def payments_text(pay: PaymentSummary | None, lang: Lang) -> str:
    """The payment summary as a phrase.

    >>> payments_text(PaymentSummary(2, 80000000, "2019-04-10", "2020-01-15", 2), "zh")
    '付款2笔，合计800,000.00元（2019-04-10至2020-01-15），其中任期内2笔'
    """
    if not pay:
        return "未发现本单位付款" if lang == "zh" else "no payments from the unit found"
    if lang == "zh":
        text = f"付款{pay.count}笔，合计{pay.sum:,.2f}元（{pay.first}至{pay.last}）"
        if pay.in_tenure is not None:
            text += f"，其中任期内{pay.in_tenure}笔"
        return text
    text = f"{pay.count} payments, CNY {pay.sum:,.2f} ({pay.first} to {pay.last})"
    if pay.in_tenure is not None:
        text += f", {pay.in_tenure} during the tenure"
    return text


def match_text(path: FindingPath, lang: Lang) -> str:
    """The fuzzy identity links on ``path`` as parenthesised phrases (empty when there are none).

    >>> from guanlian.finding import PathNode, PathStep
    >>> p = FindingPath((PathNode("a", "Person", "刘桂英"),),
    ...                 (PathStep("a", "b", "POSSIBLY_SAME", "m", {"tier": "probable", "explanation_en": "same name"}),))
    >>> match_text(p, "en")
    ' (刘桂英 and b are probably the same person: same name)'
    """
    names = path.names()
    parts: list[str] = []
    for e in path.edges:
        if not e.is_identity_link:
            continue
        a, b = names.get(e.src, e.src), names.get(e.dst, e.dst)
        tier = str(e.props.get("tier") or "possible")
        if lang == "zh" and tier == "confirmed":
            parts.append(f"（{a}与{b}为同一人，{e.props.get('explanation_zh') or ''}）")
        elif lang == "zh":
            parts.append(f"（{a}与{b}疑似同一人，{tr(TIER, tier, 'zh')}：{e.props.get('explanation_zh') or ''}）")
        else:
            adverb = pick(TIER_ADVERB.get(tier, TIER_ADVERB["possible"]), "en")
            parts.append(f" ({a} and {b} are {adverb} the same person: {e.props.get('explanation_en') or ''})")
    return "".join(parts)


def route_text(path: FindingPath, lang: Lang) -> str:
    """How payments recorded under other spellings of a company were counted (the path's SAME_COMPANY routes,
    see :mod:`guanlian.matching.company_store`); empty when there are none.

    >>> from guanlian.finding import PathNode, PathStep
    >>> p = FindingPath((PathNode("uscc:1", "Company", "吉安市鑫盛建材有限公司", {"credit_code": "1"}),
    ...                  PathNode("cname:x", "Company", "吉安鑫盛建材有限公司")),
    ...                 (PathStep("cname:x", "uscc:1", "SAME_COMPANY", "sc:1", {"tier": "probable", "payments_routed": 2}),))
    >>> route_text(p, "zh")
    '（其中2笔的收款方写作“吉安鑫盛建材有限公司”，经企业名称匹配很可能为同一企业而计入）'
    """
    names = path.names()
    coded = {n.key for n in path.nodes if n.props.get("credit_code")}
    written: list[str] = []
    count, tiers = 0, []
    for e in path.edges:
        if e.type != "SAME_COMPANY":
            continue
        other = e.src if e.dst in coded else e.dst
        written.append(names.get(other, other))
        count += int(e.props.get("payments_routed") or 0)
        tiers.append(str(e.props.get("tier") or "possible"))
    if not written:
        return ""
    tier = min(tiers, key=TIERS.index)
    if lang == "zh":
        return (f"（其中{count}笔的收款方写作{'、'.join(f'“{x}”' for x in written)}，"
                f"经企业名称匹配{tr(TIER, tier, 'zh')}为同一企业而计入）")
    adverb = pick(TIER_ADVERB.get(tier, TIER_ADVERB["possible"]), "en")
    return f" ({count} of them name the payee as {', '.join(repr(x) for x in written)}, {adverb} the same company by name matching)"


# --- registered explainers -------------------------------------------------------------------------------


def _relation_en(x: ExplainInput) -> str:
    """The first family tie on the path in English (``mother-in-law``), or ``""``."""
    relations = [e.props.get("relation") for e in x.path.edges if e.type == "RELATIVE_OF"]
    return tr(KINSHIP, str(relations[0]), "en") if relations and relations[0] else ""


@explainer("kinship", ("relation",))
def _kinship(x: ExplainInput) -> dict[str, Any]:
    """``relation``: the first family tie on the path in English (``mother-in-law``; ``relative`` if none)."""
    return {"relation": _relation_en(x) or "relative"}


@explainer("company_roles", ("link_zh", "link_en"))
def _company_roles(x: ExplainInput) -> dict[str, Any]:
    """``link_zh``/``link_en``: what the people on the path are in the company (shareholder with share, …)."""
    kinds = {n.key: n.kind for n in x.path.nodes}
    out: dict[str, Any] = {}
    for lang in ("zh", "en"):
        parts: list[str] = []
        for e in x.path.edges:
            if kinds.get(e.src) != "Person":
                continue
            if e.type == "SHAREHOLDER_OF":
                share = e.props.get("share")
                if lang == "zh":
                    parts.append(f"股东（持股{share:.0%}）" if isinstance(share, float | int) else "股东")
                else:
                    parts.append(f"shareholder ({share:.0%})" if isinstance(share, float | int) else "shareholder")
            elif e.type == "LEGAL_REP_OF":
                parts.append("法定代表人" if lang == "zh" else "legal representative")
            elif e.type == "OFFICER_OF":
                title = e.props.get("title")
                parts.append(str(title or "高管") if lang == "zh" else f"officer ({title})" if title else "officer")
        seen = list(dict.fromkeys(parts))
        out[f"link_{lang}"] = ("、" if lang == "zh" else ", ").join(seen) or ("关联人" if lang == "zh" else "linked person")
    return out


@explainer("change_action", ("action_zh", "action_en", "days_abs"))
def _change_action(x: ExplainInput) -> dict[str, Any]:
    """``action_zh``/``action_en`` (left/joined the company) and ``days_abs`` (days from the first payment)."""
    action = x.row.get("action")
    days = x.row.get("days_from_first_payment")
    return {
        "days_abs": abs(int(days)) if days is not None else None,
        "action_zh": tr(CHANGE_ACTION, str(action), "zh") if action is not None else action,
        "action_en": tr(CHANGE_ACTION, str(action), "en") if action is not None else action,
    }


@explainer("contact_owner", ("relation_zh", "relation_en"))
def _contact_owner(x: ExplainInput) -> dict[str, Any]:
    """``relation_zh``/``relation_en``: whose contact it is — the official's own or a named relative's."""
    if "relative" not in x.context or "official" not in x.context:
        return {}
    rel = x.context.get("relative")
    term = x.row.get("relation_term")
    return {
        "relation_zh": f"的{term or '亲属'}{rel}" if rel else "本人",
        "relation_en": f"'s {_relation_en(x) or 'relative'} {rel}" if rel else " (the official's own)",
    }


@explainer("shell_signals", ("signals_zh", "signals_en"))
def _shell_signals(x: ExplainInput) -> dict[str, Any]:
    """``signals_zh``/``signals_en``: the shell-company signals the row lists, in words."""
    raw = x.row.get("signals")
    signals: list[Any] = raw if isinstance(raw, list) else []
    words = {s: SHELL_SIGNAL.get(str(s), (str(s), str(s))) for s in signals}
    if "dead_status" in words:
        day, after = x.row.get("dead_on_day"), x.row.get("paid_after_dead")
        if isinstance(day, int):
            when = (_EPOCH + timedelta(days=day)).isoformat()
            words["dead_status"] = (f"已于{when}注销或吊销，此后仍收款{after}笔",
                                    f"deregistered or revoked on {when}, yet paid {after} times after that")
        else:
            words["dead_status"] = ("登记为注销或吊销且仍有收款（注销或吊销日期不明，无法判断付款是否在其后）",
                                    "registered as deregistered or revoked and paid (the date is unknown, so "
                                    "whether the payments came after it cannot be told)")
    return {
        "signals_zh": "、".join(w[0] for w in words.values()),
        "signals_en": ", ".join(w[1] for w in words.values()),
    }


_EPOCH = date(1970, 1, 1)


__all__ = ["EXPLAINERS", "GENERIC_KEYS", "ExplainInput", "Explainer", "explainer", "match_text", "payments_text",
           "providers"]


@explainer("name_candidates", ("may_be_zh", "may_be_en"))
def _name_candidates(x: ExplainInput) -> dict[str, Any]:
    """``may_be_zh``/``may_be_en``: the registered companies an ambiguous payee name may be (``MAY_BE`` links),
    each with its likelihood and why."""
    names = x.path.names()
    out: dict[str, Any] = {}
    steps = sorted((e for e in x.path.edges if e.type == "MAY_BE"), key=lambda e: e.dst)
    for lang in ("zh", "en"):
        parts: list[str] = []
        for e in steps:
            tier = str(e.props.get("tier") or "possible")
            why = str(e.props.get(f"explanation_{lang}") or "").split("：" if lang == "zh" else ": ", 1)[-1]
            name = names.get(e.dst, e.dst)
            label = tr(TIER, tier, "zh" if lang == "zh" else "en")
            parts.append(f"{name}（{label}，{why}）" if lang == "zh" else f"{name} ({label}: {why})")
        out[f"may_be_{lang}"] = ("；" if lang == "zh" else "; ").join(parts)
    return out
