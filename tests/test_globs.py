"""One glob implementation (`busdocs.globs`, gitignore rules anchored at the root) for deploy's header
rules and the handbooks' page lists."""

from __future__ import annotations

import pytest

from busdocs.globs import matches


@pytest.mark.parametrize(("pattern", "path", "match"), [
    # deploy header rules (data/deploy.yml)
    ("**/*.html", "a/b/index.html", True),
    ("**/*.html", "index.html", True),
    ("*.html", "a/b.html", False),
    ("*.html", "404.html", True),
    ("assets/**", "assets/javascripts/bundle.a5f9d56c.min.js", True),
    ("assets/**", "x/assets/y.js", False),
    ("sitemap.xml*", "sitemap.xml.gz", True),
    ("sitemap.xml*", "x/sitemap.xml", False),
    ("downloads/*.pdf", "downloads/x/y.pdf", False),
    ("downloads/*.pdf", "downloads/student-guide.pdf", True),
    ("search/search_index.json", "search/search_index.json", True),
    ("**", "anything/at/all", True),
    # handbook page lists (data/handbooks.yml)
    ("students/**", "students/index.md", True),
    ("students/**", "students/a/b.md", True),
    ("students/*", "students/a/b.md", False),
    ("faq.md", "faq.md", True),
    ("faq.md", "students/faq.md", False),
    ("./faq.md", "faq.md", True),
    ("**/index.md", "index.md", True),
    ("**/index.md", "drivers/index.md", True),
    ("runbooks/alarms/**", "runbooks/alarms/rds-high-connections.md", True),
    ("page-?.md", "page-1.md", True),
    ("page-?.md", "page-10.md", False),
])
def test_one_meaning_of_a_pattern_everywhere(pattern: str, path: str, match: bool) -> None:
    assert matches(pattern, path) is match
