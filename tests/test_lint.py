"""`busdocs lint`: a table of rule violations and their fixes, Jinja left alone, and the pages pass."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from busdocs.authoring.lint import _api, apply_fixes, load_style, markdown_findings_of, mask_jinja, page_findings
from busdocs.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def style():
    return load_style(ROOT)


@pytest.fixture(scope="module")
def api(style):
    return _api(style)


PAGE = "---\ntitle: T\n---\n\n# Title\n\n{}\n"


@pytest.mark.parametrize(("line", "rule", "fixed"), [
    ("Send us an email today.", "term", "Send us an e-mail today."),
    ("Email us first.", "term", "E-mail us first."),
    ("You must log in first.", "term", "You must sign in first."),
    ("Wait 5 mins, then retry.", "term", "Wait 5 minutes, then retry."),
    ("Pay with Kuickpay in the app.", "name", "Pay with KuickPay in the app."),
    ("Mail goes out through Sendgrid.", "name", "Mail goes out through SendGrid."),
    ("Install it from the app store.", "name", "Install it from the App Store."),
    ("Open **My Pass** and tap **Buy A Pass**.", "screen", "Open **My pass** and tap **Buy a pass**."),
    ("Simply tap the bus.", "banned", "Tap the bus."),
    ("Then just tap **Resend e-mail**.", "banned", "Then tap **Resend e-mail**."),
    ("Passes go on sale on January 11, 2027.", "date", "Passes go on sale on 11 January 2027."),
    ("From the 7th December the app is live.", "date", "From the 7 December the app is live."),
    ("Buses run from 7am to 10:30 pm.", "time", "Buses run from 07:00 to 22:30."),
    ("More than 5% of requests fail; p95 above 800ms.", "unit", "More than 5 % of requests fail; p95 above 800 ms."),
])
def test_each_style_rule_finds_and_fixes(style, api, line: str, rule: str, fixed: str) -> None:
    page = PAGE.format(line)
    found = [f for f in page_findings(page, "guides/x.md", style, api) if f.rule == rule]
    assert found and found[0].line == 7 and found[0].fixable, page_findings(page, "guides/x.md", style, api)
    result, count = apply_fixes(page, "guides/x.md", style)
    assert result == PAGE.format(fixed) and count >= 1
    assert not [f for f in page_findings(result, "guides/x.md", style, api) if f.rule == rule]


@pytest.mark.parametrize(("text", "rule"), [
    ("## How To Buy A Pass", "heading-case"),
    ("Dates like 07/12/2026 are ambiguous.", "date"),
    ("It is easy to renew.", "banned"),
    ("Please note that passes expire.", "banned"),
    ("<!-- write: the steps -->", "scaffold"),
    ("A semester pass costs PKR 9,000[^1].", "not-enabled"),  # extensions mkdocs.yml does not load
    ("The ==last bus== leaves at 22:15.", "not-enabled"),
    ("Your bus is here :bus: and :material-bus-clock:", "not-enabled"),
    ("Text with a trailing space \nnext", "md009"),
    ("A paragraph.\n\n\n\nAnother.", "md012"),
    ("#NoSpace heading", "md018"),
    ("* star bullet\n- dash bullet", "md004"),
])
def test_findings_that_need_a_person(style, api, text: str, rule: str) -> None:
    found = [f for f in page_findings(PAGE.format(text), "guides/x.md", style, api) if f.rule == rule]
    assert found, page_findings(PAGE.format(text), "guides/x.md", style, api)
    assert str(found[0]).startswith(f"guides/x.md:{found[0].line}:{found[0].col}: {rule}: ")


@pytest.mark.parametrize("text", [
    "Write to `support-email@margalla.edu.pk` or see [the page](email-setup.md).",  # code, links, addresses
    "The e-mail says *You signed in on another device*.",
    "```bash\necho simply 5% email\n```",  # code blocks
    "{{ site.support.email }} and {{ \"email\" }} {% if email %}{% endif %}",  # Jinja is never prose
    "## Pay with KuickPay on an iPhone",  # names may be capitalised in headings
    "## Why is my bus not on the map?",  # questions in headings are fine
    "## \"Location is off. Turn it on in Settings\"",  # quoted app messages keep their case
    "Locked out just before a departure? Call the depot.",  # "just" that is not filler
    "Buses leave at 07:30 and 22:15, on 11 January 2027.",
    "Open the **map** to see the bus.",  # lowercase bold is emphasis, not a screen name
    "Stop **R1-04**: more than 5 % late. <!-- lint: ignore unit -->",
    "Ratios 1:2:3, times 10:30:00, `a == b`, `x[^1]` and `:bus:` in code, a 2:1 vote.",  # not those extensions
])
def test_what_is_not_a_finding(style, api, text: str) -> None:
    assert page_findings(PAGE.format(text), "guides/x.md", style, api) == []


def test_jinja_is_masked_keeping_lines_and_table_rows() -> None:
    text = "Intro:\n{% for t in types %}\n- **{{ t.name }}**: {{ t.price }}\n{%- endfor %}\n\n| a |\n|---|\n{% for r in rows %}| {{ r }} |{% endfor %}\n"
    masked, where = mask_jinja(text)
    x = lambda jinja: "x" * len(jinja)  # noqa: E731 - an expression keeps its width
    assert masked.split("\n") == ["Intro:", "", f"- **{x('{{ t.name }}')}**: {x('{{ t.price }}')}", "", "| a |",
                                  "|---|", f"| {x('{{ r }}')} |", ""]
    assert where == [1, 2, 3, 4, 6, 7, 8, 9]


def test_a_page_with_macros_lints_clean(style, api) -> None:
    text = ("---\ntitle: Passes\n---\n\n{% set p = passes %}\n\n# Passes\n\nAfter the old one ends. You can renew:\n"
            "{% for t in p.types %}\n- a **{{ t.name | lower }}**: {{ money(t.price) }};\n{%- endfor %}\n\n"
            "| Pass | Price |\n|---|---|\n{% for t in p.types %}| {{ t.name }} | {{ money(t.price) }} |\n{% endfor %}\n")
    assert page_findings(text, "guides/students/x.md", style, api) == []


def test_one_scan_of_many_pages_gives_each_page_its_own_findings(api) -> None:
    """`busdocs lint` hands pymarkdownlnt every page in one scan: each finding goes back to its page and
    line (Jinja lines taken out count), and an empty page has none."""
    pages = [PAGE.format("Fine."), PAGE.format("#NoSpace heading"), "", "# T\n\n{% set a = 1 %}\nA.\n\n\n\nB.\n",
             PAGE.format("Fine too.")]
    found = markdown_findings_of(pages, api)
    assert [[(line, rule) for line, _, rule, _ in page] for page in found] == [[], [(7, "md018")], [], [(7, "md012")], []]


@pytest.mark.slow  # every page through the Markdown linter: seconds (make check runs it too)
def test_every_page_passes(root: Path, tmp_path: Path) -> None:
    from busdocs import sites

    project = sites.copy_project(root, tmp_path / "project")  # no lint cache: every page is read
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(["--root", str(project), "lint"]) == 0, out.getvalue()
    assert "no findings" in err.getvalue()


def test_the_command_prints_file_line_col_and_fixes(project: Path) -> None:
    page = project / "guides" / "students" / "account.md"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(["--root", str(project), "lint", "guides/students/account.md"]) == 0, out.getvalue()
    page.write_text(page.read_text() + "\nSimply e-mail us.\n")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(["--root", str(project), "lint", "guides/students/account.md"]) == 1
    lines = len(page.read_text().splitlines())
    assert out.getvalue().startswith(f"guides/students/account.md:{lines}:1: banned: ")
    assert "1 finding (1 fixable with --fix)" in err.getvalue()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["--root", str(project), "lint", "--fix", "guides/students/account.md"]) == 0
    assert page.read_text().endswith("\nE-mail us.\n")
