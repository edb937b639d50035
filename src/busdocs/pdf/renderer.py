"""PDF handbooks: chosen pages of a built site, printed as one book with WeasyPrint.

For every handbook of `data/handbooks.yml` this reads the build record of its site
(`.busdocs-build.json`, which lists the pages in navigation order), picks the pages its patterns
match, takes the article of each built page, and lays out ONE HTML document: a cover, a table of
contents with page numbers, then one chapter per page. The stylesheet is `pdf.css` beside this
module, with the DejaVu fonts of `fonts/`.

A handbook whose inputs did not change since its last rendering (the chosen pages' article HTML
and images, the handbook entry, the stylesheet, the fonts, busdocs) is copied from the cache.

WeasyPrint and BeautifulSoup are imported only when a handbook is rendered: importing this module
is cheap and works on a machine without pango.

Speed (2-core AMD EPYC, WeasyPrint 70): about 18 PDF pages a second for a 100-page handbook. What
it takes: one document per handbook, a stylesheet of simple selectors, no `leader()` and no dotted
borders in the contents (WeasyPrint draws every dot), `target-counter` only in the contents, Python's
garbage collector paused while WeasyPrint works, harfbuzz-subset for the fonts.
"""

from __future__ import annotations

import gc
import hashlib
import html as htmlmod
import importlib.metadata
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname


from busdocs import __version__, sites
from busdocs.buildrecord import MARKER, read_marker
from busdocs.data.loader import load_data
from busdocs.errors import BusdocsError
from busdocs.pdf.document import Chapter, build_document, local_image
from busdocs.pdf.selection import IMG_SRC, extract_article, page_file, select_pages

if TYPE_CHECKING:

    from busdocs.data.models.handbooks import Handbook


STEPS: tuple[str, ...] = ("collect", "transform", "layout", "write")
"""The steps `progress` reports for each handbook, in order."""

PACKAGE_DIR = Path(__file__).resolve().parent
STYLESHEET = PACKAGE_DIR / "pdf.css"
LANGUAGE_STYLESHEETS = {"ur": PACKAGE_DIR / "pdf-ur.css"}
"""Added to pdf.css for a handbook in that language."""
FONTS_DIR = PACKAGE_DIR / "fonts"


MISSING_LIBRARIES = ("WeasyPrint cannot load its system libraries ({error}): install them with "
                     "`apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0`, "
                     "or run `make site`, which installs them")

Progress = Callable[[str, int, int, str], None]
"""`progress(handbook_id, step, total_steps, message)`: called once a step is done (`step` counts
the steps done, 1…total_steps; a handbook taken from the cache jumps from 1 to total_steps)."""


@dataclass(frozen=True, slots=True)
class HandbookResult:
    """One rendered (or cached) handbook."""

    id: str
    path: Path
    """Where the PDF is now: `<site_root>/<site>/downloads/<id>.pdf`."""
    pages: int
    """Pages of the PDF."""
    seconds: float
    """Wall time for this handbook, cache look-up included."""
    cached: bool
    """True when the PDF was copied from the cache instead of rendered."""


# ---------------------------------------------------------------- entry point


def render_handbooks(root: Path, site_root: Path, only: str | None = None,
                     progress: Progress | None = None,
                     cache_dir: Path | None = None) -> list[HandbookResult]:
    """Render the PDF handbooks of `data/handbooks.yml` from the built sites.

    Args:
        root: Project root (holds `data/` and the MkDocs configurations).
        site_root: Folder holding the built sites, `public/` and `internal/` (e.g. `site`).
        only: Render only the handbook with this id.
        progress: Called as `progress(handbook_id, step, total_steps, message)` after each step
            of `STEPS` (collect, transform, layout, write).
        cache_dir: Where rendered PDFs are kept between runs; default `root/.cache/pdf`.

    Returns:
        One result per handbook, in the order of `data/handbooks.yml`.

    Raises:
        BusdocsError: For an unknown handbook id, a site that is not built, a pattern that
            matches no page, or WeasyPrint's system libraries missing.
    """
    root = Path(root).resolve()
    site_root = Path(site_root).resolve()
    cache = Path(cache_dir).resolve() if cache_dir is not None else root / ".cache" / "pdf"
    data = load_data(root)
    handbooks = list(data.handbooks.handbooks)
    if only is not None:
        chosen = [h for h in handbooks if h.id == only]
        if not chosen:
            known = ", ".join(h.id for h in handbooks)
            raise BusdocsError(f"no handbook {only!r} in data/handbooks.yml; known handbooks: {known}")
        handbooks = chosen
    results = _render_all(root, site_root, cache, progress, handbooks)
    guard_public_site(site_root / "public", data, cache=cache / "leakguard-public.json")
    return results


