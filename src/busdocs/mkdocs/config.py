"""The options of the `busdocs` plugin in `mkdocs.yml` (`plugins: busdocs: …`)."""

from __future__ import annotations

from mkdocs.config import config_options as c
from mkdocs.config.base import Config


class BusdocsConfig(Config):
    """Options of the `busdocs` plugin in `mkdocs.yml`."""

    audience = c.Choice(("public", "internal"), default="public")
    """Which site this configuration builds. The public site never reads `runbooks/`."""
    guides_dir = c.Type(str, default="guides")
    """Audience guides, mounted at the site root (`guides/students/x.md` → `/students/x/`)."""
    runbooks_dir = c.Type(str, default="runbooks")
    """Internal pages, mounted under `/runbooks/` on the internal site only."""
    home = c.Optional(c.Type(str))
    """A page of `runbooks/` that replaces `docs/index.md` as the internal site's home."""
    nav = c.Type(list, default=[])
    """Navigation entries put before the public ones on the internal site."""
    news_dir = c.Type(str, default="news")
    """Folder of `docs/` holding communications pieces, published by their front matter date."""
    api_pages = c.Optional(c.Type(str))
    """Folder of the site where one page per tag of `data/openapi.yaml` is generated (e.g. `api`)."""
    release_feed = c.Optional(c.Type(str))
    """Where to write the Atom feed of `data/releases.yml` (e.g. `releases/feed.xml`)."""
    render_cache = c.Type(bool, default=True)
    """Reuse pages rendered by an earlier warning-free build when nothing they depend on changed."""
    fast_nav = c.Type(bool, default=True)
    """Write the sidebar navigation in Python (`busdocs.navhtml`) instead of Material's Jinja macro."""
    reuse_markdown = c.Type(bool, default=True)
    """Convert the pages with one Markdown instance per process, reset between pages, where every
    extension allows it (`busdocs.mkdocs.seams.reuse_markdown`)."""
    workers = c.Type(int, default=0)
    """Processes that render pages ahead of a build (through the render cache); 0 means one per CPU
    core, 1 renders everything in the build process."""
    downloads = c.Type(bool, default=True)
    """This site carries its audience's files under `downloads/`: the PDF handbooks (`busdocs pdf`)
    and, on the internal site, the offline bundle (`busdocs build`). False for the offline bundle,
    which cannot contain itself and is zipped before the handbooks exist: its pages link those
    files on the site that carries them (`site_url` of `mkdocs.yml` / `mkdocs.internal.yml`)."""
    leak_guard = c.Type(bool, default=True)
    """Fail a public build whose output holds an internal value, host or runbook page."""
    language = c.Type(str, default="en")
    """The language of this edition: `en` (the sources themselves) or another (`ur`), whose pages come
    from `translations_dir/<language>/` where translated and from the English sources, with a notice,
    where not (`busdocs.i18n`)."""
    translations_dir = c.Type(str, default="i18n")
    """Where the translations live: `i18n/ur/drivers/sign-in.md` translates the page `drivers/sign-in.md`."""
    web_font = c.Type(bool, default=True)
    """In a language edition other than English: subset the edition's web font to the characters of its pages."""
