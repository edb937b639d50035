"""Previews of a change: a whole site under `previews/pr-<n>/` of a staging target's bucket.

`busdocs build` with `BUSDOCS_PREVIEW=N` (or `make site`, which runs it) makes preview builds: their
base URL is the target's `base_url` + `previews/pr-<n>/`, so links, assets, the search index and
the sitemap all point inside the prefix, and every page carries `noindex` and the banner
"Preview of change #n" (overrides/main.html). `busdocs deploy --target help-staging --preview N`
uploads such a build there with the planner's headers and order; `--remove-preview N` deletes
exactly that prefix. Deploys of the site itself leave `previews/` alone (`PREVIEWS_PREFIX`).

The number and the prefix are checked before any request: a number that is not a positive integer
or a prefix that would leave `previews/` is refused.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from busdocs import buildrecord
from busdocs.data.models.deploy import Deploy, Target
from busdocs.deploy.plan import PREVIEWS_PREFIX, Upload, scan_site, upload_stage
from busdocs.errors import BusdocsError

ENV_VARIABLE = "BUSDOCS_PREVIEW"
"""Set to a change's number, every build is a preview build of that change."""
NUMBER = re.compile(r"^[1-9][0-9]{0,8}$")

Say = Callable[[str], None]


class PreviewRefused(BusdocsError):
    """A preview number, prefix or target that is refused before any request."""


def preview_number(text: str | int) -> int:
    """The change number in `text`: a positive integer (`7`, not `07`, `-1`, `7a` or `../7`).

    Raises:
        PreviewRefused: Anything else.
    """
    value = str(text).strip()
    if not NUMBER.match(value):
        raise PreviewRefused(f"preview number {str(text)!r} is not a positive whole number (the change's number, "
                             "as in previews/pr-7/)")
    return int(value)


def preview_prefix(number: int) -> str:
    """`previews/pr-<n>/`, checked to stay inside `previews/`.

    Raises:
        PreviewRefused: The prefix would leave `previews/` (a number that is not a positive integer).
    """
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise PreviewRefused(f"preview number {number!r} is not a positive whole number")
    prefix = f"{PREVIEWS_PREFIX}pr-{number}/"
    parts = prefix.rstrip("/").split("/")
    if not prefix.startswith(PREVIEWS_PREFIX) or len(parts) != 2 or any(p in ("", ".", "..") for p in parts):
        raise PreviewRefused(f"prefix {prefix!r} escapes {PREVIEWS_PREFIX}")
    return prefix


def preview_target(config: Deploy, audience: str, name: str | None = None) -> Target:
    """The target that takes previews of `audience`'s site (`previews: true`), or the one named.

    Raises:
        PreviewRefused: The named target takes no previews, or no target takes previews of `audience`.
    """
    for target in config.targets:
        if (name is None or target.name == name) and target.site == audience and target.previews:
            return target
    if name is not None:
        raise PreviewRefused(f"target {name!r} takes no previews (only a target with `previews: true` in "
                             "data/deploy.yml does: the staging targets); nothing was sent")
    raise PreviewRefused(f"no target of data/deploy.yml takes previews of the {audience} site (previews: true)")


def preview_url(target: Target, number: int) -> str:
    """Where the preview of change `number` is served: `https://help.staging…/previews/pr-7/`."""
    return target.base_url + preview_prefix(number)


def check_preview_build(site_dir: Path, target: Target, number: int) -> None:
    """Refuse anything but a complete preview build of change `number` for `target`'s audience."""
    record = buildrecord.read_marker(site_dir)
    if record is None or record.get("state") != "complete":
        raise PreviewRefused(f"{site_dir} holds no complete build: run 'BUSDOCS_PREVIEW={number} make site'")
    if record.get("audience") != target.site:
        raise PreviewRefused(f"{site_dir} is a {record.get('audience')} build and target {target.name!r} takes "
                             f"{target.site} builds only")
    if record.get("preview") != number:
        what = f"a preview build of change #{record['preview']}" if record.get("preview") else "not a preview build"
        raise PreviewRefused(f"{site_dir} is {what}; build the preview of change #{number} with "
                             f"'BUSDOCS_PREVIEW={number} make site' (its links point under {preview_prefix(number)})")


