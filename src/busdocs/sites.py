"""The one place that knows which sites exist: their configurations, output folders, base URLs,
and the project's source layout (for tools that work on a copy of it: tests, `busdocs bench`).

Nothing here imports MkDocs: configurations are read as plain YAML (their `!!python/…` and `!ENV`
tags ignored), following `INHERIT` as MkDocs does.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True, slots=True)
class Site:
    name: str
    """`public`, `internal` or `offline`."""
    config: str
    """Its MkDocs configuration, relative to the project root."""
    audience: str
    """Whose site it is: `public` (the help center) or `internal` (the ops site and its bundle)."""
    default_url: str
    """Its address when the configuration names none."""


SITES: dict[str, Site] = {site.name: site for site in (
    Site("public", "mkdocs.yml", "public", "https://help.university-bus-tracker.com/"),
    Site("internal", "mkdocs.internal.yml", "internal", "https://ops.university-bus-tracker.com/"),
    Site("offline", "mkdocs.offline.yml", "internal", "https://ops.university-bus-tracker.com/"),
)}
"""Every site, in build order. `offline` is the internal site as a file:// bundle."""

EDITIONS: dict[str, Site] = {"ur": Site("ur", "mkdocs.ur.yml", "public", "https://help.university-bus-tracker.com/ur/")}
"""Language editions of the public site (issue 23), built into `<public site>/<language>/` right
after it: `ur`, the Urdu edition (`mkdocs.ur.yml`, pages from `i18n/ur/`)."""

OUTPUT = "site"
"""Where `busdocs build` puts the sites by default: `site/<name>/`."""

OFFLINE_ZIP = "downloads/bus-tracker-ops-offline.zip"
"""Where the offline bundle's zip goes inside the internal site."""

SOURCES = ("docs", "guides", "runbooks", "data", "macros", "overrides", "src", "i18n", "mkdocs.yml",
           "mkdocs.internal.yml", "mkdocs.offline.yml", "mkdocs.ur.yml")
"""Everything a build reads, relative to the project root."""


def config_file(root: Path, site: str) -> Path:
    """The MkDocs configuration of `site` in the project at `root`."""
    return root / (SITES.get(site) or EDITIONS[site]).config


def config_chain(path: Path) -> list[Path]:
    """A configuration file and those it inherits (`INHERIT:`), nearest first."""
    chain: list[Path] = []
    while path.is_file() and path not in chain:
        chain.append(path)
        parent = _read(path).get("INHERIT")
        if not isinstance(parent, str):
            break
        path = (path.parent / parent).resolve()
    return chain


def base_url(root: Path, site: str) -> str:
    """The `site_url` of `site`'s configuration (following `INHERIT`), ending in `/`."""
    for path in config_chain(config_file(root, site)):
        url = _read(path).get("site_url")
        if isinstance(url, str) and url.strip():
            return url.strip().rstrip("/") + "/"
    return (SITES.get(site) or EDITIONS[site]).default_url


def copy_project(root: Path, dest: Path) -> Path:
    """Copy the build sources of the project at `root` into `dest` (created) and return `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in SOURCES:
        src = root / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif src.exists():
            shutil.copy2(src, dest / part)
    return dest


class _ConfigLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Reads MkDocs configurations without running their `!!python/…` or `!ENV` tags. On libyaml's
    parser where PyYAML has it (0.4 ms for mkdocs.yml, against 4.7 ms in pure Python): the ops
    runbooks read the ops site's address from here once per page rendered for the terminal."""


_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
_ConfigLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _read(path: Path) -> dict[str, object]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_ConfigLoader)
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}
