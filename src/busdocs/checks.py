"""`busdocs check`: everything that can be wrong in the sources, found without building."""

from __future__ import annotations

from pathlib import Path

from busdocs.data import load_data
from busdocs.errors import Problem, ProblemsError
from busdocs.schemas import stale_schemas


def run_checks(root: Path) -> list[Problem]:
    """Every problem in the project's sources: data, schemas, cross references."""
    problems: list[Problem] = []
    try:
        load_data(root)
    except ProblemsError as exc:
        problems.extend(exc.problems)
    problems.extend(stale_schemas(root))
    return problems
