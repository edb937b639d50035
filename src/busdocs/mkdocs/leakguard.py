"""The last line of defence for the public site: nothing internal in its output.

Every file of the built site is read, whatever its kind: text as text, `.gz` decompressed,
`.zip` member by member, PDFs through pypdf (the text of every page, the document information and
link targets), anything else as bytes. The needles (every internal value of the data, see
`busdocs.data.visibility.internal_values`) are found in one pass per file with an Aho-Corasick
automaton (`Needles`), so a thousand needles cost about what one does.
"""

from __future__ import annotations

import gzip
import io
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


class Needles:
    """Every needle found in a text in one pass (Aho-Corasick): a regular expression of hundreds of
    alternatives costs seconds on a large site. `ahocorasick_rs` (the Rust `aho-corasick` crate, with
    its SIMD prefilter) reads about 150 MB/s here, four to five times pyahocorasick's speed; with
    overlapping matches it reports every occurrence of every needle, so no needle hides inside
    another."""

    def __init__(self, words: Iterable[str]) -> None:
        import hashlib

        import ahocorasick_rs

        digest = hashlib.sha256()
        self.words = sorted(set(words))
        for word in self.words:
            digest.update(word.encode() + b"\0")
        self.key = digest.hexdigest()
        self.empty = not self.words
        self.automaton = (None if self.empty else
                          ahocorasick_rs.AhoCorasick(self.words, matchkind=ahocorasick_rs.MatchKind.Standard))

    def findall(self, text: str) -> list[str]:
        """Every needle in `text`, once per occurrence."""
        if self.automaton is None:
            return []
        try:
            return self.automaton.find_matches_as_strings(text, overlapping=True)
        except UnicodeEncodeError:  # a lone surrogate (text read from a PDF): not part of any needle
            return self.automaton.find_matches_as_strings(
                text.encode("utf-8", errors="replace").decode("utf-8"), overlapping=True)


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


_PDF_TEXTS: dict[bytes, str] = {}
"""`pdf_text` by the digest of the PDF's bytes: the same handbook is read again by every guard of a
process that sees it (the `busdocs pdf` run's guard and a build's, `busdocs serve`, the tests), and
pypdf takes about half a second for a hundred pages."""
_PDF_TEXTS_LIMIT = 16


def pdf_text(data: bytes) -> str:
    """Everything a reader of a PDF can see or copy: page text, document information, link targets.
    Whitespace is collapsed (text extraction breaks lines where the layout did)."""
    import hashlib

    key = hashlib.sha256(data).digest()
    text = _PDF_TEXTS.get(key)
    if text is None:
        text = _PDF_TEXTS[key] = _read_pdf_text(data)
        while len(_PDF_TEXTS) > _PDF_TEXTS_LIMIT:
            del _PDF_TEXTS[next(iter(_PDF_TEXTS))]
    return text


def _read_pdf_text(data: bytes) -> str:
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
                internal_sources: Iterable[str] = (), cache: Path | None = None) -> list[Leak]:
    """Leaks in a built site.

    Args:
        site_dir: The built site.
        needles: Strings that must not occur in any output (internal values and hosts); a mapping
            gives for each where it comes from, which the report names instead of the value.
        internal_sources: Output files (relative to `site_dir`) that were built from internal sources.
        cache: A file keeping what was found in each output, by the output's bytes and the needles
            (a rebuild scans only what changed; every output is still checked, on every build).

    Returns:
        Every leak found; empty when the site is clean. A file that cannot be read (a damaged
        PDF or archive) is a leak too: what cannot be checked is not published.
    """
    return Guard(needles, cache).scan(site_dir, internal_sources)


Found = list[tuple[str, "str | None"]]
"""What one output file holds: (where, needle), or (where, None) for a part that cannot be read."""


