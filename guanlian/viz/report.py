"""The findings report: ``report.html`` (self-contained, printable) and ``report.xlsx`` (filterable sheets).

Input is a :class:`~guanlian.finding.FindingsDoc` (``findings.json``, see ``docs/outputs.md``). All text from data is escaped by Jinja
autoescaping; resident IDs are masked unless ``show_ids``; XLSX cells are formula-safe.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from guanlian.finding import Finding, FindingsDoc, PathStep
from guanlian.values.files import replacing
from guanlian.values.privacy import mask_id, mask_text
from guanlian.values.sheets import add_sheet, new_workbook
from guanlian.values.vocab import (
    CONFIDENCE,
    ROLE,
    SEVERITIES,
    SEVERITY,
    TIER,
    Lang,
    kind_label,
    tr,
)
from guanlian.viz.labels import edge_label, money
from guanlian.viz.safe import templates

REPORT_POSSIBLE = 1000
"""``report.html`` shows at most this many ``possible`` findings in full (``scan --report-possible``): at 10M
rows a scan finds 71,143 of them (namesakes linked by name alone) and an HTML page of all of them was 830 MB.
Every finding stays in ``findings.json``, ``report.xlsx``, the clue library and the workbench."""

YUAN_FORMAT = "#,##0.00"
"""Excel number format of amount cells (yuan, two decimals, thousands separators)."""

VOUCHER_KIND: dict[str, tuple[str, str]] = {"payment": ("付款", "payment"), "subsidy": ("补贴", "subsidy"),
                                            "change": ("登记变更", "registry change")}


def _yuan_cell(yuan_value: Decimal | None) -> float | None:
    """An exact yuan amount as a spreadsheet number: the float nearest the two-decimal value, which Excel and
    openpyxl write and read back as exactly that decimal (``1386345.49``), never a float sum's artefact."""
    return None if yuan_value is None else float(yuan_value)


def _t(lang: Lang) -> dict[str, str]:
    zh = {
        "title": "关联线索报告",
        "generated": "生成时间",
        "store": "数据库",
        "params": "参数",
        "summary": "概览",
        "by_severity": "按风险等级",
        "by_query": "按查询",
        "severity": "风险等级",
        "query": "查询",
        "total": "合计",
        "count": "数量",
        "findings": "线索列表",
        "score": "评分",
        "confidence": "可信度",
        "explanation": "说明",
        "entities": "涉及人员、企业和单位",
        "role": "角色",
        "kind": "类型",
        "name": "名称",
        "id_number": "身份证号",
        "relations": "关系链",
        "from": "起点",
        "relation": "关系",
        "to": "终点",
        "source": "来源(文件, 行)",
        "payments": "付款",
        "pay_count": "笔数",
        "pay_sum": "金额合计",
        "pay_first": "首笔",
        "pay_last": "末笔",
        "pay_in_tenure": "任职期间笔数",
        "no_payments": "无付款记录",
        "why": "身份认定依据",
        "why_certain": "各环节均由证件号或登记记录直接连接，无模糊匹配。",
        "evidence": "证据",
        "file": "文件",
        "row": "行号",
        "what": "内容",
        "view": "查看关系网络图",
        "none": "没有线索。",
        "id": "编号",
        "queries": "查询",
        "masked": "身份证号已脱敏显示。",
        "explanation_col": "说明",
        "view_col": "网络图",
        "payer": "付款方",
        "payee": "收款方",
        "finding": "线索",
        "tier": "匹配等级",
        "match_score": "匹配分",
        "vouchers": "付款及登记凭证明细",
        "voucher_kind": "类别",
        "date": "日期",
        "amount": "金额",
        "voucher_no": "凭证号",
        "contract_no": "合同号",
        "purpose": "用途/变更",
        "payer_payee": "付款方 → 收款方",
        "see_vouchers": "见凭证明细",
        "records": "两条记录",
        "omitted": ("另有 {n} 条“可能”线索（仅凭姓名等弱证据关联）未在本页列出：本页按公职人员轮流选取评分最高的 {k} 条。"
                    "全部线索见 report.xlsx、findings.json 和工作台（可信度筛选“可能”）。"),
    }
    en = {
        "title": "guanlian findings report",
        "generated": "Generated",
        "store": "Store",
        "params": "Parameters",
        "summary": "Summary",
        "by_severity": "By severity",
        "by_query": "By query",
        "severity": "Severity",
        "query": "Query",
        "total": "Total",
        "count": "Count",
        "findings": "Findings",
        "score": "Score",
        "confidence": "Confidence",
        "explanation": "Explanation",
        "entities": "People, companies and units",
        "role": "Role",
        "kind": "Kind",
        "name": "Name",
        "id_number": "Resident ID",
        "relations": "Chain of relations",
        "from": "From",
        "relation": "Relation",
        "to": "To",
        "source": "Source (file, row)",
        "payments": "Payments",
        "pay_count": "Count",
        "pay_sum": "Total",
        "pay_first": "First",
        "pay_last": "Last",
        "pay_in_tenure": "During tenure",
        "no_payments": "No payments",
        "why": "Why we think these are the same people",
        "why_certain": "Every link is a direct identifier or registry record; no fuzzy match is involved.",
        "evidence": "Evidence",
        "file": "File",
        "row": "Row",
        "what": "What",
        "view": "Open network view",
        "none": "No findings.",
        "id": "ID",
        "queries": "Queries",
        "masked": "Resident IDs are masked.",
        "explanation_col": "Explanation",
        "view_col": "View",
        "payer": "Payer",
        "payee": "Payee",
        "finding": "Finding",
        "tier": "Match tier",
        "match_score": "Match score",
        "vouchers": "Vouchers (payments and registry changes)",
        "voucher_kind": "Kind",
        "date": "Date",
        "amount": "Amount",
        "voucher_no": "Voucher no.",
        "contract_no": "Contract no.",
        "purpose": "Purpose / change",
        "payer_payee": "Payer → payee",
        "see_vouchers": "see the vouchers",
        "records": "the two records",
        "omitted": ("{n} more “possible” findings (linked by weak evidence such as a name alone) are not listed on "
                    "this page: it shows {k}, the highest-scoring of each official in turn. Every finding is in "
                    "report.xlsx, findings.json and the workbench (filter confidence “possible”)."),
    }
    return zh if lang == "zh" else en


