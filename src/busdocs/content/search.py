"""Search entries made to serve visitors' words (`data/search.yml`), without MkDocs.

The search plugin turns each section of a page (a heading and what follows it) into an entry
`{location, title, text, tags?, boost?}`; Material's worker indexes the fields that
`plugins.search.fields` names. busdocs adds a `keywords` field that is indexed but never shown:

- visitors' words (`helpline`) for each word of the section that `data/search.yml` lists as
  meaning the same (`contact`, `phone`);
- brand and camel-case names written whole (`JazzCash` → `jazzcash`, `VoiceOver` → `voiceover`):
  the index splits them in two, so what visitors type as one word would find nothing.

Whole parts of the site get a weight (`boosts`, Material's `search.boost`), so guides rank above
the API reference for task questions.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, MutableMapping
from pathlib import Path

from busdocs import globs
from busdocs.data.models.search import SearchSettings
from busdocs.errors import Problem

FIELD = "keywords"
"""The search entry field that holds the added words (`plugins.search.fields.keywords`)."""
RELATED_FIELD = "related"
"""Visitors' words of an `anywhere` synonym whose target is only in the section's text, not its
heading: weighed like the text (`plugins.search.fields.related`), so a word that occurs in passing
does not lift every section it touches."""

_TAGS = re.compile(r"<[^>]+>")
_WORDS = re.compile(r"[a-z0-9]+")
_CAMEL = re.compile(r"\b[A-Z]?[a-z]+(?:[A-Z][a-z]+)+\b")
_CAMEL_HINT = re.compile(r"[a-z][A-Z]")


def words_of(text: str) -> set[str]:
    """The lowercase words of a text or HTML fragment, as the index splits them."""
    return set(_WORDS.findall(html.unescape(_TAGS.sub(" ", text)).lower()))


def forms(word: str) -> set[str]:
    """A word and its regular English forms (`charge` → charges, charged, charging)."""
    out = {word, word + "s", word + "es", word + "ed", word + "ing", word + "d"}
    if word.endswith("e"):
        out.add(word[:-1] + "ing")
    if word.endswith("y"):
        out |= {word[:-1] + "ies", word[:-1] + "ied"}
    return out


class SynonymTable(list):
    """The synonyms as `keyword_fields` reads them: `(target forms, anywhere, visitors' words)` in
    the order of `data/search.yml`, and `by_word`, each target form → the positions of the synonyms
    that hold it, so a section's words are looked up instead of every synonym being tried."""

    def __init__(self, rows: Iterable[tuple[frozenset[str], bool, str]]) -> None:
        super().__init__(rows)
        self.by_word: dict[str, tuple[int, ...]] = _by_word(self)


def _by_word(table: list[tuple[frozenset[str], bool, str]]) -> dict[str, tuple[int, ...]]:
    found: dict[str, list[int]] = {}
    for position, (targets, _, _) in enumerate(table):
        for word in targets:
            found.setdefault(word, []).append(position)
    return {word: tuple(positions) for word, positions in found.items()}


def synonym_table(settings: SearchSettings) -> SynonymTable:
    """The synonyms of `settings` as `keyword_fields` reads them (a build makes it once: keywords are added per page)."""
    return SynonymTable((frozenset().union(*(forms(m) for m in s.means)), s.anywhere, " ".join(s.words))
                        for s in settings.synonyms)


def keyword_fields(title: str, text: str, settings: SearchSettings, table: list | None = None) -> tuple[str, str]:
    """The hidden words of one section: (synonyms of its heading's words and its camel-case names
    whole, synonyms of words only its text uses)."""
    if table is None:
        table = synonym_table(settings)
    by_word = table.by_word if isinstance(table, SynonymTable) else _by_word(table)
    in_title = words_of(title)
    plain = html.unescape(_TAGS.sub(" ", f"{title} {text}"))  # once: this runs for every section of a site
    in_text = set(_WORDS.findall(plain.lower())) | in_title
    # The synonyms whose targets the title holds, then those only the text holds, in the table's order.
    titled = {position for word in in_title for position in by_word.get(word, ())}
    texted = {position for word in in_text for position in by_word.get(word, ())}
    strong: list[str] = []
    related: list[str] = []
    for position in sorted(texted):  # in_text holds in_title: texted holds titled
        _, anywhere, words = table[position]
        if position in titled:
            strong.append(words)
        elif anywhere:
            related.append(words)
    # A camel-case name has a lowercase letter right before an uppercase one: most sections have none.
    if _CAMEL_HINT.search(plain):
        strong += sorted({m.lower() for m in _CAMEL.findall(plain)})
    return " ".join(dict.fromkeys(strong)), " ".join(dict.fromkeys(related))


