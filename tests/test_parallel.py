"""Pages rendered ahead in worker processes: the same site, the same warnings, and no harm when a worker fails."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from busdocs.mkdocs import parallel
from busdocs.mkdocs.build import BuildFailed, build_site
from tests.conftest import copy_project
from tests.test_rendercache import files_of

pytestmark = pytest.mark.slow


def set_options(project: Path, options: dict[str, object]) -> None:
    """Set options of the busdocs plugin in `mkdocs.yml`, replacing any earlier value."""
    config = project / "mkdocs.yml"
    lines = [line for line in config.read_text().splitlines(keepends=True)
             if not any(line.startswith(f"    {name}:") for name in options)]
    at = lines.index("    audience: public\n") + 1
    lines[at:at] = [f"    {name}: {str(value).lower()}\n" for name, value in options.items()]
    config.write_text("".join(lines))


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory,
          one_process_public: tuple[Path, dict]) -> Callable[[str], dict[str, bytes]]:
    """`alone(site)`: the files of `site` built in one process without the cache (no workers, nothing
    reused), built once for the tests of this module that compare against it; the public one is
    the run's `one_process_public`, which tests/test_markdown_reuse.py reads too."""
    built: dict[str, dict[str, bytes]] = {}

    def get(site: str) -> dict[str, bytes]:
        if site == "public" and site not in built:
            built[site] = files_of(one_process_public[0])
        if site not in built:
            base = tmp_path_factory.mktemp(f"alone-{site}")
            project = copy_project(base / "project")
            set_options(project, {"workers": 1, "render_cache": False})
            built[site] = files_of(build_site(project, site, base / "out" / site).out_dir)
        return built[site]

    return get


def assert_workers_can_start() -> None:
    """Workers fork only from a process with no other thread: a thread left by an earlier test of
    this test process (a server, a browser) would make every worker test fail for that reason."""
    import threading

    others = [thread.name for thread in threading.enumerate() if thread is not threading.main_thread()]
    assert parallel.can_fork(), f"this test process has other threads, so no worker can fork: {others}"


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> dict[int, set[int]]:
    """For each page loop, the workers whose records the build read, and how many records."""
    return listen_to_workers(monkeypatch)


def listen_to_workers(monkeypatch: pytest.MonkeyPatch) -> dict[int, set[int]]:
    """`heard` for a test that starts listening part way (after a first build)."""
    assert_workers_can_start()
    loops: dict[int, set[int]] = {}
    read = parallel.Prefetch._read_until

    def spy(self: parallel.Prefetch, worker: parallel._Worker, page: int) -> None:
        loops.setdefault(id(self.done), set()).add(worker.pid)
        read(self, worker, page)

    monkeypatch.setattr(parallel.Prefetch, "_read_until", spy)
    return loops


