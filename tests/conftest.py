"""Shared fixtures: the project root, a disposable copy of the project, and real builds."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from busdocs.build import BuildResult, build_site

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PARTS = ("docs", "guides", "runbooks", "data", "macros", "overrides", "src", "mkdocs.yml", "mkdocs.offline.yml",
                 "mkdocs.internal.yml")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def copy_project(dest: Path) -> Path:
    """A copy of the project's sources that a test may break."""
    for part in PROJECT_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / part)
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the project in tmp_path."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both real configurations built strictly once per test session."""
    out = tmp_path_factory.mktemp("site")
    results: dict[str, BuildResult] = {s: build_site(ROOT, s, out / s) for s in ("public", "internal")}
    return {s: r.out_dir for s, r in results.items()}


@pytest.fixture
def edit(project: Path) -> Callable[[str, str], Path]:
    """Write `text` to `relative` path inside the project copy."""

    def write(relative: str, text: str) -> Path:
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write
