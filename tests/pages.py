"""Helpers to read built pages."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from bs4 import BeautifulSoup


def page(site: Path, url_path: str) -> BeautifulSoup:
    """The parsed page at `url_path` (`students/` → students/index.html)."""
    path = site / url_path.strip("/") / "index.html" if not url_path.endswith(".html") else site / url_path
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def article(site: Path, url_path: str) -> BeautifulSoup:
    """The article of a page, without the theme around it."""
    path = site / url_path.strip("/") / "index.html" if not url_path.endswith(".html") else site / url_path
    found = article_of(path)
    assert found is not None, f"{url_path}: no article"
    return found


ARTICLE = '<article class="md-content__inner'


def article_of(path: Path) -> BeautifulSoup | None:
    """The parsed article of the page in `path`, or None for a page without one (a redirect).
    Only the article is parsed: the navigation around it is most of a page's bytes."""
    html = path.read_text(encoding="utf-8")
    start = html.find(ARTICLE)
    if start < 0:
        return None
    end = html.find("</article>", start)
    assert end > 0 and html.count(ARTICLE) == 1, f"{path}: not one whole article"
    return BeautifulSoup(html[start:end + len("</article>")], "html.parser").article


def heading_text(tag) -> str:
    """A heading's text without its permalink (¶)."""
    # Not get_text(strip=True): that drops the spaces around inline tags (a glossary <abbr>).
    return " ".join(tag.get_text().split()).removesuffix("¶").rstrip()


class _StartTags(HTMLParser):
    def __init__(self, names: tuple[str, ...]) -> None:
        super().__init__()
        self.names, self.found = names, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.names:
            self.found.append(dict(attrs))  # a repeated attribute keeps its last value, as in BeautifulSoup


def start_tags(html: str, names: tuple[str, ...]) -> list[dict[str, str | None]]:
    """The attributes of every start tag named in `names`, in document order: the tokenizer that
    BeautifulSoup's "html.parser" uses, without building the tree (a quarter of the time over a
    whole site, for tests that only look at some tags of every page)."""
    parser = _StartTags(names)
    parser.feed(html)
    parser.close()
    return parser.found
