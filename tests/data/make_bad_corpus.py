"""Generate the bad-input corpus: hundreds of broken, odd or hostile files for all eight loader kinds.

Each :class:`Case` is one file plus what the loader must do with it:

* ``loaded``   — every row loaded, no rejects (warnings allowed only when ``reason`` names one);
* ``warning``  — rows loaded, and an issue with code ``reason`` and severity ``warning`` is logged;
* ``rejected`` — at least one row rejected with code ``reason`` (a code of ``REASONS`` in
  :mod:`guanlian.loaders.spec`);
* ``file_error`` — the file is refused as a whole: ``FileResult.error`` is set and contains ``reason``.

``rows`` is the number of data rows in the file (records below the header, blank lines excluded): the test
checks ``read == rows`` and ``read == loaded + rejected``.

Usage::

    python tests/data/make_bad_corpus.py OUT_DIR      # writes the files and OUT_DIR/cases.json

The test suite calls :func:`make_corpus` into a temporary folder; nothing is checked in.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from openpyxl import Workbook
from stdnum.cn import ric, uscc

Expect = Literal["loaded", "warning", "rejected", "file_error"]

KINDS = ("officials", "relatives", "companies", "shareholders", "officers", "changes", "payments", "subsidies")


@dataclass(frozen=True)
class Case:
    """One corpus file and its expected outcome."""

    name: str
    kind: str
    expect: Expect
    reason: str | None
    rows: int | None
    note: str


def rid(birth: str, seq: int, region: str = "110105") -> str:
    """A resident ID with a correct check character."""
    body = f"{region}{birth}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def code(org: str) -> str:
    """A unified social credit code with a correct check character (``org``: 8 characters)."""
    body = f"91110105{org}"[:17].ljust(17, "0")
    return body + uscc.calc_check_digit(body)


OFFICIAL_ID = rid("19700315", 131)
ID_X = "11010519800101106X"  # valid, check character X
COMPANY_CODE = code("MA01ABCD0")

# base tables: header + three clean rows per kind ---------------------------------------------------------
BASE: dict[str, tuple[list[str], list[list[str]]]] = {
    "officials": (
        ["姓名", "身份证号", "性别", "出生日期", "工作单位", "职务", "任职时间", "联系电话", "家庭住址"],
        [
            ["张伟", rid("19700315", 131), "男", "1970-03-15", "吉安市交通运输局", "局长", "2015.03-至今",
             "13907960001", "吉安市吉州区人民大道1号"],
            ["李娜", rid("19750601", 142), "女", "1975-06-01", "吉安市财政局", "副局长", "2016.01-2020.06",
             "13907960002", "吉安市吉州区井冈山大道2号"],
            ["王芳", rid("19800101", 162), "女", "1980-01-01", "吉安市教育局", "科长", "2018.05-至今",
             "13907960003", "吉安市青原区庐陵大道3号"],
        ],
    ),
    "relatives": (
        ["干部姓名", "干部身份证号", "称谓", "姓名", "出生日期", "身份证号", "政治面貌", "工作单位及职务", "联系电话"],
        [
            ["张伟", OFFICIAL_ID, "妻子", "刘英", "1972-02-02", "", "群众", "个体", "13907961001"],
            ["张伟", OFFICIAL_ID, "岳母", "陈桂兰", "1948-05-05", "", "群众", "退休", "13907961002"],
            ["张伟", OFFICIAL_ID, "儿子", "张晨", "1998-08-08", "", "团员", "学生", "13907961003"],
        ],
    ),
    "companies": (
        ["企业名称", "统一社会信用代码", "法定代表人", "成立日期", "注册资本", "登记状态", "注册地址", "联系电话", "邮箱"],
        [
            ["吉安市恒达建材有限公司", COMPANY_CODE, "陈桂兰", "2016-04-01", "100万元", "存续",
             "吉安市吉州区工业园8号", "07968123456", "hengda@example.cn"],
            ["吉安市顺通物流有限公司", code("MA02BCDE1"), "刘英", "2017-05-01", "50万元", "在业",
             "吉安市青原区物流园9号", "07968123457", "shuntong@example.cn"],
            ["吉安市锦程科技有限公司", code("MA03CDEF2"), "赵强", "2019-06-01", "200万元", "存续",
             "吉安市井开区创新路10号", "07968123458", "jincheng@example.cn"],
        ],
    ),
    "shareholders": (
        ["企业名称", "统一社会信用代码", "股东名称", "股东类型", "证件号码", "持股比例", "认缴出资额", "出资日期"],
        [
            ["吉安市恒达建材有限公司", COMPANY_CODE, "陈桂兰", "自然人股东", rid("19480505", 222), "60%", "60万元",
             "2016-04-01"],
            ["吉安市恒达建材有限公司", COMPANY_CODE, "刘英", "自然人股东", rid("19720202", 242), "40%", "40万元",
             "2016-04-01"],
            ["吉安市顺通物流有限公司", code("MA02BCDE1"), "吉安市锦程科技有限公司", "企业法人", code("MA03CDEF2"),
             "100%", "50万元", "2017-05-01"],
        ],
    ),
    "officers": (
        ["企业名称", "统一社会信用代码", "姓名", "职务", "证件号码"],
        [
            ["吉安市恒达建材有限公司", COMPANY_CODE, "陈桂兰", "执行董事", ""],
            ["吉安市恒达建材有限公司", COMPANY_CODE, "刘英", "监事", ""],
            ["吉安市顺通物流有限公司", code("MA02BCDE1"), "赵强", "经理", ""],
        ],
    ),
    "changes": (
        ["企业名称", "统一社会信用代码", "变更事项", "变更前", "变更后", "变更日期"],
        [
            ["吉安市恒达建材有限公司", COMPANY_CODE, "投资人变更", "张晨", "陈桂兰", "2018-03-01"],
            ["吉安市恒达建材有限公司", COMPANY_CODE, "法定代表人变更", "刘英", "陈桂兰", "2018-03-02"],
            ["吉安市顺通物流有限公司", code("MA02BCDE1"), "住所变更", "吉安市A路", "吉安市B路", "2019-01-01"],
        ],
    ),
    "payments": (
        ["付款单位", "付款账号", "收款单位", "收款账号", "金额", "付款日期", "用途", "凭证号"],
        [
            ["吉安市交通运输局", "36001000000000001", "吉安市恒达建材有限公司", "36002000000000001", "1,234.50",
             "2019-03-05", "材料款", "PZ-001"],
            ["吉安市交通运输局", "36001000000000001", "吉安市恒达建材有限公司", "36002000000000001", "12.3万元",
             "2019-04-05", "材料款", "PZ-002"],
            ["吉安市交通运输局", "36001000000000001", "吉安市顺通物流有限公司", "36002000000000002", "¥5000",
             "2020-01-10", "运费", "PZ-003"],
        ],
    ),
    "subsidies": (
        ["发放单位", "领取人", "身份证号", "补贴项目", "发放金额", "发放日期", "收款账号"],
        [
            ["吉安市农业农村局", "陈桂兰", rid("19480505", 222), "耕地地力保护补贴", "1200", "2021-05-01",
             "62170000000000001"],
            ["吉安市农业农村局", "刘英", rid("19720202", 242), "耕地地力保护补贴", "800", "2021-05-01",
             "62170000000000002"],
            ["吉安市农业农村局", "周平", rid("19600707", 311), "农机购置补贴", "3000", "2021-06-01",
             "62170000000000003"],
        ],
    ),
}

TRUNCATED: dict[str, tuple[Expect, str | None]] = {
    "shareholders": ("warning", "bad_date"),  # the last cell is the optional 出资日期: "2017-0" is no date
    "changes": ("rejected", "bad_date"),  # the last cell is the required 变更日期
}
"""Expected outcome when a file is cut inside its last cell (depends on what that cell is)."""

REQUIRED_COLS: dict[str, tuple[int, ...]] = {
    "officials": (0, 4), "relatives": (0, 2, 3), "companies": (0,), "shareholders": (0, 2),
    "officers": (0, 2, 3), "changes": (0, 2, 5), "payments": (0, 2, 4, 5), "subsidies": (0, 1, 4, 5),
}
NAME_COL = {"officials": 0, "relatives": 3, "companies": 0, "shareholders": 2, "officers": 2}
TEXT_COL = {"officials": 8, "relatives": 7, "companies": 6, "shareholders": 3, "officers": 3, "changes": 3,
            "payments": 6, "subsidies": 3}
"""An optional free-text column per kind (address, purpose …) for formula / long-cell cases.

