from __future__ import annotations

import pytest

from busdocs.mkdocs.minify import strip_indentation


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<div>\n    <p>a</p>\n\n\n    <p>b</p>\n</div>", "<div>\n<p>a</p>\n<p>b</p>\n</div>"),
        ("<pre><code>  keep\n    this</code></pre>\n   <p>x</p>", "<pre><code>  keep\n    this</code></pre>\n<p>x</p>"),
        ("<script>\n  var a = `\n    b`;\n</script>\n  <i>y</i>", "<script>\n  var a = `\n    b`;\n</script>\n<i>y</i>"),
        ("<p>one\n     two</p>", "<p>one\ntwo</p>"),  # the newline still separates the words
    ],
)
def test_strip_indentation(html: str, expected: str) -> None:
    assert strip_indentation(html) == expected


def _two_steps(text: str) -> str:
    """What the minifier did before it was one pass: indentation after each newline off, then
    runs of newlines folded."""
    import re

    return re.sub(r"\n{2,}", "\n", re.sub(r"\n[ \t]+", "\n", text))


def test_one_pass_is_the_two_steps() -> None:
    import random

    rng = random.Random(14)
    pieces = ["\n", " ", "\t", "a", "\r", "\n\n", "  ", "\x0b", "\u00a0", "\f", "<p>", "</p>"]
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16)))
        assert strip_indentation(text) == _two_steps(text), repr(text)
