"""``guanlian run`` rows for people: names, not keys; dates, not day numbers; yuan, not fen; words, not codes."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pandas as pd
from reliability.golden import DemoRun

from guanlian.queries.library import Library
from guanlian.queries.readable import day_text, readable_rows

KEY = re.compile(r"^(ric|anon|uscc|cname|unit|serves|rel|ps|off|paid|pay|sh|lr):")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _hits(demo_run: DemoRun) -> tuple[Library, pd.DataFrame]:
    lib = Library.load()
    raw = lib.run(demo_run.store, "relative_company_paid")
    assert len(raw) > 0, "the tiny demo plants a relative's company; the query must find it"
    return lib, raw


def test_names_dates_yuan_and_words(demo_run: DemoRun) -> None:
    lib, raw = _hits(demo_run)
    q = lib.get("relative_company_paid")
    zh = readable_rows(demo_run.store, q, raw, "zh")
    assert not {c.name for c in q.edge_columns()} & set(zh.frame.columns), "edge keys are for programs"
    assert zh.headers[:5] == ("干部", "亲属", "工商登记人员", "企业", "单位")
    for col in ("official", "relative", "holder", "company", "unit"):
        assert zh.frame[col].notna().all()
        assert not any(KEY.match(str(v)) for v in zh.frame[col]), f"{col} shows keys"
        assert all(CJK.search(str(v)) for v in zh.frame[col]), f"{col} shows no names"
    for i, row in raw.iterrows():
        shown = zh.frame.iloc[int(str(i))]
        assert shown["payments_sum"] == Decimal(row["payments_sum"]) / 100  # exact yuan from fen
        first = date.fromordinal(date(1970, 1, 1).toordinal() + int(row["payments_first_day"])).isoformat()
        assert shown["payments_first_day"] == first == day_text(row["payments_first_day"])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(shown["payments_last_day"]))
    assert set(zh.frame["match_tier"]) <= {"确定", "很可能", "可能"}
    en = readable_rows(demo_run.store, q, raw, "en")
    assert not any(CJK.search(h) for h in en.headers), en.headers
    assert set(en.frame["match_tier"]) <= {"certain", "probable", "possible"}
    assert not any(CJK.search(str(v)) for v in en.frame["relation_term"] if v is not None)


def test_a_key_not_in_the_store_is_shown_as_written(demo_run: DemoRun) -> None:
    """Near miss: a row naming a node the store does not hold keeps its key instead of turning blank."""
    lib, raw = _hits(demo_run)
    q = lib.get("relative_company_paid")
    one = raw.head(1).copy()
    one["company"] = ["uscc:NOT-IN-THE-STORE"]
    shown = readable_rows(demo_run.store, q, one, "zh")
    assert shown.frame["company"].tolist() == ["uscc:NOT-IN-THE-STORE"]
    assert CJK.search(str(shown.frame["official"].iloc[0]))


def test_lists_are_joined_and_missing_values_stay_missing() -> None:
    q = Library.load().get("shell_company")
    row = pd.DataFrame([{"company": "uscc:x", "unit": "unit:y", "paid_edge": "paid:z", "reg_capital": None,
                         "status": "吊销", "address_sharers": 0, "dead_on_day": None, "paid_after_dead": 0,
                         "signals": ["tiny_capital", "dead_status"], "severity": "medium", "payments_count": 1,
                         "payments_sum": 5, "payments_first_day": 0, "payments_last_day": 0}])
    zh = readable_rows(None, q, row, "zh").frame.iloc[0]
    assert zh["signals"] == "注册资本与收款金额极不相称、已注销或吊销仍在收款"
    assert zh["reg_capital"] is None and zh["dead_on_day"] is None
    assert zh["payments_sum"] == Decimal("0.05") and zh["payments_first_day"] == "1970-01-01"
    en = readable_rows(None, q, row, "en").frame.iloc[0]
    assert en["signals"] == "tiny registered capital for the money received, deregistered or revoked yet paid"
    assert en["status"] == "revoked" and en["severity"] == "medium"
