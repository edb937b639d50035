"""Shared fixtures: the project root, a disposable copy of the project, and real builds."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from busdocs import sites
from busdocs.cli import main
from tests.browsing import chromium, serve_site  # noqa: F401 - the browser tests' shared fixtures

ROOT = Path(__file__).resolve().parent.parent


SHARED_BUILDS = {"built_sites", "staging_ops_site"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that read a shared build run after the others, so that on a fresh clone a test
    process gets through other tests while the shared build is being made, by it or by another
    process, instead of waiting for it: files without such tests first, then the others, and in
    each file its shared-build tests last. Files stay whole (`--dist loadfile`); in each group the
    files with the most tests go first, as xdist would order them (the Makefile turns xdist's own
    reordering off with `--no-loadscope-reorder`, which would undo the groups)."""
    def waits(item: pytest.Item) -> bool:
        names = set(getattr(item, "fixturenames", ()))
        return bool(SHARED_BUILDS & names) or ("project" in names and any(
            item.get_closest_marker(marker) for marker in ("slow", "browser", "bench")))

    first: dict[str, int] = {}
    count: dict[str, int] = {}
    waiting: set[str] = set()
    for number, item in enumerate(items):
        path = item.nodeid.split("::")[0]
        first.setdefault(path, number)
        count[path] = count.get(path, 0) + 1
        if waits(item):
            waiting.add(path)

    def key(item: pytest.Item) -> tuple[bool, int, int, bool]:
        path = item.nodeid.split("::")[0]
        return path in waiting, -count[path], first[path], waits(item)

    items.sort(key=key)


TEST_GC_THRESHOLD = (7_000, 10, 100)
"""The cycle collector's thresholds while tests run (Python's: 700, 10, 10). The tests parse whole
built sites (BeautifulSoup trees, a cycle per node) and keep them in module fixtures: at Python's
thresholds the collector went through that heap again and again, 3.6 of 50 CPU-s in a sample of six
test files; frozen imports and these thresholds, 1.6. Collections still run (every tree is freed)."""


def pytest_collection_finish(session: pytest.Session) -> None:
    """The collector set for the tests (`TEST_GC_THRESHOLD`, with what was loaded so far frozen:
    imports and collected tests are never garbage). When this run has tests of the link check, say
    so to the process that makes the shared build (`_prebuild`), which then runs the check too; a
    run without them (`make test-fast`, one file) does not pay for it."""
    import gc
    import os

    gc.collect()
    gc.freeze()
    gc.set_threshold(*TEST_GC_THRESHOLD)

    if any("checked" in getattr(item, "fixturenames", ()) and item.nodeid.startswith("tests/test_links.py::")
           for item in session.items):
        run_folder = session.config._tmp_path_factory.getbasetemp()
        if os.environ.get("PYTEST_XDIST_WORKER"):
            run_folder = run_folder.parent
        (run_folder / "shared-links").mkdir(parents=True, exist_ok=True)
        (run_folder / "shared-links" / "wanted").touch()


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def copy_project(dest: Path) -> Path:
    """A copy of the project's sources that a test may break."""
    return sites.copy_project(ROOT, dest)


WARM_CACHE_PARTS = ("render", "fonts")
"""What a test's copy of the project takes from the shared build's `.cache/`: rendered pages and
font subsets. Their keys hold no absolute path, so the copy builds warm; that a warm build writes
what a cold one writes is proven by tests/test_cache_equivalence.py. (PDFs, lint results and the
secret scan are left out: their tests count what they do.)"""


