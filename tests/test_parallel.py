"""Pages rendered ahead in worker processes: the same site, the same warnings, and no harm when a worker fails."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

from busdocs import parallel
from busdocs.build import BuildFailed, build_site
from tests.test_rendercache import files_of


def set_options(project: Path, options: str) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("    audience: public\n", f"    audience: public\n{options}"))


@pytest.fixture
def merged(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many render cache entries workers sent back to the build."""
    counts: list[int] = []
    start = parallel.Prefetch.start

    def spy(self: parallel.Prefetch, *args: object, **kwargs: object) -> None:
        merge = self.merge
        self.merge = lambda entries: (counts.append(len(entries)), merge(entries))
        start(self, *args, **kwargs)

    monkeypatch.setattr(parallel.Prefetch, "start", spy)
    return counts


@pytest.mark.parametrize("site", ["public", "internal"])
def test_workers_write_the_same_site_as_one_process(project: Path, tmp_path: Path, site: str,
                                                    merged: list[int]) -> None:
    set_options(project, "    workers: 3\n")
    ahead = files_of(build_site(project, site, tmp_path / "ahead" / site).out_dir)
    # Workers rendered pages of both loops (Markdown, then theme) and sent them back.
    assert len(merged) > 20 and sum(merged) > 40
    set_options(project, "    workers: 1\n    render_cache: false\n")
    alone = files_of(build_site(project, site, tmp_path / "alone" / site).out_dir)
    assert ahead.keys() == alone.keys()
    assert [name for name in ahead if ahead[name] != alone[name]] == []


def test_a_warning_in_a_worker_shard_still_stops_the_build(project: Path, tmp_path: Path, merged: list[int]) -> None:
    set_options(project, "    workers: 3\n")
    students = sorted((project / "guides" / "students").glob("*.md"))
    for page in students:  # late in the build's order, so in workers' shards
        page.write_text(page.read_text() + "\n[gone](no-such-page.md)\n")
    with pytest.raises(BuildFailed) as info:
        build_site(project, "public", tmp_path / "public")
    assert merged, "no worker ran"
    for page in students:
        assert any(f"students/{page.name}" in m and "no-such-page.md" in m for m in info.value.messages), page.name


def test_a_failing_worker_costs_only_time(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_options(project, "    workers: 3\n    render_cache: false\n")
    alone = files_of(build_site(project, "public", tmp_path / "alone" / "public").out_dir)
    set_options(project, "    render_cache: true\n")

    def crash(self: object, number: int, *args: object) -> None:
        if number == 0:  # one worker dies at once; the other works
            raise RuntimeError("worker crashed")
        work(self, number, *args)

    work = parallel.Prefetch._work
    monkeypatch.setattr(parallel.Prefetch, "_work", crash)
    assert files_of(build_site(project, "public", tmp_path / "ahead" / "public").out_dir) == alone


def test_the_build_and_the_workers_meet_wherever_the_work_balances() -> None:
    """Workers take items from the back; the build claims each item it reaches, or takes the worker's result."""
    got: dict[str, object] = {}
    prefetch = parallel.Prefetch(lambda entries: got.update({key: value for _, key, value in entries}))

    def render(item: int) -> list[parallel.Entry]:
        time.sleep(0.004 if item % 3 else 0.001)
        return [("pages", str(item), item * 2)]

    items = list(range(120))
    prefetch.start(items, str, render, workers=3)
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
    assert not prefetch.workers and not list(Path(tempfile.gettempdir()).glob("busdocs-worker-*"))
    assert parallel.worker_count(8, 30) == 1 and parallel.worker_count(2, 1000) == 2
