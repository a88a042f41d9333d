"""Console rendering of load summaries (rich tables), Chinese by default.

Example:
    >>> import io
    >>> from rich.console import Console
    >>> from guanlian.loaders.pipeline import FileResult, LoadSummary
    >>> s = LoadSummary("id", "store", [FileResult("a.csv", "officials", 2, 1, 1)], {}, {}, None)
    >>> out = Console(width=120, record=True, file=io.StringIO())
    >>> print_load_summary(out, s, "en")
    >>> "reconciled" in out.export_text()
    True
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from guanlian.loaders.pipeline import KINDS, LoadSummary
from guanlian.values.vocab import Lang, one_language


def _error(both: str | None, zh: str | None, en: str | None, lang: Lang) -> str:
    """A file's error in ``lang`` (a summary read back from JSON written before the split has only ``both``)."""
    own = zh if lang == "zh" else en
    return own or one_language(both or "", lang)


def print_load_summary(console: Console, summary: LoadSummary, lang: Lang = "zh") -> None:
    """Print one row per file (read = loaded + rejected) plus the totals and where rejects went."""
    zh = lang == "zh"
    t = Table(title="导入结果" if zh else "Load summary")
    heads = (
        ("文件", "类型", "读取", "导入", "拒绝", "警告", "核对")
        if zh
        else ("file", "kind", "read", "loaded", "rejected", "warnings", "reconciled")
    )
    for i, h in enumerate(heads):
        t.add_column(h, justify="right" if i >= 2 else "left")
    totals = [0, 0, 0, 0]
    for f in summary.files:
        ok = f.read == f.loaded + f.rejected
        t.add_row(
            Path(f.path).name,
            (KINDS[f.kind].label_zh if zh and f.kind in KINDS else f.kind) or "-",
            f"{f.read:,}",
            f"{f.loaded:,}",
            f"{f.rejected:,}",
            f"{f.warnings:,}",
            ("✓" if ok and not f.error else "✗ " + _error(f.error, f.error_zh, f.error_en, lang)[:60]),
        )
        for j, v in enumerate((f.read, f.loaded, f.rejected, f.warnings)):
            totals[j] += v
    refused = sum(1 for f in summary.files if f.error)
    if refused:  # a refused file has no rows to reconcile: the sums alone would say ✓
        total_mark = f"✗ {refused} 个文件未导入" if zh else f"✗ {refused} file{'s' if refused > 1 else ''} refused"
    else:
        total_mark = "✓" if totals[0] == totals[1] + totals[2] else "✗"
    t.add_row("合计" if zh else "total", "", *[f"{v:,}" for v in totals], total_mark)
    console.print(t)
    for f in summary.files:
        if f.error:
            console.print(f"[red]{escape(Path(f.path).name)}: {escape(_error(f.error, f.error_zh, f.error_en, lang))}[/]",
                          highlight=False)
    moved = summary.relinked.get("companies", 0)
    if moved:
        n_pay = summary.relinked.get("payments", 0)
        console.print(f"先导入的付款中 {moved} 家收款企业已并入登记信息中的同名企业(信用代码),{n_pay} 笔付款已改连"
                      if zh else f"{moved} payee companies from earlier ledgers merged into their registered namesake "
                      f"(credit code); {n_pay} payments moved", highlight=False)
    if summary.relinked.get("ambiguous", 0):
        n = summary.relinked["ambiguous"]
        console.print(f"{n} 个收款单位名称对应多家登记企业:未替您选定,已与每家候选企业建立“名称对应”关联" if zh else
                      f"{n} payee names match several registered companies: none was picked; each is linked to "
                      "every candidate (MAY_BE)", highlight=False)
    if summary.write_route:
        how = summary.write_route
        console.print(f"{'写入方式' if zh else 'written by'}: {how['reason_zh'] if zh else how['reason_en']}",
                      markup=False, highlight=False)
    if summary.rejects_path:
        console.print(("拒绝与警告明细: " if zh else "rejects and warnings: ") + summary.rejects_path)
