"""Build errors in the browser under `mkdocs serve` (busdocs.mkdocs.serveerrors).

The unit tests drive the guarded builder with fake builds; the slow test starts the real
`mkdocs serve` of both sites on free ports, breaks and fixes sources, and reads the pages. It serves
a copy of the project with the real configurations, data, macros and theme but only the pages it
reads (`few_pages`): every build and rebuild under serve renders every page (serving is in the
render cache's key, and an edit of data/ or runbooks/ reaches every page through the macros), and
what the guard does does not depend on how many pages there are.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from busdocs.bench.runner import free_port
from busdocs.mkdocs.serveerrors import MARKER, guard_builder, locate, problems_of


def test_a_problem_line_is_located_and_gets_its_snippet(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "faq.yml").write_text("".join(f"line {n}\n" for n in range(1, 11)))
    shown = locate("data/faq.yml:5: sections[0].q: is required", tmp_path)
    assert (shown.file, shown.line) == ("data/faq.yml", 5)
    assert shown.snippet == [(n, f"line {n}") for n in range(3, 8)]


def test_page_names_become_their_files_and_links_and_macros_get_their_lines(tmp_path: Path) -> None:
    page = tmp_path / "guides" / "students" / "x.md"
    page.parent.mkdir(parents=True)
    page.write_text("# X\n\nText.\n\nSee [the stops](stops.md) and {{ nope(1) }}.\n")
    sources = {"students/x.md": "guides/students/x.md"}
    link = problems_of(["Doc file 'students/x.md' contains a link 'stops.md', but the target is not found "
                        "among documentation files."], None, tmp_path, sources)
    assert link[0].file == "guides/students/x.md" and link[0].line == 5
    assert link[0].text.startswith("guides/students/x.md:5: Doc file 'guides/students/x.md' contains a link")
    macro = problems_of(["students/x.md: undefined variable or macro: 'nope' is undefined"], None, tmp_path, sources)
    assert (macro[0].file, macro[0].line) == ("guides/students/x.md", 5)
    assert macro[0].text == "guides/students/x.md:5: undefined variable or macro: 'nope' is undefined"


def test_noise_is_dropped_and_an_unlogged_exception_is_shown(tmp_path: Path) -> None:
    shown = problems_of(["data/ has problems:\ndata/a.yml:3: x: bad\n1 problem found", "Aborted with a BuildError!"],
                        RuntimeError("ignored: logged already"), tmp_path, {})
    assert [s.text for s in shown] == ["data/a.yml:3: x: bad"]
    shown = problems_of([], KeyError("surprise"), tmp_path, {})
    assert [s.text for s in shown] == ["KeyError: 'surprise'"]


def test_the_guarded_builder_writes_error_pages_and_the_next_good_build_replaces_them(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "faq").mkdir(parents=True)
    (site / "index.html").write_text("home")
    (site / "faq" / "index.html").write_text("faq")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "faq.yml").write_text("a: 1\nb: [\n")
    outcome: list[str] = []

    def build() -> None:
        if outcome and outcome[-1] == "fail":
            logging.getLogger("mkdocs.commands.build").error("data/ has problems:\ndata/faq.yml:2: invalid YAML: x")
            raise SystemExit(1)  # mkdocs' Abort is a SystemExit; a bare one (macros' on_error_fail) too
        site.mkdir(exist_ok=True)
        (site / "faq" / "index.html").write_text("faq again")

    guarded = guard_builder(build, site="public", site_dir=site, root=tmp_path, sources=lambda: {})
    outcome.append("fail")
    assert guarded() is None  # returns: the server shows the new epoch
    for page in ("index.html", "faq/index.html", "404.html"):
        text = (site / page).read_text()
        assert MARKER in text and "data/faq.yml:2: invalid YAML: x" in text and "</body>" in text
        assert '<span class="hit"><b>    2</b>  b: [</span>' in text
    outcome.append("ok")
    guarded()
    assert (site / "faq" / "index.html").read_text() == "faq again"
    with pytest.raises(KeyboardInterrupt):
        guard_builder(lambda: (_ for _ in ()).throw(KeyboardInterrupt), site="public", site_dir=site,
                      root=tmp_path, sources=dict)()


def test_a_real_build_never_installs_the_guard() -> None:
    from busdocs.mkdocs.plugin import BusdocsPlugin

    # the guard is installed by on_serve only, which `mkdocs build` and busdocs' builds never call
    assert "wrap_serve_builder" in BusdocsPlugin.on_serve.__code__.co_names
    post_build = BusdocsPlugin.on_post_build.methods  # a CombinedEvent: the build's part, then serve's clean-up
    assert post_build and not any("serveerrors" in str(c) for m in post_build for c in m.__code__.co_consts)


# ---------------------------------------------------------------------- the real mkdocs serve


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - 127.0.0.1 only
            return response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:  # serve answers an unknown address with 404.html
        return exc.read().decode("utf-8", "replace")
    except OSError as exc:
        return f"unreachable: {exc}"


POLL_S = 0.05
"""How often a test asks the server again (a request to 127.0.0.1 costs about a millisecond)."""


def _poll(url: str, ok, timeout: float) -> tuple[float, str]:
    started = time.monotonic()
    body = ""
    while time.monotonic() - started < timeout:
        body = _get(url)
        if ok(body):
            return time.monotonic() - started, body
        time.sleep(POLL_S)
    raise AssertionError(f"{url} did not change in {timeout} s; last body: {body[:600]}")


def _serve(project: Path, config: str, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    mkdocs = str(Path(sys.executable).with_name("mkdocs"))
    proc = subprocess.Popen([mkdocs, "serve", "-f", config, "--livereload", "-a", f"127.0.0.1:{port}"],
                            cwd=project, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    return proc, port


SERVED_PAGES = ("index.md", "faq.md", "runbooks/alarms/high-cpu-usage.md")
"""The pages the serve test reads (with the ops site's home, which replaces its index.md)."""


def few_pages(project: Path, pages: tuple[str, ...] = SERVED_PAGES) -> Path:
    """The project with `pages` as its only pages, of both sites: everything else stays on disk
    (the data's cross-checks look for the pages) but is left out of the builds, and a link to a page
    left out is not a warning here (tests/test_links.py checks the links of the whole sites). The
    first two are the public nav's (the home page and the FAQ), the last the ops site's own page."""
    config = project / "mkdocs.yml"
    text = re.sub(r"\nnav:\n(?:(?:  .*)?\n)*", "\nnav:\n  - Home: index.md\n  - FAQ: faq.md\n\n", config.read_text())
    text = re.sub(r"\n    api_pages: .*", "\n    guides_dir: no-guides", text)  # no guides, no API pages
    assert "\n  not_found: warn\n" in text and "\nexclude_docs:" not in text
    text = text.replace("\n  not_found: warn\n", "\n  not_found: info\n")
    keep = "".join(f"  !/{page}\n" for page in pages)
    config.write_text(text + "\nexclude_docs: |\n  /*\n  !/assets/\n  !/runbooks/\n  /runbooks/*\n  !/runbooks/alarms/\n"
                      f"  /runbooks/alarms/*\n{keep}")
    internal = project / "mkdocs.internal.yml"
    text, found = re.subn(r"\n    nav:\n(?:      .*\n)+", "\n    nav:\n      - Ops home: index.md\n"
                          f"      - Alarm: {pages[-1]}\n", internal.read_text())
    assert found == 1
    internal.write_text(text)
    return project


@pytest.mark.slow
def test_serve_shows_the_error_in_every_open_page_and_the_page_comes_back(project: Path, tmp_path: Path) -> None:
    """Both sites at once: a YAML typo in data/faq.yml (public) and a macro typo in a runbook (internal)."""
    few_pages(project)
    public, public_port = _serve(project, "mkdocs.yml", tmp_path / "public.log")
    internal, internal_port = _serve(project, "mkdocs.internal.yml", tmp_path / "internal.log")
    faq_url = f"http://127.0.0.1:{public_port}/faq/"
    home_url = f"http://127.0.0.1:{public_port}/"
    runbook_url = f"http://127.0.0.1:{internal_port}/runbooks/alarms/high-cpu-usage/"
    try:
        for url in (faq_url, runbook_url):
            _poll(url, lambda body: "livereload" in body and MARKER not in body, 180)
        faq = project / "data" / "faq.yml"
        good_faq = faq.read_text()
        lines = good_faq.splitlines(keepends=True)
        broken_at = next(n for n, line in enumerate(lines, 1) if line.lstrip().startswith("- q:") and n > 10)
        faq.write_text("".join(lines[:broken_at - 1]) + "      - q: [unclosed\n" + "".join(lines[broken_at - 1:]))
        waited, body = _poll(faq_url, lambda b: MARKER in b, 30)
        assert f"data/faq.yml:{broken_at}: invalid YAML" in body or f"data/faq.yml:{broken_at + 1}: invalid YAML" in body
        assert "[unclosed" in body and "livereload" in body  # the snippet, and the page still reloads itself
        assert MARKER in _get(home_url) and MARKER in _get(f"http://127.0.0.1:{public_port}/no/such/page/")
        assert waited < 20, f"the error page took {waited:.1f} s"  # about 1 s; the machine may be busy
        # The fix of the FAQ and the runbook's typo at once: the ops site watches data/ too (it was
        # showing the FAQ's error meanwhile), so its next build is the one that meets the typo, and the
        # public site's rebuild runs beside it instead of before it.
        runbook = project / "runbooks" / "alarms" / "high-cpu-usage.md"
        good_runbook = runbook.read_text()
        faq.write_text(good_faq)
        runbook.write_text(good_runbook + "\nThe threshold is {{ no_such_value }}.\n")
        line = len((good_runbook + "\nThe threshold is").splitlines())
        _poll(faq_url, lambda b: MARKER not in b and "Frequently asked questions" in b, 30)
        # (the FAQ's error is not the one looked for: wait for the runbook's)
        _, body = _poll(runbook_url, lambda b: MARKER in b and "high-cpu-usage.md:" in b, 30)
        assert f"runbooks/alarms/high-cpu-usage.md:{line}: undefined variable or macro" in body, body
        assert "invalid YAML" not in body, body  # the ops site's build after the FAQ's fix
        runbook.write_text(good_runbook)
        _poll(runbook_url, lambda b: MARKER not in b and "md-content" in b, 30)
    finally:
        for proc in (public, internal):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            proc.wait(timeout=30)
    assert "build failed" in (tmp_path / "public.log").read_text()