def _render_all(root: Path, site_root: Path, cache: Path, progress: Progress | None,
                handbooks: list[Handbook]) -> list[HandbookResult]:
    """Every handbook, one process per core: WeasyPrint lays out on one core, so two handbooks at
    once take about the time of the longer one. Processes are started fresh (`spawn`: nothing of
    this process, its threads or its locks, is copied into them); progress comes back through a
    queue, and an error in a process is raised here as it would be in one process."""
    here = _Renderer(root, site_root, cache, progress)
    done = {h.id: here.handbook(h, from_cache_only=True) for h in handbooks}  # unchanged ones: a copy
    missing = [h for h in handbooks if done[h.id] is None]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    workers = min(cores, len(missing))
    if workers < 2:
        done.update({h.id: here.handbook(h) for h in missing})
        return [done[h.id] for h in handbooks]  # type: ignore[misc]
    import multiprocessing
    import queue as queues
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    context = multiprocessing.get_context("spawn")
    events = context.Queue()

    def drain() -> None:
        while True:
            try:
                event = events.get_nowait()
            except queues.Empty:
                return
            if progress is not None:
                progress(*event)

    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(root, site_root, cache, events)) as pool:
        futures = {h.id: pool.submit(_render_in_worker, h) for h in missing}
        pending = set(futures.values())
        while pending:
            _, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            drain()
        done.update({hid: future.result() for hid, future in futures.items()})  # the first error, raised here
    drain()
    return [done[h.id] for h in handbooks]  # type: ignore[misc]


_WORKER: _Renderer | None = None


def _start_worker(root: Path, site_root: Path, cache: Path, events: Any) -> None:
    global _WORKER
    _WORKER = _Renderer(root, site_root, cache, lambda *event: events.put(event))


def _render_in_worker(handbook: Handbook) -> HandbookResult | None:
    assert _WORKER is not None
    return _WORKER.handbook(handbook)


def guard_public_site(public_dir: Path, data: Any, cache: Path | None = None) -> None:
    """The leak guard again, once the PDFs are in the public site: a PDF that holds an internal
    value is deleted, and the run fails naming it (and any other leak). `cache` keeps what was
    found in each file by its bytes and the needles, so an unchanged PDF is not read back again
    (every file is still checked)."""
    from busdocs.mkdocs.leakguard import scan_output
    from busdocs.data.visibility import internal_values

    from busdocs import buildrecord

    if not public_dir.is_dir():
        return
    needles = internal_values(data)
    served_at = (buildrecord.read_marker(public_dir) or {}).get("preview_url")
    if served_at:  # a preview build names its own (staging) address in its sitemap and canonical links
        needles = {value: where for value, where in needles.items() if value not in served_at}
    leaks = scan_output(public_dir, needles, cache=cache)
    if not leaks:
        return
    deleted = []
    for leak in leaks:
        name = leak.file.split("!", 1)[0]
        if name.endswith(".pdf") and (public_dir / name).is_file():
            (public_dir / name).unlink()
            deleted.append(name)
    listing = "\n".join(f"  {leak}" for leak in leaks[:50])
    gone = f"\ndeleted: {', '.join(sorted(set(deleted)))}" if deleted else ""
    raise BusdocsError(f"leak guard: the public site in {public_dir} contains internal content:\n{listing}{gone}")


