"""One rule, proven: for any change to any input, a warm build (render cache and workers) writes
byte for byte what a cold build writes.

Each row: a warm build, one change to one kind of input, a warm build, a cold build (no `.cache/`),
and the two trees compared. Every row also checks that its change did change the site, so a row
cannot pass by changing nothing. The project is this project's configuration (theme, plugins,
extensions, data, macros, overrides) with the smallest corpus that every row's input reaches
(`busdocs bench`'s "like for like" set-up with a handful of pages): a build costs about a second.
Worker processes start only past `parallel.MIN_PAGES_PER_WORKER` pages a worker, so one test builds
a corpus big enough for them and proves the rule with workers rendering ahead.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from busdocs.mkdocs import rendercache
from busdocs.bench.runner import only_corpus
from busdocs.bench.corpus import generate
from busdocs.mkdocs.build import build_site
from tests.conftest import copy_project
from tests.test_rendercache import files_of

pytestmark = pytest.mark.slow

PROBE = """---
title: Probe
tags: [buses]
---

# Probe

The API lives at {{ env_value("API_BASE_URL") }}; write to {{ site.support.email }}.
A semester pass costs {{ money(pass_type("semester").price) }}. Built from {{ git.short_commit }}.

```python
route = "Campus loop"
```

{{ release_notes() }}
"""

MACROS_CHANGE = """

_define = define_env


def define_env(env):
    _define(env)
    env.macro(lambda amount: f"Rs. {amount:,}", "money")
"""

FIXTURE_PLUGINS = """  tags: {}
  autorefs: {}
"""


def git(project: Path, *args: str, env: dict[str, str] | None = None) -> None:
    base = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.org", **(env or {})}
    subprocess.run(["git", *args], cwd=project, check=True, capture_output=True, env=base)


CORPUS_PAGES = 6
"""Pages of the rows' corpus: one section, an index, the probe and the home page beside them."""

WORKER_CORPUS_PAGES = 30
"""Pages of the workers' corpus: with its index, the probe and the home page, 33 pages, enough
for two processes (`parallel.MIN_PAGES_PER_WORKER` each)."""


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return corpus_project(tmp_path_factory.mktemp("equivalence") / "project", CORPUS_PAGES)


def corpus_project(where: Path, pages: int) -> Path:
    """This project's configuration with `pages` generated pages and the probe page, committed to git."""
    project = copy_project(where)
    generate(project / "docs" / "bench", pages)
    (project / "docs" / "bench" / "probe.md").write_text(PROBE, encoding="utf-8")
    only_corpus(project)
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("    audience: public\n", "    audience: public\n    workers: 2\n")
    text = text.replace("\nplugins:\n", "\nplugins:\n" + FIXTURE_PLUGINS)
    config.write_text(text, encoding="utf-8")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "start", env={"GIT_AUTHOR_DATE": "2026-11-02T10:00:00", "GIT_COMMITTER_DATE":
                                                "2026-11-02T10:00:00"})
    return project


def build(project: Path, out: Path, *, subprocess_code: bool) -> dict[str, bytes]:
    """Build the public site; in a process of its own where busdocs' or macros' code changed
    (a process imports a module once), importing busdocs from the project's copy of `src/`."""
    if subprocess_code:
        return builds_in_a_new_process(project, [(out, False)])[0]
    build_site(project, "public", out / "public")
    return files_of(out / "public")


BUILDS = """
import shutil, sys
from pathlib import Path
from busdocs.cli import main

root = Path(sys.argv[1])
for out, cold in zip(sys.argv[2::2], sys.argv[3::2]):
    argv = ["--root", str(root), "build", "--site", "public", "--no-editions", "--out", out]
    if cold == "cold":  # as cold_build does: no .cache/ at all, the warm cache put back afterwards
        aside = root.with_name("cache-aside")
        shutil.rmtree(aside, ignore_errors=True)
        (root / ".cache").rename(aside)
        try:
            code = main(argv)
        finally:
            shutil.rmtree(root / ".cache", ignore_errors=True)
            aside.rename(root / ".cache")
    else:
        code = main(argv)
    if code:
        sys.exit(code)
"""


