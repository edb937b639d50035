"""The glossary (`data/glossary.yml`) as Markdown: the Glossary page, and the abbreviation
definitions appended to every page so a term is explained where it is used."""

from __future__ import annotations

import re

from busdocs.content.helpcenter import relative_link
from busdocs.data.models.glossary import Glossary, Term

ABBR_MARK = "<!-- busdocs glossary -->"


def _plain(text: str) -> str:
    """Definition text fit for a `title` attribute: no Markdown emphasis, one line."""
    return re.sub(r"\s+", " ", text.replace("**", "").replace("`", "")).strip()


def glossary_anchor(term: Term) -> str:
    return term.id


def glossary_markdown(glossary: Glossary, from_src_uri: str) -> str:
    """One definition list entry per term, alphabetical, each with its anchor and a link to the page
    that explains it in full (on the ops site the internal terms are marked)."""
    out = []
    for term in sorted(glossary.terms, key=lambda t: t.term.lower()):
        more = f" [More]({relative_link(term.see, from_src_uri)})" if term.see else ""
        mark = " *(ops site only)*" if term.visibility == "internal" else ""
        out.append(f'<span id="{glossary_anchor(term)}"></span>**{term.term}**{mark}\n'
                   f":   {term.definition.strip()}{more}\n")
    return "\n".join(out)


def abbreviations(glossary: Glossary) -> str:
    """`*[term]: definition` lines for Python-Markdown's `abbr` extension: every use of a term on a
    page gets its definition as a tooltip. Only terms with `tooltip: true`."""
    lines = [ABBR_MARK]
    for term in glossary.terms:
        if not term.tooltip:
            continue
        for spelling in (term.term, *term.also):
            lines.append(f"*[{spelling}]: {_plain(term.definition)}")
    return "\n".join(lines)


def append_abbreviations(markdown: str, glossary: Glossary, block: str | None = None) -> str:
    """The page with the glossary's abbreviations at its end (once); `block` is
    `abbreviations(glossary)` where the caller keeps it (a build appends it to every page)."""
    if ABBR_MARK in markdown:
        return markdown
    return f"{markdown.rstrip()}\n\n{abbreviations(glossary) if block is None else block}\n"
