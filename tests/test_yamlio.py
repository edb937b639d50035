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


# ------------------------------------------------------------------ in-place edits (busdocs.data.roundtrip)

SOURCE = """# top comment
env:
  db: { name: "x-db", status: unverified }   # flow map, comment after
  ids: [a, b]
  version: '15.7'
  list:
    - { role: files, name: f-1, status: unverified }
    - role: logs
      name: l-1 # trailing
      status: unverified
"""


@pytest.mark.parametrize(
    ("keys", "value", "line"),
    [
        (("env", "db", "status"), "verified", '  db: { name: "x-db", status: verified }   # flow map, comment after'),
        (("env", "db", "name"), "y db", '  db: { name: "y db", status: unverified }   # flow map, comment after'),
        (("env", "version"), "15.8", "  version: '15.8'"),
        (("env", "ids", 1), "c", "  ids: [a, c]"),
        (("env", "list", 0, "status"), "verified", "    - { role: files, name: f-1, status: verified }"),
        (("env", "list", 1, "name"), "l-2", "      name: l-2 # trailing"),
        (("env", "list", 1, "name"), "true", '      name: "true" # trailing'),
    ],
)
def test_set_scalars_changes_only_the_value(tmp_path: Path, keys: tuple, value: str, line: str) -> None:
    from busdocs.data.roundtrip import set_scalars

    path = tmp_path / "x.yml"
    path.write_text(SOURCE)
    assert set_scalars(path, {keys: value})
    old, new = SOURCE.splitlines(), path.read_text().splitlines()
    changed = [(a, b) for a, b in zip(old, new) if a != b]
    assert len(old) == len(new) and [b for _, b in changed] == [line]
    assert not set_scalars(path, {keys: value})  # already so: the file is not rewritten


def test_set_scalars_refuses_what_it_cannot_edit(tmp_path: Path) -> None:
    from busdocs.data.roundtrip import set_scalars
    from busdocs.errors import BusdocsError

    path = tmp_path / "x.yml"
    path.write_text(SOURCE)
    with pytest.raises(BusdocsError, match="env.nothing does not exist"):
        set_scalars(path, {("env", "nothing"): "x"})
    with pytest.raises(BusdocsError, match="is not a single value"):
        set_scalars(path, {("env", "db"): "x"})
    assert path.read_text() == SOURCE
