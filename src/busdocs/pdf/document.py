"""One HTML document per handbook: a cover, a table of contents with page numbers, then one
chapter per page, cleaned of what only a screen needs (BeautifulSoup; no WeasyPrint here)."""

from __future__ import annotations

import html as htmlmod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from busdocs import __version__
from busdocs.pdf.selection import url_key

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

    from busdocs.data.models.handbooks import Handbook


PRODUCT = "University Bus Tracker"

LABELS = {
    "en": {"for": "For", "version": "Version", "date": "Date", "online": "Online", "contents": "Contents"},
    "ur": {"for": "کس کے لیے", "version": "ورژن", "date": "تاریخ", "online": "آن لائن", "contents": "فہرست"},
}
"""The words of the cover and the contents, by the handbook's language."""
"""The product name printed on every cover."""


@dataclass(slots=True)
class Chapter:
    """One page of a handbook: its place (1-based chapter number), its build record and its article."""

    number: int
    src: str
    url: str
    title: str
    article: str
    """The page's `<article class="md-content__inner">…</article>`, as built."""
    images: list[Path] = field(default_factory=list)


_ADMONITION_KINDS = {
    "tip": "tip", "hint": "tip", "important": "tip", "success": "tip", "check": "tip", "done": "tip",
    "question": "tip", "help": "tip", "faq": "tip",
    "warning": "warning", "caution": "warning", "attention": "warning",
    "danger": "danger", "error": "danger", "failure": "danger", "fail": "danger", "missing": "danger",
    "bug": "danger",
    "example": "example", "quote": "quote", "cite": "quote",
}
"""Material's admonition types → the four colours of pdf.css besides the default (note, info, …)."""

_CODE_CLASSES = frozenset("c c1 cm ch cs".split())
"""Pygments classes pdf.css styles (comments); every other highlight span is unwrapped: each span
is a box to lay out and paint, and colouring every token costs a tenth of a runbook's rendering."""

_REMOVE_TAGS = frozenset(
    "script style button form iframe video audio object embed input select textarea".split())
_REMOVE_CLASSES = frozenset(("headerlink", "md-content__button", "md-source-file", "md-tags"))
"""Removed from print: permalinks, the edit button, the page's git facts, tags, anything interactive."""


def build_document(handbook: Handbook, chapters: Sequence[Chapter], base_url: str,
                   site_dir: Path) -> tuple[str, int]:
    """The whole handbook as one HTML document, and how many h2 sections its contents list."""
    from bs4 import BeautifulSoup

    soups: list[tuple[Chapter, BeautifulSoup, Tag]] = []
    for chapter in chapters:
        soup = BeautifulSoup(chapter.article, "html.parser")
        article = soup.find("article")
        assert article is not None  # extract_article found it
        _clean(soup, article)
        soups.append((chapter, soup, article))

    # Every id of every chapter, before any link is rewritten (links point forward too).
    ids = {chapter.number: {el["id"] for el in article.find_all(id=True)} for chapter, _, article in soups}
    by_url = {url_key(chapter.url): chapter.number for chapter in chapters}
    links = _Links(base_url, by_url, ids)

    body: list[str] = []
    toc: list[str] = []
    sections = 0
    for chapter, soup, article in soups:
        n = chapter.number
        page_url = base_url + chapter.url
        for el in article.find_all(True):
            attrs = el.attrs
            if "id" in attrs:
                attrs["id"] = f"c{n}-{attrs['id']}"
            name = el.name
            if name == "a" or name == "area":
                attrs.pop("name", None)  # WeasyPrint makes an anchor of a[name] too
                if "href" in attrs:
                    href = links.rewrite(str(attrs["href"]), page_url, n)
                    if href is None:
                        del attrs["href"]
                    else:
                        attrs["href"] = href
            elif name == "img":
                _print_image(el, page_url, base_url, site_dir)
            elif name == "label":
                attrs.pop("for", None)

        title, heading_id, h2s = _headings(soup, article, chapter)
        sections += len(h2s)
        entries = "".join(f'<li class="toc-section"><a href="{_attr(_href(i))}">{_text(t)}</a></li>'
                          for t, i in h2s)
        toc.append(f'<li class="toc-chapter"><a class="toc-head" href="{_attr(_href(heading_id))}">'
                   f"{_text(title)}</a>"
                   + (f'<ol class="toc-sections">{entries}</ol>' if entries else "") + "</li>")
        body.append(f'<section class="chapter" id="c{n}">' + article.decode_contents() + "</section>")

    internal = handbook.site == "internal"
    language = getattr(handbook, "language", "en")
    words = LABELS[language]
    if language == "ur":
        from busdocs.i18n import urdu

        when = urdu.long_date(handbook.date)
    else:
        when = _long_date(handbook.date)
    cover = (
        f'<section class="cover{" cover-internal" if internal else ""}">'
        '<div class="cover-band">'
        f'<p class="cover-product">{_text(PRODUCT)}</p>'
        f'<h1 class="cover-title">{_text(handbook.title)}</h1>'
        f'<p class="cover-subtitle">{_text(handbook.subtitle)}</p>'
        "</div>"
        '<div class="cover-facts">'
        f'<p><span class="cover-label">{words["for"]}</span>{_text(handbook.audience)}</p>'
        f'<p><span class="cover-label">{words["version"]}</span><bdi dir="ltr">{_text(handbook.version)}</bdi></p>'
        f'<p><span class="cover-label">{words["date"]}</span>{_text(when)}</p>'
        f'<p><span class="cover-label">{words["online"]}</span><bdi dir="ltr">{_text(base_url)}</bdi></p>'
        + ('<p class="cover-notice">Internal: for the Bus Tracker operations team only. '
           "Do not share outside the team.</p>" if internal else "")
        + "</div></section>"
    )
    contents = (f'<nav class="toc"><h1 class="toc-title">{words["contents"]}</h1>'
                f'<ol class="toc-list">{"".join(toc)}</ol></nav>')
    description = (f"{handbook.subtitle}. For {handbook.audience}. "
                   f"Version {handbook.version}, {handbook.date}.")
    direction = ' dir="rtl"' if language == "ur" else ""
    head = (
        f'<!DOCTYPE html>\n<html lang="{language}"{direction}>\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_text(handbook.title)}</title>\n"
        f'<meta name="author" content="{_attr(PRODUCT)}">\n'
        f'<meta name="description" content="{_attr(description)}">\n'
        f'<meta name="keywords" content="{_attr(PRODUCT)}, {_attr(handbook.audience)}, handbook">\n'
        f'<meta name="generator" content="busdocs {_attr(__version__)}">\n'
        f'<meta name="dcterms.created" content="{handbook.date.isoformat()}">\n'
        "</head>\n<body>\n"
    )
    return head + cover + contents + "\n".join(body) + "\n</body>\n</html>\n", sections


