"""`busdocs postmortem new INCIDENT-ID`: start a post-incident review from the template.

The template is a page of the ops site (`runbooks/postmortems/template.md`), so what people fill
in is what they can read; the command copies it to `runbooks/postmortems/<date>-<id>.md` with the
incident id, the date and the title filled in, and never overwrites a review.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from busdocs.errors import BusdocsError

FOLDER = Path("runbooks") / "postmortems"
TEMPLATE = FOLDER / "template.md"
INCIDENT_ID = re.compile(r"^INC-(\d{4})-(\d{3,4})$")
"""`INC-2026-014`: the year the incident was declared and its number that year."""


class PostmortemError(BusdocsError):
    """A bad incident id, a missing template, or a review that already exists."""


def check_id(incident: str, today: date) -> str:
    """The incident id in its one spelling (upper case), or a clear error."""
    normal = incident.strip().upper()
    match = INCIDENT_ID.match(normal)
    if not match:
        raise PostmortemError(f"{incident!r} is not an incident id: write INC-<year>-<number>, e.g. "
                              f"INC-{today.year}-014 (the id given when the incident was declared)")
    year = int(match.group(1))
    if not 2020 <= year <= today.year:
        raise PostmortemError(f"{normal}: the year {year} is not between 2020 and {today.year}")
    return normal


def filename(incident: str, day: date) -> str:
    """`2026-12-02-inc-2026-014.md`: sorted by date in the folder, one per incident."""
    return f"{day.isoformat()}-{incident.lower()}.md"


def new_postmortem(root: Path, incident: str, today: date) -> Path:
    """Copy the template for `incident`; returns the new file's path relative to `root`.

    Raises:
        PostmortemError: for a bad id, a missing template, or an existing review of the incident
            (under any date), which is never overwritten.
    """
    incident = check_id(incident, today)
    template = root / TEMPLATE
    if not template.is_file():
        raise PostmortemError(f"{TEMPLATE}: the postmortem template is missing")
    folder = root / FOLDER
    existing = sorted(folder.glob(f"*-{incident.lower()}.md"))
    if existing:
        raise PostmortemError(f"{existing[0].relative_to(root)} already holds the review of {incident}: "
                              "edit it (a review is never overwritten)")
    text = template.read_text(encoding="utf-8")
    replacements = [
        (r'^title: .*$', f'title: "Postmortem {incident}: [what users could not do]"'),
        (r"^description: .*$", f"description: Post-incident review of {incident}."),
        (r"^incident: .*$", f"incident: {incident}"),
        (r"^review_started: .*$", f"review_started: {today.isoformat()}"),
        (r"^# Postmortem template$", f"# Postmortem {incident}"),
    ]
    for pattern, value in replacements:
        text, count = re.subn(pattern, lambda _m, v=value: v, text, count=1, flags=re.M)
        if count != 1:
            raise PostmortemError(f"{TEMPLATE}: no line matching {pattern!r} to fill in")
    target = folder / filename(incident, today)
    with open(target, "x", encoding="utf-8") as out:  # "x": never replace a file that appeared meanwhile
        out.write(text)
    return target.relative_to(root)
