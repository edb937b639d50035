"""Pages rendered ahead in forked worker processes; their results come back through the render cache.

MkDocs renders pages one after another in one process. Before each of its two page loops
(Markdown, then theme), the plugin splits the pages into one contiguous shard per CPU core. The
build process keeps the first shard; a forked copy of the process renders each other shard with
MkDocs' own functions and writes what it rendered (render cache entries) to a file. When the build
reaches the first page of a shard, it waits for that worker, puts its entries into the render
cache, and goes on: every page of the shard is now a cache hit. So every plugin event still runs,
once, in the build process, in MkDocs' order; the workers only compute ahead.

Correctness rests on the render cache (a hit gives what a render would give, tested against clean
builds). A page that logged a warning in a worker is not sent back, so it renders and warns in the
build. A worker that fails, or is slow, costs nothing but time: its pages render in the build.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import signal
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Entry = tuple[str, str, Any]
"""(layer of the render cache, key, value)"""

MIN_PAGES_PER_WORKER = 24
"""Fewer pages than this per worker and forking costs more than it saves."""

HIT_COST = 0.2
"""What taking a page from the cache costs the build, against rendering it: the build keeps a
smaller shard, since it also takes every worker's pages from the cache."""


def worker_count(requested: int, pages: int) -> int:
    """How many processes share `pages` pages: `requested`, or one per CPU core when 0."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    wanted = requested if requested > 0 else cores
    return max(1, min(wanted, pages // MIN_PAGES_PER_WORKER))


@dataclass
class _Worker:
    pid: int
    result: Path
    first: str


class _WarningCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def _silence_and_count() -> _WarningCounter:
    """In a worker: nothing reaches the terminal; warnings are counted instead."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    counter = _WarningCounter()
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
    """One page loop's workers: `start` forks them, `arrive` merges a shard when the build reaches it."""

    def __init__(self, merge: Callable[[Iterable[Entry]], None]) -> None:
        self.merge = merge
        self.pending: dict[str, _Worker] = {}
        self.started = 0.0

    def start(self, items: Sequence[Any], key: Callable[[Any], str], render: Callable[[Any], list[Entry]],
              workers: int, cost: Callable[[Any], float] = lambda item: 1.0) -> None:
        """Fork `workers - 1` processes, each rendering one shard of `items` (the build keeps the first).

        Shards are contiguous and of about equal `cost` (the build's own is smaller: see `HIT_COST`).
        """
        self.close()
        if workers < 2 or not hasattr(os, "fork"):
            return
        shards = split(items, [cost(item) for item in items], workers)
        self.started = time.monotonic()
        gc.freeze()  # the collector would otherwise touch, and so copy, every object in each worker
        try:
            self._fork(shards, key, render)
        finally:
            gc.unfreeze()

    def _fork(self, shards: list[Sequence[Any]], key: Callable[[Any], str],
              render: Callable[[Any], list[Entry]]) -> None:
        for shard in shards:
            handle, name = tempfile.mkstemp(prefix="busdocs-worker-", suffix=".pickle")
            os.close(handle)
            pid = os.fork()
            if pid == 0:  # the worker
                code = 1
                try:
                    _render_shard(shard, render, Path(name))
                    code = 0
                finally:
                    os._exit(code)
            self.pending[key(shard[0])] = _Worker(pid, Path(name), key(shard[0]))

    def arrive(self, name: str) -> None:
        """The build reached item `name`: if a worker rendered from there on, take its results."""
        worker = self.pending.pop(name, None)
        if worker is None:
            return
        # A worker slower than three times the build's own share is given up on.
        patience = 30 + 3 * (time.monotonic() - self.started)
        entries = _collect(worker, patience)
        if entries:
            self.merge(entries)

    def close(self) -> None:
        """Stop and forget workers whose shard the build never reached (an error ended it)."""
        for worker in self.pending.values():
            _stop(worker)
        self.pending.clear()


def split(items: Sequence[Any], costs: list[float], workers: int) -> list[Sequence[Any]]:
    """The workers' shards of `items`: contiguous, the build's own share first and left out."""
    total = sum(costs)
    own = total * (1 - HIT_COST) / (workers - HIT_COST)
    share = (total - own) / (workers - 1)
    shards: list[Sequence[Any]] = []
    start, running, limit = None, 0.0, own
    for index, item_cost in enumerate(costs):
        if running + item_cost / 2 >= limit and (start is None or index > start):
            if start is not None:
                shards.append(items[start:index])
            start, limit = index, limit + share
        running += item_cost
    if start is not None:
        shards.append(items[start:])
    return [shard for shard in shards if shard]


def _render_shard(items: Sequence[Any], render: Callable[[Any], list[Entry]], out: Path) -> None:
    counter = _silence_and_count()
    entries: list[Entry] = []
    for item in items:
        before = counter.count
        try:
            found = render(item)
        except Exception:  # noqa: BLE001 - the build renders this page itself and reports the error
            break
        if counter.count == before:
            entries += found
    with out.open("wb") as handle:
        pickle.dump(entries, handle, protocol=pickle.HIGHEST_PROTOCOL)


def _collect(worker: _Worker, patience: float) -> list[Entry]:
    deadline = time.monotonic() + patience
    try:
        while True:
            pid, status = os.waitpid(worker.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                _stop(worker)
                return []
            time.sleep(0.002)
        if os.waitstatus_to_exitcode(status) != 0:
            return []
        with worker.result.open("rb") as handle:
            return pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError):
        return []
    finally:
        worker.result.unlink(missing_ok=True)


def _stop(worker: _Worker) -> None:
    try:
        os.kill(worker.pid, signal.SIGKILL)
        os.waitpid(worker.pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
    worker.result.unlink(missing_ok=True)