class _Links:
    """Rewrites the links of a chapter for the one-document handbook."""

    def __init__(self, base_url: str, by_url: dict[str, int], ids: dict[int, set[str]]) -> None:
        self.base_url = base_url
        self.by_url = by_url
        self.ids = ids

    def anchor(self, chapter: int, fragment: str) -> str:
        fragment = unquote(fragment)
        if fragment and fragment in self.ids[chapter]:
            return _href(f"c{chapter}-{fragment}")
        return f"#c{chapter}"

    def rewrite(self, href: str, page_url: str, chapter: int) -> str | None:
        """The link in the handbook: `#c3-anchor` for a page of the handbook, an absolute https
        URL for the rest of the site, external links as they are; None drops the link."""
        href = href.strip()
        if not href:
            return None
        if href.startswith("#"):
            return self.anchor(chapter, href[1:])
        parts = urlsplit(href)
        if parts.scheme:
            return None if parts.scheme.lower() in ("file", "javascript") else href
        if href.startswith("//"):
            return "https:" + href
        absolute = urljoin(page_url, href)
        if not absolute.startswith(self.base_url):
            return absolute
        rest = urlsplit(absolute[len(self.base_url):])
        target = self.by_url.get(url_key(rest.path))
        if target is not None:
            return self.anchor(target, rest.fragment)
        return absolute


def _clean(soup: BeautifulSoup, article: Tag) -> None:
    """Print form of Material's article: no permalinks or buttons, tabs one after the other,
    details open, admonitions and code marked for pdf.css. One walk over the tree (CSS selectors
    through soupsieve cost more than the whole rest of the transformation)."""
    remove, tabsets, boxes, tasks, pres, icons = [], [], [], [], [], []
    for el in article.find_all(True):
        name = el.name
        classes = el.get("class") or ()
        if name in _REMOVE_TAGS or _REMOVE_CLASSES.intersection(classes) or (
                name == "a" and str(el.get("id", "")).startswith("__codelineno")):
            # __codelineno: Material's per-line anchors, hundreds of destinations nobody links to
            if name == "input" and "task-list-control" in (el.parent.get("class") or ()):
                continue  # replaced below by a printed check box
            remove.append(el)
        elif name == "div" and "tabbed-set" in classes:
            tabsets.append(el)
        elif name == "details" or (name == "div" and "admonition" in classes):
            boxes.append(el)
        elif name == "label" and "task-list-control" in classes:
            tasks.append(el)
        elif name == "pre":
            pres.append(el)
        elif name == "svg" and el.parent is not None and el.parent.name == "span":
            icons.append(el)
        elif name == "thead" and not el.get_text(strip=True):
            remove.append(el)  # a table written with an empty header row
    for el in remove:
        if not el.decomposed:  # not already gone with a removed parent
            el.decompose()
    alive = [el for el in tabsets if not el.decomposed]
    for tabset in reversed(alive):  # innermost first
        _flatten_tabs(soup, tabset)
    for box in boxes:
        if box.decomposed:
            continue
        if box.name == "details":
            box["open"] = ""
            _mark_admonition(box, box.find("summary", recursive=False))
        else:
            _mark_admonition(box, box.find(class_="admonition-title", recursive=False))
    for control in tasks:
        if control.decomposed:
            continue
        box = control.find("input")
        checked = box is not None and box.has_attr("checked")
        mark = soup.new_tag("span", attrs={"class": "task-box"})
        mark.string = ("\u2611" if checked else "\u2610") + "\u00a0"
        control.replace_with(mark)
    for pre in pres:
        if pre.decomposed:
            continue
        for inner in pre.find_all(True):
            if inner.name == "code":
                inner["class"] = [*(inner.get("class") or []), "code-block"]
            elif inner.name == "span" and not _CODE_CLASSES.intersection(inner.get("class") or ()):
                inner.unwrap()
        pre.smooth()
    for svg in icons:
        if not svg.decomposed:
            svg["class"] = [*(svg.get("class") or []), "icon"]


