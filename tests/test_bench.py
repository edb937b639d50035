"""`busdocs bench`: a realistic corpus whose links all resolve, and every figure the issue asks for."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from busdocs.bench import run_bench
from busdocs.benchcorpus import generate, layout


def test_a_big_corpus_groups_its_sections_and_every_link_resolves(tmp_path: Path) -> None:
    assert all(p.startswith("section-") for p in layout(500))
    big = generate(tmp_path, 2000)
    assert len(big) == 2000 and len({p.split("/")[0] for p in big}) == 4  # 40 sections in 4 parts
    for rel in big[::37]:
        text = (tmp_path / rel).read_text(encoding="utf-8")
        assert "{{ site.product }}" in text and '=== "Android"' in text and "!!! tip" in text and "| Item |" in text
        (link,) = re.findall(r"\]\(([^)]+\.md)\)", text)
        assert (tmp_path / posixpath.normpath(posixpath.join(posixpath.dirname(rel), link))).is_file(), rel
    part_nav = (tmp_path / "part-1" / ".nav.yml").read_text()
    assert part_nav.splitlines() == ["- index.md", *(f"- section-{n}/" for n in range(10, 20))]


def test_bench_reports_every_figure(root: Path) -> None:
    result = run_bench(root, pages=60, say=lambda line: None).as_json()
    for key in ("pages", "stock_s", "ours_s", "ratio", "html_kb_per_page", "stock_html_kb_per_page", "peak_mb",
                "ours_warm_s", "warm_ratio", "whole_s", "whole_ratio", "serve_edit_s"):
        assert key in result, key
    assert result["pages"] == 62  # 60 pages, the section's index and the home page
    assert abs(result["ratio"] - result["ours_s"] / result["stock_s"]) < 0.05
    assert 5 < result["html_kb_per_page"] < 50 and result["stock_html_kb_per_page"] > 5
    assert result["serve_edit_s"] is not None, "mkdocs serve never showed the edited page"