class Guard:
    """The leak guard of one build: its needles, and what was found in outputs already scanned.

    The build's page workers and the build process scan each page's output as it is written
    (`note`), while the other core is busy too; `scan` then reads every file of the site and
    scans only the bytes no one noted. What a file holds is a function of its path, its bytes and
    the needles alone, so a noted result is used only for exactly the bytes that were noted: a
    file written again with other bytes is scanned again.
    """

    def __init__(self, needles: Iterable[str] | Mapping[str, str], cache: Path | None = None) -> None:
        """`needles` as for `scan_output`; `cache` the file of what each output held in the last
        build (read now, so pages noted during the build are looked up there first)."""
        origins = dict(needles) if isinstance(needles, Mapping) else {n: "" for n in needles}
        self.origins = {" ".join(n.split()): o for n, o in origins.items() if n and n.strip()}
        self.regex = Needles(self.origins)
        self.noted: dict[str, Found] = {}
        """Findings by `file_id` (path and bytes), from `note` in this process or merged from a worker."""
        self.kept = _ScanCache(cache, self.regex.key)
        """Findings of the last build by `file_id`; what this build's outputs held is saved by `scan`."""

    def findings(self, relative: str, data: bytes) -> Found:
        """Every needle in one output file (its path in the site and its bytes)."""
        found: Found = []
        if self.regex.empty:
            return found
        for where, text in _texts(relative, data):
            if text == "\0unreadable":
                found.append((where, None))
                continue
            # Whitespace collapsed, as in the needles: a value wrapped over two lines is still found.
            found += [(where, n) for n in sorted(set(self.regex.findall(" ".join(f"{where}\n{text}".split()))))]
        return found

    def note(self, relative: str, data: bytes) -> tuple[str, Found] | None:
        """Scan an output as it is written; returns (file id, findings) when it was not noted before."""
        key = file_id(relative, data)
        if self.regex.empty or key in self.noted:
            return None
        found = self.kept.get(key)
        self.noted[key] = found = self.findings(relative, data) if found is None else found
        return key, found

    def scan(self, site_dir: Path, internal_sources: Iterable[str] = ()) -> list[Leak]:
        """Leaks in the built site (see `scan_output`): every file is read; what was noted or cached
        for exactly its bytes is not scanned again."""
        leaks = [Leak(path, "built from an internal source (runbooks/)") for path in sorted(internal_sources)]
        if self.regex.empty:
            return leaks
        seen = self.kept
        for path in sorted(site_dir.rglob("*")):
            if not path.is_file():
                continue
            relative = path.relative_to(site_dir).as_posix()
            data = path.read_bytes()
            key = file_id(relative, data)
            found_in = self.noted.get(key)
            if found_in is None:
                found_in = seen.get(key)
            if found_in is None:
                found_in = self.findings(relative, data)
            seen.put(key, found_in)
            for where, needle in found_in:
                if needle is None:
                    leaks.append(Leak(where, "cannot be read to check it for internal content"))
                    continue
                # Name the value by where it comes from, or by its first characters: the log must
                # not leak it either.
                shown = self.origins.get(needle) or (needle[:12] + "…" if len(needle) > 12 else needle)
                leaks.append(Leak(where, f"contains an internal value ({shown})"))
        seen.save()
        return leaks


def file_id(relative: str, data: bytes) -> str:
    """An output file by its path in the site and its bytes."""
    import hashlib

    return relative + "\0" + hashlib.sha1(data, usedforsecurity=False).hexdigest()


class _ScanCache:
    """What each output held, by its path and bytes and the needles' pattern; kept in a JSON file."""

    def __init__(self, path: Path | None, pattern: str) -> None:
        import hashlib
        import json

        self.path = path
        self.key = hashlib.sha256(pattern.encode()).hexdigest()
        self.old: dict[str, list[list[str | None]]] = {}
        self.new: dict[str, list[list[str | None]]] = {}
        if path is not None:
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
                if stored.get("needles") == self.key and isinstance(stored.get("files"), dict):
                    self.old = stored["files"]
            except (OSError, ValueError, AttributeError):
                pass

    def get(self, key: str) -> Found | None:
        """What the file with this `file_id` held in the last build, if it was kept."""
        found = self.old.get(key) if self.path is not None else None
        return None if found is None else [(where, needle) for where, needle in found]

    def put(self, key: str, found: Found) -> None:
        if self.path is not None:
            self.new[key] = [[where, needle] for where, needle in found]

    def save(self) -> None:
        import json
        import os
        import tempfile

        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=".leakguard-", dir=self.path.parent)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump({"needles": self.key, "files": self.new}, out)
            os.replace(name, self.path)
        except OSError:
            pass  # the scan itself was done; a cache that cannot be written costs only time