def handbook_file(site_root: Path, handbook: Handbook) -> Path:
    """Where a handbook's PDF goes: the `downloads/` of its site, which links it there
    (`site/public/downloads/student-guide.pdf`, `site/internal/downloads/oncall-handbook.pdf`)."""
    return Path(site_root) / handbook.site / "downloads" / f"{handbook.id}.pdf"


# ---------------------------------------------------------------- rendering


class _Renderer:
    """Renders handbooks one after the other, sharing WeasyPrint's stylesheet and fonts."""

    def __init__(self, root: Path, site_root: Path, cache: Path, progress: Progress | None) -> None:
        self.root = root
        self.site_root = site_root
        self.cache = cache
        self.progress = progress
        self._records: dict[str, dict[str, Any]] = {}
        self._urls: dict[str, str] = {}
        self._fingerprint: bytes | None = None
        self._weasy: Any = None
        self._css: Any = None
        self._font_config: Any = None

    # -------------------------------------------------------- one handbook

    def handbook(self, handbook: Handbook, *, from_cache_only: bool = False) -> HandbookResult | None:
        """Render `handbook` (or copy it from the cache when nothing it is made of changed); with
        `from_cache_only`, None instead of rendering."""
        started = time.perf_counter()
        site_dir = self.site_dir(handbook)
        target = handbook_file(self.site_root, handbook)
        if handbook.site == "internal":
            # never next to the public site's files, not even left over from an older run
            (self.site_root / "public" / "downloads" / f"{handbook.id}.pdf").unlink(missing_ok=True)
        chapters = self.collect(handbook, site_dir)
        key = self.cache_key(handbook, chapters)

        cached_pdf = self.cache / f"{handbook.id}.pdf"
        cached_key = self.cache / f"{handbook.id}.sha256"
        stored = _read(cached_key)
        if cached_pdf.is_file() and stored is not None and stored[0] == key:
            self._report(handbook.id, 1, f"collect: {len(chapters)} pages of the {handbook.site} site")
            _copy_atomic(cached_pdf, target)
            pages = stored[1]
            self._report(handbook.id, len(STEPS), f"write: unchanged, {pages} pages copied from the cache")
            return HandbookResult(handbook.id, target, pages, time.perf_counter() - started, True)
        if from_cache_only:
            return None
        self._report(handbook.id, 1, f"collect: {len(chapters)} pages of the {handbook.site} site")

        document, sections = build_document(handbook, chapters, self.base_url(_edition(handbook)), site_dir)
        self._report(handbook.id, 2, f"transform: {len(chapters)} chapters, {sections} sections")

        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        try:
            with _gc_paused():
                rendered = self._layout(document, site_dir, handbook.language)
                pages = len(rendered.pages)
                self._report(handbook.id, 3, f"layout: {pages} pages")
                rendered.write_pdf(partial, pdf_tags=True, optimize_images=False)
                del rendered
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        gc.collect()
        self._store(target, cached_pdf, cached_key, key, pages)
        self._report(handbook.id, 4, f"write: {_display(target, self.site_root.parent)}")
        return HandbookResult(handbook.id, target, pages, time.perf_counter() - started, False)

    def _report(self, handbook_id: str, step: int, message: str) -> None:
        if self.progress is not None:
            self.progress(handbook_id, step, len(STEPS), message)

    # -------------------------------------------------------- collect

    def site_dir(self, handbook: Handbook) -> Path:
        """The built site a handbook's pages come from: `public/`, or its edition `public/ur/`."""
        site_dir = self.site_root / handbook.site
        return site_dir / handbook.language if handbook.language != "en" else site_dir

    def record(self, site: str) -> dict[str, Any]:
        if site not in self._records:
            site_dir = self.site_root / site
            record = read_marker(site_dir)
            if record is None or record.get("state") != "complete":
                state = "no build record" if record is None else f"its build is {record.get('state')!r}"
                raise BusdocsError(f"the {site} site in {site_dir} is not built ({state}, "
                                   f"{MARKER}): build the sites first: make site")
            if not isinstance(record.get("pages"), list):
                raise BusdocsError(f"the build record of the {site} site in {site_dir} lists no pages "
                                   "(built by an older busdocs): build the sites first: make site")
            self._records[site] = record
        return self._records[site]

    def base_url(self, site: str) -> str:
        if site not in self._urls:
            self._urls[site] = sites.base_url(self.root, site)
        return self._urls[site]

    def collect(self, handbook: Handbook, site_dir: Path) -> list[Chapter]:
        record = self.record(self.site_dir(handbook).relative_to(self.site_root).as_posix())
        pages = select_pages(handbook.id, handbook.pages, record["pages"])
        chapters = []
        for number, page in enumerate(pages, start=1):
            path = page_file(site_dir, str(page.get("url", "")))
            try:
                text = path.read_text(encoding="utf-8")
            except OSError:
                raise BusdocsError(f"handbook {handbook.id!r}: {page['src']} should be built as "
                                   f"{path}, which is missing: build the sites first: make site") from None
            article = extract_article(text)
            if article is None:
                raise BusdocsError(f"handbook {handbook.id!r}: {path} has no "
                                   '<article class="md-content__inner"> (not a Material page?)')
            chapter = Chapter(number, page["src"], str(page.get("url", "")), str(page.get("title", "")),
                               article)
            base = self.base_url(_edition(handbook))
            for src in IMG_SRC.findall(article):
                image = local_image(htmlmod.unescape(src), base + chapter.url, base, site_dir)
                if image is not None:
                    chapter.images.append(image)
            chapters.append(chapter)
        return chapters

    # -------------------------------------------------------- cache

    def fingerprint(self) -> bytes:
        """What every handbook depends on: busdocs, WeasyPrint, this module, the stylesheet, the fonts."""
        if self._fingerprint is None:
            digest = hashlib.sha256()
            _add(digest, "busdocs", __version__.encode())
            try:
                weasy_version = importlib.metadata.version("weasyprint")
            except importlib.metadata.PackageNotFoundError:
                weasy_version = "?"
            _add(digest, "weasyprint", weasy_version.encode())
            for module in sorted(PACKAGE_DIR.glob("*.py")):
                _add(digest, module.name, module.read_bytes())
            _add(digest, "pdf.css", STYLESHEET.read_bytes())
            for language, sheet in sorted(LANGUAGE_STYLESHEETS.items()):
                _add(digest, f"{language}.css", sheet.read_bytes())
            for font in sorted(FONTS_DIR.iterdir()):
                if font.is_file():
                    _add(digest, f"font:{font.name}", font.read_bytes())
            self._fingerprint = digest.digest()
        return self._fingerprint

    def cache_key(self, handbook: Handbook, chapters: Iterable[Chapter]) -> str:
        digest = hashlib.sha256()
        _add(digest, "common", self.fingerprint())
        _add(digest, "handbook", handbook.model_dump_json().encode())
        _add(digest, "site_url", self.base_url(_edition(handbook)).encode())
        if handbook.language == "ur":
            from busdocs.i18n import fonts

            _add(digest, "font:nastaliq", fonts.find_font("NotoNastaliqUrdu-Regular.ttf").read_bytes())
        for chapter in chapters:
            _add(digest, "page", f"{chapter.src}\n{chapter.url}\n{chapter.title}".encode())
            _add(digest, "article", chapter.article.encode())
            for image in chapter.images:
                try:
                    data = image.read_bytes()
                except OSError:
                    data = b"(missing)"
                _add(digest, f"image:{image}", data)
        return digest.hexdigest()

    def _store(self, pdf: Path, cached_pdf: Path, cached_key: Path, key: str, pages: int) -> None:
        """Keep the PDF and its key: `<id>.sha256` holds the key, then the page count."""
        self.cache.mkdir(parents=True, exist_ok=True)
        cached_key.unlink(missing_ok=True)  # never a key beside a PDF it does not describe
        _copy_atomic(pdf, cached_pdf)
        partial = cached_key.with_name(cached_key.name + ".partial")
        partial.write_text(f"{key}\npages {pages}\n", encoding="utf-8")
        os.replace(partial, cached_key)

    # -------------------------------------------------------- layout

    def weasyprint(self) -> Any:
        if self._weasy is None:
            self._weasy = import_weasyprint()
        return self._weasy

    def _layout(self, document: str, site_dir: Path, language: str = "en") -> Any:
        weasy = self.weasyprint()
        if self._css is None:
            from weasyprint.text.fonts import FontConfiguration

            self._font_config = FontConfiguration()
            # url(fonts/…) is relative to the stylesheet; the fetcher reads nothing but the fonts
            self._css = weasy.CSS(string=STYLESHEET.read_text(encoding="utf-8"),
                                  base_url=STYLESHEET.as_uri(),
                                  url_fetcher=restricted_fetcher(weasy, [FONTS_DIR]),
                                  font_config=self._font_config)
        sheets = [self._css]
        if language in LANGUAGE_STYLESHEETS:
            from busdocs.i18n import fonts

            font = fonts.find_font("NotoNastaliqUrdu-Regular.ttf")
            text = LANGUAGE_STYLESHEETS[language].read_text(encoding="utf-8").replace("NASTALIQ_URL", font.as_uri())
            sheets.append(weasy.CSS(string=text, base_url=STYLESHEET.as_uri(),
                                    url_fetcher=restricted_fetcher(weasy, [FONTS_DIR, font.parent]),
                                    font_config=self._font_config))
        html = weasy.HTML(string=document, base_url=site_dir.as_uri() + "/",
                          url_fetcher=restricted_fetcher(weasy, [self.site_root]))
        return html.render(stylesheets=sheets, font_config=self._font_config, pdf_tags=True,
                           optimize_images=False)


