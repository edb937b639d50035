"""Helpers to read built pages."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup


def page(site: Path, url_path: str) -> BeautifulSoup:
    """The parsed page at `url_path` (`students/` → students/index.html)."""
    path = site / url_path.strip("/") / "index.html" if not url_path.endswith(".html") else site / url_path
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def article(site: Path, url_path: str) -> BeautifulSoup:
    """The article of a page, without the theme around it."""
    found = page(site, url_path).select_one("article.md-content__inner")
    assert found is not None, f"{url_path}: no article"
    return found


def heading_text(tag) -> str:
    """A heading's text without its permalink (¶)."""
    # Not get_text(strip=True): that drops the spaces around inline tags (a glossary <abbr>).
    return " ".join(tag.get_text().split()).removesuffix("¶").rstrip()
