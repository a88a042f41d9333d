"""数据碰撞 on real files (CSV, and XLSX written with openpyxl) through the CLI: any two lists, one row per
record and candidate, both records named, near misses kept apart, bad input explained."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from guanlian.cli import app
from guanlian.loaders.persons import PersonListError, read_person_list

runner = CliRunner()

ID_A = "110105198005061232"  # 1980-05-06
ID_B = "360821198005065553"  # 1980-05-06 too: a namesake born the same day, another person
ID_C = "440306199002158889"
ID_OFF = "360821197501017775"


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _xlsx(path: Path, rows: list[list[str]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _collide(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, ["collide", *args])
    return r.exit_code, r.output


def test_plain_lists_near_misses_duplicates_and_english_headers(tmp_path: Path) -> None:
    left = _csv(tmp_path / "left.csv", [
        ["姓名", "身份证号码", "出生年月", "性别"],
        ["张伟", ID_A, "", "男"],           # row 2: the same ID on the right → certain
        ["张伟", ID_A, "", "男"],           # row 3: a repeated row gives its own output row
        ["李静", ID_C, "", ""],             # row 4: namesake on the right has another valid ID → nothing
        ["王晓明", "", "1980.05", ""],       # row 5: same birth month on the right → probable
        ["王晓东", "", "1980.05", ""],       # row 6: right namesake born in July → not probable
    ])
    right = _xlsx(tmp_path / "right.xlsx", [
        ["Full Name", "ID Number", "Date of Birth", "Gender", "Mobile"],
        ["張偉", ID_A, "1980-05-06", "M", "13800138000"],
        ["李静", ID_B, "1980-05-06", "F", ""],
        ["王小明", "", "1980-05-06", "", ""],
        ["王晓东", "", "1980-07-12", "", ""],
    ])
    out = tmp_path / "m.csv"
    code, output = _collide(str(left), str(right), "--out", str(out), "--lang", "en")
    assert code == 0, output
    rows = _read(out)
    got = [(r["left_row"], r["left_name"], r["right_row"], r["right_name"], r["tier"]) for r in rows]
    assert ("2", "张伟", "2", "張偉", "certain") in got and ("3", "张伟", "2", "張偉", "certain") in got
    assert ("5", "王晓明", "4", "王小明", "probable") in got
    assert not [g for g in got if g[0] == "4"], got  # different valid IDs: never a pair
    assert not [g for g in got if g[0] == "6" and g[4] != "possible"], got
    assert all(r["left_file"] == "left.csv" and r["right_file"] == "right.xlsx" for r in rows)
    # masked IDs, English headers understood (ID Number, Date of Birth, Gender, Mobile)
    assert rows[0]["left_id_number"] == "1101**********1232" and ID_A not in out.read_text(encoding="utf-8-sig")
    assert {"right_birth_date", "right_sex", "right_phone"} <= set(rows[0])
    assert "pairs: " in output and "{" not in output and "left records with a candidate" in output


def test_names_only_list_gives_labelled_possible_candidates(tmp_path: Path) -> None:
    left = _csv(tmp_path / "names.csv", [["姓名"], ["刘桂兰"], ["赵大海"]])
    right = _csv(tmp_path / "people.csv", [["姓名", "身份证号"], ["劉桂蘭", ID_C], ["钱多多", ID_A]])
    out = tmp_path / "m.csv"
    code, output = _collide(str(left), str(right), "--out", str(out), "--unmatched")
    assert code == 0, output
    rows = _read(out)
    matched = [r for r in rows if r["左表姓名"] and r["右表姓名"]]
    assert [(r["左表姓名"], r["右表姓名"], r["等级"], r["比对依据"]) for r in matched] == [
        ("刘桂兰", "劉桂蘭", "可能", "仅姓名(无其他可比信息)")]
    # --unmatched: the records without a candidate are listed, each with its row and the other side empty
    assert [(r["左表行号"], r["左表姓名"], r["右表行号"], r["等级"]) for r in rows if not r["右表姓名"]] == [
        ("3", "赵大海", "", "左表记录无候选")]
    assert [(r["右表行号"], r["右表姓名"], r["左表行号"], r["等级"]) for r in rows if not r["左表姓名"]] == [
        ("3", "钱多多", "", "右表记录无候选")]
    assert "只有姓名" in output and "左表有候选的记录 1 / 2,无候选 1" in output
    assert "右表有候选的记录 1 / 2,无候选 1" in output
    code, output = _collide(str(left), str(right), "--out", str(tmp_path / "m.json"), "--lang", "en",
                            "--side", "both")
    assert "--side applies to family tables" in output
    doc = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert code == 0 and [(p["left_name"], p["right_name"], p["compared"]) for p in doc["pairs"]] == [
        ("刘桂兰", "劉桂蘭", "name only (nothing else to compare)")] and doc["issues"] == []


def test_family_table_gives_relatives_and_names_the_records_compared(tmp_path: Path) -> None:
    # No officials file anywhere: the family table is accepted on its own.
    fam = _xlsx(tmp_path / "family.xlsx", [
        ["干部姓名", "干部身份证号", "称谓", "姓名", "身份证号", "出生日期"],
        ["周建国", ID_OFF, "妻子", "刘桂兰", ID_C, ""],
        ["周建国", ID_OFF, "儿子", "周小军", "", "2001-02-03"],
    ])
    holders = _csv(tmp_path / "holders.csv", [
        ["企业名称", "股东名称", "证件号码"],
        ["吉安市鑫盛建材有限公司", "劉桂蘭", ID_C],
        ["吉安市鑫盛建材有限公司", "周建国", ID_OFF],
        ["吉安市鑫盛建材有限公司", "吉安市某某投资有限公司", "91360800MA35XXXX1X"],
    ])
    out = tmp_path / "m.csv"
    code, output = _collide(str(fam), str(holders), "--out", str(out), "--lang", "en")
    assert code == 0, output
    rows = _read(out)
    assert [(r["left_row"], r["left_role"], r["left_name"], r["right_name"], r["tier"]) for r in rows] == [
        ("2", "relative", "刘桂兰", "劉桂蘭", "certain")]  # never 周建国 against 劉桂蘭
    assert "1 rows are organisations" in output
    code, output = _collide(str(fam), str(holders), "--out", str(out), "--lang", "en", "--side", "both")
    assert code == 0, output
    got = {(r["left_row"], r["left_role"], r["left_name"], r["right_row"], r["right_name"]) for r in _read(out)}
    assert got == {("2", "relative", "刘桂兰", "2", "劉桂蘭"), ("2", "official", "周建国", "3", "周建国"),
                   ("3", "official", "周建国", "3", "周建国")}
    code, output = _collide(str(fam), str(holders), "--out", str(out), "--side", "official")
    assert code == 0 and {r["左表身份"] for r in _read(out)} == {"干部"}
    code, output = _collide(str(fam), str(holders), "--out", str(out), "--side", "spouse")
    assert code == 2 and "--side" in output


def test_other_id_type_and_number(tmp_path: Path) -> None:
    left = _csv(tmp_path / "a.csv", [["Name", "ID type", "ID number"], ["John Smythe", "Passport", "E 1234-5678"],
                                     ["Mary Jones", "Passport", "E99999999"]])
    right = _csv(tmp_path / "b.csv", [["name", "passport number"], ["Jon Smythe", "E12345678"],
                                      ["Mary Jones", "E88888888"]])
    people = read_person_list(left)
    assert people.records[["other_id_type", "other_id"]].values.tolist()[0] == ["Passport", "E 1234-5678"]
    out = tmp_path / "m.csv"
    code, output = _collide(str(left), str(right), "--out", str(out), "--lang", "en")
    assert code == 0, output
    rows = _read(out)
    smythe = [r for r in rows if r["left_name"] == "John Smythe"]
    assert smythe and smythe[0]["right_name"] == "Jon Smythe" and smythe[0]["tier"] in ("probable", "certain")
    jones = [r for r in rows if r["left_name"] == "Mary Jones"]
    assert all(r["tier"] != "certain" for r in jones)  # same name, another passport number


def test_xlsx_output_with_rejected_rows_sheet(tmp_path: Path) -> None:
    left = _xlsx(tmp_path / "a.xlsx", [["姓名", "出生日期"], ["王晓明", "1980-05-06"], ["", "1970-01-01"],
                                       ["###", "1970-01-01"], ["李四", "不详"]])
    right = _csv(tmp_path / "b.csv", [["姓名", "出生日期"], ["王小明", "1980-05-06"]])
    out = tmp_path / "m.xlsx"
    code, output = _collide(str(left), str(right), "--out", str(out))
    assert code == 0, output
    wb = load_workbook(out)
    assert wb.sheetnames == ["碰撞结果", "问题行"]
    head = [c.value for c in wb["碰撞结果"][1]]
    first = dict(zip(head, [c.value for c in wb["碰撞结果"][2]], strict=True))
    assert first["左表姓名"] == "王晓明" and first["右表姓名"] == "王小明" and first["等级"] == "很可能"
    issues = [[c.value for c in r] for r in wb["问题行"].iter_rows(min_row=2)]
    assert [(i[0], i[1], i[2], i[4]) for i in issues] == [("a.xlsx", 3, "姓名", "拒收"), ("a.xlsx", 4, "姓名", "拒收"),
                                                          ("a.xlsx", 5, "出生日期", "警告")]
    assert "拒收的行(2)" in output and "a.xlsx 第 3 行 姓名" in output and "必填字段为空" in output


def test_bad_input_is_one_clear_error(tmp_path: Path) -> None:
    good = _csv(tmp_path / "good.csv", [["姓名"], ["张三"]])
    no_name = _csv(tmp_path / "no_name.csv", [["身份证号", "联系电话"], [ID_A, "13800138000"]])
    code, output = _collide(str(no_name), str(good), "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "no_name.csv" in output and "身份证号" in output and "找不到姓名列" in output
    assert "Traceback" not in output and not (tmp_path / "x.csv").exists()
    unknown = _csv(tmp_path / "unknown.csv", [["foo", "bar"], ["1", "2"]])
    code, output = _collide(str(unknown), str(good), "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "unknown.csv" in output and "'foo'" in output and "full name" in output
    fake = tmp_path / "broken.xlsx"
    fake.write_bytes(b"this is not a workbook")
    code, output = _collide(str(good), str(fake), "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "broken.xlsx" in output and "Traceback" not in output
    code, output = _collide(str(good), str(tmp_path / "missing.csv"), "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "missing.csv" in output
    code, output = _collide(str(good), str(good), "--out", str(tmp_path / "x.txt"))
    assert code == 2 and ".xlsx" in output
    with pytest.raises(PersonListError, match="changes"):
        read_person_list(good, "changes")


def test_unmatched_lists_both_sides_with_a_near_miss(tmp_path: Path) -> None:
    """--unmatched lists the records of either list that found no candidate, saying which list each is from; a
    near miss (same name and birth date as a right record, but another resident ID) is a record without a
    candidate on both sides, never a pair."""
    left = _csv(tmp_path / "left.csv", [["姓名", "身份证号"], ["张伟", ID_A], ["刘桂兰", ID_C]])
    right = _csv(tmp_path / "right.csv", [["姓名", "身份证号"], ["张伟", ID_B], ["劉桂蘭", ID_C], ["孙红", ""]])
    out = tmp_path / "m.csv"
    code, output = _collide(str(left), str(right), "--out", str(out), "--unmatched", "--lang", "en")
    assert code == 0, output
    rows = _read(out)
    assert [(r["left_name"], r["right_name"], r["tier"]) for r in rows if r["left_name"] and r["right_name"]] == [
        ("刘桂兰", "劉桂蘭", "certain")]
    assert [(r["left_row"], r["left_name"], r["tier"]) for r in rows if not r["right_name"]] == [
        ("2", "张伟", "no candidate (left record)")]
    assert [(r["right_row"], r["right_name"], r["tier"]) for r in rows if not r["left_name"]] == [
        ("2", "张伟", "no candidate (right record)"), ("4", "孙红", "no candidate (right record)")]
    assert "right records with a candidate: 1 of 3; without: 2" in output
    # without --unmatched only the pair is written
    code, _ = _collide(str(left), str(right), "--out", str(out))
    assert code == 0 and len(_read(out)) == 1
