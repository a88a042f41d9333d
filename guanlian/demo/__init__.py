"""Synthetic demo world: messy personnel, registry and payment exports with planted schemes and ground truth.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> m = generate(Path(tempfile.mkdtemp()), size="tiny", seed=7)
    >>> m.truth_path.name
    'truth.json'
"""

from __future__ import annotations

from guanlian.demo.generate import SIZE_NAMES, DemoManifest, generate

__all__ = ["SIZE_NAMES", "DemoManifest", "generate"]
