"""One vocabulary (issue 15 item 7): every command's output is Chinese by default and English with ``--lang en``.

The tiny demo runs through the CLI once per language; then every command that reads it runs in that language.
Chinese output (and the evidence text of findings.json, report.html and report.xlsx) carries no ASCII code of
the data vocabulary (``valid``, ``M``, ``mother_in_law``, ``treasury`` …: the keys of the tables in
:data:`guanlian.values.vocab.PROP_VALUES`, the tiers, severities and clue states). English output carries no
Chinese except data values (names, units, addresses: text found in the demo's own data cells).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from guanlian.cli import app
from guanlian.loaders.read import read_table
from guanlian.model import TIERS
from guanlian.queries.library import Library
from guanlian.values.vocab import CLUE_STATUS, PROP_VALUES, SEVERITIES, Lang

runner = CliRunner()
CJK = re.compile(r"[\u4e00-\u9fff]+")
CODES = sorted({k for table in PROP_VALUES.values() for k in table if k.isascii()}
               | set(TIERS) | set(SEVERITIES) | set(CLUE_STATUS))
CODE_WORD = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, CODES)) + r")(?![\w-])")


QUERY_ID = re.compile(r"\b(" + "|".join(sorted(Library.load([]).ids(), key=len, reverse=True))
                      + r")\b")


PARAM = re.compile(r"\b\w+=\S+")
CODES_QUERY = ("MATCH (a:Person)-[r:RELATIVE_OF]->(b:Person) RETURN b.name AS name, r.relation AS relation, "
               "a.id_status AS id_status, a.sex AS sex ORDER BY name LIMIT 20")
MACHINE = ("cypher-raw", "cypher-csv")
"""Outputs that keep the stored codes on purpose (``--raw``, csv)."""


def codes_in(text: str) -> list[str]:
    """The vocabulary codes written as whole words in ``text``."""
    return CODE_WORD.findall(text)


def data_cells(data: Path) -> str:
    """Every cell value (not the headers) of the demo's data files, joined: the Chinese English output may show."""
    cells: list[str] = []
    for path in sorted(data.iterdir()):
        if path.suffix in (".csv", ".xlsx"):  # the rows below the fullest row (the header), as the loaders read them
            table = read_table(path, lambda row: sum(1 for c in row if c))
            cells += [str(v) for v in table.rows.to_numpy().ravel()]
    return "\n".join(cells)


def foreign_chinese(text: str, allowed: str) -> list[str]:
    """Runs of Chinese characters in ``text`` that are not part of any data cell."""
    return [run for run in CJK.findall(text) if run not in allowed]


def _run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.output


