"""Pages whose only Jinja is plain `{{ expression }}`s, rendered without compiling the whole page.

mkdocs-macros renders every page's Markdown as a Jinja template (`env.from_string(markdown).render(...)`).
Compiling a page costs about 0.7 ms however little Jinja it holds, nearly all of it spent lexing
and compiling the text around the tags; a page is usually a few kilobytes of text and one or two
`{{ value }}`s. For such a page, what Jinja's lexer would make of it is known without running it:
the text between the tags, as it is (newlines normalised, one trailing newline dropped), and each
expression's value as text. So the page is cut at its tags, each distinct expression is compiled
once per build (as a template of its own, in the same environment) and the output is put together.

Only what is certain takes this way: any block or comment tag, any whitespace control, any brace
or unusual character inside an expression, a carriage return, or an environment that is not
configured as Jinja's defaults sends the page to Jinja whole, as before. If evaluating an
expression raises, the page is compiled and rendered whole, so the error (and its line) is Jinja's own.
`tests/test_quickmacros.py` compares the two ways on generated templates and on a whole site.
"""

from __future__ import annotations

import re
from typing import Any

_EXPRESSION = re.compile(r"""(?:[\w \t\n.,()\[\]|:=*/%<>!~+-]|"[^"\\{}\n]*"|'[^'\\{}\n]*')*""")
"""Expressions taken as they are: names, numbers, operators, calls, filters, and strings that hold
no quote, backslash, brace or newline (so the first `}}` after `{{` is where Jinja ends the tag too)."""


def _plain(env: Any) -> bool:
    """The environment lexes and outputs as Jinja's defaults do (delimiters, newlines, no escaping,
    no finalize, no extension that could preprocess or filter the source, not async)."""
    return (env.variable_start_string == "{{" and env.variable_end_string == "}}"
            and env.block_start_string == "{%" and env.comment_start_string == "{#"
            and env.line_statement_prefix is None and env.line_comment_prefix is None
            and env.newline_sequence == "\n" and not env.keep_trailing_newline
            and env.autoescape is False and env.finalize is None and not env.extensions and not env.is_async)


def pieces(source: str) -> list[str] | None:
    """`[text, expression, text, …, text]` of a template made of text and plain `{{ … }}` only
    (the text as Jinja outputs it), or None when the template needs Jinja's own lexer."""
    if "{%" in source or "{#" in source or "\r" in source:
        return None
    if source.endswith("\n"):  # Jinja drops one trailing newline (keep_trailing_newline is off)
        source = source[:-1]
    out: list[str] = []
    pos = 0
    while True:
        start = source.find("{{", pos)
        if start < 0:
            out.append(source[pos:])
            return out
        end = source.find("}}", start + 2)
        if end < 0:
            return None
        expression = source[start + 2:end]
        if (not expression.strip() or expression[0] in "-+" or expression[-1] in "-+"
                or not _EXPRESSION.fullmatch(expression)):
            return None
        out.append(source[pos:start])
        out.append(expression)
        pos = end + 2


class _Split:
    """A page cut at its expressions: renders as the compiled page would."""

    def __init__(self, env: Any, source: str, parts: list[str], compiled: dict[str, Any]) -> None:
        self.env, self.source, self.parts, self.compiled = env, source, parts, compiled

    def render(self, *args: Any, **kwargs: Any) -> str:
        variables = dict(*args, **kwargs)
        out = [self.parts[0]]
        try:
            for i in range(1, len(self.parts), 2):
                expression = self.parts[i]
                template = self.compiled.get(expression)
                if template is None:
                    template = self.compiled[expression] = _compile(self.env, "{{" + expression + "}}")
                out.append(template.render(variables))
                out.append(self.parts[i + 1])
        except Exception:  # noqa: BLE001 - the whole page through Jinja: its error, its line numbers
            return _compile(self.env, self.source).render(variables)
        return "".join(out)


def _compile(env: Any, source: str) -> Any:
    return type(env).from_string(env, source)


def install(env: Any) -> bool:
    """Make `env.from_string(source)` (called with the source alone) take the short way for the pages
    it can take; True when installed (an environment configured otherwise is left as it is)."""
    if not _plain(env):
        return False
    compiled: dict[str, Any] = {}

    def from_string(source: Any, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs and isinstance(source, str):
            parts = pieces(source)
            if parts is not None:
                return _Split(env, source, parts, compiled)
        return type(env).from_string(env, source, *args, **kwargs)

    env.from_string = from_string
    return True