def _flatten_tabs(soup: BeautifulSoup, tabset: Tag) -> None:
    labels_box = tabset.find("div", class_="tabbed-labels", recursive=False)
    if labels_box is not None:
        labels = labels_box.find_all("label", recursive=False)
        content = tabset.find("div", class_="tabbed-content", recursive=False)
        blocks = content.find_all("div", class_="tabbed-block", recursive=False) if content else []
    else:  # the older, non-alternate markup: label, content, label, content …
        labels = tabset.find_all("label", recursive=False)
        blocks = tabset.find_all("div", class_="tabbed-content", recursive=False)
    flat = soup.new_tag("div", attrs={"class": "tabs"})
    for index, block in enumerate(blocks):
        label = soup.new_tag("p", attrs={"class": "tab-label"})
        if index < len(labels):
            label.extend(list(labels[index].contents))
        else:
            label.string = f"Tab {index + 1}"
        inner = soup.new_tag("div", attrs={"class": "tab-block"})
        inner.extend(list(block.contents))
        flat.append(label)
        flat.append(inner)
    tabset.replace_with(flat)


def _mark_admonition(box: Tag, title: Tag | None) -> None:
    classes = list(box.get("class") or [])
    kind = next((_ADMONITION_KINDS[c] for c in classes if c in _ADMONITION_KINDS), None)
    box["class"] = [*classes, *(["admonition"] if "admonition" not in classes else []),
                    *([f"adm-{kind}"] if kind else [])]
    if title is not None:
        title["class"] = [*(title.get("class") or []), "admonition-title",
                          *([f"adm-{kind}-title"] if kind else [])]


def _headings(soup: BeautifulSoup, article: Tag,
              chapter: Chapter) -> tuple[str, str, list[tuple[str, str]]]:
    """The chapter's title and its id, and its h2 sections (title, id). The first h1 is the
    chapter title; a later h1 becomes an h2 so the outline keeps one entry per chapter."""
    n = chapter.number
    h1s = article.find_all("h1")
    if h1s:
        h1 = h1s[0]
        for extra in h1s[1:]:
            extra.name = "h2"
    else:
        h1 = soup.new_tag("h1")
        h1.string = chapter.title or chapter.src
        article.insert(0, h1)
    h1["class"] = [*(h1.get("class") or []), "chapter-title"]
    if not h1.has_attr("id"):
        h1["id"] = f"c{n}-title"
    h2s = []
    for index, h2 in enumerate(article.find_all("h2"), start=1):
        if not h2.has_attr("id"):
            h2["id"] = f"c{n}-section-{index}"
        h2s.append((_heading_text(h2), str(h2["id"])))
    return _heading_text(h1) or chapter.title, str(h1["id"]), h2s


def _heading_text(tag: Tag) -> str:
    return " ".join(tag.get_text().split())


def local_image(src: str, page_url: str, base_url: str, site_dir: Path) -> Path | None:
    """The file in the built site a relative image `src` points at, or None (data:, http:, outside)."""
    if src.startswith("data:") or urlsplit(src).scheme or src.startswith("//"):
        return None
    absolute = urljoin(page_url, src)
    if not absolute.startswith(base_url):
        return None
    path = (site_dir / unquote(urlsplit(absolute[len(base_url):]).path)).resolve()
    return path if path.is_relative_to(site_dir.resolve()) else None


def _print_image(img: Tag, page_url: str, base_url: str, site_dir: Path) -> None:
    for attribute in ("srcset", "sizes", "loading"):
        if img.has_attr(attribute):
            del img[attribute]
    src = str(img.get("src", "")).strip()
    local = local_image(src, page_url, base_url, site_dir) if src else None
    if local is not None:
        img["src"] = local.as_uri()


def _href(element_id: str) -> str:
    """A link to an element of the document (WeasyPrint unquotes the fragment)."""
    return "#" + quote(element_id, safe="-_.~:")


def _text(value: object) -> str:
    return htmlmod.escape(str(value), quote=False)


def _attr(value: object) -> str:
    return htmlmod.escape(str(value), quote=True)


def _long_date(value: Any) -> str:
    return f"{value.day} {value.strftime('%B %Y')}"
