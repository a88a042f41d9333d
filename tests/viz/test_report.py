from __future__ import annotations

import os
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from guanlian.finding import Entity, Finding, FindingsDoc, PaymentSummary, Voucher
from guanlian.viz.report import write_report
from guanlian.viz.view import render_finding_views

RAW_ID = re.compile(r"(?<![0-9])\d{17}[\dXx](?![0-9])")


VOUCHERS = (
    Voucher("pay:1", "国库集中支付明细.xlsx", 777, "2019-09-28", 19446643, voucher="记-2019-00001",
            contract="JA-2019-718", purpose="维护费 360821194503012042", payer="住建局", payee="聚旭公司"),
    Voucher("pay:2", "bank.csv", 511, "2020-12-30", 10, voucher="=1+1", purpose="尾款", payer="住建局",
            payee="聚旭公司"),
    Voucher("chg:1", "registry_changes.csv", 9, "2021-03", None, purpose="股东：姜萍 → 王五", payer="姜萍",
            payee="聚旭公司", kind="change"),
)


def with_vouchers(doc: FindingsDoc) -> FindingsDoc:
    """The sample with its first finding carrying two payment rows and a change record, summed from them."""
    first = replace(doc.findings[0], vouchers=VOUCHERS,
                    payments=PaymentSummary(2, 19446653, "2019-09-28", "2020-12-30", 2))
    return replace(doc, findings=(first, *doc.findings[1:]))


def test_report_html(findings_doc: FindingsDoc, tmp_path: Path) -> None:
    views = render_finding_views(findings_doc, tmp_path / "views")
    html_path, xlsx_path = write_report(findings_doc, tmp_path, views=views)
    html = html_path.read_text(encoding="utf-8")
    assert "关联线索报告" in html and "@media print" in html
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html)
    assert "<img" not in html and "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not RAW_ID.search(html) and "3608**********2042" in html
    assert 'href="views/view-f1a2b3c4d5e6f7a8.html"' in html
    sheet = {r[0]: r for r in load_workbook(xlsx_path)["线索"].iter_rows(min_row=2, values_only=True)}
    assert {fid: r[12] for fid, r in sheet.items()} == {
        f.id: os.path.relpath(views[f.id], tmp_path) if f.id in views else None for f in findings_doc.findings
    }  # the same view links as the HTML report; none where no view was written
    assert "姓名同音" in html and "很可能" in html  # the why of the fuzzy match
    assert "主要人员.csv, 515" in html and "¥2,345,000.00" in html
    assert '<table class="vouchers">' not in html  # the sample has no voucher rows


def test_report_html_lists_every_voucher(findings_doc: FindingsDoc, tmp_path: Path) -> None:
    html = write_report(with_vouchers(findings_doc), tmp_path)[0].read_text(encoding="utf-8")
    found = re.search(r'<table class="vouchers">(.*?)</table>', html, re.S)
    assert found is not None
    rows = re.findall(r"<tr><td>(.*?)</tr>", found.group(1), re.S)
    assert len(rows) == 3
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", "<td>" + r) for r in rows]
    assert cells[0] == ["付款", "2019-09-28", "¥194,466.43", "记-2019-00001", "JA-2019-718",
                        "维护费 3608**********2042", "住建局 → 聚旭公司", "国库集中支付明细.xlsx, 777"]
    assert cells[1][2] == "¥0.10" and cells[1][3] == "=1+1"  # HTML shows the text as written (escaped, inert)
    assert cells[2][:3] == ["登记变更", "2021-03", ""] and cells[2][5] == "股东：姜萍 → 王五"
    assert "付款汇总" not in found.group(1) and not RAW_ID.search(html)
    en = write_report(with_vouchers(findings_doc), tmp_path / "en", lang="en")[0].read_text(encoding="utf-8")
    assert "registry change" in en and "CNY 194,466.43" in en and "Payer → payee" in en
    sev = re.search(r'<table id="summary-severity">(.*?)</table>', html, re.S).group(1)  # type: ignore[union-attr]
    assert re.findall(r'<td class="num">(\d+)</td>', sev) == ["1", "1", "1", "3"]
    en = write_report(findings_doc, tmp_path / "en", lang="en")[0].read_text(encoding="utf-8")
    assert "guanlian findings report" in en and "mother-in-law" in en and "关联线索报告" not in en


