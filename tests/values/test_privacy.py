"""Masking values, nested values and frames; spreadsheet formula neutralisation; plain values."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from guanlian.values.privacy import (
    mask_frame,
    mask_id,
    mask_nested,
    mask_text,
    neutralise_cell,
    neutralise_frame,
    plain,
)
from guanlian.values.sheets import add_sheet, new_workbook, write_csv

ID = "36240119680512123X"
CODE = "913601197001010050"  # an all-digit credit code


@pytest.mark.parametrize("v", ["=cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_prefixes_neutralised(v: str) -> None:
    assert neutralise_cell(v) == "'" + v


@pytest.mark.parametrize("v", ["王建国", "a=b", " =1", "1-2", "＝1", 3, -1.5, None, True])
def test_harmless_values_untouched(v: object) -> None:
    assert neutralise_cell(v) == v


def test_neutralise_frame_covers_cells_and_headers() -> None:
    df = pd.DataFrame({"=HYPERLINK(1)": ["@x", "ok", None], "n": [-1, 2, 3]})
    out = neutralise_frame(df)
    assert list(out.columns) == ["'=HYPERLINK(1)", "n"]
    assert out.iloc[:, 0].tolist()[:2] == ["'@x", "ok"] and out["n"].tolist() == [-1, 2, 3]
    assert df.columns[0] == "=HYPERLINK(1)"  # the input is not changed


def test_sheets_write_formulas_as_text(tmp_path: Path) -> None:
    wb = new_workbook(tmp_path / "a.xlsx")
    add_sheet(wb, "线索", ["=名称", "金额"], [["=1+1", -5], ["-2+3", 7]])
    wb.close()
    ws = load_workbook(tmp_path / "a.xlsx")["线索"]
    assert [c.value for c in ws[1]] == ["'=名称", "金额"]
    assert [c.value for c in ws[2]] == ["'=1+1", -5] and ws["A2"].data_type == "s"
    assert ws["A3"].value == "'-2+3"
    p = write_csv(tmp_path / "a.csv", ["x"], [["@SUM(A1)"], [None], ["plain"]])
    rows = list(csv.reader(p.read_text(encoding="utf-8-sig").splitlines()))
    assert rows == [["x"], ["'@SUM(A1)"], [""], ["plain"]]


def test_mask_id_and_text() -> None:
    assert mask_id(ID) == "3624**********123X"
    assert mask_id(ID, show_ids=True) == ID
    assert mask_id("3608211945030120") == "3608********0120"  # odd length: still never shown raw
    assert mask_id("N/A") == "***" and mask_id(None) == "" and mask_id("") == ""
    assert mask_text("电话13807960002 证件360821194503012042") == "电话13807960002 证件3608**********2042"
    assert mask_text(f"企业 {CODE}") == f"企业 {CODE}"  # a credit code is not personal data
    assert mask_text(None) == "" and mask_text(12) == "12"
    assert mask_text(f"证件{ID}", show_ids=True) == f"证件{ID}"


def test_mask_nested() -> None:
    doc = {
        "findings": [{
            "id": "f1",
            "entities": [{"key": f"ric:{ID}", "id_number": "3608211945030120", "props": {"id_number": ID}},
                         {"key": f"uscc:{CODE}", "credit_code": CODE}],
            "explanation_zh": f"干部(身份证{ID})",
            "scores": (0.5, 1),
            "array": np.array([f"x {ID}", "y"]),
            "n": 3,
            "none": None,
        }],
    }
    out = mask_nested(doc)
    f = out["findings"][0]
    assert f["entities"][0] == {"key": "ric:3624**********123X", "id_number": "3608********0120",
                                "props": {"id_number": "3624**********123X"}}
    assert f["entities"][1] == {"key": f"uscc:{CODE}", "credit_code": CODE}
    assert f["explanation_zh"] == "干部(身份证3624**********123X)"
    assert f["scores"] == [0.5, 1] and f["array"] == ["x 3624**********123X", "y"]
    assert (f["id"], f["n"], f["none"]) == ("f1", 3, None)
    assert ID not in str(out)
    assert doc["findings"][0]["entities"][0]["key"] == f"ric:{ID}"  # the input is not changed
    # without ID keys, only ID-shaped text is masked
    assert mask_nested({"id_number": "N/A"}, ()) == {"id_number": "N/A"}


def test_mask_frame() -> None:
    df = pd.DataFrame({"who": [f"张三 {ID}", None], "ids": [[ID], []], "n": [1, 2]})
    out = mask_frame(df)
    assert out["who"].tolist()[0] == "张三 3624**********123X" and pd.isna(out["who"].tolist()[1])
    assert out["ids"].tolist() == [["3624**********123X"], []]
    assert out["n"].tolist() == [1, 2] and df["who"][0] == f"张三 {ID}"


def test_plain() -> None:
    assert plain(np.int64(3)) == 3 and type(plain(np.int64(3))) is int
    assert type(plain(np.float32(1.5))) is float and type(plain(np.bool_(True))) is bool
    assert plain(float("nan")) is None and plain(np.float64("nan")) is None and plain(np.float32("nan")) is None
    assert plain(pd.NA) is None and plain(pd.NaT) is None and plain(None) is None
    assert plain(np.array([1, 2])) == [1, 2] and plain((np.int64(1), None)) == [1, None]
    assert plain("x") == "x" and plain({"a": np.int64(1)}) == {"a": np.int64(1)}  # dicts are left alone
    day = dt.date(2020, 1, 2)
    assert plain(day) is day and plain(0.25) == 0.25


def test_a_sheet_longer_than_excel_allows_continues_on_numbered_sheets(tmp_path: Path) -> None:
    """Rows beyond one sheet's limit go on ``title (2)``, ``title (3)`` with the header again: none is lost, each
    sheet filters its own rows, and an injected formula stays text on every sheet."""
    wb = new_workbook(tmp_path / "r.xlsx")
    rows = [[i, '=HYPERLINK("x")' if i == 4 else f"行{i}"] for i in range(1, 6)]
    add_sheet(wb, "付款凭证明细表（按日期排序的全部行）", ["序号", "内容"], rows, max_rows=3)
    wb.close()
    got = load_workbook(tmp_path / "r.xlsx")
    assert got.sheetnames == ["付款凭证明细表（按日期排序的全部行）", "付款凭证明细表（按日期排序的全部行） (2)",
                              "付款凭证明细表（按日期排序的全部行） (3)"]
    assert all(len(t) <= 31 for t in got.sheetnames)
    seen = []
    for ws in got.worksheets:
        assert [c.value for c in ws[1]] == ["序号", "内容"]
        assert ws.auto_filter.ref == f"A1:B{ws.max_row}"
        seen += [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert [r[0] for r in seen] == [1, 2, 3, 4, 5]
    assert seen[3][1] == "'=HYPERLINK(\"x\")"
