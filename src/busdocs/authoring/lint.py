"""`busdocs lint`: Markdown rules (pymarkdownlnt) and the house style of `data/style.yml`.

Pages are Jinja templates for mkdocs-macros, so both linters see a masked copy: every `{{ … }}`,
`{% … %}` and `{# … #}` becomes a run of `x` of the same length (columns stay right), and a line
that holds only a statement is left out (line numbers are mapped back). The style rules also skip
front matter, code blocks, `code spans`, link targets, URLs and HTML comments.

Findings print as `file:line:col: rule: message`; `--fix` applies the mechanical ones (terms,
names, screen names in bold, banned filler words, dates, times, number–unit spaces) to the real
file, outside Jinja and code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import yaml

from busdocs.errors import BusdocsError

FOLDERS = ("docs", "guides", "runbooks")
STYLE_FILE = Path("data") / "style.yml"
MONTHS = ("January February March April May June July August September October November December").split()
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_STATEMENT_LINE = re.compile(r"^\s*(\{%-?.*?-?%\}|\{#.*?#\})\s*$")
_IGNORE = re.compile(r"<!--\s*lint:\s*ignore\s+([\w\-, ]+?)\s*-->")


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    file: str
    line: int
    col: int
    rule: str
    message: str
    fixable: bool = field(default=False, compare=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.rule}: {self.message}"


@dataclass(slots=True)
class Style:
    """`data/style.yml`, compiled."""

    terms: list[tuple[re.Pattern[str], str, str]]
    names: list[tuple[re.Pattern[str], str]]
    screens: dict[str, str]
    banned: list[tuple[re.Pattern[str], str, str | None]]
    dates: bool
    times: bool
    units: re.Pattern[str] | None
    heading_case: int
    name_words: set[str]
    properties: dict[str, Any]
    disabled: list[str]
    ignore: list[tuple[str, set[str]]]


def load_style(root: Path) -> Style:
    path = root / STYLE_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise BusdocsError(f"{STYLE_FILE}: cannot read the house style: {exc}") from None
    terms = []
    for entry in raw.get("terms", []):
        for wrong in entry["not"]:
            terms.append((_phrase(wrong, not_after=r"[\w-]"), entry["use"], wrong))
    names = [(_phrase(n, not_after=r"[\w.-]"), n) for n in raw.get("names", [])]
    banned = [(re.compile(rf"(?<![\w-])(?:{b['pattern']})(?![\w-]) ?", re.I), b["message"], b.get("fix"))
              for b in raw.get("banned", [])]
    units = raw.get("units") or []
    unit_re = re.compile(rf"(?<![\w.,:/#-])(\d+(?:[.,]\d+)?)({'|'.join(map(re.escape, units))})(?![\w])") if units else None
    md = raw.get("markdown") or {}
    return Style(terms=terms, names=names, screens={s.lower(): s for s in raw.get("screens", [])}, banned=banned,
                 dates=bool(raw.get("dates")), times=bool(raw.get("times")), units=unit_re,
                 heading_case=int(raw.get("heading_case") or 0),
                 name_words={w for n in raw.get("names", []) for w in n.split()},
                 properties=md.get("properties") or {}, disabled=[d.lower() for d in md.get("disabled") or []],
                 ignore=[(i["file"], {r.lower() for r in i["rules"]}) for i in md.get("ignore") or []])


def _spaced(phrase: str) -> str:
    return r"\s+".join(re.escape(w) for w in phrase.split())


def _phrase(phrase: str, not_after: str) -> re.Pattern[str]:
    """`phrase` in any case, its words apart by any white space, not right after a character of the
    class `not_after` nor followed by a word character or a hyphen.

    The look back is written after the first character, two characters wide: `X(?<!C(?s:.))` holds
    where `(?<!C)X` does. A pattern that starts with a character lets `re` skip ahead to where that
    character is; one that starts with a look back is tried at every position of the page (measured:
    the 79 names over every page in 0.24 s instead of 0.79 s).
    """
    body = _spaced(phrase)
    first = re.escape(phrase.split()[0][0])
    return re.compile(rf"{first}(?<!{not_after}(?s:.)){body[len(first):]}(?![\w-])", re.I)


# ---------------------------------------------------------------------- masking


def mask_jinja(text: str) -> tuple[str, list[int]]:
    """The page as the linter sees it, and for each of its lines the 1-based line of the source.

    An expression (`{{ … }}`) becomes a run of `x` of its length (it prints something); a statement
    or comment (`{% … %}`, `{# … #}`) prints nothing and is taken out, so a table row or list item
    that starts with one still starts as written. A line holding only statements renders as a blank
    line (one, however many such lines follow each other).
    """
    out: list[str] = []
    where: list[int] = []
    from_statement = False
    masked = re.sub(r"\{%.*?%\}|\{#.*?#\}", lambda m: "\0" * m[0].count("\n") if "\n" in m[0] else "\x01", text,
                    flags=re.S)
    masked = re.sub(r"\{\{.*?\}\}", lambda m: re.sub(r"[^\n]", "x", m[0]), masked, flags=re.S)
    for number, line in enumerate(masked.replace("\0", "\n").split("\n"), 1):
        statements_only = "\x01" in line and not line.replace("\x01", "").strip()
        if "\x01" in line:  # the space before a statement at the end of a line is no trailing space
            line = line.replace("\x01", "").rstrip()
        if statements_only:
            if out and not out[-1].strip():
                from_statement = True
                continue
            line = ""
        elif not line.strip() and out and not out[-1].strip() and from_statement:
            continue
        from_statement = statements_only
        out.append(line)
        where.append(number)
    return "\n".join(out), where


def prose_mask(text: str, comments: bool = True) -> str:
    """Everything that is not prose replaced by spaces of the same length (lines and columns stay);
    HTML comments too unless `comments` is False."""
    blank = lambda m: re.sub(r"[^\n]", " ", m[0])  # noqa: E731
    text = _JINJA.sub(blank, text)
    if text.startswith("---\n"):
        end = text.find("\n---", 3)
        if end != -1:
            text = blank(re.match(r"[\s\S]*", text[:end + 4])) + text[end + 4:]
    text = re.sub(r"^( *)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\2[^\n]*$", blank, text, flags=re.M)
    text = re.sub(r"`[^`\n]+`", blank, text)
    if comments:
        text = re.sub(r"<!--[\s\S]*?-->", blank, text)
    text = re.sub(r"\]\([^)\n]*\)", blank, text)  # link targets
    text = re.sub(r"https?://\S+|[\w.+-]+@[\w-]+\.[\w.]+", blank, text)
    text = re.sub(r"^ *\[[^\]]+\]:.*$", blank, text, flags=re.M)  # reference definitions
    return text


# ---------------------------------------------------------------------- style rules


def _case_like(wrong: str, right: str) -> str:
    return right[0].upper() + right[1:] if wrong[:1].isupper() and right[:1].islower() else right


def style_findings(text: str, file: str, style: Style) -> list[tuple[int, int, int, str, str, str | None]]:
    """(offset, line, col, rule, message, replacement or None) for every style problem."""
    prose = prose_mask(text)
    found: list[tuple[int, int, int, str, str, str | None]] = []

    def add(start: int, end: int, rule: str, message: str, fix: str | None) -> None:
        line = prose.count("\n", 0, start) + 1
        col = start - (prose.rfind("\n", 0, start) + 1) + 1
        found.append((start, line, col, rule, message, fix if fix is None else f"{start}:{end}:{fix}"))

    for pattern, use, _ in style.terms:
        for m in pattern.finditer(prose):
            add(m.start(), m.end(), "term", f'write "{_case_like(m[0], use)}", not "{m[0]}"', _case_like(m[0], use))
    for pattern, name in style.names:
        for m in pattern.finditer(prose):
            if m[0] != name and " ".join(m[0].split()) != name:
                if name[0].isupper() and m[0].islower() and " " not in name and name.lower() in _COMMON:
                    continue
                add(m.start(), m.end(), "name", f'write "{name}", not "{m[0]}"', name)
    for m in re.finditer(r"\*\*([^*\n]+)\*\*", prose):
        inner = m[1].strip()
        right = style.screens.get(inner.lower())
        if right and inner != right and inner[:1].isupper():  # lowercase bold is emphasis
            add(m.start(1), m.end(1), "screen", f'the screen is called "{right}", not "{inner}"', right)
    for pattern, message, fix in style.banned:
        for m in pattern.finditer(prose):
            add(m.start(), m.end(), "banned", message, fix)
    if style.dates:
        month = "|".join(MONTHS)
        for m in re.finditer(rf"\b({month}) (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}})\b", prose):
            add(m.start(), m.end(), "date", f'write "{int(m[2])} {m[1]} {m[3]}"', f"{int(m[2])} {m[1]} {m[3]}")
        for m in re.finditer(rf"\b(\d{{1,2}})(st|nd|rd|th) ({month})\b", prose):
            add(m.start(), m.end(), "date", f'no ordinal: write "{m[1]} {m[3]}"', f"{m[1]} {m[3]}")
        for m in re.finditer(r"(?<![\w/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\w/])", prose):
            add(m.start(), m.end(), "date", 'write dates as "7 December 2026" (or 2026-12-07 in tables)', None)
    if style.times:
        for m in re.finditer(r"\b(\d{1,2})(?::(\d{2}))? ?(?:([ap])m\b|([ap])\.m\.)", prose, re.I):
            hour = int(m[1]) % 12 + (12 if (m[3] or m[4]).lower() == "p" else 0)
            fixed = f"{hour:02d}:{m[2] or '00'}"
            add(m.start(), m.end(), "time", f'write times on the 24-hour clock: "{fixed}"', fixed)
    if style.units is not None:
        for m in style.units.finditer(prose):
            add(m.start(), m.end(), "unit", f'a space between number and unit: "{m[1]} {m[2]}"', f"{m[1]} {m[2]}")
    if style.heading_case:
        for m in re.finditer(r"^(#{1,6}) +(.+?) *#*$", prose, re.M):
            unknown = _heading_capitals(m[2], style.name_words)
            if len(unknown) >= style.heading_case:
                add(m.start(2), m.end(2), "heading-case",
                    f"sentence case: only the first word and names take a capital ({', '.join(unknown)}); "
                    "a name? add it to names in data/style.yml", None)
    for m in re.finditer(r"<!--\s*write:", prose_mask(text, comments=False)):
        add(m.start(), m.end(), "scaffold", "a part left to write from `busdocs new`", None)
    for pattern, message in _NOT_ENABLED:
        for m in pattern.finditer(prose):
            add(m.start(), m.end(), "not-enabled", message, None)
    return found


_NOT_ENABLED = (
    (re.compile(r"\[\^[^\]\s]+\]"),
     "footnotes are not enabled (a note at the end of a long page is lost on a phone): say it in the sentence "
     "or in an admonition"),
    (re.compile(r"(?<![=\w])==(?=\S)[^=\n]+(?<=\S)==(?!=)"),
     "==highlighting== is not enabled: it shows as typed; use **bold** for what a reader must not miss"),
    (re.compile(r"(?<![\w:/.])(:[a-z0-9]+(?:[_+-][a-z0-9]+)*:)(?![\w:/])"),
     "emoji and icon shortcodes are not enabled: it shows as typed"),
)
"""Markdown of extensions `mkdocs.yml` does not load (footnotes, pymdownx.mark, pymdownx.emoji: no page
used them, and each cost every build time); written anyway, it would show as typed."""


_COMMON = {"map", "stops", "account", "settings", "overview", "pending", "report", "may", "march", "slack",
           "chrome", "margalla"}
"""Names that are also ordinary words: lowercase is not wrong for them."""


def _heading_capitals(heading: str, names: set[str]) -> list[str]:
    heading = re.sub(r'"[^"]*"|\*[^*]+\*|“[^”]*”|\{[^}]*\}|\([^)]*\)', " ", heading)
    unknown = []
    for sentence in re.split(r"[.:?!]\s+|\s+[–—-]\s+", heading):
        words = re.findall(r"[A-Za-z][\w'’.-]*", sentence)
        for word in words[1:]:
            word = word.rstrip(".")
            if word[0].isupper() and word not in names and not re.search(r"[A-Z].*[A-Z\d]|\d", word) \
                    and len(word) > 1:
                unknown.append(word)
    return unknown


# ---------------------------------------------------------------------- markdown rules


def _api(style: Style) -> Any:
    from pymarkdown.api import PyMarkdownApi

    from busdocs.authoring.seams import quiet_token_debug

    quiet_token_debug()
    api = PyMarkdownApi()
    api.enable_extension_by_identifier("front-matter")
    api.enable_extension_by_identifier("markdown-tables")
    for key, value in style.properties.items():
        if isinstance(value, bool):
            api.set_boolean_property(key, value)
        elif isinstance(value, int):
            api.set_integer_property(key, value)
        else:
            api.set_string_property(key, str(value))
    for rule in style.disabled:
        api.disable_rule_by_identifier(rule)
    return api


def markdown_findings(text: str, api: Any) -> list[tuple[int, int, str, str]]:
    """(line, col, rule, message) from pymarkdownlnt on the Jinja-masked page."""
    return markdown_findings_of([text], api)[0]


def markdown_findings_of(texts: list[str], api: Any) -> list[list[tuple[int, int, str, str]]]:
    """`markdown_findings` of each page, from one scan of a temporary folder that holds the masked pages.

    pymarkdownlnt sets up its rules, their configuration and its parser again for every scan (about
    7 ms: 0.7 s of CPU for the 105 pages when each is a scan of its own). Its `scan_string` writes
    the text to a temporary file and scans that; here each page is such a file, all in one scan
    (and an empty page is a page with no findings, where `scan_string` refuses an empty string).
    """
    import tempfile

    masked = [mask_jinja(text) for text in texts]
    with tempfile.TemporaryDirectory(prefix="busdocs-lint-") as folder:
        for number, (page, _) in enumerate(masked):
            with open(Path(folder) / f"{number:05d}.md", "w", encoding="utf-8") as out:
                out.write(page)
        result = api.scan_path(folder)
    found: list[list[tuple[int, int, str, str]]] = [[] for _ in texts]
    for failure in result.scan_failures:
        number = int(Path(failure.scan_file).stem)
        found[number].append(_finding(failure, masked[number][1]))
    return found


def _finding(failure: Any, where: list[int]) -> tuple[int, int, str, str]:
    line = where[min(failure.line_number, len(where)) - 1] if where else failure.line_number
    extra = f" {failure.extra_error_information.strip()}" if failure.extra_error_information else ""
    return (line, failure.column_number, failure.rule_id.lower(),
            f"{failure.rule_description.strip().rstrip('.')}{extra} ({failure.rule_name.split(',')[0]})")


# ---------------------------------------------------------------------- running


def pages(root: Path, paths: Iterable[str] = ()) -> list[Path]:
    """The Markdown pages to lint: `paths` (files or folders) or every page of the sites."""
    chosen = [root / p for p in paths] or [root / f for f in FOLDERS]
    found: list[Path] = []
    for path in chosen:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.md") if not any(part.startswith(".") for part in p.parts))
        elif path.suffix == ".md" and path.is_file():
            found.append(path)
        elif not path.exists():
            raise BusdocsError(f"{path}: no such file or folder")
    return found


def _ignored(text: str, line: int, rule: str) -> bool:
    lines = text.split("\n")
    for number in (line, line - 1):
        if 1 <= number <= len(lines) and (m := _IGNORE.search(lines[number - 1])):
            if rule in {r.strip().lower() for r in m[1].split(",")}:
                return True
    return False


CACHE = Path(".cache") / "lint.json"
"""Findings of unchanged pages, keyed by the page, the style, this module and pymarkdownlnt's version
(pymarkdownlnt takes about 0.1 s of CPU per page)."""


def _cache_key(root: Path) -> str:
    import hashlib
    from importlib.metadata import version

    digest = hashlib.sha256((root / STYLE_FILE).read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(version("pymarkdownlnt").encode())
    return digest.hexdigest()


def lint(root: Path, paths: Iterable[str] | None = (), fix: bool = False) -> tuple[list[Finding], int]:
    """Every finding in the pages (after fixing, with `fix`), and how many fixes were applied."""
    import hashlib
    import json

    paths = list(paths or ())
    style = load_style(root)
    findings: list[Finding] = []
    fixed = 0
    key = _cache_key(root)
    try:
        cached = json.loads((root / CACHE).read_text(encoding="utf-8"))
        pages_cache: dict[str, list[list[Any]]] = cached["pages"] if cached.get("key") == key else {}
    except (OSError, ValueError, KeyError, TypeError):
        pages_cache = {}
    fresh: dict[str, list[list[Any]]] = {}
    to_scan: list[tuple[str, str, str]] = []  # (page key, shown, text) of the pages not in the cache
    for path in pages(root, paths):
        shown = path.resolve().relative_to(root.resolve()).as_posix() if path.resolve().is_relative_to(
            root.resolve()) else str(path)
        text = path.read_text(encoding="utf-8")
        if fix:
            text, count = apply_fixes(text, shown, style)
            if count:
                path.write_text(text, encoding="utf-8")
                fixed += count
        page_key = hashlib.sha256(f"{shown}\0{text}".encode()).hexdigest()
        if page_key in pages_cache:
            fresh[page_key] = pages_cache[page_key]
            findings += [Finding(*row) for row in pages_cache[page_key]]
        else:
            to_scan.append((page_key, shown, text))
    if to_scan:
        api = _api(style)
        scanned = markdown_findings_of([text for _, _, text in to_scan], api)
        for (page_key, shown, text), markdown in zip(to_scan, scanned, strict=True):
            found = page_findings(text, shown, style, api, markdown=markdown)
            fresh[page_key] = [[f.file, f.line, f.col, f.rule, f.message, f.fixable] for f in found]
            findings += found
    try:
        (root / CACHE).parent.mkdir(parents=True, exist_ok=True)
        (root / CACHE).write_text(json.dumps({"key": key, "pages": fresh if not paths else {**pages_cache, **fresh}}), encoding="utf-8")
    except OSError:
        pass  # a read-only checkout lints without a cache
    return sorted(findings), fixed


def page_findings(text: str, shown: str, style: Style, api: Any,
                  markdown: list[tuple[int, int, str, str]] | None = None) -> list[Finding]:
    """The findings of one page; `markdown`: its `markdown_findings` when they are known already."""
    skip = set().union(*(rules for pattern, rules in style.ignore if fnmatch(shown, pattern)))
    out = []
    for line, col, rule, message in markdown_findings(text, api) if markdown is None else markdown:
        if rule not in skip and not _ignored(text, line, rule):
            out.append(Finding(shown, line, col, rule, message))
    for _, line, col, rule, message, fix in style_findings(text, shown, style):
        if not _ignored(text, line, rule):
            out.append(Finding(shown, line, col, rule, message, fixable=fix is not None))
    return out


def apply_fixes(text: str, shown: str, style: Style) -> tuple[str, int]:
    """The page with every mechanical style fix applied (right to left, so offsets hold)."""
    edits = []
    for _, line, _, rule, _, fix in style_findings(text, shown, style):
        if fix is not None and not _ignored(text, line, rule):
            start, end, replacement = fix.split(":", 2)
            edits.append((int(start), int(end), replacement))
    taken_until = len(text) + 1
    count = 0
    for start, end, replacement in sorted(set(edits), reverse=True):
        if end > taken_until:
            continue  # overlaps an edit already made; the next run fixes it
        removed = text[start:end]
        text = text[:start] + replacement + text[end:]
        if not replacement and removed[:1].isupper():  # "Simply tap" → "Tap"
            text = text[:start] + text[start:start + 1].upper() + text[start + 1:]
        taken_until = start
        count += 1
    return text, count
