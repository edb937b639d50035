"""A realistic synthetic corpus for `busdocs bench`: sections, admonitions, tables, code, tabs, links, macros."""

from __future__ import annotations

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


def page_text(rng: random.Random, section: int, index: int, sections: int, per_section: int) -> str:
    """One page of about 600 words, with the constructs real pages use."""
    title = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {section}-{index}"
    other_s, other_i = rng.randrange(sections), rng.randrange(per_section)
    link = f"../section-{other_s:02d}/page-{other_i:03d}.md"
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


def generate(folder: Path, pages: int, seed: int = 8) -> list[str]:
    """Write `pages` pages into `folder` (section-NN/page-NNN.md) and return their paths."""
    rng = random.Random(seed)
    sections = max(1, pages // 50)
    per_section = -(-pages // sections)
    written = []
    for n in range(pages):
        s, i = divmod(n, per_section)
        path = folder / f"section-{s:02d}" / f"page-{i:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page_text(rng, s, i, sections, per_section).replace(
            f"section-{sections - 1:02d}/page-{per_section - 1:03d}", "section-00/page-000"), encoding="utf-8")
        written.append(path.relative_to(folder).as_posix())
    # Links must point at pages that exist: rewrite any link past the last page.
    existing = set(written)
    for rel in written:
        path = folder / rel
        text = path.read_text(encoding="utf-8")
        target = text.split("](../", 1)[1].split(")", 1)[0] if "](../" in text else None
        if target and target not in existing:
            path.write_text(text.replace(f"../{target}", "../section-00/page-000.md"), encoding="utf-8")
    for s in range(sections):
        index = folder / f"section-{s:02d}" / "index.md"
        index.write_text(f"# Section {s}\n\nPages of section {s}.\n", encoding="utf-8")
        (folder / f"section-{s:02d}" / ".nav.yml").write_text('- index.md\n- "*"\n', encoding="utf-8")
    return written
