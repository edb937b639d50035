"""A realistic synthetic corpus for `busdocs bench`: sections, admonitions, tables, code, tabs, links, macros."""

from __future__ import annotations

import posixpath
import random
from pathlib import Path

WORDS = ("bus route stop pass student driver campus timetable arrival map ticket payment refund schedule "
         "notification location battery signal shift depot dashboard report semester monthly weekly card "
         "KuickPay receipt QR code help desk transport office morning evening delay detour capacity seat").split()


def _sentence(rng: random.Random, n: int = 14) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng, rng.randint(8, 18)) for _ in range(rng.randint(3, 6)))


SECTION_PAGES = 50
"""Pages per section, as in the help center's larger guides."""
PART_SECTIONS = 10
"""Sections per part once there are more than this: a big site groups its sections, so no page's
navigation lists dozens of siblings (with `navigation.prune` a page carries its own branch only)."""


def page_text(rng: random.Random, name: str, link: str) -> str:
    """One page of about 600 words, with the constructs real pages use."""
    title = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {name}"
    parts = [f"---\ntitle: {title}\ndescription: {_sentence(rng, 10)}\n---\n", f"# {title}\n",
             _paragraph(rng), f"Product: {{{{ site.product }}}}. See also [a related page]({link}).\n"]
    for h in range(3):
        parts.append(f"## {rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {h}\n")
        parts.append(_paragraph(rng))
        if h == 0:
            parts.append(f'!!! tip "{rng.choice(WORDS).capitalize()}"\n\n    {_sentence(rng)}\n')
            parts.append("1. " + _sentence(rng) + "\n2. " + _sentence(rng) + "\n3. " + _sentence(rng) + "\n")
        if h == 1:
            rows = "\n".join(f"| {rng.choice(WORDS)} | {rng.randint(1, 500)} | {_sentence(rng, 6)} |" for _ in range(6))
            parts.append(f"| Item | Value | Note |\n|---|---|---|\n{rows}\n")
            parts.append(f'=== "Android"\n\n    {_sentence(rng)}\n\n=== "iOS"\n\n    {_sentence(rng)}\n')
        if h == 2:
            parts.append("```bash\ncurl -s https://api.example.invalid/health\naws s3 ls s3://bucket/prefix/\n```\n")
            parts.append(f"??? note \"Details\"\n\n    {_paragraph(rng)}\n")
    return "\n".join(parts) + "\n"


def layout(pages: int) -> list[str]:
    """Where the corpus's pages go: `section-NN/page-NNN.md`, under `part-N/` past ten sections."""
    sections = max(1, pages // SECTION_PAGES)
    per_section = -(-pages // sections)
    grouped = sections > PART_SECTIONS
    paths = []
    for n in range(pages):
        s, i = divmod(n, per_section)
        folder = f"part-{s // PART_SECTIONS}/section-{s:02d}" if grouped else f"section-{s:02d}"
        paths.append(f"{folder}/page-{i:03d}.md")
    return paths


def generate(folder: Path, pages: int, seed: int = 8) -> list[str]:
    """Write `pages` pages into `folder`, with an index and a `.nav.yml` per folder; return their paths."""
    rng = random.Random(seed)
    paths = layout(pages)
    for n, rel in enumerate(paths):
        target = paths[rng.randrange(len(paths))]
        link = posixpath.relpath(target, posixpath.dirname(rel))
        name = "-".join(part.rsplit("-", 1)[1] for part in rel.removesuffix(".md").split("/")[-2:])
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page_text(rng, name, link), encoding="utf-8")
    folders = sorted({posixpath.dirname(rel) for rel in paths})
    parts = sorted({f.split("/")[0] for f in folders if f.startswith("part-")})
    for sub in folders:
        number = sub.rsplit("-", 1)[1]
        (folder / sub / "index.md").write_text(f"# Section {number}\n\nPages of section {number}.\n", encoding="utf-8")
        (folder / sub / ".nav.yml").write_text('- index.md\n- "*"\n', encoding="utf-8")
    for part in parts:
        number = part.rsplit("-", 1)[1]
        sections = sorted(f.split("/")[1] for f in folders if f.startswith(part + "/"))
        (folder / part / "index.md").write_text(f"# Part {number}\n\nSections of part {number}.\n", encoding="utf-8")
        (folder / part / ".nav.yml").write_text("- index.md\n" + "".join(f"- {s}/\n" for s in sections),
                                                encoding="utf-8")
    return paths
