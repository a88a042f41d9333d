"""``guanlian serve``: the investigator workbench, a local web app over the same store and clue library.

* :mod:`guanlian.workbench.service` — what the pages and the JSON API answer (no HTTP in it);
* :mod:`guanlian.workbench.search` — search over persons, companies, units, accounts, phones, addresses;
* :mod:`guanlian.workbench.app` — Starlette routes, Jinja2 pages, htmx, token/cookie/CSRF security;
* :mod:`guanlian.workbench.server` — start it (what the CLI calls).
"""
