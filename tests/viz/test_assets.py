from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from guanlian.viz import assets

ROOT = Path(__file__).resolve().parents[2]


def test_manifest_lists_versions_licences_and_hashes() -> None:
    doc = assets.manifest()
    names = {p["name"]: p for p in doc["packages"]}
    assert set(names) >= {"vis-network", "htmx.org"}
    for pkg in names.values():
        assert pkg["version"][0].isdigit() and pkg["licence"]
        assert any(role.startswith("license") for role in pkg["assets"])
        for a in pkg["assets"].values():
            data = (resources.files("guanlian.viz") / "static" / a["file"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == a["sha256"]
            assert pkg["version"] in a["file"]


def test_vendor_script_check_passes() -> None:
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "vendor-js"), "--check"], capture_output=True)
    assert r.returncode == 0, r.stderr


def test_changed_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real = assets.asset("htmx.org")
    monkeypatch.setattr(assets, "asset", lambda *_a: dataclasses.replace(real, sha256="0" * 64))
    assets.asset_bytes.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="differs"):
            assets.asset_bytes("htmx.org")
    finally:
        assets.asset_bytes.cache_clear()


def test_views_no_longer_need_pyvis() -> None:
    src = (ROOT / "guanlian" / "viz" / "view.py").read_text(encoding="utf-8")
    assert "pyvis" not in src.replace("pyvis 0.3.2", "")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"pyvis' not in pyproject
    assert json.loads((ROOT / "guanlian" / "viz" / "static" / "manifest.json").read_text("utf-8"))
