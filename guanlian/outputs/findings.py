"""Findings writers: what ``scan`` writes for a :class:`~guanlian.finding.FindingsDoc`, one class per output.

Each takes the typed document, the output folder and the scan's :class:`~guanlian.outputs.base.ScanContext`,
and returns the files it wrote. They are registered, in the order ``scan`` runs them, in
:data:`guanlian.outputs.FINDINGS_WRITERS`.

Example (what ``scan_to_dir`` does with them)::

    ctx = ScanContext(lang="en")
    for writer in FINDINGS_WRITERS:
        ctx.written[writer.name] = writer.write(doc, out, ctx)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from guanlian.outputs.base import ScanContext

if TYPE_CHECKING:
    from guanlian.finding import FindingsDoc


@dataclass(frozen=True)
class FindingsJson:
    """``findings.json``: the document itself (resident IDs masked unless ``show_ids``)."""

    name: str = "findings.json"

    def write(self, doc: FindingsDoc, out: Path, ctx: ScanContext) -> list[Path]:
        from guanlian.queries.findings import write_findings

        if ctx.masked is not None:
            return [write_findings(ctx.masked, out, show_ids=ctx.show_ids, masked=True)]
        return [write_findings(doc, out, show_ids=ctx.show_ids)]


@dataclass(frozen=True)
class Views:
    """``views/``: one offline network view per finding (the first ``ctx.views`` in report order, or all)."""

    name: str = "views"

    def write(self, doc: FindingsDoc, out: Path, ctx: ScanContext) -> list[Path]:
        from guanlian.viz.view import render_finding_views

        chosen = doc if ctx.views is None else replace(doc, findings=doc.findings[: max(0, ctx.views)])
        written = render_finding_views(chosen, out / "views", lang=ctx.lang, show_ids=ctx.show_ids)
        ctx.view_paths.update(written)
        return list(written.values())


@dataclass(frozen=True)
class ReportHtml:
    """``report.html``: every finding with its explanation, evidence and a link to its view when written (of
    many ``possible`` findings, ``ctx.report_possible`` taken per official in turn; a note counts the rest)."""

    name: str = "report.html"

    def write(self, doc: FindingsDoc, out: Path, ctx: ScanContext) -> list[Path]:
        from guanlian.viz.report import write_report_html

        return [write_report_html(doc, out, lang=ctx.lang, show_ids=ctx.show_ids, views=ctx.view_paths,
                                  max_possible=ctx.report_possible)]


@dataclass(frozen=True)
class ReportXlsx:
    """``report.xlsx``: the findings, entities, payments and evidence as sheets."""

    name: str = "report.xlsx"

    def write(self, doc: FindingsDoc, out: Path, ctx: ScanContext) -> list[Path]:
        from guanlian.viz.report import write_report_xlsx

        return [write_report_xlsx(doc, out, lang=ctx.lang, show_ids=ctx.show_ids, views=ctx.view_paths)]