def keywords(title: str, text: str, settings: SearchSettings, table: list | None = None) -> str:
    """Every hidden word of one section (both fields of `keyword_fields`)."""
    return " ".join(w for w in keyword_fields(title, text, settings, table) if w)


def add_keywords(entries: Iterable[MutableMapping[str, object]], settings: SearchSettings,
                 table: list | None = None) -> None:
    """Give each search entry its `keywords` and `related` fields (each left out when empty);
    `table` is `synonym_table(settings)` where the caller keeps it."""
    table = table if table is not None else synonym_table(settings)
    for entry in entries:
        strong, related = keyword_fields(str(entry.get("title", "")), str(entry.get("text", "")), settings, table)
        if strong:
            entry[FIELD] = strong
        if related:
            entry[RELATED_FIELD] = related


def section_boost(src_uri: str, settings: SearchSettings) -> float | None:
    """The weight `data/search.yml` gives the page at `src_uri` (site source path), if any."""
    for rule in settings.boosts:
        if globs.matches(rule.pages, src_uri):
            return rule.boost
    return None


def apply_boost(meta: MutableMapping[str, object], src_uri: str, settings: SearchSettings) -> None:
    """Set the page's `search.boost` from its part of the site, unless its front matter has one."""
    boost = section_boost(src_uri, settings)
    search = meta.get("search")
    if boost is None or (search is not None and not isinstance(search, dict)):
        return
    if search is None:
        meta["search"] = {"boost": boost}
    elif "boost" not in search:
        meta["search"] = {**search, "boost": boost}


SOURCES = ("docs", "guides", "runbooks")


def site_words(root: Path) -> set[str]:
    """Every word of the pages' sources and the data they render (what the sites can contain)."""
    found: set[str] = set()
    for folder in SOURCES:
        for path in sorted((root / folder).rglob("*.md")):
            found |= words_of(path.read_text(encoding="utf-8", errors="replace"))
    for path in sorted((root / "data").glob("*.y*ml")):
        if path.name != "search.yml":
            found |= words_of(path.read_text(encoding="utf-8", errors="replace"))
    return found


def synonym_problems(root: Path, settings: SearchSettings, line_of=lambda path: None) -> list[Problem]:
    """Synonym targets that occur nowhere in the site: their visitors' words would find nothing."""
    present = site_words(root)
    problems = []
    for i, synonym in enumerate(settings.synonyms):
        for j, word in enumerate(synonym.means):
            if not forms(word) & present:
                problems.append(Problem(Path("data/search.yml"), line_of(("synonyms", i, "means", j)),
                                        f"synonyms[{i}].means[{j}]",
                                        f"{word!r} occurs in no page: visitors typing "
                                        f"{', '.join(synonym.words)} would find nothing through it"))
    for i, rule in enumerate(settings.boosts):
        if not any(globs.matches(rule.pages, p) for p in _site_paths(root)):
            problems.append(Problem(Path("data/search.yml"), line_of(("boosts", i, "pages")), f"boosts[{i}].pages",
                                    f"{rule.pages!r} matches no page of either site"))
    return problems


def _site_paths(root: Path) -> list[str]:
    """Source paths of the pages as the sites mount them (guides/ at the root, runbooks/ under runbooks/)."""
    out = [p.relative_to(root / "docs").as_posix() for p in (root / "docs").rglob("*.md")]
    out += [p.relative_to(root / "guides").as_posix() for p in (root / "guides").rglob("*.md")]
    out += ["runbooks/" + p.relative_to(root / "runbooks").as_posix() for p in (root / "runbooks").rglob("*.md")]
    out += ["api/" + "x.md"]  # the generated API pages (one per tag of data/openapi.yaml)
    return out
