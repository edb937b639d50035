"""Shared fixtures: the project root, a disposable copy of the project, and real builds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from busdocs import sites
from busdocs.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def copy_project(dest: Path) -> Path:
    """A copy of the project's sources that a test may break."""
    return sites.copy_project(ROOT, dest)


@pytest.fixture(name="project")
def project_copy(tmp_path: Path) -> Path:
    """A fresh copy of the project in tmp_path."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every output of `busdocs build --site all` (the first half of `make site`), built strictly
    once per test session: `public`, `internal` (with the zipped offline bundle) and `offline`."""
    out = tmp_path_factory.mktemp("site")
    assert main(["--root", str(ROOT), "build", "--site", "all", "--out", str(out)]) == 0
    return {s: out / s for s in ("public", "internal", "offline")}


@pytest.fixture
def edit(project: Path) -> Callable[[str, str], Path]:
    """Write `text` to `relative` path inside the project copy."""

    def write(relative: str, text: str) -> Path:
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write
