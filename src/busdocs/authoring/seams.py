"""Every private name of pymarkdownlnt that `busdocs lint` relies on (those of MkDocs and its plugins
are in `busdocs.mkdocs.seams`).

Each use is here, once, with why; `tests/test_seams.py` pins the behaviour each one relies on, so an
upgrade that changes it fails a test instead of the linter.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

_QUIET = threading.local()
"""`on` while `ParserState.mark_start_information` runs on this thread with debug logging off."""


def quiet_token_debug() -> bool:
    """Keep pymarkdownlnt from writing out every token of a page for debug messages it then drops.

    On each line it parses, `pymarkdown.general.parser_state.ParserState.mark_start_information`
    logs `f"self.token_document = {self.token_document}"`: the f-string formats every token of the
    page so far (`MarkdownToken.__repr__`, its `debug_string`) before its `ParserLogger.debug` sees
    that the root logger does not log debug messages. That is a quarter of the linter's time, and it
    grows with the square of a page's length. While that method runs with debug logging off, a
    token's `repr` is a placeholder; with debug logging on, and everywhere else, it is pymarkdownlnt's
    own. `str(token)`, which rules use (md030 keys its counts by it), is left alone. Idempotent;
    each replacement keeps pymarkdownlnt's own function in its `busdocs_original`. False, and nothing
    changed, when a version of pymarkdownlnt has no such names (the linter is then slower, not wrong).
    """
    try:
        from pymarkdown.general.parser_state import ParserState
        from pymarkdown.tokens.markdown_token import MarkdownToken

        mark = ParserState.mark_start_information
        token_repr = MarkdownToken.__repr__
    except (ImportError, AttributeError):
        return False
    if getattr(mark, "busdocs_quiet", False):
        return True

    def mark_start_information(self: Any, position_marker: Any) -> None:
        if logging.getLogger().isEnabledFor(logging.DEBUG):  # what pymarkdownlnt's ParserLogger asks
            return mark(self, position_marker)
        outer, _QUIET.on = getattr(_QUIET, "on", False), True
        try:
            return mark(self, position_marker)
        finally:
            _QUIET.on = outer

    def quiet_repr(self: Any) -> str:
        return "'…'" if getattr(_QUIET, "on", False) else token_repr(self)

    mark_start_information.busdocs_quiet = True  # type: ignore[attr-defined]
    mark_start_information.busdocs_original = mark  # type: ignore[attr-defined]
    quiet_repr.busdocs_original = token_repr  # type: ignore[attr-defined]
    ParserState.mark_start_information = mark_start_information
    MarkdownToken.__repr__ = quiet_repr
    return True
