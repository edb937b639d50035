"""Deploy planning: scan the built site, compare with the bucket, decide what to do. Pure.

scan → diff → summary → apply (in `busdocs.deploy.aws`). Every upload has a reason (new, content,
headers); deletes come last and only after every upload succeeded; fingerprinted assets of earlier
releases are kept for a grace period; invalidations cover only changed stable URLs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Literal

from busdocs import globs
from busdocs.data.models.deploy import Deploy, HeaderRule, Target

STATE_PREFIX = ".busdocs/"
"""Keys under this prefix hold deploy state (manifests); never part of the site."""
FINGERPRINT = re.compile(r"\.[0-9a-f]{8,}\.min\.(js|css)(\.map)?$")
DATA_FILES = ("search/search_index.json", "sitemap.xml", "sitemap.xml.gz", "releases/feed.xml")
ROOT_PAGES = ("index.html", "404.html")
REASONS = {"new": "new", "content": "content changed", "headers": "headers changed"}


@dataclass(frozen=True, slots=True)
class LocalFile:
    key: str
    sha256: str
    md5: str
    size: int
    cache_control: str
    content_type: str
    path: Path


@dataclass(frozen=True, slots=True)
class RemoteObject:
    """What the bucket knows of an object: from the listing, and from our manifest when present."""

    key: str
    size: int
    etag: str
    sha256: str | None = None
    cache_control: str | None = None
    content_type: str | None = None
    first_seen: datetime | None = None
    """When this key was first uploaded (from the manifest): the grace period counts from its removal."""
    removed_at: datetime | None = None
    """When the site stopped containing it (kept during the asset grace period)."""


@dataclass(frozen=True, slots=True)
class Upload:
    key: str
    reason: Literal["new", "content", "headers"]
    file: LocalFile


@dataclass(frozen=True, slots=True)
class Delete:
    key: str


@dataclass(slots=True)
class Plan:
    uploads: list[Upload] = field(default_factory=list)
    deletes: list[Delete] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Fingerprinted assets gone from the site but kept during the grace period."""
    unchanged: list[str] = field(default_factory=list)
    invalidations: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        reasons = {"new": 0, "content": 0, "headers": 0}
        for up in self.uploads:
            reasons[up.reason] += 1
        return {**reasons, "deletes": len(self.deletes), "kept": len(self.kept), "unchanged": len(self.unchanged),
                "invalidations": len(self.invalidations)}


# ------------------------------------------------------------------ local scan


def is_fingerprinted(key: str) -> bool:
    return bool(FINGERPRINT.search(key))


def headers_for(key: str, rules: list[HeaderRule], content_types: Mapping[str, str]) -> tuple[str, str]:
    """(Cache-Control, Content-Type) of a key: the first matching rule, the type by extension."""
    cache = "public, max-age=300"
    for rule in rules:
        if globs.matches(rule.glob, key) and (not rule.fingerprinted or is_fingerprinted(key)):
            cache = rule.cache_control
            break
    suffix = PurePosixPath(key).suffix.lower()
    return cache, content_types.get(suffix, "application/octet-stream")


def scan_site(site_dir: Path, config: Deploy) -> dict[str, LocalFile]:
    """Every file of the built site with its hashes and headers (dotfiles left out)."""
    files = {}
    for path in sorted(site_dir.rglob("*")):
        rel = path.relative_to(site_dir).as_posix()
        if not path.is_file() or any(part.startswith(".") for part in rel.split("/")):
            continue
        data = path.read_bytes()
        cache, ctype = headers_for(rel, config.headers, config.content_types)
        files[rel] = LocalFile(rel, hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest(), len(data),
                               cache, ctype, path)
    return files


# ------------------------------------------------------------------ plan


def plan_sync(local: Mapping[str, LocalFile], remote: Mapping[str, RemoteObject], config: Deploy,
              now: datetime) -> Plan:
    """What to upload (with a reason), keep, delete and invalidate. No I/O."""
    plan = Plan()
    for key, file in sorted(local.items()):
        obj = remote.get(key)
        if obj is None:
            plan.uploads.append(Upload(key, "new", file))
        elif not _same_content(file, obj):
            plan.uploads.append(Upload(key, "content", file))
        elif obj.cache_control != file.cache_control or obj.content_type != file.content_type:
            plan.uploads.append(Upload(key, "headers", file))
        else:
            plan.unchanged.append(key)
    grace = timedelta(days=config.limits.asset_grace_days)
    for key, obj in sorted(remote.items()):
        if key in local or key.startswith(STATE_PREFIX):
            continue
        if is_fingerprinted(key) and (obj.removed_at is None or now - obj.removed_at < grace):
            plan.kept.append(key)
        else:
            plan.deletes.append(Delete(key))
    changed = [u.key for u in plan.uploads if u.reason != "new"] + [d.key for d in plan.deletes]
    plan.invalidations = collapse(urls_for_keys(changed), config.limits.invalidation_budget)
    plan.uploads.sort(key=lambda u: upload_stage(u.key))
    return plan


