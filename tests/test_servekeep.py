"""Under `mkdocs serve`, a rebuild writes over the last site (`busdocs.mkdocs.servekeep`): what it
serves must be exactly what a build of the same sources writes, after edits, new pages and
removed pages alike."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mkdocs.utils import clean_directory

from busdocs.bench.corpus import generate
from busdocs.bench.runner import only_corpus
from busdocs.mkdocs import servekeep
from tests.conftest import copy_project


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by its path, hidden top-level entries (MkDocs' and busdocs'
    records, which hold the build's time) left out."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).parts[0].startswith(".")}


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- the module on a plain folder ------------------------------------------------------------------


def test_what_the_build_did_not_write_goes_and_what_it_wrote_stays(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for relative in ("a/index.html", "a/b/index.html", "gone/index.html", "gone/deep/x.js", "keep/same.css",
                     "404.html", ".hidden/record.json"):
        write(site / relative, f"old {relative}")
    time.sleep(0.02)  # the last build was earlier
    held = servekeep.hold(site)
    assert held is not None and sorted(held.names) == ["a", "gone", "keep"]
    clean_directory(str(site))  # what MkDocs does next: removes 404.html, leaves the hidden hold alone
    assert sorted(p.name for p in site.iterdir()) == sorted([".hidden", servekeep.HOLD])
    servekeep.restore(held)
    assert not (site / servekeep.HOLD).exists()
    write(site / "a/index.html", "new a")  # changed
    write(site / "keep/same.css", "old keep/same.css")  # written again, same bytes
    write(site / "a/new/index.html", "new page")  # added
    write(site / "404.html", "new 404")
    assert servekeep.drop_stale(held) == 3  # a/b/index.html and gone/** were not written
    assert tree(site) == {"404.html": b"new 404", "a/index.html": b"new a", "a/new/index.html": b"new page",
                          "keep/same.css": b"old keep/same.css"}
    assert not (site / "gone").exists() and not (site / "a" / "b").exists()
    assert (site / ".hidden" / "record.json").exists()


def test_a_build_that_fails_before_the_restore_leaves_what_the_clean_would(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site / "a/index.html", "old")
    held = servekeep.hold(site)
    assert held is not None
    clean_directory(str(site))
    servekeep.drop_stale(held)  # the plugin's on_build_error
    assert list(site.iterdir()) == []


def test_an_empty_site_or_a_left_over_hold(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    assert servekeep.hold(site) is None
    write(site / servekeep.HOLD / "x/index.html", "from a build that was killed")
    assert servekeep.hold(site) is None and not (site / servekeep.HOLD).exists()


# --- a real serve rebuild against a real build ----------------------------------------------------


@pytest.fixture
def corpus_project(tmp_path: Path) -> Path:
    project = copy_project(tmp_path / "project")
    generate(project / "docs" / "bench", 12)
    only_corpus(project)
    return project


def _unlinked_page(bench: Path) -> Path:
    """A page of the corpus no other page links to (removing it warns nowhere)."""
    texts = {p: p.read_text(encoding="utf-8") for p in bench.rglob("*.md")}
    for page in sorted(texts):
        if page.name != "index.md" and not any(page.name in t for p, t in texts.items() if p != page):
            return page
    raise AssertionError("every page of the corpus is linked")


@pytest.mark.slow
def test_a_serve_rebuild_serves_what_a_build_writes(corpus_project: Path, tmp_path: Path) -> None:
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    project, served = corpus_project, tmp_path / "served"
    served.mkdir()
    bench = project / "docs" / "bench"
    cwd = Path.cwd()
    os.chdir(project)
    try:
        def serve_build() -> None:  # as `mkdocs serve` builds: a fresh config, plugins kept, a serve URL
            config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(served))
            config.plugins.on_startup(command="serve", dirty=False)
            build(config, serve_url="http://127.0.0.1:1/")

        serve_build()
        first = tree(served)
        edited = sorted(p for p in bench.rglob("*.md") if p.name != "index.md")[0]
        removed = _unlinked_page(bench)
        assert removed != edited
        edited.write_text(edited.read_text(encoding="utf-8") + "\n\nEdited while serving.\n", encoding="utf-8")
        removed.unlink()
        write(bench / "added-while-serving.md", "# Added while serving\n\nA new page.\n")
        time.sleep(0.02)
        serve_build()
    finally:
        os.chdir(cwd)
    reference = tmp_path / "built"
    subprocess.run([str(Path(sys.executable).with_name("mkdocs")), "build", "-q", "-f", "mkdocs.yml", "-d",
                    str(reference)], cwd=project, check=True, capture_output=True,
                   env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    after, built = tree(served), tree(reference)
    gone = re.sub(r"\.md$", "/index.html", removed.relative_to(project / "docs").as_posix())
    assert gone in first and gone not in after  # the row changes the site, and the removal shows
    assert "bench/added-while-serving/index.html" in after
    assert sorted(after) == sorted(built), (sorted(set(after) ^ set(built)))[:10]
    differ = [name for name in built if after[name] != built[name]]
    assert differ == [], differ[:10]


@pytest.mark.slow
def test_a_build_after_a_serve_build_in_one_process_is_a_build_of_its_own_site(project: Path,
                                                                              tmp_path: Path) -> None:
    """MkDocs keeps a plugin with on_startup for the whole process: what it kept while serving the
    public site (its serve mode, the public view of the data) must not reach a later build of the
    ops site in the same process (it did: the ops build read the withheld data and failed)."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from busdocs.mkdocs.build import build_site

    config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(tmp_path / "served"))
    config.plugins.on_startup(command="serve", dirty=False)
    build(config, serve_url="http://127.0.0.1:1/")
    site = build_site(project, "internal", tmp_path / "internal").out_dir
    assert (site / "runbooks" / "index.html").is_file()
    assert not (site / servekeep.HOLD).exists()
