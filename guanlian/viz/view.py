"""Offline network views: one HTML file per graph (vendored vis-network, no network access).

Graph convention (shared with :mod:`guanlian.viz.neighbourhood` and the findings ``path``):

* a :class:`networkx.MultiDiGraph` whose node ids are node keys from :mod:`guanlian.model`;
* node attributes ``kind`` (node kind name), ``name``, ``props`` (dict of model properties),
  ``src_file``, ``src_row``;
* edge attributes ``type`` (edge kind name), ``props``, ``src_file``, ``src_row`` (edge key = edge type);
* optional ``graph.graph["notes"]``: list of ``{"zh": str, "en": str}`` shown above the network
  (e.g. an ambiguous name, a truncated neighbourhood) and ``graph.graph["center"]``: list of keys the
  view is about (kept first when the node cap applies).

Safety: node ids in the page are opaque (``n0``, ``n1`` …) so keys holding resident IDs never reach the
page; every data string goes into a ``<script type="application/json">`` block with ``<``/``>``/``&``
escaped, and vis-network shows string tooltips with ``innerText``. No data is ever passed to ``innerHTML``.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from guanlian.codehash import source_fingerprint
from guanlian.finding import Finding, FindingsDoc
from guanlian.model import model
from guanlian.progress import task
from guanlian.values.files import replacing
from guanlian.values.privacy import mask_text
from guanlian.values.vocab import Lang, edge_kind_label, kind_label
from guanlian.viz.assets import asset, asset_bytes, asset_text
from guanlian.viz.labels import display_name, edge_label, edge_tooltip, node_tooltip
from guanlian.viz.neighbourhood import cite_linked_records
from guanlian.viz.safe import json_for_script, templates

HIGHLIGHT_COLOR = "#d62728"
SELF = "'self'"
"""CSP source of a library file beside the page (same folder on file://, same origin over HTTP)."""
EDGE_COLOR = "#8c8c8c"
FONT_FACE = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif'

_SHAPE_SVG: dict[str, str] = {
    "dot": '<circle cx="9" cy="9" r="7"/>',
    "box": '<rect x="1" y="4" width="16" height="10" rx="2"/>',
    "square": '<rect x="2" y="2" width="14" height="14"/>',
    "diamond": '<polygon points="9,1 17,9 9,17 1,9"/>',
    "triangle": '<polygon points="9,2 17,16 1,16"/>',
    "star": '<polygon points="9,1 11.4,6.6 17,7 12.8,10.8 14,16.5 9,13.5 4,16.5 5.2,10.8 1,7 6.6,6.6"/>',
    "hexagon": '<polygon points="5,2 13,2 17,9 13,16 5,16 1,9"/>',
}


def write_vis_library(out_dir: Path) -> str:
    """Copy the vendored vis-network file (and its licences) into ``out_dir``; return the file name.

    Views rendered with ``vis_src=`` that name load it by this relative path, so a folder of views holds
    the library once instead of once per page (and still works offline, moved or zipped).

    Example:
        >>> import tempfile
        >>> write_vis_library(Path(tempfile.mkdtemp())).startswith("vis-network-")
        True
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for role in ("js", "license-mit", "license-apache"):
        a = asset("vis-network", role)
        target = out_dir / a.file
        data = asset_bytes("vis-network", role)
        if not target.is_file() or target.read_bytes() != data:
            with replacing(target) as tmp:
                tmp.write_bytes(data)
    return asset("vis-network").file


def _vis_js() -> str:
    """The vendored vis-network standalone build (it injects its own CSS)."""
    js = asset_text("vis-network")
    if "</script" in js.lower():  # would end our inline element early
        raise RuntimeError("vis-network contains a closing script tag; cannot inline it safely")
    return js


@cache
def _init_js() -> str:
    return (resources.files("guanlian.viz") / "templates" / "view_init.js").read_text(encoding="utf-8")


def csp_hash(script: str) -> str:
    """CSP source expression allowing exactly this inline script (``'sha256-…'``)."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def _texts(lang: Lang) -> dict[str, str]:
    zh = lang == "zh"
    return {
        "legend": "图例" if zh else "Legend",
        "highlight": "线索路径" if zh else "finding path",
        "fuzzy": "疑似同一人(模糊匹配,虚线)" if zh else "possibly the same person (fuzzy, dashed)",
        "edge": "关系" if zh else "relation",
        "hint": "拖动/滚轮缩放；鼠标悬停查看属性和来源(文件, 行号)。"
        if zh
        else "Drag / scroll to zoom; hover for properties and source (file, row).",
        "nodes": "节点" if zh else "nodes",
        "edges": "边" if zh else "edges",
        "fit": "适应窗口" if zh else "Fit",
        "physics": "重新布局" if zh else "Re-layout",
    }


def _select_nodes(graph: nx.MultiDiGraph, keep_first: Iterable[str], max_nodes: int) -> list[str]:
    """Nodes to draw when the graph is over the cap: the focus first, then breadth-first outward.

    Hop layers come from :func:`networkx.bfs_layers` (edges taken as undirected). Within a layer, nodes
    follow the first node of the previous layer that reaches them (breadth-first discovery order), then
    higher degree first (hubs explain more of the picture), then key.
    """
    def rank(n: str) -> tuple[int, str]:
        return (-graph.degree(n), str(n))

    start = list(dict.fromkeys(k for k in keep_first if k in graph))
    if not start:
        start = sorted(graph.nodes, key=lambda n: -graph.degree(n))[:1]
    undirected = graph.to_undirected(as_view=True)
    order: list[str] = []
    previous: list[str] = []
    for layer in nx.bfs_layers(undirected, start):
        if not order:
            layer = start
        else:
            pos = {n: i for i, n in enumerate(previous)}
            first_parent = {n: min(pos[p] for p in undirected.neighbors(n) if p in pos) for n in layer}
            layer = sorted(layer, key=lambda n: (first_parent[n], *rank(n)))
        order.extend(layer)
        previous = layer
        if len(order) >= max_nodes:
            return order[:max_nodes]
    seen = set(order)  # disconnected parts: fill by degree
    order.extend(n for n in sorted(graph.nodes, key=rank) if n not in seen)
    return order[:max_nodes]


def _cap_note(graph: nx.MultiDiGraph, kept: set[str], lang: Lang) -> dict[str, str] | None:
    dropped = [n for n in graph.nodes if n not in kept]
    if not dropped:
        return None
    by_kind = Counter(str(graph.nodes[n].get("kind", "?")) for n in dropped)
    total = graph.number_of_nodes()
    zh_parts = "、".join(f"{kind_label(k, 'zh')} {c}" for k, c in by_kind.most_common())
    en_parts = ", ".join(f"{c} {kind_label(k, 'en')}" for k, c in by_kind.most_common())
    return {
        "zh": f"节点过多：共 {total} 个，只显示离焦点最近的 {len(kept)} 个；未显示 {len(dropped)} 个（{zh_parts}）。",
        "en": f"Too many nodes: {total} in total, showing the {len(kept)} nearest the focus; "
        f"{len(dropped)} not shown ({en_parts}).",
    }


def _legend(graph: nx.MultiDiGraph, lang: Lang) -> list[dict[str, Any]]:
    present = {str(graph.nodes[n].get("kind", "")) for n in graph.nodes}
    items: list[dict[str, Any]] = []
    for kind in model().nodes:
        if kind.name in present:
            svg = _SHAPE_SVG.get(kind.shape, _SHAPE_SVG["dot"])
            items.append({"label": kind_label(kind.name, lang), "color": kind.color, "svg": svg})
    return items


def vis_elements(
    graph: nx.MultiDiGraph,
    keys: Iterable[str],
    ids: Mapping[str, str],
    *,
    highlight: set[str] | None = None,
    lang: Lang = "zh",
    show_ids: bool = False,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """vis-network node and edge dicts for ``keys`` of ``graph`` (edges between them only).

    Args:
        graph: a graph in the module's convention.
        keys: node keys to draw, in order.
        ids: the id each node gets in the page (opaque ids such as ``n0``, or the workbench's public keys;
            never a raw key holding a resident ID).
        highlight, lang, show_ids: as for :func:`render_view`.

    Returns:
        ``(nodes, edges)`` ready for ``vis.DataSet``; labels and tooltips are plain text (shown with
        ``innerText``), IDs masked unless ``show_ids``; fuzzy edges dashed.

    Example:
        >>> g = nx.MultiDiGraph(); g.add_node("unit:a", kind="Unit", name="某局", props={})
        >>> vis_elements(g, ["unit:a"], {"unit:a": "n0"})[0][0]["label"]
        '某局'
    """
    highlight = highlight or set()
    kept_list = list(keys)
    kept = set(kept_list)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for key in kept_list:
        data = dict(graph.nodes[key])
        data.setdefault("key", key)
        kind = str(data.get("kind", ""))
        try:
            nk = model().node(kind)
            color, shape = nk.color, nk.shape
        except KeyError:
            color, shape = "#bab0ac", "dot"
        hl = key in highlight
        node_opts: dict[str, Any] = {
            "color": {
                "background": color,
                "border": HIGHLIGHT_COLOR if hl else color,
                "highlight": {"background": color, "border": "#000000"},
            },
            "title": node_tooltip(data, lang, show_ids),
            "borderWidth": 4 if hl else 1,
            "size": 22 if hl else 15,
        }
        if shape == "box":
            node_opts["font"] = {"color": "#222222"}
        node_opts.update(id=ids[key], label=display_name(data, show_ids), shape=shape)
        nodes.append(node_opts)

    for src, dst, _k, data in graph.edges(keys=True, data=True):
        if src not in kept or dst not in kept:
            continue
        etype = str(data.get("type", _k))
        props: Mapping[str, Any] = data.get("props") or {}
        hl = src in highlight and dst in highlight
        fuzzy = False
        try:
            fuzzy = model().edge(etype).fuzzy
        except KeyError:
            pass
        edges.append(
            {
                "label": mask_text(edge_label(etype, props, lang), show_ids),
                "title": edge_tooltip({**data, "type": etype}, lang, show_ids),
                "dashes": fuzzy,
                "color": {"color": HIGHLIGHT_COLOR if hl else EDGE_COLOR, "highlight": "#000000"},
                "width": 3 if hl else 1.2,
                "arrows": "to",
                "from": ids[src],
                "to": ids[dst],
            }
        )

    return nodes, edges


def render_view(
    graph: nx.MultiDiGraph,
    out: Path,
    *,
    title: str,
    highlight: set[str] | None = None,
    lang: Lang = "zh",
    show_ids: bool = False,
    max_nodes: int = 150,
    vis_src: str | None = None,
) -> Path:
    """Write ``graph`` as one offline HTML network view.

    Args:
        graph: nodes keyed by node key, with ``kind``/``name``/``props``/``src_file``/``src_row``
            attributes; edges with ``type``/``props``/``src_file``/``src_row`` (see module docstring).
        out: path of the HTML file to write (parent folders are created).
        title: page heading (plain text; escaped).
        highlight: node keys on the finding path; they and the edges between them are drawn in red.
        lang: ``"zh"`` (default) or ``"en"`` for labels, legend and notes.
        show_ids: show resident ID numbers unmasked.
        max_nodes: draw at most this many nodes; a note on the page says how many were left out.
        vis_src: relative URL of a vis-network file beside the page (see :func:`write_vis_library`);
            ``None`` inlines the library, so the page is one self-contained file.

    Returns:
        ``out``.

    Example:
        >>> import networkx as nx, tempfile, pathlib
        >>> g = nx.MultiDiGraph()
        >>> g.add_node("unit:a", kind="Unit", name="某局", props={})
        >>> g.add_node("cname:b", kind="Company", name="某公司", props={})
        >>> g.add_edge("unit:a", "cname:b", key="PAID", type="PAID", props={"count": 2, "total": 10.0})
        'PAID'
        >>> p = render_view(g, pathlib.Path(tempfile.mkdtemp()) / "v.html", title="示例")
        >>> "某公司" in p.read_text(encoding="utf-8")
        True
    """
    highlight = set(highlight or ())
    notes: list[dict[str, str]] = list(graph.graph.get("notes", []))
    focus = [*graph.graph.get("center", []), *sorted(highlight)]
    if graph.number_of_nodes() > max_nodes:
        kept_list = _select_nodes(graph, focus, max_nodes)
        kept = set(kept_list)
        note = _cap_note(graph, kept, lang)
        if note:
            notes.append(note)
    else:
        kept_list = list(graph.nodes)
        kept = set(kept_list)

    ids = {key: f"n{i}" for i, key in enumerate(kept_list)}
    nodes, edges = vis_elements(graph, kept_list, ids, highlight=highlight, lang=lang, show_ids=show_ids)

    n_edges = len(edges)
    js = _vis_js() if vis_src is None else ""
    options = {
        "nodes": {"font": {"face": FONT_FACE, "size": 16, "strokeWidth": 3, "strokeColor": "#ffffff"}},
        "edges": {
            "font": {
                "face": FONT_FACE,
                "size": 13,
                "align": "horizontal",
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
                "multi": False,
            },
            "smooth": {"type": "dynamic"},
            "arrows": {"to": {"scaleFactor": 0.6}},
        },
        "physics": {
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -120, "springLength": 170, "avoidOverlap": 0.6},
            "stabilization": {"enabled": True, "iterations": 600, "fit": True},
        },
        "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": False},
    }
    payload = {"nodes": nodes, "edges": edges, "options": options}
    texts = _texts(lang)
    html = (
        templates()
        .get_template("view.html.j2")
        .render(
            lang=lang,
            title=mask_text(title, show_ids),
            notes=[n.get(lang) or n.get("zh", "") for n in notes],
            legend=_legend(graph.subgraph(kept_list), lang),
            highlight_color=HIGHLIGHT_COLOR,
            edge_color=EDGE_COLOR,
            fuzzy_label=texts["fuzzy"],
            texts=texts,
            n_nodes=len(kept_list),
            n_edges=n_edges,
            vis_js=js,
            vis_src=vis_src,
            init_js=_init_js(),
            script_hashes=f"{csp_hash(js) if js else SELF} {csp_hash(_init_js())}",
            data_json=json_for_script(payload),
            fuzzy_edge_name=edge_kind_label("POSSIBLY_SAME", lang),
        )
    )
    out = Path(out)
    with replacing(out) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return out


