"""Apply a deploy plan to S3 and CloudFront with boto3: the only module that talks to AWS.

Order: uploads (assets → data files → pages → root pages), then the manifest of the release,
then deletes (only when every upload succeeded), then the CloudFront invalidation. A crash at any
point leaves the bucket serving a consistent site, and the next run converges.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from busdocs import buildinfo
from busdocs import deploy as deploy_plan
from busdocs.deploy import (STATE_PREFIX, Delete, Plan, RemoteObject, Upload, check_delete_limits, collapse,
                            is_fingerprinted, plan_sync, scan_site, summary_lines, upload_stage, urls_for_keys)
from busdocs.errors import BusdocsError
from busdocs.models.deploy import Deploy, Target

MANIFEST_KEY = STATE_PREFIX + "manifest.json"
RELEASES_PREFIX = STATE_PREFIX + "releases/"


class DeployError(BusdocsError):
    """A deploy was refused or failed; nothing unsafe was done."""


@dataclass(slots=True)
class Result:
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    invalidated_paths: list[str] = field(default_factory=list)
    dry_run: bool = False
    release: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"uploaded": self.uploaded, "deleted": self.deleted, "unchanged": self.unchanged,
                "invalidated_paths": self.invalidated_paths, "dry_run": self.dry_run}


def make_clients(target: Target, endpoint_url: str | None) -> tuple[Any, Any]:
    """boto3 S3 and CloudFront clients from the standard credential chain, retrying throttles and 5xx."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": 6, "mode": "standard"}, connect_timeout=10, read_timeout=60)
    session = boto3.session.Session()
    s3 = session.client("s3", region_name=target.region, endpoint_url=endpoint_url, config=config)
    cloudfront = session.client("cloudfront", region_name="us-east-1", endpoint_url=endpoint_url, config=config)
    return s3, cloudfront


def check_destination(target: Target, config: Deploy, audience: str) -> None:
    """Refuse a bucket or distribution of another audience's target (an override), before any request."""
    refusal = deploy_plan.check_destination(target, config, audience)
    if refusal:
        raise DeployError(f"refused: {refusal}; nothing was sent")


def check_build(site_dir: Path, target: Target) -> None:
    """Refuse an unfinished or failed build, or one for the other audience."""
    record = buildinfo.read_marker(site_dir)
    if record is None:
        raise DeployError(f"{site_dir} has no build record ({buildinfo.MARKER}): build it with 'busdocs build'")
    if record.get("state") != "complete":
        raise DeployError(f"{site_dir}: the build is {record.get('state')!r}, not complete; rebuild before deploying")
    if record.get("audience") != target.site:
        raise DeployError(f"{site_dir} is a {record.get('audience')} build and target {target.name!r} takes "
                          f"{target.site} builds only")


# ------------------------------------------------------------------ remote state


def read_manifest(s3: Any, bucket: str) -> dict[str, Any]:
    try:
        body = s3.get_object(Bucket=bucket, Key=MANIFEST_KEY)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return {"objects": {}, "pending_invalidations": [], "releases": []}
    return json.loads(body)


def list_objects(s3: Any, bucket: str) -> Iterator[dict[str, Any]]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        yield from page.get("Contents", [])


def remote_state(s3: Any, bucket: str, manifest: dict[str, Any]) -> dict[str, RemoteObject]:
    """The bucket's objects, with hashes and headers from the manifest (HEAD for unknown ones)."""
    known = manifest.get("objects", {})
    state = {}
    for item in list_objects(s3, bucket):
        key = item["Key"]
        if key.startswith(STATE_PREFIX):
            continue
        entry = known.get(key)
        if entry and entry.get("etag") == item["ETag"].strip('"'):
            state[key] = RemoteObject(key, item["Size"], item["ETag"], entry.get("sha256"), entry.get("cache_control"),
                                      entry.get("content_type"), removed_at=_time(entry.get("removed_at")))
        else:  # uploaded by a run that crashed before writing the manifest, or by hand
            head = s3.head_object(Bucket=bucket, Key=key)
            state[key] = RemoteObject(key, item["Size"], item["ETag"], head.get("Metadata", {}).get("sha256"),
                                      head.get("CacheControl"), head.get("ContentType"))
    return state


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# ------------------------------------------------------------------ apply


