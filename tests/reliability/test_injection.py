"""Hostile text in source files (Cypher, HTML/JS, spreadsheet formulas) is stored and shown verbatim but never
executed: Cypher only through parameters, HTML escaped, CSV/XLSX cells starting with ``= + - @`` neutralised.

One small related-party case (an official, his mother-in-law's company paid by his unit) is written with hostile
names, loaded, scanned (report, views, findings), filed as clues and exported, and run as a saved query with
``--format csv``; on the embedded store and on Neo4j.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from guanlian.graph import open_store
from guanlian.graph.neo4j import Neo4jStore

from .conftest import Server, cli

_spec = importlib.util.spec_from_file_location("make_bad_corpus_inj", Path(__file__).parents[1] / "data" / "make_bad_corpus.py")
assert _spec and _spec.loader
corpus = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = corpus
_spec.loader.exec_module(corpus)

CYPHER = "陈桂兰'}) DETACH DELETE n //`x` $p"
COMPANY = '吉安市恒达"><img src=x onerror=alert(1)>建材有限公司'
SCRIPT = "<script>alert('x')</script>"
FORMULAS = ("=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0")
DANGER = ("=", "+", "-", "@")


def hostile_files(folder: Path) -> list[Path]:
    """BASE rows of the corpus with hostile names threaded through every file (links kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    old_company = "吉安市恒达建材有限公司"
    paths = []
    for kind in ("officials", "relatives", "companies", "shareholders", "officers", "payments"):
        header, rows = corpus.BASE[kind]
        rows = [[c.replace(old_company, COMPANY).replace("陈桂兰", CYPHER) for c in r] for r in rows]
        if kind == "officials":
            rows[0][5] = FORMULAS[0]  # post
            rows[0][8] = SCRIPT  # address
        if kind == "relatives":
            rows[1][5] = corpus.rid("19480505", 222)  # the mother-in-law's ID: the same person as the shareholder
        if kind == "payments":
            rows[0][6], rows[0][7] = FORMULAS[3], FORMULAS[1]  # purpose, voucher
            rows[1][6] = FORMULAS[2]
            rows.append([*rows[0][:4], FORMULAS[0], *rows[0][5:]])  # a rejected amount that looks like a formula
        p = folder / f"{kind}.csv"
        p.write_text(corpus.to_csv(header, rows), encoding="utf-8")
        paths.append(p)
    return paths


def _cells_xlsx(path: Path) -> list[Any]:
    wb = load_workbook(path)
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{path.name}!{c.coordinate} is a formula: {c.value!r}"
                out.append(c.value)
    return out


def _cells_csv(text: str) -> list[str]:
    return [c for row in csv.reader(text.splitlines()) for c in row]


def _no_formula(cells: list[Any], where: str) -> None:
    bad = [c for c in cells if isinstance(c, str) and c.startswith(DANGER) and not c.lstrip("-+").replace(".", "").isdigit()]
    assert not bad, f"{where}: cells that a spreadsheet would run: {bad[:5]}"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cli(*args), capture_output=True, text=True, timeout=600, check=False, env=env)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-3000:]
    return proc


def check_everything(store_arg: str, tmp_path: Path, env: dict[str, str] | None = None) -> None:
    files = hostile_files(tmp_path / "data")
    rejects = tmp_path / "rejects.csv"
    load = _run("load", "--store", store_arg, "--rejects", str(rejects), *map(str, files), env=env)
    assert load.returncode == 0, load.stderr[-2000:]
    # rejects.csv: the formula-looking amount was rejected, and its value is neutralised
    rej = rejects.read_text(encoding="utf-8-sig")
    assert "cmd|" in rej
    _no_formula(_cells_csv(rej), "rejects.csv")

    out = tmp_path / "scan"
    scan = _run("scan", "--store", store_arg, "--out", str(out), "--clues", env=env)
    assert scan.returncode == 0, scan.stderr[-2000:]
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    text = json.dumps(doc, ensure_ascii=False)
    assert CYPHER in text or COMPANY in text, "the hostile names should reach the findings verbatim"
    for html in [out / "report.html", *sorted((out / "views").glob("*.html"))]:
        page = html.read_text(encoding="utf-8")
        assert "<img src=x" not in page and SCRIPT not in page, html.name
    _no_formula(_cells_xlsx(out / "report.xlsx"), "report.xlsx")

    for fmt in ("csv", "xlsx"):
        exp = _run("clues", "export", "--store", store_arg, "--format", fmt, "--out", str(tmp_path / f"c.{fmt}"),
                   env=env)
        assert exp.returncode == 0, exp.stderr[-1000:]
    _no_formula(_cells_csv((tmp_path / "c.csv").read_text(encoding="utf-8-sig")), "clues.csv")
    _no_formula(_cells_xlsx(tmp_path / "c.xlsx"), "clues.xlsx")

    ran = _run("run", "relative_company_paid", "--store", store_arg, "--format", "csv", env=env)
    assert ran.returncode == 0, ran.stderr[-1000:]
    _no_formula(_cells_csv(ran.stdout), "run --format csv")

    # user-supplied parameters and search text: refused or matched as data, never run
    bad_param = _run("run", "relative_company_paid", "--store", store_arg, "--param", f"min_share={CYPHER}", env=env)
    assert bad_param.returncode != 0 and any(w in bad_param.stderr.lower() for w in ("错误", "error"))
    found = _run("find", CYPHER, "--store", store_arg, env=env)
    assert found.returncode in (0, 1), found.stderr[-1000:]
    view = _run("view", COMPANY, "--store", store_arg, "--out", str(tmp_path / "v.html"), env=env)
    if view.returncode == 0:
        page = (tmp_path / "v.html").read_text(encoding="utf-8")
        assert "<img src=x" not in page


def _stored_verbatim(store: Any) -> None:
    got = store.query("MATCH (p:Person) WHERE p.name = $n RETURN count(p) AS c", {"n": CYPHER})
    assert int(got["c"].iloc[0]) >= 1
    got = store.query("MATCH (c:Company) WHERE c.name = $n RETURN count(c) AS c", {"n": COMPANY})
    assert int(got["c"].iloc[0]) == 1
    assert store.counts()["PAYMENT"] == 3  # nothing was deleted by the text


def test_injection_embedded(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    check_everything(str(store_dir), tmp_path)
    with open_store(store_dir) as s:  # type: ignore[attr-defined]
        _stored_verbatim(s)


@pytest.mark.neo4j
def test_injection_neo4j(private_neo4j: Server, tmp_path: Path) -> None:
    with Neo4jStore(private_neo4j.uri, private_neo4j.user, private_neo4j.password) as s:
        s.clear()
        check_everything(private_neo4j.uri, tmp_path, env=private_neo4j.env())
        _stored_verbatim(s)
