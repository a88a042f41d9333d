"""The demo generator: determinism, sizes, speed, truth consistent with the files it wrote, planted mess."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from stdnum.cn import ric, uscc

from guanlian.demo import DemoManifest, generate
from guanlian.matching.normalize import normalize_unit_name

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


QUERIES = {
    "relative_company_paid", "official_in_business", "relative_company_chain", "relative_left_before_payment",
    "newborn_company_paid", "shared_contact", "supplier_ring", "subsidy_to_relative", "split_payments",
    "revolving_door", "relative_across_units", "shell_company",
}
ID_HEADERS = {"公民身份号码", "身份证号", "身份证号码", "干部身份证号", "法定代表人证件号", "证件号码"}
UNIT_HEADERS = {"工作单位", "单位", "付款单位", "发放单位", "审批单位"}
CODE_HEADERS = {"统一社会信用代码"}


def canon_id(v: Any) -> str | None:
    """Canonical 18-char ID if ``v`` is a valid resident ID (15-digit converted), else None."""
    s = nfkc(v).upper()
    if len(s) == 15 and s.isdigit():
        body = s[:6] + "19" + s[6:]
        s = body + ric.calc_check_digit(body + "0")
    if len(s) == 18 and s[:17].isdigit() and ric.calc_check_digit(s) == s[17]:
        return s
    return None


def entities(m: DemoManifest) -> dict[str, set[str]]:
    """Every key the files can produce: ric:, uscc:, unit:."""
    keys: set[str] = set()
    for path, _ in m.files:
        for _, rec in records(path):
            for h, v in rec.items():
                if v is None:
                    continue
                if h in ID_HEADERS:
                    c = canon_id(v)
                    if c:
                        keys.add(f"ric:{c}")
                    elif uscc.is_valid(nfkc(v)):
                        keys.add(f"uscc:{nfkc(v)}")
                elif h in CODE_HEADERS:
                    keys.add(f"uscc:{nfkc(v)}")
                elif h in UNIT_HEADERS:
                    keys.add(f"unit:{normalize_unit_name(str(v))}")
    return {"all": keys}


def all_keys(entry: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for v in entry["keys"].values():
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, list):
            out += [x for x in v if isinstance(x, str)]
    return out


def test_tiny_is_fast_and_small(tmp_path: Path) -> None:
    t = time.perf_counter()
    m = generate(tmp_path, size="tiny", seed=3)
    assert time.perf_counter() - t < 2.0
    total = sum(m.row_counts.values())
    assert 200 <= total <= 450, total


def test_small_is_fast_and_sized(small: tuple[DemoManifest, dict[str, Any]], tmp_path: Path) -> None:
    m, _ = small
    assert 5_000 <= sum(m.row_counts.values()) <= 10_000
    t = time.perf_counter()
    generate(tmp_path, size="small", seed=5)
    assert time.perf_counter() - t < 15.0


def test_unknown_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown size"):
        generate(tmp_path, size="huge")


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", size="tiny", seed=7)
    b = generate(tmp_path / "b", size="tiny", seed=7)
    c = generate(tmp_path / "c", size="tiny", seed=8)
    names = sorted(p.name for p in (tmp_path / "a" / "data").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b" / "data").iterdir())
    assert any(n.endswith(".xlsx") for n in names)
    for n in names:
        assert (tmp_path / "a" / "data" / n).read_bytes() == (tmp_path / "b" / "data" / n).read_bytes(), n
    differ = [n for n in names if n != "manifest.json"
              and (tmp_path / "a" / "data" / n).read_bytes() != (tmp_path / "c" / "data" / n).read_bytes()]
    assert len(differ) == len(names) - 1  # another seed changes every data file

    def truth(m: DemoManifest) -> dict[str, Any]:
        t: dict[str, Any] = json.loads(m.truth_path.read_text(encoding="utf-8"))
        t.pop("generated_at")
        return t

    assert truth(a) == truth(b)
    assert truth(a) != truth(c)


def test_manifest_lists_files_of_every_kind_and_format(tiny: tuple[DemoManifest, dict[str, Any]]) -> None:
    m, _ = tiny
    listed = json.loads((m.truth_path.parent / "data" / "manifest.json").read_text(encoding="utf-8"))
    assert [f["path"] for f in listed["files"]] == [p.name for p, _ in m.files]
    assert {k for _, k in m.files} == {
        "officials", "relatives", "companies", "shareholders", "officers", "changes", "payments", "subsidies"}
    for p, _ in m.files:
        assert p.exists() and p.parent.name == "data"
    raw = {p.name: p.read_bytes() for p, _ in m.files}
    bom = [n for n, b in raw.items() if b.startswith(b"\xef\xbb\xbf")]
    xlsx = [n for n in raw if n.endswith(".xlsx")]
    gb = [n for n, b in raw.items() if n.endswith(".csv") and not b.startswith(b"\xef\xbb\xbf")]
    assert bom and xlsx and gb
    for n in gb:  # really GB18030, not UTF-8
        with pytest.raises(UnicodeDecodeError):
            raw[n].decode("utf-8")


@pytest.mark.parametrize("which", ["tiny", "small"])
def test_every_query_is_planted(which: str, request: pytest.FixtureRequest) -> None:
    _, truth = request.getfixturevalue(which)
    counts = Counter(s["query"] for s in truth["schemes"])
    assert set(counts) == QUERIES
    if which == "small":
        assert min(counts.values()) >= 2
        assert {s["expected_confidence"] for s in truth["schemes"]} == {"certain", "probable", "possible"}
        assert {d["kind"] for d in truth["decoys"]} == {"namesake", "outside_tenure", "other_unit",
                                                      "same_name_same_birth"}
    ids = [s["id"] for s in truth["schemes"]] + [d["id"] for d in truth["decoys"]]
    assert len(ids) == len(set(ids))


def test_seed_case_is_the_mother_in_law(small: tuple[DemoManifest, dict[str, Any]]) -> None:
    m, truth = small
    s01 = truth["schemes"][0]
    assert s01["id"] == "S01" and s01["query"] == "relative_company_paid"
    assert s01["relative"]["relation"] == "岳母" and s01["official"]["unit"] == "吉安市交通运输局"
    # the registry row names her as legal representative with the same ID
    code = s01["company"]["credit_code"]
    found = [r for p, k in m.files if k == "companies" for _, r in records(p) if nfkc(r["统一社会信用代码"]) == code]
    assert len(found) == 1
    assert nfkc(found[0]["法定代表人"]) == s01["relative"]["name"]
    assert canon_id(found[0]["法定代表人证件号"]) == s01["relative"]["id_number"]


@pytest.mark.parametrize("which", ["tiny", "small"])
def test_every_truth_key_is_in_the_files(which: str, request: pytest.FixtureRequest) -> None:
    m, truth = request.getfixturevalue(which)
    present = entities(m)["all"]
    missing = [(e["id"], k) for e in truth["schemes"] + truth["decoys"] for k in all_keys(e) if k not in present]
    assert not missing
    assert "ric:000000000000000000" not in present  # near-miss: the check is not vacuous


def test_sources_point_at_the_planted_rows(small: tuple[DemoManifest, dict[str, Any]]) -> None:
    m, truth = small
    base = m.truth_path.parent
    cache: dict[str, dict[int, dict[str, Any]]] = {}
    checked = 0
    for e in truth["schemes"] + truth["decoys"]:
        assert e["sources"], e["id"]
        for src in e["sources"]:
            if src["file"] not in cache:
                cache[src["file"]] = dict(records(base / src["file"]))
            rows = cache[src["file"]]
            for n in src["rows"]:
                assert n in rows, (e["id"], src["file"], n)
            if src["kind"] == "officials" and e.get("official"):
                names = {nfkc(rows[n].get("姓名") or rows[n].get("干部姓名")) for n in src["rows"]}
                officials = {e["official"]["name"]} | {o["name"] for o in e.get("officials", [])}
                assert names <= officials
                checked += 1
    assert checked >= 20


def test_ids_valid_except_planted_bad_rows(small: tuple[DemoManifest, dict[str, Any]]) -> None:
    m, truth = small
    forms: Counter[str] = Counter()
    for p, _ in m.files:
        bad = 0
        for _, rec in records(p):
            for h, v in rec.items():
                if h not in ID_HEADERS or v is None:
                    continue
                s = nfkc(v)
                if uscc.is_valid(s):  # a corporate shareholder's 证件号码
                    continue
                if canon_id(v) is None:
                    bad += 1
                forms["15" if len(s) == 15 else "lower" if s.endswith("x") else "fullwidth" if s != str(v).strip()
                      else "18"] += 1
        planted = truth["planted_bad_rows"].get(p.name, {}).get("id_bad_checksum", 0)
        assert bad == planted, p.name
    assert forms["15"] and forms["lower"] and forms["fullwidth"]
    assert sum(v.get("id_bad_checksum", 0) for v in truth["planted_bad_rows"].values()) >= 4


def test_credit_codes_are_valid(tiny: tuple[DemoManifest, dict[str, Any]]) -> None:
    m, _ = tiny
    codes = [nfkc(r["统一社会信用代码"]) for p, k in m.files for _, r in records(p) if k == "companies"]
    assert codes and all(uscc.is_valid(c) for c in codes)
    assert len(set(codes)) == len(codes)


def test_background_people_are_distinct(small: tuple[DemoManifest, dict[str, Any]]) -> None:
    m, _ = small
    ids = [canon_id(r["法定代表人证件号"]) for p, k in m.files if k == "companies" for _, r in records(p)]
    ids = [i for i in ids if i]
    dup = len(ids) - len(set(ids))
    assert 0 < dup <= 12  # only the planted supplier rings reuse one legal representative
    people = [canon_id(r.get("身份证号") or r.get("公民身份号码"))
              for p, k in m.files if k == "relatives" for _, r in records(p)]
    people = [i for i in people if i]
    assert len(people) > 300 and len(set(people)) >= len(people) - 6  # a relative of several officials is planted


_DATE_RES = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})( \d\d:\d\d:\d\d)?$"), "ymd"),
    (re.compile(r"^(\d{4})/(\d{2})/(\d{2})$"), "ymd"),
    (re.compile(r"^(\d{4})\.(\d{2})\.(\d{2})$"), "ymd"),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"), "ymd"),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "ymd"),
]


def parse_date(v: Any) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, int):
        return date(1899, 12, 30) + timedelta(days=v)
    s = nfkc(v)
    for rx, _ in _DATE_RES:
        mm = rx.match(s) or rx.match(str(v).strip())
        if mm:
            try:
                return date(int(mm.group(1)), int(mm.group(2)), int(mm.group(3)))
            except ValueError:
                return None
    return None


def parse_amount(v: Any) -> float | None:
    if isinstance(v, int | float):
        return float(v)
    s = nfkc(v).replace(",", "").replace("¥", "").replace("￥", "")
    if not s:
        return None
    if s.endswith("万元"):
        return float(s[:-2]) * 10_000
    return float(s.removesuffix("元"))


def test_planted_bad_payment_rows_reconcile(small: tuple[DemoManifest, dict[str, Any]]) -> None:
    m, truth = small
    for p, kind in m.files:
        if kind != "payments":
            continue
        amount_h = "支付金额" if "支付金额" in read_rows(p)[0] else "金额"
        date_h = "付款日期" if "付款日期" in read_rows(p)[0] else "交易日期"
        neg = missing = bad_date = 0
        for _, r in records(p):
            a = parse_amount(r[amount_h])
            neg += a is not None and a < 0
            missing += a is None
            bad_date += parse_date(r[date_h]) is None
        planted = truth["planted_bad_rows"].get(p.name, {})
        assert (neg, missing, bad_date) == (planted.get("negative_amount", 0), planted.get("missing_required", 0),
                                            planted.get("bad_date", 0)), p.name


def _payments_to(m: DemoManifest, payee_code: str) -> list[tuple[str, date, float]]:
    names = {nfkc(r.get("企业名称") or r.get("公司名称")) for p, k in m.files if k == "companies"
             for _, r in records(p) if nfkc(r["统一社会信用代码"]) == payee_code}
    out = []
    for p, k in m.files:
        if k != "payments":
            continue
        for _, r in records(p):
            payee = nfkc(r.get("收款单位") or r.get("收款单位(人)") or r.get("收款人"))
            if payee in names:
                d = parse_date(r.get("付款日期") or r.get("交易日期"))
                a = parse_amount(r.get("支付金额") or r.get("金额"))
                assert d is not None and a is not None
                out.append((normalize_unit_name(r["付款单位"]), d, a))
    return sorted(out, key=lambda x: x[1])


def test_split_and_newborn_schemes_hold_in_the_files(small: tuple[DemoManifest, dict[str, Any]]) -> None:
    m, truth = small
    for s in truth["schemes"]:
        if s["query"] == "split_payments":
            pays = _payments_to(m, s["company"]["credit_code"])
            assert len(pays) >= 4
            assert all(48_000 <= a <= 49_900 for _, _, a in pays)
            assert (pays[-1][1] - pays[0][1]).days <= 30
            assert {u for u, _, _ in pays} == {s["keys"]["unit"][5:]}
        if s["query"] == "newborn_company_paid":
            pays = _payments_to(m, s["company"]["credit_code"])
            est = date.fromisoformat(s["established"])
            assert 0 < (pays[0][1] - est).days < 90
        if s["query"] == "relative_left_before_payment":
            first = date.fromisoformat(s["payments"]["first"])
            assert abs((first - date.fromisoformat(s["change_date"])).days) < 90


def test_decoys_are_near_misses(small: tuple[DemoManifest, dict[str, Any]]) -> None:
    _, truth = small
    for d in truth["decoys"]:
        if d["kind"] in ("namesake", "same_name_same_birth"):
            assert d["keys"]["namesake"] != d["keys"]["person"]
            a, b = d["keys"]["namesake"][4:], d["keys"]["person"][4:]
            assert (a[6:14] == b[6:14]) == (d["kind"] == "same_name_same_birth")
        if d["kind"] == "outside_tenure":
            assert d["tenure_start"] > "2021"
        if d["kind"] == "other_unit":
            assert d["keys"]["paying_unit"] != d["keys"]["unit"]


def test_files_are_messy(small: tuple[DemoManifest, dict[str, Any]]) -> None:
    m, _ = small
    data = m.truth_path.parent / "data"
    wb = load_workbook(data / "treasury_2018_2021.xlsx")
    ws = wb.worksheets[0]
    assert "国库集中支付明细" in str(ws["A1"].value) and ws.merged_cells.ranges
    county = (data / "officials_county.csv").read_bytes().decode("gb18030").splitlines()
    assert county[0].strip(",") == "" and county[2].startswith("干部姓名")
    text = "".join(p.read_bytes().decode("gb18030" if not p.read_bytes().startswith(b"\xef\xbb\xbf") else "utf-8-sig")
                   for p, _ in m.files if p.suffix == ".csv")
    for needle in ("万元", "至今", "年", "¥", "%", "\u3000", "+86 ", "万人民币"):
        assert needle in text, needle
    assert re.search(r"[０-９]{4}", text)
    tenures = [str(r["任职时间"]) for _, r in records(data / "officials_city.xlsx")]
    assert any(re.fullmatch(r"\d{4}\.\d{2}[-—－~]至今", t) for t in tenures)
    assert any(re.fullmatch(r"\d{4}\.\d{2}[-—－~]\d{4}\.\d{2}", t) for t in tenures)
    serials = [v for _, r in records(data / "treasury_2018_2021.xlsx") for v in [r["付款日期"]] if isinstance(v, int)]
    assert serials and all(40000 < v < 46000 for v in serials)
    names = [nfkc(r["股东名称"]) for p, k in m.files if k == "shareholders" for _, r in records(p)]
    assert any(re.search("[劉陳張楊黃趙鄭謝羅馮許韓]", n) for n in names)  # traditional script (planted)
    every = text + "".join(str(v) for p, k in m.files if p.suffix == ".xlsx" for _, r in records(p) for v in r.values())
    assert "·" in every and re.search(r"[\u4e00-\u9fff]\.[\u4e00-\u9fff]", every)
