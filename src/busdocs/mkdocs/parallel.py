"""Pages rendered ahead in forked worker processes; their results come back through the render cache.

MkDocs renders pages one after another in one process. Before each of its two page loops
(Markdown, then theme), the plugin forks one worker per extra CPU core. The build walks the pages
from the front, as MkDocs always does; the workers take pages from the back, one at a time, render
them with MkDocs' own functions and append what they rendered (render cache entries) to a file.
When the build reaches a page a worker took, it waits for that page, puts the worker's entries into
the render cache and goes on: the page is now a cache hit. The two ends meet wherever the work
balances, whatever the pages cost. So every plugin event still runs, once, in the build process,
in MkDocs' order; the workers only compute ahead.

Correctness rests on the render cache (a hit gives what a render would give, tested against clean
builds). A page that logged a warning in a worker is not sent back, so it renders and warns in the
build. A worker that fails, or hangs, costs nothing but time: its pages render in the build.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import pickle
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from busdocs.mkdocs.rendercache import WarningCounter

Entry = tuple[str, str, Any]
"""(layer of the render cache, key, value)"""

command_process = False
"""True in the `busdocs` command's own process (set by `busdocs.cli.run`). Work moved to a
background process only to use a core that the build's start or end leaves idle (the prescan of
`busdocs build`, the build's source checks, the render cache's save) is moved there only then: a
long-lived process (the tests, a program that calls `busdocs.cli.main`) has its imports done, and
forking it, with all it holds, costs more than that work (about 40 ms a GB; 10–20 ms for the
command at its start)."""

MIN_PAGES_PER_WORKER = 16
"""Fewer pages than this per process and forking costs more than it saves."""

PATIENCE = 60.0
"""Seconds the build waits for one page from a live worker before it renders the page itself."""


def worker_count(requested: int, pages: int) -> int:
    """How many processes share `pages` pages: `requested`, or one per CPU core when 0."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    wanted = requested if requested > 0 else cores
    return max(1, min(wanted, pages // MIN_PAGES_PER_WORKER))


@dataclass
class _Worker:
    pid: int
    reader: BinaryIO
    alive: bool = True


def _silence_and_count() -> WarningCounter:
    """In a worker: nothing reaches the terminal; warnings are counted instead."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    counter = WarningCounter()
    loggers = [logging.getLogger(), *(lg for lg in logging.root.manager.loggerDict.values()
                                      if isinstance(lg, logging.Logger))]
    for logger in loggers:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
    logging.getLogger().addHandler(counter)
    for logger in loggers:
        if not logger.propagate:
            logger.addHandler(counter)
    return counter


def can_fork() -> bool:
    """Forking is safe only from a single-threaded process (`mkdocs serve` runs a server thread)."""
    return hasattr(os, "fork") and threading.active_count() == 1


class Prefetch:
    """One page loop's workers: `start` forks them, `arrive` tells them where the build is."""

    def __init__(self, merge: Callable[[Iterable[Entry]], None]) -> None:
        self.merge = merge
        self.workers: list[_Worker] = []
        self.index: dict[str, int] = {}
        self.merged: set[int] = set()
        self.in_worker = False

    def start(self, items: Sequence[Any], key: Callable[[Any], str], render: Callable[[Any], list[Entry]],
              workers: int, prepare: Callable[[], object] | None = None) -> None:
        """Fork `workers - 1` processes that render `items` from the back until they meet the build.
        The first of them calls `prepare` first: work for later that its pages then wait for (the
        build renders more of them meanwhile); what it raises costs only that work."""
        self.close()
        if workers < 2 or not items or self.in_worker or not can_fork():
            return
        context = multiprocessing.get_context("fork")
        self.lock = context.Lock()
        # front: the first page the build has not reached; back: the last page no worker took.
        self.bounds = context.RawArray("l", [0, len(items)])
        self.taken_by = context.RawArray("i", len(items))  # worker number + 1, once taken
        self.done = context.RawArray("b", len(items))  # 1 once the worker's record is in its file
        self.index = {key(item): i for i, item in enumerate(items)}
        self.merged = set()
        parent = os.getpid()
        gc.freeze()  # the collector would otherwise touch, and so copy, every object in each worker
        try:
            for number in range(workers - 1):
                # Two handles on a file with no name: nothing is left behind, whatever happens.
                handle, name = tempfile.mkstemp(prefix="busdocs-worker-", suffix=".pickle")
                writer, reader = os.fdopen(handle, "wb"), open(name, "rb")  # noqa: SIM115 - kept open
                os.unlink(name)
                pid = os.fork()
                if pid == 0:  # the worker
                    code = 1
                    try:
                        reader.close()
                        self._work(number, items, render, writer, parent, prepare if number == 0 else None)
                        code = 0
                    finally:
                        os._exit(code)
                writer.close()
                self.workers.append(_Worker(pid, reader))
        finally:
            gc.unfreeze()

    def _work(self, number: int, items: Sequence[Any], render: Callable[[Any], list[Entry]], file: BinaryIO,
              parent: int, prepare: Callable[[], object] | None = None) -> None:
        # Rendering runs the plugin's own events, which call `arrive`: in a worker it does nothing.
        for worker in self.workers:
            worker.reader.close()
        self.workers, self.index, self.in_worker = [], {}, True
        counter = _silence_and_count()
        if prepare is not None:
            try:
                prepare()
            except Exception:  # noqa: BLE001 - the build does that work itself when it needs it
                pass
        while os.getppid() == parent:  # a build that ended without closing (Ctrl-C, exit) stops its workers
            with self.lock:
                if self.bounds[1] <= self.bounds[0]:
                    return
                self.bounds[1] -= 1
                page = self.bounds[1]
                self.taken_by[page] = number + 1
            before = counter.count
            try:
                entries = render(items[page])
            except Exception:  # noqa: BLE001 - the build renders the page itself and reports the error
                return
            # A page that warned is not sent: the build renders it, and the warning is seen.
            pickle.dump((page, entries if counter.count == before else []), file, pickle.HIGHEST_PROTOCOL)
            file.flush()
            self.done[page] = 1

    def arrive(self, name: str) -> None:
        """The build reached item `name`: claim it, or take a worker's result for it."""
        page = self.index.get(name)
        if page is None or not self.workers or page in self.merged:
            return
        with self.lock:
            if page < self.bounds[1]:  # no worker took it: the build renders it
                self.bounds[0] = max(self.bounds[0], page + 1)
                return
            number = self.taken_by[page] - 1
        worker = self.workers[number]
        deadline = time.monotonic() + PATIENCE
        while worker.alive and not self.done[page]:
            if (_exited(worker) and not self.done[page]) or time.monotonic() > deadline:
                worker.alive = False  # its unfinished pages render in the build
            time.sleep(0.0005)
        if worker.alive:
            self._read_until(worker, page)

    def _read_until(self, worker: _Worker, page: int) -> None:
        """Merge the worker's records, in the order it wrote them, up to `page`'s."""
        try:
            while True:
                number, entries = pickle.load(worker.reader)
                self.merge(entries)
                self.merged.add(number)
                if number == page:
                    return
        except Exception:  # noqa: BLE001 - a record cut short: that worker's other pages render in the build
            worker.alive = False

    def close(self) -> None:
        """Stop the workers (they stop by themselves once they meet the build) and clean up."""
        if not self.workers:
            return
        with self.lock:
            self.bounds[1] = self.bounds[0]  # nothing more to take
        for worker in self.workers:
            worker.reader.close()
            try:
                if not _exited(worker):
                    os.kill(worker.pid, signal.SIGKILL)
                    os.waitpid(worker.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self.workers.clear()
        self.index = {}
def _exited(worker: _Worker) -> bool:
    """True once the worker process has ended (and is reaped)."""
    try:
        pid, _ = os.waitpid(worker.pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return pid != 0


_NOTHING = object()


class Background:
    """One function run in a forked process from the moment it is made, while the build goes on
    (the build's start is serial: the other core would wait); `result()` waits for its value.

    Where the build cannot fork (`can_fork`), `forked` is False and nothing runs until `result()`.
    A process that fails, or a value that does not come back whole, costs only time: `result()`
    then runs the function in the build, so its value (or its error) is the one it would have been.
    """

    def __init__(self, func: Callable[[], Any]) -> None:
        self.func = func
        self.pid: int | None = None
        self.reader: BinaryIO | None = None
        self.value: Any = _NOTHING
        if not can_fork():
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the background process: its value goes into the pipe, nothing to the terminal
            code = 1
            try:
                os.close(read)
                _silence_and_count()
                payload = pickle.dumps(func(), pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as out:
                    out.write(payload)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self.pid, self.reader = pid, os.fdopen(read, "rb")

    @property
    def forked(self) -> bool:
        return self.pid is not None

    def result(self) -> Any:
        """The function's value: the background process's, or computed here if that one failed."""
        if self.value is _NOTHING:
            value: Any = _NOTHING
            if self.reader is not None and self.pid is not None:
                try:
                    payload = self.reader.read()
                    _, status = os.waitpid(self.pid, 0)
                    self.pid = None
                    if status == 0 and payload:
                        value = pickle.loads(payload)
                except Exception:  # noqa: BLE001 - a value cut short: computed here instead
                    value = _NOTHING
            self.close()
            self.value = self.func() if value is _NOTHING else value
        return self.value

    def sibling_result(self) -> Any:
        """The value, read in another process forked from the one that made this one (after it was
        made), or None when it does not come back whole. Waits for the background process to end;
        nothing is computed here instead, and the process that made it reaps it (`close`). Only one
        process reads the value."""
        if self.reader is None or self.pid is None:
            return None
        try:
            payload = self.reader.read()
            return pickle.loads(payload) if payload else None
        except Exception:  # noqa: BLE001 - a value cut short, or read already
            return None

    def close(self) -> None:
        """Stop the background process if it still runs (a build that failed before it needed the value)."""
        if self.reader is not None:
            self.reader.close()
            self.reader = None
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.pid = None