@pytest.fixture(scope="module", params=["zh", "en"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lang, Path,
                                                                                                      dict[str, str]]]:
    """The tiny demo run in one language, and the output of every command in that language."""
    lang: Lang = request.param
    out = tmp_path_factory.mktemp(f"lang-{lang}")
    code, text = _run("demo", "--out", str(out), "--size", "tiny", "--lang", lang)
    assert code == 0, text
    store = str(out / "store")
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    fid = doc["findings"][0]["id"]
    person = next(e["name"] for f in doc["findings"] for e in f["entities"] if e["kind"] == "Person")
    data = out / "data"
    s, la = ("--store", store), ("--lang", lang)
    outputs = {"demo": text}
    commands: dict[str, list[str]] = {
        "load": ["load", str(data / "family_report.csv"), "--store", str(out / "again"), *la],
        "stats": ["stats", *s, *la],
        "match": ["match", *s, *la],
        "links": ["links", *s, *la],
        "find": ["find", person, *s, "--limit", "3", *la],
        "queries": ["queries", *la],
        "run": ["run", "relative_company_paid", *s, *la],
        # ad-hoc Cypher: stored codes in words in table (and xlsx) output; --raw, csv and json keep the codes
        "cypher": ["cypher", CODES_QUERY, *s, *la],
        "cypher-raw": ["cypher", CODES_QUERY, *s, "--raw", *la],
        "cypher-csv": ["cypher", CODES_QUERY, *s, "--format", "csv", *la],
        "cypher-xlsx": ["cypher", CODES_QUERY, *s, "--format", "xlsx", "--out", str(out / "cypher.xlsx"), *la],
        "cypher-write": ["cypher", "MATCH (p:Person) DETACH DELETE p", *s, *la],
        "scan": ["scan", *s, "--out", str(out / "scan"), "--views", "none", *la],
        "view": ["view", fid, *s, "--findings", str(out / "findings.json"), "--out", str(out / "v.html"), *la],
        "collide": ["collide", str(data / "family_members.xlsx"), str(data / "registry_shareholders.csv"),
                    "--out", str(out / "c.csv"), "--unmatched", *la],
        "dismiss": ["dismiss", fid, "--reason", "checked", "--by", "tester", *s, *la],
        "undismiss": ["undismiss", fid, "--reason", "checked", "--by", "tester", *s, *la],
        "judge-bad": ["judge", "L999", "confirm", "--reason", "x", "--by", "tester", *s, *la],
        "clues-list": ["clues", "list", *s, *la],
        "clues-stats": ["clues", "stats", *s, *la],
        "clues-export": ["clues", "export", *s, "--out", str(out / "clues.xlsx"), *la],
        "export-neo4j-import": ["export-neo4j-import", *s, "--out", str(out / "import"), *la],
        "missing-store": ["stats", "--store", str(out / "stroe"), *la],
        "bad-choice": ["clues", "list", *s, "--severity", "severe", *la],
        "bad-param": ["run", "relative_company_paid", *s, "--param", "novalue", *la],
        "bad-param-value": ["run", "relative_company_paid", *s, "--param", "min_share=lots", *la],
        # near misses: the Chinese words of option values are accepted in either language
        "zh-choice": ["clues", "list", *s, "--severity", "高", "--status", "新建", *la],
        "zh-tier": ["links", *s, "--tier", "很可能", *la],
    }
    for name, argv in commands.items():
        outputs[name] = _run(*argv)[1]
    first_clue = re.search(r"[A-Z]+-\d{4}-\d{4}", outputs["clues-list"])
    if first_clue:
        outputs["clues-show"] = _run("clues", "show", first_clue.group(), *s, *la)[1]
    yield lang, out, outputs
    shutil.rmtree(out, ignore_errors=True)


def test_every_command_speaks_one_language(world: tuple[Lang, Path, dict[str, str]]) -> None:
    lang, out, outputs = world
    allowed = data_cells(out / "data")
    assert "clues-show" in outputs, "the demo files clues; the first one is shown"
    problems = []
    for name, text in outputs.items():
        assert text.strip(), name
        text = QUERY_ID.sub(" ", text)  # saved query ids are names (like the commands), not words
        text = PARAM.sub(" ", text)  # parameters with their defaults, as they are typed (--param channel=subsidy)
        if lang == "zh" and name not in MACHINE:
            problems += [(name, code) for code in codes_in(text)]
        else:
            problems += [(name, run) for run in foreign_chinese(text, allowed)]
    assert not problems, problems
    # the near misses an investigator meets: a typo in the store path, an unknown option value
    assert ("不存在" in outputs["missing-store"]) if lang == "zh" else ("does not exist" in outputs["missing-store"])
    assert ("错误" if lang == "zh" else "error:") in outputs["bad-choice"]
    # cypher: the codes of the relation, ID status and sex columns are words for people, codes for programs
    words = {"zh": ("岳母", "有效", "男"), "en": ("mother-in-law", "valid", "male")}[lang]
    assert all(w in outputs["cypher"] for w in words), outputs["cypher"]
    for name in MACHINE:
        assert "mother_in_law" in outputs[name] and "valid" in outputs[name] and "岳母" not in outputs[name], name
    assert "mother_in_law" not in outputs["cypher"] and (lang == "en" or "valid" not in outputs["cypher"])
    sheet = openpyxl.load_workbook(out / "cypher.xlsx").worksheets[0]
    cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row}
    assert set(words) <= cells and "mother_in_law" not in cells, "xlsx is for people: words, not codes"
    errors = ("missing-store", "bad-choice", "bad-param", "bad-param-value", "judge-bad", "cypher-write")
    for name in errors:
        assert outputs[name].startswith("错误: " if lang == "zh" else "error: "), (name, outputs[name])
        if lang == "zh":  # the whole line in Chinese: only names, paths and values typed stay as written
            assert not english_in(QUERY_ID.sub(" ", outputs[name]), ["L999", "novalue", "lots", "DETACH", "DELETE",
                                                                     "min_share"]), outputs[name]
    for name in ("zh-choice", "zh-tier"):
        assert "错误" not in outputs[name] and "error" not in outputs[name], outputs[name]
    assert re.search(r"[A-Z]+-\d{4}-\d{4}", outputs["zh-choice"]), "the demo's high-severity new clues are listed"


