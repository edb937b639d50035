"""The private behaviour of MkDocs, the search plugin, autorefs, mkdocstrings and pymarkdownlnt that
`busdocs.mkdocs.seams` and `busdocs.authoring.seams` rely on.

Each test pins one thing an upgrade could change; without a build, on in-memory configurations.
"""

from __future__ import annotations

import inspect
import logging
from pathlib import Path

import pytest
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from busdocs.mkdocs import seams


def config_for(tmp_path: Path, **options: object) -> MkDocsConfig:
    (tmp_path / "docs").mkdir(exist_ok=True)
    config = MkDocsConfig(config_file_path=str(tmp_path / "mkdocs.yml"))
    config.load_dict({"site_name": "Seams", "docs_dir": str(tmp_path / "docs"), "site_dir": str(tmp_path / "site"),
                      **options})
    errors, warnings = config.validate()
    assert not errors and not warnings, (errors, warnings)
    return config


def file_of(config: MkDocsConfig, src_uri: str, text: str) -> File:
    path = Path(config.docs_dir) / src_uri
    path.write_text(text, encoding="utf-8")
    return File(src_uri, config.docs_dir, config.site_dir, config.use_directory_urls)


def page_of(config: MkDocsConfig, src_uri: str, text: str) -> tuple[Page, Files]:
    file = file_of(config, src_uri, text)
    return Page(None, file, config), Files([file])


def test_mkdocs_page_loop_functions_keep_their_signatures() -> None:
    from mkdocs.commands.build import _build_page, _populate_page

    assert list(inspect.signature(_populate_page).parameters) == ["page", "config", "files", "dirty"]
    assert list(inspect.signature(_build_page).parameters) == [
        "page", "config", "doc_files", "nav", "env", "dirty", "excluded"]


