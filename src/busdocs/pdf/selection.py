"""Choosing a handbook's pages: its patterns over the build record (in navigation order), and the
article of each built page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from busdocs import globs
from busdocs.errors import BusdocsError


def select_pages(handbook_id: str, patterns: Sequence[str],
                 pages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pages of a build record that the patterns match.

    Order: pattern by pattern, each in navigation order; a page matched twice comes once, where
    it was first matched.

    Raises:
        BusdocsError: Naming the handbook and the first pattern that matches nothing.
    """
    chosen: dict[str, dict[str, Any]] = {}
    for pattern in patterns:
        match = globs.matcher(pattern)
        matched = [p for p in pages if match(str(p.get("src", "")))]
        if not matched:
            raise BusdocsError(f"handbook {handbook_id!r}: pattern {pattern!r} matches no page of the "
                               "built site (patterns are source paths such as 'students/**' or 'faq.md')")
        for page in matched:
            chosen.setdefault(page["src"], page)
    return list(chosen.values())


_ARTICLE_OPEN = re.compile(r'<article\b[^>]*\bclass="[^"]*\bmd-content__inner\b[^"]*"[^>]*>')
_ARTICLE_TAG = re.compile(r"<(/?)article\b[^>]*>", re.IGNORECASE)
IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc=\"([^\"]+)\"", re.IGNORECASE)


def extract_article(page_html: str) -> str | None:
    """Material's `<article class="md-content__inner">…</article>` of a built page, or None."""
    start = _ARTICLE_OPEN.search(page_html)
    if start is None:
        return None
    depth = 1
    for tag in _ARTICLE_TAG.finditer(page_html, start.end()):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return page_html[start.start():tag.end()]
    return None


def page_file(site_dir: Path, url: str) -> Path:
    """The built HTML file of a page URL (`students/sign-up/` → `students/sign-up/index.html`)."""
    path = unquote(url.split("#", 1)[0].split("?", 1)[0]).lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    return site_dir / path


def url_key(path: str) -> str:
    """A site-relative URL path in one spelling: `a/b/index.html` and `a/b/` → `a/b/`."""
    path = unquote(path).lstrip("/")
    if path == "index.html" or path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return path
