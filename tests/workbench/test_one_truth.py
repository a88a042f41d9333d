"""One truth between the CLI and a running workbench (issue 17 defects), on both engines: ``guanlian dismiss`` and
``guanlian judge`` run as separate processes while the workbench is up, and its next request shows them; a
workbench given a findings file (``serve --findings``) leaves out the findings that rest on a link rejected
since; a broken file in ``--queries-dir`` is listed and skipped, as the CLI does, instead of breaking the
queries page."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from guanlian.queries.library import BUILTIN_DIR
from guanlian.queries.spec import QueryFileError
from guanlian.workbench.service import Workbench
from tests.judgements.test_judgements import _only_on
from tests.workbench.conftest import TOKEN, World, make_client
from tests.workbench.test_judgements import jbench  # noqa: F401  (a fixture: a copy of the world to change)

Bench = tuple[Workbench, TestClient]
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _cli(*args: str) -> str:
    """Run the real CLI in its own process (as an investigator at a terminal beside the running workbench)."""
    code = "import sys; from guanlian.cli import app; sys.argv[0] = 'guanlian'; app()"
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=os.environ.copy(),
                       check=False)
    assert r.returncode == 0, (args, r.stdout[-500:], r.stderr[-1500:])
    return r.stdout


def _get(c: TestClient, url: str, status: int = 200) -> Any:
    r = c.get(url, headers=AUTH)
    assert r.status_code == status, (url, r.status_code, r.text[:300])
    return r.json()


def test_cli_judgements_reach_the_running_workbench(jbench: Bench, tmp_path: Path) -> None:  # noqa: F811
    wb, c = jbench
    doc = wb.findings_doc()
    raw_before = [dict(f) for f in wb.findings_raw()]
    gone_id, bad_link = _only_on(doc, set())
    other = next(f.id for f in doc.findings if f.id != gone_id)
    n = _get(c, "/api/findings?per_page=500")["total"]
    # near miss: a request with nothing written in between reuses the findings (no rescan, same document)
    assert _get(c, f"/api/findings/{other}")["dismissed"] is None
    assert wb.findings_doc() is doc

    _cli("dismiss", other, "--store", wb.location, "--by", "命令行甲", "--reason", "另案处理")
    shown = _get(c, f"/api/findings/{other}")
    assert shown["dismissed"]["by"] == "命令行甲" and shown["explanation_zh"].startswith("【已排除】")
    assert _get(c, "/api/findings?per_page=500")["total"] == n  # dismissed findings stay listed, marked

    _cli("judge", bad_link, "reject", "--store", wb.location, "--by", "命令行乙", "--reason", "户籍核对不是同一人")
    _get(c, f"/api/findings/{gone_id}", 404)  # rested only on the rejected link: gone, as after `scan`
    assert _get(c, "/api/findings?per_page=500")["total"] == n - 1
    assert _get(c, f"/api/links?id={bad_link}")["total"] == 0
    history = _get(c, f"/api/judgements?target={bad_link}")["judgements"]
    assert [(j["verdict"], j["by"]) for j in history] == [("reject", "命令行乙")]

    # serve --findings: the given (older) findings file is shown without the finding on the rejected link;
    # the finding that only was dismissed stays, marked
    fixed = Workbench(wb.location, clues=tmp_path / "clues.db", sidecar=tmp_path / "wb",
                      findings={**doc.to_json(), "findings": raw_before})
    try:
        ids = {f["id"] for f in fixed.findings({"per_page": "500"})["findings"]}
        assert gone_id not in ids and other in ids and len(ids) == n - 1
        assert fixed.finding(other)["dismissed"]["by"] == "命令行甲"
    finally:
        fixed.close()


def test_given_findings_keep_findings_on_links_not_rejected(world: World, tmp_path: Path) -> None:
    """Near miss of the rejection filter: a link judged ``unsure`` (or never judged) keeps its findings."""
    wb = Workbench(world.location, clues=tmp_path / "a.db", sidecar=tmp_path / "a")
    try:
        doc = wb.findings_doc()
        raw = [dict(f) for f in wb.findings_raw()]
    finally:
        wb.close()
    fixed = Workbench(world.location, clues=tmp_path / "b.db", sidecar=tmp_path / "b",
                      findings={**doc.to_json(), "findings": raw})
    try:
        assert fixed.findings({"per_page": "500"})["total"] == len(raw)
    finally:
        fixed.close()


def _query_dir(tmp_path: Path) -> Path:
    d = tmp_path / "my-queries"
    d.mkdir()
    text = (BUILTIN_DIR / "shell_company.cypher").read_text(encoding="utf-8")
    (d / "my_shell.cypher").write_text(text.replace("// id: shell_company", "// id: my_shell"), encoding="utf-8")
    (d / "half.cypher").write_text("// ---\n// id: half\n// title_zh: 半个文件头\n// ---\nMATCH (n) RETURN n\n",
                                   encoding="utf-8")
    return d


def test_a_broken_query_file_is_listed_not_fatal(world: World, tmp_path: Path) -> None:
    d = _query_dir(tmp_path)
    wb = Workbench(world.location, clues=tmp_path / "clues.db", sidecar=tmp_path / "wb", queries_dir=[d])
    try:
        c = make_client(wb)
        listing = _get(c, "/api/queries")
        ids = [q["id"] for q in listing["queries"]]
        assert "my_shell" in ids and "shell_company" in ids and "half" not in ids
        assert len(listing["problems"]) == 1 and "half.cypher:2" in listing["problems"][0]
        page = c.get("/queries")
        assert page.status_code == 200 and "half.cypher" in page.text and "my_shell" in page.text
        assert _get(c, "/api/queries/my_shell")["columns"]  # the good user query runs
        assert "half.cypher" in _get(c, "/api/queries/half", 400)["error"]  # the broken one says why
        _get(c, "/api/queries/nothing_like_it", 404)
        assert _get(c, "/api/findings?query=my_shell")["total"] >= 0  # the scan ran with the user query
        # the folder is read again when a file in it changes: fixed, the query appears
        (d / "half.cypher").unlink()
        assert _get(c, "/api/queries")["problems"] == []
    finally:
        wb.close()
    # near miss: a folder that does not exist is an error at start, as in the CLI
    with pytest.raises(QueryFileError, match="no such query file or folder"):
        Workbench(world.location, clues=tmp_path / "c.db", sidecar=tmp_path / "c", queries_dir=[tmp_path / "nope"])


def test_serve_takes_queries_dir() -> None:
    out = _cli("serve", "--help")
    assert "--queries-dir" in out and "--findings" in out