def _same_content(file: LocalFile, obj: RemoteObject) -> bool:
    if obj.sha256 is not None:
        return obj.sha256 == file.sha256
    return obj.etag.strip('"') == file.md5 and obj.size == file.size


def upload_stage(key: str) -> tuple[int, str]:
    """Order of uploads: assets, then data files, then pages, root pages last."""
    if key in ROOT_PAGES:
        return (3, key)
    if key.endswith(".html"):
        return (2, key)
    if key in DATA_FILES:
        return (1, key)
    return (0, key)


def stable_urls(key: str) -> list[str]:
    """The URLs viewers use for a key: a page answers at `/dir/` and `/dir/index.html`."""
    if key == "index.html":
        return ["/", "/index.html"]
    if key.endswith("/index.html"):
        folder = key[: -len("index.html")]
        return [f"/{folder}", f"/{key}"]
    return [f"/{key}"]


def urls_for_keys(changed_keys: list[str]) -> list[str]:
    """The stable URLs of changed keys; fingerprinted assets never (a new name is a new URL)."""
    return sorted({url for key in changed_keys if not is_fingerprinted(key) for url in stable_urls(key)})


def collapse(urls: list[str], budget: int) -> list[str]:
    """CloudFront paths covering `urls`, collapsed to wildcards to fit `budget`.

    When the exact paths exceed the budget, the deepest folders collapse first into
    `/folder/*`; as a last resort `/*`.
    """
    paths = sorted(_drop_covered(set(urls)))
    while len(paths) > budget:
        deepest = max((p.rstrip("*").rstrip("/").count("/") for p in paths), default=0)
        if deepest <= 1:
            return ["/*"]
        collapsed = set()
        for p in paths:
            bare = p.rstrip("*").rstrip("/")
            if bare.count("/") == deepest:
                collapsed.add(bare.rsplit("/", 1)[0] + "/*")
            else:
                collapsed.add(p)
        paths = sorted(_drop_covered(collapsed))
    return paths


def _drop_covered(paths: set[str]) -> set[str]:
    wild = {p[:-1] for p in paths if p.endswith("/*")}
    return {p for p in paths if not any(p != w + "*" and p.startswith(w) for w in wild)}


def check_delete_limits(plan: Plan, remote_count: int, config: Deploy) -> str | None:
    """Why the deletes of `plan` are refused, or None when they are within the limits."""
    count = len(plan.deletes)
    if count > config.limits.max_deletes:
        return f"{count} deletes exceed the limit of {config.limits.max_deletes} (data/deploy.yml limits.max_deletes)"
    if remote_count and count / remote_count > config.limits.max_delete_share:
        return (f"{count} of {remote_count} objects ({count / remote_count:.0%}) would be deleted, more than "
                f"{config.limits.max_delete_share:.0%} (limits.max_delete_share)")
    return None


def check_destination(target: Target, config: Deploy, audience: str) -> str | None:
    """Why `target`'s bucket or distribution may not take a build of `audience`, or None.

    The bucket and distribution actually used (after `--bucket` / `--distribution-id`) must not belong
    to any target of another audience in `data/deploy.yml`; one that belongs to no target at all (a test
    bucket, an S3-compatible store) is allowed.
    """
    for other in config.targets:
        if other.site == audience:
            continue
        for what, used, theirs in (("bucket", target.bucket, other.bucket),
                                   ("distribution", target.distribution_id, other.distribution_id)):
            if used == theirs:
                return (f"{what} {used!r} belongs to target {other.name!r}, which takes {other.site} builds only, "
                        f"and target {target.name!r} deploys {audience} builds; --bucket and --distribution-id "
                        "are for tests and S3-compatible stores")
    return None


def summary_lines(plan: Plan, limit: int = 40) -> list[str]:
    """The plan in words, one line per action (the first `limit` of each kind)."""
    counts = plan.counts()
    lines = [f"plan: {counts['new']} new, {counts['content']} changed, {counts['headers']} headers only, "
             f"{counts['unchanged']} unchanged, {counts['deletes']} to delete, {counts['kept']} kept (grace), "
             f"{counts['invalidations']} invalidation paths"]
    for up in plan.uploads[:limit]:
        lines.append(f"  upload  {up.key}  ({REASONS[up.reason]})")
    if len(plan.uploads) > limit:
        lines.append(f"  … and {len(plan.uploads) - limit} more uploads")
    for d in plan.deletes[:limit]:
        lines.append(f"  delete  {d.key}")
    if len(plan.deletes) > limit:
        lines.append(f"  … and {len(plan.deletes) - limit} more deletes")
    for p in plan.invalidations:
        lines.append(f"  invalidate  {p}")
    return lines
