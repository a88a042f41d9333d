"""The engine registry: every graph engine guanlian can use, one line each.

A ``--store`` value picks its engine here: a location ``scheme://…`` goes to the engine that lists ``scheme``,
anything else is a filesystem path for the one engine without schemes (the embedded default). Everything
above ``graph/`` asks this registry or the :class:`~guanlian.graph.store.Store` itself, never an engine's
name or class.

An engine is one module that offers two functions (the *engine module contract*):

* ``open_store(location, *, database, read_only, create) -> Store`` — open (``create=True``: or create) the
  store; with ``create=False`` a location or database that does not exist, or that is not a guanlian store,
  raises :class:`~guanlian.graph.store.StoreError` naming it and nothing is created;
* ``sidecar_dir(location, database) -> Path`` — the local folder for the files that go with the store
  (rejects, load journal, clue library, judgements, audit logs), computable without opening the store.

Adding an engine = that module + one line in :data:`ENGINES` (see docs/architecture.md, "Add an engine").

Example:
    >>> engine_for("bolt://127.0.0.1:7687").name, engine_for("demo-out/store").name
    ('neo4j', 'ladybug')
    >>> dialects()
    ('ladybug', 'neo4j')
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from guanlian.graph.store import StoreError
from guanlian.values.vocab import said

if TYPE_CHECKING:
    from guanlian.graph.store import Store


class Opener(Protocol):
    """The ``open_store`` function an engine module offers."""

    def __call__(self, location: str, *, database: str | None, read_only: bool, create: bool) -> Store: ...


@dataclass(frozen=True)
class EngineSpec:
    """One registered engine.

    Attributes:
        name: the engine name a store reports (``store.engine``).
        module: the module that implements the engine module contract (imported on first use, so the
            Neo4j driver is not loaded for an embedded store).
        schemes: URI schemes that select this engine (``bolt``, ``neo4j+s`` …); empty for the filesystem
            engine (at most one engine has none).
        dialect: the Cypher dialect of its saved-query overrides (``<query id>.<dialect>.cypher``).
        label: a human name for help texts (``--store`` lists every engine with it).
    """

    name: str
    module: str
    schemes: tuple[str, ...]
    dialect: str
    label: str

    @property
    def opener(self) -> Opener:
        """The engine's ``open_store`` function."""
        fn: Opener = getattr(importlib.import_module(self.module), "open_store")  # noqa: B009
        return fn

    @property
    def sidecar(self) -> Callable[[str, str | None], Path]:
        """The engine's ``sidecar_dir`` function."""
        fn: Callable[[str, str | None], Path] = getattr(importlib.import_module(self.module), "sidecar_dir")  # noqa: B009
        return fn


ENGINES: tuple[EngineSpec, ...] = (
    EngineSpec("ladybug", "guanlian.graph.ladybug", (), "ladybug", "LadybugDB, embedded"),
    EngineSpec("neo4j", "guanlian.graph.neo4j",
               ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"), "neo4j", "Neo4j 5"),
)
"""Every engine guanlian knows, the default (filesystem) engine first."""


def engine(name: str) -> EngineSpec:
    """The registered engine called ``name``.

    Raises:
        StoreError: no engine has that name (the message lists the registered ones).

    Example:
        >>> engine("neo4j").dialect
        'neo4j'
    """
    for spec in ENGINES:
        if spec.name == name:
            return spec
    known = ", ".join(e.name for e in ENGINES)
    raise said(StoreError, f"未知引擎 {name!r}；可选：{known}", f"unknown engine {name!r}; known: {known}")


def scheme_of(location: str) -> str | None:
    """The URI scheme of ``location`` (lower case), or None for a filesystem path.

    Example:
        >>> scheme_of("NEO4J+S://db.example.org"), scheme_of("C:/cases/store"), scheme_of("demo-out/store")
        ('neo4j+s', None, None)
    """
    head, sep, _ = location.partition("://")
    if not sep or not head or not all(c.isalnum() or c in "+-." for c in head):
        return None
    return head.lower()


def engine_for(location: str | Path) -> EngineSpec:
    """The engine a ``--store`` value selects.

    Raises:
        StoreError: a ``scheme://`` no engine registers (the message lists the known schemes).

    Example:
        >>> engine_for("neo4j+s://x.databases.neo4j.io").name
        'neo4j'
    """
    scheme = scheme_of(str(location))
    for spec in ENGINES:
        if (scheme is None and not spec.schemes) or (scheme is not None and scheme in spec.schemes):
            return spec
    known = ", ".join(f"{s}://" for e in ENGINES for s in e.schemes)
    raise said(StoreError, f"不支持的存储地址 {location!r}（协议 {scheme!r}）；请用文件夹或以下协议之一：{known}",
               f"unsupported store URI scheme {scheme!r} in {location!r}; use a folder or one of: {known}")


def is_uri(location: str) -> bool:
    """True when ``location`` is a URI of a registered server engine rather than a folder.

    Example:
        >>> is_uri("bolt://127.0.0.1:7687"), is_uri("demo-out/store")
        (True, False)
    """
    scheme = scheme_of(location)
    return scheme is not None and any(scheme in e.schemes for e in ENGINES)


def dialects() -> tuple[str, ...]:
    """The query dialects of the registered engines (each once, registry order)."""
    return tuple(dict.fromkeys(e.dialect for e in ENGINES))


def dialect_of(store: Store) -> str:
    """The query dialect of an open store (selects ``<id>.<dialect>.cypher`` overrides)."""
    return engine(store.engine).dialect


def sidecar_for(location: str | Path, database: str | None = None) -> Path:
    """The sidecar folder of a store, without opening it (see :attr:`Store.sidecar`).

    Example:
        >>> sidecar_for("demo-out/store").as_posix()
        'demo-out/store'
    """
    return engine_for(location).sidecar(str(location), database)


def data_home() -> Path:
    """guanlian's local data folder: env ``GUANLIAN_HOME``, else ``$XDG_DATA_HOME/guanlian``, else
    ``~/.local/share/guanlian``. Server engines keep their sidecar folders under ``<home>/stores/``.

    Example:
        >>> data_home().is_absolute() or "GUANLIAN_HOME" in os.environ
        True
    """
    home = os.environ.get("GUANLIAN_HOME")
    if home:
        return Path(home).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "guanlian"


def open_location(location: str | Path, *, database: str | None = None, read_only: bool = False,
                  create: bool = True) -> Store:
    """Open the store at ``location`` through its engine (see :func:`guanlian.graph.open_store`)."""
    return engine_for(location).opener(str(location), database=database, read_only=read_only, create=create)


def describe_locations() -> str:
    """One line naming what ``--store`` accepts, from the registry (the CLI's help text).

    Example:
        >>> describe_locations()
        'a folder (LadybugDB, embedded) or bolt://, bolt+s://, bolt+ssc://, neo4j://, neo4j+s://, neo4j+ssc:// (Neo4j 5)'
    """
    parts = [f"{', '.join(f'{s}://' for s in e.schemes)} ({e.label})" if e.schemes else f"a folder ({e.label})"
             for e in ENGINES]
    return " or ".join(parts)