def finding_graph(finding: Finding, context: nx.MultiDiGraph | None = None) -> nx.MultiDiGraph:
    """Build the graph of one finding's ``path`` (optionally merged into a wider ``context`` graph).

    Args:
        finding: one finding of a scan.
        context: e.g. a :func:`guanlian.viz.neighbourhood.neighbourhood` graph; path nodes and edges are
            added to a copy of it.

    Returns:
        A MultiDiGraph following the module's graph convention, with ``graph["center"]`` set to the
        finding's entity keys.

    Example:
        >>> from guanlian.finding import Entity, FindingPath, PathNode
        >>> f = Finding("f1", (), "示例", "Example", "low", 0.1, entities=(Entity("unit", "Unit", "A", "a"),),
        ...             path=FindingPath((PathNode("a", "Unit", "A"),)))
        >>> finding_graph(f).graph["center"]
        ['a']
    """
    g: nx.MultiDiGraph = context.copy() if context is not None else nx.MultiDiGraph()
    for node in finding.path.nodes:
        attrs = {"kind": node.kind, "name": node.name, "props": dict(node.props), "src_file": node.src_file,
                 "src_row": node.src_row}
        if node.key in g:
            g.nodes[node.key].update(attrs)
        else:
            g.add_node(node.key, **attrs)
    linked = {(r.a, r.b): r.sources() for r in finding.identity_routes()}
    for edge in finding.path.edges:
        for end in (edge.src, edge.dst):
            if end not in g:
                g.add_node(end, kind="", name="", props={})
        eattrs: dict[str, Any] = {"type": edge.type, "props": dict(edge.props), "src_file": edge.src_file,
                                  "src_row": edge.src_row}
        if edge.sources:
            eattrs["sources"] = list(edge.sources)
        elif edge.is_identity_link:
            eattrs["sources"] = linked[(edge.src, edge.dst)]
        if edge.key is not None:
            eattrs["edge_key"] = edge.key
        g.add_edge(edge.src, edge.dst, key=edge.type, **eattrs)
    g.graph["center"] = [e.key for e in finding.entities if e.key in g]
    return cite_linked_records(g)