# ------------------------------------------------------------------ apply (clients from busdocs.deploy.aws)


def _listing(s3: Any, bucket: str, prefix: str) -> dict[str, dict[str, Any]]:
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if not item["Key"].startswith(prefix):  # a store that ignores Prefix
                continue
            found[item["Key"]] = item
    return found


def deploy_preview(site_dir: Path, target: Target, config: Deploy, s3: Any, cloudfront: Any, number: int, *,
                   say: Say = print) -> dict[str, Any]:
    """Upload the preview build in `site_dir` under `previews/pr-<number>/` of `target`'s bucket.

    New and changed files are uploaded (assets, data files, pages, root pages last), then files of
    an earlier run of this preview that the build no longer has are deleted, then one invalidation
    of `/previews/pr-<n>/*`. Nothing outside the prefix is read, written or deleted.
    """
    from busdocs.deploy.aws import check_access_guard, check_destination, invalidate, upload

    prefix = preview_prefix(number)
    if not target.previews:
        preview_target(config, target.site, target.name)  # raises, naming the target
    check_preview_build(site_dir, target, number)
    check_destination(target, config, target.site)
    check_access_guard(s3, cloudfront, target, say)
    local = scan_site(site_dir, config, target.site)
    remote = _listing(s3, target.bucket, prefix)
    uploads = []
    for key, file in local.items():
        obj = remote.get(prefix + key)
        if obj is None or obj["ETag"].strip('"') != file.md5 or obj["Size"] != file.size:
            uploads.append(Upload(prefix + key, "new" if obj is None else "content",
                                  dataclasses.replace(file, key=prefix + key)))
    uploads.sort(key=lambda u: upload_stage(u.key[len(prefix):]))
    stale = sorted(k for k in remote if k[len(prefix):] not in local)
    say(f"preview of change #{number}: {len(uploads)} to upload, {len(stale)} to delete, "
        f"{len(local) - len(uploads)} unchanged, under s3://{target.bucket}/{prefix}")
    for up in uploads:
        upload(s3, target.bucket, up, None)
    _delete(s3, target.bucket, prefix, stale)
    paths = [f"/{prefix}*"] if uploads or stale else []
    if paths:
        invalidate(cloudfront, target.distribution_id, paths, f"preview-{number}-{len(uploads)}-{len(stale)}")
    url = preview_url(target, number)
    say(f"preview: {url}")
    return {"url": url, "prefix": prefix, "uploaded": [u.key for u in uploads], "deleted": stale,
            "unchanged": len(local) - len(uploads), "invalidated_paths": paths}


def remove_preview(target: Target, config: Deploy, s3: Any, cloudfront: Any, number: int, *,
                   say: Say = print) -> dict[str, Any]:
    """Delete every object under `previews/pr-<number>/` of `target`'s bucket, and nothing else."""
    from busdocs.deploy.aws import check_destination, invalidate

    prefix = preview_prefix(number)
    if not target.previews:
        preview_target(config, target.site, target.name)
    check_destination(target, config, target.site)
    keys = sorted(_listing(s3, target.bucket, prefix))
    _delete(s3, target.bucket, prefix, keys)
    paths = [f"/{prefix}*"] if keys else []
    if paths:
        invalidate(cloudfront, target.distribution_id, paths, f"preview-{number}-removed")
    say(f"removed the preview of change #{number}: {len(keys)} objects under s3://{target.bucket}/{prefix}")
    return {"url": preview_url(target, number), "prefix": prefix, "deleted": keys, "invalidated_paths": paths}


def _delete(s3: Any, bucket: str, prefix: str, keys: list[str]) -> None:
    outside = [k for k in keys if not k.startswith(prefix)]
    if outside:  # never: every key comes from a listing of the prefix
        raise PreviewRefused(f"refusing to delete {outside[:3]} outside {prefix}")
    for i in range(0, len(keys), 1000):
        chunk = keys[i:i + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True})
