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
