from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import networkx as nx

from guanlian.finding import FindingsDoc
from guanlian.viz.view import finding_graph, render_finding_view, render_finding_views, render_view

RAW_IDS = ("36240119680512123X", "360821194503012042", "362401199208173019", "360102197502234563")


def _no_raw_id(html: str) -> bool:
    return not any(i in html for i in RAW_IDS)


def _data(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', html, re.S)
    assert m
    return json.loads(m.group(1))  # type: ignore[no-any-return]


def test_finding_view_is_offline_escaped_and_masked(findings_doc: FindingsDoc, tmp_path: Path) -> None:
    f = findings_doc.findings[1]
    html = render_finding_view(f, tmp_path / "v.html").read_text(encoding="utf-8")
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html)
    assert not re.search(r"<link\b|@import|url\((?!\s*[\"']?data:)", html)
    assert "new vis.Network" in html and "Content-Security-Policy" in html
    # data never appears as markup: only escaped text or \u003c inside JSON
    assert "<img src=x" not in html and "<script>alert" not in html and "<b onmouseover" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the page title, as text
    assert _no_raw_id(html)
    data = _data(html)
    labels = {n["label"] for n in data["nodes"]}
    assert "<script>alert(1)</script>" in labels and "李小明" in labels
    assert all(re.fullmatch(r"n\d+", n["id"]) for n in data["nodes"])  # keys (with IDs) stay out of the page
    fuzzy = [e for e in data["edges"] if e["dashes"]]
    assert len(fuzzy) == 1 and "很可能" in fuzzy[0]["label"]
    assert all(not e["dashes"] for e in data["edges"] if e is not fuzzy[0])
    titles = "\n".join(n["title"] for n in data["nodes"])
    assert "3624**********123X" in titles and "来源: 干部基本信息表.xlsx 第12行" in titles


def test_edge_labels_and_legend(findings_doc: FindingsDoc, tmp_path: Path) -> None:
    html = render_finding_view(findings_doc.findings[0], tmp_path / "v.html").read_text(encoding="utf-8")
    labels = {e["label"] for e in _data(html)["edges"]}
    assert {"岳母", "股东 60%", "局长\n2018-06-01—至今", "付款 12笔\n¥2,345,000.00"} <= labels
    assert 'id="legend"' in html and "人员" in html and "企业" in html and "单位" in html
    assert "电话" not in re.search(r'<aside id="legend">(.*?)</aside>', html, re.S).group(1)  # type: ignore[union-attr]
    en = render_finding_view(findings_doc.findings[0], tmp_path / "e.html", lang="en").read_text(
        encoding="utf-8"
    )
    assert "paid 12×\nCNY 2,345,000.00" in {e["label"] for e in _data(en)["edges"]}


def test_show_ids_option(findings_doc: FindingsDoc, tmp_path: Path) -> None:
    html = render_finding_view(findings_doc.findings[0], tmp_path / "v.html", show_ids=True).read_text(
        "utf-8"
    )
    assert "36240119680512123X" in html


def test_highlight_and_node_cap(tmp_path: Path) -> None:
    g = nx.MultiDiGraph()
    g.add_node("unit:u", kind="Unit", name="某局", props={})
    for i in range(40):
        g.add_node(f"c{i}", kind="Company", name=f"公司{i}", props={})
        g.add_edge("unit:u", f"c{i}", key="PAID", type="PAID", props={"payments": 1, "total": 1.0})
        g.add_node(f"p{i}", kind="Person", name=f"人{i}", props={})
        g.add_edge(f"p{i}", f"c{i}", key="LEGAL_REP_OF", type="LEGAL_REP_OF", props={})
    g.graph["center"] = ["unit:u"]
    html = render_view(g, tmp_path / "v.html", title="t", highlight={"unit:u", "c0"}, max_nodes=30).read_text(
        "utf-8"
    )
    data = _data(html)
    assert len(data["nodes"]) == 30
    labels = {n["label"] for n in data["nodes"]}
    assert "某局" in labels and "公司0" in labels
    assert "共 81 个" in html and "未显示 51 个" in html
    red = [e for e in data["edges"] if e["color"]["color"] == "#d62728"]
    assert len(red) == 1  # only unit -> c0 joins two highlighted nodes
    small = render_view(g, tmp_path / "w.html", title="t", max_nodes=200).read_text("utf-8")
    assert "未显示" not in small and len(_data(small)["nodes"]) == 81