def _src(file: Any, row: Any) -> str:
    if not file and row in (None, ""):
        return ""
    return f"{file or '?'}, {row}" if row not in (None, "") else str(file)


def _finding_model(f: Finding, lang: Lang, show_ids: bool, view_href: str | None) -> dict[str, Any]:
    """Everything one report section shows, as display text (masked, translated, not yet escaped)."""

    def m(v: Any) -> str:
        return mask_text(v, show_ids)

    t = _t(lang)
    names = {n.key: m(n.name or n.key) for n in f.path.nodes}
    entities = [
        {
            "role": tr(ROLE, e.role, lang),
            "kind": kind_label(e.kind, lang),
            "name": m(e.label(lang)),
            "id_number": mask_id(e.id_number, show_ids),
        }
        for e in f.entities
    ]
    fuzzy_sources = {(r.a, r.b): " ↔ ".join(_src(file, row) for file, row in r.sources())
                     for r in f.identity_routes()}
    n_money = sum(v.is_money for v in f.vouchers)

    def source(e: PathStep) -> str:
        """Where an edge comes from; derived edges (matcher links, payment totals) point at the rows behind."""
        if e.sources:  # an identity link: the rows of the two records it links
            return " ↔ ".join(_src(file, row) for file, row in e.sources)
        if e.is_identity_link:
            return fuzzy_sources.get((e.src, e.dst), "")
        if e.type == "PAID" and n_money:
            return f"{t['see_vouchers']} ({n_money})"
        return _src(e.src_file, e.src_row)

    relations = [
        {
            "from": names.get(e.src, m(e.src)),
            "relation": m(edge_label(e.type, e.props, lang).replace("\n", " ")),
            "to": names.get(e.dst, m(e.dst)),
            "source": m(source(e)),
            "fuzzy": e.is_identity_link,
        }
        for e in f.path.edges
    ]
    fuzzy = [
        {
            "pair": f"{names.get(r.a, '?')} ≈ {names.get(r.b, '?')}",
            "tier": tr(TIER, r.tier, lang),
            "score": r.score,
            "explanation": m(r.explanation(lang)),
            "source": m(fuzzy_sources[(r.a, r.b)]),
        }
        for r in f.identity_routes()
    ]
    pay = f.payments
    payments = None
    if pay:
        payments = {
            "count": pay.count,
            "sum": money(pay.sum, lang),
            "first": pay.first or "",
            "last": pay.last or "",
            "in_tenure": pay.in_tenure if pay.in_tenure is not None else "",
        }
    return {
        "id": f.id,
        "anchor": "f-" + "".join(c for c in f.id if c.isalnum() or c in "-_"),
        "title": m(f.title(lang)),
        "subject": _subject(f, m),
        "severity": f.severity,
        "severity_text": tr(SEVERITY, f.severity, lang),
        "score": f"{float(f.score):.2f}",
        "confidence": tr(CONFIDENCE, f.confidence, lang),
        "queries": [m(q) for q in f.queries],
        "explanation": m(f.explanation(lang)),
        "entities": entities,
        "relations": relations,
        "fuzzy": fuzzy,
        "payments": payments,
        "vouchers": [{**r, "amount": money(r["amount"], lang)} for r in voucher_rows(f, lang, show_ids)],
        "evidence": [{"file": m(ev.file), "row": ev.row, "what": m(ev.text(lang))}
                     for ev in f.evidence],
        "view_href": view_href,
    }


