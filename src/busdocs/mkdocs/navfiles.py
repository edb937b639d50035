"""Section navigation kept beside the pages: a folder's `.nav.yml` lists its pages in order.

In `mkdocs.yml` a nav entry whose target ends in `/` (`- Students: students/`) stands for the
`.nav.yml` of that folder, so an author adds a page and its nav line in the same folder.

```yaml
# guides/students/.nav.yml
- index.md
- Sign up: sign-up.md
- Passes:
    - pass-types.md
    - buy-a-pass.md
- "*"            # every other page of the folder, by file name
```
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from busdocs.errors import Problem, ProblemsError
from busdocs.data.yamlio import load_yaml

NAV_FILE = ".nav.yml"
_TRANSLATED = False
"""Set by `expand_nav` for one call: the first folder holds translations."""


def expand_nav(nav: Sequence[Any], folders: Sequence[tuple[str, Path]], translated: bool = False) -> list[Any]:
    """Replace every `folder/` entry of `nav` by that folder's `.nav.yml`, recursively.

    Args:
        nav: MkDocs `nav` entries.
        folders: `(site prefix, source folder)` pairs that hold pages, e.g. `("", guides/)`,
            `("runbooks/", runbooks/)`, `("", docs/)`; searched in order.
        translated: The first folder holds translations (`i18n/ur/`): a translated `.nav.yml` gives
            titles and order, and the pages of the English `.nav.yml` it does not list yet (a page
            added since) follow, under their English titles, so a new English page never breaks
            the edition's build.

    Raises:
        ProblemsError: A `folder/` entry without a `.nav.yml`, or a `.nav.yml` that is not a list.
    """
    problems: list[Problem] = []
    global _TRANSLATED
    _TRANSLATED, before = translated, _TRANSLATED
    try:
        result = [_expand(entry, folders, problems) for entry in nav]
    finally:
        _TRANSLATED = before
    if problems:
        raise ProblemsError(problems)
    return result


def _titled(target: str, children: list[Any]) -> dict[str, list[Any]]:
    """A folder entry without a title becomes a section named after the folder (`bus-stops/` → Bus stops)."""
    name = target.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").replace("_", " ")
    return {name[:1].upper() + name[1:]: children}


def _expand(entry: Any, folders: Sequence[tuple[str, Path]], problems: list[Problem]) -> Any:
    if isinstance(entry, str):
        return _titled(entry, _section(entry, folders, problems)) if _is_folder(entry) else entry
    if isinstance(entry, dict) and len(entry) == 1:
        ((title, value),) = entry.items()
        if isinstance(value, str) and _is_folder(value):
            return {title: _section(value, folders, problems)}
        if isinstance(value, list):
            return {title: [_expand(e, folders, problems) for e in value]}
    return entry


def _is_folder(target: str) -> bool:
    return target.endswith("/") and "://" not in target


def _section(target: str, folders: Sequence[tuple[str, Path]], problems: list[Problem]) -> list[Any]:
    for prefix, folder in folders:
        if not target.startswith(prefix):
            continue
        nav_path = folder / target.removeprefix(prefix) / NAV_FILE
        if nav_path.is_file():
            loaded = load_yaml(nav_path, display=_short(nav_path))
            problems.extend(loaded.problems)
            if not isinstance(loaded.data, list):
                problems.append(Problem(loaded.path, 1, "", "a .nav.yml holds a list of pages"))
                return []
            listed = {e if isinstance(e, str) else next(iter(e.values()), None) for e in loaded.data}
            entries: list[Any] = []
            for entry in loaded.data:
                if entry == "*":  # the rest of the folder's pages, sorted by file name
                    rest = sorted(p.name for p in nav_path.parent.glob("*.md")
                                  if p.name not in listed and p.name != "index.md")
                    entries.extend(rest)
                else:
                    entries.append(entry)
            if _TRANSLATED and (prefix, folder) == tuple(folders[0]):
                entries.extend(_untranslated(target, folders[1:], listed))
            return [_prefixed(e, target, folders, problems) for e in entries]
    problems.append(Problem(Path("mkdocs.yml"), None, "nav", f"{target!r} names a folder without a {NAV_FILE}"))
    return []


def _untranslated(target: str, folders: Sequence[tuple[str, Path]], listed: set[Any]) -> list[Any]:
    """The entries of the English `.nav.yml` of `target` whose page the translated one does not list."""
    for prefix, folder in folders:
        nav_path = folder / target.removeprefix(prefix) / NAV_FILE
        if target.startswith(prefix) and nav_path.is_file():
            english = load_yaml(nav_path, display=_short(nav_path)).data
            if not isinstance(english, list):
                return []
            return [e for e in english if e != "*"
                    and (e if isinstance(e, str) else next(iter(e.values()), None)) not in listed]
    return []


def _prefixed(entry: Any, base: str, folders: Sequence[tuple[str, Path]], problems: list[Problem]) -> Any:
    if isinstance(entry, str):
        if "://" in entry:
            return entry
        if _is_folder(entry):
            return _titled(entry, _section(base + entry, folders, problems))
        return base + entry
    if isinstance(entry, dict) and len(entry) == 1:
        ((title, value),) = entry.items()
        if isinstance(value, list):
            return {title: [_prefixed(e, base, folders, problems) for e in value]}
        return {title: _prefixed(value, base, folders, problems)}
    return entry


def _short(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path
