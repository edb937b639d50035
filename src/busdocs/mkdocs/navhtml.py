"""The sidebar navigation written in Python: the same markup as Material's `partials/nav-item.html`.

Material renders the navigation with a recursive Jinja macro, once per page: about 70 macro calls a
page even with `navigation.prune`, which made it over half of the theme's time. This writes the
same elements, classes and attributes (only the whitespace between tags differs) in a fraction of
the time. `overrides/partials/nav.html` calls it and falls back to Material's macro for what it
does not cover: icons, encrypted pages and typeset titles in the navigation (`supported` says so).

A test renders every page of both sites both ways and compares them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup
from mkdocs.utils import normalize_url


def supported(nav: Any) -> bool:
    """False if an item of `nav` uses something only Material's macro renders."""

    def plain(item: Any) -> bool:
        meta = getattr(item, "meta", None) or {}
        if getattr(item, "typeset", None) or meta.get("icon") or getattr(item, "encrypted", None):
            return False
        return all(plain(child) for child in getattr(item, "children", None) or [])

    return all(plain(item) for item in nav.items)


class NavWriter:
    """One page's navigation list (`<li>` items of the top `<ul>`)."""

    def __init__(self, page: Any, features: list[str], base_url: str, toc_html: str,
                 statuses: Mapping[str, Any] | None = None) -> None:
        self.page = page
        self.features = set(features)
        self.base_url = base_url
        self.toc_html = toc_html
        self.statuses = statuses or {}
        """`extra.status` of the configuration: each status badge's title by its name."""
        self.out: list[str] = []

    def url(self, value: str) -> str:
        return normalize_url(str(value), page=self.page, base=self.base_url)

    def write(self, items: list[Any]) -> str:
        for number, item in enumerate(items, start=1):
            self.item(item, f"__nav_{number}", 1, None)
        return "".join(self.out)

    # -- Material's render_content / render_title
    def content(self, item: Any, ref: Any = None) -> str:
        ref = ref or item
        meta = getattr(item, "meta", None) or {}
        subtitle = f"<br><small>{meta['subtitle']}</small>" if meta.get("subtitle") else ""
        html = f'<span class="md-ellipsis">{ref.title}{subtitle}</span>'
        if status := meta.get("status"):  # Material's render_status
            title = self.statuses.get(status)
            html += (f'<span class="md-status md-status--{status}" title="{title}"></span>' if title
                     else f'<span class="md-status md-status--{status}"></span>')
        return html

    def pruned(self, item: Any, ref: Any = None) -> None:
        ref = ref or item
        children = item.children or []
        first = children[0] if children else None
        if first is not None and getattr(first, "children", None):
            self.pruned(first, ref)
            return
        icon = '<span class="md-nav__icon md-icon"></span>' if children else ""
        href = self.url(first.url) if first is not None else self.url("")
        self.out.append(f'<a href="{href}" class="md-nav__link">{self.content(ref)}{icon}</a>')

    def item(self, item: Any, path: str, level: int, parent: Any) -> None:
        out, page, features = self.out, self.page, self.features
        css = "md-nav__item"
        if getattr(item, "active", False):
            css += " md-nav__item--active"
        pages = getattr(item, "pages", None)
        if pages and page in pages:
            item = page
        children = getattr(item, "children", None)
        if children:
            index = None
            if "navigation.indexes" in features:
                index = next((child for child in children if getattr(child, "is_index", False)), None)
            is_section = is_pruned = False
            if "navigation.tabs" in features:
                if level == 1 and item.active:
                    css, is_section = css + " md-nav__item--section", True
                if "navigation.sections" in features and level == 2 and parent is not None and parent.active:
                    css, is_section = css + " md-nav__item--section", True
            elif "navigation.sections" in features and level == 1:
                css, is_section = css + " md-nav__item--section", True
            if "navigation.prune" in features and not is_section and not item.active:
                css, is_pruned = css + " md-nav__item--pruned", True
            out.append(f'<li class="{css} md-nav__item--nested">')
            if is_pruned:
                self.pruned(item)
                out.append("</li>")
                return
            checked = "checked" if item.active else ""
            indeterminate = "md-toggle--indeterminate" if "navigation.expand" in features and not checked else ""
            tabindex = "" if is_section else "0"
            out.append(f'<input class="md-nav__toggle md-toggle {indeterminate}" type="checkbox" id="{path}" {checked}>')
            if index is None:
                out.append(f'<label class="md-nav__link" for="{path}" id="{path}_label" tabindex="{tabindex}">'
                           f'{self.content(item)}<span class="md-nav__icon md-icon"></span></label>')
            else:
                active = "md-nav__link--active" if index == page else ""
                out.append(f'<div class="md-nav__link md-nav__container"><a href="{self.url(index.url)}" '
                           f'class="md-nav__link {active}">{self.content(index, item)}</a>')
                if len(children) > 1:
                    out.append(f'<label class="md-nav__link {active}" for="{path}" id="{path}_label" '
                               f'tabindex="{tabindex}"><span class="md-nav__icon md-icon"></span></label>')
                out.append("</div>")
            out.append(f'<nav class="md-nav" data-md-level="{level}" aria-labelledby="{path}_label" '
                       f'aria-expanded="{json.dumps(bool(item.active))}"><label class="md-nav__title" for="{path}">'
                       f'<span class="md-nav__icon md-icon"></span>{item.title}</label>'
                       '<ul class="md-nav__list" data-md-scrollfix>')
            for number, child in enumerate(children, start=1):
                if index is None or child != index:
                    self.item(child, f"{path}_{number}", level + 1, item)
            out.append("</ul></nav></li>")
        elif item == page:
            toc = page.toc
            first = next(iter(toc), None) if toc else None
            if first is not None and first.level == 1:
                toc = first.children
            out.append(f'<li class="{css}"><input class="md-nav__toggle md-toggle" type="checkbox" id="__toc">')
            if toc:
                out.append(f'<label class="md-nav__link md-nav__link--active" for="__toc">{self.content(item)}'
                           '<span class="md-nav__icon md-icon"></span></label>')
            out.append(f'<a href="{self.url(item.url)}" class="md-nav__link md-nav__link--active">'
                       f'{self.content(item)}</a>')
            if toc:
                out.append(self.toc_html)
            out.append("</li>")
        else:
            # A section without pages has no URL; Material's macro then links to "".
            out.append(f'<li class="{css}"><a href="{self.url(getattr(item, "url", None) or "")}" class="md-nav__link">'
                       f"{self.content(item)}</a></li>")


def nav_items_html(nav: Any, page: Any, features: list[str], base_url: str, toc_html: str,
                   statuses: Mapping[str, Any] | None = None) -> str:
    """The `<li>` items of the primary navigation for `page`, as Material's macro writes them."""
    return NavWriter(page, features, base_url, toc_html, statuses).write(nav.items)


class NavItems:
    """The template global `busdocs_nav_items`: call it for the items, ask `supports(nav)` first."""

    def __init__(self) -> None:
        self._nav: Any = None
        self._supported = False

    def supports(self, nav: Any) -> bool:
        if nav is not self._nav:  # one answer per build's navigation
            self._nav, self._supported = nav, supported(nav)
        return self._supported

    def __call__(self, nav: Any, page: Any, features: list[str], base_url: str, toc_html: str,
                 statuses: Any = None) -> Markup:
        # `statuses` is `config.extra.status`: undefined (not a mapping) where the site sets none.
        return Markup(nav_items_html(nav, page, features, base_url, str(toc_html),
                                     statuses if isinstance(statuses, Mapping) else None))
