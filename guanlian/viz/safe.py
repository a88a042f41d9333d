"""HTML-side safety for the views and the report: the one template environment (every value escaped) and data
serialised for a ``<script>`` block.

Masking and spreadsheet safety live in :mod:`guanlian.values.privacy` (every layer uses them); this module
only holds what is specific to writing HTML.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jinja2


@cache
def templates() -> jinja2.Environment:
    """The Jinja environment of ``guanlian/viz/templates`` that the report and the views render with: every
    value autoescaped (a name like ``<script>`` stays text), an undefined name an error instead of blank.

    Example:
        >>> templates().from_string("{{ n }}").render(n="<script>")
        '&lt;script&gt;'
    """
    return jinja2.Environment(
        loader=jinja2.PackageLoader("guanlian.viz", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def json_for_script(data: Any) -> str:
    """Serialise ``data`` as JSON safe to embed inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as ``\\u003c``/``\\u003e``/``\\u0026`` so no data can close the
    script element or open a comment, whatever it contains.

    Example:
        >>> json_for_script({"n": "</script><img src=x>"})
        '{"n": "\\\\u003c/script\\\\u003e\\\\u003cimg src=x\\\\u003e"}'
    """
    s = json.dumps(data, ensure_ascii=False, default=str)
    return (
        s.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
