"""The render cache: a warm rebuild writes the same site as a clean build, and navigation follows changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from busdocs.mkdocs import rendercache
from busdocs.mkdocs.build import BuildFailed, build_site
from busdocs.sites import EDITIONS, OFFLINE_ZIP
from tests.pages import page

pytestmark = pytest.mark.slow


def files_of(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*")
            if p.is_file() and p.name != ".busdocs-build.json"}


@pytest.mark.parametrize("site", ["public", "internal"])
def test_a_warm_rebuild_writes_the_same_site_as_a_clean_build(built_sites, tmp_path: Path, site: str) -> None:
    """The shared build is a cold one (its project copy starts with no `.cache/`); a rebuild of the
    same copy uses the cache it left."""
    project = built_sites.project
    cache = list((project / ".cache" / "render").glob(f"{site}-*.pickle"))
    assert cache and all(c.stat().st_size > 10_000 for c in cache)  # the offline bundle is internal too
    warm = build_site(project, site, tmp_path / "warm" / site)
    for language in EDITIONS if site == "public" else ():  # `busdocs build` puts them inside: public/ur/
        assert not build_site(project, language, warm.out_dir / language).notices
    cold = files_of(built_sites[site])
    cold.pop(OFFLINE_ZIP, None)  # `busdocs build --site all` zips the offline bundle into the ops site
    assert files_of(warm.out_dir) == cold
    assert not warm.notices


def sidebar_titles(site: Path, url: str) -> list[str]:
    return [a.get_text(" ", strip=True) for a in page(site, url).select(".md-sidebar--primary a.md-nav__link")]


def test_a_title_change_and_a_new_page_reach_every_page_navigation(project: Path, tmp_path: Path) -> None:
    build_site(project, "public", tmp_path / "one" / "public")
    (project / "guides" / "students" / "lost-phone.md").write_text(
        "---\ntitle: Lost your phone\n---\n\n# Lost your phone\n\n" + "Sign in on the new phone. " * 40 + "\n")
    nav = project / "guides" / "students" / ".nav.yml"
    nav.write_text(nav.read_text().replace("- Sign up: sign-up.md", "- Create your account: sign-up.md")
                   + "- lost-phone.md\n")  # no nav title: the page's own title is shown
    site = build_site(project, "public", tmp_path / "two" / "public").out_dir
    for url in ("students/", "students/buy-a-pass/", "students/accessibility/"):
        titles = sidebar_titles(site, url)
        assert "Lost your phone" in titles and "Create your account" in titles, url
        assert "Sign up" not in titles, url
    # And the page's own title, when it is the nav title, reaches the others too.
    lost = project / "guides" / "students" / "lost-phone.md"
    lost.write_text(lost.read_text().replace("title: Lost your phone", "title: Phone lost or stolen"))
    site = build_site(project, "public", tmp_path / "three" / "public").out_dir
    assert "Phone lost or stolen" in sidebar_titles(site, "students/buy-a-pass/")
    (project / ".cache").rename(project / ".cache-off")
    clean = build_site(project, "public", tmp_path / "clean" / "public").out_dir
    assert files_of(clean) == files_of(site)


def test_a_build_with_warnings_leaves_the_cache_alone(project: Path, tmp_path: Path) -> None:
    build_site(project, "public", tmp_path / "one" / "public")
    cache = next((project / ".cache" / "render").glob("public-*.pickle"))
    before = cache.read_bytes()
    faq = project / "docs" / "faq.md"
    faq.write_text(faq.read_text() + "\n[gone](no-such-page.md)\n")
    with pytest.raises(BuildFailed):
        build_site(project, "public", tmp_path / "two" / "public")
    assert cache.read_bytes() == before


def test_the_cache_can_be_turned_off(cold_project: Path, tmp_path: Path) -> None:
    project = cold_project
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("    audience: public\n", "    audience: public\n    render_cache: false\n"))
    build_site(project, "public", tmp_path / "public")
    assert not (project / ".cache" / "render").exists()


def test_digest_tells_apart_what_repr_and_concatenation_would_confuse() -> None:
    digest = rendercache.digest
    assert digest("ab", "c") != digest("a", "bc")
    assert digest("1") != digest(1) and digest("") != digest(None) and digest("None") != digest(None)
    assert digest(["a"]) != digest("['a']") and digest() != digest("")
    assert digest("x" * 10) == digest("x" * 10) and digest("\ud800") != digest("\ud801")  # lone surrogates too


def test_compiled_templates_are_kept_per_process_and_compiled_again_when_their_source_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jinja2

    monkeypatch.setattr(rendercache, "_COMPILED_TEMPLATES", {})
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "main.html").write_text("<p>{{ title | upper }}</p>\n", encoding="utf-8")
    compiled: list[str] = []

    def render(folder: Path) -> str:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(theme)), auto_reload=False)
        compile_ = env.compile
        env.compile = lambda source, name=None, *args, **kwargs: (compiled.append(name),  # type: ignore[method-assign]
                                                                 compile_(source, name, *args, **kwargs))[1]
        env.bytecode_cache = rendercache.template_code_cache(folder)
        return env.get_template("main.html").render(title="stops")

    assert render(tmp_path / "one" / "jinja") == "<p>STOPS</p>" and compiled == ["main.html"]
    # A new environment and a new, empty cache folder (a cold build in the same process): kept.
    assert render(tmp_path / "two" / "jinja") == "<p>STOPS</p>" and compiled == ["main.html"]
    assert not [p for p in (tmp_path / "two").rglob("*") if p.is_file()]  # nothing written there
    (theme / "main.html").write_text("<p>{{ title | lower }}</p>\n", encoding="utf-8")  # an edited override
    assert render(tmp_path / "two" / "jinja") == "<p>stops</p>" and compiled == ["main.html", "main.html"]
    # Another process (nothing kept) reads what the first wrote to its folder.
    monkeypatch.setattr(rendercache, "_COMPILED_TEMPLATES", {})
    (theme / "main.html").write_text("<p>{{ title | upper }}</p>\n", encoding="utf-8")
    assert render(tmp_path / "one" / "jinja") == "<p>STOPS</p>" and compiled == ["main.html", "main.html"]
    # A folder that cannot be made: kept in the process only.
    (tmp_path / "file").write_text("")
    assert render(tmp_path / "file" / "jinja") == "<p>STOPS</p>" and compiled == ["main.html", "main.html"]


def _theme(tmp_path: Path) -> Path:
    theme = tmp_path / "theme"
    (theme / "partials").mkdir(parents=True)
    (theme / "base.html").write_text("<main>{% block content %}{% endblock %}</main>"
                                     '{% include "partials/foot.html" %}{% include "partials/" ~ extra %}', encoding="utf-8")
    (theme / "main.html").write_text('{% extends "base.html" %}{% block content %}'
                                     "{% if loud %}{{ title | shout }}{% else %}{{ title }}{% endif %}{% endblock %}",
                                     encoding="utf-8")
    (theme / "partials" / "foot.html").write_text("<footer>{{ title }}</footer>", encoding="utf-8")
    (theme / "partials" / "late.html").write_text("<aside></aside>", encoding="utf-8")
    return theme


def _environment(theme: Path, folder: Path, compiled: list[str], shout: bool) -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(theme)), auto_reload=False)
    if shout:
        env.filters["shout"] = lambda text: f"{text.upper()}!"
    compile_ = env.compile
    env.compile = lambda source, name=None, *args, **kwargs: (compiled.append(name),  # type: ignore[method-assign]
                                                             compile_(source, name, *args, **kwargs))[1]
    env.bytecode_cache = rendercache.template_code_cache(folder)
    return env


def test_templates_are_compiled_ahead_with_all_they_use_and_served_to_another_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a Markdown worker does for the theme loop (`BusdocsPlugin._precompile_theme`)."""
    monkeypatch.setattr(rendercache, "_COMPILED_TEMPLATES", {})
    theme, folder = _theme(tmp_path), tmp_path / "jinja"
    ahead: list[str] = []
    env = _environment(theme, folder, ahead, shout=True)
    assert rendercache.precompile_templates(env, ["main.html", "404.html"]) == 3
    assert sorted(ahead) == ["base.html", "main.html", "partials/foot.html"]  # late.html is named by an expression
    assert rendercache.precompile_templates(env, ["main.html"]) == 0  # compiled already: nothing walked
    monkeypatch.setattr(rendercache, "_COMPILED_TEMPLATES", {})  # another process: only the folder
    later: list[str] = []
    page = _environment(theme, folder, later, shout=True).get_template("main.html")
    assert page.render(title="bus", loud=True, extra="late.html") == "<main>BUS!</main><footer>bus</footer><aside></aside>"
    assert later == ["partials/late.html"]


