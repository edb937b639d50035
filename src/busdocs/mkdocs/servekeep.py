"""Under `mkdocs serve`, a rebuild overwrites the last site instead of deleting and recreating it.

Every serve rebuild is a full build: MkDocs first empties the site folder (`clean_directory`),
then writes every file again. Deleting some 1,200 files and folders and creating them anew costs
0.2 s on a quiet disk and over half a second on a busy one, more than the pages themselves cost
when the render cache serves them. Writing over files that are already there costs a tenth.

So, under serve only (the busdocs plugin, `on_pre_build` → `on_files` → `on_post_build`):

1. `hold`: before MkDocs cleans, every top-level folder of the site moves into a hidden folder of
   the site (one rename each). MkDocs' clean leaves hidden entries alone (pinned by
   `tests/test_seams.py`); should it ever remove them, the site is simply built from empty, as now.
   Top-level files (a handful) are left to the clean.
2. `restore`: right after the clean (the first event after it, before anything is written), the
   folders move back, and the identity (inode and change time) of every file in them is noted.
3. `drop_stale`: after the build, every file whose identity did not change was not written by this
   build: it is removed, as the clean would have removed it, and so are the folders left empty.
   What is served is exactly what the build wrote (`tests/test_servekeep.py` compares a serve
   rebuild after edits, additions and deletions with a fresh build of the same sources).

A file's change time cannot be set back by a program (unlike its modification time, which
`shutil.copy2` copies), so a file written by this build never keeps the identity it had.
A build that fails drops what it did not write too (`discard` when it failed before `restore`).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

HOLD = ".busdocs-serve-kept"
"""The hidden folder of the site where the last build's folders wait while MkDocs cleans."""


@dataclass
class Held:
    site_dir: Path
    names: list[str] = field(default_factory=list)
    """The top-level folders moved into the hold."""
    before: dict[str, tuple[int, int]] | None = None
    """After `restore`: every file of the restored folders, by path, with its (inode, change time)."""


def hold(site_dir: Path) -> Held | None:
    """Move the site's top-level folders into the hold; None when there is nothing to keep."""
    try:
        entries = [e for e in os.scandir(site_dir) if not e.name.startswith(".") and e.is_dir(follow_symlinks=False)]
    except OSError:
        return None
    place = site_dir / HOLD
    shutil.rmtree(place, ignore_errors=True)  # a hold left by a build that was killed
    if not entries:
        return None
    try:
        place.mkdir()
    except OSError:
        return None
    held = Held(site_dir)
    for entry in entries:
        try:
            os.rename(entry.path, place / entry.name)
        except OSError:
            continue  # this one is cleaned and written again, as without the hold
        held.names.append(entry.name)
    return held


def restore(held: Held) -> None:
    """Move the held folders back (MkDocs has cleaned) and note the identity of every file in them."""
    place = held.site_dir / HOLD
    before: dict[str, tuple[int, int]] = {}
    for name in held.names:
        target = held.site_dir / name
        if target.exists():  # something wrote there before the restore: keep what it wrote
            continue
        try:
            os.rename(place / name, target)
        except OSError:
            continue
        _note(target, before)
    shutil.rmtree(place, ignore_errors=True)
    held.before = before


def _note(folder: Path, into: dict[str, tuple[int, int]]) -> None:
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            path = os.path.join(dirpath, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            into[path] = (st.st_ino, st.st_ctime_ns)


def drop_stale(held: Held) -> int:
    """Remove every restored file this build did not write, and the folders that leaves empty
    (a folder the build left empty itself stays); returns how many files went. Before `restore`
    (a build that failed early), the hold and what it holds go."""
    if held.before is None:
        discard(held)
        return 0
    dropped = 0
    emptied: set[str] = set()
    for path, identity in held.before.items():
        try:
            st = os.lstat(path)
        except OSError:
            continue  # removed by the build: nothing to do
        if (st.st_ino, st.st_ctime_ns) == identity:
            try:
                os.unlink(path)
                dropped += 1
                emptied.add(os.path.dirname(path))
            except OSError:
                pass
    for parent in sorted(emptied, key=len, reverse=True):  # deepest first; a folder only goes when empty
        top = str(held.site_dir)
        while parent != top and parent.startswith(top + os.sep):
            try:
                os.rmdir(parent)
            except OSError:
                break
            parent = os.path.dirname(parent)
    held.before = {}
    return dropped


def discard(held: Held) -> None:
    """Remove the hold and what is in it (the build failed before the folders went back)."""
    shutil.rmtree(held.site_dir / HOLD, ignore_errors=True)
