"""The load summary's total row: ✓ only when every file was read and reconciled; a refused file shows there."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from guanlian.loaders.pipeline import FileResult, LoadSummary
from guanlian.report_console import print_load_summary
from guanlian.values.vocab import Lang


def _total_row(files: list[FileResult], lang: Lang) -> str:
    out = Console(width=200, record=True, file=io.StringIO())
    print_load_summary(out, LoadSummary("id", "store", files, {}, {}, None), lang)
    rows = [line for line in out.export_text().splitlines() if ("合计" if lang == "zh" else "total") in line]
    assert len(rows) == 1
    return rows[0]


GOOD = FileResult("officials.csv", "officials", 3, 2, 1)
REFUSED = FileResult("登记.xlsx", None, error="扩展名是 .xlsx 但内容不是 Excel / 登记.xlsx is not a real .xlsx file",
                     error_zh="登记.xlsx 扩展名是 .xlsx，但内容不是 Excel", error_en="登记.xlsx is not a real .xlsx file")


@pytest.mark.parametrize(("lang", "refusal"), [("zh", "✗ 1 个文件未导入"), ("en", "✗ 1 file refused")])
def test_a_refused_file_shows_in_the_total(lang: Lang, refusal: str) -> None:
    row = _total_row([GOOD, REFUSED], lang)
    assert refusal in row and "✓" not in row
    two = _total_row([GOOD, REFUSED, FileResult("b.pdf", None, error="x / x", error_zh="不是表格", error_en="not a table")],
                     lang)
    assert ("✗ 2 个文件未导入" if lang == "zh" else "✗ 2 files refused") in two
    # near miss: the same counts without the refused file reconcile
    clean = _total_row([GOOD], lang)
    assert "✓" in clean and "✗" not in clean
    # rows that do not add up are still ✗ without any refused file
    assert "✗" in _total_row([FileResult("a.csv", "officials", 3, 1, 1)], lang)
