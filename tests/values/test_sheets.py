"""The sheets investigators open: written row by row in constant memory, with every reading aid."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from guanlian.values.sheets import add_sheet, new_workbook

LONG = "说明" * 30  # 60 characters: wrapped
ROWS = [["甲", Decimal("1386345.49"), LONG, None], ["=SUM(A1)", 7, "短", True], ["<script>", float("nan"), "", False]]


def test_a_streamed_sheet_has_every_reading_aid(tmp_path: Path) -> None:
    with new_workbook(tmp_path / "s.xlsx") as book:
        add_sheet(book, "线索", ["名称", "金额", "说明", "标记"], ROWS, widths=[10, 14, 60], formats={1: "#,##0.00"})
    ws = load_workbook(tmp_path / "s.xlsx")["线索"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:D4"
    # stored as Excel keeps a width of N characters shown (N + padding, e.g. 10.71)
    assert [int(ws.column_dimensions[c].width) for c in "ABCD"] == [10, 14, 60, 16]
    assert all(c.font.bold and c.fill.fgColor.rgb.endswith("DDE4EE") for c in ws[1])
    assert [c.value for c in ws[1]] == ["名称", "金额", "说明", "标记"]
    assert [c.value for c in ws[2]] == ["甲", 1386345.49, LONG, None]  # the exact decimal, read back
    assert ws["B2"].number_format == "#,##0.00" and ws["B3"].number_format == "#,##0.00"
    assert ws["B2"].data_type == "n" and ws["B3"].value == 7
    assert ws["C2"].alignment.wrap_text and not ws["C3"].alignment.wrap_text
    assert ws["A3"].value == "'=SUM(A1)" and ws["A3"].data_type == "s"  # text, never a formula
    assert ws["D3"].value is True and ws["D4"].value is False
    assert ws["A4"].value == "<script>" and ws["B4"].value is None and ws["C4"].value is None  # NaN and "" blank


def test_rows_are_consumed_lazily_and_split_across_sheets(tmp_path: Path) -> None:
    """A generator of rows is read once, row by row, and continues on a second sheet past ``max_rows``."""
    pulled: list[int] = []

    def rows():  # type: ignore[no-untyped-def]
        for i in range(5):
            pulled.append(i)
            yield [i, f"行{i}"]

    buf = io.BytesIO()
    with new_workbook(buf) as book:
        add_sheet(book, "凭证", ["序号", "内容"], rows(), max_rows=4)
        assert pulled == [0, 1, 2, 3, 4]
    got = load_workbook(buf)
    assert [(ws.title, ws.max_row, ws.auto_filter.ref) for ws in got.worksheets] == [
        ("凭证", 4, "A1:B4"),
        ("凭证 (2)", 3, "A1:B3"),
    ]
    assert got["凭证 (2)"]["A3"].value == 4 and got["凭证 (2)"]["A1"].font.bold


def test_sheet_names_excel_refuses_are_made_safe(tmp_path: Path) -> None:
    r"""A query id or title holding ``[ ] : * ? / \``, an apostrophe at an end, more than 31 characters or a
    name already used (in any case) still gives a sheet each."""
    with new_workbook(tmp_path / "n.xlsx") as book:
        for title in ["付款/补贴: [2024]?*\\", "'引号'", "很长" * 20, "很长" * 20, "Clues", "clues"]:
            add_sheet(book, title, ["行"], [[1]])
    assert load_workbook(tmp_path / "n.xlsx").sheetnames == [
        "付款_补贴_ _2024____", "引号", "很长" * 15 + "很", "很长" * 13 + "很 (2)", "Clues", "clues (2)",
    ]


def test_an_exception_inside_leaves_no_file(tmp_path: Path) -> None:
    def rows():  # type: ignore[no-untyped-def]
        yield ["一"]
        raise RuntimeError("the scan failed")

    with pytest.raises(RuntimeError), new_workbook(tmp_path / "x.xlsx") as book:
        add_sheet(book, "线索", ["名称"], rows())
    assert not (tmp_path / "x.xlsx").exists()