def upload(s3: Any, bucket: str, up: Upload, existing_etag: str | None) -> str:
    """Upload one object; a headers-only change is a server-side copy (no bytes re-sent). Returns the ETag."""
    f = up.file
    meta = {"sha256": f.sha256}
    if up.reason == "headers" and existing_etag is not None:
        response = s3.copy_object(Bucket=bucket, Key=f.key, CopySource={"Bucket": bucket, "Key": f.key},
                                  MetadataDirective="REPLACE", CacheControl=f.cache_control,
                                  ContentType=f.content_type, Metadata=meta)
        return response["CopyObjectResult"]["ETag"].strip('"')
    response = s3.put_object(Bucket=bucket, Key=f.key, Body=f.path.read_bytes(), CacheControl=f.cache_control,
                             ContentType=f.content_type, Metadata=meta)
    return response["ETag"].strip('"')


def invalidate(cloudfront: Any, distribution_id: str, paths: list[str], release: str) -> None:
    """One invalidation; the caller reference makes a retried request the same request."""
    reference = hashlib.sha256(f"{release}:{','.join(sorted(paths))}".encode()).hexdigest()[:32]
    cloudfront.create_invalidation(DistributionId=distribution_id, InvalidationBatch={
        "Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": reference})


Say = Callable[[str], None]
Tick = Callable[[int, int, str], None]


def deploy(site_dir: Path, target: Target, config: Deploy, s3: Any, cloudfront: Any, *, dry_run: bool = False,
           now: datetime | None = None, progress: Tick | None = None, say: Say = print) -> Result:
    """Deploy `site_dir` to `target`: plan, print the plan, then (unless a dry run) apply it.

    Raises:
        DeployError: The build is not deployable here, the deletes exceed the limits, or the
            invalidation failed (it is retried by the next run).
    """
    check_build(site_dir, target)
    check_destination(target, config, target.site)  # check_build made sure the build is of target.site
    now = now or datetime.now(UTC)
    local = scan_site(site_dir, config)
    manifest = read_manifest(s3, target.bucket)
    remote = remote_state(s3, target.bucket, manifest)
    plan = plan_sync(local, remote, config, now)
    pending = manifest.get("pending_invalidations", [])
    if pending:  # a previous run's invalidation that failed: send it again with this one
        plan.invalidations = collapse(sorted(set(pending) | set(plan.invalidations)),
                                      config.limits.invalidation_budget)
    for line in summary_lines(plan):
        say(line)
    refusal = check_delete_limits(plan, len(remote), config)
    if refusal:
        raise DeployError(f"refused: {refusal}; nothing was changed")
    release = now.strftime("%Y%m%dT%H%M%S%fZ")
    result = Result(unchanged=len(plan.unchanged), dry_run=dry_run, release=release,
                    invalidated_paths=list(plan.invalidations))
    if dry_run:
        result.uploaded = [u.key for u in plan.uploads]
        result.deleted = [d.key for d in plan.deletes]
        return result

    objects = dict(manifest.get("objects", {}))
    for n, up in enumerate(plan.uploads, 1):
        etag = upload(s3, target.bucket, up, remote[up.key].etag if up.key in remote else None)
        objects[up.key] = {"sha256": up.file.sha256, "etag": etag, "cache_control": up.file.cache_control,
                           "content_type": up.file.content_type}
        result.uploaded.append(up.key)
        if progress:
            progress(n, len(plan.uploads), up.key)
    for key in plan.kept:  # the grace period counts from the first release without the asset
        objects.setdefault(key, {"etag": remote[key].etag.strip('"')}).setdefault("removed_at", now.isoformat())
    for d in plan.deletes:
        objects.pop(d.key, None)
    _write_release(s3, target.bucket, manifest, objects, release, now, local.keys(), plan.invalidations)
    for chunk in _chunks([d.key for d in plan.deletes], 1000):  # only after every upload succeeded
        s3.delete_objects(Bucket=target.bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True})
        result.deleted += chunk
    _send_invalidation(s3, cloudfront, target, plan.invalidations, release, say, manifest)
    return result


def _write_release(s3: Any, bucket: str, manifest: dict[str, Any], objects: dict[str, Any], release: str,
                   now: datetime, live_keys: Any, pending: list[str]) -> None:
    live = set(live_keys)
    record = {"release": release, "time": now.isoformat(), "objects": {k: v for k, v in objects.items() if k in live}}
    _put_json(s3, bucket, RELEASES_PREFIX + release + ".json", record)
    manifest.update(objects=objects, releases=[*manifest.get("releases", []), release][-20:],
                    pending_invalidations=list(pending))
    _put_json(s3, bucket, MANIFEST_KEY, manifest)


