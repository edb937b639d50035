"""Editing a data file in place, keeping its comments, key order, quoting and flow style.

The loader (`busdocs.data.yamlio`) reads YAML into plain values; the commands that write data back
use ruamel.yaml's round-trip parser instead. `set_scalars` (`busdocs infra verify --write`,
`busdocs infra import`) replaces only the text of the values it sets, at the line and column
ruamel.yaml read them from, so every other byte of a hand-written file stays as it was (ruamel's
own dump would re-space `{ a: 1 }` and re-wrap long flow lists); the result is parsed again and
must read back the new values. `edit_yaml` dumps the whole tree, for files the commands own
(the check records of `data/verification.yml`): comments and order kept.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from busdocs.errors import BusdocsError

Key = str | int


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def dump(tree: Any) -> str:
    out = io.StringIO()
    _yaml().dump(tree, out)
    return out.getvalue()


def edit_yaml(path: Path, edit: Callable[[Any], None]) -> bool:
    """Load `path` as a round-trip tree, let `edit` change it, and write it back (atomically) when
    anything changed. Returns whether the file changed.

    Raises:
        BusdocsError: The file cannot be read or parsed.
    """
    from ruamel.yaml.error import YAMLError

    try:
        before = path.read_text(encoding="utf-8")
        tree = _yaml().load(before)
    except (OSError, YAMLError) as exc:
        raise BusdocsError(f"{path}: cannot be edited ({exc})") from None
    edit(tree)
    after = dump(tree)
    if after == before:
        return False
    _write(path, after)
    return True


def flow_map(values: dict[str, Any]) -> Any:
    """A mapping written on one line (`{ a: 1, b: 2 }`), as the data files write short records."""
    from ruamel.yaml.comments import CommentedMap

    node = CommentedMap(values)
    node.fa.set_flow_style()
    return node


def block_map(values: dict[str, Any]) -> Any:
    """A mapping written one key per line."""
    from ruamel.yaml.comments import CommentedMap

    node = CommentedMap(values)
    node.fa.set_block_style()
    return node


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, path.stat().st_mode & 0o777)
    os.replace(tmp, path)


_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/@+-]*$")


def scalar_text(value: Any, quote: str = "") -> str:
    """`value` as a YAML scalar that reads back as the same value: in `quote` (`'` or `"`, the style
    the value had) when given, else plain where that is safe."""
    import yaml

    if isinstance(value, str) and quote == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, str) and quote == '"':
        return json.dumps(value, ensure_ascii=False)

    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _token_end(line: str, start: int, flow: bool) -> int:
    """Where the scalar starting at `start` ends (exclusive)."""
    quote = line[start] if start < len(line) else ""
    if quote == "'":
        i = start + 1
        while i < len(line):
            if line[i] == "'" and line[i + 1:i + 2] == "'":
                i += 2
                continue
            if line[i] == "'":
                return i + 1
            i += 1
        raise ValueError("a single-quoted scalar spanning lines")
    if quote == '"':
        i = start + 1
        while i < len(line):
            if line[i] == "\\":
                i += 2
                continue
            if line[i] == '"':
                return i + 1
            i += 1
        raise ValueError("a double-quoted scalar spanning lines")
    end = len(line)
    comment = line.find(" #", start)
    if comment != -1:
        end = comment
    if flow:
        stops = [i for i in (line.find(",", start), line.find("}", start), line.find("]", start)) if i != -1]
        end = min([end, *stops])
    return start + len(line[start:end].rstrip())


def _container(tree: Any, keys: tuple[Key, ...]) -> Any:
    node = tree
    for key in keys:
        node = node[key]
    return node


def set_scalars(path: Path, edits: dict[tuple[Key, ...], Any]) -> bool:
    """Set existing scalar values of a YAML file (each given by its key path) by replacing their
    text only. Returns whether the file changed.

    Raises:
        BusdocsError: The file cannot be read, a path does not exist or does not hold a scalar, or
            the edited text does not read back as intended (the file is then left as it was).
    """
    from ruamel.yaml.error import YAMLError

    try:
        text = path.read_text(encoding="utf-8")
        tree = _yaml().load(text)
    except (OSError, YAMLError) as exc:
        raise BusdocsError(f"{path}: cannot be edited ({exc})") from None
    lines = text.splitlines(keepends=True)
    spans = []
    for keys, value in edits.items():
        try:
            parent = _container(tree, keys[:-1])
            current = parent[keys[-1]]
            line, col = parent.lc.value(keys[-1]) if isinstance(keys[-1], str) else parent.lc.item(keys[-1])
        except (KeyError, IndexError, TypeError) as exc:
            raise BusdocsError(f"{path}: {'.'.join(map(str, keys))} does not exist ({exc})") from None
        if isinstance(current, dict | list):
            raise BusdocsError(f"{path}: {'.'.join(map(str, keys))} is not a single value")
        if current == value and isinstance(current, bool) == isinstance(value, bool) and \
                isinstance(current, str) == isinstance(value, str):
            continue
        flow = bool(parent.fa.flow_style())
        try:
            end = _token_end(lines[line], col, flow)
        except ValueError as exc:
            raise BusdocsError(f"{path}:{line + 1}: {'.'.join(map(str, keys))} cannot be edited in place ({exc})") \
                from None
        quote = lines[line][col] if lines[line][col] in "'\"" else ""
        spans.append((line, col, end, scalar_text(value, quote), keys, value))
    if not spans:
        return False
    for line, col, end, new, _, _ in sorted(spans, key=lambda s: (s[0], s[1]), reverse=True):
        lines[line] = lines[line][:col] + new + lines[line][end:]
    after = "".join(lines)
    check = _yaml().load(after)
    for *_, keys, value in spans:
        if _container(check, keys) != value:
            raise BusdocsError(f"{path}: writing {'.'.join(map(str, keys))} in place did not read back; the file "
                               "was left as it was")
    _write(path, after)
    return True
