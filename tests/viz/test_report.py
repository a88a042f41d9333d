from __future__ import annotations

import re
from pathlib import Path

from openpyxl import load_workbook

from guanlian.finding import FindingsDoc
from guanlian.viz.report import write_report
from guanlian.viz.view import render_finding_views

RAW_ID = re.compile(r"(?<![0-9])\d{17}[\dXx](?![0-9])")


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
    assert "姓名同音" in html and "很可能" in html  # the why of the fuzzy match
    assert "主要人员.csv, 515" in html and "¥2,345,000.00" in html
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
    assert rows[1][2] == 0.96 and rows[1][7] == "2345000.00"  # exact yuan text (money is fen, never float)
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
    pay = list(wb["付款"].iter_rows(values_only=True))
    assert (12, "2345000.00", "2019-04-10", "2022-12-20") in [r[3:7] for r in pay]
    shown = load_workbook(write_report(findings_doc, tmp_path / "ids", show_ids=True)[1])
    assert "36240119680512123X" in [r[4] for r in shown["人员企业"].iter_rows(values_only=True)]