def voucher_rows(f: Finding, lang: Lang, show_ids: bool) -> list[dict[str, Any]]:
    """The rows of a finding's vouchers table, one per cited payment, subsidy or change record, in date order;
    text masked and translated, ``amount`` exact yuan (:class:`~decimal.Decimal`, None for a change record).
    The HTML table and the XLSX sheet both show these rows.

    Example:
        >>> from guanlian.finding import Voucher
        >>> v = Voucher("pay:1", "付款.xlsx", 12, "2020-03-01", 5000050, voucher="记-0031", payer="住建局", payee="某公司")
        >>> f = Finding("f1", ("q",), "t", "t", "high", 0.9, vouchers=(v,))
        >>> r = voucher_rows(f, "zh", False)[0]
        >>> r["kind"], r["amount"], r["payer_payee"], r["row"]
        ('付款', Decimal('50000.50'), '住建局 → 某公司', 12)
    """

    def m(v: Any) -> str:
        return mask_text(v, show_ids)

    return [
        {
            "kind": tr(VOUCHER_KIND, v.kind, lang),
            "date": v.date or "",
            "amount": v.amount,
            "voucher": m(v.voucher or ""),
            "contract": m(v.contract or ""),
            "purpose": m(v.purpose or ""),
            "payer_payee": m(f"{v.payer or '?'} → {v.payee or '?'}"),
            "file": m(v.file or ""),
            "row": v.row,
        }
        for v in f.vouchers
    ]


_SUBJECT_ROLES = ("official", "relative", "payee", "company")


def _subject(f: Finding, m: Callable[[Any], str]) -> str:
    """Who and what a finding is about, for the list: official · relative · company (names, masked)."""
    names: list[str] = []
    for role in _SUBJECT_ROLES:
        for e in f.entities_in(role):
            if e.name and m(e.name) not in names:
                names.append(m(e.name))
    return " · ".join(names[:4])


def _query_titles(findings: Sequence[Finding], lang: Lang) -> dict[str, str]:
    """Query id → title, taken from findings that came from that query alone."""
    titles: dict[str, str] = {}
    for f in findings:
        if len(f.queries) == 1:
            titles.setdefault(f.queries[0], (f.title_en if lang == "en" else f.title_zh) or f.title_zh or f.queries[0])
    return titles


