"""The Nastaliq web font of the Urdu edition, subset to the characters its pages use.

Noto Nastaliq Urdu (SIL Open Font License 1.1) comes from Debian's `fonts-noto-core`
(scripts/bootstrap installs it). The full font is about 1 MB; the subset keeps the glyphs of the
characters found in the built pages, with every ligature and contextual form they need (fontTools
follows the GSUB closure), as WOFF (zlib, no brotli needed). Subsets are kept in
`.cache/fonts/` by the set of characters, so an unchanged site does not subset again.
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
from pathlib import Path

from busdocs.errors import BusdocsError

FAMILY = "Noto Nastaliq Urdu"
SOURCES = {
    "regular": ("NotoNastaliqUrdu-Regular.ttf", "NotoNastaliqUrdu-Regular.subset.woff"),
}
"""Weight → (file in the system's font folder, file name in the site's `assets/fonts/`). Regular only:
Nastaliq sets headings and emphasis by size and colour rather than weight, and a bold cut would
double what a reader downloads (about 130 KB each for this site's characters)."""
SEARCH_PATHS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"),
                Path("/usr/local/share/fonts"))
SITE_FOLDER = "assets/fonts"
LICENSE_TEXT = (f"{FAMILY}: Copyright 2014-2020 Google Inc. All Rights Reserved.\n"
                "Licensed under the SIL Open Font License, Version 1.1: https://openfontlicense.org\n"
                "Subset by busdocs from Debian's fonts-noto-core.\n")

_TEXT = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.S | re.I)
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")


def find_font(name: str) -> Path:
    for folder in SEARCH_PATHS:
        if (folder / name).is_file():
            return folder / name
    raise BusdocsError(f"font {name} not found in {', '.join(map(str, SEARCH_PATHS))}: install the Debian "
                       "package fonts-noto-core (scripts/bootstrap does)")


def characters(site_dir: Path, extra: str = "") -> str:
    """Every character of the Arabic script in the text of the built pages (and `extra`), with the
    punctuation, digits and spaces a Nastaliq line also sets in this font."""
    found = set(extra)
    for page in site_dir.rglob("*.html"):
        text = html.unescape(_TEXT.sub(" ", page.read_text(encoding="utf-8")))
        found.update(_ARABIC.findall(text))
    if found:
        found.update(" .,:;!?()-–«»\u200c\u200d\u200e\u200f0123456789")
    return "".join(sorted(found))


def subset(chars: str, out_dir: Path, cache: Path | None) -> list[Path]:
    """Write the subset fonts for `chars` into `out_dir` (the site's `assets/fonts/`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(chars.encode("utf-8")).hexdigest()[:16]
    written = []
    for source_name, site_name in SOURCES.values():
        source = find_font(source_name)
        cached = cache / f"{key}-{site_name}" if cache is not None else None
        target = out_dir / site_name
        if cached is not None and cached.is_file():
            shutil.copyfile(cached, target)
        else:
            _subset_one(source, chars, target)
            if cached is not None:
                try:
                    cached.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(target, cached)
                except OSError:
                    pass
        written.append(target)
    (out_dir / "NotoNastaliqUrdu-LICENSE.txt").write_text(LICENSE_TEXT, encoding="utf-8")
    return written


def _subset_one(source: Path, chars: str, target: Path) -> None:
    from fontTools import subset as ft_subset

    options = ft_subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]  # Nastaliq needs every contextual form and mark position
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    font = ft_subset.load_font(str(source), options)
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    ft_subset.save_font(font, str(target), options)