def render_finding_view(
    finding: Finding,
    out: Path,
    *,
    context: nx.MultiDiGraph | None = None,
    lang: Lang = "zh",
    show_ids: bool = False,
    max_nodes: int = 150,
    vis_src: str | None = None,
) -> Path:
    """Write the network view of one finding, its path highlighted.

    Args:
        finding: one finding of a scan.
        out: HTML file to write.
        context: optional wider graph (a neighbourhood) drawn around the path.
        lang, show_ids, max_nodes, vis_src: as for :func:`render_view`.

    Returns:
        ``out``.

    Example:
        >>> # render_finding_view(doc.findings[0], Path("views/f1.html"))
    """
    g = finding_graph(finding, context)
    return render_view(
        g,
        out,
        title=finding.title(lang),
        highlight=set(finding.path.keys()),
        lang=lang,
        show_ids=show_ids,
        max_nodes=max_nodes,
        vis_src=vis_src,
    )


def view_filename(finding: Finding) -> str:
    """File name of a finding's view: ``view-<id>.html`` with the id reduced to safe characters."""
    fid = "".join(c for c in finding.id if c.isalnum() or c in "-_")[:64] or "finding"
    return f"view-{fid}.html"


VIEWS_INDEX = ".views-index.json"
"""Beside the views: per view file, a fingerprint of what it was drawn from and of the bytes written, so a scan
into the same folder draws again only the findings that changed (:func:`render_finding_views`)."""