def _summary(findings: Sequence[Finding]) -> tuple[dict[str, int], list[dict[str, Any]]]:
    by_sev = Counter(f.severity for f in findings)
    per_query: dict[str, Counter[str]] = {}
    for f in findings:
        for q in f.queries or ("?",):
            per_query.setdefault(q, Counter())[f.severity] += 1
    rows = [
        {"query": q, "counts": [c.get(s, 0) for s in SEVERITIES], "total": sum(c.values())}
        for q, c in sorted(per_query.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    ]
    return {s: by_sev.get(s, 0) for s in SEVERITIES}, rows


def html_selection(findings: Sequence[Finding], max_possible: int | None = REPORT_POSSIBLE) -> list[Finding]:
    """The findings ``report.html`` shows in full, in their order: every finding that is not ``possible``, and
    of the ``possible`` ones all when they are at most ``max_possible`` (None: no cap), else ``max_possible``
    of them taken the way an investigator would work through them — each official's (or, without one, each
    subject's) highest-scoring finding first, then each one's second, and so on, so that one official with
    hundreds of namesake links does not fill the page.

    Example:
        >>> fs = [Finding(f"f{i}", ("q",), "t", "t", "low", 1 - i / 10, confidence="possible") for i in range(3)]
        >>> [f.id for f in html_selection(fs, 2)], len(html_selection(fs, None))
        (['f0', 'f1'], 3)
    """
    possible = [i for i, f in enumerate(findings) if f.confidence == "possible"]
    if max_possible is None or len(possible) <= max_possible:
        return list(findings)
    turn: dict[str, int] = {}
    ranked: list[tuple[int, int]] = []
    for i in possible:  # findings come strongest first
        who = _official_key(findings[i])
        turn[who] = turn.get(who, -1) + 1
        ranked.append((turn[who], i))
    keep = {i for _, i in sorted(ranked)[:max(0, max_possible)]}
    return [f for i, f in enumerate(findings) if f.confidence != "possible" or i in keep]


def _official_key(f: Finding) -> str:
    """Whose case a finding is, for :func:`html_selection`: the official, else the first person or entity."""
    for role in ("official", "relative"):
        for e in f.entities_in(role):
            return e.key
    return f.entities[0].key if f.entities else f.id


def _href(view: Path | None, out_dir: Path) -> str | None:
    if view is None:
        return None
    rel = os.path.relpath(Path(view).resolve(), out_dir.resolve())
    return Path(rel).as_posix()


def write_report(
    findings_doc: FindingsDoc,
    out_dir: Path,
    *,
    lang: Lang = "zh",
    show_ids: bool = False,
    views: Mapping[str, Path] | None = None,
    max_possible: int | None = REPORT_POSSIBLE,
) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.xlsx`` for a findings document (:func:`write_report_html` and
    :func:`write_report_xlsx`; ``scan`` calls them as two registered outputs, :mod:`guanlian.outputs`).

    Args:
        findings_doc: the scan's findings document (``findings.json``).
        out_dir: folder to write into (created if missing).
        lang: ``"zh"`` (default) or ``"en"``.
        show_ids: show resident ID numbers unmasked.
        views: ``{finding id: view HTML path}`` (e.g. from
            :func:`guanlian.viz.view.render_finding_views`); linked by relative path.
        max_possible: ``report.html`` shows at most this many ``possible`` findings in full
            (:func:`html_selection`; None: all); ``report.xlsx`` lists every finding.

    Returns:
        ``(report.html path, report.xlsx path)``.

    Example:
        >>> # html, xlsx = write_report(FindingsDoc.from_json(json.loads(Path("findings.json").read_text())),
        >>> #                           Path("out"))
    """
    return (write_report_html(findings_doc, out_dir, lang=lang, show_ids=show_ids, views=views,
                              max_possible=max_possible),
            write_report_xlsx(findings_doc, out_dir, lang=lang, show_ids=show_ids, views=views))


def _prepare(findings_doc: FindingsDoc, out_dir: Path, lang: Lang, show_ids: bool,
             views: Mapping[str, Path] | None) -> tuple[Path, list[Finding], list[dict[str, Any]]]:
    """What report.html starts from: the output folder (created), the findings and their display models."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    findings = list(findings_doc.findings)
    views = views or {}
    return out_dir, findings, [_finding_model(f, lang, show_ids, _href(views.get(f.id), out_dir)) for f in findings]


def write_report_html(
    findings_doc: FindingsDoc,
    out_dir: Path,
    *,
    lang: Lang = "zh",
    show_ids: bool = False,
    views: Mapping[str, Path] | None = None,
    max_possible: int | None = REPORT_POSSIBLE,
) -> Path:
    """Write ``report.html`` into ``out_dir`` (created if missing); arguments as :func:`write_report`, and
    ``max_possible``: how many ``possible`` findings to show in full at most (:func:`html_selection`; None: all).
    The summary counts every finding; a note says how many are not shown and where they are.

    Example:
        >>> import tempfile
        >>> write_report_html(FindingsDoc(), Path(tempfile.mkdtemp())).name
        'report.html'
    """
    findings = list(findings_doc.findings)
    shown = html_selection(findings, max_possible)
    out_dir, _, models = _prepare(replace(findings_doc, findings=tuple(shown)), out_dir, lang, show_ids, views)
    t = _t(lang)
    omitted = len(findings) - len(shown)
    note = t["omitted"].format(n=omitted, k=sum(f.confidence == "possible" for f in shown)) if omitted else ""
    by_sev, by_query = _summary(findings)
    titles = _query_titles(findings, lang)
    params = findings_doc.params
    html = (
        templates()
        .get_template("report.html.j2")
        .render(
            lang=lang,
            t=t,
            generated_at=mask_text(findings_doc.generated_at, show_ids),
            store=mask_text(findings_doc.store, show_ids),
            params=[(mask_text(k, show_ids), mask_text(v, show_ids)) for k, v in params.items()],
            severities=[(s, tr(SEVERITY, s, lang), by_sev[s]) for s in SEVERITIES],
            total=len(findings),
            by_query=[
                {**r, "query": mask_text(titles.get(r["query"], r["query"]), show_ids), "query_id": r["query"]}
                for r in by_query
            ],
            findings=models,
            omitted_note=note,
            show_ids=show_ids,
        )
    )
    html_path = out_dir / "report.html"
    with replacing(html_path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return html_path


def write_report_xlsx(
    findings_doc: FindingsDoc,
    out_dir: Path,
    *,
    lang: Lang = "zh",
    show_ids: bool = False,
    views: Mapping[str, Path] | None = None,
) -> Path:
    """Write ``report.xlsx`` into ``out_dir`` (created if missing); arguments as :func:`write_report`.

    Example:
        >>> import tempfile
        >>> write_report_xlsx(FindingsDoc(), Path(tempfile.mkdtemp())).name
        'report.xlsx'
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    xlsx_path = out_dir / "report.xlsx"
    hrefs = {fid: _href(v, out_dir) for fid, v in (views or {}).items()}
    with replacing(xlsx_path) as tmp:
        _write_xlsx(findings_doc.findings, hrefs, tmp, lang, show_ids)
    return xlsx_path


def _write_xlsx(
    findings: Sequence[Finding],
    hrefs: Mapping[str, str | None],
    out: Path,
    lang: Lang,
    show_ids: bool,
) -> None:
    """Stream the four sheets; each finding's display text is made as its row is written (not the HTML report's
    whole model per finding, which at 10M rows held a gigabyte of text the sheets never show)."""
    t = _t(lang)

    def m(v: Any) -> str:
        return mask_text(v, show_ids)

    zh = lang == "zh"
    with new_workbook(out) as wb:
        add_sheet(
            wb,
            "线索" if zh else "findings",
            [
                t["id"],
                t["severity"],
                t["score"],
                t["confidence"],
                t["finding"],
                t["queries"],
                t["pay_count"],
                t["pay_sum"] + ("(元)" if zh else " (CNY)"),
                t["pay_first"],
                t["pay_last"],
                t["pay_in_tenure"],
                t["explanation_col"],
                t["view_col"],
            ],  # fmt: skip
            (
                [
                    f.id,
                    tr(SEVERITY, f.severity, lang),
                    f.score,
                    tr(CONFIDENCE, f.confidence, lang),
                    m(f.title(lang)),
                    ", ".join(m(q) for q in f.queries),
                    f.payments.count if f.payments else None,
                    _yuan_cell(f.payments.sum) if f.payments else None,
                    f.payments.first if f.payments else None,
                    f.payments.last if f.payments else None,
                    f.payments.in_tenure if f.payments else None,
                    m(f.explanation(lang)),
                    hrefs.get(f.id) or "",
                ]
                for f in findings
            ),
            widths=[18, 8, 7, 14, 50, 24, 7, 14, 11, 11, 8, 70, 28],
            formats={7: YUAN_FORMAT},
        )
        add_sheet(
            wb,
            "人员企业" if zh else "entities",
            [t["id"], t["role"], t["kind"], t["name"], t["id_number"], "key"],
            (
                [
                    f.id,
                    tr(ROLE, e.role, lang),
                    kind_label(e.kind, lang),
                    m(e.label(lang)),
                    mask_id(e.id_number, show_ids),
                    m(e.key),
                ]
                for f in findings
                for e in f.entities
            ),
            widths=[18, 10, 8, 36, 22, 40],
        )
        pay_rows = (
            [f.id, r["kind"], r["date"], _yuan_cell(r["amount"]), r["voucher"], r["contract"], r["purpose"],
             r["payer_payee"], r["file"], r["row"]]
            for f in findings
            for r in voucher_rows(f, lang, show_ids)
        )
        add_sheet(
            wb,
            "付款" if zh else "payments",
            [
                t["id"],
                t["voucher_kind"],
                t["date"],
                t["amount"] + ("(元)" if zh else " (CNY)"),
                t["voucher_no"],
                t["contract_no"],
                t["purpose"],
                t["payer_payee"],
                t["file"],
                t["row"],
            ],  # fmt: skip
            pay_rows,
            widths=[18, 9, 11, 15, 16, 14, 28, 48, 28, 7],
            formats={3: YUAN_FORMAT},
        )
        add_sheet(
            wb,
            "证据" if zh else "evidence",
            [t["id"], t["file"], t["row"], t["what"]],
            (
                [f.id, m(ev.file), ev.row, m(ev.text(lang))]
                for f in findings
                for ev in f.evidence
            ),
            widths=[18, 32, 8, 60],
        )


__all__ = ["write_report", "write_report_html", "write_report_xlsx"]
