"""The last line of defence for the public site: nothing internal in its output.

Every file of the built site is read, whatever its kind: text as text, `.gz` decompressed,
`.zip` member by member, PDFs through pypdf (the text of every page, the document information and
link targets), anything else as bytes. The needles (every internal value of the data, see
`busdocs.data.visibility.internal_values`) are found in one pass per file with a regular expression
built as a trie, so a thousand needles cost about what one does.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Leak:
    """One file of a public build that must not be there or that holds internal text."""

    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


def trie_regex(words: Iterable[str]) -> re.Pattern[str] | None:
    """One regular expression matching any of `words`, built as a trie (no backtracking across words)."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    if not trie:
        return None

    def pattern(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10000))  # a long needle is a deep trie
    try:
        return re.compile(pattern(trie))
    finally:
        sys.setrecursionlimit(limit)


def _texts(name: str, data: bytes, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(where, text) of one output file, opened by kind; `where` names a zip member."""
    lower = name.lower()
    if lower.endswith(".gz") and depth < 3:
        try:
            yield from _texts(name[:-3], gzip.decompress(data), depth + 1)
        except (OSError, EOFError, gzip.BadGzipFile):
            yield name, "\0unreadable"
        return
    if lower.endswith(".zip") and depth < 3:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.infolist():
                    if not member.is_dir():
                        for where, text in _texts(member.filename, archive.read(member), depth + 1):
                            yield f"{name}!{where}", text
        except (zipfile.BadZipFile, OSError, EOFError):
            yield name, "\0unreadable"
        return
    if lower.endswith(".pdf"):
        yield name, pdf_text(data)
        return
    yield name, data.decode("utf-8", errors="replace")


def pdf_text(data: bytes) -> str:
    """Everything a reader of a PDF can see or copy: page text, document information, link targets.
    Whitespace is collapsed (text extraction breaks lines where the layout did)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        parts = [str(v) for v in (reader.metadata or {}).values()]
        for page in reader.pages:
            parts.append(page.extract_text() or "")
            for annotation in page.get("/Annots") or []:
                action = annotation.get_object().get("/A") or {}
                if "/URI" in action:
                    parts.append(str(action["/URI"]))
        for outline in _outline_titles(reader.outline):
            parts.append(outline)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        return "\0unreadable"
    return " ".join(" ".join(parts).split())


def _outline_titles(items: object) -> Iterator[str]:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, list):
            yield from _outline_titles(item)
        else:
            yield str(getattr(item, "title", "") or "")


def scan_output(site_dir: Path, needles: Iterable[str] | Mapping[str, str],
                internal_sources: Iterable[str] = ()) -> list[Leak]:
    """Leaks in a built site.

    Args:
        site_dir: The built site.
        needles: Strings that must not occur in any output (internal values and hosts); a mapping
            gives for each where it comes from, which the report names instead of the value.
        internal_sources: Output files (relative to `site_dir`) that were built from internal sources.

    Returns:
        Every leak found; empty when the site is clean. A file that cannot be read (a damaged
        PDF or archive) is a leak too: what cannot be checked is not published.
    """
    leaks = [Leak(path, "built from an internal source (runbooks/)") for path in sorted(internal_sources)]
    origins = dict(needles) if isinstance(needles, Mapping) else {n: "" for n in needles}
    origins = {" ".join(n.split()): o for n, o in origins.items() if n and n.strip()}
    regex = trie_regex(origins)
    if regex is None:
        return leaks
    for path in sorted(site_dir.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(site_dir).as_posix()
        for where, text in _texts(relative, path.read_bytes()):
            if text == "\0unreadable":
                leaks.append(Leak(where, "cannot be read to check it for internal content"))
                continue
            # Whitespace collapsed, as in the needles: a value wrapped over two lines is still found.
            found = sorted(set(regex.findall(" ".join(f"{where}\n{text}".split()))))
            for needle in found:
                # Name the value by where it comes from, or by its first characters: the log must
                # not leak it either.
                shown = origins.get(needle) or (needle[:12] + "…" if len(needle) > 12 else needle)
                leaks.append(Leak(where, f"contains an internal value ({shown})"))
    return leaks