def compiled_in_every_process(monkeypatch: pytest.MonkeyPatch, log: Path) -> Callable[[str], list[int]]:
    """`compiled(name)`: the processes that compiled theme template `name` in the next build, which
    waits before its theme loop until a worker compiled `base.html` (a warm Markdown loop can end
    sooner), with nothing compiled in this process before."""
    import jinja2
    import mkdocs.plugins

    from busdocs.mkdocs import rendercache

    monkeypatch.setattr(rendercache, "_COMPILED_TEMPLATES", {})
    compile_, on_env = jinja2.Environment.compile, mkdocs.plugins.PluginCollection.on_env

    def spy(self: jinja2.Environment, source: object, name: str | None = None, *args: object, **kwargs: object) -> object:
        with log.open("a") as out:
            out.write(f"{os.getpid()} {name}\n")
        return compile_(self, source, name, *args, **kwargs)

    def compiled(name: str) -> list[int]:
        lines = log.read_text().split("\n") if log.exists() else []
        return [int(line.split()[0]) for line in lines if line.endswith(f" {name}")]

    def theme_loop(self: object, env: object, **kwargs: object) -> object:
        deadline = time.monotonic() + 10
        while not compiled("base.html") and time.monotonic() < deadline:
            time.sleep(0.01)
        return on_env(self, env, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", spy)
    monkeypatch.setattr(mkdocs.plugins.PluginCollection, "on_env", theme_loop)
    return compiled


@pytest.mark.parametrize("site", ["public", "internal"])
def test_workers_write_the_same_site_as_one_process(project: Path, tmp_path: Path, site: str,
                                                    heard: dict[int, set[int]],
                                                    alone: Callable[[str], dict[str, bytes]],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers render pages ahead, and the first Markdown worker compiles the theme's templates for
    the theme loop (`_precompile_theme`): the build and its theme workers compile none of them."""
    from busdocs.mkdocs import rendercache

    compiled = compiled_in_every_process(monkeypatch, tmp_path / "compiled")
    monkeypatch.setattr(parallel, "command_process", True)  # as in the `busdocs` command: the save in the background
    saved_in: list[int] = []
    save = rendercache.RenderCache.save
    monkeypatch.setattr(rendercache.RenderCache, "save", lambda cache: (saved_in.append(os.getpid()), save(cache)))
    import mkdocs.utils

    written_here: list[str] = []  # the build's own writes (a worker's go to its own copy of the list)
    write = mkdocs.utils.write_file
    monkeypatch.setattr(mkdocs.utils, "write_file", lambda data, path: (written_here.append(path), write(data, path)))
    set_options(project, {"workers": 3})
    # The build takes 3 ms more a page, so that both workers are running before it meets them: in a
    # warm build it can otherwise pass every page before a second worker of this big test process
    # took one (seen once in some 15 runs after tests/test_seams.py in the same process).
    arrive = parallel.Prefetch.arrive
    monkeypatch.setattr(parallel.Prefetch, "arrive", lambda loop, name: (
        None if loop.in_worker or not loop.workers else time.sleep(0.003), arrive(loop, name))[1])
    started = time.time()
    ahead = files_of(build_site(project, site, tmp_path / "ahead" / site).out_dir)
    # The render cache was saved, whole, by a background process (while the guard read the site).
    saved = [p for p in (project / ".cache" / "render").glob(f"{site}-*.pickle") if p.stat().st_mtime >= started]
    assert saved_in == [] and len(saved) == 1 and rendercache.RenderCache.load(saved[0]).pages
    # Both page loops (Markdown, then theme) had two workers, and the build read from each.
    assert sorted(len(pids) for pids in heard.values()) == [2, 2]
    for name in ("main.html", "base.html", "partials/header.html"):
        assert len(compiled(name)) == 1 and os.getpid() not in compiled(name), (name, compiled(name))
    # The build did not write again the pages its theme workers wrote (`seams.skip_write`).
    pages = [name for name in ahead if name.endswith(".html") and name != "404.html"]
    written = [path for path in written_here if path.endswith(".html")]
    assert 0 < len(written) < len(pages) - 10, (len(written), len(pages))
    one = alone(site)  # the same sources, built with `workers: 1` and `render_cache: false`
    assert ahead.keys() == one.keys()
    assert [name for name in ahead if ahead[name] != one[name]] == []


def test_a_warning_in_a_worker_shard_still_stops_the_build(project: Path, tmp_path: Path,
                                                           heard: dict[int, set[int]]) -> None:
    set_options(project, {"workers": 3})
    students = sorted((project / "guides" / "students").glob("*.md"))
    for page in students:  # late in the build's order, so workers take them
        page.write_text(page.read_text() + "\n[gone](no-such-page.md)\n")
    with pytest.raises(BuildFailed) as info:
        build_site(project, "public", tmp_path / "public")
    assert heard, "no worker ran"
    for page in students:
        assert any(f"students/{page.name}" in m and "no-such-page.md" in m for m in info.value.messages), page.name


def test_a_failing_worker_costs_only_time(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          heard: dict[int, set[int]],
                                          alone: Callable[[str], dict[str, bytes]]) -> None:
    set_options(project, {"workers": 3, "render_cache": True})
    work = parallel.Prefetch._work

    def crash(self: parallel.Prefetch, number: int, *args: object) -> None:
        if number == 0:  # one worker dies at once; the other works
            raise RuntimeError("worker crashed")
        work(self, number, *args)

    monkeypatch.setattr(parallel.Prefetch, "_work", crash)
    assert files_of(build_site(project, "public", tmp_path / "ahead" / "public").out_dir) == alone("public")
    assert heard and all(len(pids) == 1 for pids in heard.values())  # only the working one was read


def test_the_build_and_the_workers_meet_wherever_the_work_balances() -> None:
    """Workers take items from the back; the build claims each item it reaches, or takes the worker's result."""
    got: dict[str, object] = {}
    prefetch = parallel.Prefetch(lambda entries: got.update({key: value for _, key, value in entries}))

    def render(item: int) -> list[parallel.Entry]:
        prefetch.arrive(str(item))  # as the plugin's own events do inside a worker: nothing happens
        time.sleep(0.004 if item % 3 else 0.001)
        return [("pages", str(item), item * 2)]

    items = list(range(120))
    assert_workers_can_start()
    prefetch.start(items, str, render, workers=3)
    pids = [worker.pid for worker in prefetch.workers]
    assert len(pids) == 2
    own = []
    for item in items:
        prefetch.arrive(str(item))
        if str(item) not in got:
            own.append(item)
            time.sleep(0.003)  # the build renders it
    prefetch.close()
    assert own and own == items[: len(own)]  # the build rendered a front part, the workers the rest
    assert got == {str(i): i * 2 for i in items[len(own):]}
    assert 10 < len(own) < 110
    assert not prefetch.workers
    for pid in pids:  # reaped
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
    assert parallel.worker_count(8, 30) == 1 and parallel.worker_count(2, 1000) == 2


def test_no_fork_from_a_threaded_process() -> None:
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        prefetch = parallel.Prefetch(lambda entries: None)
        prefetch.start(list(range(100)), str, lambda item: [], workers=3)
        assert not prefetch.workers
    finally:
        stop.set()
        thread.join()


def test_a_leak_in_a_page_a_worker_wrote_stops_the_build(project: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         heard: dict[int, set[int]]) -> None:
    """The leak guard scans pages as they are written, in the workers too; what a worker found is
    reported as if the build had scanned the page after the build."""
    import re

    from busdocs.data.loader import load_data
    from busdocs.data.visibility import internal_values
    from busdocs.mkdocs.leakguard import Guard

    set_options(project, {"workers": 3})
    value = next(v for v in sorted(internal_values(load_data(project)))
                 if re.fullmatch(r"[A-Za-z][A-Za-z0-9.-]{7,}", v))
    students = sorted((project / "guides" / "students").glob("*.md"))
    for page in students:  # late in the build's order, so workers take them
        page.write_text(page.read_text() + f"\n\nAsk {value} for help.\n")
    scanned_here: list[str] = []
    findings = Guard.findings

    def spy(self: Guard, relative: str, data: bytes) -> list:
        if os.getpid() == build_pid:
            scanned_here.append(relative)
        return findings(self, relative, data)

    build_pid = os.getpid()
    monkeypatch.setattr(Guard, "findings", spy)
    with pytest.raises(BuildFailed) as info:
        build_site(project, "public", tmp_path / "public")
    assert heard, "no worker ran"
    message = "\n".join(info.value.messages)
    outputs = [f"students/{'' if p.stem == 'index' else p.stem + '/'}index.html" for p in students]
    for output in outputs:
        assert f"{output}: contains an internal value" in message, output
    # At least one of those pages was scanned by a worker only (not again in the build).
    assert [output for output in outputs if output not in scanned_here]


def test_a_background_value_is_computed_in_another_process() -> None:
    assert_workers_can_start()
    here = os.getpid()
    background = parallel.Background(lambda: (os.getpid(), [n * n for n in range(5)]))
    assert background.forked
    pid, squares = background.result()
    assert pid != here and squares == [0, 1, 4, 9, 16]
    assert background.result() == (pid, squares)  # kept, not computed again
    with pytest.raises(ChildProcessError):  # reaped
        os.waitpid(pid, os.WNOHANG)


def test_a_failed_background_process_costs_only_time() -> None:
    """The function fails in the background process only: its value is then computed in the build."""
    assert_workers_can_start()
    here = os.getpid()

    def only_here() -> int:
        if os.getpid() != here:
            raise RuntimeError("not in the background")
        return 42

    background = parallel.Background(only_here)
    assert background.forked and background.result() == 42


def test_a_background_error_is_raised_where_the_value_is_asked_for() -> None:
    assert_workers_can_start()
    background = parallel.Background(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        background.result()


def test_no_background_process_from_a_threaded_process_and_close_stops_one() -> None:
    import threading

    assert_workers_can_start()
    slow = parallel.Background(lambda: time.sleep(60))
    pid = slow.pid
    slow.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        background = parallel.Background(os.getpid)
        assert not background.forked and background.result() == os.getpid()
    finally:
        stop.set()
        thread.join()


@pytest.mark.parametrize("command", [True, False], ids=["busdocs command", "long-lived process"])
def test_the_secret_scan_runs_beside_the_build_and_still_stops_it(project: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  command: bool) -> None:
    """In the `busdocs` command the sources are scanned in a background process from `on_config`;
    in a long-lived process (the tests, a program that builds) in the build's own, where what it
    scanned stays known for the next build. A secret found either way stops the build before the
    theme loop writes any page."""
    from busdocs.data import secrets
    from tests.test_guards import FAKE_SECRETS

    assert_workers_can_start()
    monkeypatch.setattr(parallel, "command_process", command)
    scanned_in = tmp_path / "scanned-in"
    scan = secrets.scan_sources

    def spy(*args: object, **kwargs: object) -> list:
        with scanned_in.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return scan(*args, **kwargs)

    monkeypatch.setattr(secrets, "scan_sources", spy)
    page = project / "guides" / "students" / "index.md"
    page.write_text(page.read_text() + f"\nToken: {FAKE_SECRETS['slack-token'][0]}\n")
    with pytest.raises(BuildFailed) as info:
        build_site(project, "public", tmp_path / "out")
    assert "secret scanner" in str(info.value) and "guides/students/index.md:" in str(info.value)
    assert (str(os.getpid()) in scanned_in.read_text().split()) is not command
    assert not list((tmp_path / "out").rglob("*.html")), "a page was written before the scan's result was read"


def test_a_background_value_can_be_read_by_a_process_forked_after_it() -> None:
    """`sibling_result`: the build's own background checks read what `busdocs build` started
    before them; the process that started it reaps it."""
    assert_workers_can_start()
    first = parallel.Background(lambda: (os.getpid(), "scanned"))
    second = parallel.Background(first.sibling_result)
    pid, value = second.result()
    assert value == "scanned" and pid not in (os.getpid(), second.pid)
    assert first.sibling_result() is None  # one process reads it: the value is gone from the pipe
    first.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    failed = parallel.Background(lambda: 1 / 0)
    assert failed.sibling_result() is None  # nothing computed here instead
    failed.close()


def test_busdocs_build_scans_the_sources_as_it_starts_and_the_build_takes_what_it_found(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`busdocs build` starts the secret scan of the sources before MkDocs loads (`prescan`), on the
    core the build's serial start leaves idle; the build's own scan then scans no content again,
    and a secret still stops the build, named by file and line."""
    from busdocs import cli
    from busdocs.data import secrets
    from busdocs.mkdocs import prescan
    from tests.test_guards import FAKE_SECRETS

    assert_workers_can_start()
    page = project / "guides" / "students" / "index.md"
    page.write_text(page.read_text() + f"\nToken: {FAKE_SECRETS['slack-token'][0]}\n")
    log = tmp_path / "scanned"
    scan_text, scan_all = secrets.scan_text, prescan._scan

    def spy(text: str, filename: str, **kwargs: bool) -> list:
        with log.open("a") as out:
            out.write(f"{os.getpid()} {filename}\n")
        return scan_text(text, filename, **kwargs)

    def started(root: Path, folders: list[str]) -> object:
        with log.open("a") as out:
            out.write(f"{os.getpid()} prescan {','.join(folders)}\n")
        time.sleep(0.5)  # still scanning when the build's own scan starts: that one waits for it
        return scan_all(root, folders)

    monkeypatch.setattr(secrets, "scan_text", spy)
    monkeypatch.setattr(secrets, "_CACHE", {})  # nothing scanned in this process before
    monkeypatch.setattr(prescan, "_scan", started)
    starts: list[Path] = []
    start = prescan.start
    monkeypatch.setattr(prescan, "start", lambda root, **kw: (starts.append(root), start(root, **kw)))
    # Called as a library (the tests, a program), `main` forks nothing ahead: the process is big, its
    # imports done. (This build stops at once: its output folder cannot be made.)
    (tmp_path / "a-file").write_text("")
    assert cli.main(["--root", str(project), "build", "--site", "public", "--out", str(tmp_path / "a-file" / "x")]) == 1
    assert starts == [] and not log.exists()
    capsys.readouterr()
    monkeypatch.setattr(parallel, "command_process", True)  # as `busdocs.cli.run`, the console script, sets it
    code = cli.main(["--root", str(project), "build", "--site", "public", "--out", str(tmp_path / "site")])
    error = capsys.readouterr().err
    assert code == 1 and "secret scanner" in error and "guides/students/index.md:" in error, error
    calls = [line.split()[:2] for line in log.read_text().splitlines()]
    assert f"prescan {','.join(f for f in secrets.SCANNED_FOLDERS if f != 'runbooks')}" in log.read_text()
    assert prescan.SCANNED_FOLDERS == secrets.SCANNED_FOLDERS
    scanner = {pid for pid, what in calls if what == "prescan"}
    assert len(scanner) == 1 and str(os.getpid()) not in scanner
    markdown = [pid for pid, what in calls if what.endswith(".md")]
    assert markdown and set(markdown) == scanner, "the build scanned again what the prescan had scanned"
    assert not prescan._STARTED, "the command left its background scan behind"


def test_a_failed_prescan_leaves_the_scan_to_the_build(project: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from busdocs.data import secrets
    from busdocs.mkdocs import prescan
    from tests.test_guards import FAKE_SECRETS

    assert_workers_can_start()
    page = project / "docs" / "contact.md"
    page.write_text(page.read_text() + f"\nKey: {FAKE_SECRETS['aws-key-id'][0]}\n")
    monkeypatch.setattr(prescan, "_scan", lambda root, folders: 1 / 0)
    monkeypatch.setattr(secrets, "_CACHE", {})
    prescan.start(project)
    try:
        assert prescan.findings(project) is None
        with pytest.raises(BuildFailed) as info:
            build_site(project, "public", tmp_path / "out")
    finally:
        prescan.stop()
    assert "secret scanner" in str(info.value) and "docs/contact.md:" in str(info.value)
