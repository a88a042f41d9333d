"""The command line as a person uses it: the demo, load/stats, queries, run, find, collide, view, clues, errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from guanlian.cli import app
from guanlian.values.ids import parse_resident_id

runner = CliRunner()
_ID18 = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")


def raw_ids(text: str) -> list[str]:
    """18-character runs that are valid resident IDs (all-digit credit codes are shown, IDs never)."""
    return [m for m in _ID18.findall(text) if (r := parse_resident_id(m)) is not None and r.status == "valid"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = runner.invoke(app, ["demo", "--out", str(out), "--size", "tiny"])
    assert result.exit_code == 0, result.output
    assert "report.html" in result.output
    assert "guanlian serve --store" in result.output  # the demo ends by saying how to open the workbench
    return out


def test_demo_writes_everything_and_reconciles(demo: Path) -> None:
    for name in ("report.html", "report.xlsx", "findings.json", "truth.json", "rejects.csv", "store/clues.db"):
        assert (demo / name).exists(), name
    assert not (demo / "clues.db").exists(), "one clue library: the store's, not a second one beside it"
    doc = json.loads((demo / "findings.json").read_text(encoding="utf-8"))
    assert doc["findings"], "the tiny demo plants schemes; the scan must find some"
    assert len(list((demo / "views").glob("*.html"))) == len(doc["findings"])


def test_scan_views_option(demo: Path, tmp_path: Path) -> None:
    doc = json.loads((demo / "findings.json").read_text(encoding="utf-8"))
    shared = [p.name for p in (demo / "views").glob("vis-network-*.min.js")]
    assert len(shared) == 1  # one library beside all views, loaded by relative path
    page = next((demo / "views").glob("view-*.html")).read_text(encoding="utf-8")
    assert f'<script src="{shared[0]}"></script>' in page and "vis.Network=" not in page
    store = str(demo / "store")
    r = runner.invoke(app, ["scan", "--store", store, "--out", str(tmp_path / "top"), "--views", "top:1"])
    assert r.exit_code == 0, r.output
    assert len(list((tmp_path / "top" / "views").glob("view-*.html"))) == 1
    report = (tmp_path / "top" / "report.html").read_text(encoding="utf-8")
    assert report.count("views/view-") == 1 and len(doc["findings"]) > 1  # unwritten views are not linked
    r = runner.invoke(app, ["scan", "--store", store, "--out", str(tmp_path / "none"), "--views", "none"])
    assert r.exit_code == 0 and not (tmp_path / "none" / "views").exists()
    r = runner.invoke(app, ["scan", "--store", store, "--out", str(tmp_path / "bad"), "--views", "top:x"])
    assert r.exit_code == 2 and "top:N" in r.output


def test_scan_report_possible_option(demo: Path, tmp_path: Path) -> None:
    doc = json.loads((demo / "findings.json").read_text(encoding="utf-8"))
    n_possible = sum(f["confidence"] == "possible" for f in doc["findings"])
    assert n_possible >= 1, "the tiny demo plants name-only schemes"
    store = str(demo / "store")
    r = runner.invoke(app, ["scan", "--store", store, "--out", str(tmp_path / "cap"), "--views", "none",
                            "--report-possible", "0"])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "cap" / "report.html").read_text(encoding="utf-8")
    assert html.count('<section class="finding"') == len(doc["findings"]) - n_possible
    assert f"另有 {n_possible} 条“可能”线索" in html
    r = runner.invoke(app, ["scan", "--store", store, "--out", str(tmp_path / "bad"), "--report-possible", "few"])
    assert r.exit_code == 2 and "--report-possible" in r.output


def test_readme_tour_lists_the_demo_clues(demo: Path) -> None:
    """README: `guanlian clues list --store demo-out/store` shows what the demo filed."""
    r = runner.invoke(app, ["clues", "list", "--store", str(demo / "store")])
    assert r.exit_code == 0, r.output
    doc = json.loads((demo / "findings.json").read_text(encoding="utf-8"))
    assert re.search(rf"线索: {len(doc['findings'])}\b", r.output), r.output


def test_stats_and_load_json(demo: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["stats", "--store", str(demo / "store"), "--json"])
    assert r.exit_code == 0
    counts = json.loads(r.stdout)
    assert counts["Person"] > 0 and counts["PAID"] > 0
    r = runner.invoke(app, ["load", str(demo / "data" / "manifest.json"), "--store", str(tmp_path / "s"), "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert all(f["read"] == f["loaded"] + f["rejected"] for f in summary["files"])
    assert summary["counts_after"]["Person"] == counts["Person"]


def test_queries_run_and_formats(demo: Path) -> None:
    r = runner.invoke(app, ["queries", "--json"])
    ids = {q["id"] for q in json.loads(r.stdout)}
    assert len(ids) >= 12 and "relative_company_paid" in ids
    r = runner.invoke(app, ["run", "relative_company_paid", "--store", str(demo / "store"), "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert isinstance(rows, list)
    text = json.dumps(rows, ensure_ascii=False)
    assert not raw_ids(text), "resident IDs must be masked by default"
    r = runner.invoke(app, ["run", "relative_company_paid", "--store", str(demo / "store"), "--param", "nonsense=1"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    r = runner.invoke(app, ["run", "no_such_query", "--store", str(demo / "store")])
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_view_of_a_unit(demo: Path, tmp_path: Path) -> None:
    truth = json.loads((demo / "truth.json").read_text(encoding="utf-8"))
    unit = truth["schemes"][0]["official"]["unit"]
    out = tmp_path / "v.html"
    r = runner.invoke(app, ["view", unit, "--store", str(demo / "store"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", html), "views must not load anything from the network"
    assert unit in html
    r = runner.invoke(app, ["view", "没有这个人", "--store", str(demo / "store"), "--out", str(out)])
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_find_variants(demo: Path) -> None:
    truth = json.loads((demo / "truth.json").read_text(encoding="utf-8"))
    name = truth["schemes"][0]["relative"]["name"]
    r = runner.invoke(app, ["find", name, "--store", str(demo / "store"), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert name in r.output


def test_clue_lifecycle_via_cli(demo: Path, tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    r = runner.invoke(app, ["clues", "add", "--from", str(demo / "findings.json"), "--clues", str(db)])
    assert r.exit_code == 0 and "新增" in r.output
    r = runner.invoke(app, ["clues", "add", "--from", str(demo / "findings.json"), "--clues", str(db)])
    assert "新增 0" in r.output  # re-adding never duplicates
    listing = runner.invoke(app, ["clues", "list", "--clues", str(db)])
    clue_id = re.search(r"XS-\d{4}-\d{4}", listing.output)
    assert clue_id
    cid = clue_id.group(0)
    r = runner.invoke(app, ["clues", "evaluate", cid, "--rating", "属实", "--clues", str(db)])
    assert r.exit_code == 2 and "Traceback" not in r.output  # evaluate before transfer is illegal
    for args in (["transfer", cid, "--to", "市纪委监委第三监督检查室", "--note", "移送"],
                 ["handle", cid, "--result", "初核"], ["feedback", cid, "--note", "已反馈"],
                 ["evaluate", cid, "--rating", "属实"]):
        r = runner.invoke(app, ["clues", *args, "--clues", str(db)])
        assert r.exit_code == 0, (args, r.output)
    r = runner.invoke(app, ["clues", "export", "--format", "json", "--out", str(tmp_path / "c.json"), "--clues", str(db)])
    assert r.exit_code == 0
    exported = (tmp_path / "c.json").read_text(encoding="utf-8")
    assert not raw_ids(exported) and "ric:" in exported and "**********" in exported


def test_collide_two_files(demo: Path, tmp_path: Path) -> None:
    manifest = json.loads((demo / "data" / "manifest.json").read_text(encoding="utf-8"))
    by_kind = {f["kind"]: demo / "data" / f["path"] for f in manifest["files"]}
    out = tmp_path / "m.csv"
    r = runner.invoke(app, ["collide", str(by_kind["relatives"]), str(by_kind["shareholders"]), "--left-kind",
                            "relatives", "--right-kind", "shareholders", "--out", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8-sig")
    assert "等级" in text.splitlines()[0] and "左表姓名" in text.splitlines()[0]
    assert "候选对" in r.output and "{" not in r.output  # a readable summary, not a printed dict


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    r = runner.invoke(app, ["stats"], env={"GUANLIAN_STORE": ""})
    assert r.exit_code == 2 and "--store" in r.output
    r = runner.invoke(app, ["stats", "--store", "bolt://127.0.0.1:1"], env={"NEO4J_PASSWORD": "x"})
    assert r.exit_code == 2 and "Traceback" not in r.output
    r = runner.invoke(app, ["load", str(tmp_path / "missing.csv"), "--store", str(tmp_path / "s")])
    assert r.exit_code == 1 and "文件不存在" in r.output and "file not found" not in r.output
    r = runner.invoke(app, ["load", str(tmp_path / "missing.csv"), "--store", str(tmp_path / "s"), "--lang", "en"])
    assert r.exit_code == 1 and "file not found" in r.output and "文件不存在" not in r.output
    r = runner.invoke(app, ["demo", "--out", str(tmp_path / "d"), "--size", "huge"])
    assert r.exit_code == 2


def test_view_of_a_finding_id_from_findings_json(demo: Path, tmp_path: Path) -> None:
    doc = json.loads((demo / "findings.json").read_text(encoding="utf-8"))
    first = doc["findings"][0]
    out = tmp_path / "f.html"
    r = runner.invoke(app, ["view", first["id"], "--findings", str(demo / "findings.json"),
                            "--store", str(demo / "store"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert first["title_zh"] in out.read_text(encoding="utf-8")
    # near miss: an id that is not in the file is looked up as an entity and not found
    r = runner.invoke(app, ["view", "0000000000000000", "--findings", str(demo / "findings.json"),
                            "--store", str(demo / "store"), "--out", str(tmp_path / "g.html")])
    assert r.exit_code != 0 and not (tmp_path / "g.html").exists() and "Traceback" not in r.output


def test_run_is_readable_at_80_columns(demo: Path, tmp_path: Path) -> None:
    """Issue 15: names not keys, dates not day numbers, yuan not fen, blanks not nan, nothing cut to '…'."""
    from decimal import Decimal

    from openpyxl import load_workbook
    from rich.cells import cell_len

    store = str(demo / "store")
    r = runner.invoke(app, ["run", "relative_company_paid", "--store", store], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "…" not in out and max(cell_len(line) for line in out.splitlines()) <= 80
    assert not re.search(r"\b(ric|anon|uscc|cname|unit|paid|serves|rel):", out), "internal keys shown"
    assert not re.search(r"\b(nan|None|NaN)\b|\[\s*'", out), "missing values or Python lists shown"
    assert re.search(r"20\d\d-\d\d-\d\d", out) and "付款合计(元)" in out and "干部" in out
    raw = json.loads(runner.invoke(app, ["run", "relative_company_paid", "--store", store, "--raw", "-f",
                                         "json"]).stdout)
    shown = json.loads(runner.invoke(app, ["run", "relative_company_paid", "--store", store, "-f", "json"]).stdout)
    assert raw and len(raw) == len(shown)
    assert all(str(x["company"]).startswith(("uscc:", "cname:")) for x in raw)  # --raw: keys for programs
    # the query's ORDER BY leaves ties, so two runs may list tied rows in another order: compare as multisets
    assert sorted(Decimal(x["payments_sum"]) for x in shown) == sorted(
        Decimal(x["payments_sum"]) / 100 for x in raw)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", x["payments_first_day"]) for x in shown)
    xlsx = tmp_path / "r.xlsx"
    r = runner.invoke(app, ["run", "relative_company_paid", "--store", store, "-f", "xlsx", "-o", str(xlsx)])
    assert r.exit_code == 0, r.output
    ws = load_workbook(xlsx)["relative_company_paid"]
    headers = [c.value for c in ws[1]]
    money = ws.cell(row=2, column=headers.index("付款合计(元)") + 1).value
    assert isinstance(money, float | int)
    assert Decimal(str(money)) in {Decimal(x["payments_sum"]) / 100 for x in raw}
    r = runner.invoke(app, ["run", "relative_company_paid", "--store", store, "--lang", "en", "-f", "csv"])
    assert r.exit_code == 0 and r.stdout.splitlines()[0].startswith("official,relative,person in the registry")
    assert not re.search(r"[\u4e00-\u9fff]", r.stdout.splitlines()[0])


def test_option_values_in_chinese_or_english(demo: Path) -> None:
    """Issue 15: `--severity 高` works like `--severity high`; an unknown value lists the choices, exit 2."""
    store = str(demo / "store")

    def count(*args: str) -> int:
        r = runner.invoke(app, ["clues", "list", "--store", store, *args])
        assert r.exit_code == 0, r.output
        m = re.search(r"线索: (\d+)", r.output)
        assert m, r.output
        return int(m.group(1))

    high = count("--severity", "high")
    assert high > 0 and count("--severity", "高") == high and count("--severity", " HIGH ") == high
    assert count("--status", "新建") == count("--status", "new") > 0
    for args, choices in ((["clues", "list", "--severity", "严重"], "高、中、低"),
                          (["clues", "list", "--status", "open"], "已反馈"),
                          (["links", "--tier", "maybe"], "很可能"),
                          (["judge", "ps:x", "perhaps", "--reason", "r"], "确认、否定、存疑"),
                          (["judge", "ps:x", "perhaps", "--reason", "r", "--lang", "en"], "confirm, reject, unsure"),
                          # the language asked is unknown: the one known before it (default Chinese) says so
                          (["run", "shell_company", "--lang", "fr"], "--lang 只能是 中文、英文")):
        r = runner.invoke(app, [*args, "--store", store])
        assert r.exit_code == 2 and choices in r.output and "Traceback" not in r.output, r.output
    r = runner.invoke(app, ["links", "--tier", "很可能", "--store", store])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["run", "shell_company", "--lang", "English", "--store", store, "-f", "csv"])
    assert r.exit_code == 0 and r.stdout.startswith("company,unit,"), r.output


CODES = re.compile(r"\b(mother_in_law|father_in_law|spouse_sibling|valid|bad_checksum|treasury|subsidy|possible|"
                   r"probable|certain|confirmed|high|medium|low|fed_back|transferred|joined|left|tiny_capital|"
                   r"crowded_address|dead_status|None|nan)\b")


def test_one_vocabulary_per_language(demo: Path) -> None:
    """Issue 15 item 7: zh output carries no English codes, en output no Chinese words except data (names)."""
    store = str(demo / "store")
    queries = json.loads(runner.invoke(app, ["queries", "--json"]).stdout)
    commands = [["stats"], ["links"], ["find", "王"], ["queries"], ["clues", "list"],
                *(["run", q["id"]] for q in queries)]
    for cmd in commands:
        for lang in ("zh", "en"):
            args = [*cmd, "--lang", lang] + ([] if cmd == ["queries"] else ["--store", store])
            r = runner.invoke(app, args, env={"COLUMNS": "100"})
            assert r.exit_code in (0, 1), (args, r.output)
            out = r.stdout
            if lang == "zh":  # parameter defaults (k=v) are written as typed; everything else in words
                found = [m for ln in out.splitlines() if "=" not in ln for m in CODES.findall(ln)]
                assert not found, (args, found, out[:2000])
            else:
                heads = [ln for ln in out.splitlines() if re.match(r"^[a-z][a-z ()/]+\s{2,}", ln)]
                for ln in heads:
                    label = re.split(r"\s{2,}", ln)[0]
                    assert not re.search(r"[\u4e00-\u9fff]", label), (args, ln)
                assert not re.search(r"\b(None|nan)\b", out), (args, out[:2000])


def test_readme_tour_runs_as_written(demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command of the README's five-minute tour, as written, on the demo (made with --size tiny here)."""
    import shlex

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    tour = readme.split("## A five-minute tour", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [shlex.split(line, comments=True) for line in tour.splitlines() if line.startswith("guanlian ")]
    assert len(commands) >= 6 and commands[0][:2] == ["guanlian", "demo"]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo-out").symlink_to(demo)
    truth = (demo / "truth.json").read_text(encoding="utf-8")
    for argv in commands[1:]:  # the fixture ran the demo (tiny, so the suite stays quick)
        r = runner.invoke(app, argv[1:], env={"COLUMNS": "100"})
        if argv[1] == "find" and argv[2] not in truth:  # the tour's name is the small demo's seed case
            assert r.exit_code == 1 and "没有找到候选" in r.output, (argv, r.output)
            continue
        assert r.exit_code == 0, (argv, r.output)
        assert "Traceback" not in r.output, (argv, r.output)
    assert (tmp_path / "unit.html").is_file()


def test_docs_cli_shows_every_command() -> None:
    """docs/cli.md (written by scripts/cli-doc) shows each command and each `clues` subcommand with its output."""
    import typer.main

    doc = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    commands: dict[str, Any] = getattr(typer.main.get_command(app), "commands")  # noqa: B009  (a group)
    names = [n for n in commands if n != "clues"]
    clue_commands: dict[str, Any] = getattr(commands["clues"], "commands")  # noqa: B009
    assert len(names) >= 17 and len(clue_commands) >= 10
    shown = [f"$ guanlian {n}" for n in names] + [f"$ guanlian clues {n}" for n in clue_commands]
    missing = [s for s in shown if f"{s} " not in doc and f"{s}\n" not in doc]
    assert not missing, f"rerun python scripts/cli-doc after adding {missing}"
    assert "Traceback" not in doc