def test_findings_and_reports_word_codes_in_the_language(world: tuple[Lang, Path, dict[str, str]]) -> None:
    lang, out, _ = world
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    evidence = [e for f in doc["findings"] for e in f["evidence"]]
    zh = "\n".join(e["what"] for e in evidence)
    en = "\n".join(e["what_en"] for e in evidence)
    assert not codes_in(zh), codes_in(zh)
    assert "性别 男" in zh and "关系 岳母" in zh and "证件状态 有效" in zh, "the codes the issue named, in words"
    assert "sex male" in en and "relation mother-in-law" in en and "ID status valid" in en
    assert not foreign_chinese(en, data_cells(out / "data")), foreign_chinese(en, data_cells(out / "data"))
    codes = {n["props"]["credit_code"] for f in doc["findings"] for n in f["path"]["nodes"]
             if n["kind"] == "Company" and n["props"].get("credit_code")}
    assert any(c.isdigit() for c in codes), "an all-digit credit code, the kind once masked as a resident ID"
    assert all(f"统一社会信用代码 {c}" in zh and f" {c}" in en for c in codes), "credit codes are never masked"
    html = (out / "report.html").read_text(encoding="utf-8")
    sheets = openpyxl.load_workbook(out / "report.xlsx", read_only=True)
    xlsx = "\n".join(str(c) for ws in sheets.worksheets for row in ws.iter_rows(values_only=True) for c in row
                     if c is not None)
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S))
    if lang == "zh":
        assert "渠道 国库集中支付" in text or "国库集中支付" in xlsx
        assert not codes_in(text), codes_in(text)
        assert not codes_in(xlsx), codes_in(xlsx)
    else:
        allowed = data_cells(out / "data")
        assert not foreign_chinese(text, allowed), foreign_chinese(text, allowed)
        assert not foreign_chinese(xlsx, allowed), foreign_chinese(xlsx, allowed)


def test_a_near_miss_code_is_caught() -> None:
    """The checks themselves: a code inside Chinese text is found, a code inside a word or file name is not."""
    assert codes_in("证件状态 valid；性别 M") == ["valid", "M"]
    assert codes_in("bank_statements.csv 91360802MA37JNXPXY invalidated") == []
    assert foreign_chinese("name 张三, sex 男性", "张三") == ["男性"]


# -- usage and file errors: one line in the language asked, Click's own errors included ---------------------------
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
NAMES = re.compile(r"--[\w-]+|guanlian(?: [\w-]+)*|[!-~]*/[!-~]*|'[^']*'|[\w-]+\.(?:csv|json|db|lbug)\b|\b[A-Z_]{2,}\b")


def english_in(text: str, allowed: list[str]) -> list[str]:
    """English words in ``text`` besides what the user typed (``allowed``), option and command names, argument
    names (``RIGHT``), paths and quoted values: what a zh error line must not carry."""
    for word in sorted(allowed, key=len, reverse=True):
        text = text.replace(word, " ")
    return ENGLISH_WORD.findall(NAMES.sub(" ", text))


