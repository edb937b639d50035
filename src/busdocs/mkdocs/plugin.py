"""The busdocs MkDocs plugin: wires MkDocs events to the package's functions.

- `on_config`: load and validate `data/` once per build (before mkdocs-macros renders a page),
  pick the environment, add the internal navigation.
- `on_files`: mount `guides/` (both sites) and `runbooks/` (internal site only), with edit
  links that point at the real files; the internal site gets a `robots.txt` that disallows all.
- `on_post_build`: the leak guard of the public site, and the build record deploy relies on.
- `on_serve`: under `mkdocs serve` only, a failed rebuild shows its problems in every open page.
"""

from __future__ import annotations

import hashlib
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel

import logging

import busdocs
from busdocs import sites
from busdocs.mkdocs.config import BusdocsConfig
from busdocs import buildrecord
from busdocs.mkdocs import gitdates
from busdocs.content import helpcenter
from busdocs.mkdocs import navhtml
from busdocs.content import news
from busdocs.content import openapi
from busdocs.content import feedback
from busdocs.content import search as search_entries
from busdocs.mkdocs import parallel
from busdocs.mkdocs import prescan
from busdocs.content import values
from busdocs.content import environment_values
from busdocs.mkdocs import rendercache
from busdocs.mkdocs import seams
from busdocs.mkdocs import servekeep
from busdocs.data import secrets
from busdocs.checks import data_file_paths
from busdocs.mkdocs.minify import strip_indentation
from busdocs.data.loader import DataSet, credential_problems, load_data
from busdocs.errors import BusdocsError, ProblemsError
from busdocs.mkdocs.leakguard import Guard
from busdocs.mkdocs.navfiles import expand_nav
from busdocs.content import glossary
from busdocs.data.visibility import internal_values, public_view
from busdocs.i18n import fonts as web_fonts
from busdocs.i18n import translations as i18n

INTERNAL_ROBOTS_TXT = ("# The ops site is for university staff only: nothing here is to be indexed.\n"
                       "User-agent: *\nDisallow: /\n")
"""The internal site's robots.txt: everything disallowed and no `Sitemap:` line (the sitemap MkDocs
writes is not submitted anywhere; CloudFront also sends `X-Robots-Tag: noindex`, infra/hosting.yaml)."""

log = get_plugin_logger(__name__)

ENV_VARIABLE = "BUSDOCS_ENV"


