"""Path patterns, one meaning everywhere: gitignore's pattern syntax (pathspec, as MkDocs'
`exclude_docs`), anchored at the root of the tree they select from, matching files (a pattern
that names a folder does not take its contents, unless it ends in `**`).

`*` and `?` stay within a folder, `**` crosses folders: `students/**` matches
`students/index.md` and `students/a/b.md`; `**/*.html` matches every page, `index.html` too;
`downloads/*.pdf` matches `downloads/a.pdf` only. Deploy's header rules and the handbooks' page
lists use it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import re

from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern


@lru_cache(maxsize=256)
def matcher(pattern: str) -> Callable[[str], bool]:
    """A function telling whether a path (`a/b.html`, no leading slash) matches `pattern`."""
    anchored = "/" + pattern.strip().removeprefix("./").lstrip("/")
    regex, _ = GitIgnoreSpecPattern.pattern_to_regex(anchored)
    compiled = re.compile(regex)

    def match(path: str) -> bool:
        found = compiled.match(path)
        # gitignore lets `students/*` match the folder `students/a`, and so all of it: files only here.
        return found is not None and ("ps_d" not in compiled.groupindex or found.group("ps_d") is None)

    return match


def matches(pattern: str, path: str) -> bool:
    """`pattern` matches `path` (see the module docstring)."""
    return matcher(pattern)(path)