def test_report_xlsx(findings_doc: FindingsDoc, tmp_path: Path) -> None:
    _, xlsx_path = write_report(findings_doc, tmp_path)
    wb = load_workbook(xlsx_path)
    assert wb.sheetnames == ["线索", "人员企业", "付款", "证据"]
    ws = wb["线索"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:M4"
    rows = list(ws.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [f.id for f in findings_doc.findings]
    assert rows[1][2] == 0.96 and rows[1][7] == 2345000.0  # an exact yuan number, formatted as yuan
    assert ws["H2"].number_format == "#,##0.00" and ws["H2"].data_type == "n"
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                v = cell.value
                if isinstance(v, str):
                    assert not v.startswith(("=", "+", "-", "@")), v
                    assert not RAW_ID.search(v), v
    ents = list(wb["人员企业"].iter_rows(values_only=True))
    assert ("'=cmd|' /C calc'!A0" in [r[3] for r in ents]) and "3624**********123X" in [r[4] for r in ents]
    ev = list(wb["证据"].iter_rows(values_only=True))
    assert {"'-1+1", "'@SUM(A1:A2)", "'=cmd|' /C calc'!A0"} <= {r[3] for r in ev}
    assert list(wb["付款"].iter_rows(values_only=True))[1:] == []  # the sample has no voucher rows
    shown = load_workbook(write_report(findings_doc, tmp_path / "ids", show_ids=True)[1])
    assert "36240119680512123X" in [r[4] for r in shown["人员企业"].iter_rows(values_only=True)]


def test_report_xlsx_has_one_sortable_row_per_voucher(findings_doc: FindingsDoc, tmp_path: Path) -> None:
    doc = with_vouchers(findings_doc)
    wb = load_workbook(write_report(doc, tmp_path)[1])
    ws = wb["付款"]
    assert ws.auto_filter.ref == "A1:J4" and ws.freeze_panes == "A2"
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "类别", "日期", "金额(元)")
    fid = doc.findings[0].id
    assert rows[1] == (fid, "付款", "2019-09-28", 194466.43, "记-2019-00001", "JA-2019-718",
                       "维护费 3608**********2042", "住建局 → 聚旭公司", "国库集中支付明细.xlsx", 777)
    assert rows[2][3] == 0.1 and rows[2][4] == "'=1+1"  # formula-safe text
    assert rows[3][1:4] == ("登记变更", "2021-03", None)
    for cell in (ws["D2"], ws["D3"]):  # exact yuan numbers, shown as yuan
        assert cell.data_type == "n" and cell.number_format == "#,##0.00"
        assert Decimal(repr(cell.value)) == doc.findings[0].vouchers[cell.row - 2].amount
    summary = doc.findings[0].payments
    assert summary is not None and sum(Decimal(repr(r[3])) for r in rows[1:] if r[3] is not None) == summary.sum
    en = load_workbook(write_report(doc, tmp_path / "en", lang="en")[1])["payments"]
    assert [c.value for c in en[1]][:4] == ["ID", "Kind", "Date", "Amount (CNY)"]


def _case(i: int, official: str, score: float, confidence: str) -> Finding:
    people = (Entity("official", "Person", f"官员{official}", f"ric:{official}"),
              Entity("relative", "Person", f"亲属{i}", f"anon:{i}"))
    return Finding(f"f{i:02d}", ("relative_company_paid",), "亲属企业收款", "relative paid", "high", score,
                   entities=people, confidence=confidence)  # type: ignore[arg-type]


def test_report_html_caps_possible_findings_per_official_and_says_where_the_rest_are(tmp_path: Path) -> None:
    """At 10M rows 71,143 possible findings made an 830 MB report.html. Past the cap the page shows each
    official's best possible finding in turn; certain and probable findings are always shown; the summary and
    report.xlsx still count and list every finding."""
    a = [_case(i, "A", 0.9 - i / 100, "possible") for i in range(5)]  # one official with many namesake links
    b = [_case(10 + i, "B", 0.5 - i / 100, "possible") for i in range(2)]
    c = [_case(20, "C", 0.3, "possible")]
    sure = [_case(30, "D", 0.2, "certain"), _case(31, "D", 0.1, "probable")]
    doc = FindingsDoc(findings=tuple(sorted([*a, *b, *c, *sure], key=lambda f: -f.score)))
    write_report(doc, tmp_path, max_possible=4)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    shown = set(re.findall(r'<section class="finding" id="f-(f\d+)"', html))
    assert shown == {"f00", "f10", "f20", "f01", "f30", "f31"}  # A, B, C in turn, then A again; D always
    assert "另有 4 条“可能”线索" in html and "report.xlsx" in html and 'id="omitted"' in html
    assert re.search(r'<td class="num">10</td></tr>', html)  # the summary counts all ten findings
    rows = load_workbook(tmp_path / "report.xlsx").worksheets[0].max_row
    assert rows == 1 + 10
    # under the cap nothing is left out and no note is written
    write_report(doc, tmp_path / "all", max_possible=None)
    full = (tmp_path / "all" / "report.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<section class="finding"', full)) == 10 and 'id="omitted"' not in full
    write_report(doc, tmp_path / "fits", max_possible=8)
    assert len(re.findall(r'<section class="finding"', (tmp_path / "fits" / "report.html").read_text("utf-8"))) == 10
