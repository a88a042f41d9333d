"""Fixtures for the demo generator tests: one tiny and one small generated world per session."""

from __future__ import annotations

import json
from typing import Any

import pytest

from guanlian.demo import DemoManifest, generate


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoManifest, dict[str, Any]]:
    m = generate(tmp_path_factory.mktemp("tiny"), size="tiny", seed=7)
    return m, json.loads(m.truth_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoManifest, dict[str, Any]]:
    m = generate(tmp_path_factory.mktemp("small"), size="small", seed=11)
    return m, json.loads(m.truth_path.read_text(encoding="utf-8"))