def test_compiled_templates_serve_only_an_environment_whose_compiler_reads_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jinja writes a filter's call at compile time, and a filter it does not know inside an `if` as
    an error raised when reached: code compiled before a plugin added the filter must not serve after."""
    import jinja2

    monkeypatch.setattr(rendercache, "_COMPILED_TEMPLATES", {})
    theme, folder = _theme(tmp_path), tmp_path / "jinja"
    compiled: list[str] = []
    plain = _environment(theme, folder, compiled, shout=False)
    assert rendercache.precompile_templates(plain, ["main.html"]) == 3
    with pytest.raises(jinja2.TemplateRuntimeError):
        plain.get_template("main.html").render(title="bus", loud=True, extra="late.html")
    for kept in ({}, rendercache._COMPILED_TEMPLATES):  # in another process, and in this one
        monkeypatch.setattr(rendercache, "_COMPILED_TEMPLATES", kept)
        loud = _environment(theme, folder, compiled, shout=True)
        assert loud.get_template("main.html").render(title="bus", loud=True, extra="late.html").startswith("<main>BUS!")
    same = [_environment(theme, folder, [], shout=False) for _ in range(2)]
    assert rendercache.compile_signature(same[0]) == rendercache.compile_signature(same[1])
    assert rendercache.compile_signature(same[0]) != rendercache.compile_signature(loud)
    same[1].filters["title"] = jinja2.pass_context(lambda context, text: text)  # now passed the context
    assert rendercache.compile_signature(same[0]) != rendercache.compile_signature(same[1])
