"""Entity resolution for Chinese names: normalisation, identifiers, pinyin, blocking, scoring, explanations.

The loaders import the key functions from :mod:`guanlian.matching.normalize` and
:mod:`guanlian.values.ids`; the matcher entry points (``match_store``, ``find_candidates``,
``collide``) live in :mod:`guanlian.matching.matcher`.
"""

from __future__ import annotations
