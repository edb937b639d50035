"""mkdocs-macros entry point: the variables and macros pages use.

`macros/__init__.py` in the project only re-exports `define_env`. The values come from the data
the busdocs plugin loaded for this build; what a macro computes lives in `busdocs.render`.
"""

from __future__ import annotations

from typing import Any

from busdocs import render
from busdocs.errors import BusdocsError


class MacroError(BusdocsError):
    """A macro was asked for something it must not or cannot give; names the page."""


def define_env(env: Any) -> None:
    """Register busdocs' variables and macros with mkdocs-macros.

    Variables:
        site: `data/site.yml` (product, university, domains, apps, launch, support).
        build_env: the environment this build renders (`BUSDOCS_ENV`, default `production`).

    Example:
        ```markdown
        Write to {{ site.support.email }}. The API lives at {{ env_value("API_BASE_URL") }}.
        ```
    """
    plugin = env.conf.plugins.get("busdocs")
    if plugin is None or plugin.data is None:
        raise BusdocsError("mkdocs.yml: list the busdocs plugin (it loads data/) before macros")
    data = plugin.data
    env.variables["site"] = data.site
    env.variables["build_env"] = plugin.environment

    def page_audience() -> tuple[str, str]:
        page = env.page
        if page is None:  # rendering outside a page (e.g. config values): treat as public
            return "public", "mkdocs.yml"
        return plugin.audience_of(page.file.abs_src_path), page.file.src_uri

    def guarded(func: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            audience, where = page_audience()
            try:
                return func(audience, *args, **kwargs)
            except BusdocsError as exc:
                raise MacroError(f"{where}: {func.__name__}: {exc}") from None
        wrapper.__name__ = func.__name__
        wrapper.__doc__ = func.__doc__
        return wrapper

    @env.macro
    @guarded
    def env_value(audience: str, name: str, environment: str | None = None) -> str:
        """The value of backend variable `name` in `environment` (default: this build's).

        A public page asking for an internal variable fails the build.
        """
        return render.variable_value(data, environment or plugin.environment, name, audience)

    @env.macro
    @guarded
    def env_table(audience: str, environment: str | None = None) -> str:
        """A table of an environment's variables; public pages see only the public ones."""
        return render.variables_table(data, environment or plugin.environment, audience)