class BusdocsPlugin(BasePlugin[BusdocsConfig]):
    """Mounts the extra source folders, loads the data and guards the public build."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.data: DataSet | None = None
        self.root = Path.cwd()
        self.environment = "production"
        self.today = date.today()
        self._internal_outputs: set[str] = set()
        self._site_dir: Path | None = None
        self._dates: dict[str, object] = {}
        self.serving = False
        self.dirty = False
        self._held: servekeep.Held | None = None
        """Under serve, the last build's folders while MkDocs cleans the site (`servekeep`)."""
        self.preview: int | None = None
        """The change this is a preview build of (`BUSDOCS_PREVIEW`), or None."""
        self.news: list[news.Piece] = []
        self._api_pages: list[openapi.TagPage] = []
        self._cache: rendercache.RenderCache | None = None
        self._config_key = self._files_key = self._macros_key = ""
        self._nav_key: str | None = None
        self._nav: Any = None
        self._pages: list[Any] = []
        self._search_key = ""
        self._abbreviations: str | None = None
        """The glossary's abbreviation lines appended to every page (`glossary.abbreviations`), once per build."""
        self.sources: dict[str, str] = {}
        """Where each page of the site comes from: `src_uri` → path in the repository."""
        self.translations: dict[str, i18n.Translation] = {}
        """In a language edition: the translated pages by their path in the site."""
        self.english: dict[str, str] = {}
        """In a language edition: each page's English source in the repository, by its path in the site."""
        self._markdown_ahead = parallel.Prefetch(self._merge)
        self._real_folders: dict[str, str] = {}
        """Folders resolved by `_real_path`, emptied at the start of each build (`on_config`)."""
        self._guard: Guard | None = None
        """The public build's leak guard, from the theme loop to the end of the build (`_start_guard`)."""
        self._guard_journal: list[parallel.Entry] | None = None
        """In a theme worker: what the guard found in the pages it wrote, sent back with them."""
        self._theme_ahead = parallel.Prefetch(self._merge)
        self._written: dict[str, str] = {}
        """Pages a theme worker wrote, by source: the digest of the bytes it wrote (`_note_output`)."""
        self._skipped_writes = seams.SkippedWrites()
        self._source_checks: parallel.Background | None = None
        """The secret scan of the sources and the leak guard's needles, computed in a background process
        from `on_config` until the theme loop needs them (`_start_source_checks`)."""

    # ------------------------------------------------------------------ config

    @event_priority(50)  # before mkdocs-macros copies config.extra and calls define_env
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.root = Path(config.config_file_path).parent.resolve()
        self._site_dir = Path(config.site_dir)
        self._real_folders = {}  # folders resolved this build (`_real_path`)
        _preview_number()  # a bad BUSDOCS_PREVIEW stops the build before anything is read
        seams.keep_installed_theme_listings(config.theme)  # Material's ~14,000 files: listed once a process
        seams.keep_pygments_stylesheets()  # one token-to-CSS table per style, not per code block
        seams.prefetch_macros_git_info(prescan.macros_git_info)  # before mkdocs-macros' on_config asks git
        self._abbreviations = None  # the glossary's, made from this build's data when a page first needs them
        try:
            self.data = self._load_data()
        except ProblemsError as exc:
            raise PluginError(f"data/ has problems:\n{exc}") from None
        self._start_source_checks(config)
        wanted = os.environ.get(ENV_VARIABLE) or self.data.environments.default
        if self.data.environments.get(wanted) is None:
            known = ", ".join(e.name for e in self.data.environments.environments)
            raise PluginError(f"{ENV_VARIABLE}={wanted!r} names no environment in data/environments.yml "
                              f"(known: {known})")
        self.environment = wanted
        self.today = _today()
        self.preview = _preview(config, self.config.audience, self.root, self.config.language)
        # The search box's "nothing found" panel lists the contact channels (overrides/main.html).
        config.extra["busdocs_support"] = self.data.site.support.model_dump(mode="json")
        # Reader feedback widget and failed-search beacons, help center only (overrides/partials/feedback.html).
        config.extra["busdocs_feedback"] = ({"reasons": dict(feedback.REASONS)} if self.config.audience == "public"
                                            else None)
        if self.config.audience == "internal" and self.config.nav:
            public_nav = [e for e in (config.nav or []) if not _is_home_entry(e)]
            config.nav = [*self.config.nav, *public_nav]
        self._api_pages = self._openapi_pages() if self.config.api_pages else []
        if config.nav and self._api_pages:
            config.nav = _add_api_pages(config.nav, self.config.api_pages, self._api_pages)
        if config.nav:
            folders = [("", Path(config.docs_dir)), ("", self.root / self.config.guides_dir)]
            if self.config.audience == "internal":
                folders.insert(0, ("runbooks/", self.root / self.config.runbooks_dir))
            if self.config.language != "en":  # a translated `.nav.yml` (its titles) first
                folders.insert(0, ("", self.root / self.config.translations_dir / self.config.language))
            try:
                config.nav = expand_nav(config.nav, folders, translated=self.config.language != "en")
            except ProblemsError as exc:
                raise PluginError(f"navigation has problems:\n{exc}") from None
        self._cache = None
        if self.config.render_cache:
            config_name = rendercache.portable(Path(config.config_file_path).as_posix(), self.root)
            name = f"{self.config.audience}-{rendercache.digest(config_name)[:12]}.pickle"
            self._cache = rendercache.RenderCache.load(self.root / ".cache" / "render" / name,
                                                       keep_in_memory=self.serving)
            self._config_key = rendercache.digest(rendercache.inputs_key(
                root=self.root, config_files=sites.config_chain(Path(config.config_file_path)),
                code=[Path(busdocs.__file__).parent, self.root / "macros",
                      *([Path(config.theme.custom_dir)] if config.theme.custom_dir else [])],
                folders=[Path(config.docs_dir), self.root / self.config.guides_dir,
                         *([self.root / self.config.translations_dir / self.config.language]
                           if self.config.language != "en" else []),
                         *([self.root / self.config.runbooks_dir] if self.config.audience == "internal" else [])],
                other=[self.config.audience, self.environment, self.today, self.serving,
                       sorted((k, v) for k, v in os.environ.items() if k.startswith("BUSDOCS_"))]),
                rendercache.portable([_stable(config.markdown_extensions), _stable(config.mdx_configs),
                                      _stable(dict(config.theme)), _stable(config.extra)], self.root),
                config.site_url, config.site_name, config.use_directory_urls, config.edit_uri,
                rendercache.python_sources_digest(*_documented_folders(config), skip=[Path(config.site_dir)]))
            self._notices(self._cache.notices)
        return config

    def _notices(self, notices: list[str]) -> None:
        """Things the author should know that are not problems (a cache ignored or not saved)."""
        for notice in notices:
            log.info(notice)
        notices.clear()

    # ------------------------------------------------------------------ files

    @event_priority(1000)  # the first event after MkDocs cleaned the site, before anything writes to it
    def _restore_outputs(self, files: Files, *, config: MkDocsConfig) -> Files:
        if self._held is not None:
            servekeep.restore(self._held)
        return files

    def _files(self, files: Files, *, config: MkDocsConfig) -> Files:
        self._dates = gitdates.last_commit_dates(self.root)
        docs_rel = _relative(Path(config.docs_dir), self.root)
        for file in files:
            if file.generated_by is None and file.abs_src_path:
                file.edit_uri = f"{docs_rel}/{file.src_uri}"
                self.sources[file.src_uri] = file.edit_uri
        self._mount(files, config, self.root / self.config.guides_dir, prefix="")
        self._classify_news(files)
        for api_page in self._api_pages:
            files.append(File.generated(config, api_page.src_uri, content=api_page.markdown))
            self.sources[api_page.src_uri] = str(openapi.SPEC)
        if self.config.release_feed and self.data is not None:
            feed = helpcenter.atom_feed(self.data.releases, self.today, config.site_url or "/", "releases/",
                                        f"{config.site_name}: release notes")
            files.append(File.generated(config, self.config.release_feed, content=feed))
        if self.config.audience == "internal":
            runbooks = self.root / self.config.runbooks_dir
            self._mount(files, config, runbooks, prefix="runbooks/")
            if files.get_file_from_path("robots.txt") is None:
                files.append(File.generated(config, "robots.txt", content=INTERNAL_ROBOTS_TXT))
            if self.config.home:
                self._replace_home(files, config, self.root / self.config.home)
        if self.config.language != "en":
            self._use_translations(files, config)
        self._files_key = rendercache.digest(sorted((f.src_uri, f.url, f.inclusion.value) for f in files))
        if self._cache is not None:
            # mkdocs-macros' own `git` variable (the last commit: its id, date, message, author) is
            # there for every page and every macro: a new commit renders the macros again.
            macros = config.plugins.get("macros")
            git_info = getattr(macros, "variables", {}).get("git") if macros is not None else None
            self._macros_key = rendercache.digest(
                self._config_key, self._files_key, rendercache.tree_digest(
                    self.root / "data", self.root / self.config.runbooks_dir, Path(config.config_file_path).parent
                    / "macros"), Path(config.config_file_path).read_text(encoding="utf-8"),
                [(p.src_uri, _stable(p.meta.model_dump())) for p in self.news], repr(git_info))
        return files

    on_files = CombinedEvent(_restore_outputs, _files)

    def _use_translations(self, files: Files, config: MkDocsConfig) -> None:
        """A language edition: every English page, replaced by its translation where there is one
        (same path in the site, so the language switcher always has the same page to go to)."""
        try:
            found = i18n.translations(self.root, self.config.language)
        except BusdocsError as exc:
            raise PluginError(str(exc)) from None
        self.translations = found
        self.english = {}
        for file in list(files.documentation_pages()):
            self.english[file.src_uri] = self.sources.get(file.src_uri, "")
            translation = found.get(file.src_uri)
            if translation is None:
                continue
            files.remove(file)
            new = File.generated(config, file.src_uri, abs_src_path=str(translation.path))
            new.inclusion = file.inclusion
            new.edit_uri = self.sources[file.src_uri] = _relative(translation.path, self.root)
            files.append(new)
        # The edition's own files (its stylesheet): beside the pages, never on the English site.
        folder = self.root / self.config.translations_dir / self.config.language
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if path.is_file() and not path.name.endswith(".md") and not any(p.startswith(".") for p in rel.split("/")):
                if files.get_file_from_path(rel) is not None:
                    raise PluginError(f"{_relative(path, self.root)} would replace {rel} of the English site")
                files.append(File.generated(config, rel, abs_src_path=str(path)))

    def _language_notice(self, markdown: str, page: Any) -> str:
        """On a page of a language edition: the notice of an untranslated page (its English text
        follows, marked as English) or of a translation whose English page changed since."""
        src_uri = page.file.src_uri
        if src_uri not in self.english:  # generated pages (API reference): English, said by the section
            return markdown
        href = i18n.english_href(page.url)
        translation = self.translations.get(src_uri)
        if translation is None:
            return (f"{i18n.fallback_notice(href)}"
                    f'<div class="busdocs-english" lang="en" dir="ltr" markdown="1">\n\n{markdown}\n\n</div>\n')
        if not translation.stale:
            return markdown
        updated = gitdates.last_updated(self.english[src_uri], self.root, self._dates)  # type: ignore[arg-type]
        head, body = _split_title(markdown)
        return f"{head}{i18n.stale_notice(updated.date(), href)}{body}"

    def _load_data(self) -> DataSet:
        """The data this site's pages may see, loaded again only when a file of `data/` changed
        (serve rebuilds often). The public site gets its public view: the full data set is never
        held where its pages can reach it (`config.plugins.busdocs.data`, the macros)."""
        # MkDocs keeps a plugin that has on_startup for the whole process (serve rebuilds, and any
        # other build in it): the stamp says which project and audience the data was loaded for.
        stamp = (str(self.root), self.config.audience,
                 tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted((self.root / "data").glob("*.y*ml"))))
        if self.serving and self.data is not None and getattr(self, "_data_stamp", None) == stamp:
            return self.data
        self._data_stamp = stamp
        # Their credential scan is the source checks' (`_secrets_found`), beside the build's start.
        data = load_data(self.root, credentials=False)
        return data if self.config.audience == "internal" else public_view(data)

    def _start_source_checks(self, config: MkDocsConfig) -> None:
        """The secret scan of every source (and, for the guarded public build, the leak guard's
        needles), in a background process while the build's serial start goes on: its findings are
        checked before the theme loop writes anything (`_finish_source_checks`). Only in the
        `busdocs` command (`parallel.command_process`): in a long-lived process (serve, the tests, a
        program that builds) the scan runs here, as the build starts, and what it scanned stays known
        by content, so the next build scans only what changed; a scan in a forked process is
        forgotten with it, and forking a process that holds a gigabyte costs more than the scan
        (a warm public build in such a process: 1.19 CPU-s instead of 1.32, 0.71 s instead of 0.75)."""
        if self._source_checks is not None:
            self._source_checks.close()
        self._source_checks = None
        if parallel.command_process:
            guarded = self._guarded()
            checks = parallel.Background(lambda: (self._secrets_found(config), self._needles() if guarded else None))
            if checks.forked:
                self._source_checks = checks
                return
        self._stop_on_secrets(self._secrets_found(config))

    def _finish_source_checks(self) -> dict[str, str] | None:
        """The background checks' result: stops the build on a secret; the needles, if it made them."""
        checks, self._source_checks = self._source_checks, None
        if checks is None:
            return None
        found, needles = checks.result()
        self._stop_on_secrets(found)
        return needles

    def _stop_on_secrets(self, found: list[Any]) -> None:
        if found:
            raise PluginError("secret scanner: these lines look like credentials:\n"
                              + "\n".join(f"  {problem}" for problem in found))

    def _secrets_found(self, config: MkDocsConfig) -> list[Any]:
        """Every source this site can publish, through the one secret scanner (`busdocs.secrets`);
        `data/*.yml` as the loader reports it (`credential_problems`: file, line and field), since
        the build loads the data without that scan. The public site does not read `runbooks/`."""
        secrets.remember(prescan.findings(self.root))  # what `busdocs build` scanned as it started
        folders = [Path(config.docs_dir), self.root / self.config.guides_dir, self.root / "data"]
        if getattr(config.theme, "custom_dir", None):
            folders.append(Path(config.theme.custom_dir))
        if self.config.audience == "internal":
            folders.append(self.root / self.config.runbooks_dir)
        return [*credential_problems(self.root),
                *secrets.scan_sources(self.root, folders, skip=data_file_paths(),
                                      cache=self.root / ".cache" / "secrets.json")]

    def _openapi_pages(self) -> list[openapi.TagPage]:
        """The API reference pages; made again only when the spec's text, the API's address or the
        folder changed (serve rebuilds often; parsing the spec costs 50 ms)."""
        assert self.data is not None
        base = values.variable_value(self.data, self.environment, "API_BASE_URL", "public")
        try:
            text = (self.root / openapi.SPEC).read_bytes()
        except OSError:
            text = None  # load_spec says why
        key = (text, base, self.config.api_pages)
        if text is not None and getattr(self, "_api_key", None) == key:
            return self._api_pages_made
        loaded = openapi.load_spec(self.root)
        if loaded.data is None:
            raise PluginError(f"{openapi.SPEC}: " + "; ".join(str(p) for p in loaded.problems))
        pages = openapi.tag_pages(loaded.data, base, self.config.api_pages.strip("/"))
        self._api_key, self._api_pages_made = key, pages
        return pages

    def _classify_news(self, files: Files) -> None:
        """News pieces are outside the nav; unpublished ones are drafts (shown only by serve)."""
        self.news.clear()  # the same list object the macros hold
        problems: list = []
        prefix = self.config.news_dir.strip("/") + "/"
        for file in files.documentation_pages():
            if not file.src_uri.startswith(prefix) or file.src_uri == prefix + "index.md":
                continue
            piece, found = news.read_piece(Path(file.abs_src_path), file.src_uri,
                                           Path(self.sources.get(file.src_uri, file.src_uri)))
            problems += found
            if piece is not None:
                self.news.append(piece)
                file.inclusion = (InclusionLevel.NOT_IN_NAV if piece.published(self.today)
                                  else InclusionLevel.DRAFT)
        if problems:
            raise PluginError("news pieces have problems:\n" + "\n".join(map(str, problems)))

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        """A failed rebuild shows its problems in the browser instead of stalling it (`serveerrors`)."""
        from busdocs.mkdocs import serveerrors

        seams.wrap_serve_builder(server, lambda build: serveerrors.guard_builder(
            build, site=self.config.audience, site_dir=Path(config.site_dir), root=self.root,
            sources=lambda: self.sources))
        return server

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"
        self.dirty = dirty

    def _mount(self, files: Files, config: MkDocsConfig, folder: Path, prefix: str) -> None:
        if not folder.is_dir():
            return
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            src_uri = prefix + path.relative_to(folder).as_posix()
            if self.config.home and path.resolve() == (self.root / self.config.home).resolve():
                continue
            if files.get_file_from_path(src_uri) is not None:
                raise PluginError(f"{_relative(path, self.root)} would be published at {src_uri!r}, "
                                  f"which {config.docs_dir} already has")
            file = File.generated(config, src_uri, abs_src_path=str(path))
            file.edit_uri = self.sources[src_uri] = _relative(path, self.root)
            files.append(file)

    def _replace_home(self, files: Files, config: MkDocsConfig, home: Path) -> None:
        if not home.is_file():
            raise PluginError(f"plugins.busdocs.home: {_relative(home, self.root)} does not exist")
        old = files.get_file_from_path("index.md")
        if old is not None:
            files.remove(old)
        file = File.generated(config, "index.md", abs_src_path=str(home))
        file.edit_uri = self.sources["index.md"] = _relative(home, self.root)
        files.append(file)

    # ------------------------------------------------------------------ pages

    def audience_of(self, abs_src_path: str | None) -> str:
        """`internal` for a page whose source lives in `runbooks/` (through any symbolic link), else `public`."""
        if abs_src_path and Path(self._real_path(abs_src_path)).is_relative_to(self.root / self.config.runbooks_dir):
            return "internal"
        return "public"

    def _real_path(self, path: str) -> str:
        """`os.path.realpath(path)`, resolving each folder once per build: the build asks for every
        page twice (macros, template context), and resolving a whole path costs a system call per part."""
        if os.path.islink(path):
            return os.path.realpath(path)
        folder, name = os.path.split(path)
        real = self._real_folders.get(folder)
        if real is None:
            real = self._real_folders[folder] = os.path.realpath(folder)
        return os.path.join(real, name)

    def _page_dates_and_banners(self, markdown: str, *, page: Any, config: MkDocsConfig, files: Files) -> str:
        if self.config.language != "en":
            markdown = self._language_notice(markdown, page)
        source = self.sources.get(page.file.src_uri)
        if source and "revision_date" not in page.meta:
            when = gitdates.last_updated(source, self.root, self._dates)  # type: ignore[arg-type]
            page.meta["revision_date"] = gitdates.format_date(when)
        if self.data is not None:  # before runbook_page: data/search.yml weighs parts of the site
            search_entries.apply_boost(page.meta, page.file.src_uri, self.data.search)
        if source and source.startswith(f"{self.config.runbooks_dir}/alarms/") and "alarms" in page.meta:
            markdown = runbook_page(page.meta, markdown, self.today)
        if (self._cache is not None and "render_macros" not in page.meta
                and not rendercache.JINJA_INCLUDES.search(markdown)):
            key = rendercache.digest(self._macros_key, page.file.src_uri, page.url, markdown, _stable(page.meta))
            page._busdocs_macros_key = key
            rendered = self._cache.macros.get(key)
            if rendered is not None:  # mkdocs-macros skips a page whose front matter says so
                self._cache.used.add(key)
                page.meta["render_macros"] = False
                page._busdocs_macros_hit = True
                return rendered
        return markdown

    @event_priority(-1)  # right after mkdocs-macros (0), before any plugin that changes the Markdown further
    def _store_macros_output(self, markdown: str, *, page: Any, config: MkDocsConfig, files: Files) -> str:
        """The macros layer holds what macros made of the page, nothing more: later plugins (Material's
        tags turns its listing directive into placeholders) must see their input again on a hit.
        Pages of `runbooks/` get the marker of the unverified values they show here, after macros."""
        if not getattr(page, "_busdocs_macros_hit", False) and self.data is not None:
            source = self.sources.get(page.file.src_uri) or ""
            if source.startswith(f"{self.config.runbooks_dir}/") and page.meta.get("environments") != "all":
                markdown = environment_values.mark_unverified(markdown, self.data, self.environment)
        if self._cache is not None:
            macros_key = getattr(page, "_busdocs_macros_key", None)
            if getattr(page, "_busdocs_macros_hit", False):
                page.meta.pop("render_macros", None)
            elif macros_key is not None:
                self._cache.put("macros", macros_key, markdown)
                self._cache.used.add(macros_key)
        # The glossary's terms explained where they are used (after the macros layer, before the
        # render key, so the rendered page's key covers them).
        if self.data is not None and page.meta.get("glossary_tooltips", True):
            if self._abbreviations is None:  # the same for every page of the build
                self._abbreviations = glossary.abbreviations(self.data.glossary)
            markdown = glossary.append_abbreviations(markdown, self.data.glossary, self._abbreviations)
        return markdown

    @event_priority(-100)  # after every plugin's Markdown changes: the key is the Markdown as it will be converted
    def _reuse_rendered(self, markdown: str, *, page: Any, config: MkDocsConfig, files: Files) -> str:
        if self._cache is None:
            return markdown
        key = rendercache.digest(self._config_key, self._files_key, page.file.src_uri, markdown)
        page._busdocs_render_key = key
        hit = self._cache.pages.get(key)
        if hit is not None:
            self._cache.used.add(key)
            self._cache.hits += 1

            def restore(config: MkDocsConfig, files: Files, _page: Any = page, _hit: Any = hit) -> None:
                seams.restore_rendered_page(_page, _hit, files)
                if (autorefs := config.plugins.get("autorefs")) is not None:
                    for identifier, anchor, title, primary in _hit.registered:
                        autorefs.register_anchor(_page, identifier, anchor, title=title, primary=primary)
                seams.replay_inventory(config, _hit.inventory)

            page.render = restore
        else:
            self._cache.misses += 1
            self._record_anchors(page, config)
        return markdown

    def _record_anchors(self, page: Any, config: MkDocsConfig) -> None:
        """Note the anchors autorefs registers while `page` converts, and the objects mkdocstrings
        puts in its inventory (a cache hit replays both)."""
        if (autorefs := config.plugins.get("autorefs")) is not None:
            page._busdocs_registered = seams.record_autorefs_anchors(autorefs, page)
        page._busdocs_inventory = seams.record_inventory(config)

    on_page_markdown = CombinedEvent(_page_dates_and_banners, _store_macros_output, _reuse_rendered)

    @event_priority(100)  # before other plugins change the content: store what Markdown produced
    def on_page_content(self, html: str, *, page: Any, config: MkDocsConfig, files: Files) -> str:
        key = getattr(page, "_busdocs_render_key", None)
        registered = getattr(page, "_busdocs_registered", None)
        if registered is not None and (autorefs := config.plugins.get("autorefs")) is not None:
            seams.stop_recording(autorefs)
        inventory = getattr(page, "_busdocs_inventory", None)
        if inventory is not None:
            seams.stop_recording_inventory(config)
            page._busdocs_inventory = None
            if not inventory.complete:  # registered something a hit could not register again
                return html
        if self._cache is not None and key is not None and key not in self._cache.pages:
            self._cache.put("pages", key, seams.rendered_page(page, html, registered or [],
                                                              inventory.items if inventory is not None else []))
        if key is not None and self._cache is not None:
            self._cache.used.add(key)
        return html

    def _theme_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        self._markdown_ahead.close()
        self._start_guard(config, self._finish_source_checks())
        if self.config.fast_nav:
            env.globals["busdocs_nav_items"] = navhtml.NavItems()
        # Each page's URL by its source (for links a template writes, on every site's URL style);
        # the navigation signature of the render cache covers every page's URL.
        env.globals["busdocs_page_urls"] = {f.src_uri: f.url for f in files.documentation_pages()}
        if self._cache is None:
            return env
        original = env.get_template
        plugin = self

        class CachedTemplate:
            def __init__(self, template: Any) -> None:
                self.template = template

            def __getattr__(self, name: str) -> Any:  # everything else is the real template's
                return getattr(self.template, name)

            def render(self, context: dict[str, Any]) -> str:
                page = context.get("page")
                try:
                    others = rendercache.stable({k: v for k, v in context.items() if k not in COVERED_CONTEXT})
                except rendercache.Unkeyable:  # something in the context the key cannot follow
                    return strip_indentation(self.template.render(context))
                if page is None:  # 404.html: depends on the configuration and navigation only
                    key = rendercache.digest(plugin._config_key, plugin._nav_signature(), self.template.name, others)
                else:
                    key = rendercache.digest(plugin._output_key(page, self.template.name), others)
                cached = plugin._cache.outputs.get(key)
                plugin._cache.used.add(key)
                if cached is None:
                    cached = plugin._cache.put("outputs", key, strip_indentation(self.template.render(context)))
                return cached

        def get_template(name: Any, *args: Any, **kwargs: Any) -> Any:
            template = original(name, *args, **kwargs)
            return CachedTemplate(template) if name in ("main.html", "404.html") else template

        env.get_template = get_template
        # Compiled theme templates are kept too (Material's are large; compiling them costs 0.2 s).
        env.bytecode_cache = self._template_code_cache()
        self._nav_key = None
        return env

    @event_priority(-200)  # after every plugin (mkdocstrings: -100) has set up the environment workers copy
    def _render_theme_ahead(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        workers = self._workers(len(doc_files))
        if workers > 1:
            def render(file: File) -> list[parallel.Entry]:
                # The worker writes the page too, as MkDocs does: the build waits for the worker to
                # finish a page before it writes the same bytes again, so no file has two writers.
                self._cache.journal = []
                self._guard_journal = []
                seams.build_page(file.page, config, doc_files, self._nav, env, excluded=file.inclusion.is_excluded())
                return self._cache.fresh() + self._guard_journal

            self._theme_ahead.start(doc_files, _src_uri, render, workers)
        return env

    on_env = CombinedEvent(_theme_env, _render_theme_ahead)

    def _guarded(self) -> bool:
        """Whether this build gets the leak guard: a real build of the public site."""
        return self.config.audience == "public" and self.config.leak_guard and not self.serving

    def _needles(self) -> dict[str, str]:
        """Every internal value, from the full data read again (the plugin holds only the public view)."""
        try:
            return internal_values(load_data(self.root, credentials=False))  # scanned by _secrets_found
        except ProblemsError as exc:
            raise PluginError(f"data/ has problems:\n{exc}") from None

    def _start_guard(self, config: MkDocsConfig, needles: dict[str, str] | None = None) -> None:
        """The public build's leak guard, made before the theme loop so pages are scanned as they are
        written (`_note_output`). Under `mkdocs serve` nothing is published; the guard runs on every
        real build. The internal values come from the full data, read again; the plugin holds them
        (in the guard) only until the build ends, after every page's Markdown and macros ran."""
        self._guard = None
        if not self._guarded():
            return
        if needles is None:
            needles = self._needles()
        if self.preview:  # the preview's own address (a staging host) is where this build is served
            needles = {v: w for v, w in needles.items() if v not in config.site_url}
        kept = (self.root / ".cache" / "leakguard" / f"{Path(config.config_file_path).stem}.json"
                if self._cache is not None else None)  # what each unchanged output held
        self._guard = Guard(needles, kept)

    def _workers(self, pages: int) -> int:
        """How many processes render ahead: none under serve (its rebuilds mostly hit the cache) or
        for a dirty build (which skips pages on purpose)."""
        if self._cache is None or self.serving or self.dirty:
            return 1
        return parallel.worker_count(self.config.workers, pages)

    def _merge(self, entries: Any) -> None:
        assert self._cache is not None
        for layer, key, value in entries:
            if layer == "written":  # a page a theme worker wrote, and the digest of its bytes
                self._written[key] = value
            elif layer == "leakscan":  # what the leak guard found in a page a worker wrote
                if self._guard is not None:
                    self._guard.noted[key] = value
            else:
                getattr(self._cache, layer)[key] = value

    @event_priority(100)
    def on_pre_page(self, page: Any, *, config: MkDocsConfig, files: Files) -> Any:
        self._markdown_ahead.arrive(page.file.src_uri)
        return page

    def _add_search_keywords(self, index: Any) -> None:
        """Visitors' words as hidden keywords of each search entry (`busdocs.content.search`)."""
        settings = self.data.search
        self._search_key = rendercache.digest(settings.model_dump(mode="json"))  # the cache serves them too
        entries_of = seams.search_entries
        table = search_entries.synonym_table(settings)

        def add_entry_from_context(original: Any, page: Any) -> None:
            before = len(entries_of(index))
            original(page)
            search_entries.add_keywords(entries_of(index)[before:], settings, table)

        seams.wrap_search_index(index, add_entry_from_context)

    def _cache_search_entries(self, index: Any) -> None:
        """Reuse the search entries of pages whose rendered content did not change."""
        cache = self._cache
        assert cache is not None
        entries_of = seams.search_entries

        def add_entry_from_context(original: Any, page: Any) -> None:
            key = rendercache.digest("search", self._search_key, page.url, page.title, page.content,
                                     rendercache.toc_tokens(page.toc), _stable(page.meta))
            cache.used.add(key)
            entries = cache.search.get(key)
            if entries is None:
                before = len(entries_of(index))
                original(page)
                cache.put("search", key, entries_of(index)[before:])
            else:
                entries_of(index).extend(entries)

        seams.wrap_search_index(index, add_entry_from_context)

    def _nav_signature(self) -> str:
        if self._nav_key is None:  # every title is known once all pages are rendered
            self._nav_key = rendercache.digest([(p.title, p.url, p.file.src_uri) for p in self._pages],
                                               _nav_shape(self._nav.items))
        return self._nav_key

    def _output_key(self, page: Any, template: str) -> str:
        def link(other: Any) -> Any:
            return (other.title, other.url) if other is not None else None

        return rendercache.digest(self._config_key, self._nav_signature(), template, page.file.src_uri, page.url,
                                  page.title, page.content, rendercache.toc_tokens(page.toc), _stable(page.meta),
                                  page.edit_url, page.canonical_url, link(page.previous_page), link(page.next_page))

    @event_priority(-100)
    def _strip_output(self, output: str, *, page: Any, config: MkDocsConfig) -> str:
        # With the render cache on, pages are stored (and served) already stripped.
        return output if self._cache is not None else strip_indentation(output)

    @event_priority(-10000)  # the page as MkDocs writes it, after every plugin
    def _note_output(self, output: str, *, page: Any, config: MkDocsConfig) -> str:
        """The leak guard scans each page as it is written, in the build and in its workers, so
        both cores share what the guard would otherwise scan alone after the build (the bytes are
        the ones MkDocs writes; a page written with other bytes is scanned after the build).
        A theme worker also sends the digest of the bytes it writes; the build does not write a
        page again whose bytes a worker wrote already (`seams.skip_write`)."""
        in_worker = self._guard_journal is not None
        written = self._written.get(page.file.src_uri)  # the digest of what a worker wrote for it
        if not output.strip() or (self._guard is None and not in_worker and written is None):
            return output
        data = output.encode("utf-8", errors="xmlcharrefreplace")  # what MkDocs writes
        if self._guard is not None:
            noted = self._guard.note(page.file.dest_uri, data)
            if noted is not None and in_worker:
                self._guard_journal.append(("leakscan", *noted))
        if in_worker:  # a theme worker: it writes the page, then says with what
            self._guard_journal.append(("written", page.file.src_uri, _digest_of(data)))
        elif written is not None and written == _digest_of(data):  # written so by a worker already
            return seams.skip_write(self._skipped_writes, page)
        return output

    on_post_page = CombinedEvent(_strip_output, _note_output)

    @event_priority(-100)
    def on_post_template(self, output_content: str, *, template_name: str, config: MkDocsConfig) -> str:
        # 404.html, like the pages (the render cache stores it stripped too).
        if self._cache is None and template_name.endswith(".html"):
            return strip_indentation(output_content)
        return output_content

    @event_priority(100)  # before search indexes the page: its entries may come from a worker
    def on_page_context(self, context: dict[str, Any], *, page: Any, config: MkDocsConfig,
                        nav: Any) -> dict[str, Any]:
        self._theme_ahead.arrive(page.file.src_uri)
        if self.audience_of(page.file.abs_src_path) == "internal":
            self._internal_outputs.add(page.file.dest_uri)
        return context

    # ------------------------------------------------------------------ build

    @event_priority(-100)  # the navigation as every plugin left it
    def on_nav(self, nav: Any, *, config: MkDocsConfig, files: Files) -> Any:
        # Page objects, in navigation order then the rest; titles are known after the build.
        self._nav = nav
        in_nav = {page.file.src_uri for page in nav.pages}
        self._pages = [*nav.pages, *(f.page for f in files.documentation_pages()
                                     if f.page is not None and f.src_uri not in in_nav)]
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        workers = self._workers(len(doc_files))
        if workers > 1:
            from mkdocs.structure.pages import Page

            def render(file: File) -> list[parallel.Entry]:
                if file.page is None:  # a page outside the navigation, as MkDocs' own loop makes it
                    Page(None, file, config)
                self._cache.journal = []
                seams.populate_page(file.page, config, files)
                return self._cache.fresh()

            self._markdown_ahead.start(doc_files, _src_uri, render, workers,
                                       prepare=lambda: self._precompile_theme(config))
        return nav

    def _precompile_theme(self, config: MkDocsConfig) -> None:
        """In the first Markdown worker: compile the theme's templates into `.cache/jinja`, where the
        build and its theme workers load them from (each compiled them itself at the start of the
        theme loop before, on both cores at once: 0.12 s of a cold build). The environment is the
        theme's own, as MkDocs makes it; code compiled for it serves only an environment whose
        compiler reads the same (`rendercache.compile_signature`), so a plugin that adds a filter in
        `on_env` gets its own."""
        env = config.theme.get_env()
        env.bytecode_cache = self._template_code_cache()
        rendercache.precompile_templates(env, ["main.html", *config.theme.static_templates])

    def _template_code_cache(self) -> Any:
        return rendercache.template_code_cache(self.root / ".cache" / "jinja")

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        if (macros := config.plugins.get("macros")) is not None:  # after its on_config made its environment
            seams.quicken_macros(macros)
        seams.reuse_markdown(self.config.reuse_markdown)  # after every plugin's on_config added its extensions
        self._warnings = rendercache.WarningCounter()
        logging.getLogger("mkdocs").addHandler(self._warnings)
        search = config.plugins.get("material/search") or config.plugins.get("search")
        index = getattr(search, "search_index", None)
        if index is not None and hasattr(index, "entries") and self.data is not None:
            self._add_search_keywords(index)
        if self._cache is not None and index is not None and hasattr(index, "entries"):
            self._cache_search_entries(index)
        self._internal_outputs = set()
        self._written = {}
        self._skipped_writes.pages = set()
        seams.build_logger().addFilter(self._skipped_writes)  # taken off at the end (_post_build, on_build_error)
        buildrecord.write_marker(Path(config.site_dir), self.config.audience, "building", self.environment)
        if self.serving and not self.dirty:  # serve overwrites the last site instead of rewriting it whole
            self._held = servekeep.hold(Path(config.site_dir))

    def stop_workers(self) -> None:
        """End any worker still rendering ahead (a build that failed, or was stopped)."""
        self._markdown_ahead.close()
        self._theme_ahead.close()

    @event_priority(-1000)  # after every plugin wrote what it writes
    def _drop_stale_outputs(self, *, config: MkDocsConfig) -> None:
        self._drop_held()

    def _drop_held(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            servekeep.drop_stale(held)

    def _post_build(self, *, config: MkDocsConfig) -> None:
        self.stop_workers()  # no worker writes once the output is checked
        seams.build_logger().removeFilter(self._skipped_writes)
        site_dir = Path(config.site_dir)
        if self.config.language != "en" and self.config.web_font:
            try:  # the Nastaliq font, cut to the characters of the pages just written
                web_fonts.subset(web_fonts.characters(site_dir), site_dir / web_fonts.SITE_FOLDER,
                                 self.root / ".cache" / "fonts" if self._cache is not None else None)
            except BusdocsError as exc:
                raise PluginError(str(exc)) from None
        if self.config.audience == "public":  # the beacons the feedback widget and search box request
            for key in feedback.BEACON_KEYS:
                (site_dir / key).write_bytes(feedback.BEACON_GIF)
        # Under `mkdocs serve` nothing is published; the guard runs on every real build.
        needles = self._finish_source_checks()  # a build that reached no theme loop
        if self._guard is None:
            self._start_guard(config, needles)
        # Only a warning-free build may be reused; serve keeps its cache in memory. In the `busdocs`
        # command's process the cache is written by a background process while the guard reads the
        # site (both take about 0.05 s at the end of a cold build, when nothing else runs).
        saving = None
        reusable = self._cache is not None and self._warnings.count == 0 and not self.serving
        if reusable and parallel.command_process:
            cache = self._cache
            saving = parallel.Background(lambda: (cache.save(), cache.notices)[1])
        try:
            if self._guard is not None:
                guard, self._guard = self._guard, None
                leaks = guard.scan(site_dir, self._internal_outputs)
                if leaks:
                    listing = "\n".join(f"  {leak}" for leak in leaks[:50])
                    more = f"\n  … and {len(leaks) - 50} more" if len(leaks) > 50 else ""
                    raise PluginError(f"leak guard: the public build contains internal content:\n{listing}{more}")
        except BaseException:
            if saving is not None:
                saving.close()  # a build that failed saves nothing it had not saved yet
            raise
        logging.getLogger("mkdocs").removeHandler(self._warnings)
        if saving is not None:
            self._notices(saving.result())
        elif reusable:
            assert self._cache is not None
            self._cache.save()
            self._notices(self._cache.notices)
        elif self._cache is not None and self._warnings.count:
            rendercache.forget(self._cache)  # pages that warned must render (and warn) again
        buildrecord.write_marker(site_dir, self.config.audience, "complete", self.environment, preview=self.preview,
                               preview_url=config.site_url if self.preview else None,
                               pages=[page_record(p) for p in getattr(self, "_pages", [])
                                      if p.file.inclusion.is_included()])

    on_post_build = CombinedEvent(_post_build, _drop_stale_outputs)

    def on_build_error(self, *, error: Exception) -> None:
        self.stop_workers()
        seams.build_logger().removeFilter(self._skipped_writes)
        if self._source_checks is not None:
            self._source_checks.close()
            self._source_checks = None
        self._guard = None
        self._drop_held()  # what this build did not write goes, as MkDocs' clean would have removed it
        logging.getLogger("mkdocs").removeHandler(getattr(self, "_warnings", logging.NullHandler()))
        # The record says "failed" so nothing deploys a half-written site.
        if self._site_dir is not None:
            buildrecord.write_marker(self._site_dir, self.config.audience, "failed", self.environment,
                                   detail=str(error)[:500])


def _digest_of(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def _src_uri(file: File) -> str:
    return file.src_uri


COVERED_CONTEXT = frozenset({"page", "nav", "pages", "config", "build_date_utc"})
"""Template context entries the output key covers otherwise: the page by its own fields, the
navigation by its signature, the pages by the files key, the configuration by the inputs key.
`build_date_utc` differs in every build; no template of this project's theme uses it."""


def _documented_folders(config: MkDocsConfig) -> list[Path]:
    """The folders mkdocstrings' handlers read Python sources from (their `paths` option, relative
    to the configuration file; `.` where none is given, as the Python handler does): the code its
    `::: identifier` blocks document is an input of those pages (installed packages are keyed by
    their versions)."""
    plugin = config.plugins.get("mkdocstrings")
    if plugin is None:
        return []
    base = Path(config.config_file_path).parent
    handlers = dict(plugin.config.get("handlers") or {})
    handlers.setdefault(plugin.config.get("default_handler") or "python", {})
    return [base / path for options in handlers.values() for path in (options or {}).get("paths") or ["."]]


def _stable(value: Any) -> Any:
    """A representation that is the same in every process (no object addresses)."""
    if isinstance(value, dict):
        return sorted((str(k), _stable(v)) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        items = [_stable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__name__)}"
    if isinstance(value, str | int | float | bool | type(None) | date):
        return value
    return f"{type(value).__module__}.{type(value).__qualname__}"


def _nav_shape(items: Any) -> list[Any]:
    """Titles, URLs and nesting of the navigation (a new page or a renamed section changes it)."""
    return [(getattr(i, "title", None), getattr(i, "url", None), _nav_shape(getattr(i, "children", None) or []))
            for i in items]


def page_record(page: Any) -> dict[str, object]:
    """A page as the build record lists it: source, URL, title and the nav sections above it."""
    sections = []
    parent = page.parent
    while parent is not None:
        sections.insert(0, parent.title)
        parent = parent.parent
    return {"src": page.file.src_uri, "url": page.url, "title": page.title or "", "sections": sections}


def runbook_page(meta: dict[str, Any], markdown: str, today: date) -> str:
    """Alarm names become tags ranked high in search; a runbook past its review date says so."""
    alarms = [str(a) for a in meta.get("alarms", [])]
    meta["tags"] = list(dict.fromkeys([*alarms, *meta.get("tags", [])]))
    meta.setdefault("search", {"boost": 10})
    reviewed, interval = meta.get("last_reviewed"), meta.get("review_interval_days")
    if isinstance(reviewed, date) and isinstance(interval, int):
        due = reviewed + timedelta(days=interval)
        if today > due:
            banner = (f'!!! warning "Review overdue"\n\n    This runbook was last reviewed on {reviewed.isoformat()} '
                      f"and was due for review on {due.isoformat()}. Follow it, but double-check commands and "
                      "thresholds against the data, and tell the owner team.\n\n")
            lines = markdown.split("\n")
            heading = next((i for i, line in enumerate(lines) if line.startswith("# ")), -1)
            lines.insert(heading + 1, "\n" + banner)
            markdown = "\n".join(lines)
    return markdown


def _preview_number() -> int | None:
    """The change number in `BUSDOCS_PREVIEW`, None when unset."""
    from busdocs.deploy.preview import ENV_VARIABLE as PREVIEW_VARIABLE, PreviewRefused, preview_number

    text = os.environ.get(PREVIEW_VARIABLE)
    try:
        return preview_number(text) if text else None
    except PreviewRefused as exc:
        raise PluginError(f"{PREVIEW_VARIABLE}: {exc}") from None


def _preview(config: MkDocsConfig, audience: str, root: Path, language: str = "en") -> int | None:
    """With `BUSDOCS_PREVIEW=N`, make this a preview build of change N: base URL under
    `previews/pr-<n>/` of the target that takes this audience's previews (data/deploy.yml), and the
    banner and `noindex` of overrides/main.html. None without the variable."""
    from busdocs.deploy.preview import ENV_VARIABLE as PREVIEW_VARIABLE, PreviewRefused, preview_number, \
        preview_target, preview_url

    text = os.environ.get(PREVIEW_VARIABLE)
    config.extra.pop("busdocs_preview", None)
    if not text:
        return None
    try:
        number = preview_number(text)
        target = preview_target(load_data(root).deploy, audience)
    except PreviewRefused as exc:
        raise PluginError(f"{PREVIEW_VARIABLE}: {exc}") from None
    config.site_url = preview_url(target, number) + ("" if language == "en" else f"{language}/")  # edition: public/ur/
    config.extra["busdocs_preview"] = {"number": number, "url": config.site_url}
    return number


def _today() -> date:
    """The build's date (`BUSDOCS_TODAY` or the system's), a bad value as a build error."""
    from busdocs.content.schedule import today

    try:
        return today()
    except BusdocsError as exc:
        raise PluginError(str(exc)) from None


def _add_api_pages(nav: list[Any], folder: str, pages: list[openapi.TagPage]) -> list[Any]:
    """Append the generated API pages to the nav section that holds `<folder>/index.md`."""
    index = f"{folder.strip('/')}/index.md"

    def walk(entries: list[Any]) -> list[Any]:
        out = []
        for entry in entries:
            if isinstance(entry, dict) and len(entry) == 1:
                ((title, value),) = entry.items()
                if value == index:
                    entry = {title: [index, *({p.tag: p.src_uri} for p in pages)]}
                elif isinstance(value, list):
                    entry = {title: walk(value) if index not in value else
                             [*value, *({p.tag: p.src_uri} for p in pages)]}
            out.append(entry)
        return out

    return walk(list(nav))


def _is_home_entry(entry: Any) -> bool:
    return entry == "index.md" or (isinstance(entry, dict) and list(entry.values()) == ["index.md"])


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


__all__ = ["BusdocsConfig", "BusdocsPlugin", "BusdocsError"]


def _split_title(markdown: str) -> tuple[str, str]:
    """A page's `# Title` line (with what precedes it) and the rest, so a notice goes under the title."""
    lines = markdown.split("\n")
    for number, line in enumerate(lines[:12]):
        if line.startswith("# "):
            return "\n".join(lines[:number + 1]) + "\n\n", "\n".join(lines[number + 1:])
    return "", markdown
