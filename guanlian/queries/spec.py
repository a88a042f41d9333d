"""Saved-query files: the ``//`` metadata header, parsed strictly into typed objects.

A saved query is one ``<id>.cypher`` file. It starts with a header: a block of ``//`` comment lines between
two ``// ---`` lines, holding YAML (parsed with PyYAML's safe loader), then the Cypher text. Per-engine
overrides ``<id>.neo4j.cypher`` / ``<id>.ladybug.cypher`` beside it hold only Cypher (no header).

Every mistake raises :class:`QueryFileError` naming the file and line.

Example:
    >>> text = '''// ---
    ... // id: demo
    ... // title_zh: 演示
    ... // title_en: Demo
    ... // severity: low
    ... // why_zh: 演示用
    ... // why_en: for the doctest
    ... // params:
    ... //   n: {type: int, default: 1, doc: how many}
    ... // returns:
    ... //   unit: {node: Unit, role: unit}
    ... // example: 某局
    ... // ---
    ... MATCH (u:Unit) RETURN u.key AS unit LIMIT $n
    ... '''
    >>> q = parse_query_text(text, "demo.cypher")
    >>> q.params["n"].default, q.node_columns()[0].role
    (1, 'unit')
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from guanlian.graph.engines import dialects
from guanlian.model import TIERS, model, tier_rank
from guanlian.queries.explain import EXPLAINERS, GENERIC_KEYS, providers
from guanlian.values.money import to_fen, yuan
from guanlian.values.vocab import SEVERITIES, TIER, Severity, in_language, parse_choice, said

ParamType = Literal["int", "float", "string", "bool", "tier", "money"]
PARAM_TYPES: tuple[ParamType, ...] = ("int", "float", "string", "bool", "tier", "money")
ValueType = Literal["int", "float", "string", "bool", "list", "money"]
VALUE_TYPES: tuple[ValueType, ...] = ("int", "float", "string", "bool", "list", "money")
"""``money`` is an amount: written in yuan by users and in headers, integer fen in Cypher and result rows."""
ENGINES: tuple[str, ...] = dialects()
"""Query dialects of the registered engines (:mod:`guanlian.graph.engines`): ``<id>.<dialect>.cypher``
overrides a query's text on engines of that dialect."""

REQUIRED_KEYS = ("id", "title_zh", "title_en", "severity", "why_zh", "why_en", "params", "returns", "example")
OPTIONAL_KEYS = ("explain_zh", "explain_en", "explain", "tags", "case")
FENCE = "---"


class QueryFileError(ValueError):
    """A saved query file is wrong; the message starts with ``file:line:``."""

    def __init__(self, path: str | Path, line: int | None, message: str, *, zh: str | None = None) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")
        self.en = f"{where}: {message}"
        self.zh = f"{where}：{zh or message}"
        """The message in Chinese and English (:func:`~guanlian.values.vocab.in_language`); ``str()`` is English."""


