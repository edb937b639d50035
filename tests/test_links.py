"""Every output of `make site` passes an independent link checker, and others can read it.

`make site` is `busdocs build --site all --out site` (the session's `built_sites`) followed by
`busdocs pdf --site-dir site`. The handbooks are not rendered again here (test_pdf renders and reads
them, a few seconds each): each is stood in for by a file at the very path `busdocs pdf` writes it
to (`busdocs.pdf.renderer.handbook_file`), so a link to a handbook resolves only where the real PDF lands.

LinkChecker (the `linkchecker` of this virtual environment, a separate process) crawls the three
outputs from `file://`, internal links only: without `--check-extern` it checks nothing outside
them (no network), and a `--config` of its own keeps a user's settings out. Run as root, it
drops its privileges to `nobody`, so it also proves that another user can read every file.
"""

from __future__ import annotations

import csv
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from busdocs.mkdocs.build import OFFLINE_ZIP
from busdocs.data.loader import load_data
from busdocs.pdf.renderer import handbook_file

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
LINKCHECKER = Path(sys.executable).with_name("linkchecker")
SITES = ("public", "internal", "offline")


@dataclass(frozen=True)
class Checked:
    """What LinkChecker reported: one row per link it followed (`urlname`, `parentname`, `url`,
    `result`, `valid`, `infostring`, …) and its exit code."""

    site_root: Path
    rows: list[dict[str, str]]
    returncode: int
    output: str


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_every_output(base: Path) -> dict[str, object]:
    """Copy the session's build (modes kept) with the handbooks `busdocs pdf` would add into a
    folder other users can enter (pytest's own temporary folders are 0700), run LinkChecker over it
    and return what it reported. Made once per test run (`checked`); under `pytest -n`, the process
    that makes the shared build runs it next, at a lower priority, beside the tests
    (tests/conftest.py). The copy stays for the tests that look at its files, and is deleted as the
    run ends (`remove_checked_copy`)."""
    sites = base.parent / "shared-sites" / "site"
    work = Path(tempfile.mkdtemp(prefix="busdocs-links-"))
    work.chmod(0o755)  # the check's own folder; the sites inside keep the modes the build gave them
    (base / "copy").write_text(str(work), encoding="utf-8")  # for `remove_checked_copy`, even if stopped
    site_root = work / "site"
    site_root.mkdir()
    for site in SITES:
        shutil.copytree(sites / site, site_root / site, symlinks=True)
    for handbook in load_data(ROOT).handbooks.handbooks:
        target = handbook_file(site_root, handbook)
        if not target.exists():
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(b"%PDF-1.7\n% stand-in for the handbook busdocs pdf renders here\n")
    config = work / "linkcheckerrc"
    config.write_text("[filtering]\ncheckextern=0\n", encoding="utf-8")  # and nothing of ~/.config
    config.chmod(0o644)
    result = subprocess.run(
        # One checking thread: reading files is bound by the interpreter, and its ten default threads
        # only take turns (measured: a fifth slower, for the same links).
        # Profiled (338 pages, 15 MB of HTML, 56,847 link occurrences of 1,361 distinct URLs), its
        # CPU goes to BeautifulSoup's html.parser (about 45 %, the parser is fixed in LinkChecker's
        # code), one URL object per occurrence (about 25 %, made before any ignore or nofollow
        # pattern applies, so such patterns would save nothing), each link's text (13 %) and debug
        # calls (10 %); --verbose and the CSV output cost under 1 %. No option cuts it.
        [str(LINKCHECKER), "--config", str(config), "--no-status", "--no-warnings", "--verbose", "--threads", "1",
         "--output", "csv", *((site_root / site / "index.html").as_uri() for site in SITES)],
        capture_output=True, text=True, timeout=600, cwd=work)
    return {"work": str(work), "site_root": str(site_root), "returncode": result.returncode,
            "stdout": result.stdout, "output": result.stdout + result.stderr}