For officers the title (职务) is required, so its long-text case uses 职务 knowing it stays non-empty."""


def to_csv(header: list[str], rows: list[list[str]], *, newline: str = "\r\n") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def to_xlsx(path: Path, sheets: list[tuple[str, list[list[object]], str]], merge_title: bool = False) -> None:
    """Write sheets (title, rows, state) with openpyxl; ``merge_title`` puts a merged title row on top."""
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for title, rows, state in sheets:
        ws = wb.create_sheet(title)
        ws.sheet_state = state  # type: ignore[assignment]
        if merge_title:
            ws.append(["干部及亲属信息表(2024年)"])
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(r) for r in rows))
            ws.append([])
        for r in rows:
            ws.append(r)
    wb.save(path)


def make_corpus(out: Path) -> list[Case]:
    """Write every case into ``out`` and return the list (also written to ``out/cases.json``)."""
    out.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def add(name: str, kind: str, expect: Expect, reason: str | None, rows: int | None, note: str,
            data: bytes | str | Callable[[Path], None]) -> None:
        path = out / name
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8", newline="")
        elif isinstance(data, bytes):
            path.write_bytes(data)
        else:
            data(path)
        cases.append(Case(name, kind, expect, reason, rows, note))

    def vary(kind: str, header: list[str], base: list[list[str]], topic: str, col: int, what: str,
             variants: tuple[tuple[str, str, Expect, str | None], ...]) -> None:
        """One case per (label, value, expect, reason): the second row's cell ``col`` set to ``value``."""
        for label, value, expect, reason in variants:
            rows = [list(r) for r in base]
            rows[1][col] = value
            add(f"{kind}_{topic}_{label}.csv", kind, expect, reason, 3, f"{what} {value!r}", to_csv(header, rows))

    today = dt.date.today()
    for kind in KINDS:
        header, base = BASE[kind]
        good = to_csv(header, base)
        k = kind
        # encodings, line ends, BOMs ---------------------------------------------------------------------
        add(f"{k}_ok.csv", kind, "loaded", None, 3, "clean UTF-8", good)
        add(f"{k}_bom.csv", kind, "loaded", None, 3, "UTF-8 with BOM", b"\xef\xbb\xbf" + good.encode())
        add(f"{k}_gb18030.csv", kind, "loaded", None, 3, "GB18030", good.encode("gb18030"))
        add(f"{k}_utf16.csv", kind, "loaded", None, 3, "UTF-16 with BOM", good.encode("utf-16"))
        add(f"{k}_lf.csv", kind, "loaded", None, 3, "LF line ends", to_csv(header, base, newline="\n"))
        add(f"{k}_cr.csv", kind, "loaded", None, 3, "old-Mac CR line ends", to_csv(header, base, newline="\r"))
        u16 = good.rstrip("\r\n").encode("utf-16")
        add(f"{k}_utf16_odd.csv", kind, *TRUNCATED.get(kind, ("loaded", None)), 3,
            "UTF-16 cut at an odd byte (half a code unit)", u16[: len(u16) - 3])
        lines = good.split("\r\n")
        mixed = ("\r\n".join(lines[:2]) + "\r\n").encode() + ("\r\n".join(lines[2:])).encode("gb18030")
        add(f"{k}_mixed_enc.csv", kind, "warning", "file", 3, "first rows UTF-8, rest GB18030", mixed)
        blank = "\r\n".join([lines[0], "", lines[1], ",,,", lines[2], "", lines[3]]) + "\r\n"
        add(f"{k}_blank_lines.csv", kind, "loaded", None, 3, "blank and comma-only lines between rows", blank)
        add(f"{k}_title_rows.csv", kind, "loaded", None, 3, "title and blank lines above the header",
            "某某单位数据导出\r\n导出时间:2024-01-01\r\n\r\n" + good)
        # truncation and empty files ---------------------------------------------------------------------
        add(f"{k}_zero.csv", kind, "file_error", "empty file", None, "zero bytes", b"")
        add(f"{k}_header_only.csv", kind, "loaded", None, 0, "a header and no rows", lines[0] + "\r\n")
        cut_expect, cut_reason = TRUNCATED.get(kind, ("loaded", None))
        add(f"{k}_truncated.csv", kind, cut_expect, cut_reason, 3, "cut inside the last row's last cell",
            good.encode()[: len(good.encode()) - 6])
        open_quote = to_csv(header, base).rstrip("\r\n")
        last_cell = base[2][-1]
        open_quote = open_quote[: len(open_quote) - len(last_cell)] + '"' + last_cell[: len(last_cell) // 2]
        add(f"{k}_truncated_quote.csv", kind, cut_expect if kind != "officers" else "loaded", cut_reason, 3,
            "cut inside a quoted last cell that never closes", open_quote)
        add(f"{k}_stray_cell.csv", kind, "rejected", "too_many_fields", 3, "an extra quoted cell after the last row",
            good.rstrip("\r\n") + ',"未闭合的引号')
        add(f"{k}_garbage.csv", kind, "file_error", "not a text table", None, "random binary bytes",
            bytes(range(256)) * 40)
        # header problems --------------------------------------------------------------------------------
        dup_header = [*header, header[TEXT_COL[kind]]]
        add(f"{k}_dup_header.csv", kind, "warning", "duplicate_header", 3, "a column named twice",
            to_csv(dup_header, [[*r, "第二列"] for r in base]))
        add(f"{k}_unknown_cols.csv", kind, "loaded", None, 3, "extra columns nobody knows",
            to_csv([*header, "备注", "XYZ", ""], [[*r, "备注", "1", ""] for r in base]))
        missing = [h for i, h in enumerate(header) if i != REQUIRED_COLS[kind][-1]]
        add(f"{k}_missing_required_col.csv", kind, "file_error", "missing required columns", None,
            "a required column is absent",
            to_csv(missing, [[c for i, c in enumerate(r) if i != REQUIRED_COLS[kind][-1]] for r in base]))
        # ragged rows ------------------------------------------------------------------------------------
        add(f"{k}_too_many.csv", kind, "rejected", "too_many_fields", 3, "a row with two extra cells",
            to_csv(header, [base[0], [*base[1], "x", "y"], base[2]]))
        short = base[1][: max(REQUIRED_COLS[kind][-1], 1)]
        few_expect: Expect = "rejected" if REQUIRED_COLS[kind][-1] > 0 else "loaded"
        add(f"{k}_too_few.csv", kind, few_expect, "missing_required" if few_expect == "rejected" else None, 3,
            "a row cut before its last required cell", to_csv(header, [base[0], short, base[2]]))
        wide = [*base[1], *(["x"] * 100_000)]
        add(f"{k}_100k_cols.csv", kind, "rejected", "too_many_fields", 3, "a data row with 100,000 columns",
            to_csv(header, [base[0], wide, base[2]]))
        # quoting ----------------------------------------------------------------------------------------
        tc = TEXT_COL[kind]
        nl = [list(r) for r in base]
        nl[1][tc] = nl[1][tc] + "\n第二行\r\n第三行"
        add(f"{k}_embedded_newline.csv", kind, "loaded", None, 3, "newlines inside a quoted cell", to_csv(header, nl))
        qt = [list(r) for r in base]
        qt[1][tc] = qt[1][tc] + ' "引号" , 逗号'
        add(f"{k}_embedded_quotes.csv", kind, "loaded", None, 3, "quotes and commas inside a cell", to_csv(header, qt))
        # formulas, Excel errors -------------------------------------------------------------------------
        fm = [list(r) for r in base]
        fm[1][tc] = '=HYPERLINK("http://evil.example/x","点击")'
        add(f"{k}_formula.csv", kind, "warning", "formula", 3, "=HYPERLINK in a text cell", to_csv(header, fm))
        for err in ("#N/A", "#REF!"):
            ex = [list(r) for r in base]
            ex[1][tc] = err
            # officers have no optional text column: their title is required, so blanking it rejects the row
            xl_expect: Expect = "rejected" if kind == "officers" else "warning"
            add(f"{k}_xlerr_{err.strip('#!').replace('/', '')}.csv", kind, xl_expect,
                "missing_required" if kind == "officers" else "excel_error", 3, f"{err} in a text cell",
                to_csv(header, ex))
        ex = [list(r) for r in base]
        ex[1][REQUIRED_COLS[kind][0]] = "#VALUE!"
        add(f"{k}_xlerr_required.csv", kind, "rejected", "missing_required", 3, "#VALUE! in a required cell",
            to_csv(header, ex))
        # long cells -------------------------------------------------------------------------------------
        if kind in ("officials", "payments", "companies"):
            big = [list(r) for r in base]
            big[1][tc] = "长" * 3_500_000  # 10.5 MB of UTF-8
            add(f"{k}_10mb_cell.csv", kind, "warning", "cell_too_long", 3, "a 10 MB (3.5 million characters) cell",
                to_csv(header, big))
        # spreadsheets -----------------------------------------------------------------------------------
        rows_x: list[list[object]] = [list(header), *[list(r) for r in base]]
        add(f"{k}_ok.xlsx", kind, "loaded", None, 3, "clean .xlsx",
            lambda p, rows_x=rows_x: to_xlsx(p, [("Sheet1", rows_x, "visible")]))
        add(f"{k}_merged_title.xlsx", kind, "loaded", None, 3, "merged title row above the header",
            lambda p, rows_x=rows_x: to_xlsx(p, [("数据", rows_x, "visible")], merge_title=True))
        decoy: list[list[object]] = [list(header), ["隐藏", "数据"]]
        add(f"{k}_hidden_sheet.xlsx", kind, "warning", "file", 3, "a hidden sheet before the visible one",
            lambda p, rows_x=rows_x, decoy=decoy: to_xlsx(p, [("旧表", decoy, "hidden"), ("新表", rows_x, "visible")]))
        add(f"{k}_only_hidden.xlsx", kind, "file_error", "no visible sheet", None, "every sheet hidden",
            lambda p, rows_x=rows_x: _all_hidden(p, rows_x))
        add(f"{k}_pdf.xlsx", kind, "file_error", "PDF", None, "a PDF renamed .xlsx",
            b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
        add(f"{k}_pdf.csv", kind, "file_error", "PDF", None, "a PDF renamed .csv",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n")
        if kind in ("officials", "companies", "payments"):
            add(f"{k}_zipbomb.xlsx", kind, "file_error", "zip bomb", None,
                "a small zip whose member expands to 2.25 GB", lambda p: _zip_bomb(p))
        add(f"{k}_not_zip.xlsx", kind, "file_error", "not a real .xlsx", None, "CSV text named .xlsx",
            good.encode())
        add(f"{k}_zip_version.xlsx", kind, "file_error", "not a valid .xlsx", None,
            "a zip whose member needs extractor version 9.3 (found by fuzzing)", lambda p: _future_zip(p))
        add(f"{k}_truncated.xlsx", kind, "file_error", ".xlsx", None, "an .xlsx cut in half",
            lambda p, rows_x=rows_x: _truncated_xlsx(p, rows_x))
        # hostile text is data: stored verbatim ------------------------------------------------------------
        inj = [list(r) for r in base]
        inj[1][tc] = "'}) DETACH DELETE n // <script>alert(1)</script> `x` $p"
        add(f"{k}_injection.csv", kind, "loaded", None, 3, "Cypher/HTML in a text cell", to_csv(header, inj))
        # dates ------------------------------------------------------------------------------------------
        date_col = {"changes": 5, "payments": 5, "subsidies": 5}.get(kind)
        if date_col is not None:
            vary(k, header, base, "date", date_col, "date", (
                ("future", (today + dt.timedelta(days=400)).isoformat(), "rejected", "future_date"),
                ("pre1900", "1899-12-31", "rejected", "date_out_of_range"),
                ("y2200", "2200-01-01", "rejected", "date_out_of_range"),
                ("baddate", "去年春天", "rejected", "bad_date"),
                ("feb30", "2019-02-30", "rejected", "bad_date"),
                ("opendate", "至今", "rejected", "bad_date"),
                ("serial", "43529", "loaded", None),
                ("cn", "2019年3月5日", "loaded", None),
                ("compact", "20190305", "loaded", None),
                ("dotted", "2019.03", "loaded", None),
            ))
        # amounts ----------------------------------------------------------------------------------------
        amount_col = {"payments": 4, "subsidies": 4}.get(kind)
        if amount_col is not None:
            vary(k, header, base, "amount", amount_col, "amount", (
                ("negative", "-500", "rejected", "negative_amount"),
                ("zero", "0", "rejected", "negative_amount"),
                ("paren", "(100)", "rejected", "negative_amount"),
                ("absurd", "2000亿", "rejected", "absurd_amount"),
                ("text", "一百多元", "rejected", "bad_amount"),
                ("two_dots", "1.2.3", "rejected", "bad_amount"),
                ("wan", "12.3万元", "loaded", None),
                ("fullwidth", "１２３４", "loaded", None),
                ("rmb", "人民币5000元", "loaded", None),
                ("capital", "壹佰元整", "loaded", None),
            ))
        # resident IDs -----------------------------------------------------------------------------------
        id_col = {"officials": 1, "subsidies": 2, "shareholders": 4}.get(kind)
        if id_col is not None:
            valid = base[1][id_col]
            bad_check = valid[:-1] + ("1" if valid[-1] != "1" else "2")
            vary(k, header, base, "id", id_col, "resident ID", (
                ("bad_checksum", bad_check, "warning", "id_bad_checksum"),
                ("short", valid[:17], "warning", "id_invalid"),
                ("long", valid + "1", "warning", "id_invalid"),
                ("letters", "11010519800101ABCD", "warning", "id_invalid"),
                ("masked", valid[:6] + "********" + valid[-4:], "warning", "id_masked"),
                ("excel_number", "1.10105198001012e+17", "warning", "id_precision_lost"),
                ("lower_x", ID_X.lower(), "loaded", None),
                ("fullwidth", "".join(chr(ord(c) + 0xFEE0) for c in valid), "loaded", None),
                ("spaces", f" {valid[:6]} {valid[6:14]} {valid[14:]} ", "loaded", None),
                ("legacy15", "110105800101123", "loaded", None),
            ))
        # credit codes -----------------------------------------------------------------------------------
        cc_col = {"companies": 1, "shareholders": 1, "officers": 1, "changes": 1}.get(kind)
        if cc_col is not None:
            valid = base[1][cc_col]
            wrong = valid[:-1] + ("0" if valid[-1] != "0" else "1")
            vary(k, header, base, "code", cc_col, "credit code", (
                ("bad_check", wrong, "warning", "code_bad_checksum"),
                ("short", valid[:15] + "X", "warning", "code_invalid"),
                ("lower", valid.lower(), "loaded", None),
                ("fullwidth", "".join(chr(ord(c) + 0xFEE0) for c in valid), "loaded", None),
            ))
        # names ------------------------------------------------------------------------------------------
        name_col = NAME_COL.get(kind)
        if name_col is not None:
            vary(k, header, base, "name", name_col, "name", (
                ("punct", "……!!??", "rejected", "name_no_letters"),
                ("digits", "123456", "rejected", "name_no_letters"),
                ("empty", "", "rejected", "missing_required"),
                ("emoji", "张😀伟" if kind not in ("companies",) else "😀😀科技有限公司", "loaded", None),
                ("ext_b", "𠮷田" if kind not in ("companies",) else "𠮷野家餐饮有限公司", "loaded", None),
                ("middle_dot", "阿依古丽·买买提" if kind not in ("companies",) else "吉安(中国)有限公司", "loaded", None),
            ))
    # kind-specific rules -------------------------------------------------------------------------------------
    oh, ob = BASE["officials"]
    t = [list(r) for r in ob]
    t[1][6] = "2020.06-2016.01"
    add("officials_tenure_backwards.csv", "officials", "rejected", "term_end_before_start", 3, "tenure ends before start",
        to_csv(oh, t))
    t = [list(r) for r in ob]
    t[1][3] = "1850-01-01"
    add("officials_birth_1850.csv", "officials", "warning", "date_out_of_range", 3, "birth date before 1900", to_csv(oh, t))
    rh, rb = BASE["relatives"]
    r = [list(x) for x in rb]
    r[1][2] = "干爹"
    add("relatives_unknown_term.csv", "relatives", "warning", "unknown_relation", 3, "kinship term not in the table",
        to_csv(rh, r))
    r = [list(x) for x in rb]
    r[1][0], r[1][1] = "查无此人", ""
    add("relatives_official_not_found.csv", "relatives", "rejected", "official_not_found", 3,
        "official neither loaded nor identified", to_csv(rh, r))
    sh, sb = BASE["shareholders"]
    s = [list(x) for x in sb]
    s[1][5] = "150%"
    add("shareholders_share_150.csv", "shareholders", "warning", "bad_share", 3, "share above 100%", to_csv(sh, s))
    s = [list(x) for x in sb]
    s[1][6] = "很多"
    add("shareholders_subscribed_text.csv", "shareholders", "warning", "bad_amount", 3, "subscribed amount is text",
        to_csv(sh, s))
    ch, cb = BASE["companies"]
    c = [list(x) for x in cb]
    c[1][4] = "-5万"
    add("companies_capital_negative.csv", "companies", "loaded", None, 3, "negative registered capital is kept as parsed",
        to_csv(ch, c))
    c = [list(x) for x in cb]
    c[1][4] = "若干"
    add("companies_capital_text.csv", "companies", "warning", "bad_amount", 3, "registered capital is text", to_csv(ch, c))
    wide_header = ",".join(["列"] * 100_000) + "\r\n" + BASE["payments"][0][0] + "\r\n"
    add("payments_100k_header.csv", "payments", "file_error", "header", None, "a 100,000-column header row", wide_header)
    (out / "cases.json").write_text(json.dumps([asdict(c) for c in cases], ensure_ascii=False, indent=1),
                                    encoding="utf-8")
    return cases


_BOMB: list[bytes] = []


def _zip_bomb(path: Path) -> None:
    """A valid zip whose one member really expands to 2.25 GB of zeros (built once, about 2 MB)."""
    if not _BOMB:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            zf.writestr("[Content_Types].xml", "<Types/>")
            with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
                block = b"\0" * (1 << 24)
                for _ in range(144):  # 144 x 16 MB = 2.25 GB
                    fh.write(block)
        _BOMB.append(buf.getvalue())
    path.write_bytes(_BOMB[0])


def _all_hidden(path: Path, rows: list[list[object]]) -> None:
    """openpyxl refuses to save a workbook without a visible sheet, so hide them in workbook.xml afterwards."""
    to_xlsx(path, [("A", rows, "visible"), ("B", rows, "visible")])
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    xml = members["xl/workbook.xml"].decode()
    members["xl/workbook.xml"] = xml.replace('state="visible"', 'state="hidden"').encode()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _future_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("xl/workbook.xml")
        info.extract_version = 93
        zf.writestr(info, "<workbook/>")


def _truncated_xlsx(path: Path, rows: list[list[object]]) -> None:
    to_xlsx(path, [("Sheet1", rows, "visible")])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "bad-corpus")
    made = make_corpus(target)
    print(f"{len(made)} cases written to {target}")