@dataclass(frozen=True, slots=True)
class Param:
    """A declared query parameter.

    ``tier`` parameters are written as tier names (``possible``/``probable``/``certain``) and reach Cypher as
    their rank (0/1/2), so queries compare them with ``tier_rank`` on POSSIBLY_SAME edges. ``money`` parameters
    are written in yuan (``50000``, ``4.5万`` is not accepted) and reach Cypher as integer fen, converted exactly.

    >>> Param("threshold", "money", None).to_cypher(Param("threshold", "money", None).coerce("50000.01"))
    5000001
    """

    name: str
    type: ParamType
    default: Any
    doc: str = ""

    def coerce(self, value: object) -> Any:
        """Typed value from a string (CLI) or a Python value; ValueError says what was expected."""
        if self.type == "tier":  # a tier name in English or Chinese (possible / 可能)
            return parse_choice({t: TIER[t] for t in TIERS}, str(value), self.name)
        if self.type == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "y", "on", "是"):
                return True
            if text in ("0", "false", "no", "n", "off", "否"):
                return False
            raise said(ValueError, f"{self.name}：应为 true 或 false（是/否），而不是 {value!r}", f"{self.name}: expected true/false, got {value!r}")
        if self.type == "int":
            if isinstance(value, bool):
                raise said(ValueError, f"{self.name}：应为整数，而不是 {value!r}", f"{self.name}: expected an integer, got {value!r}")
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            try:
                return int(str(value).strip().replace(",", "").replace("_", ""))
            except ValueError:
                raise said(ValueError, f"{self.name}：应为整数，而不是 {value!r}", f"{self.name}: expected an integer, got {value!r}") from None
        if self.type == "money":
            try:
                return yuan(to_fen(value))
            except ValueError:
                raise said(ValueError, f"{self.name}：应为以元计的金额，而不是 {value!r}", f"{self.name}: expected an amount in yuan, got {value!r}") from None
        if self.type == "float":
            if isinstance(value, bool):
                raise said(ValueError, f"{self.name}：应为数字，而不是 {value!r}", f"{self.name}: expected a number, got {value!r}")
            if isinstance(value, int | float):
                return float(value)
            text = str(value).strip().replace(",", "").replace("_", "")
            try:
                return float(text[:-1]) / 100 if text.endswith("%") else float(text)
            except ValueError:
                raise said(ValueError, f"{self.name}：应为数字，而不是 {value!r}", f"{self.name}: expected a number, got {value!r}") from None
        return str(value)

    def to_cypher(self, value: Any) -> Any:
        """The value handed to the engine (tier names become ranks)."""
        if self.type == "money":
            return to_fen(value)
        return tier_rank(value) if self.type == "tier" else value


@dataclass(frozen=True, slots=True)
class Column:
    """A declared result column.

    Exactly one of ``nodes`` (the column holds node keys of these kinds, with a ``role``), ``edges`` (edge keys
    of these types) or ``type`` (a plain value) is set. ``many`` marks a list of keys.
    """

    name: str
    nodes: tuple[str, ...] = ()
    edges: tuple[str, ...] = ()
    type: ValueType | None = None
    role: str = ""
    many: bool = False
    doc: str = ""
    ends: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SavedQuery:
    """One saved query: its header and its Cypher text per engine."""

    id: str
    path: Path
    title_zh: str
    title_en: str
    severity: Severity
    why_zh: str
    why_en: str
    params: dict[str, Param]
    returns: tuple[Column, ...]
    example: str
    cypher: str
    body_line: int
    overrides: dict[str, tuple[Path, str]] = field(default_factory=dict)
    explain_zh: str = ""
    explain_en: str = ""
    tags: tuple[str, ...] = ()
    explainers: tuple[str, ...] = ()
    """Names of the :mod:`guanlian.queries.explain` helpers the explanation templates need (header ``explain``)."""
    case: tuple[str, ...] = ()
    """Node columns whose values are the case's actors (header ``case``; default: every node column). Rows of
    any query with the same actors (role and node key) are one case, one finding; columns left out are routes
    (e.g. the registry record a fuzzy link reaches), cited as supporting evidence."""

    def case_columns(self) -> list[Column]:
        """The node columns that identify the case (header ``case``, else every node column)."""
        return [c for c in self.node_columns() if not self.case or c.name in self.case]

    def text_for(self, engine: str) -> tuple[Path, str, int]:
        """(file, Cypher text, line of the text's first line in that file) for query dialect ``engine``."""
        if engine in self.overrides:
            path, text = self.overrides[engine]
            return path, text, 1
        return self.path, self.cypher, self.body_line

    def node_columns(self) -> list[Column]:
        return [c for c in self.returns if c.nodes]

    def edge_columns(self) -> list[Column]:
        return [c for c in self.returns if c.edges]

    def column(self, name: str) -> Column:
        for c in self.returns:
            if c.name == name:
                return c
        raise KeyError(name)


