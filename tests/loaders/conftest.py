"""Fixtures for loader tests: small messy files written in several encodings and formats."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from guanlian.graph.ladybug import LadybugStore

OFFICIALS = [
    ["姓名", "公民身份号码", "性别", "出生年月", "工作单位", "职务", "任职时间", "手机号码", "家庭住址"],
    ["张三", "36080219700101001X", "男", "1970.01", "吉安市交通运输局", "局长", "2015.03-至今", "13907960001", "吉安市吉州区人民路1号"],
    ["李　四", "３６０８０２１９７５０２０２００２６", "女", "1975年2月2日", "吉安市交通运输局", "副局长", "2010.01—2014.12", "", ""],
]


def ric(body17: str) -> str:
    """A resident ID with a correct check character."""
    from stdnum.cn import ric as _ric

    return body17 + _ric.calc_check_digit(body17 + "0")


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", sep: str = ",", title: str | None = None,
              newline: str = "\n") -> Path:
    lines = []
    if title:
        lines += [title, ""]
    lines += [sep.join(f'"{c}"' if (sep in c or "\n" in c or '"' in c) and not c.startswith('"') else c for c in r)
              for r in rows]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], title: str | None = None, hidden_first: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    if hidden_first:
        ws.title = "隐藏"
        ws.append(["姓名", "工作单位"])
        ws.append(["不该读", "某单位"])
        ws.sheet_state = "hidden"
        ws = wb.create_sheet("数据")
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(r) for r in rows))
        ws.append([])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LadybugStore]:
    s = LadybugStore(tmp_path / "store")
    s.ensure_schema()
    yield s
    s.close()