def test_finding_graph_merges_context(findings_doc: FindingsDoc) -> None:
    ctx = nx.MultiDiGraph()
    ctx.add_node("x", kind="Person", name="旁人", props={})
    ctx.add_edge("x", "ric:36240119680512123X", key="RELATIVE_OF", type="RELATIVE_OF", props={"term": "妻子"})
    g = finding_graph(findings_doc.findings[0], ctx)
    assert g.number_of_nodes() == 5 and g.number_of_edges() == 5
    assert (
        ctx.number_of_nodes() == 1 or ctx.number_of_nodes() == 2
    )  # context not mutated beyond its own nodes
    assert g.graph["center"][0] == "ric:36240119680512123X"


def test_render_all_views(findings_doc: FindingsDoc, tmp_path: Path) -> None:
    views = render_finding_views(findings_doc, tmp_path)
    assert set(views) == {f.id for f in findings_doc.findings}
    assert all(p.exists() and p.parent == tmp_path for p in views.values())


def test_a_fuzzy_link_in_a_view_cites_both_records(findings_doc: FindingsDoc, tmp_path: Path) -> None:
    f = findings_doc.findings[1]
    (route,) = f.identity_routes()
    g = finding_graph(f)
    (attrs,) = [a for _, _, a in g.edges(data=True) if a["type"] == "POSSIBLY_SAME"]
    assert attrs["sources"] == route.sources() and all(file and row for file, row in route.sources())
    html = render_finding_view(f, tmp_path / "v.html").read_text(encoding="utf-8")
    for file, row in route.sources():
        assert f"来源: {file} 第{row}行" in html
    # near miss: an ordinary edge keeps its own row
    (serves,) = [a for _, _, a in g.edges(data=True) if a["type"] == "SERVES_IN"][:1]
    assert "sources" not in serves


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("view-*.html"))}


def test_a_scan_into_the_same_folder_draws_only_changed_findings(findings_doc: FindingsDoc, tmp_path: Path) -> None:
    from dataclasses import replace

    from guanlian.viz.view import VIEWS_INDEX, view_filename

    assert len(findings_doc.findings) >= 2
    kept, changed, *rest = findings_doc.findings
    out = tmp_path / "views"
    render_finding_views(findings_doc, out)
    assert (out / VIEWS_INDEX).is_file()
    old = 1_000_000_000_000_000_000  # a recognisable mtime: a file that keeps it was not written again
    for f in findings_doc.findings:
        os.utime(out / view_filename(f), ns=(old, old))
    # the next scan: one finding's title changed (a new payment, say), the others equal
    later = replace(findings_doc, findings=(kept, replace(changed, title_zh=changed.title_zh + "（新）"), *rest))
    views = render_finding_views(later, out)
    assert set(views) == {f.id for f in later.findings}
    assert (out / view_filename(kept)).stat().st_mtime_ns == old  # unchanged: kept as it was
    assert (out / view_filename(changed)).stat().st_mtime_ns != old  # changed: drawn again
    assert "（新）" in (out / view_filename(changed)).read_text(encoding="utf-8")
    fresh = tmp_path / "fresh"
    render_finding_views(later, fresh, reuse=False)
    assert _files(out) == _files(fresh)  # the same bytes as drawing every view
    # near misses: a view edited or damaged on disk, or other options, is drawn again
    (out / view_filename(kept)).write_text("damaged", encoding="utf-8")
    render_finding_views(later, out)
    assert _files(out) == _files(fresh)
    render_finding_views(later, out, lang="en")
    english = tmp_path / "english"
    render_finding_views(later, english, lang="en", reuse=False)
    assert _files(out) == _files(english) != _files(fresh)
    # an unreadable index: every view drawn again, same bytes
    (out / VIEWS_INDEX).write_text("{", encoding="utf-8")
    render_finding_views(later, out)
    assert _files(out) == _files(fresh)