_PARAM_TOKEN = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_STRINGS_AND_COMMENTS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|//[^\n]*|/\*.*?\*/", re.S)


def cypher_params(text: str) -> list[tuple[str, int]]:
    """``$name`` tokens in Cypher text (outside strings and comments) with their 1-based line numbers.

    Example:
        >>> cypher_params("MATCH (n) // $not\\nWHERE n.x = $a AND n.s = '$b' RETURN n")
        [('a', 2)]
    """
    blanked = _STRINGS_AND_COMMENTS.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    out: list[tuple[str, int]] = []
    for m in _PARAM_TOKEN.finditer(blanked):
        out.append((m.group(1), blanked.count("\n", 0, m.start()) + 1))
    return out


def _split_header(text: str, path: Path) -> tuple[str, int, str, int]:
    """(YAML text, file line of its first line, Cypher body, file line of the body's first line)."""
    lines = text.splitlines()
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None or lines[first].strip().lstrip("/").strip() != FENCE or not lines[first].lstrip().startswith("//"):
        raise QueryFileError(path, (first or 0) + 1, "a saved query starts with a '// ---' header line", zh="保存的查询应以 '// ---' 文件头行开始")
    yaml_lines: list[str] = []
    for i in range(first + 1, len(lines)):
        ln = lines[i]
        stripped = ln.lstrip()
        if not stripped.startswith("//"):
            raise QueryFileError(path, i + 1, "header line must start with '//' (close the header with '// ---')", zh="文件头的每行应以 '//' 开始（文件头以 '// ---' 结束）")
        content = stripped[2:]
        if content.strip() == FENCE:
            body_start = i + 1
            body = "\n".join(lines[body_start:])
            if not body.strip():
                raise QueryFileError(path, i + 1, "no Cypher text after the header", zh="文件头之后没有 Cypher 语句")
            return "\n".join(yaml_lines), first + 2, body, body_start + 1
        yaml_lines.append(content[1:] if content.startswith(" ") else content)
    raise QueryFileError(path, first + 1, "header is not closed with a '// ---' line", zh="文件头没有以 '// ---' 行结束")


def _key_line(yaml_text: str, start: int, key: str, after: int = 0) -> int:
    """File line of the first ``key:`` at or after file line ``after``."""
    for i, ln in enumerate(yaml_text.splitlines()):
        if start + i >= after and re.match(rf"\s*{re.escape(key)}\s*:", ln):
            return start + i
    return max(start, after)


def _text(meta: dict[str, Any], key: str, path: Path, line: int) -> str:
    value = meta.get(key)
    if not isinstance(value, str) or not value.strip():
        raise QueryFileError(path, line, f"'{key}' must be a non-empty text", zh=f"'{key}' 应为非空文本")
    return value.strip()


def _kinds(value: object, known: list[str], what: str, path: Path, line: int) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
        raise QueryFileError(path, line, f"'{what}' must be a kind name or a list of kind names", zh=f"'{what}' 应为类型名或类型名列表")
    for x in items:
        if x not in known:
            raise QueryFileError(path, line, f"unknown {what} kind {x!r}; known: {', '.join(known)}", zh=f"未知的 {what} 类型 {x!r}；可选：{', '.join(known)}")
    return tuple(items)


