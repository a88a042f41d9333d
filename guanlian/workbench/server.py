"""Start the workbench: choose the token and port, print the one URL, run uvicorn.

Example::

    guanlian serve --store demo/store
    # http://127.0.0.1:8765/?token=…
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from guanlian.graph.store import StoreOutdated
from guanlian.values.vocab import Lang, in_language, said
from guanlian.workbench.app import LOOPBACK_HOSTS, Settings, create_app
from guanlian.workbench.service import Workbench


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``.

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0")
        (True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` right now."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host.strip("[]"), 0))
        return int(s.getsockname()[1])


def read_token(token_file: Path | None) -> str:
    """The token: the first line of ``token_file`` (at least 16 characters), else a fresh random one."""
    if token_file is None:
        return secrets.token_urlsafe(24)
    token = Path(token_file).read_text(encoding="utf-8").strip().splitlines()[0].strip()
    if len(token) < 16:
        raise said(ValueError, "令牌至少要有 16 个字符", "the token must have at least 16 characters")
    return token


def _warm_up(wb: Workbench, say: Callable[[str], None], lang: Lang) -> None:
    """Build the search index and run the scan before the first request needs them; a store that needs an
    upgrade is said on the console at once (the pages show the same message until it is fixed)."""
    try:
        wb.index()
        wb.findings_raw()
    except StoreOutdated as exc:
        say(f"错误: {in_language(exc, 'zh')}" if lang == "zh" else f"error: {in_language(exc, 'en')}")
    except Exception:  # the first request that needs them reports the same error to the user
        return


def serve(
    location: str,
    *,
    clues: Path,
    host: str = "127.0.0.1",
    port: int = 8765,
    token_file: Path | None = None,
    findings: Path | None = None,
    database: str | None = None,
    queries_dir: list[Path] | None = None,
    say: Callable[[str], None] = print,
    lang: Lang = "zh",
) -> None:
    """Run the workbench until interrupted; ``say`` gets the warning (non-loopback host) and the URL line.

    Args:
        location: store path or Neo4j URI.
        clues: clue library file.
        host: address to listen on (loopback by default; anything else is reachable from the network).
        port: TCP port; 0 picks a free one.
        token_file: read the token from this file instead of making a random one.
        findings: a findings.json to show instead of scanning the store at start.
        database: Neo4j database name.
        queries_dir: extra saved-query folders, loaded as the CLI loads them (a broken file is skipped and listed
            on the queries page; a folder that does not exist is an error).
        lang: language of the lines ``say`` gets.
    """
    import uvicorn

    token = read_token(token_file)
    doc = json.loads(Path(findings).read_text(encoding="utf-8")) if findings else None
    wb = Workbench(location, clues=clues, database=database, findings=doc, queries_dir=queries_dir)
    allowed = list(LOOPBACK_HOSTS)
    if not is_loopback(host):
        say(f"警告：工作台将监听 {host}，同一网络中的其他计算机可以访问（仍需令牌）。" if lang == "zh" else
            f"WARNING: listening on {host}; other machines on the network can reach the workbench (the token is "
            "still required).")
        allowed = ["*"]
    if port == 0:
        port = free_port(host if is_loopback(host) else "127.0.0.1")
    app = create_app(wb, Settings(token=token, allowed_hosts=tuple(allowed)))
    shown = "127.0.0.1" if host in ("127.0.0.1", "0.0.0.0", "localhost") else host
    say(f"http://{shown}:{port}/?token={token}")
    threading.Thread(target=_warm_up, args=(wb, say, lang), daemon=True).start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        wb.close()
