"""The layering rule: lower layers never import the view layer; values imports only the model."""

from __future__ import annotations

import ast
from pathlib import Path

import guanlian

ROOT = Path(guanlian.__file__).parent
LOWER = ("loaders", "clues", "matching", "graph", "queries", "values")


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_lower_layers_do_not_import_viz() -> None:
    bad = [f"{p.relative_to(ROOT)}: {m}" for pkg in LOWER for p in sorted((ROOT / pkg).rglob("*.py"))
           for m in _imports(p) if m == "guanlian.viz" or m.startswith("guanlian.viz.")]
    assert not bad, bad


def test_values_imports_only_the_model() -> None:
    bad = [f"{p.name}: {m}" for p in sorted((ROOT / "values").glob("*.py")) for m in _imports(p)
           if m.startswith("guanlian") and m != "guanlian.model" and not m.startswith("guanlian.values")]
    assert not bad, bad


def test_the_check_sees_imports() -> None:
    """Near miss: the scanner finds an import of viz where there is one."""
    assert "guanlian.viz.view" in _imports(ROOT / "workflow.py") or "guanlian.viz.report" in _imports(
        ROOT / "workflow.py")
