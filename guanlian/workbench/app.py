"""The web layer of ``guanlian serve``: Starlette routes, Jinja2 pages, htmx, the JSON API and its security.

Security, in the order a request meets it:

* Host check (loopback names only unless ``--host`` was given): a page from another site that resolves
  its own name to 127.0.0.1 (DNS rebinding) gets 400.
* Token: ``/?token=T`` (the URL ``serve`` prints) sets an HttpOnly, SameSite=Strict cookie and redirects to
  the same address without the token; the API also takes ``Authorization: Bearer T``; anything else is 401.
* CSRF: a write (POST) authenticated by the cookie must carry ``X-CSRF-Token`` (htmx sends it from the page)
  or a ``csrf_token`` form field equal to the page's token; otherwise 403. A Bearer request needs none
  (a browser never adds that header by itself).
* Every page has a Content-Security-Policy allowing scripts only from this server (no inline script, no
  eval, no other host); data for scripts sits in ``<script type="application/json">`` blocks and names are
  shown with ``textContent`` or Jinja's escaping.
* Every write is appended to ``audit.jsonl`` in the store's sidecar folder (who, when, from where, what).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from importlib import resources
from typing import Any
from urllib.parse import urlencode

import anyio
import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from guanlian.clues.library import STATUSES, TRANSITIONS, default_actor
from guanlian.graph.store import StoreOutdated
from guanlian.judgements import VERDICT_LABELS
from guanlian.model import MONEY_PROPS, TIERS
from guanlian.outputs.tables import frame_table, xlsx_bytes
from guanlian.values.money import format_money
from guanlian.values.privacy import neutralise_frame
from guanlian.values.vocab import (
    CLUE_ACTION,
    CLUE_STATUS,
    CONFIDENCE,
    RATING,
    SEVERITY,
    TIER,
    Lang,
    edge_kind_label,
    in_language,
    kind_label,
    pick,
    prop_label,
    said,
    tr,
    value_label,
)
from guanlian.viz.assets import asset, asset_bytes
from guanlian.viz.labels import money
from guanlian.viz.safe import json_for_script
from guanlian.workbench.service import BadRequest, Conflict, NotFound, StoreBusy, Workbench
from guanlian.workbench.texts import texts

COOKIE = "guanlian_session"
LANG_COOKIE = "guanlian_lang"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1"]
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SERVICE_ERRORS = (NotFound, BadRequest, Conflict, StoreBusy, StoreOutdated)
"""What the service raises for the user to read: answered with its message (JSON or the error page)."""
_OWN_STATIC = {"app.js": "text/javascript", "app.css": "text/css"}


@dataclass(frozen=True)
class Settings:
    """What ``create_app`` needs besides the :class:`Workbench`: the token and the hosts allowed."""

    token: str
    allowed_hosts: tuple[str, ...] = tuple(LOOPBACK_HOSTS)

    def derived(self, purpose: str) -> str:
        """A secret derived from the token for one purpose (cookie value, CSRF token)."""
        return hmac.new(self.token.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).hexdigest()


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("guanlian.workbench", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["json_script"] = json_for_script
    return env


class AuthMiddleware:
    """Token check for every request (see the module docstring); sets ``scope['auth']`` to ``cookie`` or
    ``bearer``."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.cookie_value = settings.derived("cookie")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        given = request.query_params.get("token")
        if given is not None:
            if hmac.compare_digest(given, self.settings.token):
                rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
                target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
                resp: Response = RedirectResponse(target, status_code=303)
                resp.set_cookie(COOKIE, self.cookie_value, httponly=True, samesite="strict", path="/")
                await resp(scope, receive, send)
                return
            await _unauthorised(request)(scope, receive, send)
            return
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and hmac.compare_digest(auth[7:].strip(), self.settings.token):
            scope["auth"] = "bearer"
        elif hmac.compare_digest(request.cookies.get(COOKIE, ""), self.cookie_value):
            scope["auth"] = "cookie"
        else:
            await _unauthorised(request)(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def request_lang(request: Request) -> Lang:
    """The language a request is answered in: its ``lang`` query parameter, else the language cookie the pages'
    zh/en switch sets, else (for a JSON API call with a bearer token or none: a script) the first of
    ``Accept-Language`` that is zh or en; Chinese when none says. Pages and the calls their scripts make
    (cookie-authenticated) stay in the page's language whatever the browser's locale.

    Example:
        >>> # GET /api/search?q=&lang=en → "en";  a script's /api/… with Accept-Language: en-GB → "en";  "/" → "zh"
    """
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in ("zh", "en"):
        return "en" if asked == "en" else "zh"
    if not request.url.path.startswith("/api/") or request.scope.get("auth") == "cookie":
        return "zh"
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in ("zh", "en") and q > 0:
            ranked.append((-q, i, primary))
    return "en" if ranked and min(ranked)[2] == "en" else "zh"


def _unauthorised(request: Request) -> Response:
    msg = pick(("需要令牌：请打开 guanlian serve 打印的链接，或在请求头加 Authorization: Bearer <令牌>。",
                "Token required: open the link `guanlian serve` printed, or send Authorization: Bearer <token>."),
               request_lang(request))
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": msg}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return PlainTextResponse(msg, status_code=401, headers={"WWW-Authenticate": "Bearer"})


def shown_value(prop: str, value: Any, lang: Lang) -> Any:
    """A graph property's value as the pages show it: amounts (integer fen, :data:`MONEY_PROPS`) as yuan
    (``¥800,000.00``), codes in words (:func:`value_label`).

    Example:
        >>> shown_value("subscribed", 80000000, "zh"), shown_value("sex", "M", "en")
        ('¥800,000.00', 'male')
    """
    if prop in MONEY_PROPS and isinstance(value, int) and not isinstance(value, bool):
        return format_money(value, lang)
    return value_label(prop, value, lang)


def create_app(wb: Workbench, settings: Settings) -> Starlette:
    """The ASGI application over ``wb``.

    Example:
        >>> # app = create_app(Workbench("demo/store", clues=Path("demo/clues.db")), Settings(token="t"))
        >>> # uvicorn.run(app, host="127.0.0.1", port=8765)
    """
    env = _env()
    csrf = settings.derived("csrf")

    lang_of = request_lang

    def page(request: Request, name: str, code: int = 200, **ctx: Any) -> HTMLResponse:
        lang = lang_of(request)
        t = texts(lang)
        ctx.setdefault("graph", None)
        other = "en" if lang == "zh" else "zh"
        switch = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", other)]
        html = env.get_template(name).render(
            lang=lang, t=t, csrf=csrf, path=request.url.path, switch_url=f"{request.url.path}?{urlencode(switch)}",
            other_lang=other, kind_label=partial(kind_label, lang=lang),
            edge_label=partial(edge_kind_label, lang=lang), sev=partial(tr, SEVERITY, lang=lang),
            conf=partial(tr, CONFIDENCE, lang=lang), status_text=partial(tr, CLUE_STATUS, lang=lang),
            action_text=partial(tr, CLUE_ACTION, lang=lang), rating_text=partial(tr, RATING, lang=lang),
            prop=lambda owner, name, is_edge=False: prop_label(owner, name, lang, is_edge=is_edge),
            val=lambda name, value: shown_value(name, value, lang),
            tier_text=partial(tr, TIER, lang=lang), verdict_text=lambda v: VERDICT_LABELS[v][lang == "en"],
            money=partial(money, lang=lang), vis_file=asset("vis-network").file,
            htmx_file=asset("htmx.org").file, actor=default_actor(), code=code, **ctx,
        )
        resp = HTMLResponse(html, status_code=code)
        if request.query_params.get("lang") in ("zh", "en"):
            resp.set_cookie(LANG_COOKIE, lang, samesite="strict", httponly=True, path="/")
        return resp

    def error_response(request: Request, exc: Exception) -> Response:
        status = {NotFound: 404, BadRequest: 400, Conflict: 409, StoreBusy: 503, StoreOutdated: 503}.get(type(exc), 500)
        message = in_language(exc, lang_of(request))
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status)
        return page(request, "error.html.j2", code=status, message=message)

    def handler(fn: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def wrapped(request: Request) -> Response:
            try:
                return await fn(request)
            except SERVICE_ERRORS as exc:
                return error_response(request, exc)

        return wrapped

    async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))

    async def write_form(request: Request) -> dict[str, str]:
        """The submitted fields of a write, after the CSRF check for cookie-authenticated requests."""
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("application/json"):
            try:
                body = json.loads(await request.body() or b"{}")
            except ValueError:
                raise said(BadRequest, "请求体不是 JSON", "the body is not valid JSON") from None
            if not isinstance(body, dict):
                raise said(BadRequest, "请求体应为 JSON 对象", "the body must be a JSON object")
            form = {str(k): str(v) for k, v in body.items() if v is not None}
        else:
            form = {k: str(v) for k, v in (await request.form()).items()}
        if request.scope.get("auth") == "cookie":
            given = request.headers.get("x-csrf-token") or form.get("csrf_token") or ""
            if not hmac.compare_digest(given, csrf):
                raise _Forbidden()
        form.pop("csrf_token", None)
        return form

    def actor_of(form: Mapping[str, str]) -> str:
        who = (form.get("by") or "").strip()
        return who or default_actor()

    async def audited(request: Request, what: Callable[[dict[str, str]], dict[str, Any]], label: str) -> Response:
        try:
            form = await write_form(request)
        except _Forbidden:
            wb.audit("?", _client(request), request.method, request.url.path, {"action": label}, 403)
            return JSONResponse({"error": pick(("CSRF 令牌无效或缺失", "invalid or missing CSRF token"), lang_of(request))},
                                status_code=403)
        except BadRequest as exc:  # a body that is not a JSON object
            wb.audit("?", _client(request), request.method, request.url.path, {"action": label}, 400)
            return error_response(request, exc)
        who = actor_of(form)
        try:
            out = await call(what, form)
        except SERVICE_ERRORS as exc:
            resp = error_response(request, exc)
            wb.audit(who, _client(request), request.method, request.url.path, {"action": label, **form},
                     resp.status_code)
            return resp
        wb.audit(who, _client(request), request.method, request.url.path, {"action": label, **form}, 200)
        headers: dict[str, str] = {}
        if request.headers.get("hx-request"):  # the page shows the new state: reload it, or go where it asked
            nxt = form.get(f"next_{form.get('verdict', '')}") or form.get("next", "")
            local = nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt
            headers = {"HX-Redirect": nxt} if local else {"HX-Refresh": "true"}
        return JSONResponse(out, headers=headers)

    # -- pages -----------------------------------------------------------------------------------

    @handler
    async def home(request: Request) -> Response:
        q = request.query_params.get("q", "")
        hits = (await call(wb.search, q))["hits"] if q.strip() else []
        return page(request, "search.html.j2", q=q, hits=hits)

    @handler
    async def entity_page(request: Request) -> Response:
        lang = lang_of(request)
        key = request.path_params["key"]
        ent = await call(wb.entity, key, lang)
        tl = await call(wb.timeline, key)
        return page(request, "entity.html.j2", e=ent, timeline=tl, graph=ent["graph"])

    @handler
    async def path_page(request: Request) -> Response:
        p = request.query_params
        result = None
        if p.get("from") and p.get("to"):
            result = await call(wb.path, p["from"], p["to"], p.get("max_hops"), lang_of(request))
        return page(request, "path.html.j2", result=result, frm=p.get("from", ""), to=p.get("to", ""),
                    max_hops=p.get("max_hops", "4"), graph=result["graph"] if result else None)

    @handler
    async def findings_page(request: Request) -> Response:
        params = dict(request.query_params)
        params.pop("lang", None)
        res = await call(wb.findings, params)
        shown = dict.fromkeys(("unit", "person", "company", "query", "severity", "confidence", "from", "to",
                               "min_amount"), "")
        return page(request, "findings.html.j2", res=res, f={**shown, **params})

    @handler
    async def finding_page(request: Request) -> Response:
        f = await call(wb.finding, request.path_params["fid"], lang_of(request))
        return page(request, "finding.html.j2", f=f, graph=f["graph"])

    @handler
    async def queries_page(request: Request) -> Response:
        listing = await call(wb.queries)
        return page(request, "queries.html.j2", queries=listing["queries"], problems=listing["problems"])

    @handler
    async def query_page(request: Request) -> Response:
        qid = request.path_params["qid"]
        qs = {q["id"]: q for q in (await call(wb.queries))["queries"]}
        if qid not in qs:
            raise said(NotFound, f"没有这个已存查询：{qid!r}", f"no saved query {qid!r}")
        params = {k: v for k, v in request.query_params.items() if k not in ("lang", "run")}
        df = await call(wb.run_query, qid, params) if request.query_params.get("run") else None
        rows = df.head(500).astype(object).where(df.head(500).notna(), None).values.tolist() if df is not None else []
        return page(request, "query.html.j2", q=qs[qid], params=params, columns=list(df.columns) if df is not None
                    else [], rows=rows, total=len(df) if df is not None else None,
                    export=urlencode(params))

    @handler
    async def clues_page(request: Request) -> Response:
        wanted = request.query_params.get("status") or None
        return page(request, "clues.html.j2", clues=(await call(wb.clues, wanted))["clues"], status=wanted,
                    statuses=STATUSES)

    @handler
    async def links_page(request: Request) -> Response:
        params = {k: v for k, v in request.query_params.items() if k != "lang"}
        res = await call(wb.links, params)
        return page(request, "links.html.j2", res=res, f={"name": "", "tier": "", **params}, tiers=TIERS,
                    next_query=urlencode({**params, "page": res["page"] + 1}))

    @handler
    async def clue_page(request: Request) -> Response:
        c = await call(wb.clue, request.path_params["cid"], lang_of(request))
        allowed = [a for a, (frm, _to) in TRANSITIONS.items() if c["status"] in frm]
        if c["new_info"]:
            allowed.append("acknowledge")
        return page(request, "clue.html.j2", c=c, allowed=allowed, ratings=list(RATING))

    # -- JSON API --------------------------------------------------------------------------------

    def int_q(request: Request, name: str, default: int) -> int:
        v = request.query_params.get(name)
        if v is None:
            return default
        try:
            return int(v)
        except ValueError:
            raise said(BadRequest, f"{name} 应为整数，而不是 {v!r}", f"{name} must be an integer, not {v!r}") from None

    @handler
    async def api_search(request: Request) -> Response:
        p = request.query_params
        if "q" not in p:
            raise said(BadRequest, "缺少参数 q", "missing parameter q")
        return JSONResponse(await call(wb.search, p["q"], p.get("kinds"), int_q(request, "limit", 20)))

    @handler
    async def api_entity(request: Request) -> Response:
        return JSONResponse(await call(wb.entity, request.path_params["key"], lang_of(request)))

    @handler
    async def api_timeline(request: Request) -> Response:
        return JSONResponse(await call(wb.timeline, request.path_params["key"]))

    @handler
    async def api_neighbours(request: Request) -> Response:
        return JSONResponse(await call(wb.neighbours, request.path_params["key"], lang_of(request)))

    @handler
    async def api_path(request: Request) -> Response:
        p = request.query_params
        if not p.get("from") or not p.get("to"):
            raise BadRequest("需要参数 from 和 to（实体键）/ parameters from and to (entity keys) are required")
        return JSONResponse(await call(wb.path, p["from"], p["to"], p.get("max_hops"), lang_of(request)))

    @handler
    async def api_findings(request: Request) -> Response:
        return JSONResponse(await call(wb.findings, dict(request.query_params)))

    @handler
    async def api_finding(request: Request) -> Response:
        return JSONResponse(await call(wb.finding, request.path_params["fid"], lang_of(request)))

    @handler
    async def api_queries(request: Request) -> Response:
        return JSONResponse(await call(wb.queries))

    @handler
    async def api_query(request: Request) -> Response:
        qid = request.path_params["qid"]
        params = {k: v for k, v in request.query_params.items() if k not in ("format", "lang")}
        fmt = request.query_params.get("format", "json")
        if fmt not in ("json", "csv", "xlsx"):
            raise said(BadRequest, "format 只能是 json、csv 或 xlsx", "format must be json, csv or xlsx")
        df = await call(wb.run_query, qid, params)
        if fmt == "json":
            rows = json.loads(df.to_json(orient="records", force_ascii=False, date_format="iso"))
            return JSONResponse({"id": qid, "params": params, "columns": list(map(str, df.columns)),
                                 "rows": rows})
        disposition = {"Content-Disposition": f'attachment; filename="{qid}.{fmt}"'}
        if fmt == "csv":
            return Response(neutralise_frame(df).to_csv(index=False).encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                            headers=disposition)
        # the same sheet `run --format xlsx` writes: bold frozen header, autofilter, text cells, lists joined
        body = xlsx_bytes(frame_table(df, qid, lang=lang_of(request)))
        return Response(body, headers=disposition,
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @handler
    async def api_clues(request: Request) -> Response:
        p = request.query_params
        return JSONResponse(await call(wb.clues, p.get("status"), p.get("severity")))

    @handler
    async def api_clue(request: Request) -> Response:
        return JSONResponse(await call(wb.clue, request.path_params["cid"], lang_of(request)))

    @handler
    async def api_clue_stats(request: Request) -> Response:
        return JSONResponse(await call(wb.clue_stats))

    @handler
    async def clue_stats_page(request: Request) -> Response:
        from guanlian.clues.stats import OUTCOMES

        lang = lang_of(request)
        words = {"dismissed": ("已排除", "dismissed"), "closed": ("予以了结", "closed at triage"),
                 "open": ("未结", "open")}

        def outcome_text(o: str) -> str:
            return tr(RATING, o, lang) if o in RATING else words[o][lang == "en"]

        return page(request, "clue_stats.html.j2", s=await call(wb.clue_stats), outcomes=OUTCOMES,
                    outcome_text=outcome_text)

    @handler
    async def api_links(request: Request) -> Response:
        return JSONResponse(await call(wb.links, dict(request.query_params)))

    @handler
    async def api_judgements(request: Request) -> Response:
        return JSONResponse(await call(wb.judgements, request.query_params.get("target")))

    async def api_judge(request: Request) -> Response:
        def do(form: dict[str, str]) -> dict[str, Any]:
            return wb.judge(form, actor_of(form))

        return await audited(request, do, "judgement")

    async def api_file_clue(request: Request) -> Response:
        def do(form: dict[str, str]) -> dict[str, Any]:
            if not form.get("finding_id"):
                raise said(BadRequest, "需要 finding_id", "finding_id is required")
            return wb.file_clue(form["finding_id"], actor_of(form))

        return await audited(request, do, "file_clue")

    async def api_transition(request: Request) -> Response:
        cid = request.path_params["cid"]

        def do(form: dict[str, str]) -> dict[str, Any]:
            return wb.transition(cid, form, actor_of(form))

        return await audited(request, do, "clue_transition")

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name in _OWN_STATIC:
            data = (resources.files("guanlian.workbench") / "static" / name).read_bytes()
            return Response(data, media_type=_OWN_STATIC[name])
        for pkg in ("vis-network", "htmx.org"):
            if name == asset(pkg).file:
                return Response(asset_bytes(pkg), media_type="text/javascript")
        return PlainTextResponse("not found", status_code=404)

    routes = [
        Route("/", home),
        Route("/entity/{key:path}", entity_page),
        Route("/path", path_page),
        Route("/findings", findings_page),
        Route("/findings/{fid}", finding_page),
        Route("/queries", queries_page),
        Route("/queries/{qid}", query_page),
        Route("/links", links_page),
        Route("/clues", clues_page),
        Route("/clues/stats", clue_stats_page),
        Route("/clues/{cid}", clue_page),
        Route("/api/search", api_search),
        Route("/api/entity/{key:path}/timeline", api_timeline),
        Route("/api/entity/{key:path}", api_entity),
        Route("/api/neighbours/{key:path}", api_neighbours),
        Route("/api/path", api_path),
        Route("/api/findings", api_findings),
        Route("/api/findings/{fid}", api_finding),
        Route("/api/queries", api_queries),
        Route("/api/queries/{qid}", api_query),
        Route("/api/links", api_links),
        Route("/api/judgements", api_judgements, methods=["GET"]),
        Route("/api/judgements", api_judge, methods=["POST"]),
        Route("/api/clues", api_clues, methods=["GET"]),
        Route("/api/clues", api_file_clue, methods=["POST"]),
        Route("/api/clues/stats", api_clue_stats),
        Route("/api/clues/{cid}", api_clue),
        Route("/api/clues/{cid}/transition", api_transition, methods=["POST"]),
        Route("/static/{name}", static),
    ]
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts)),
        Middleware(AuthMiddleware, settings=settings),
    ]
    return Starlette(routes=routes, middleware=middleware)


class _Forbidden(Exception):
    """A cookie-authenticated write without the page's CSRF token."""


def _client(request: Request) -> str:
    return f"{request.client.host}:{request.client.port}" if request.client else "?"