def _parse_params(raw: object, path: Path, line: int, where: Callable[[str], int]) -> dict[str, Param]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise QueryFileError(path, line, "'params' must be a mapping name: {type, default, doc}", zh="'params' 应为映射 参数名: {type, default, doc}")
    out: dict[str, Param] = {}
    for name, spec in raw.items():
        line = where(str(name))
        if not isinstance(name, str) or not name.isidentifier():
            raise QueryFileError(path, line, f"parameter name {name!r} is not an identifier", zh=f"参数名 {name!r} 不是合法的标识符")
        if not isinstance(spec, dict) or set(spec) - {"type", "default", "doc"} or "type" not in spec:
            raise QueryFileError(path, line, f"parameter {name!r}: expected {{type, default, doc}}", zh=f"参数 {name!r} 应为 {{type, default, doc}}")
        if spec["type"] not in PARAM_TYPES:
            raise QueryFileError(path, line, f"parameter {name!r}: type must be one of {', '.join(PARAM_TYPES)}", zh=f"参数 {name!r} 的 type 只能是 {', '.join(PARAM_TYPES)}")
        p = Param(name, spec["type"], None, str(spec.get("doc", "")))
        if "default" not in spec:
            raise QueryFileError(path, line, f"parameter {name!r} needs a default", zh=f"参数 {name!r} 需要默认值（default）")
        try:
            default = p.coerce(spec["default"])
        except ValueError as exc:
            raise QueryFileError(path, line, f"bad default: {exc}", zh=f"默认值有误：{in_language(exc, 'zh')}") from None
        out[name] = Param(name, spec["type"], default, str(spec.get("doc", "")))
    return out


def _parse_returns(raw: object, path: Path, section: int, where: Callable[[str], int]) -> tuple[Column, ...]:
    if not isinstance(raw, dict) or not raw:
        raise QueryFileError(path, section, "'returns' must be a non-empty mapping column: {node|edge|type, ...}", zh="'returns' 应为非空映射 列名: {node|edge|type, ...}")
    m = model()
    cols: list[Column] = []
    for name, spec in raw.items():
        line = where(str(name))
        if not isinstance(name, str) or not name.isidentifier():
            raise QueryFileError(path, line, f"column name {name!r} is not an identifier", zh=f"列名 {name!r} 不是合法的标识符")
        if not isinstance(spec, dict):
            raise QueryFileError(path, line, f"column {name!r}: expected a mapping", zh=f"列 {name!r} 应为映射")
        extra = set(spec) - {"node", "edge", "type", "role", "many", "doc", "ends"}
        if extra:
            raise QueryFileError(path, line, f"column {name!r}: unknown keys {sorted(extra)}", zh=f"列 {name!r} 有未知的键 {sorted(extra)}")
        what = [k for k in ("node", "edge", "type") if k in spec]
        if len(what) != 1:
            raise QueryFileError(path, line, f"column {name!r}: give exactly one of node, edge, type", zh=f"列 {name!r} 应恰好给出 node、edge、type 之一")
        many = bool(spec.get("many", False))
        doc = str(spec.get("doc", ""))
        if what[0] == "node":
            role = spec.get("role")
            if not isinstance(role, str) or not role:
                raise QueryFileError(path, line, f"node column {name!r} needs a role (official, relative, …)", zh=f"节点列 {name!r} 需要 role（official、relative 等）")
            cols.append(Column(name, nodes=_kinds(spec["node"], m.node_names, "node", path, line), role=role,
                               many=many, doc=doc))
        elif what[0] == "edge":
            ends = spec.get("ends") or []
            if not isinstance(ends, list) or len(ends) not in (0, 2) or not all(e in raw for e in ends):
                raise QueryFileError(path, line, f"column {name!r}: ends must name two returned node columns", zh=f"列 {name!r} 的 ends 应为两个返回的节点列")
            cols.append(Column(name, edges=_kinds(spec["edge"], m.edge_names, "edge", path, line), many=many,
                               doc=doc, ends=tuple(ends)))
        else:
            if spec["type"] not in VALUE_TYPES:
                raise QueryFileError(path, line, f"column {name!r}: type must be one of {', '.join(VALUE_TYPES)}", zh=f"列 {name!r} 的 type 只能是 {', '.join(VALUE_TYPES)}")
            cols.append(Column(name, type=spec["type"], doc=doc))
    return tuple(cols)


