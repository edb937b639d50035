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
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from busdocs.rendercache import WarningCounter

Entry = tuple[str, str, Any]
"""(layer of the render cache, key, value)"""

MIN_PAGES_PER_WORKER = 24
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
    path: Path
    reader: BinaryIO | None = None
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


class Prefetch:
    """One page loop's workers: `start` forks them, `arrive` tells them where the build is."""

    def __init__(self, merge: Callable[[Iterable[Entry]], None]) -> None:
        self.merge = merge
        self.workers: list[_Worker] = []
        self.index: dict[str, int] = {}

    def start(self, items: Sequence[Any], key: Callable[[Any], str], render: Callable[[Any], list[Entry]],
              workers: int) -> None:
        """Fork `workers - 1` processes that render `items` from the back until they meet the build."""
        self.close()
        if workers < 2 or not hasattr(os, "fork") or not items:
            return
        context = multiprocessing.get_context("fork")
        self.lock = context.Lock()
        # front: the first page the build has not reached; back: the last page no worker took.
        self.bounds = context.RawArray("l", [0, len(items)])
        self.taken_by = context.RawArray("i", len(items))  # worker number + 1, once taken
        self.done = context.RawArray("b", len(items))  # 1 once the worker's record is in its file
        self.index = {key(item): i for i, item in enumerate(items)}
        gc.freeze()  # the collector would otherwise touch, and so copy, every object in each worker
        try:
            for number in range(workers - 1):
                handle, name = tempfile.mkstemp(prefix="busdocs-worker-", suffix=".pickle")
                os.close(handle)
                pid = os.fork()
                if pid == 0:  # the worker
                    code = 1
                    try:
                        self._work(number, items, render, Path(name))
                        code = 0
                    finally:
                        os._exit(code)
                self.workers.append(_Worker(pid, Path(name)))
        finally:
            gc.unfreeze()

    def _work(self, number: int, items: Sequence[Any], render: Callable[[Any], list[Entry]], out: Path) -> None:
        counter = _silence_and_count()
        with out.open("ab") as file:
            while True:
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
        if page is None or not self.workers:
            return
        with self.lock:
            if page < self.bounds[1]:  # no worker took it: the build renders it
                self.bounds[0] = max(self.bounds[0], page + 1)
                return
            number = self.taken_by[page] - 1
        worker = self.workers[number]
        deadline = time.monotonic() + PATIENCE
        while not self.done[page]:
            ended = _exited(worker) and not self.done[page]
            if ended or not worker.alive or time.monotonic() > deadline:
                worker.alive = False  # its unfinished pages render in the build
                return
            time.sleep(0.0005)
        self._read_until(worker, page)

    def _read_until(self, worker: _Worker, page: int) -> None:
        """Merge the worker's records, in the order it wrote them, up to `page`'s."""
        if worker.reader is None:
            worker.reader = worker.path.open("rb")
        try:
            while True:
                number, entries = pickle.load(worker.reader)
                self.merge(entries)
                if number == page:
                    return
        except (EOFError, pickle.UnpicklingError, OSError):
            worker.alive = False

    def close(self) -> None:
        """Stop the workers (they stop by themselves once they meet the build) and clean up."""
        if not self.workers:
            return
        with self.lock:
            self.bounds[1] = self.bounds[0]  # nothing more to take
        for worker in self.workers:
            if worker.reader is not None:
                worker.reader.close()
            try:
                if not _exited(worker):
                    os.kill(worker.pid, signal.SIGKILL)
                    os.waitpid(worker.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            worker.path.unlink(missing_ok=True)
        self.workers.clear()
        self.index = {}


def _exited(worker: _Worker) -> bool:
    """True once the worker process has ended (and is reaped)."""
    try:
        pid, _ = os.waitpid(worker.pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return pid != 0
