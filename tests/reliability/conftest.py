"""Fixtures for the reliability tests: a private Neo4j server that the tests may stop, start and kill into.

The private instance lives in ``<repo>/.cache/neo4j-reliability`` (its own port, data and password), so stopping
it mid-load never disturbs the shared server other tests use. It is started once per session and stopped at
the end if this session started it.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

from guanlian.demo import DemoManifest, generate

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "neo4j-server"
PRIVATE_HOME = ROOT / ".cache" / "neo4j-reliability"
PRIVATE_PASSWORD = "guanlian-reliability"


def unavailable(reason: str) -> NoReturn:
    """Fail in CI, skip elsewhere (same rule as the shared Neo4j fixture)."""
    msg = f"private Neo4j not available: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


@dataclass(frozen=True)
class Server:
    """A private Neo4j instance: URI, credentials, and the script to stop/start it."""

    uri: str
    user: str
    password: str

    def env(self) -> dict[str, str]:
        """Environment for the CLI and for ``scripts/neo4j-server`` acting on this instance."""
        return {**os.environ, **server_env(), "NEO4J_USER": self.user, "NEO4J_PASSWORD": self.password}

    def script(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(SCRIPT), command], env=server_env(), capture_output=True, text=True,
                              timeout=300, check=False)


def server_env() -> dict[str, str]:
    return {
        **os.environ,
        "GUANLIAN_NEO4J_HOME": str(PRIVATE_HOME),
        "GUANLIAN_NEO4J_HEAP": "512m",
        "GUANLIAN_NEO4J_PAGECACHE": "256m",
        "NEO4J_PASSWORD": PRIVATE_PASSWORD,
    }


@pytest.fixture(scope="session")
def private_neo4j() -> Iterator[Server]:
    """Start (or reuse) the private Neo4j instance; stop it at the end if this session started it."""
    was_running = subprocess.run(["bash", str(SCRIPT), "status"], env=server_env(), capture_output=True,
                                 check=False).returncode == 0
    proc = subprocess.run(["bash", str(SCRIPT), "start"], env=server_env(), capture_output=True, text=True,
                          timeout=400, check=False)
    if proc.returncode != 0:
        unavailable(proc.stderr.strip()[-400:])
    m = re.search(r"NEO4J_URI=(\S+)", proc.stdout)
    if not m:
        unavailable(f"no URI in {proc.stdout!r}")
    server = Server(shlex.split(m.group(1))[0], "neo4j", PRIVATE_PASSWORD)
    yield server
    if not was_running:
        server.script("stop")


@pytest.fixture(scope="session")
def tiny_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    """The demo generator's tiny world (15 files of all eight kinds), or the size in env GUANLIAN_KILL_SIZE."""
    size = os.environ.get("GUANLIAN_KILL_SIZE", "tiny")
    return generate(tmp_path_factory.mktemp(f"demo-{size}"), size=size, seed=7)


def cli(*args: str) -> list[str]:
    """Command line running the guanlian CLI with this interpreter."""
    return [sys.executable, "-m", "guanlian.cli", *args]