def remove_checked_copy(run_folder: Path) -> None:
    """Delete the copy `check_every_output` made, if this run made one (as the run ends, also when
    the check was stopped part way)."""
    record = run_folder / "shared-links" / "copy"
    if record.is_file():
        shutil.rmtree(record.read_text(encoding="utf-8"), ignore_errors=True)


@pytest.fixture(scope="module")
def checked(built_sites: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Checked:
    from tests.conftest import _once_per_run

    _, record = _once_per_run(tmp_path_factory, "shared-links", check_every_output)
    lines = [line for line in record["stdout"].splitlines() if line and not line.startswith("#")]
    table = list(csv.reader(lines, delimiter=";"))
    assert table and table[0][:2] == ["urlname", "parentname"], record["output"][-4000:]
    rows = [dict(zip(table[0], row, strict=False)) for row in table[1:]]
    return Checked(Path(record["site_root"]), rows, record["returncode"], record["output"])


def _path(url: str) -> str:
    return unquote(urlsplit(url).path)


def _where(row: dict[str, str], site_root: Path) -> str:
    parent = unquote(urlsplit(row["parentname"]).path).removeprefix(str(site_root) + "/")
    return f"{parent}:{row['line']}: {row['urlname']} → {row['result'] or row['infostring']}"


def test_every_link_of_every_output_resolves(checked: Checked) -> None:
    broken = [_where(r, checked.site_root) for r in checked.rows if r["valid"] != "True"]
    assert broken == [], "\n".join(broken)
    assert checked.returncode == 0, checked.output[-3000:]
    reached = {site: sum(1 for r in checked.rows if f"/site/{site}/" in r["url"]) for site in SITES}
    assert all(n > 100 for n in reached.values()), reached  # the crawl went through each output


def test_the_checker_follows_the_download_links_to_real_files(checked: Checked) -> None:
    """The handbooks and the offline zip are linked where `make site` puts them, and nowhere else."""
    local = {unquote(urlsplit(r["url"]).path) for r in checked.rows if r["url"].startswith("file:")}
    for handbook in load_data(ROOT).handbooks.handbooks:
        assert str(handbook_file(checked.site_root, handbook)) in local, handbook.id
    assert str(checked.site_root / "internal" / OFFLINE_ZIP) in local
    assert not [p for p in local if p.startswith(str(checked.site_root / "offline" / "downloads"))]


def test_only_links_inside_the_outputs_are_checked(checked: Checked) -> None:
    """No network: every http(s) link is checked for its syntax only, never fetched."""
    external = [r for r in checked.rows if r["url"].startswith(("http:", "https:"))]
    assert external, "the sites link the status page, the app stores, the help center …"
    fetched = [r["url"] for r in external if r["result"] != "filtered"]
    assert fetched == []
    outside = [r for r in checked.rows if r["url"].startswith("file:")
               and not _path(r["url"]).startswith(str(checked.site_root) + "/")]
    assert {r["result"] for r in outside} <= {"filtered"}  # …and nothing outside the outputs is read


def test_links_from_the_site_root_resolve_in_their_output(checked: Checked) -> None:
    """404.html links `/runbooks/…` from the site root (it is served at any depth). From file://
    those leave the output, so LinkChecker only checks their syntax: resolve them here."""
    rooted = [r for r in checked.rows if r["urlname"].startswith("/") and r["result"] == "filtered"]
    assert rooted, "404.html links the navigation from the site root"
    for row in rooted:
        site = _path(row["parentname"]).removeprefix(str(checked.site_root) + "/").split("/")[0]
        assert site in SITES, _where(row, checked.site_root)
        target = checked.site_root / site / unquote(urlsplit(row["urlname"]).path).lstrip("/")
        assert (target / "index.html" if target.is_dir() else target).is_file(), _where(row, checked.site_root)


def test_folder_links_have_an_index_page(checked: Checked) -> None:
    """LinkChecker accepts any folder of a file:// site; a web server (and CloudFront's directory-index
    function) serves its index.html, and the offline bundle, opened from disk, must link pages, not folders."""
    folders = [r for r in checked.rows if r["result"] == "directory" and r["parentname"].endswith(".html")]
    assert folders, "the sites link folders (use_directory_urls)"
    for row in folders:
        folder = Path(unquote(urlsplit(row["url"]).path))
        assert "/site/offline/" not in f"{folder}/", _where(row, checked.site_root)
        assert (folder / "index.html").is_file(), _where(row, checked.site_root)


def test_outputs_have_the_usual_permissions(built_sites: dict[str, Path]) -> None:
    """Folders 0777 and files 0666 less the umask, as mkdir and open make them (0755 and 0644
    under the usual umask): a web server or checker running as another user can read the site."""
    mask = _umask()
    for site in SITES:
        for path in [built_sites[site], *built_sites[site].rglob("*")]:
            wanted = (0o777 if path.is_dir() else 0o666) & ~mask
            assert stat.S_IMODE(path.stat().st_mode) == wanted, f"{path}: {oct(path.stat().st_mode)}"


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_the_build_folder_respects_the_umask(tmp_path: Path, mask: int) -> None:
    from busdocs.mkdocs.build import _staging_dir

    old = os.umask(mask)
    try:
        staging = _staging_dir(tmp_path / "public")
    finally:
        os.umask(old)
    assert staging.parent == tmp_path and staging.name.startswith(".public.building-")
    assert stat.S_IMODE(staging.stat().st_mode) == 0o777 & ~mask


HELP = "https://help.university-bus-tracker.com/"
OPS = "https://ops.university-bus-tracker.com/"


@pytest.mark.parametrize(("downloads", "audience", "url", "expected"), [
    # the help center carries the public handbooks: relative from any page
    ("public", "public", "training/", "../downloads/student-guide.pdf"),
    ("public", "public", "", "downloads/student-guide.pdf"),
    # the ops site carries only the internal ones: its Training page links the help center's
    ("internal", "public", "training/", HELP + "downloads/student-guide.pdf"),
    ("internal", "internal", "", "downloads/oncall-handbook.pdf"),
    # the offline bundle carries none of them (and busdocs runbook in a terminal has no site)
    (None, "public", "training.html", HELP + "downloads/student-guide.pdf"),
    (None, "internal", "index.html", OPS + "downloads/oncall-handbook.pdf"),
])
def test_handbooks_are_linked_on_the_site_that_carries_them(downloads: str | None, audience: str, url: str,
                                                              expected: str) -> None:
    from bs4 import BeautifulSoup

    from busdocs.content.macros import Macros, PageInfo, SiteInfo

    data = load_data(ROOT)
    page = PageInfo("x.md", audience, {}, url)
    html = Macros(data, "production", data.launch.sections[0].due, lambda: page,
                  site=SiteInfo(downloads=downloads)).handbook_links()
    hrefs = [a["href"] for a in BeautifulSoup(html, "html.parser").select("a")]
    assert expected in hrefs
    assert len(hrefs) == sum(1 for h in data.handbooks.handbooks if h.site == audience)


@pytest.mark.parametrize(("downloads", "url", "expected"), [
    ("internal", "", "downloads/bus-tracker-ops-offline.zip"),
    ("internal", "runbooks/oncall/", "../../downloads/bus-tracker-ops-offline.zip"),
    (None, "index.html", OPS + "downloads/bus-tracker-ops-offline.zip"),  # the bundle cannot hold itself
])
def test_the_offline_bundle_is_linked_where_it_lives(downloads: str | None, url: str, expected: str) -> None:
    from busdocs.content.macros import Macros, PageInfo, SiteInfo

    data = load_data(ROOT)
    page = PageInfo("runbooks/home.md", "internal", {}, url)
    link = Macros(data, "production", data.launch.sections[0].due, lambda: page,
                  site=SiteInfo(downloads=downloads)).macros()["offline_bundle_link"]()
    assert f'href="{expected}"' in link
