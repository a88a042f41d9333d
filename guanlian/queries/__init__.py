"""The saved query library (``.cypher`` files with a metadata header), its runner and the findings scan.

Thin entry points for the CLI:

* ``Library.load(extra_dirs).listing(lang)`` — ``guanlian queries``
* ``Library.load(extra_dirs).run(store, query_id, params)`` — ``guanlian run QUERY --param k=v``
* ``scan(store, params, extra_dirs)`` then ``write_findings(doc, out_dir)`` — ``guanlian scan --out DIR``
"""

from __future__ import annotations

from guanlian.queries.findings import scan, write_findings
from guanlian.queries.library import Library, QueryError
from guanlian.queries.spec import QueryFileError, SavedQuery

__all__ = ["Library", "QueryError", "QueryFileError", "SavedQuery", "scan", "write_findings"]
