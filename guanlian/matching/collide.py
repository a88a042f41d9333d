"""数据碰撞: which persons of one list appear in another, one output row per record and candidate.

:func:`collide_lists` matches two :class:`~guanlian.loaders.persons.PersonList` s (any two files read as
person records, :func:`~guanlian.loaders.persons.read_person_list`) with the matcher
(:func:`~guanlian.matching.matcher.collide`, in process or on Spark). Each output row names exactly the two
records compared — file, row, role, name, masked ID … of the left record and of the right record — with the
tier, the score, which fields both records carry (``name only`` when nothing but names could be compared) and
the explanation. Records are rows: two identical input rows give two output rows, each citing its own row.

:func:`collision_table` lays the result out for a file (columns in Chinese or English), and
:func:`collision_summary` says in a few lines what was read, rejected, compared and found.

Example:
    >>> import tempfile, pathlib
    >>> from guanlian.loaders.persons import read_person_list
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_text("姓名,出生年月\\n王晓明,1980.05\\n王晓明,1980.05\\n", encoding="utf-8")
    >>> _ = (d / "b.csv").write_text("name,date of birth\\n王小明,1980-05-06\\n", encoding="utf-8")
    >>> c = collide_lists(read_person_list(d / "a.csv"), read_person_list(d / "b.csv"))
    >>> collision_table(c, "en")[["left_row", "left_name", "right_row", "right_name", "tier"]].values.tolist()
    [[2, '王晓明', 2, '王小明', 'probable'], [3, '王晓明', 2, '王小明', 'probable']]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from guanlian.loaders.persons import PersonList
from guanlian.loaders.pipeline import KINDS
from guanlian.matching.features import INPUT_COLUMNS
from guanlian.matching.matcher import LinkEngine, MatchConfig, collide
from guanlian.model import TIERS
from guanlian.values.privacy import mask_id, mask_text
from guanlian.values.vocab import (
    COLLIDE_COLUMN,
    COLLIDE_ROLE,
    COLLIDE_TEXT,
    SEX,
    TIER,
    Lang,
    pick,
    prop_label,
    tr,
)

__all__ = ["Collision", "PairTally", "collide_lists", "collide_streamed", "collision_summary", "collision_table",
           "issues_table", "table_rows"]

_EVIDENCE = ("id_number", "other_id", "birth_date", "sex", "phone", "address", "employer")
"""Fields besides the name that the matcher compares."""


@dataclass
class Collision:
    """The result of :func:`collide_lists`.

    Attributes:
        left, right: the two lists as read.
        pairs: one row per linked pair of records: ``li``, ``ri`` (positions in ``left.records`` /
            ``right.records``), ``score``, ``tier``, ``compared`` (the fields both records carry, ``;``-joined;
            ``""`` = names only), ``explanation_zh``, ``explanation_en``; strongest first.
        unmatched: positions of the left records without any candidate.
        unmatched_right: positions of the right records without any candidate.
    """

    left: PersonList
    right: PersonList
    pairs: pd.DataFrame
    unmatched: npt.NDArray[np.int64]
    unmatched_right: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    tally: PairTally | None = None
    """Set when the pairs went straight to the output file instead of into ``pairs``
    (:func:`collide_streamed`): their counts."""

    def per_tier(self) -> dict[str, int]:
        """Pairs per tier, strongest first (tiers with none included; ``confirmed`` is a store's judgement, never
        a collision's)."""
        counts = self.tally.per_tier if self.tally is not None else self.pairs["tier"].value_counts().to_dict()
        return {t: int(counts.get(t, 0)) for t in reversed(TIERS) if t != "confirmed"}

    @property
    def name_only(self) -> int:
        """Pairs in which nothing but the names could be compared."""
        if self.tally is not None:
            return self.tally.name_only
        return int((self.pairs["compared"] == "").sum())

    @property
    def n_pairs(self) -> int:
        """How many pairs (held or streamed)."""
        return self.tally.pairs if self.tally is not None else len(self.pairs)


@dataclass
class PairTally:
    """Counts of a collision's pairs, kept while they are streamed to the output (:func:`collide_streamed`)."""

    pairs: int = 0
    per_tier: dict[str, int] = field(default_factory=dict)
    name_only: int = 0

    def add(self, pairs: pd.DataFrame) -> None:
        """Count one chunk of pairs (``tier``, ``compared`` columns)."""
        self.pairs += len(pairs)
        for t, n in pairs["tier"].value_counts().items():
            self.per_tier[str(t)] = self.per_tier.get(str(t), 0) + int(n)
        self.name_only += int((pairs["compared"] == "").sum())


def _match_frame(people: PersonList) -> pd.DataFrame:
    cols = [c for c in INPUT_COLUMNS if c in people.records.columns]
    return people.records[cols].reset_index(drop=True)


def _compared(left: pd.DataFrame, right: pd.DataFrame, li: npt.NDArray[np.int64],
              ri: npt.NDArray[np.int64]) -> list[str]:
    """Per pair, the evidence fields filled on both sides (``;``-joined)."""
    parts: list[npt.NDArray[np.bool_]] = []
    names: list[str] = []
    for f in _EVIDENCE:
        if f in left.columns and f in right.columns:
            lv = (left[f].to_numpy(dtype=object) != "")[li]
            rv = (right[f].to_numpy(dtype=object) != "")[ri]
            parts.append(lv & rv)
            names.append(f)
    if not parts:
        return [""] * len(li)
    both = np.column_stack(parts)
    codes, uniq = pd.factorize(pd.Series([row.tobytes() for row in both]))
    texts = [";".join(n for n, b in zip(names, np.frombuffer(u, dtype=bool), strict=True) if b) for u in uniq]
    return [texts[c] for c in codes]


def _pairs(left: pd.DataFrame, right: pd.DataFrame, li: npt.NDArray[np.int64], ri: npt.NDArray[np.int64],
           score: npt.NDArray[np.float64], tier: npt.NDArray[np.object_], zh: npt.NDArray[np.object_],
           en: npt.NDArray[np.object_]) -> pd.DataFrame:
    """The rows of :attr:`Collision.pairs` for linked pairs of ``left`` / ``right`` match frames."""
    return pd.DataFrame({"li": li, "ri": ri, "score": score, "tier": tier, "compared": _compared(left, right, li, ri),
                         "explanation_zh": zh, "explanation_en": en})


def collide_lists(left: PersonList, right: PersonList, config: MatchConfig | None = None,
                  engine: LinkEngine | None = None) -> Collision:
    """Match every record of ``left`` with every record of ``right`` (blocked, scored, tiered, explained).

    Args:
        left: the list whose persons are looked for.
        right: the list they are looked for in.
        config: thresholds and weights (:class:`~guanlian.matching.matcher.MatchConfig`).
        engine: where the matching runs (default in process; a ``SparkEngine`` gives the same pairs).

    Returns:
        A :class:`Collision`: every linked pair (certain, probable, possible) and the records of either list
        without a candidate.
    """
    lf, rf = _match_frame(left), _match_frame(right)
    out = collide(lf, rf, config, engine=engine)
    li = out["left_row"].to_numpy().astype(np.int64)
    ri = out["right_row"].to_numpy().astype(np.int64)
    pairs = _pairs(lf, rf, li, ri, out["score"].to_numpy(dtype=float), out["tier"].to_numpy(dtype=object),
                   out["explanation_zh"].to_numpy(dtype=object), out["explanation_en"].to_numpy(dtype=object))
    seen = np.zeros(len(lf), dtype=bool)
    seen[li] = True
    seen_right = np.zeros(len(rf), dtype=bool)
    seen_right[ri] = True
    return Collision(left, right, pairs, np.flatnonzero(~seen).astype(np.int64),
                     np.flatnonzero(~seen_right).astype(np.int64))


class OrderedPairs(Protocol):
    """Linked pairs kept outside the driver, readable in ``collide``'s order (a Spark engine's
    :class:`~guanlian.spark.matching.OrderedLinks`)."""

    pairs: int

    def batches(self, rows: int = ...) -> Iterator[pa.Table]: ...


OrderedLinker = Callable[[pd.DataFrame, pd.DataFrame, MatchConfig, Path], OrderedPairs]
"""``engine.link_ordered``: (left records, right records, config, an empty work folder) → the ordered pairs."""


def _pairs_frame(left: pd.DataFrame, right: pd.DataFrame, t: pa.Table) -> pd.DataFrame:
    """One chunk of ordered pairs (Arrow) → the rows of :attr:`Collision.pairs`."""

    def text(name: str) -> npt.NDArray[np.object_]:
        return np.array(t.column(name).to_pylist(), dtype=object)

    return _pairs(left, right, t.column("li").to_numpy().astype(np.int64), t.column("ri").to_numpy().astype(np.int64),
                  t.column("score").to_numpy().astype(float), text("tier"), text("explanation_zh"),
                  text("explanation_en"))


def table_rows(df: pd.DataFrame) -> tuple[tuple[Any, ...], ...]:
    """A table's rows as plain values for a sheet (``None`` for missing), built column by column (one bulk
    conversion per column instead of one scalar per cell).

    Example:
        >>> table_rows(pd.DataFrame({"a": [1, None], "b": ["x", "y"]}))
        ((1.0, 'x'), (None, 'y'))
    """
    cols = [[None if v is None or v != v else v for v in df.iloc[:, k].to_numpy(dtype=object).tolist()]
            for k in range(df.shape[1])]
    return tuple(zip(*cols, strict=True)) if cols else tuple(() for _ in range(len(df)))


def collide_streamed(left: PersonList, right: PersonList, link_ordered: OrderedLinker, workdir: Path,
                     lang: Lang = "zh", *, show_ids: bool = False, unmatched: bool = False,
                     config: MatchConfig | None = None, batch_rows: int = 100_000
                     ) -> tuple[list[str], Iterator[tuple[Any, ...]], Collision]:
    """A collision too big for memory: the engine keeps the linked pairs in files (``link_ordered``, e.g.
    ``SparkEngine.link_ordered``), and the output rows are made from them ``batch_rows`` at a time.

    Returns:
        ``(headers, rows, collision)``: the column titles and the rows of :func:`collision_table` (same
        order, same cells — the unmatched records last when ``unmatched``), as a generator to hand to a
        writer; ``collision`` has no ``pairs`` but a :class:`PairTally`, and its ``tally`` and ``unmatched``
        lists are complete once ``rows`` is used up (read them for :func:`collision_summary` after writing).
    """
    lf, rf = _match_frame(left), _match_frame(right)
    ordered = link_ordered(lf, rf, config or MatchConfig(), workdir)
    none = np.zeros(0, dtype=np.int64)
    nothing = np.zeros(0, dtype=object)
    empty = _pairs(lf, rf, none, none, np.zeros(0), nothing, nothing, nothing)
    c = Collision(left, right, empty, none, none, tally=PairTally())
    headers = [str(h) for h in collision_table(c, lang, show_ids=show_ids, unmatched=unmatched).columns]

    def rows() -> Iterator[tuple[Any, ...]]:
        assert c.tally is not None
        seen, seen_right = np.zeros(len(lf), dtype=bool), np.zeros(len(rf), dtype=bool)
        for t in ordered.batches(batch_rows):
            pairs = _pairs_frame(lf, rf, t)
            seen[pairs["li"].to_numpy()] = True
            seen_right[pairs["ri"].to_numpy()] = True
            c.tally.add(pairs)
            yield from table_rows(collision_table(Collision(left, right, pairs, none, none), lang,
                                                  show_ids=show_ids))
        c.unmatched = np.flatnonzero(~seen).astype(np.int64)
        c.unmatched_right = np.flatnonzero(~seen_right).astype(np.int64)
        if unmatched:
            yield from table_rows(collision_table(Collision(left, right, empty, c.unmatched, c.unmatched_right),
                                                  lang, show_ids=show_ids, unmatched=True))

    return headers, rows(), c


def _column(key: str, lang: Lang) -> str:
    """A column title: the Chinese label, or the snake_case key in English."""
    return pick(COLLIDE_COLUMN[key], lang) if lang == "zh" else key


def _side_column(side: str, key: str, lang: Lang) -> str:
    """``左表姓名`` / ``left_name``."""
    if lang == "en":
        return f"{side}_{key}"
    return pick(COLLIDE_COLUMN[side], lang) + (pick(COLLIDE_COLUMN[key], lang) if key in COLLIDE_COLUMN
                                               else prop_label("Person", key, lang))


def _field_label(f: str, lang: Lang) -> str:
    """A person field as people read it (``出生日期`` / ``birth date``)."""
    return pick(COLLIDE_COLUMN[f], lang) if f in COLLIDE_COLUMN else prop_label("Person", f, lang)


def _side(people: PersonList, pos: npt.NDArray[np.int64], prefix: str, lang: Lang, show_ids: bool,
          present: npt.NDArray[np.bool_]) -> dict[str, Any]:
    """The columns of one side for the records at ``pos`` (blank where ``present`` is False)."""
    rec = people.records
    out: dict[str, Any] = {}
    idx = np.where(present, pos, 0)

    def take(values: npt.NDArray[np.object_]) -> list[object]:
        got = values[idx] if len(values) else np.full(len(pos), "", dtype=object)
        return [v if ok else None for v, ok in zip(got.tolist(), present.tolist(), strict=True)]

    def taken(col: str) -> npt.NDArray[np.object_]:
        # the rows at idx only: a million-record list is not turned into Python objects for a few pairs
        return rec[col].iloc[idx].to_numpy(dtype=object) if len(rec) else np.empty(0, dtype=object)

    name = people.path.name
    out[_side_column(prefix, "file", lang)] = [name if ok else None for ok in present.tolist()]
    # object dtype: whole row numbers stay whole beside the blanks of records on the other side only
    out[_side_column(prefix, "row", lang)] = pd.Series(take(rec["row"].to_numpy(dtype=object)), dtype=object)
    if people.kind is not None:
        roles = rec["role"].map(lambda r: pick(COLLIDE_ROLE.get(r, (r, r)), lang)).to_numpy(dtype=object)
        out[_side_column(prefix, "role", lang)] = take(roles)
    for f in people.columns:
        if not len(rec):
            out[_side_column(prefix, f, lang)] = [None] * len(pos)
            continue
        codes, uniq = pd.factorize(taken(f))  # each distinct value shown once, then spread
        if f == "id_number":
            shown = [mask_id(str(u), show_ids) for u in uniq]
        elif f == "sex":
            shown = [tr(SEX, str(u), lang) if u else "" for u in uniq]
        else:
            shown = [mask_text(u, show_ids) for u in uniq]
        spread = np.array(shown, dtype=object)[codes] if len(uniq) else np.full(len(pos), "", dtype=object)
        out[_side_column(prefix, f, lang)] = [v if ok else None for v, ok in zip(spread.tolist(), present.tolist(),
                                                                                 strict=True)]
    return out


def collision_table(c: Collision, lang: Lang = "zh", *, show_ids: bool = False,
                    unmatched: bool = False) -> pd.DataFrame:
    """The output rows: the left record, the right record, tier, score, what was compared, explanation.

    Args:
        c: a :class:`Collision`.
        lang: column titles, tiers, roles and explanations in Chinese (``zh``) or English (``en``).
        show_ids: resident IDs unmasked.
        unmatched: also one row per record of either list without a candidate: a left record with the right
            side empty (tier ``左表记录无候选`` / ``no candidate (left record)``), then a right record with the
            left side empty (``右表记录无候选`` / ``no candidate (right record)``); score empty.

    Returns:
        A DataFrame; with ``en`` the columns are ``left_file``, ``left_row``, ``left_name`` …, ``right_…``,
        ``tier``, ``score``, ``compared``, ``explanation``.
    """
    li = c.pairs["li"].to_numpy().astype(np.int64)
    ri = c.pairs["ri"].to_numpy().astype(np.int64)
    tiers = [tr(TIER, t, lang) for t in c.pairs["tier"]]
    scores: list[object] = [round(float(s), 2) for s in c.pairs["score"]]
    compared = _basis(c.pairs["compared"].tolist(), lang)
    expl = c.pairs["explanation_zh" if lang == "zh" else "explanation_en"].tolist()
    l_present = np.ones(len(li), dtype=bool)
    r_present = np.ones(len(li), dtype=bool)
    if unmatched:
        for pos, own_left, label in ((c.unmatched, True, "no_candidate_left"),
                                     (c.unmatched_right, False, "no_candidate_right")):
            n = len(pos)
            none = np.zeros(n, dtype=np.int64)
            li = np.concatenate([li, pos if own_left else none])
            ri = np.concatenate([ri, none if own_left else pos])
            l_present = np.concatenate([l_present, np.full(n, own_left)])
            r_present = np.concatenate([r_present, np.full(n, not own_left)])
            tiers += [pick(COLLIDE_TEXT[label], lang)] * n
            scores += [None] * n
            compared += [""] * n
            expl += [""] * n
    data: dict[str, Any] = {}
    data.update(_side(c.left, li, "left", lang, show_ids, l_present))
    data.update(_side(c.right, ri, "right", lang, show_ids, r_present))
    data[_column("tier", lang)] = list(tiers)
    data[_column("score", lang)] = scores
    data[_column("compared", lang)] = compared
    data[_column("explanation", lang)] = expl
    return pd.DataFrame(data)


def _basis(compared: list[str], lang: Lang) -> list[object]:
    cache: dict[str, str] = {}
    out: list[object] = []
    for text in compared:
        if text not in cache:
            if not text:
                cache[text] = pick(COLLIDE_TEXT["name_only"], lang)
            else:
                sep = "、" if lang == "zh" else ", "
                cache[text] = sep.join([_field_label("name", lang), *(_field_label(f, lang) for f in text.split(";"))])
        out.append(cache[text])
    return out


def issues_table(c: Collision, lang: Lang = "zh", *, show_ids: bool = False) -> pd.DataFrame:
    """Rejected rows and warnings of both files: file, row, field, value (IDs masked), severity, reason."""
    frames = [p.issues for p in (c.left, c.right) if len(p.issues)]
    cols = [_column(k, lang) for k in ("file", "row", "field", "value", "severity", "reason")]
    if not frames:
        return pd.DataFrame(columns=cols)
    df = pd.concat(frames, ignore_index=True)
    return pd.DataFrame({
        cols[0]: df["file"], cols[1]: df["row"], cols[2]: df["field"],
        cols[3]: [mask_text(v, show_ids) for v in df["value"]],
        cols[4]: [pick(COLLIDE_TEXT[str(s)], lang) for s in df["severity"]],
        cols[5]: df["reason_zh" if lang == "zh" else "reason_en"],
    })


def _describe(p: PersonList, lang: Lang) -> str:
    if p.kind is None:
        what = pick(COLLIDE_TEXT["plain"], lang)
    else:
        roles = ("、" if lang == "zh" else ", ").join(pick(COLLIDE_ROLE.get(r, (r, r)), lang) for r in p.roles)
        spec = KINDS[p.kind]
        kind = spec.label_zh if lang == "zh" else spec.name
        what = pick(COLLIDE_TEXT["kind_as"], lang).format(kind=kind, roles=roles)
    fields = ("、" if lang == "zh" else ", ").join(_field_label(f, lang) for f in p.columns)
    text = pick(COLLIDE_TEXT["file_line"], lang).format(
        file=p.path.name, what=what, read=p.read, records=len(p.records), rejected=p.rejected, fields=fields)
    if p.skipped:
        text += pick(COLLIDE_TEXT["skipped"], lang).format(n=p.skipped)
    return text


def collision_summary(c: Collision, lang: Lang = "zh", *, written: Path | None = None, show_ids: bool = False,
                      max_issues: int = 20) -> str:
    """A few readable lines: how each file was read, the pairs per tier, left records with and without a
    candidate, the file written, and the rejected rows (up to ``max_issues``, with file, row, field, reason).

    Example (the module example's collision, in English)::

        left  a.csv (plain person list): 2 rows read, 2 records, 0 rejected; fields: name, birth date
        right b.csv (plain person list): 1 rows read, 1 records, 0 rejected; fields: name, birth date
        pairs: 2 (certain 0, probable 2, possible 0; name only 0)
        left records with a candidate: 2 of 2; without: 0
        right records with a candidate: 1 of 1; without: 0
    """
    b = COLLIDE_TEXT
    sep = "、" if lang == "zh" else ", "
    lines = [f"{pick(b['left'], lang)} {_describe(c.left, lang)}", f"{pick(b['right'], lang)} {_describe(c.right, lang)}"]
    tiers = sep.join(f"{tr(TIER, t, lang)} {n}" for t, n in c.per_tier().items())
    lines.append(pick(b["pairs_line"], lang).format(n=c.n_pairs, tiers=tiers, name_only=c.name_only))
    n_left = len(c.left.records)
    lines.append(pick(b["matched_line"], lang).format(m=n_left - len(c.unmatched), n=n_left, u=len(c.unmatched)))
    n_right = len(c.right.records)
    lines.append(pick(b["matched_right_line"], lang).format(m=n_right - len(c.unmatched_right), n=n_right,
                                                            u=len(c.unmatched_right)))
    if c.left.name_only or c.right.name_only:
        lines.append(pick(b["name_only_note"], lang))
    if written is not None:
        lines.append(pick(b["written"], lang).format(path=written))
    rejected = [p.issues[p.issues["severity"] == "rejected"] for p in (c.left, c.right)]
    bad = pd.concat([r for r in rejected if len(r)], ignore_index=True) if any(len(r) for r in rejected) else None
    if bad is not None:
        lines.append(pick(b["rejected_head"], lang).format(n=len(bad)))
        reason = "reason_zh" if lang == "zh" else "reason_en"
        for r in bad.head(max_issues).itertuples(index=False):
            lines.append("  " + pick(b["rejected_line"], lang).format(
                file=r.file, row=r.row, field=r.field, value=mask_text(r.value, show_ids), reason=getattr(r, reason)))
        if len(bad) > max_issues:
            lines.append("  " + pick(b["more"], lang).format(n=len(bad) - max_issues))
    return "\n".join(lines)

