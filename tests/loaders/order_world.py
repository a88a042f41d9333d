"""A small hand-written world for load-order tests: namesake companies, payees named without a code, change
records that reach a company before its registry row, shareholders, officers and changes that name a registered
company only by name (with people without an ID), registry values a ledger lacks.

``write_world(folder)`` writes nine files (two registry tables hold namesakes of each other) and returns their
paths in the order a clerk would load them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from stdnum.cn import ric, uscc


def rid(body17: str) -> str:
    """A resident ID with a correct check character."""
    return body17 + ric.calc_check_digit(body17 + "0")


def code(body17: str) -> str:
    """A credit code with a correct check character."""
    return body17 + uscc.calc_check_digit(body17)


NAMESAKE = "吉安市新源物业管理有限公司"
ALIVE, DEAD, OTHER, THIRD = (code(b) for b in ("91360800MA35F2003", "91360800MA35F2023", "91360800MA35F0QX5",
                                                 "91360800MA35F0QY3"))
OFFICIAL_A, OFFICIAL_B = rid("36080219700101001"), rid("36080219750202002")
RELATIVE = rid("36080219950303003")
ACCOUNT = "6222021500001234"


def write_world(folder: Path) -> list[Path]:
    """Write the world's files into ``folder``; returns them in the usual loading order."""
    folder.mkdir(parents=True, exist_ok=True)

    def csv(name: str, frame: pd.DataFrame) -> Path:
        path = folder / name
        frame.to_csv(path, index=False, encoding="utf-8")
        return path

    officials = csv("officials.csv", pd.DataFrame({
        "姓名": ["张三", "李四"], "公民身份号码": [OFFICIAL_A, OFFICIAL_B],
        "工作单位": ["吉安市交通运输局", "吉安市住房和城乡建设局"], "职务": ["局长", "科长"],
        "任职时间": ["2015.03-至今", "2012.01-2020.06"], "手机号码": ["13907960001", ""]}))
    relatives = csv("relatives.csv", pd.DataFrame({
        "干部姓名": ["张三", "李四"], "干部身份证号": [OFFICIAL_A, OFFICIAL_B], "称谓": ["儿子", "配偶"],
        "姓名": ["张小明", "王芳"], "公民身份号码": [RELATIVE, ""], "联系电话": ["13907960009", ""]}))
    companies = csv("companies.csv", pd.DataFrame({
        "企业名称": [NAMESAKE, "吉安市恒达建材有限公司"], "统一社会信用代码": [ALIVE, OTHER],
        "法定代表人": ["王五", "张小明"], "成立日期": ["2011-05-01", "2016-08-08"], "登记状态": ["存续", "存续"],
        "注册资本": ["100万", "50万"], "联系电话": ["0796-8200001", "0796-8200002"]}))
    # the namesake (deregistered, older) comes in a second registry export
    companies_extra = csv("companies_extra.csv", pd.DataFrame({
        "企业名称": [NAMESAKE, "吉安市永丰商贸有限公司"], "统一社会信用代码": [DEAD, THIRD],
        "法定代表人": ["赵六", "钱七"], "成立日期": ["2005-03-01", "2019-01-01"], "登记状态": ["注销", "存续"],
        "注册资本": ["10万", ""]}))
    # rows naming a registered company only by name (no code): keyed by name until the registry says which
    # company it is, then by that company, with the people such rows name (郑十一, 孙八, 周九, 吴十 have no ID)
    shareholders = csv("shareholders.csv", pd.DataFrame({
        "企业名称": ["吉安市恒达建材有限公司", NAMESAKE, "吉安市恒达建材有限公司", NAMESAKE],
        "统一社会信用代码": [OTHER, ALIVE, "", ""], "股东名称": ["张小明", "王五", "郑十一", "冯十二"],
        "证件号码": [RELATIVE, "", "", ""], "持股比例": ["60%", "100%", "40%", "30%"]}))
    officers = csv("officers.csv", pd.DataFrame({
        "企业名称": ["吉安市恒达建材有限公司", "吉安市恒达建材有限公司", "吉安市永丰商贸有限公司", NAMESAKE, NAMESAKE],
        "统一社会信用代码": [OTHER, "", "", "", ALIVE], "姓名": ["张小明", "孙八", "周九", "冯十二", "冯十二"],
        "职务": ["执行董事", "监事", "经理", "经理", "董事"], "证件号码": [RELATIVE, "", "", "", ""]}))
    changes = csv("changes.csv", pd.DataFrame({
        "企业名称": ["吉安市恒达建材有限公司", "吉安市永丰商贸有限公司", "吉安市永丰商贸有限公司", NAMESAKE, NAMESAKE],
        "统一社会信用代码": [OTHER, THIRD, "", "", ""], "变更事项": ["投资人变更", "住所变更", "投资人变更", "监事变更", "经营范围变更"],
        "变更前": ["张小明、李明", "吉安市吉州区", "钱七、吴十", "卫十三", "物业管理"],
        "变更后": ["张小明", "吉安市青原区", "钱七", "冯十二", "物业管理、保洁服务"],
        "变更日期": ["2020-03-01", "2021-01-05", "2020-06-01", "2019-07-01", "2018-02-01"]}))
    payments = csv("payments.csv", pd.DataFrame({
        "付款单位": ["吉安市交通运输局"] * 5 + ["吉安市住房和城乡建设局"] * 2,
        "收款单位": [NAMESAKE, NAMESAKE, NAMESAKE, "吉安市恒达建材有限公司", "吉安市永丰商贸有限公司",
                 NAMESAKE, "王芳"],
        "收款单位统一社会信用代码": ["", "", "", "", "", ALIVE, ""],
        "收款账号": ["", "6222021500009999", ACCOUNT, "6222 0215 0000 5678", "", ACCOUNT, "6217000000001111"],
        "金额": ["5000", "12,000.00", "3.5万", "80000", "20000", "6000", "1500"],
        "付款日期": ["2021-03-05", "2021-04-05", "2022-01-10", "2021-06-01", "2021-07-01", "2021-05-05", "2020-02-02"],
        "凭证号": ["V1", "V2", "V3", "V4", "V5", "V6", "V7"]}))
    subsidies = csv("subsidies.csv", pd.DataFrame({
        "发放单位": ["吉安市农业农村局"], "领取人": ["张小明"], "身份证号": [RELATIVE], "发放金额": ["1200"],
        "发放日期": ["2021-09-01"], "补贴项目": ["耕地地力保护补贴"]}))
    return [officials, relatives, companies, companies_extra, shareholders, officers, changes, payments, subsidies]
