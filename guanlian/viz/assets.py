"""The vendored JavaScript files (``guanlian/viz/static/``) that views and the workbench load.

``scripts/vendor-js`` fetches exact versions from the npm registry and writes ``static/manifest.json``
(name, version, licence, SHA-256 per file). This module is the only reader: it looks files up by package
and role and refuses a file whose hash differs from the manifest (a hand-edited or truncated copy).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any


@dataclass(frozen=True)
class Asset:
    """One vendored file: ``package`` (npm name), ``version``, ``licence``, ``file`` (name in static/)."""

    package: str
    version: str
    licence: str
    role: str
    file: str
    sha256: str


def _static() -> Traversable:
    return resources.files("guanlian.viz") / "static"


@cache
def manifest() -> dict[str, Any]:
    """The parsed ``static/manifest.json``."""
    doc: dict[str, Any] = json.loads((_static() / "manifest.json").read_text(encoding="utf-8"))
    return doc


def asset(package: str, role: str = "js") -> Asset:
    """The vendored file of ``package`` in ``role`` (``js``, ``license``, ``license-mit`` …).

    Example:
        >>> asset("vis-network").file.startswith("vis-network-")
        True
    """
    for pkg in manifest()["packages"]:
        if pkg["name"] == package and role in pkg["assets"]:
            a = pkg["assets"][role]
            return Asset(pkg["name"], pkg["version"], pkg["licence"], role, a["file"], a["sha256"])
    raise KeyError(f"{package} ({role}) is not vendored; run scripts/vendor-js")


@cache
def asset_bytes(package: str, role: str = "js") -> bytes:
    """Content of a vendored file, checked against its manifest hash (read once per process).

    Example:
        >>> b"vis" in asset_bytes("vis-network")
        True
    """
    a = asset(package, role)
    data = (_static() / a.file).read_bytes()
    if hashlib.sha256(data).hexdigest() != a.sha256:
        raise RuntimeError(f"{a.file} differs from static/manifest.json; run scripts/vendor-js")
    return data


def asset_text(package: str, role: str = "js") -> str:
    """:func:`asset_bytes` decoded as UTF-8."""
    return asset_bytes(package, role).decode("utf-8")
