from __future__ import annotations

from pathlib import Path

import pytest

from busdocs.data.yamlio import format_path, parse_yaml

F = Path("data/x.yml")


@pytest.mark.parametrize(
    ("text", "path", "line"),
    [
        ("a: 1\nb: 2\n", ("b",), 2),
        ("items:\n  - name: x\n  - name: y\n    v: 3\n", ("items", 1, "v"), 4),
        ("items:\n  - name: x\n", ("items", 0, "missing"), 2),  # missing → nearest ancestor
        ("a:\n  b:\n    c: [1, 2]\n", ("a", "b", "c", 1), 3),
    ],
)
def test_lines_are_recorded(text: str, path: tuple, line: int) -> None:
    assert parse_yaml(text, F).lines.line_of(path) == line


@pytest.mark.parametrize(
    ("text", "line", "field", "fragment"),
    [
        ("a: [1\nb: 2\n", 2, "", "invalid YAML"),
        ("a: 1\nb: 2\na: 3\n", 3, "a", "duplicate key (first defined on line 1)"),
        ("when: 2026-02-30\n", 1, "when", "not a valid value"),
        ("x: &a {k: 1}\ny:\n  <<: *a\n", 3, "y", "merge keys"),
        ("\tkey: 1\n", 1, "", "invalid YAML"),
    ],
)
def test_problems_name_line_and_field(text: str, line: int, field: str, fragment: str) -> None:
    problems = parse_yaml(text, F).problems
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.file, problem.line, problem.field) == (F, line, field)
    assert fragment in problem.message


def test_format_path() -> None:
    assert format_path(("sections", 3, "items", 2, "status")) == "sections[3].items[2].status"
    assert format_path(()) == ""
