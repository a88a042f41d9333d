"""The export files of the demo world: names, formats, header aliases, styles, planted bad rows.

Headers use the aliases the loaders accept (see the task brief / loaders' alias tables); the same field has
different headers in different files on purpose. For ``large`` (and each ``large`` shard of ``xlarge``) every
file is CSV except the small ``officials_city.xlsx``, to keep generation fast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from guanlian.demo.render import Col, FileSpec
from guanlian.demo.world import World, day

ID_NOISE = (("std", 0.86), ("lower", 0.06), ("15", 0.04), ("fw", 0.02), ("tab", 0.02))
ID_CLEAN = (("std", 0.9), ("lower", 0.07), ("15", 0.03))
PHONE = (("plain", 0.6), ("spaced", 0.15), ("dashed", 0.1), ("plus86", 0.1), ("fw", 0.05))
NAME = (("plain", 0.96), ("trail", 0.04))
ORG = (("plain", 0.93), ("space", 0.04), ("halfbr", 0.03))
ADDR = (("plain", 0.93), ("fw", 0.07))


def file_specs(size: str) -> dict[str, list[FileSpec]]:
    """All file specs, grouped by kind."""
    big = size == "large"

    def fx(fmt: str) -> str:
        return "csv_gb18030" if big and fmt == "xlsx" else fmt

    def xl(styles: tuple[tuple[str, float], ...], fallback: str = "iso") -> tuple[tuple[str, float], ...]:
        if not big:
            return styles
        return tuple((fallback if s.startswith("xl_") or s == "num" else s, w) for s, w in styles)

    officials = [
        FileSpec(
            "officials_city", "officials", "xlsx", (
                Col("name", "姓名", "name", (("plain", 0.7), ("pad", 0.25), ("trail", 0.05))),
                Col("id_number", "公民身份号码", "id", ID_CLEAN),
                Col("sex", "性别"),
                Col("birth", "出生年月", "date", (("ym_dot", 0.6), ("ym_cn", 0.2), ("xl_date", 0.2))),
                Col("unit", "工作单位", "org", ORG),
                Col("post", "职务"),
                Col("rank", "职级"),
                Col("start", "任职时间", "tenure", (("dash", 0.5), ("emdash", 0.3), ("cn", 0.1), ("fwdash", 0.1))),
                Col("phone", "联系电话", "phone", PHONE),
                Col("address", "家庭住址", "text", ADDR),
            ), title="吉安市市直单位干部基本信息表", serial=True, sheet="干部信息",
        ),
        FileSpec(
            "officials_county", "officials", "csv_gb18030", (
                Col("name", "干部姓名", "name", NAME),
                Col("id_number", "身份证号码", "id", ID_NOISE),
                Col("sex", "性别"),
                Col("birth", "出生日期", "date", (("iso", 0.4), ("compact", 0.3), ("slash", 0.2), ("cn", 0.1))),
                Col("unit", "单位", "org", ORG),
                Col("post", "职务"),
                Col("rank", "职级"),
                Col("start", "任职开始时间", "date", (("iso", 0.5), ("dot", 0.2), ("cn", 0.2), ("dash", 0.1))),
                Col("end", "任职结束时间", "end", (("iso", 0.5), ("dot", 0.2), ("cn", 0.2), ("dash", 0.1))),
                Col("phone", "手机号码", "phone", PHONE),
                Col("address", "家庭住址", "text", ADDR),
            ), blank_above=2, crlf=True, bad=(("id_bad_checksum", "id_number"), ("bad_date", "start")),
        ),
    ]
    relatives = [
        FileSpec(
            "family_members", "relatives", fx("xlsx"), (
                Col("official_name", "干部姓名", "name", NAME),
                Col("official_id", "干部身份证号", "id", ID_CLEAN),
                Col("term", "称谓"),
                Col("name", "姓名", "name", (("plain", 0.9), ("pad", 0.06), ("nodot", 0.04))),
                Col("birth", "出生年月", "date", xl((("ym_dot", 0.45), ("xl_date", 0.35), ("cn", 0.2)))),
                Col("id_number", "身份证号", "id", ID_CLEAN),
                Col("politics", "政治面貌"),
                Col("employer", "工作单位及职务"),
                Col("phone", "联系电话", "phone", PHONE),
            ), title="领导干部家庭成员及主要社会关系情况表", serial=True, sheet="家庭成员",
        ),
        FileSpec(
            "family_report", "relatives", "csv_utf8sig", (
                Col("official_name", "干部姓名", "name", NAME),
                Col("official_id", "干部身份证号", "id", ID_NOISE),
                Col("term", "与本人关系"),
                Col("name", "亲属姓名", "name", NAME),
                Col("birth", "出生日期", "date", (("iso", 0.4), ("dash", 0.2), ("compact", 0.2), ("cn", 0.2))),
                Col("id_number", "公民身份号码", "id", ID_NOISE),
                Col("politics", "政治面貌"),
                Col("employer", "工作单位及职务"),
                Col("phone", "联系电话", "phone", PHONE),
            ), bad=(("id_bad_checksum", "id_number"),),
        ),
    ]
    companies = [
        FileSpec(
            "registry_companies", "companies", "csv_gb18030", (
                Col("name", "企业名称", "org", ORG),
                Col("credit_code", "统一社会信用代码"),
                Col("legal_rep", "法定代表人", "name", (("plain", 0.5), ("dot", 0.5))),
                Col("legal_rep_id", "法定代表人证件号", "id", ID_NOISE),
                Col("established", "成立日期", "date", (("iso", 0.5), ("slash", 0.3), ("cn", 0.2))),
                Col("reg_capital", "注册资本", "capital", (("wan6", 0.5), ("wan", 0.3), ("wanrmb", 0.2))),
                Col("status", "登记状态"),
                Col("address", "住所", "text", ADDR),
                Col("phone", "联系电话", "phone", PHONE),
                Col("email", "邮箱"),
                Col("scope", "经营范围"),
            ), crlf=True,
        ),
        FileSpec(
            "registry_companies_extra", "companies", fx("xlsx"), (
                Col("name", "公司名称", "org", ORG),
                Col("credit_code", "统一社会信用代码"),
                Col("legal_rep", "法定代表人", "name", NAME),
                Col("legal_rep_id", "法定代表人证件号", "id", ID_CLEAN),
                Col("established", "成立日期", "date", xl((("xl_date", 0.5), ("xl_serial", 0.3), ("compact", 0.2)))),
                Col("reg_capital", "注册资本", "capital", xl((("yuan", 0.5), ("num", 0.5)), "yuan")),
                Col("status", "登记状态"),
                Col("address", "注册地址", "text", ADDR),
                Col("phone", "联系电话", "phone", PHONE),
                Col("email", "邮箱"),
                Col("scope", "经营范围"),
            ), sheet="企业基本信息",
        ),
    ]
    shareholders = [
        FileSpec(
            "registry_shareholders", "shareholders", "csv_utf8sig", (
                Col("company", "企业名称", "org", ORG),
                Col("credit_code", "统一社会信用代码"),
                Col("holder", "股东名称", "name", NAME),
                Col("holder_type", "股东类型"),
                Col("holder_id", "证件号码", "id", ID_NOISE),
                Col("share", "持股比例", "share", (("pct", 0.7), ("pct2", 0.3))),
                Col("subscribed", "认缴出资额", "capital", (("wan", 0.8), ("yuan", 0.2))),
                Col("contrib_date", "出资日期", "date", (("iso", 0.6), ("cn", 0.4))),
            ),
        ),
        FileSpec(
            "registry_shareholders_2", "shareholders", fx("xlsx"), (
                Col("company", "公司名称", "org", ORG),
                Col("credit_code", "统一社会信用代码"),
                Col("holder", "股东名称", "name", NAME),
                Col("holder_type", "股东类型"),
                Col("holder_id", "证件号码", "id", ID_CLEAN),
                Col("share", "持股比例", "share", (("frac", 1.0),)),
                Col("subscribed", "认缴出资额", "capital", xl((("num", 1.0),), "yuan")),
                Col("contrib_date", "出资日期", "date", xl((("xl_date", 0.7), ("slash", 0.3)))),
            ), sheet="股东及出资信息",
        ),
    ]
    officers = [
        FileSpec(
            "registry_officers", "officers", "csv_gb18030", (
                Col("company", "企业名称", "org", ORG),
                Col("credit_code", "统一社会信用代码"),
                Col("name", "姓名", "name", (("plain", 0.9), ("dot", 0.05), ("bullet", 0.05))),
                Col("title", "职务"),
                Col("id_number", "证件号码", "id", ID_NOISE),
            ),
        ),
    ]
    changes = [
        FileSpec(
            "registry_changes", "changes", fx("xlsx"), (
                Col("company", "企业名称", "org", ORG),
                Col("credit_code", "统一社会信用代码"),
                Col("item", "变更事项"),
                Col("before", "变更前"),
                Col("after", "变更后"),
                Col("date", "变更日期", "date", xl((("iso", 0.4), ("xl_date", 0.3), ("compact", 0.3)))),
            ), blank_above=1, sheet="变更记录",
        ),
    ]
    payments = [
        FileSpec(
            "treasury_2018_2021", "payments", fx("xlsx"), (
                Col("voucher", "凭证号"),
                Col("date", "付款日期", "date", xl((("xl_date", 0.5), ("xl_serial", 0.2), ("cn", 0.3)))),
                Col("payer", "付款单位", "org", ORG),
                Col("payer_account", "付款账号"),
                Col("payee", "收款单位", "org", ORG),
                Col("payee_account", "收款账号"),
                Col("amount", "支付金额", "amount", xl((("num", 0.6), ("comma", 0.4)), "comma")),
                Col("purpose", "用途"),
                Col("contract", "合同号"),
            ), title="吉安市2018-2021年国库集中支付明细", serial=True, sheet="支付明细",
        ),
        FileSpec(
            "treasury_2022_2024", "payments", "csv_gb18030", (
                Col("voucher", "凭证号"),
                Col("date", "付款日期", "date", (("iso", 0.4), ("slash", 0.3), ("compact", 0.3))),
                Col("payer", "付款单位", "org", ORG),
                Col("payer_account", "付款账号", "text", (("plain", 0.9), ("groups", 0.1))),
                Col("payee", "收款单位(人)", "org", ORG),
                Col("payee_account", "收款账号", "text", (("plain", 0.9), ("groups", 0.1))),
                Col("amount", "金额", "amount",
                    (("comma", 0.5), ("plain", 0.2), ("wan", 0.15), ("yen", 0.1), ("fw", 0.05))),
                Col("purpose", "用途"),
                Col("contract", "合同号"),
            ), title="吉安市2022-2024年国库集中支付明细", blank_above=1, crlf=True,
            bad=(("negative_amount", "amount"), ("missing_required", "amount"), ("bad_date", "date")),
        ),
        FileSpec(
            "bank_statements", "payments", "csv_utf8sig", (
                Col("date", "交易日期", "date", (("dt", 0.5), ("iso", 0.3), ("compact", 0.2))),
                Col("payer", "付款单位", "org", ORG),
                Col("payer_account", "付款账号"),
                Col("payee", "收款人", "org", ORG),
                Col("payee_account", "收款账号"),
                Col("amount", "金额", "amount", (("plain", 0.4), ("comma", 0.3), ("yuan", 0.2), ("yen", 0.1))),
                Col("purpose", "摘要"),
                Col("voucher", "凭证号"),
            ), bad=(("negative_amount", "amount"),),
        ),
    ]
    subsidies = [
        FileSpec(
            "subsidies", "subsidies", fx("xlsx"), (
                Col("payer", "发放单位", "org", ORG),
                Col("approver", "审批单位", "org", ORG),
                Col("name", "领取人", "name", NAME),
                Col("id_number", "身份证号", "id", ID_CLEAN),
                Col("item", "补贴项目"),
                Col("amount", "发放金额", "amount", xl((("num", 0.6), ("comma", 0.2), ("fw", 0.2)), "comma")),
                Col("date", "发放日期", "date", xl((("xl_date", 0.6), ("cn", 0.4)))),
                Col("account", "收款账号"),
            ), title="2019-2024年惠民惠农财政补贴资金发放名册", serial=True, sheet="发放名册",
            bad=(("id_bad_checksum", "id_number"),),
        ),
        FileSpec(
            "subsidies_2", "subsidies", "csv_gb18030", (
                Col("payer", "发放单位", "org", ORG),
                Col("name", "领取人", "name", NAME),
                Col("id_number", "身份证号", "id", ID_NOISE),
                Col("item", "补贴项目"),
                Col("amount", "发放金额", "amount", (("plain", 0.6), ("yuan", 0.2), ("fw", 0.2))),
                Col("date", "发放日期", "date", (("compact", 0.5), ("dot", 0.3), ("cn", 0.2))),
                Col("account", "收款账号"),
            ), crlf=True, bad=(("missing_required", "amount"),),
        ),
    ]
    return {
        "officials": officials, "relatives": relatives, "companies": companies, "shareholders": shareholders,
        "officers": officers, "changes": changes, "payments": payments, "subsidies": subsidies,
    }


def assign_files(kind: str, df: pd.DataFrame, w: World, rng: np.random.Generator) -> np.ndarray:
    """Index (into ``file_specs()[kind]``) of the file each row goes to."""
    n = len(df)
    if kind == "officials":
        city = {u.name for u in w.units if u.kind == "dept_city"}
        return np.where(df["unit"].isin(city).to_numpy(), 0, 1)
    if kind == "payments":
        dates = df["date"].to_numpy(dtype=np.int64)
        bank = (df["channel"] == "bank").to_numpy()
        return np.where(bank, 2, np.where(dates < day(2022, 1, 1), 0, 1))
    if kind == "subsidies":
        has_appr = df["approver"].notna().to_numpy()
        return np.where(has_appr, 0, (rng.random(n) < 0.5).astype(int))
    if kind in ("officers", "changes"):
        return np.zeros(n, dtype=int)
    share = {"relatives": 0.5, "companies": 0.25, "shareholders": 0.3}[kind]
    return (rng.random(n) < share).astype(int)
