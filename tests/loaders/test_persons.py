"""Any file as person records (``read_person_list``): plain lists, known kinds, sides, one record per row."""

from __future__ import annotations

from pathlib import Path

import pytest

from guanlian.loaders.persons import PLAIN_FIELDS, PersonListError, header_key, read_person_list


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_vocabulary_comes_from_the_model_and_the_loaders() -> None:
    # model labels (Person.birth_date "出生日期" / "birth date"), loader aliases (relatives: 亲属姓名), English
    assert {header_key("出生日期"), header_key("birth date"), header_key("DOB")} <= set(PLAIN_FIELDS["birth_date"])
    assert header_key("亲属姓名") in PLAIN_FIELDS["name"] and header_key("Full_Name") in PLAIN_FIELDS["name"]
    assert header_key("证件号码") in PLAIN_FIELDS["id_any"] and header_key("证件号码") not in PLAIN_FIELDS["id_number"]
    # near miss: a company name column is not a person's name
    assert header_key("企业名称") not in PLAIN_FIELDS["name"]


def test_personnel_list_is_a_plain_list_unless_asked(tmp_path: Path) -> None:
    p = _write(tmp_path / "staff.csv", "姓名,身份证号,工作单位,性别\n张三,110105198005061232,某某公司,男\n")
    plain = read_person_list(p)
    assert plain.kind is None and plain.roles == ("person",)
    assert plain.records.iloc[0][["name", "employer", "sex"]].tolist() == ["张三", "某某公司", "M"]
    as_officials = read_person_list(p, "officials")
    assert as_officials.kind == "officials" and as_officials.records["role"].tolist() == ["official"]


def test_surname_and_given_name_columns(tmp_path: Path) -> None:
    p = _write(tmp_path / "febrl.csv", "given_name,surname,date_of_birth\njohn,smythe,19700304\n,王,1980\n")
    got = read_person_list(p).records[["name", "birth_date"]].values.tolist()
    assert got == [["john smythe", "1970-03-04"], ["王", "1980"]]


def test_family_table_sides_and_organisations(tmp_path: Path) -> None:
    fam = _write(tmp_path / "fam.csv", "干部姓名,称谓,姓名,身份证号\n周建国,妻子,刘桂兰,\n周建国,儿子,周小军,\n")
    assert read_person_list(fam).records[["row", "role", "name"]].values.tolist() == [
        [2, "relative", "刘桂兰"], [3, "relative", "周小军"]]
    assert read_person_list(fam, side="official").records["name"].tolist() == ["周建国", "周建国"]
    both = read_person_list(fam, side="both")
    assert both.records[["row", "role"]].values.tolist() == [[2, "relative"], [2, "official"], [3, "relative"],
                                                            [3, "official"]]
    pay = _write(tmp_path / "pay.csv", "付款单位,收款人,金额,付款日期\n某局,张三,100,2020-01-01\n"
                                       "某局,吉安市某某建材有限公司,200,2020-01-02\n")
    payees = read_person_list(pay)
    assert payees.kind == "payments" and payees.skipped == 1 and payees.records["name"].tolist() == ["张三"]


def test_a_kind_without_person_columns_is_refused(tmp_path: Path) -> None:
    p = _write(tmp_path / "c.csv", "企业名称,统一社会信用代码\n某某公司,\n")
    with pytest.raises(PersonListError, match="c.csv"):
        read_person_list(p, "companies")
    with pytest.raises(PersonListError, match="no name column"):
        read_person_list(p)
