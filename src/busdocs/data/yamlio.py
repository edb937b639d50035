"""YAML loading that remembers where every value came from.

PyYAML's `safe_load` forgets line numbers and silently keeps the last of two duplicate keys.
This loader composes the node tree, builds plain Python values from it and records the line of
every mapping key and sequence item, so a validation error can name `file:line: field`.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from busdocs.errors import Problem

PathKey = tuple[str | int, ...]

# libyaml's parser when PyYAML was built with it (10× faster on the 200 KB OpenAPI spec); its
# nodes carry the same line marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(slots=True)
class LineMap:
    """Line numbers (1-based) of the values of one YAML document, keyed by field path."""

    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one (for missing fields)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


@dataclass(slots=True)
class Loaded:
    """A parsed YAML file: its data, where each value sits, and the problems found while parsing."""

    path: Path
    data: Any
    lines: LineMap
    problems: list[Problem]
    text: str | None = None
    """The file's text as read (None when its bytes could not be read as text)."""


def format_path(path: PathKey) -> str:
    """`("sections", 3, "status")` → `sections[3].status`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _Builder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines = LineMap()
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")  # only used to resolve scalars

    def build(self, node: yaml.Node, here: PathKey) -> Any:
        self.lines.lines.setdefault(here, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.problems.append(Problem(self.path, key_node.start_mark.line + 1,
                                                 format_path(here), "YAML merge keys (<<) are not supported"))
                    continue
                key = self._constructor.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    key = str(key)
                child = (*here, key)
                if key in result:
                    first = self.lines.lines.get(child)
                    self.problems.append(Problem(self.path, key_node.start_mark.line + 1, format_path(child),
                                                 f"duplicate key (first defined on line {first})"))
                    continue
                self.lines.lines[child] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*here, i)) for i, item in enumerate(node.value)]
        try:
            return self._constructor.construct_object(node, deep=True)
        except ValueError as exc:  # e.g. 2026-02-30 matches the date pattern but is no date
            self.problems.append(Problem(self.path, node.start_mark.line + 1, format_path(here),
                                         f"{node.value!r} is not a valid value: {exc}"))
            return node.value


def parse_yaml(text: str, path: Path) -> Loaded:
    """Parse one YAML document from `text`; syntax errors become problems with their line."""
    loaded = _parse(text, path)
    loaded.text = text
    return loaded


def _parse(text: str, path: Path) -> Loaded:
    builder = _Builder(path)
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or str(exc)
        if exc.context:
            reason = f"{reason} ({exc.context})"
        return Loaded(path, None, builder.lines, [Problem(path, line, "", f"invalid YAML: {reason}")])
    except yaml.reader.ReaderError as exc:  # a character YAML does not accept: position, not mark
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        return Loaded(path, None, builder.lines,
                      [Problem(path, line, "", f"invalid YAML: character U+{exc.character:04X} is not allowed "
                               "(a control character; the file may be damaged)" if isinstance(exc.character, int)
                               else f"invalid YAML: {exc.reason}")])
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text input
        return Loaded(path, None, builder.lines, [Problem(path, None, "", f"invalid YAML: {exc}")])
    if node is None:
        return Loaded(path, None, builder.lines, [])
    try:
        data = builder.build(node, ())
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        return Loaded(path, None, builder.lines,
                      [Problem(path, mark.line + 1 if mark else None, "", f"invalid YAML: {exc.problem}")])
    return Loaded(path, data, builder.lines, builder.problems)


def decode_source(raw: bytes, shown: Path) -> tuple[str | None, list[Problem]]:
    """The text of a source file, or the byte-level problems that keep it from being read.

    A byte order mark, bytes that are not UTF-8 and NUL bytes are each a problem with the line
    they are on, never an exception.
    """
    problems: list[Problem] = []
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.append(Problem(shown, 1, "", "starts with a byte order mark (BOM): save the file as UTF-8 "
                                "without BOM"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.append(Problem(shown, line, "", f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at column {column} "
                                f"({exc.reason}); save the file as UTF-8"))
        return None, problems
    if "\x00" in text:
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        problems.append(Problem(shown, line, "", "contains a NUL byte: the file is damaged or not text"))
    return (None if problems else text), problems


def read_source(path: Path, display: Path | None = None) -> tuple[str | None, list[Problem]]:
    """Read a text source file: its text, or the problems (missing, unreadable, bad bytes)."""
    shown = display or path
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem(shown, None, "", "file not found")]
    except OSError as exc:
        return None, [Problem(shown, None, "", f"cannot be read: {exc.strerror or exc}")]
    return decode_source(raw, shown)


_PARSED: OrderedDict[tuple[str, bytes], Loaded] = OrderedDict()
"""Parses of `load_yaml`, by (name shown, bytes read): the file is read every time, parsed again only
when its bytes changed. Every build loads `data/` twice (the plugin, the leak guard) and a process
makes many builds (serve, the tests). Callers get copies (`_copy`): nothing they do reaches the next."""
_PARSED_LIMIT = 128


def _thaw(value: Any) -> Any:
    """A copy of parsed YAML: new containers all the way down; scalars (str, int, dates) are immutable."""
    if isinstance(value, dict):
        return {key: _thaw(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_thaw(item) for item in value]
    if isinstance(value, tuple):  # !!omap, !!pairs
        return tuple(_thaw(item) for item in value)
    if isinstance(value, set):  # !!set: its members are hashable, immutable scalars
        return set(value)
    return value


def _copy(loaded: Loaded) -> Loaded:
    return Loaded(loaded.path, _thaw(loaded.data), LineMap(dict(loaded.lines.lines)), list(loaded.problems),
                  loaded.text)


def load_yaml(path: Path, display: Path | None = None) -> Loaded:
    """Read and parse `path`; `display` is the name used in problems (default: `path`)."""
    shown = display or path
    try:
        raw = path.read_bytes()
    except OSError:
        raw = None
    if raw is None:
        text, problems = read_source(path, shown)  # names what keeps the file from being read
    else:
        key = (str(shown), raw)
        kept = _PARSED.get(key)
        if kept is not None:
            _PARSED.move_to_end(key)
            return _copy(kept)
        text, problems = decode_source(raw, shown)
    if text is None:
        return Loaded(shown, None, LineMap(), problems)
    loaded = parse_yaml(text, shown)
    if raw is not None:
        _PARSED[key] = _copy(loaded)
        while len(_PARSED) > _PARSED_LIMIT:
            _PARSED.popitem(last=False)
    return loaded