def parse_query_text(text: str, path: str | Path) -> SavedQuery:
    """Parse a saved query file's text (header + Cypher); raises :class:`QueryFileError`.

    Args:
        text: the whole file.
        path: its path (for messages and the id check).

    Returns:
        The :class:`SavedQuery` (without overrides; :func:`load_query_file` adds them).
    """
    path = Path(path)
    yaml_text, ystart, body, bstart = _split_header(text, path)
    try:
        meta = yaml.safe_load(yaml_text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = ystart + mark.line if mark else ystart
        raise QueryFileError(path, line, f"header is not valid YAML: {exc.problem or exc}", zh=f"文件头不是有效的 YAML：{exc.problem or exc}") from None
    if not isinstance(meta, dict):
        raise QueryFileError(path, ystart, "header must be a mapping of keys", zh="文件头应为键值映射")
    for k in meta:
        if k not in REQUIRED_KEYS and k not in OPTIONAL_KEYS:
            raise QueryFileError(path, _key_line(yaml_text, ystart, str(k)), f"unknown header key {k!r}", zh=f"文件头中有未知的键 {k!r}")
    for k in REQUIRED_KEYS:
        if k not in meta:
            raise QueryFileError(path, ystart, f"header lacks '{k}'", zh=f"文件头缺少 '{k}'")

    def at(key: str) -> int:
        return _key_line(yaml_text, ystart, key)

    qid = _text(meta, "id", path, at("id"))
    stem = path.name.removesuffix(".cypher")
    if qid != stem:
        raise QueryFileError(path, at("id"), f"id {qid!r} must equal the file name {stem!r}", zh=f"id {qid!r} 应与文件名 {stem!r} 相同")
    severity = meta["severity"]
    if severity not in SEVERITIES:
        raise QueryFileError(path, at("severity"), f"severity must be one of {', '.join(SEVERITIES)}", zh=f"severity 只能是 {', '.join(SEVERITIES)}")
    example = meta["example"]
    if isinstance(example, dict | list):
        example = yaml.safe_dump(example, allow_unicode=True, sort_keys=False)
    if not isinstance(example, str) or not example.strip():
        raise QueryFileError(path, at("example"), "'example' must describe an example hit", zh="'example' 应描述一个命中示例")
    pline, rline = at("params"), at("returns")
    params = _parse_params(meta["params"], path, pline, lambda n: _key_line(yaml_text, ystart, n, pline))
    returns = _parse_returns(meta["returns"], path, rline, lambda n: _key_line(yaml_text, ystart, n, rline))
    tags = meta.get("tags") or []
    explainers = _parse_explainers(meta.get("explain"), path, at("explain"))
    case = _parse_case(meta.get("case"), returns, path, at("case"))
    q = SavedQuery(
        id=qid, path=path, title_zh=_text(meta, "title_zh", path, at("title_zh")),
        title_en=_text(meta, "title_en", path, at("title_en")), severity=severity,
        why_zh=_text(meta, "why_zh", path, at("why_zh")), why_en=_text(meta, "why_en", path, at("why_en")),
        params=params, returns=returns, example=example.strip(), cypher=body, body_line=bstart,
        explain_zh=str(meta.get("explain_zh") or "").strip(), explain_en=str(meta.get("explain_en") or "").strip(),
        tags=tuple(str(t) for t in tags), explainers=explainers, case=case,
    )
    check_params_declared(q, path, body, bstart)
    for key in ("explain_zh", "explain_en"):
        check_template(q, key, path, at(key))
    return q


def _parse_case(raw: object, returns: tuple[Column, ...], path: Path, line: int) -> tuple[str, ...]:
    """The header's ``case``: a list of node column names (the case's actors)."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw or not all(isinstance(n, str) and n for n in raw):
        raise QueryFileError(path, line, "'case' must be a list of node column names (the case's actors)", zh="'case' 应为节点列名列表（案件的当事人）")
    nodes = [c.name for c in returns if c.nodes]
    for n in raw:
        if n not in nodes:
            raise QueryFileError(path, line, f"case column {n!r} is not a node column; node columns: {', '.join(nodes)}", zh=f"case 中的列 {n!r} 不是节点列；节点列：{', '.join(nodes)}")
    return tuple(dict.fromkeys(raw))


def _parse_explainers(raw: object, path: Path, line: int) -> tuple[str, ...]:
    """The header's ``explain``: one explainer name or a list of them, each registered."""
    if raw is None:
        return ()
    names = [raw] if isinstance(raw, str) else raw
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise QueryFileError(path, line, "'explain' must be an explainer name or a list of explainer names", zh="'explain' 应为解释器名或解释器名列表")
    for n in names:
        if n not in EXPLAINERS:
            raise QueryFileError(path, line, f"unknown explainer {n!r}; known: {', '.join(sorted(EXPLAINERS))}", zh=f"未知的解释器 {n!r}；可选：{', '.join(sorted(EXPLAINERS))}")
    return tuple(dict.fromkeys(names))


def template_keys(q: SavedQuery) -> set[str]:
    """Keys an explanation template of ``q`` may use: parameters, returned columns (``<x>`` for an integer
    ``<x>_day`` column too), the generic keys and the keys of the declared explainers."""
    cols = [c.name for c in q.returns]
    keys = {*q.params, *cols, *(c[:-4] for c in cols if c.endswith("_day")), *GENERIC_KEYS}
    for name in q.explainers:
        keys.update(EXPLAINERS[name].provides)
    return keys


def check_template(q: SavedQuery, key: str, path: Path, line: int) -> None:
    """Raise when template ``key`` (``explain_zh``/``explain_en``) is malformed or uses a placeholder that
    nothing provides (the message names the explainer that would)."""
    template = q.explain_zh if key == "explain_zh" else q.explain_en
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise QueryFileError(path, line, f"{key} is not a valid template: {exc}", zh=f"{key} 不是有效的模板：{exc}") from None
    known = template_keys(q)
    for f in fields:
        name = re.split(r"[.\[]", f, maxsplit=1)[0]
        if name in known:
            continue
        hint = providers(name)
        fix = (f"declare the explainer that provides it (explain: [{', '.join(hint)}])" if hint
               else "return it as a column or declare it as a parameter")
        fix_zh = (f"请声明提供它的解释器（explain: [{', '.join(hint)}]）" if hint
                  else "请把它作为列返回，或声明为参数")
        raise QueryFileError(path, line, f"{key} uses {{{f}}}, which nothing provides; {fix}", zh=f"{key} 用到了 {{{f}}}，但没有任何来源提供它；{fix_zh}")


def check_params_declared(q: SavedQuery, path: Path, text: str, first_line: int) -> None:
    """Raise when the Cypher text uses a ``$name`` the header does not declare."""
    for name, line in cypher_params(text):
        if name not in q.params:
            raise QueryFileError(path, first_line + line - 1, f"${name} is used but not declared under params", zh=f"用到了 ${name}，但没有在 params 中声明")


def load_query_file(path: str | Path) -> SavedQuery:
    """Read ``<id>.cypher`` and its per-engine overrides beside it.

    Args:
        path: the base file (not an override).

    Returns:
        The parsed :class:`SavedQuery`.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryFileError(path, None, f"cannot read: {exc}", zh=f"无法读取：{in_language(exc, 'zh')}") from None
    q = parse_query_text(text, path)
    overrides: dict[str, tuple[Path, str]] = {}
    for engine in ENGINES:
        opath = path.with_name(f"{q.id}.{engine}.cypher")
        if opath.exists():
            otext = opath.read_text(encoding="utf-8")
            if not otext.strip():
                raise QueryFileError(opath, 1, "empty override", zh="覆盖文件为空")
            check_params_declared(q, opath, otext, 1)
            overrides[engine] = (opath, otext)
    return replace(q, overrides=overrides)


def is_override(path: Path) -> bool:
    """True for ``<id>.<engine>.cypher`` files."""
    parts = path.name.split(".")
    return len(parts) == 3 and parts[1] in ENGINES
