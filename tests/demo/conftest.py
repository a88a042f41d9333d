"""Fixtures for the demo generator tests: generated worlds and a reader that finds header rows."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from guanlian.demo import DemoManifest, generate

KNOWN_HEADERS = {"姓名", "干部姓名", "企业名称", "公司名称", "付款单位", "发放单位", "凭证号", "交易日期"}


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """Header and (row number as a person sees it, values) of a CSV or XLSX export."""
    if path.suffix == ".xlsx":
        wb = load_workbook(path, read_only=True)
        ws = wb.worksheets[0]
        raw: list[tuple[int, list[Any]]] = [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), 1)]
        wb.close()
    else:
        data = path.read_bytes()
        text = data[3:].decode("utf-8") if data.startswith(b"\xef\xbb\xbf") else data.decode("gb18030")
        raw = [(i, r) for i, r in enumerate(csv.reader(io.StringIO(text, newline="")), 1)]
    for k, (_, r) in enumerate(raw):
        if any(isinstance(v, str) and v in KNOWN_HEADERS for v in r):
            header = [str(v) if v is not None else "" for v in r]
            return header, raw[k + 1 :]
    raise AssertionError(f"no header row in {path}")


def records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    header, rows = read_rows(path)
    for n, r in rows:
        yield n, {h: (v if v != "" else None) for h, v in zip(header, r, strict=False)}


def nfkc(v: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(v)).split()) if v is not None else ""


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoManifest, dict[str, Any]]:
    m = generate(tmp_path_factory.mktemp("tiny"), size="tiny", seed=7)
    return m, json.loads(m.truth_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoManifest, dict[str, Any]]:
    m = generate(tmp_path_factory.mktemp("small"), size="small", seed=11)
    return m, json.loads(m.truth_path.read_text(encoding="utf-8"))
