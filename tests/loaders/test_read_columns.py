"""The Arrow fast path of the CSV reader gives exactly what the row-wise ``csv`` reader gives."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import guanlian.loaders.read as rd


def _score(cells: list[str]) -> int:
    return sum(c in {"姓名", "身份证号", "name", "x"} for c in cells)


def _read(path: Path) -> tuple[object, ...]:
    try:
        t = rd.read_table(path, _score)
    except rd.ReadError as exc:
        return ("error", str(exc))
    assert t.ragged is not None
    return (t.header, t.rows.to_numpy().tolist(), list(t.rows.columns), t.row_numbers.tolist(), t.ragged.tolist(),
            t.encoding, t.warnings, [str(d) for d in t.rows.dtypes])


_TEXTS = [
    "姓名,身份证号\n张三,1\n\n李四,2\n",  # a blank line: row numbers count it
    "标题\n姓名,身份证号\r\n张三,1\r\n李四,2",  # a title row above the header, CRLF, no final newline
    "姓名,身份证号,\n张三,1,多余\n李四,2,\n",  # a cell under no header: ragged
    "姓名,身份证号\n , \n　,\n王五,3\n",  # rows of white space only are dropped
    "姓名\t身份证号\n张三\t1\n",  # tab-delimited
    "姓名,身份证号\n张三,1,2\n",  # a wider row: the csv module reads it
    '姓名,身份证号\n"张,三",1\n',  # quotes: the csv module reads it
    "\n\n姓名,身份证号\n张三,1\n",  # blank lines first
    "姓名,备注\n,\n,\n",  # no data row with content
]


@pytest.mark.parametrize("text", _TEXTS)
def test_arrow_csv_reads_as_the_csv_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    p = tmp_path / "t.csv"
    p.write_bytes(text.encode("utf-8"))
    fast = _read(p)
    monkeypatch.setattr(rd, "_columns_csv", lambda text, delim: None)
    assert fast == _read(p)


def test_arrow_csv_random_texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    alphabet = ["姓名", "身份证号", "x", "a", "1", " ", "\u3000", ",", ",", "\t", "\n", "\r", "\r\n", "-", "\x1c",
                "王", "\u2028", "*"]
    texts = [rng.choice(["姓名,身份证号", "姓名,身份证号,", "t\n姓名,身份证号"])
             + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(300)]
    fast = []
    for i, text in enumerate(texts):
        (tmp_path / f"{i}.csv").write_bytes(text.encode("utf-8"))
        fast.append(_read(tmp_path / f"{i}.csv"))
    used = sum(rd._columns_csv(t, rd._sniff_delimiter(t)) is not None for t in texts)
    assert used > 30  # the fast path was taken for many of them
    monkeypatch.setattr(rd, "_columns_csv", lambda text, delim: None)
    for i, text in enumerate(texts):
        assert fast[i] == _read(tmp_path / f"{i}.csv"), repr(text)