def builds_in_a_new_process(project: Path, builds: list[tuple[Path, bool]]) -> list[dict[str, bytes]]:
    """Public builds one after another (cold or warm) in one fresh process that imports busdocs from
    the project's copy of `src/` and the project's `macros/` once: a process that never saw older code.
    The imports and the theme's compiled templates are paid once for all of them."""
    env = {**os.environ, "PYTHONPATH": str(project / "src"), "NO_MKDOCS_2_WARNING": "1"}
    args = [str(a) for out, cold in builds for a in (out, "cold" if cold else "warm")]
    done = subprocess.run([sys.executable, "-c", BUILDS, str(project), *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return [files_of(out / "public") for out, _ in builds]


def cold_build(project: Path, out: Path, *, subprocess_code: bool) -> dict[str, bytes]:
    """A build with no `.cache/` at all; the warm cache is put back afterwards."""
    if subprocess_code:
        return builds_in_a_new_process(project, [(out, True)])[0]
    aside = project.with_name("cache-aside")
    shutil.rmtree(aside, ignore_errors=True)
    (project / ".cache").rename(aside)
    try:
        return build(project, out, subprocess_code=False)
    finally:
        shutil.rmtree(project / ".cache", ignore_errors=True)
        aside.rename(project / ".cache")


def assert_same(warm: dict[str, bytes], cold: dict[str, bytes], what: str) -> None:
    """The two trees are equal; otherwise name the files that differ and show the first difference."""
    import difflib

    differ = sorted(name for name in cold.keys() | warm.keys() if cold.get(name) != warm.get(name))
    if differ:
        first = differ[0]
        lines = difflib.unified_diff(cold.get(first, b"").decode(errors="replace").splitlines(),
                                     warm.get(first, b"").decode(errors="replace").splitlines(), "cold", "warm", n=1)
        pytest.fail(f"{what}: a warm build differs from a cold one in {len(differ)} files: {differ[:8]}\n"
                    + "\n".join(list(lines)[:30]))


def replace(project: Path, relative: str, old: str, new: str) -> None:
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{relative}: {old!r} not found"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def fake_newer_pygments(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Pygments release that renders code differently, and says it is a new release."""
    from pygments.formatters.html import HtmlFormatter

    versions = rendercache.package_versions()
    monkeypatch.setattr(rendercache, "package_versions",
                        lambda: tuple((n, "99.0" if n == "pygments" else v) for n, v in versions))
    original = HtmlFormatter.format_unencoded
    monkeypatch.setattr(HtmlFormatter, "format_unencoded",
                        lambda self, tokens, out: (original(self, tokens, out), out.write("<!-- pygments 99 -->")))


def recommit_with_new_date(project: Path) -> None:
    """The probe page's last commit moves a week later; its text stays the same."""
    replace(project, "docs/bench/probe.md", "# Probe\n", "# Probe\n\n")
    git(project, "commit", "-qam", "edit", env={"GIT_AUTHOR_DATE": "2026-11-09T10:00:00",
                                               "GIT_COMMITTER_DATE": "2026-11-09T10:00:00"})
    replace(project, "docs/bench/probe.md", "# Probe\n\n", "# Probe\n")
    git(project, "commit", "-qam", "undo", env={"GIT_AUTHOR_DATE": "2026-11-16T10:00:00",
                                               "GIT_COMMITTER_DATE": "2026-11-16T10:00:00"})


def new_commit_where_macros_looks(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit that changes no file: mkdocs-macros' `git` variable (the probe prints the commit)
    changes. Its git commands run in the working folder, which is the project's for this row."""
    monkeypatch.chdir(project)
    git(project, "commit", "-q", "--allow-empty", "-m", "release")


@dataclass(frozen=True)
class Row:
    name: str
    change: Callable[[Path, pytest.MonkeyPatch], None]
    code: bool = False
    """True where the change is to code a process imports once (busdocs, macros/)."""
    lasting: bool = True
    """False where the change lasts only for its row (an environment variable, a patched package)."""


ROWS = [  # the code rows last: once they changed the code, this process's builds are not the project's
    Row("page", lambda p, m: replace(p, "docs/bench/probe.md", "# Probe\n", "# Probe\n\nA new first line.\n")),
    Row("data", lambda p, m: replace(p, "data/site.yml", "email: support@", "email: transport-help@")),
    Row(".nav.yml title", lambda p, m: (p / "docs/bench/.nav.yml").write_text(
        "- Probe page: probe.md\n" + (p / "docs/bench/.nav.yml").read_text(encoding="utf-8"), encoding="utf-8")),
    Row("mkdocs.yml nav title", lambda p, m: replace(p, "mkdocs.yml", "  - Bench: bench/", "  - Corpus: bench/")),
    Row("mkdocs.yml extra_css", lambda p, m: (
        (p / "docs/assets/stylesheets/print.css").write_text("@media print { nav { display: none } }\n"),
        replace(p, "mkdocs.yml", "extra_css:\n", "extra_css:\n  - assets/stylesheets/print.css\n"))),
    Row("overrides/main.html block", lambda p, m: (p / "overrides/main.html").write_text(
        (p / "overrides/main.html").read_text(encoding="utf-8")
        + "\n{% block announce %}Maintenance tonight{% endblock %}\n", encoding="utf-8")),
    Row("overrides partial", lambda p, m: (p / "overrides/partials/copyright.html").write_text(
        '<div class="md-copyright">Transport Office, University campus</div>\n', encoding="utf-8")),
    Row("docs/assets file", lambda p, m: (p / "docs/assets/stylesheets/busdocs.css").write_text(
        (p / "docs/assets/stylesheets/busdocs.css").read_text(encoding="utf-8") + "\n.md-footer { opacity: .9 }\n")),
    Row("package version", lambda p, m: fake_newer_pygments(m), lasting=False),
    Row("BUSDOCS_ENV", lambda p, m: m.setenv("BUSDOCS_ENV", "staging"), lasting=False),
    Row("BUSDOCS_TODAY", lambda p, m: m.setenv("BUSDOCS_TODAY", "2031-01-01"), lasting=False),
    Row("git dates", lambda p, m: recommit_with_new_date(p)),
    Row("mkdocs-macros' git variable", lambda p, m: new_commit_where_macros_looks(p, m), lasting=False),
    Row("another plugin's template context", lambda p, m: (p / "docs/index.md").write_text(
        (p / "docs/index.md").read_text(encoding="utf-8") + "\n## Topics\n\n<!-- material/tags -->\n")),
    Row("markdown extension options", lambda p, m: replace(p, "mkdocs.yml", "    permalink: true",
                                                           '    permalink: "#"')),
    Row("busdocs code", lambda p, m: replace(p, "src/busdocs/mkdocs/minify.py", '    return "".join(parts)',
                                             '    return "".join(parts).replace("</body>", "<!-- v2 --></body>")'),
        code=True),
    Row("macros/", lambda p, m: (p / "macros/__init__.py").write_text(
        (p / "macros/__init__.py").read_text(encoding="utf-8") + MACROS_CHANGE, encoding="utf-8"), code=True),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_a_warm_build_equals_a_cold_build_after_a_change(small: Path, tmp_path: Path, row: Row,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # The site before the change: the last row's of the same kind (in this process, or in processes
    # of their own), when it still stands, else a (warm) build now. The first code row may start from
    # the last in-process row's site and warm cache: until a code row's change, both build the same code.
    before = LAST_SITE.pop("code", None) if row.code else LAST_SITE.pop("in-process", None)
    if row.code and before is None:
        before = LAST_SITE.pop("in-process", None)
    if before is None:
        before = build(small, tmp_path / "before", subprocess_code=row.code)
    row.change(small, monkeypatch)
    if row.code:  # the warm build, then the cold one, in one new process that imports the changed code
        warm, cold = builds_in_a_new_process(small, [(tmp_path / "warm", False), (tmp_path / "cold", True)])
    else:
        warm = build(small, tmp_path / "warm", subprocess_code=False)
        cold = cold_build(small, tmp_path / "cold", subprocess_code=False)
    assert cold != before, f"{row.name}: the change changed nothing, so this row proves nothing"
    assert_same(warm, cold, row.name)
    # A row starts from the last one's site only where `.cache/` holds that site's warm cache (its
    # warm build wrote it): not after a row whose change ends with it.
    if row.code:  # the next code row starts from here (this process still holds the old code)
        LAST_SITE["code"] = cold
    elif row.lasting:
        LAST_SITE["in-process"] = cold
    else:  # an in-process row whose change ends with it: the next row builds its own
        LAST_SITE.clear()


LAST_SITE: dict[str, dict[str, bytes]] = {}
"""The site as the last row of the table left it, for the next row: "in-process" (built in this
process; none once a code row changed the code) or "code" (built in processes of their own)."""


def test_with_workers_rendering_ahead_a_warm_build_equals_a_cold_build(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The table's rule with the workers at work: a corpus big enough for two processes, and a change
    (a navigation title) that every page's navigation shows, so the warm build renders every page
    again and takes some from a worker."""
    from tests.test_parallel import listen_to_workers

    project = corpus_project(tmp_path / "project", WORKER_CORPUS_PAGES)
    before = build(project, tmp_path / "before", subprocess_code=False)
    heard = listen_to_workers(monkeypatch)
    next(r for r in ROWS if r.name == ".nav.yml title").change(project, monkeypatch)
    warm = build(project, tmp_path / "warm", subprocess_code=False)
    assert heard, "no worker rendered ahead in the warm build"
    cold = cold_build(project, tmp_path / "cold", subprocess_code=False)
    assert cold != before
    assert_same(warm, cold, "workers")


def test_a_copy_of_the_project_elsewhere_reuses_the_cache_and_builds_the_cold_site(small: Path,
                                                                                  tmp_path: Path) -> None:
    """Keys hold no absolute path (another clone, a test's copy): the cache of one folder serves a
    copy in another, and what it serves is what a cold build of the copy writes."""
    build(small, tmp_path / "warm", subprocess_code=False)
    moved = tmp_path / "elsewhere" / "project"
    shutil.copytree(small, moved, symlinks=True)
    before = set(rendercache.RenderCache.load(cache_file(moved)).pages)
    result = build_site(moved, "public", tmp_path / "moved" / "public")
    after = set(rendercache.RenderCache.load(cache_file(moved)).pages)
    assert before and after == before and not result.notices, "the copy rendered its pages again"
    warm = files_of(result.out_dir)
    assert_same(warm, cold_build(moved, tmp_path / "cold", subprocess_code=False), "project moved")


def test_the_inputs_key_is_the_same_wherever_the_project_lies(small: Path, tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere"
    shutil.copytree(small, moved, symlinks=True, ignore=shutil.ignore_patterns(".cache", ".git"))

    def key(root: Path) -> str:
        return rendercache.inputs_key(root=root, config_files=[root / "mkdocs.yml"], code=[root / "macros"],
                                      folders=[root / "docs"], other=[str(root / "docs"), "public"])

    assert key(small) == key(moved)
    (moved / "docs" / "assets" / "stylesheets" / "busdocs.css").write_text("/* changed */\n")
    assert key(small) != key(moved)  # still keyed on what the files hold


def cache_file(project: Path) -> Path:
    found = list((project / ".cache" / "render").glob("public-*.pickle"))
    assert len(found) == 1, found
    return found[0]


def test_autorefs_resolves_a_heading_of_a_page_served_from_the_cache(small: Path, tmp_path: Path) -> None:
    build(small, tmp_path / "warm", subprocess_code=False)
    # Only this page changes: the probe page is a cache hit, and its heading must still be known.
    replace(small, "docs/bench/section-00/page-000.md", "\n", "\nSee [the probe page][probe].\n")
    site = build(small, tmp_path / "after", subprocess_code=False)
    html = site["bench/section-00/page-000/index.html"].decode()
    assert 'href="../../probe/#probe"' in html
    assert_same(site, cold_build(small, tmp_path / "cold", subprocess_code=False), "autorefs")


@pytest.mark.parametrize("damage", ["cut short", "another busdocs", "a class that moved"])
def test_a_cache_that_cannot_be_read_is_ignored_with_a_notice(small: Path, tmp_path: Path, damage: str) -> None:
    build(small, tmp_path / "warm", subprocess_code=False)
    path = cache_file(small)
    if damage == "cut short":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "another busdocs":
        path.write_bytes(pickle.dumps((rendercache.VERSION - 1, {"pages": {}})))
    else:  # pickled with a class of a module that no longer exists
        path.write_bytes(moved_class_pickle())
    result = build_site(small, "public", tmp_path / "after" / "public")
    assert len(result.notices) == 1 and "ignored" in result.notices[0] and path.name in result.notices[0]
    assert_same(files_of(result.out_dir), cold_build(small, tmp_path / "cold", subprocess_code=False), damage)


def test_a_cache_folder_that_cannot_be_written_costs_only_time(small: Path, tmp_path: Path) -> None:
    build(small, tmp_path / "warm", subprocess_code=False)
    shutil.rmtree(small / ".cache")
    (small / ".cache").write_text("not a folder\n")  # root may write anywhere; a file in the way stops anyone
    try:
        result = build_site(small, "public", tmp_path / "after" / "public")
    finally:
        (small / ".cache").unlink()
    assert any("not saved" in n for n in result.notices), result.notices
    build(small, tmp_path / "warm-again", subprocess_code=False)
    assert_same(files_of(result.out_dir), cold_build(small, tmp_path / "cold", subprocess_code=False), "unwritable cache")


def test_two_builds_at_once_on_one_cache_both_give_the_cold_site(small: Path, tmp_path: Path) -> None:
    replace(small, "docs/bench/probe.md", "# Probe\n", "# Probe\n\nTwo builds at once.\n")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(small / "src")}  # as `build` does for code
    runs = [subprocess.Popen([sys.executable, "-m", "busdocs.cli", "--root", str(small), "build", "--site", "public",
                              "--no-editions", "--out", str(tmp_path / name)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for name in ("one", "two")]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err.decode()
    # Compared with builds in processes of their own too (this test process may hold an older macros module).
    # The cold build, then a warm one on the cache the two left, in one new process.
    cold, after = builds_in_a_new_process(small, [(tmp_path / "cold", True), (tmp_path / "after", False)])
    assert_same(files_of(tmp_path / "one" / "public"), cold, "first of two")
    assert_same(files_of(tmp_path / "two" / "public"), cold, "second of two")
    assert_same(after, cold, "after two")  # the cache left is whole


def moved_class_pickle() -> bytes:
    """A cache whose entries are instances of `gone.Rendered`, a module no busdocs has any more."""
    import types

    module = types.ModuleType("gone")
    rendered = type("Rendered", (), {"__module__": "gone"})
    module.Rendered = rendered  # type: ignore[attr-defined]
    sys.modules["gone"] = module
    try:
        return pickle.dumps((rendercache.VERSION, {"pages": {"key": rendered()}}))
    finally:
        del sys.modules["gone"]


MKDOCSTRINGS = """  mkdocstrings:
    default_handler: python
    handlers:
      python:
        paths: [src]
        options: { show_root_heading: true, heading_level: 2 }
"""


def test_pages_of_mkdocstrings_blocks_come_from_the_cache_and_the_inventory_is_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages with `::: identifier` blocks are cached too: a hit registers their objects in
    mkdocstrings' inventory again, in the build's order (`objects.inv` is in the comparison). The
    change is to the first of two such pages, so the build mixes a page rendered afresh and one
    from the cache."""
    from busdocs.mkdocs import seams

    project = corpus_project(tmp_path / "project", CORPUS_PAGES)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("\nplugins:\n", "\nplugins:\n" + MKDOCSTRINGS),
                      encoding="utf-8")
    api = project / "docs" / "bench" / "api"
    api.mkdir()
    (api / "errors.md").write_text("# Errors\n\n::: busdocs.errors\n", encoding="utf-8")
    (api / "build.md").write_text("# Build\n\n::: busdocs.mkdocs.build.BuildResult\n", encoding="utf-8")
    (api / ".nav.yml").write_text("- errors.md\n- build.md\n", encoding="utf-8")
    nav = project / "docs" / "bench" / ".nav.yml"
    nav.write_text(nav.read_text(encoding="utf-8") + "- api/\n", encoding="utf-8")
    before = build(project, tmp_path / "before", subprocess_code=False)
    assert b"busdocs.errors.BusdocsError" in zlib_inventory(before["objects.inv"])
    replayed: list[int] = []
    replay = seams.replay_inventory
    monkeypatch.setattr(seams, "replay_inventory", lambda config, items: (replayed.append(len(items)),
                                                                          replay(config, items)))
    replace(project, "docs/bench/api/errors.md", "# Errors\n", "# Errors\n\nEvery error busdocs reports.\n")
    warm = build(project, tmp_path / "warm", subprocess_code=False)
    assert any(replayed), "no page of mkdocstrings blocks came from the cache"
    cold = cold_build(project, tmp_path / "cold", subprocess_code=False)
    assert cold != before
    assert_same(warm, cold, "mkdocstrings pages")
    # The documented code is an input of those pages (the project's `src/`, from the handler's
    # `paths`, which need not be the busdocs this process runs): a changed docstring renders again.
    replace(project, "src/busdocs/errors.py", "raises for a problem the user can fix", "raises for a problem the author can fix")
    warm = build(project, tmp_path / "warm-docstring", subprocess_code=False)
    assert b"the author can fix" in warm["bench/api/errors/index.html"]
    assert_same(warm, cold_build(project, tmp_path / "cold-docstring", subprocess_code=False), "documented code")


def zlib_inventory(data: bytes) -> bytes:
    """The entries of a Sphinx `objects.inv` (four header lines, then zlib)."""
    import zlib

    return zlib.decompress(data.split(b"\n", 4)[4])