@pytest.fixture(name="project")
def project_copy(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A fresh copy of the project in tmp_path with a render cache, so a test that builds it
    re-renders only what it changed: the working tree's, where `make site` left one (no test waits
    for the shared build then), else the shared build's. Only tests that build sites wait for the
    shared build: they are marked `slow` or `browser` (`make test-fast` leaves them out); a test
    that only checks or runs a command that builds nothing gets no cache there, and a build it
    does start is cold (right, only slower). `cold_project` has no cache."""
    project = copy_project(tmp_path / "project")
    if (ROOT / ".cache" / "render").is_dir():
        _seed_cache(ROOT, project)
    elif any(request.node.get_closest_marker(name) for name in ("slow", "browser", "bench")):
        _seed_cache(request.getfixturevalue("built_sites").project, project)
    return project


def _seed_cache(source: Path, project: Path) -> None:
    """Hard links where the two folders share a file system (the render cache is replaced by
    rename when saved, a font subset is written once under a new name: neither writes into a file
    it did not create), copies elsewhere."""
    import os
    import shutil

    def link_or_copy(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    for part in WARM_CACHE_PARTS:
        if (source / ".cache" / part).is_dir():
            shutil.copytree(source / ".cache" / part, project / ".cache" / part, copy_function=link_or_copy)


@pytest.fixture
def cold_project(tmp_path: Path) -> Path:
    """A fresh copy of the project in tmp_path with no `.cache/`: its first build is cold."""
    return copy_project(tmp_path / "project")


class BuiltSites(dict):
    """`{site: folder}`, and what the build printed (`log`) and the copy it was built from (`project`)."""

    log: str
    project: Path


def _once_per_run(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], dict]) -> tuple[Path, dict]:
    """Run `make(folder)` once per test run and return `(folder, what it returned)`. The test
    processes of `pytest -n` share it: the first to ask runs it while the others wait on a lock,
    then all read the record it left (a failure is recorded too, and reported to each)."""
    import os

    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, which every worker's own folder is in
    return _once(base / name, make)


def _once(base: Path, make: Callable[[Path], dict]) -> tuple[Path, dict]:
    """`_once_per_run` in the folder `base`: `make(base)` unless its record is there already."""
    import fcntl
    import json

    base.mkdir(exist_ok=True)
    with open(base / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held while one process builds, released when it is done
        record = base / "built.json"
        if not record.exists():
            record.write_text(json.dumps(make(base)), encoding="utf-8")
        return base, json.loads(record.read_text(encoding="utf-8"))


def _make_shared_sites(base: Path) -> dict:
    """`busdocs build --site all` of a copy of the project into `base/site` (see `built_sites`)."""
    import contextlib
    import io

    project = copy_project(base / "project")
    _seed_cache(ROOT, project)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["--root", str(project), "build", "--site", "all", "--out", str(base / "site")])
    return {"code": code, "log": err.getvalue()}


def _prebuild(run_folder: Path) -> None:
    """What the main process of `pytest -n` starts beside the tests (`pytest_configure`): the
    shared build, then, at a lower priority (the tests go first; a test that waits for it leaves
    its core to it), the link check of every output (tests/test_links.py) when the run has its
    tests (`pytest_collection_finish`; a check it does not start is made by the first test that
    needs it)."""
    import os

    _, built = _once(run_folder / "shared-sites", _make_shared_sites)
    if built["code"] == 0 and (run_folder / "shared-links" / "wanted").exists():
        from tests.test_links import check_every_output

        os.nice(10)
        _once(run_folder / "shared-links", check_every_output)


PREBUILD = "import sys; from pathlib import Path; from tests.conftest import _prebuild; _prebuild(Path(sys.argv[1]))"


@pytest.hookimpl(trylast=True)  # after pytest's own, which sets up the temporary folders
def pytest_configure(config: pytest.Config) -> None:
    """Under `pytest -n`, the main process (which runs no test) starts the shared build in a process
    of its own as the run begins, so it is made beside the first tests instead of when a test first
    asks for it, with every test process waiting (about 40 s cold). It takes the same lock as
    `built_sites`: whichever comes first builds, the other reads the record. The main process (or
    the only one) also starts deleting earlier runs' folders (`_clean_old_runs_meanwhile`)."""
    import os
    import subprocess
    import sys

    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    _clean_old_runs_meanwhile(config)
    if not getattr(config.option, "numprocesses", None):
        return
    run_folder = config._tmp_path_factory.getbasetemp()  # the workers' folders are made inside it
    config.stash[_PREBUILD] = subprocess.Popen([sys.executable, "-c", PREBUILD, str(run_folder)], cwd=ROOT,
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                               start_new_session=True)


CLEAN_OLD_RUNS = ("import os, sys; from pathlib import Path; from _pytest.pathlib import cleanup_numbered_dir; "
                  "os.nice(19); cleanup_numbered_dir(Path(sys.argv[1]), 'pytest-', int(sys.argv[2]), float(sys.argv[3]))")


def _clean_old_runs_meanwhile(config: pytest.Config) -> None:
    """Delete the folders of earlier runs that pytest deletes when this run ends, now, in a process
    of their own at the lowest priority, beside the tests. pytest keeps the folders of the last
    three runs (`tmp_path_retention_count`) and deletes older ones as a run ends, the main process
    waiting for it: a whole run's folder (project copies, built sites) took 5-28 s to delete on
    these machines, on the run's critical path. This calls the same pytest function with the
    arguments pytest passes it at the end (a folder that a running session holds is left alone),
    so the end finds nothing left to do; it does nothing when pytest would delete nothing (a
    `--basetemp`, `tmp_path_retention_policy = "none"`)."""
    import shutil
    import subprocess
    import sys

    from _pytest.pathlib import LOCK_TIMEOUT

    factory = config._tmp_path_factory
    if factory._given_basetemp is not None or factory._retention_policy == "none":
        return
    run_folder = factory.getbasetemp()
    command = [sys.executable, "-c", CLEAN_OLD_RUNS, str(run_folder.parent), str(factory._retention_count),
               str(run_folder.stat().st_mtime - LOCK_TIMEOUT)]
    if shutil.which("ionice"):
        command = ["ionice", "-c", "3", *command]  # disk time only when no one else wants it
    config.stash[_CLEANER] = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                              start_new_session=True)  # not waited for: it ends by itself


_CLEANER = pytest.StashKey["subprocess.Popen[bytes]"]()


