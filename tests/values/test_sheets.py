"""The sheets investigators open: streamed (write-only) workbooks keep every reading aid of an ordinary one."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook

from guanlian.values.sheets import add_sheet, new_workbook

LONG = "说明" * 30  # 60 characters: wrapped
ROWS = [["甲", Decimal("1386345.49"), LONG, None], ["=SUM(A1)", 7, "短", True]]


def _write(wb: Workbook, path: Path) -> Workbook:
    add_sheet(wb, "线索", ["名称", "金额", "说明", "标记"], ROWS, widths=[10, 14, 60], formats={1: "#,##0.00"})
    wb.save(path)
    return load_workbook(path)


def test_a_streamed_sheet_reads_back_like_an_ordinary_one(tmp_path: Path) -> None:
    streamed = _write(new_workbook(), tmp_path / "s.xlsx")
    ordinary = _write(Workbook(), tmp_path / "o.xlsx")
    assert streamed.sheetnames == ordinary.sheetnames == ["线索"]
    for ws in (streamed["线索"], ordinary["线索"]):
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:D3"
        assert [ws.column_dimensions[c].width for c in "ABCD"] == [10, 14, 60, 16]
        assert all(c.font.bold and c.fill.fgColor.rgb.endswith("DDE4EE") for c in ws[1])
        assert [c.value for c in ws[2]] == ["甲", 1386345.49, LONG, None]
        assert ws["B2"].number_format == "#,##0.00" and ws["B3"].number_format == "#,##0.00"
        assert ws["C2"].alignment.wrap_text and not ws["C3"].alignment.wrap_text
        assert ws["A3"].value == "'=SUM(A1)" and ws["A3"].data_type == "s"
        assert ws["D3"].value is True and ws["D3"].number_format == "General"
    assert [[c.value for c in r] for r in streamed["线索"].iter_rows()] == [
        [c.value for c in r] for r in ordinary["线索"].iter_rows()
    ]


def test_rows_are_consumed_lazily_and_split_across_sheets(tmp_path: Path) -> None:
    """A generator of rows is read once, row by row, and continues on a second sheet past ``max_rows``."""
    pulled: list[int] = []

    def rows():  # type: ignore[no-untyped-def]
        for i in range(5):
            pulled.append(i)
            yield [i, f"行{i}"]

    wb = new_workbook()
    add_sheet(wb, "凭证", ["序号", "内容"], rows(), max_rows=4)
    assert pulled == [0, 1, 2, 3, 4]
    wb.save(tmp_path / "r.xlsx")
    got = load_workbook(tmp_path / "r.xlsx")
    assert [(ws.title, ws.max_row, ws.auto_filter.ref) for ws in got.worksheets] == [
        ("凭证", 4, "A1:B4"),
        ("凭证 (2)", 3, "A1:B3"),
    ]
    assert got["凭证 (2)"]["A3"].value == 4 and got["凭证 (2)"]["A1"].font.bold


def test_a_sheet_name_excel_refuses_is_made_safe(tmp_path: Path) -> None:
    r"""A query id or title holding ``[ ] : * ? / \`` still gives a sheet (openpyxl raises on the raw name)."""
    wb = new_workbook()
    add_sheet(wb, "付款/补贴: [2024]?*\\", ["行"], [[1]])
    wb.save(tmp_path / "n.xlsx")
    assert load_workbook(tmp_path / "n.xlsx").sheetnames == ["付款_补贴_ _2024____"]