def usage_cases(tmp: Path) -> dict[str, list[str]]:
    """Command lines that fail before any command runs (parsing) or at the first file or store they name."""
    (tmp / "empty").mkdir(exist_ok=True)
    (tmp / "plain.txt").write_text("x", encoding="utf-8")
    commands = ["clues", "collide", "cypher", "demo", "dismiss", "export-neo4j-import", "find", "judge", "links",
                "load", "match", "queries", "run", "scan", "serve", "stats", "undismiss", "view"]
    return {
        "unknown option": ["stats", "--sotre", str(tmp / "s")],
        "unknown command": ["stat", *commands],  # every command name may be listed as a choice
        "bad option value": ["find", "张三", "--store", str(tmp / "s"), "--limit", "many"],
        "bad choice": ["clues", "list", "--severity", "severe", "--clues", str(tmp / "c.db")],
        "missing argument": ["collide", str(tmp / "a.csv")],
        "missing option value": ["stats", "--store"],
        "flag given a value": ["stats", "--json=yes"],
        "extra argument": ["stats", "surplus"],
        "missing file": ["collide", str(tmp / "missing.csv"), str(tmp / "other.csv")],
        "missing findings file": ["clues", "add", "--from", str(tmp / "missing.json"), "--clues", str(tmp / "c.db")],
        "missing store": ["stats", "--store", str(tmp / "stroe")],
        "folder that is not a store": ["stats", "--store", str(tmp / "empty")],
        "file that is not a store": ["cypher", "MATCH (n) RETURN n", "--store", str(tmp / "plain.txt")],
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_usage_and_file_errors_speak_one_language(lang: Lang, tmp_path: Path) -> None:
    problems = []
    for case, argv in usage_cases(tmp_path).items():
        # --lang where a user may put it: first, last, or as GUANLIAN_LANG (read before parsing can fail)
        for where in ("env", "first", "last")[: 2 if argv[-1].startswith("--") else 3]:  # `--store --lang`: a value
            args = ["--lang", lang, *argv] if where == "first" else [*argv, "--lang", lang] if where == "last" else argv
            r = runner.invoke(app, args, env={"GUANLIAN_LANG": lang if where == "env" else None,
                                              "GUANLIAN_STORE": None})
            text = r.output
            if r.exit_code != 2 or len(text.strip().splitlines()) != 1 or "Traceback" in text:
                problems.append((case, where, r.exit_code, text))
            elif lang == "zh" and (not text.startswith("错误: ") or english_in(text, argv)):
                problems.append((case, where, english_in(text, argv), text))
            elif lang == "en" and (not text.startswith("error: ") or CJK.search(text.replace("张三", ""))):
                problems.append((case, where, text))
    assert not problems, problems
    assert not (tmp_path / "stroe").exists() and not (tmp_path / "s").exists(), "a failed command created a store"


def test_usage_errors_name_what_was_wrong(tmp_path: Path) -> None:
    def err(*args: str) -> str:
        return runner.invoke(app, list(args)).output

    assert err("stats", "--sotre", "x") == "错误: 没有选项 --sotre；可能是 --json, --store（用法见 guanlian stats --help）\n"
    assert err("stats", "--sotre", "x", "--lang", "en") == \
        "error: no such option --sotre; did you mean --json, --store? (see guanlian stats --help)\n"
    assert "--limit 的值 'many' 无效：应为整数" in err("find", "张三", "--limit", "many")
    assert "invalid value 'many' for --limit: expected a whole number" in err("find", "x", "--limit=many", "--lang=en")
    assert "缺少参数 RIGHT" in err("collide", "a.csv") and "missing argument RIGHT" in err("collide", "a.csv",
                                                                                       "--lang", "英文")
    assert "缺少选项 --out" in err("scan") and "多余的参数：surplus" in err("stats", "surplus")
    assert "没有命令 stat；可用的命令：" in err("stat") and "stats" in err("stat")
    # an unknown language is itself an error, worded in the language known before it (env), not in both
    r = runner.invoke(app, ["stats", "--lang", "fr"], env={"GUANLIAN_LANG": "en"})
    assert r.exit_code == 2 and r.output.startswith("error: --lang must be one of zh, en") and not CJK.search(
        r.output.replace("中文", "").replace("英文", ""))


def test_help_shows_the_install_extra_in_brackets() -> None:
    # rich reads "[spark]" as a markup tag and drops it unless escaped; the help must show what to type
    for command in ("collide", "match", "load"):
        out = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"}).output
        assert "pip install 'guanlian[spark]'" in " ".join(out.split()), command
