"""Translations that never silently go stale.

A translation lives at `i18n/<lang>/<src_uri>`, the same path its English page has in the site
(`i18n/ur/drivers/sign-in.md` translates `guides/drivers/sign-in.md`, published at
`/ur/drivers/sign-in/`). Its front matter records which version of the English source it
translates: `source_hash`, the first 16 hex digits of the SHA-256 of the English file. Beside it,
`i18n/<lang>/.english/<src_uri>` keeps that English text, so `busdocs i18n status` can show what
changed in English since (no git history needed). `busdocs i18n mark` records both after a
translator has caught up.

The Urdu build shows a notice on a page whose English changed since (`stale_notice`) and on a
page that has no translation yet and is shown in English (`fallback_notice`).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from busdocs.errors import BusdocsError
from busdocs.i18n import urdu

TRANSLATIONS_DIR = "i18n"
SNAPSHOTS = ".english"
HASH_KEY = "source_hash"
ALSO_KEY = "also_translates"
"""Front matter: data files whose English text the page also translates (`[data/faq.yml]` for the
FAQ, whose questions are data); their text is part of the hash, so a change to them makes it stale."""
ENGLISH_FOLDERS = ("docs", "guides")
"""Where the English pages live: `docs/` and the guides the busdocs plugin mounts at the root."""
UNTRANSLATED = ("api/", "news/")
"""Pages generated from data or written for the press: shown in English, not listed as missing."""

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def source_hash(text: str) -> str:
    """The content hash a translation records: SHA-256 of the English file (newlines normalised)."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()[:16]


def front_matter(text: str) -> dict:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}
    try:
        data = yaml.safe_load(match[1])
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True, slots=True)
class Translation:
    src_uri: str
    """The page's path in the site (`drivers/sign-in.md`)."""
    path: Path
    """The translation (`i18n/ur/drivers/sign-in.md`)."""
    english: Path
    """Its English source (`guides/drivers/sign-in.md`)."""
    recorded: str | None
    """`source_hash` of the translation's front matter (None when it has none)."""
    current: str
    """The hash of the English source as it is now."""
    also: tuple[Path, ...] = ()
    """Data files it also translates (`also_translates`)."""

    @property
    def stale(self) -> bool:
        return self.recorded != self.current


def english_pages(root: Path) -> dict[str, Path]:
    """Every English Markdown page of the public site by its path in the site."""
    pages: dict[str, Path] = {}
    for folder in ENGLISH_FOLDERS:
        base = root / folder
        for path in sorted(base.rglob("*.md")) if base.is_dir() else ():
            if not any(part.startswith(".") for part in path.relative_to(base).parts):
                pages[path.relative_to(base).as_posix()] = path
    return pages


def language_dir(root: Path, language: str) -> Path:
    return root / TRANSLATIONS_DIR / language


def translations(root: Path, language: str, english: dict[str, Path] | None = None) -> dict[str, Translation]:
    """Every translation of `language` by its path in the site.

    Raises:
        BusdocsError: For a translation whose English page does not exist.
    """
    english = english if english is not None else english_pages(root)
    base = language_dir(root, language)
    found: dict[str, Translation] = {}
    for path in sorted(base.rglob("*.md")) if base.is_dir() else ():
        rel = path.relative_to(base)
        if rel.parts[0] == SNAPSHOTS:
            continue
        src_uri = rel.as_posix()
        source = english.get(src_uri)
        if source is None:
            raise BusdocsError(f"{path.relative_to(root)}: translates {src_uri}, which no English page is "
                               f"(the English pages live in {' and '.join(ENGLISH_FOLDERS)}/)")
        meta = front_matter(path.read_text(encoding="utf-8"))
        recorded = meta.get(HASH_KEY)
        also = tuple(root / str(name) for name in (meta.get(ALSO_KEY) or []))
        for extra in also:
            if not extra.is_file():
                raise BusdocsError(f"{path.relative_to(root)}: {ALSO_KEY}: {extra.relative_to(root)} does not exist")
        text = "".join(p.read_text(encoding="utf-8") for p in (source, *also))
        found[src_uri] = Translation(src_uri, path, source, str(recorded) if recorded else None,
                                     source_hash(text), also)
    return found


# ---------------------------------------------------------------------- notices on the Urdu pages

def fallback_notice(english_href: str) -> str:
    """The Urdu notice on top of a page shown in English because it has no translation yet."""
    return ('!!! info busdocs-fallback "یہ صفحہ ابھی اردو میں دستیاب نہیں"\n'
            "    اس صفحے کا اردو ترجمہ ابھی تیار نہیں ہوا، اس لیے نیچے انگریزی متن دکھایا جا رہا ہے۔ "
            f'<a href="{english_href}" hreflang="en" lang="en" dir="ltr">English</a>\n'
            "\n")


