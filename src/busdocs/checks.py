"""`busdocs check`: everything that can be wrong in the sources, found without building."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from busdocs.content import openapi
from busdocs.content import runbooks
from busdocs.content import search
from busdocs.data.loader import DATA_FILES, load_data
from busdocs.errors import Problem, ProblemsError
from busdocs.data.schemas import stale_schemas
from busdocs.data.secrets import scan_sources


@dataclass(slots=True)
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    """What must be fixed: `busdocs check` exits 1 when there is any."""
    notices: list[str] = field(default_factory=list)
    """Warnings: what needs attention soon but does not fail (runbooks past their review date)."""


def run_checks(root: Path, today: date | None = None) -> CheckResult:
    """Every problem in the project's sources: data, schemas, runbooks, cross references, secrets."""
    result = CheckResult()
    data = None
    try:
        data = load_data(root)
    except ProblemsError as exc:
        result.problems.extend(exc.problems)
    result.problems.extend(stale_schemas(root))
    # Everything else that can be published; data/*.yml was scanned by load_data (with field names).
    result.problems.extend(scan_sources(root, skip=data_file_paths(), cache=root / ".cache" / "secrets.json"))
    if (root / openapi.SPEC).exists():
        result.problems.extend(openapi.spec_problems(openapi.load_spec(root)))
    books, found = runbooks.load_runbooks(root)
    result.problems.extend(found)
    if data is not None:
        result.problems.extend(runbooks.cross_check(books, data))
        from busdocs.content.lookup import environment_problems

        result.problems.extend(environment_problems(root, data, today or date.today()))
        result.problems.extend(search.synonym_problems(root, data.search, data.sources["search"].lines.line_of))
    for rb in runbooks.overdue_reviews(books, today or date.today()):
        lines = (root / rb.path).read_text(encoding="utf-8").split("\n")
        line = next((i for i, text in enumerate(lines, 1) if text.startswith("last_reviewed:")), None)
        result.notices.append(f"{rb.path}:{line}: last_reviewed: review overdue since {rb.review_due().isoformat()} "
                              f"(last reviewed {rb.meta.last_reviewed.isoformat()}, every "
                              f"{rb.meta.review_interval_days} days): review the runbook and update last_reviewed")
    return result


def data_file_paths() -> list[Path]:
    """The files `load_data` reads (and scans for credentials), relative to the project root."""
    return [Path("data") / spec.filename for spec in DATA_FILES]