def test_a_restored_render_gives_the_page_what_rendering_gave_it(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    text = "# Buying a pass\n\n## Pay with KuickPay\n\nSee [the other](other.md#refunds).\n"
    rendered, files = page_of(config, "pass.md", text)
    files.append(file_of(config, "other.md", "# Other\n\n## Refunds\n"))
    seams.populate_page(rendered, config, files)
    assert rendered.title == "Buying a pass" and "pay-with-kuickpay" in rendered.present_anchor_ids
    stored = seams.rendered_page(rendered, rendered.content, [])
    assert stored.links == {"other.md": {"refunds": "other.md#refunds"}}

    fresh, _ = page_of(config, "pass.md", text)
    fresh.read_source(config)
    seams.restore_rendered_page(fresh, stored, files)
    assert fresh.title == "Buying a pass"  # MkDocs reads the title from `_title_from_render`
    assert fresh.content == rendered.content and fresh.present_anchor_ids == rendered.present_anchor_ids
    assert [a.id for a in fresh.toc] == [a.id for a in rendered.toc]
    assert {f.src_uri: dict(v) for f, v in fresh.links_to_anchors.items()} == {"other.md": {"refunds":
                                                                                            "other.md#refunds"}}


def test_a_page_whose_raw_html_has_an_empty_id_is_stored_and_restored(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    text = "# Postmortems\n\nRun `busdocs postmortem new <incident id>` or <span id>x</span>.\n"
    rendered, files = page_of(config, "pm.md", text)
    seams.populate_page(rendered, config, files)
    assert None in rendered.present_anchor_ids  # what MkDocs collects for an id with no value
    stored = seams.rendered_page(rendered, rendered.content, [])
    fresh, _ = page_of(config, "pm.md", text)
    fresh.read_source(config)
    seams.restore_rendered_page(fresh, stored, files)
    assert fresh.present_anchor_ids == rendered.present_anchor_ids


def test_search_index_entries_can_be_taken_and_given_back(tmp_path: Path) -> None:
    config = config_for(tmp_path, theme={"name": "material"}, plugins=["search"])
    search = config.plugins["material/search"]
    search.on_config(config)
    index = search.search_index
    page, files = page_of(config, "stops.md", "# Stops\n\nEvery stop has a number.\n\n## Night buses\n\nFrom 22:00.\n")
    seams.populate_page(page, config, files)
    calls = []

    def add(original, added_page):
        calls.append(added_page.url)
        original(added_page)

    seams.wrap_search_index(index, add)
    index.add_entry_from_context(page)
    assert calls == ["stops/"]
    assert [e["location"] for e in seams.search_entries(index)] == ["stops/", "stops/#night-buses"]


def test_autorefs_calls_register_anchor_on_its_plugin_instance(tmp_path: Path) -> None:
    config = config_for(tmp_path, plugins=["autorefs"])
    autorefs = config.plugins["autorefs"]
    config = config.plugins.on_config(config)
    page, files = page_of(config, "route.md", "# Route 7\n\n## Night service\n")
    autorefs.on_page_markdown("", page=page)
    recorded = seams.record_autorefs_anchors(autorefs, page)
    seams.populate_page(page, config, files)
    seams.stop_recording(autorefs)
    assert ("night-service", None, "Night service", True) in recorded
    assert "register_anchor" not in vars(autorefs)
    assert autorefs.get_item_url("night-service")[0] == "route/#night-service"


def test_mkdocstrings_inventory_registrations_can_be_noted_and_made_again(tmp_path: Path) -> None:
    """What mkdocstrings registers while a page of `::: identifier` blocks converts, made again by
    `replay_inventory` in an empty inventory from what `record_inventory` noted, is the same."""
    root = Path(__file__).resolve().parent.parent
    config = config_for(tmp_path, plugins=["autorefs", {"mkdocstrings": {"handlers": {"python": {
        "paths": [str(root / "src")], "options": {"show_root_heading": True}}}}}])
    config = config.plugins.on_config(config)
    page, files = page_of(config, "api.md", "# API\n\n::: busdocs.errors\n\n::: busdocs.mkdocs.build.BuildResult\n")
    config.plugins["autorefs"].on_page_markdown("", page=page)
    recording = seams.record_inventory(config)
    assert recording is not None
    seams.populate_page(page, config, files)
    seams.stop_recording_inventory(config)
    handlers = config.plugins["mkdocstrings"].handlers
    assert "register" not in vars(handlers.inventory)
    assert all("get_aliases" not in vars(h) for h in handlers.seen_handlers)
    made = {name: (i.domain, i.role, i.uri, i.priority) for name, i in handlers.inventory.items()}
    assert recording.complete and len(recording.items) >= 3 and "busdocs.errors.BusdocsError" in made
    handlers.inventory = type(handlers.inventory)()
    seams.replay_inventory(config, recording.items)
    assert {name: (i.domain, i.role, i.uri, i.priority) for name, i in handlers.inventory.items()} == made


@pytest.mark.parametrize("name", ["material", "mkdocs"])
def test_material_is_pinned_to_the_minor_version_navhtml_reproduces(root: Path, name: str) -> None:
    import tomllib
    from importlib.metadata import version

    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    if name == "material":
        assert any(d.startswith("mkdocs-material>=9.8,<9.9") for d in deps), deps
        assert version("mkdocs-material").startswith("9.8.")
    else:
        assert any(d.startswith("mkdocs>=1.6.1,<2") for d in deps), deps


def test_the_serve_builder_can_be_wrapped(tmp_path: Path) -> None:
    """`LiveReloadServer.builder` is what its build loop calls; a raise there keeps the old epoch."""
    from mkdocs.livereload import LiveReloadServer

    def builder() -> None: ...

    server = LiveReloadServer(builder=builder, host="127.0.0.1", port=0, root=str(tmp_path))
    try:
        assert server.builder is builder
        seams.wrap_serve_builder(server, lambda build: lambda: ("wrapped", build))
        assert server.builder() == ("wrapped", builder)
        loop = inspect.getsource(LiveReloadServer._build_loop)
        assert "self.builder()" in loop and "self._visible_epoch = self._wanted_epoch" in loop
        assert loop.index("self.builder()") < loop.index("continue") < loop.index("self._visible_epoch =")
    finally:
        server.server_close()


def test_installed_theme_folders_are_listed_once_and_the_project_overrides_every_time(tmp_path: Path) -> None:
    """MkDocs lists its theme through `config.theme.get_env()` (pinned in its build function); the
    kept listing gives the same files but those under a hidden folder or hidden themselves, which
    MkDocs' filter drops (so the theme files it adds are the same), and a file new in the project's
    `custom_dir` is listed, hidden ones too."""
    import jinja2
    from mkdocs.commands import build as mkdocs_build
    from mkdocs.structure.files import Files

    source = inspect.getsource(mkdocs_build.build)
    assert "env = config.theme.get_env()" in source and "files.add_files_from_theme(env, config)" in source
    (tmp_path / "overrides" / ".hidden").mkdir(parents=True)
    (tmp_path / "overrides" / "one.css").write_text("a{}")
    (tmp_path / "overrides" / ".hidden" / "three.css").write_text("c{}")
    config = config_for(tmp_path, theme={"name": "material", "custom_dir": str(tmp_path / "overrides")})
    plain = config.theme.get_env()
    assert type(plain.loader) is jinja2.FileSystemLoader and plain.loader.searchpath == list(config.theme.dirs)
    expected = plain.list_templates()
    assert len(expected) > 1000 and "one.css" in expected  # Material's own files and the override
    hidden = [name for name in expected if any(part.startswith(".") for part in name.split("/"))]
    assert len(hidden) > 10000 and ".hidden/three.css" in hidden  # Material's .icons, the override's
    seams.keep_installed_theme_listings(config.theme)
    kept = config.theme.get_env()
    listed = kept.list_templates()
    assert listed == [name for name in expected if name not in hidden or name.startswith(".hidden/")]
    assert seams._INSTALLED_LISTINGS  # Material's folder was kept
    # MkDocs' own filter drops every hidden path: the theme files a build copies are the same.
    with_plain, with_kept = Files([]), Files([])
    with_plain.add_files_from_theme(plain, config)
    with_kept.add_files_from_theme(kept, config)
    assert [f.src_uri for f in with_kept] == [f.src_uri for f in with_plain]
    assert "one.css" in with_plain.src_uris and not any(".hidden" in uri for uri in with_plain.src_uris)
    (tmp_path / "overrides" / "two.css").write_text("b{}")
    again = config.theme.get_env().list_templates()
    assert set(again) - set(listed) == {"two.css"}


def test_mkdocs_macros_renders_a_page_through_its_environments_from_string(tmp_path: Path) -> None:
    """`MacrosPlugin.render` calls `self.env.from_string(markdown)` with the source alone and renders
    what it returns; every `on_config` makes a new environment (so the plugin installs on each build)."""
    config = config_for(tmp_path, plugins=["macros"], extra={"product": "Bus Tracker"})
    macros = config.plugins["macros"]
    macros.on_config(config)
    first = macros.env
    macros.on_config(config)
    assert macros.env is not first
    assert seams.quicken_macros(macros)
    env = macros.env
    quick = env.from_string
    calls: list[tuple[object, ...]] = []

    def spy(source: str, *args: object, **kwargs: object) -> object:
        calls.append((source, args, kwargs))
        return quick(source, *args, **kwargs)

    env.from_string = spy
    page, files = page_of(config, "pass.md", "# Pass\n")
    page.read_source(config)
    out = macros.on_page_markdown("Buy a pass for {{ extra.product }}.\n", page=page, config=config, files=files)
    assert out == "Buy a pass for Bus Tracker."
    assert calls == [("Buy a pass for {{ extra.product }}.\n", (), {})]


PAGE_WITH_CONTAINERS = ("# Passes\n\nIntro.\n\n> - a quoted list\n>   - nested\n>\n> 1. ordered\n\n- item\n\n  more\n"
                        "  > quoted in a list\n- last\n\n```bash\ncode\n```\n\n#NoSpace\n")


def _pymarkdown_api() -> object:
    from busdocs.authoring.lint import _api, load_style

    return _api(load_style(Path(__file__).resolve().parent.parent))  # installs quiet_token_debug


def test_pymarkdownlnt_formats_every_token_so_far_for_each_line_it_parses() -> None:
    """`busdocs.authoring.seams.quiet_token_debug`: `ParserState.mark_start_information` still formats the
    whole token list (each token's `repr`) on every line, debug logging off (else the seam can go);
    there, and only there, the seam's `repr` is a placeholder."""
    from pymarkdown.general.parser_state import ParserState
    from pymarkdown.tokens.markdown_token import MarkdownToken, MarkdownTokenClass

    from busdocs.authoring.seams import quiet_token_debug

    api = _pymarkdown_api()
    assert quiet_token_debug()  # pymarkdownlnt still has the names: installed (once)
    assert getattr(ParserState.mark_start_information, "busdocs_quiet", False)
    assert not getattr(ParserState.mark_start_information.busdocs_original, "busdocs_quiet", False)
    quiet_repr = MarkdownToken.__repr__
    reprs: list[str] = []

    def counting(self: object) -> str:
        reprs.append(quiet_repr(self))
        return reprs[-1]

    MarkdownToken.__repr__ = counting
    try:
        api.scan_string(PAGE_WITH_CONTAINERS)
    finally:
        MarkdownToken.__repr__ = quiet_repr
    lines = PAGE_WITH_CONTAINERS.count("\n")
    placeholders = reprs.count("'…'")
    assert placeholders > 2 * lines, (placeholders, lines)  # tokens so far, again on each line
    assert placeholders > len(reprs) / 2, (placeholders, len(reprs))  # most of the token formatting
    token = MarkdownToken("atx", MarkdownTokenClass.LEAF_BLOCK)
    assert repr(token) == f"'{token}'" == "'[atx]'"  # outside that method: pymarkdownlnt's own


def test_the_quiet_token_debug_changes_no_finding_and_no_debug_log(tmp_path: Path) -> None:
    from pymarkdown.api import PyMarkdownApi
    from pymarkdown.general.parser_state import ParserState
    from pymarkdown.tokens.markdown_token import MarkdownToken

    api = _pymarkdown_api()
    quiet = [(f.line_number, f.column_number, f.rule_id) for f in api.scan_string(PAGE_WITH_CONTAINERS).scan_failures]
    assert "md018" in {rule.lower() for _, _, rule in quiet}
    wrapped, quiet_repr = ParserState.mark_start_information, MarkdownToken.__repr__
    ParserState.mark_start_information = wrapped.busdocs_original  # pymarkdownlnt's own, for a moment
    MarkdownToken.__repr__ = quiet_repr.busdocs_original
    try:
        assert getattr(ParserState.mark_start_information, "__module__", "") == "pymarkdown.general.parser_state"
        assert MarkdownToken.__repr__.__module__ == "pymarkdown.tokens.markdown_token"
        own = [(f.line_number, f.column_number, f.rule_id) for f in api.scan_string(PAGE_WITH_CONTAINERS).scan_failures]
    finally:
        ParserState.mark_start_information, MarkdownToken.__repr__ = wrapped, quiet_repr
    assert quiet == own
    log = tmp_path / "debug.log"  # with debug logging on, the tokens are logged as pymarkdownlnt writes them
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:  # pymarkdownlnt sets the root logger's level and leaves its log file's handler on it
        PyMarkdownApi().log_debug_and_above().log_to_file(str(log)).scan_string("# Title\n\nText.\n")
    finally:
        for handler in set(root.handlers) - set(handlers):
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
    logged = [line for line in log.read_text(encoding="utf-8").splitlines() if "self.token_document = [" in line]
    assert logged and "'[atx(1,1):1:0:]'" in logged[-1] and "'…'" not in logged[-1], logged[-1:]


def test_mkdocs_makes_each_pages_markdown_instance_through_its_module_name() -> None:
    """`seams.reuse_markdown` replaces the name `markdown` of `mkdocs.structure.pages`: Page.render
    makes its instance through it, with the build's extensions and settings as keywords, then
    registers its own processors on it by name (a name registered again replaces the old one)."""
    import markdown
    from mkdocs.structure import pages

    source = inspect.getsource(pages.Page.render)
    assert "md = markdown.Markdown(" in source
    assert "extensions=config['markdown_extensions']" in source
    assert "extension_configs=config['mdx_configs'] or {}" in source
    assert source.count("._register(md)") == 4
    md = markdown.Markdown()
    first, second = pages._ExtractTitleTreeprocessor(), pages._ExtractTitleTreeprocessor()
    first._register(md)
    second._register(md)
    assert md.treeprocessors["mkdocs_extract_title"] is second and len(md.treeprocessors) == len(
        markdown.Markdown().treeprocessors) + 1


def test_pygments_stylesheet_tables_made_once_per_style_are_the_tables_each_formatter_makes() -> None:
    """`seams.keep_pygments_stylesheets`: pymdownx.highlight's formatters (subclasses of Pygments'
    HtmlFormatter, one per code block) get the same tables, and so write the same HTML."""
    from pygments import highlight
    from pygments.formatters.html import HtmlFormatter
    from pygments.lexers import get_lexer_by_name

    seams.keep_pygments_stylesheets()
    seams.keep_pygments_stylesheets()  # once: the original is not wrapped twice
    kept = HtmlFormatter._create_stylesheet
    made = kept.original  # type: ignore[attr-defined]
    assert getattr(made, "busdocs_kept", False) is False
    assert "self._create_stylesheet()" in inspect.getsource(HtmlFormatter.__init__)
    code = 'aws s3 sync site/ "s3://$BUCKET" --delete  # deploy\nexit 1\n'
    for style in ("default", "monokai"):
        for prefix in ("", "hl-"):
            for _ in range(2):  # made, then kept
                formatter = HtmlFormatter(style=style, classprefix=prefix)
                HtmlFormatter._create_stylesheet = made
                try:
                    fresh = HtmlFormatter(style=style, classprefix=prefix)
                finally:
                    HtmlFormatter._create_stylesheet = kept
                assert formatter.ttype2class == fresh.ttype2class and formatter.class2style == fresh.class2style
                assert formatter.ttype2class is not fresh.ttype2class
                assert highlight(code, get_lexer_by_name("bash"), formatter) == highlight(
                    code, get_lexer_by_name("bash"), fresh)
                assert formatter.get_style_defs(".x") == fresh.get_style_defs(".x")


def test_mkdocs_macros_takes_its_git_variable_from_get_git_info_and_a_prefetched_one_is_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`seams.prefetch_macros_git_info`: mkdocs-macros sets `git` from `context.get_git_info()`, looked
    up when `on_config` runs; the replacement gives a copy of the prefetched value, or runs git."""
    from mkdocs_macros import context

    from busdocs.mkdocs import prescan

    assert "env.variables['git'] = get_git_info()" in inspect.getsource(context.define_env)
    monkeypatch.setattr(context, "get_git_info", context.get_git_info)  # put back after the test
    monkeypatch.chdir(tmp_path)  # not a git repository: git fails fast, and says so in the value
    computed = context.get_git_info()
    config = config_for(tmp_path, plugins=["macros"])
    macros = config.plugins["macros"]
    prefetched = {"status": True, "short_commit": "643c98b", "date": None}
    seams.prefetch_macros_git_info(lambda: (True, prefetched))
    seams.prefetch_macros_git_info(lambda: (True, prefetched))  # once: the original is kept, not wrapped
    macros.on_config(config)
    assert macros.variables["git"] == prefetched and macros.variables["git"] is not prefetched
    seams.prefetch_macros_git_info(prescan.macros_git_info)  # nothing started for this folder: git runs
    macros.on_config(config)
    assert macros.variables["git"] == computed and prescan.macros_git_info() == (False, None)
    prescan.start(tmp_path)  # what `busdocs build` does first
    try:
        assert prescan.macros_git_info() == (True, computed)
    finally:
        prescan.stop()


def test_mkdocs_writes_no_page_whose_output_is_empty_and_says_so_in_a_line_the_filter_knows(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """`seams.skip_write`: `_build_page` writes only `if output.strip()`, else logs the line
    `SkippedWrites` drops for the pages a worker wrote."""
    from mkdocs.commands.build import _build_page
    from mkdocs.structure.nav import get_navigation

    assert "if output.strip():" in inspect.getsource(_build_page)
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "empty.html").write_text("  \n", encoding="utf-8")
    (theme / "main.html").write_text("<p>{{ page.title }}</p>\n", encoding="utf-8")
    config = config_for(tmp_path, theme={"name": "mkdocs", "custom_dir": str(theme)}, plugins=[])
    files = Files([file_of(config, "empty.md", "---\ntemplate: empty.html\n---\n# Empty\n"),
                   file_of(config, "full.md", "# Full\n")])
    nav = get_navigation(files, config)
    env = config.theme.get_env()

    def build(writes: seams.SkippedWrites) -> list[str]:
        caplog.clear()
        seams.build_logger().addFilter(writes)
        try:
            with caplog.at_level(logging.INFO, logger="mkdocs.commands.build"):
                for file in files:
                    page = Page(None, file, config)
                    seams.populate_page(page, config, files)
                    if file.src_uri == "empty.md":
                        assert seams.skip_write(writes, page) == ""
                    seams.build_page(page, config, list(files), nav, env, excluded=False)
        finally:
            seams.build_logger().removeFilter(writes)
        return [r.getMessage() for r in caplog.records if "Page skipped" in r.getMessage()]

    unfiltered = seams.SkippedWrites()
    unfiltered.filter = lambda record: True  # type: ignore[method-assign]
    assert build(unfiltered) == ["Page skipped: 'empty.md'. Generated empty output."]
    assert build(seams.SkippedWrites()) == []
    assert not (Path(config.site_dir) / "empty" / "index.html").exists()
    assert (Path(config.site_dir) / "full" / "index.html").read_text().strip() == "<p>Full</p>"
    record = logging.LogRecord("mkdocs.commands.build", logging.INFO, __file__, 1,
                               "Page skipped: 'other.md'. Generated empty output.", None, None)
    assert seams.SkippedWrites().filter(record)  # a page no worker wrote: its line stays