def _send_invalidation(s3: Any, cloudfront: Any, target: Target, paths: list[str], release: str, say: Say,
                       manifest: dict[str, Any]) -> None:
    """Send the invalidation; once CloudFront accepted it, clear it from the manifest's pending list."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not paths:
        return
    try:
        invalidate(cloudfront, target.distribution_id, paths, release)
    except (BotoCoreError, ClientError) as exc:
        raise DeployError(f"the site is deployed but the CloudFront invalidation failed ({exc}); "
                          "the next run sends it again") from None
    say(f"invalidation sent: {', '.join(paths)}")
    manifest["pending_invalidations"] = []
    _put_json(s3, target.bucket, MANIFEST_KEY, manifest)


def rollback(target: Target, config: Deploy, s3: Any, cloudfront: Any, *, dry_run: bool = False,
             now: datetime | None = None, say: Say = print) -> Result:
    """Restore the release before the current one, from the bucket's object versions."""
    check_destination(target, config, target.site)
    now = now or datetime.now(UTC)
    manifest = read_manifest(s3, target.bucket)
    releases = manifest.get("releases", [])
    if len(releases) < 2:
        raise DeployError(f"target {target.name!r} has no earlier release to roll back to")
    previous = json.loads(s3.get_object(Bucket=target.bucket, Key=RELEASES_PREFIX + releases[-2] + ".json")
                          ["Body"].read())
    wanted: dict[str, Any] = previous["objects"]
    current = remote_state(s3, target.bucket, manifest)
    restores = [k for k, v in sorted(wanted.items())
                if k not in current or current[k].etag.strip('"') != v["etag"]
                or current[k].cache_control != v.get("cache_control")]
    deletes = [k for k in sorted(current) if k not in wanted and not is_fingerprinted(k)]
    say(f"rollback to release {previous['release']}: {len(restores)} objects restored, {len(deletes)} deleted")
    plan = Plan(deletes=[Delete(k) for k in deletes])
    refusal = check_delete_limits(plan, len(current), config)
    if refusal:
        raise DeployError(f"refused: {refusal}; nothing was changed")
    paths = collapse(urls_for_keys(restores + deletes), config.limits.invalidation_budget)
    result = Result(uploaded=restores, deleted=deletes, unchanged=len(wanted) - len(restores),
                    invalidated_paths=paths, dry_run=dry_run, release=previous["release"])
    if dry_run:
        return result
    versions = _versions_by_etag(s3, target.bucket, restores)
    for key in sorted(restores, key=upload_stage):
        entry = wanted[key]
        version = versions.get((key, entry["etag"]))
        if version is None:
            raise DeployError(f"{key}: the version of release {previous['release']} is gone from the bucket")
        s3.copy_object(Bucket=target.bucket, Key=key, CopySource={"Bucket": target.bucket, "Key": key,
                                                                  "VersionId": version},
                       MetadataDirective="REPLACE", CacheControl=entry.get("cache_control") or "no-cache",
                       ContentType=entry.get("content_type") or "application/octet-stream",
                       Metadata={"sha256": entry.get("sha256", "")})
    objects = {k: v for k, v in manifest.get("objects", {}).items() if k not in deletes}
    objects.update(wanted)
    _write_release(s3, target.bucket, manifest, objects, now.strftime("%Y%m%dT%H%M%S%fZ"), now, wanted.keys(), paths)
    for chunk in _chunks(deletes, 1000):
        s3.delete_objects(Bucket=target.bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True})
    _send_invalidation(s3, cloudfront, target, paths, previous["release"] + "-rollback", say, manifest)
    return result


def _versions_by_etag(s3: Any, bucket: str, keys: list[str]) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for key in keys:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
            for version in page.get("Versions", []):
                if version["Key"] == key:
                    found.setdefault((key, version["ETag"].strip('"')), version["VersionId"])
    return found


def _put_json(s3: Any, bucket: str, key: str, data: dict[str, Any]) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(data, indent=1, sort_keys=True).encode(),
                  ContentType="application/json; charset=utf-8", CacheControl="no-store")


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
