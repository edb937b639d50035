"""Pages rendered ahead in worker processes: the same site, the same warnings, and no harm when a worker fails."""

from __future__ import annotations

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
    """How many render cache entries each worker sent back to the build."""
    counts: list[int] = []
    collect = parallel._collect

    def spy(worker: parallel._Worker, patience: float) -> list[parallel.Entry]:
        entries = collect(worker, patience)
        counts.append(len(entries))
        return entries

    monkeypatch.setattr(parallel, "_collect", spy)
    return counts


@pytest.mark.parametrize("site", ["public", "internal"])
def test_workers_write_the_same_site_as_one_process(project: Path, tmp_path: Path, site: str,
                                                    merged: list[int]) -> None:
    set_options(project, "    workers: 3\n")
    ahead = files_of(build_site(project, site, tmp_path / "ahead" / site).out_dir)
    # Two page loops with the same workers; every worker sent back the pages of its shard.
    assert len(merged) >= 2 and len(merged) % 2 == 0 and min(merged) > 10
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

    def crash(items: object, render: object, out: Path) -> None:
        raise RuntimeError("worker crashed")

    monkeypatch.setattr(parallel, "_render_shard", crash)
    assert files_of(build_site(project, "public", tmp_path / "ahead" / "public").out_dir) == alone


def test_shards_follow_the_cost_and_leave_the_build_a_smaller_share() -> None:
    items = list(range(100))
    (worker,) = parallel.split(items, [1.0] * 100, 2)
    assert worker[-1] == 99 and 50 < len(worker) < 60  # the build keeps the first 40-odd pages
    shards = parallel.split(items, [1.0] * 90 + [20.0] * 10, 3)
    assert [len(s) for s in shards][-1] < 10  # costly pages make a short shard
    assert [i for s in shards for i in s] == items[items.index(shards[0][0]):]
    assert parallel.worker_count(8, 30) == 1 and parallel.worker_count(2, 1000) == 2