def _edition(handbook: Handbook) -> str:
    """The site whose address a handbook's pages have: `public`, `internal`, or an edition (`ur`)."""
    return handbook.language if handbook.language != "en" else handbook.site


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while WeasyPrint builds and paints its box tree:
    the tree is hundreds of thousands of long-lived objects that every collection walks again
    (measured: a quarter of the rendering time). Collected once the handbook is written."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_weasyprint() -> Any:
    """`import weasyprint`, or a BusdocsError that says how to install its system libraries."""
    try:
        import weasyprint
    except OSError as exc:
        raise BusdocsError(MISSING_LIBRARIES.format(error=str(exc).strip() or type(exc).__name__)) from None
    return weasyprint


def restricted_fetcher(weasy: Any, allowed: Iterable[Path]) -> Any:
    """A WeasyPrint URL fetcher for `data:` URLs and `file:` URLs inside the `allowed` folders only;
    anything else (the network, other files) is refused and WeasyPrint leaves it out."""
    folders = tuple(Path(p).resolve() for p in allowed)

    class RestrictedFetcher(weasy.URLFetcher):  # type: ignore[misc, name-defined]
        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if any(path.is_relative_to(folder) for folder in folders):
                    return super().fetch(url, headers)
                raise ValueError(f"busdocs refuses {url}: only files under {', '.join(map(str, folders))}")
            raise ValueError(f"busdocs refuses {url}: handbooks fetch nothing from the network")

    return RestrictedFetcher(allowed_protocols=("file", "data"), timeout=5)


# ---------------------------------------------------------------- files


def _add(digest: Any, label: str, data: bytes) -> None:
    digest.update(label.encode() + b"\0" + len(data).to_bytes(8, "big") + data)


def _read(path: Path) -> tuple[str, int] | None:
    """The key and page count kept in a cache's `<id>.sha256`, or None."""
    try:
        lines = path.read_text(encoding="utf-8").split()
        if len(lines) == 3 and lines[1] == "pages":
            return lines[0], int(lines[2])
    except (OSError, ValueError):
        pass
    return None


def _copy_atomic(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _display(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)