def _code_fingerprint() -> str:
    """SHA-256 over the package's source, templates and static files: a view drawn by other code is drawn again."""
    return source_fingerprint(Path(__file__).parents[1], (".py", ".j2", ".js", ".json", ".css", ".txt"),
                              recursive=True)


def _view_fingerprint(finding: Finding, lang: Lang, show_ids: bool, max_nodes: int, vis_src: str | None) -> str:
    """What a finding's view depends on: the finding (every field, by ``repr`` of the frozen dataclass), the
    options and the drawing code."""
    key = repr((_code_fingerprint(), lang, show_ids, max_nodes, vis_src, finding))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _read_index(out_dir: Path) -> dict[str, dict[str, str]]:
    """The views index of ``out_dir`` (``{file name: {"input": sha, "output": sha}}``); empty when missing or
    unreadable (then every view is drawn)."""
    import json

    try:
        doc = json.loads((out_dir / VIEWS_INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    views = doc.get("views") if isinstance(doc, dict) and doc.get("version") == 1 else None
    if not isinstance(views, dict):
        return {}
    return {k: v for k, v in views.items() if isinstance(v, dict) and {"input", "output"} <= v.keys()}


def _write_index(out_dir: Path, index: Mapping[str, Mapping[str, str]]) -> None:
    import json

    with replacing(out_dir / VIEWS_INDEX) as tmp:
        tmp.write_text(json.dumps({"version": 1, "views": dict(sorted(index.items()))}, indent=0) + "\n",
                       encoding="utf-8")


def render_finding_views(
    findings_doc: FindingsDoc,
    out_dir: Path,
    *,
    lang: Lang = "zh",
    show_ids: bool = False,
    max_nodes: int = 150,
    reuse: bool = True,
) -> dict[str, Path]:
    """Write one view per finding into ``out_dir``; returns ``{finding id: path}`` for :func:`write_report`.

    The views load one shared copy of vis-network written beside them (:func:`write_vis_library`).
    With ``reuse`` (the default), a view already in ``out_dir`` is kept when the index beside it
    (:data:`VIEWS_INDEX`) says it was drawn from an equal finding with the same options and code and the file
    still holds the bytes written then: a scan after one new month draws only the findings that changed. The
    result is the same files as drawing every view (a test compares them byte for byte).

    Example:
        >>> # views = render_finding_views(doc, out / "views"); write_report(doc, out, views=views)
    """
    out_dir = Path(out_dir)
    findings = list(findings_doc.findings)
    vis_src = write_vis_library(out_dir) if findings else None
    index = _read_index(out_dir) if reuse else {}
    written: dict[str, Path] = {}
    with task("视图 / finding views", total=len(findings)) as bar:
        for f in findings:
            path = out_dir / view_filename(f)
            want = _view_fingerprint(f, lang, show_ids, max_nodes, vis_src)
            had = index.get(path.name)
            if had is not None and had["input"] == want and path.is_file() and \
                    hashlib.sha256(path.read_bytes()).hexdigest() == had["output"]:
                written[f.id] = path
            else:
                written[f.id] = render_finding_view(
                    f, path, lang=lang, show_ids=show_ids, max_nodes=max_nodes, vis_src=vis_src
                )
                index[path.name] = {"input": want, "output": hashlib.sha256(path.read_bytes()).hexdigest()}
            bar.advance()
    if findings:
        _write_index(out_dir, index)
    return written
