"""The output seam, findings side: ``scan`` writes every registered findings output, in order."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

import guanlian.outputs as outputs
from guanlian.cli import app
from guanlian.clues.library import ClueLibrary
from guanlian.finding import FindingsDoc
from guanlian.graph import open_store
from guanlian.outputs import FINDINGS_WRITERS, FindingsWriter, Registry, ScanContext
from guanlian.workflow import scan_to_dir

runner = CliRunner()

OFFICIALS = "姓名,公民身份号码,性别,出生年月,工作单位,职务\n张三,36080219700101001X,男,1970.01,吉安市交通运输局,局长\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("scan-writers")
    (d / "officials.csv").write_text(OFFICIALS, encoding="utf-8")
    r = runner.invoke(app, ["load", str(d / "officials.csv"), "--store", str(d / "store"), "--kind", "officials"])
    assert r.exit_code == 0, r.output
    return d / "store"


def test_scan_writes_every_registered_output_in_order(store: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert FINDINGS_WRITERS.names() == ("findings.json", "views", "report.html", "report.xlsx")
    seen: list[str] = []

    @dataclass(frozen=True)
    class Summary:
        """A new output: one class with a name and write(), one registry line."""

        name: str = "summary.txt"

        def write(self, doc: FindingsDoc, out: Path, ctx: ScanContext) -> list[Path]:
            seen.extend(ctx.written)  # the outputs written before this one
            p = out / self.name
            p.write_text(f"{len(doc.findings)} findings ({ctx.lang})\n", encoding="utf-8")
            return [p]

    reg: Registry[FindingsWriter] = Registry("findings", [*FINDINGS_WRITERS, Summary()])
    monkeypatch.setattr(outputs, "FINDINGS_WRITERS", reg)
    s = open_store(store, create=False)
    try:
        result = scan_to_dir(s, tmp_path / "out", lang="en")
    finally:
        s.close()
    assert seen == ["findings.json", "views", "report.html", "report.xlsx"]
    assert (tmp_path / "out" / "summary.txt").read_text(encoding="utf-8") == f"{result.count} findings (en)\n"
    assert list(result.written) == [*FINDINGS_WRITERS.names(), "summary.txt"]
    assert result.written["report.html"] == [tmp_path / "out" / "report.html"]
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert doc["findings"] == [] and "schema_version" in doc


def test_clues_export_formats(tmp_path: Path) -> None:
    db = tmp_path / "clues.db"
    ClueLibrary(db).close()
    r = runner.invoke(app, ["clues", "export", "--clues", str(db), "--format", "pdf"])
    assert r.exit_code == 2 and "可选：csv, json, xlsx" in r.output, r.output
    r = runner.invoke(app, ["clues", "export", "--clues", str(db), "--format", "table", "--lang", "en"])  # run's
    assert r.exit_code == 2 and "registered: csv, json, xlsx" in r.output, r.output
    for fmt in ("csv", "json", "xlsx"):
        out = tmp_path / f"c.{fmt}"
        r = runner.invoke(app, ["clues", "export", "--clues", str(db), "--format", fmt, "--out", str(out)])
        assert r.exit_code == 0 and out.is_file(), r.output
    assert json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))["clues"] == []
