"""The navigation written in Python is the navigation Material's macro writes, on every page of both sites."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from busdocs.mkdocs import rendercache
from busdocs.mkdocs.build import build_site
from busdocs.mkdocs.config import BusdocsConfig

pytestmark = pytest.mark.slow


def normalized(html: str) -> str:
    """The page with whitespace between tags dropped (the only way the two writers may differ)."""
    return re.sub(r"\s*([<>])\s*", r"\1", re.sub(r"\s+", " ", html))


def pages_of(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): normalized(p.read_text(encoding="utf-8")) for p in site.rglob("*.html")}


def keep_only_rendered_markdown(project: Path) -> None:
    """Empty the layer of whole pages (template outputs) of the project's render caches, keeping the
    Markdown each page rendered to: the next build writes every page through the theme again."""
    caches = sorted((project / ".cache" / "render").glob("*.pickle"))
    assert caches
    for path in caches:
        cache = rendercache.RenderCache.load(path)
        assert cache.outputs and cache.pages
        cache.used = set(cache.pages) | set(cache.macros) | set(cache.search)
        cache.save()
        assert not rendercache.RenderCache.load(path).outputs


ITEMS_WITHOUT_WHITESPACE = '</a></li><li class="md-nav__item'
"""Two navigation items as the Python writer puts them; Material's macro puts whitespace between."""


@pytest.mark.parametrize("site", ["public", "internal"])
def test_every_page_has_the_navigation_material_would_write(project: Path, tmp_path: Path, site: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    if site == "public":
        # A section with no pages yet (its folder holds only a .nav.yml) is written as Material
        # writes it. Public only: a new .nav.yml is in every page's cache key, so the first build
        # renders every page afresh; the ops site (the same features, inherited) builds from the
        # shared cache as it stands, its pages' Markdown and outputs reused.
        (project / "guides" / "students" / "coming-soon").mkdir()
        (project / "guides" / "students" / "coming-soon" / ".nav.yml").write_text('- "*"\n')
        nav = project / "guides" / "students" / ".nav.yml"
        nav.write_text(nav.read_text() + "- coming-soon/\n")
    fast_site = build_site(project, site, tmp_path / "fast" / site).out_dir
    # The same build with Material's macro (`fast_nav: false`, set as the option's default so the
    # configuration files, and with them the cache's keys, stay as they are): every page is written
    # through the theme afresh, from the Markdown the first build rendered (that a cached page is
    # the page a cold build renders is tests/test_cache_equivalence.py's to prove). Only the
    # navigation's writer differs between the two builds.
    keep_only_rendered_markdown(project)
    monkeypatch.setattr(BusdocsConfig.fast_nav, "default", False)
    material_site = build_site(project, site, tmp_path / "material" / site).out_dir
    # Each build used the writer it was meant to: Material's macro puts whitespace between the tags.
    for name in ("index.html", "404.html"):
        assert ITEMS_WITHOUT_WHITESPACE in (fast_site / name).read_text(encoding="utf-8")
        assert ITEMS_WITHOUT_WHITESPACE not in (material_site / name).read_text(encoding="utf-8")
    fast, material = pages_of(fast_site), pages_of(material_site)
    assert fast.keys() == material.keys() and len(fast) > 50
    differ = [name for name in fast if fast[name] != material[name]]
    assert not differ, f"{len(differ)} pages differ, first {differ[0]}"
    # The comparison sees the navigation: nested sections, the active page and its table of contents.
    sample = next(text for name, text in fast.items() if name.count("/") >= 2)
    assert "md-nav__item--nested" in sample and "md-nav__link--active" in sample
    if site == "public":  # and the section without pages
        assert "Coming soon" in fast["students/index.html"]


def test_the_fast_writer_is_the_one_used(built_sites: dict[str, Path]) -> None:
    """Material's macro puts whitespace between the navigation's tags; the Python writer does not
    (the shared build is the project as it stands, with its own configuration)."""
    site = built_sites["public"]
    html = (site / "students" / "buy-a-pass" / "index.html").read_text(encoding="utf-8")
    nav = html.split('<ul class="md-nav__list" data-md-scrollfix>', 1)[1]
    assert nav.lstrip().startswith('<li class="md-nav__item') and "</a></li><li class=" in nav[:1000]


@pytest.mark.parametrize("statuses", [{}, {"draft": "Not reviewed yet"}])
def test_a_status_badge_is_written_as_material_writes_it(statuses: dict[str, str]) -> None:
    """Material's own `render_content` macro beside the Python writer, for a page with a status,
    with and without a title for it in `extra.status` (the sites set none: the build comparison
    above sees only the badge without a title)."""
    from types import SimpleNamespace

    import jinja2
    import material

    from busdocs.mkdocs.navhtml import NavWriter

    loader = jinja2.FileSystemLoader(Path(material.__file__).parent / "templates")
    macros = jinja2.Environment(loader=loader).get_template("partials/nav-item.html").make_module(
        {"config": {"extra": {"status": statuses}}})
    for meta in ({"status": "draft"}, {"status": "new", "subtitle": "Since May"}, {}):
        item = SimpleNamespace(title="Postmortem template", meta=meta, typeset=None, encrypted=None)
        python = NavWriter(None, [], "", "", statuses).content(item)
        assert normalized(python) == normalized(str(macros.render_content(item))), meta
