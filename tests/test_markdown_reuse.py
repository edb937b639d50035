"""One Markdown instance per process, reset between pages, converts every page of the help center
to what a new instance per page (MkDocs' own way) converts it to. The ops site's extensions include
mkdocstrings' and autorefs' (instances with state of their own): its pages get a new instance each."""

from __future__ import annotations

from pathlib import Path

import pytest

from busdocs.mkdocs import seams
from busdocs.mkdocs.build import build_site
from busdocs.mkdocs.config import BusdocsConfig
from tests.conftest import markdown_instances
from tests.test_rendercache import files_of

pytestmark = pytest.mark.slow


def test_a_reused_instance_writes_the_site_new_instances_write(project: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               one_process_public: tuple[Path, dict]) -> None:
    site = "public"
    # No render cache: every page is converted, in this process (no workers), in both builds. The
    # reused-instance build is the run's `one_process_public` (the configuration's defaults, the
    # cache off), which counted the Markdown instances it made; this test makes the other.
    reused_dir, reused = one_process_public
    reused_instances = reused["markdown_instances"]
    monkeypatch.setattr(BusdocsConfig.render_cache, "default", False)
    monkeypatch.setattr(BusdocsConfig.reuse_markdown, "default", False)
    with markdown_instances() as made:
        fresh = build_site(project, site, tmp_path / "fresh" / site)
    # Each build converted its pages the way it was meant to (the configuration's extensions are all
    # reusable; MkDocs' configuration check and the API pages' spec make a few instances of their own).
    assert reused["pages"] == fresh.pages > 50
    assert reused_instances < 10 and len(made) > fresh.pages // 2, (reused_instances, len(made))
    reused_files, fresh_files = files_of(reused_dir), files_of(fresh.out_dir)
    assert reused_files.keys() == fresh_files.keys()
    differ = sorted(name for name in fresh_files if reused_files[name] != fresh_files[name])
    assert not differ, f"{len(differ)} files differ, first {differ[0]}"


def test_only_known_extensions_are_reused() -> None:
    assert seams.reusable_markdown(["toc", "pymdownx.superfences"], {"toc": {"permalink": True}})
    assert not seams.reusable_markdown(["toc", "pymdownx.snippets"], {})  # not known to reset its state
    assert not seams.reusable_markdown(["toc", object()], {})  # an extension instance (autorefs, mkdocstrings)
    assert not seams.reusable_markdown(["footnotes"], {"footnotes": {"UNIQUE_IDS": True}})  # ids count documents


@pytest.mark.parametrize(("config", "reused"), [("mkdocs.yml", True), ("mkdocs.internal.yml", False)])
def test_which_sites_reuse_an_instance(root: Path, config: str, reused: bool) -> None:
    from mkdocs.config import load_config

    loaded = load_config(config_file=str(root / config))
    loaded = loaded.plugins.on_config(loaded)
    assert seams.reusable_markdown(loaded["markdown_extensions"], loaded["mdx_configs"]) is reused