def stale_notice(updated: date, english_href: str) -> str:
    """The Urdu notice on a translation whose English page changed after it was translated."""
    return ('!!! warning busdocs-stale "انگریزی صفحہ بدل گیا ہے"\n'
            f"    انگریزی صفحہ {urdu.long_date(updated)} کو اپ ڈیٹ ہوا۔ یہ ترجمہ اس سے پہلے کا ہے، اس لیے "
            "کچھ باتیں پرانی ہو سکتی ہیں۔ تازہ معلومات کے لیے "
            f'<a href="{english_href}" hreflang="en">انگریزی صفحہ</a> دیکھیں۔\n'
            "\n")


def english_href(page_url: str) -> str:
    """From a page of the Urdu edition (`/ur/<page_url>`) to the same page of the English site."""
    return "../" * (page_url.count("/") + 1) + page_url


# ---------------------------------------------------------------------- busdocs i18n status / mark

def status_report(root: Path, language: str) -> tuple[str, int]:
    """The text `busdocs i18n status` prints, and how many translations are stale."""
    english = english_pages(root)
    done = translations(root, language, english)
    missing = [uri for uri in english if uri not in done and not uri.startswith(UNTRANSLATED)]
    stale = [t for t in done.values() if t.stale]
    lines = [f"{language}: {len(done)} translated, {len(stale)} stale, {len(missing)} missing "
             f"(of {len(english)} English pages; {', '.join(UNTRANSLATED)} stay English)"]
    if missing:
        lines.append("\nmissing (shown in English with a notice):")
        lines += [f"  {uri}  ← {english[uri].relative_to(root)}" for uri in missing]
    for t in stale:
        lines.append(f"\nstale: {t.path.relative_to(root)} translates {t.english.relative_to(root)} "
                     f"at {t.recorded or '(no source_hash)'}, English is now {t.current}")
        for english, snapshot in _snapshots(root, language, t):
            if snapshot.is_file():
                diff = difflib.unified_diff(snapshot.read_text(encoding="utf-8").splitlines(),
                                            english.read_text(encoding="utf-8").splitlines(),
                                            f"{english.relative_to(root)} (translated)",
                                            f"{english.relative_to(root)} (now)", lineterm="", n=1)
                lines += [f"    {line}" for line in diff]
            else:
                lines.append(f"    (no copy of the translated English in {snapshot.relative_to(root)}: "
                             "compare with git log -p)")
    if stale:
        option = "" if language == "ur" else f" --language {language}"
        lines.append(f"\nafter updating a translation: busdocs i18n{option} mark PAGE")
    return "\n".join(lines), len(stale)


def mark(root: Path, language: str, src_uri: str) -> Translation:
    """Record that the translation of `src_uri` is up to date with its English page now: its
    `source_hash` and the English text beside it (for the next `status` diff)."""
    english = english_pages(root)
    src_uri = src_uri.removeprefix(f"{TRANSLATIONS_DIR}/{language}/")
    done = translations(root, language, english)
    t = done.get(src_uri)
    if t is None:
        raise BusdocsError(f"no translation {TRANSLATIONS_DIR}/{language}/{src_uri} "
                           f"(translated: {', '.join(sorted(done)) or 'none'})")
    text = t.path.read_text(encoding="utf-8")
    line = f"{HASH_KEY}: {t.current}"
    match = _FRONT_MATTER.match(text)
    if match is None:
        text = f"---\n{line}\n---\n\n{text}"
    elif re.search(rf"^{HASH_KEY}:.*$", match[1], re.M):
        text = text[:match.start(1)] + re.sub(rf"^{HASH_KEY}:.*$", line, match[1], flags=re.M) + text[match.end(1):]
    else:
        text = text[:match.end(1)] + "\n" + line + text[match.end(1):]
    t.path.write_text(text, encoding="utf-8")
    for english, snapshot in _snapshots(root, language, t):
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(english.read_text(encoding="utf-8"), encoding="utf-8")
    return Translation(t.src_uri, t.path, t.english, t.current, t.current, t.also)


def _snapshots(root: Path, language: str, t: Translation) -> list[tuple[Path, Path]]:
    """Each English file a translation follows, and where the copy of its translated version is kept."""
    base = language_dir(root, language) / SNAPSHOTS
    return [(t.english, base / t.src_uri), *((p, base / p.relative_to(root)) for p in t.also)]