def pytest_unconfigure(config: pytest.Config) -> None:
    """The shared build started by `pytest_configure` ends with the run (unfinished when no test
    asked for it): it and the page workers it forked, its process group. The link check's copy of
    the sites, outside pytest's folders, goes too."""
    import os
    import signal

    process = config.stash.get(_PREBUILD, None)
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    if process is not None:
        process.wait()
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        from tests.test_links import remove_checked_copy

        remove_checked_copy(config._tmp_path_factory.getbasetemp())


_PREBUILD = pytest.StashKey["subprocess.Popen[bytes]"]()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Every test has run: what this process holds is kept until it exits, and the garbage
    collector is told so (`gc.freeze`). Otherwise collections of that heap, during the last
    teardowns and as the interpreter ends, cost seconds in a test process that ran half the suite,
    and `pytest -n` waits for its slowest process to end: measured on a busy machine, 7-9 s a
    process between its last test and its exit in a full run; in one process after test_links,
    test_navhtml and test_pdf, 2.6-5.8 s without, 0.1 s with. What is frozen is freed with the
    process as before; objects the teardowns make are collected as usual, and fixtures release
    their resources by their own code, not through the collector."""
    import gc

    gc.freeze()


@pytest.fixture(scope="session")
def built_sites(tmp_path_factory: pytest.TempPathFactory) -> BuiltSites:
    """Every output of `busdocs build --site all` (the first half of `make site`), built strictly
    once per test run from a copy of the project: `public`, `internal` (with the zipped offline
    bundle) and `offline`. The copy starts with the render cache of the working tree's last build
    where there is one (`make site` leaves it), so a developer's run re-renders only what changed;
    a fresh clone (CI) builds cold. Either gives the same site: tests/test_cache_equivalence.py.
    Read-only: a test that changes a site copies it first. Under `pytest -n` it is started at once,
    beside the tests (`pytest_configure`)."""
    base, built = _once_per_run(tmp_path_factory, "shared-sites", _make_shared_sites)
    assert built["code"] == 0, built["log"]
    sites_ = BuiltSites({s: base / "site" / s for s in ("public", "internal", "offline")})
    sites_.log, sites_.project = built["log"], base / "project"
    return sites_


@pytest.fixture(scope="session")
def staging_ops_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ops site built for staging (`BUSDOCS_ENV=staging busdocs build --site internal`), once
    per test run like `built_sites`, cold (the environment is in every cache key). Read-only."""
    import contextlib
    import io
    import os

    from busdocs.mkdocs.build import build_site

    def make(base: Path) -> dict:
        project = copy_project(base / "project")
        before = os.environ.get("BUSDOCS_ENV")
        os.environ["BUSDOCS_ENV"] = "staging"
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err):
                build_site(project, "internal", base / "internal")
            return {"ok": True, "log": err.getvalue()}
        except Exception as exc:  # noqa: BLE001 - recorded for every process that asks
            return {"ok": False, "log": f"{type(exc).__name__}: {exc}\n{err.getvalue()}"}
        finally:
            if before is None:
                del os.environ["BUSDOCS_ENV"]
            else:
                os.environ["BUSDOCS_ENV"] = before

    base, built = _once_per_run(tmp_path_factory, "shared-staging", make)
    assert built["ok"], built["log"]
    return base / "internal"


@contextlib.contextmanager
def markdown_instances() -> Iterator[list[object]]:
    """Every `markdown.Markdown` made inside the block, in the list it yields."""
    import markdown

    made: list[object] = []
    init = markdown.Markdown.__init__

    def counting(md: markdown.Markdown, *args: object, **kwargs: object) -> None:
        made.append(md)
        init(md, *args, **kwargs)

    markdown.Markdown.__init__ = counting  # type: ignore[method-assign]
    try:
        yield made
    finally:
        markdown.Markdown.__init__ = init  # type: ignore[method-assign]


def _make_one_process_public(base: Path) -> dict:
    """The help center built in one process with no render cache (so no workers either), counting
    the Markdown instances it made (see `one_process_public`)."""
    from busdocs.mkdocs.build import build_site

    project = copy_project(base / "project")
    config = project / "mkdocs.yml"
    at = "    audience: public\n"
    config.write_text(config.read_text().replace(at, at + "    render_cache: false\n"))
    with markdown_instances() as made:
        built = build_site(project, "public", base / "public")
    return {"pages": built.pages, "markdown_instances": len(made)}


@pytest.fixture(scope="session")
def one_process_public(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """`(site folder, {"pages", "markdown_instances"})`: the public site built once per test run in
    one process, without the render cache (every page converted here, none by a worker), with the
    configuration's defaults otherwise (one Markdown instance reused). The reference of
    tests/test_parallel.py (workers write what one process writes) and the reused-instance build of
    tests/test_markdown_reuse.py: the same build, made once. Read-only."""
    base, record = _once_per_run(tmp_path_factory, "shared-one-process-public", _make_one_process_public)
    return base / "public", record


@pytest.fixture
def edit(project: Path) -> Callable[[str, str], Path]:
    """Write `text` to `relative` path inside the project copy."""

    def write(relative: str, text: str) -> Path:
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A moto server on 127.0.0.1 and a free port, one per test module (its state is the module's)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
