from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from guanlian.finding import FindingsDoc, PathNode
from guanlian.model import model

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "findings_sample.json"


@pytest.fixture(scope="session")
def findings_doc() -> FindingsDoc:
    return FindingsDoc.from_json(json.loads(SAMPLE.read_text(encoding="utf-8")))


def load_findings_into(store: Any, doc: FindingsDoc) -> None:
    """Write every path node and edge of the findings into a real store (for neighbourhood tests)."""
    store.ensure_schema()
    nodes: dict[str, PathNode] = {}
    for f in doc.findings:
        for n in f.path.nodes:
            nodes[n.key] = n
    for kind in model().node_names:
        rows = [
            {"key": k, "name": n.name, **n.props, "src_file": n.src_file, "src_row": n.src_row}
            for k, n in nodes.items()
            if n.kind == kind
        ]
        if rows:
            store.upsert_nodes(kind, pd.DataFrame(rows))
    kinds = {k: n.kind for k, n in nodes.items()}
    edges: dict[str, list[dict[str, Any]]] = {}
    for f in doc.findings:
        for e in f.path.edges:
            ek = f"{e.type}:{e.src}->{e.dst}"
            edges.setdefault(e.type, []).append(
                {
                    "key": ek,
                    "src": e.src,
                    "dst": e.dst,
                    "src_kind": kinds[e.src],
                    "dst_kind": kinds[e.dst],
                    **e.props,
                    "src_file": e.src_file,
                    "src_row": e.src_row,
                }
            )
    for etype, rows in edges.items():
        store.upsert_edges(etype, pd.DataFrame(rows).drop_duplicates("key"))
