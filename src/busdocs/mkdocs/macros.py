"""mkdocs-macros entry point: registers `busdocs.content.macros.Macros` for the sites.

`macros/__init__.py` in the project only re-exports `define_env`. The values come from the data
the busdocs plugin loaded for this build.
"""

from __future__ import annotations

from typing import Any

from busdocs.errors import BusdocsError
from busdocs.content.macros import OUTSIDE_PAGE, Macros, MacroError, PageInfo, SiteInfo

__all__ = ["MacroError", "define_env"]


def define_env(env: Any) -> None:
    """Register busdocs' variables and macros with mkdocs-macros.

    Example:
        ```markdown
        Write to {{ site.support.email }}. The API lives at {{ env_value("API_BASE_URL") }}.
        ```
    """
    plugin = env.conf.plugins.get("busdocs")
    if plugin is None or plugin.data is None:
        raise BusdocsError("mkdocs.yml: list the busdocs plugin (it loads data/) before macros")

    def current_page() -> PageInfo:
        page = env.page
        if page is None:  # rendering outside a page (config values): treat as public
            return OUTSIDE_PAGE
        return PageInfo(page.file.src_uri, plugin.audience_of(page.file.abs_src_path), page.meta or {}, page.url)

    site = SiteInfo(downloads=plugin.config.audience if plugin.config.downloads else None,
                    language=plugin.config.language)
    macros = Macros(plugin.data, plugin.environment, plugin.today, current_page, plugin.news, plugin.serving, site)
    env.variables.update(macros.variables())
    for name, func in macros.macros().items():
        env.macro(func, name)
