"""The name forms of a person, company or unit merged from several records, with where each came from.

A node merged from several records (one resident ID, one credit code) keeps every spelling any record gave in
``names`` and the source records of each in ``name_sources`` (``<name>|<file>:<rows>``, see
:data:`guanlian.model.NAME_SOURCES`). ``find``, views, reports and the workbench show them as aliases.

Example:
    >>> aliases_text(["刘桂兰|relatives.csv:5", "劉桂蘭|companies.csv:12"])
    '刘桂兰（relatives.csv:5）；劉桂蘭（companies.csv:12）'
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ALIASES", "alias_label", "aliases_text", "name_forms", "shown_forms"]

ALIASES = "aliases"
"""The key under which a finding's path node, a view's tooltip and the workbench carry :func:`aliases_text`."""


def alias_label(lang: str) -> str:
    """``别名`` / ``aliases``.

    >>> alias_label("en")
    'aliases'
    """
    return "别名" if lang == "zh" else "aliases"


def name_forms(entries: Iterable[str] | None) -> dict[str, list[str]]:
    """Every name form of a ``name_sources`` list with the source records that gave it (``file:rows``).

    Args:
        entries: ``<name>|<file>:<rows>`` strings (a stored ``name_sources`` value), or None.

    Returns:
        ``{name: [file:rows, …]}`` in the order of ``entries`` (stored lists are sorted).

    Example:
        >>> name_forms(["刘桂兰|relatives.csv:5", "劉桂蘭|companies.csv:12", "劉桂蘭|officers.csv:3-4"])
        {'刘桂兰': ['relatives.csv:5'], '劉桂蘭': ['companies.csv:12', 'officers.csv:3-4']}
    """
    out: dict[str, list[str]] = {}
    for e in entries if entries is not None else ():
        name, sep, source = str(e).partition("|")
        if sep:
            out.setdefault(name, []).append(source)
    return out


def shown_forms(entries: Iterable[str] | None) -> dict[str, list[str]]:
    """The name forms a person reads as aliases: :func:`name_forms` with forms that differ only by spacing
    (``郭 峰`` / ``郭峰``, full-width or no-break spaces too) taken as one, shown as the first of them in
    ``entries`` (stored lists are sorted, so the same form whatever the load order) with the sources of all.

    Args:
        entries: ``<name>|<file>:<rows>`` strings (a stored ``name_sources`` value), or None.

    Returns:
        ``{shown name: [file:rows, …]}``.

    Example:
        >>> shown_forms(["郭 峰|officials.csv:3", "郭峰|shareholders.csv:8", "劉桂蘭|companies.csv:2"])
        {'郭 峰': ['officials.csv:3', 'shareholders.csv:8'], '劉桂蘭': ['companies.csv:2']}
    """
    out: dict[str, list[str]] = {}
    shown: dict[str, str] = {}
    for name, sources in name_forms(entries).items():
        first = shown.setdefault("".join(name.split()), name)
        out.setdefault(first, []).extend(s for s in sources if s not in out.get(first, []))
    return out


def aliases_text(entries: Iterable[str] | None) -> str:
    """The name forms with their sources as one line, or ``""`` when there is only one form.

    Args:
        entries: a stored ``name_sources`` value (``<name>|<file>:<rows>`` strings), or None.

    Returns:
        ``name（file:rows, …）；name（…）`` for two forms or more; ``""`` otherwise.

    Forms that differ only by spacing are one form (:func:`shown_forms`).

    Example:
        >>> aliases_text(["王芳|a.csv:2", "王芳|b.csv:7"])
        ''
        >>> aliases_text(["郭 峰|officials.csv:3", "郭峰|shareholders.csv:8"])
        ''
    """
    forms = shown_forms(entries)
    if len(forms) < 2:
        return ""
    return "；".join(f"{n}（{', '.join(src)}）" for n, src in forms.items())
