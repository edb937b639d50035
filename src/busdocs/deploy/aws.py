"""Apply a deploy plan to S3 and CloudFront with boto3: the only module that talks to AWS.

First the access preflight (read-only): the target's distribution and bucket must let only the
site's audience read it (`busdocs.deploy.plan.check_access`), or nothing happens. Then the pending
record (the paths this run will invalidate), uploads (assets → data files → pages → root pages),
a read-back of the bucket, the release record and the manifest written from
it, then deletes (only when every upload succeeded), then the CloudFront invalidation, then the
pending record is cleared. A crash at any point leaves the bucket serving a consistent site, and
the next run converges: it invalidates whatever the crashed run may have changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from busdocs import buildrecord
from busdocs.deploy import plan as deploy_plan
from busdocs.deploy.plan import (PREVIEWS_PREFIX, STATE_PREFIX, AccessState, Delete, LocalFile, Plan, RemoteObject,
                                 Upload, check_access, check_delete_limits, collapse, is_fingerprinted, plan_sync,
                                 scan_site, summary_lines, upload_stage, urls_for_keys)
from busdocs.errors import BusdocsError
from busdocs.data.models.deploy import Deploy, Target

MANIFEST_KEY = STATE_PREFIX + "manifest.json"
RELEASES_PREFIX = STATE_PREFIX + "releases/"
PENDING_KEY = STATE_PREFIX + "pending.json"
"""Invalidation paths of a run that has begun changing the bucket; deleted once CloudFront accepted them."""
LOCK_KEY = STATE_PREFIX + "lock.json"
"""Held by the one run that may change the bucket: created with a conditional PUT, deleted when it ends."""
LOCK_TTL = timedelta(minutes=10)
"""A lock not renewed for this long has expired (its holder is presumed dead)."""
LOCK_RENEW_SECONDS = LOCK_TTL.total_seconds() / 3
"""A running deploy renews its lock this often (checked between requests)."""


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
    record = buildrecord.read_marker(site_dir)
    if record is None:
        raise DeployError(f"{site_dir} has no build record ({buildrecord.MARKER}): build it with 'busdocs build'")
    if record.get("state") != "complete":
        raise DeployError(f"{site_dir}: the build is {record.get('state')!r}, not complete; rebuild before deploying")
    if record.get("audience") != target.site:
        raise DeployError(f"{site_dir} is a {record.get('audience')} build and target {target.name!r} takes "
                          f"{target.site} builds only")
    if record.get("preview"):
        raise DeployError(f"{site_dir} is a preview build of change #{record['preview']} (its links point under "
                          f"previews/pr-{record['preview']}/): deploy it with --preview {record['preview']}, or "
                          "build the site without BUSDOCS_PREVIEW")


# ------------------------------------------------------------------ access preflight


def read_access(s3: Any, cloudfront: Any, target: Target) -> AccessState:
    """Read what decides who can read the site: the distribution's web ACL and origins, the bucket's
    public access block and policy. Read-only; a missing block or policy is recorded as missing.

    Raises:
        DeployError: The distribution does not exist, or these credentials may not read it or the bucket.
    """
    from botocore.exceptions import ClientError

    def refused(exc: ClientError, what: str) -> DeployError:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchDistribution", "NoSuchBucket"):
            return DeployError(f"refused: {what} does not exist (target {target.name!r}); nothing was sent")
        return DeployError(f"refused: could not read {what} to check who can reach the site ({code or exc}); the "
                           "deploy role needs cloudfront:GetDistributionConfig, s3:GetBucketPublicAccessBlock and "
                           "s3:GetBucketPolicy; nothing was sent")

    try:
        config = cloudfront.get_distribution_config(Id=target.distribution_id)["DistributionConfig"]
    except ClientError as exc:
        raise refused(exc, f"CloudFront distribution {target.distribution_id}") from None

    def optional(read: Any, field: str, missing: str, what: str) -> Any:
        """`read()[field]`, or None when S3 answers that the bucket has none (`missing`)."""
        try:
            return read(Bucket=target.bucket)[field]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != missing:
                raise refused(exc, f"{what} of s3://{target.bucket}") from None
            return None

    block = optional(s3.get_public_access_block, "PublicAccessBlockConfiguration",
                     "NoSuchPublicAccessBlockConfiguration", "the public access block")
    policy = optional(s3.get_bucket_policy, "Policy", "NoSuchBucketPolicy", "the policy")
    origins = tuple(o.get("DomainName", "") for o in config.get("Origins", {}).get("Items", []) or [])
    return AccessState(target.distribution_id, target.bucket, config.get("WebACLId") or "", origins, block, policy)


def check_access_guard(s3: Any, cloudfront: Any, target: Target, say: Say) -> None:
    """Refuse to publish a `target.site` build where the wrong people could read it (before any change).

    Raises:
        DeployError: Every reason at once, each saying what is missing.
    """
    state = read_access(s3, cloudfront, target)
    problems = check_access(state, target.site)
    if problems:
        raise DeployError(f"refused: target {target.name!r} ({target.site} site) is not safe to publish to; nothing "
                          "was uploaded:\n" + "\n".join(f"  - {p}" for p in problems))
    acl = f"web ACL {deploy_plan.web_acl_name(state.web_acl) or state.web_acl}" if state.web_acl else "no web ACL"
    say(f"access checked: distribution {target.distribution_id} has {acl}; s3://{target.bucket} is private")


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
        if key.startswith((STATE_PREFIX, PREVIEWS_PREFIX)):  # previews are not part of the site
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


# ------------------------------------------------------------------ the deploy lock

Clock = Callable[[], datetime]
Say = Callable[[str], None]
Tick = Callable[[int, int, str], None]


def _me() -> tuple[str, str]:
    """(user@host, host) of this process."""
    host = socket.gethostname()
    try:
        import getpass

        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        user = f"uid{os.getuid()}"
    return f"{user}@{host}", host


def describe_lock(info: dict[str, Any]) -> str:
    """Who holds a lock, in words: `ci@runner-7 (pid 4242, deploy of help-production) since … until …`."""
    what = f", {info['command']} of {info['target']}" if info.get("command") and info.get("target") else ""
    return (f"{info.get('owner', 'an unknown owner')} (pid {info.get('pid', '?')}{what}) "
            f"since {info.get('started', '?')}, until {info.get('expires', '?')}")


def lock_breakable(info: dict[str, Any], now: datetime, host: str) -> str | None:
    """Why a lock may be broken (expired, or its process is gone from this host), or None."""
    try:
        expires = datetime.fromisoformat(info["expires"])
        pid = int(info["pid"])
    except (KeyError, TypeError, ValueError):
        return "it cannot be read"
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    if expires <= now:
        return f"it expired at {info['expires']}"
    if info.get("host") == host and pid > 0:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return f"its process {pid} is no longer running on {host}"
        except OSError:  # alive, owned by someone else
            pass
    return None


def _conditional_failed(exc: Exception) -> bool:
    """A conditional request lost: 412 (the condition) or 409 (a concurrent conditional write)."""
    response = getattr(exc, "response", {}) or {}
    code = response.get("Error", {}).get("Code")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in ("PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey") or status == 412


def read_lock(s3: Any, bucket: str) -> tuple[dict[str, Any], str] | None:
    """The lock's body and ETag, or None when nobody holds it."""
    try:
        response = s3.get_object(Bucket=bucket, Key=LOCK_KEY)
    except s3.exceptions.NoSuchKey:
        return None
    try:
        info = json.loads(response["Body"].read())
    except ValueError:
        info = {}
    return (info if isinstance(info, dict) else {}), response["ETag"].strip('"')


@dataclass(slots=True)
class Lock:
    """This run's hold on the bucket."""

    s3: Any
    bucket: str
    body: dict[str, Any]
    etag: str
    clock: Clock
    renewed: float = field(default_factory=time.monotonic)

    def keep(self) -> None:
        """Renew the lock when it is due; stop the run when another one broke it.

        Raises:
            DeployError: The lock is no longer ours.
        """
        from botocore.exceptions import ClientError

        if time.monotonic() - self.renewed < LOCK_RENEW_SECONDS:
            return
        self.body["expires"] = (self.clock() + LOCK_TTL).isoformat()
        try:  # only if the lock is still the one we wrote
            response = self.s3.put_object(Bucket=self.bucket, Key=LOCK_KEY, Body=_lock_bytes(self.body),
                                          IfMatch=self.etag, ContentType="application/json", CacheControl="no-store")
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
            held = read_lock(self.s3, self.bucket)
            holder = describe_lock(held[0]) if held else "nobody holds it now"
            self.etag = ""
            raise DeployError(f"this run's lock on s3://{self.bucket} was broken (lock held by {holder}); it stopped "
                              "here. Deploy again when that run is over: the next run invalidates what this one "
                              "changed") from None
        self.etag, self.renewed = response["ETag"].strip('"'), time.monotonic()

    def release(self, say: Say) -> None:
        """Delete the lock if it is still ours (a conditional delete); never fails the run."""
        from botocore.exceptions import BotoCoreError, ClientError

        if not self.etag:
            return
        try:
            self.s3.delete_object(Bucket=self.bucket, Key=LOCK_KEY, IfMatch=self.etag)
        except ClientError as exc:
            if not _conditional_failed(exc):
                say(f"warning: could not release the deploy lock of s3://{self.bucket} ({exc}); it expires by "
                    f"itself, or the next run can break it with --break-lock")
        except BotoCoreError as exc:
            say(f"warning: could not release the deploy lock of s3://{self.bucket} ({exc}); it expires by itself, "
                "or the next run can break it with --break-lock")


def _lock_bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body, indent=1, sort_keys=True).encode()


def acquire_lock(s3: Any, bucket: str, target: Target, command: str, clock: Clock, *, break_lock: bool = False,
                 say: Say = print) -> Lock:
    """Take the bucket's deploy lock with a conditional PUT (`If-None-Match: *`).

    Raises:
        DeployError: Another run holds it (the message names the holder), and it may not be broken.
    """
    from botocore.exceptions import ClientError

    owner, host = _me()
    for _ in range(3):
        now = clock()
        body = {"owner": owner, "host": host, "pid": os.getpid(), "started": now.isoformat(),
                "expires": (now + LOCK_TTL).isoformat(), "token": secrets.token_hex(16), "command": command,
                "target": target.name}
        try:
            response = s3.put_object(Bucket=bucket, Key=LOCK_KEY, Body=_lock_bytes(body), IfNoneMatch="*",
                                     ContentType="application/json", CacheControl="no-store")
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
            held = read_lock(s3, bucket)
            if held is None:  # released in between: try again
                continue
            info, etag = held
            if info.get("token") == body["token"]:  # our own PUT, retried after a lost answer
                return Lock(s3, bucket, body, etag, clock)
            why = lock_breakable(info, clock(), host)
            if break_lock and why:
                try:  # only that lock: not one taken since
                    s3.delete_object(Bucket=bucket, Key=LOCK_KEY, IfMatch=etag)
                except ClientError as gone:
                    if not _conditional_failed(gone):
                        raise
                say(f"broke the lock of {describe_lock(info)}: {why}")
                continue
            if break_lock:
                raise DeployError(f"s3://{bucket} is locked by {describe_lock(info)}; the lock is not expired and "
                                  "its process is not known to be gone, so --break-lock leaves it: wait for that "
                                  "run to finish or for the lock to expire") from None
            hint = (f"{why}: run again with --break-lock to break it" if why else
                    "wait for it to finish; if it died, run again with --break-lock once the lock has expired")
            raise DeployError(f"s3://{bucket} is locked by another deploy: {describe_lock(info)}; {hint}") from None
        lock = Lock(s3, bucket, body, response["ETag"].strip('"'), clock)
        held = read_lock(s3, bucket)  # a store that ignores If-None-Match would have let us overwrite a lock
        if held is None or held[0].get("token") != body["token"]:
            lock.etag = ""
            raise DeployError(f"s3://{bucket} did not keep this run's lock (now "
                              f"{describe_lock(held[0]) if held else 'gone'}): the store may not support "
                              "conditional writes; nothing was changed")
        return lock
    raise DeployError(f"could not take the deploy lock of s3://{bucket}: other runs keep taking it; try again")


def _clock(now: datetime) -> Clock:
    """The time, starting at `now` (which tests choose) and moving on with the real clock."""
    start = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - start)


def _note_lock(s3: Any, bucket: str, say: Say) -> None:
    held = read_lock(s3, bucket)
    if held:
        say(f"note: a run holds the deploy lock: {describe_lock(held[0])}; this plan may change when it ends")


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


def deploy(site_dir: Path, target: Target, config: Deploy, s3: Any, cloudfront: Any, *, dry_run: bool = False,
           now: datetime | None = None, progress: Tick | None = None, say: Say = print,
           break_lock: bool = False) -> Result:
    """Deploy `site_dir` to `target`: plan, print the plan, then (unless a dry run) apply it.

    A run that changes the bucket holds its lock (`LOCK_KEY`) from before it reads the bucket until it
    ends, successful or not; a dry run takes none. Before the first change the run records what it
    will invalidate (`PENDING_KEY`); a run that is killed or fails leaves that record, and the next run
    invalidates it too. The manifest and the release record are written from what the bucket holds
    after the uploads.

    Args:
        break_lock: Break a lock that has expired or whose process is gone from this host.

    Raises:
        DeployError: The build is not deployable here, the target's access guard is missing (or, on a
            public target, a staff-only one is attached), its bucket is readable other than through
            the distribution, another run holds the lock, the deletes exceed the limits, or the
            invalidation failed (it is retried by the next run).
    """
    check_build(site_dir, target)
    check_destination(target, config, target.site)  # check_build made sure the build is of target.site
    check_access_guard(s3, cloudfront, target, say)
    now = now or datetime.now(UTC)
    clock = _clock(now)
    local = scan_site(site_dir, config, target.site)
    if dry_run:
        _note_lock(s3, target.bucket, say)
        return _deploy(local, target, config, s3, cloudfront, None, now, progress, say)
    lock = acquire_lock(s3, target.bucket, target, "deploy", clock, break_lock=break_lock, say=say)
    try:
        return _deploy(local, target, config, s3, cloudfront, lock, now, progress, say)
    finally:
        lock.release(say)


def _deploy(local: dict[str, LocalFile], target: Target, config: Deploy, s3: Any, cloudfront: Any,
            lock: Lock | None, now: datetime, progress: Tick | None, say: Say) -> Result:
    """Plan against the bucket and apply (no lock: a dry run, which changes nothing)."""
    manifest = read_manifest(s3, target.bucket)
    remote = remote_state(s3, target.bucket, manifest)
    plan = plan_sync(local, remote, config, now)
    pending = read_pending(s3, target.bucket, manifest)
    if pending:  # what an earlier run may have changed and not invalidated: send it with this run's paths
        plan.invalidations = collapse(sorted(set(pending) | set(plan.invalidations)),
                                      config.limits.invalidation_budget)
        say(f"an earlier run left {len(pending)} invalidation paths pending; they are sent with this run")
    for line in summary_lines(plan):
        say(line)
    refusal = check_delete_limits(plan, len(remote), config)
    if refusal:
        raise DeployError(f"refused: {refusal}; nothing was changed")
    release = now.strftime("%Y%m%dT%H%M%S%fZ")
    result = Result(unchanged=len(plan.unchanged), dry_run=lock is None, release=release,
                    invalidated_paths=list(plan.invalidations))
    if lock is None:
        result.uploaded = [u.key for u in plan.uploads]
        result.deleted = [d.key for d in plan.deletes]
        return result

    write_pending(s3, target.bucket, plan.invalidations, release, now)
    expected = {key: _entry(obj.sha256, obj.etag, obj.cache_control, obj.content_type) for key, obj in remote.items()}
    for n, up in enumerate(plan.uploads, 1):
        etag = upload(s3, target.bucket, up, remote[up.key].etag if up.key in remote else None)
        expected[up.key] = _entry(up.file.sha256, etag, up.file.cache_control, up.file.content_type)
        result.uploaded.append(up.key)
        if progress:
            progress(n, len(plan.uploads), up.key)
        lock.keep()
    lock.keep()
    objects = read_back(s3, target.bucket, expected, must_hold=local.keys())
    for key in plan.kept:  # the grace period counts from the first release without the asset
        objects[key]["removed_at"] = (remote[key].removed_at or now).isoformat()
    for d in plan.deletes:
        objects.pop(d.key, None)
    result.release = _write_release(s3, target.bucket, manifest, objects, release, now, local.keys())
    lock.keep()
    for chunk in _chunks([d.key for d in plan.deletes], 1000):  # only after every upload succeeded
        s3.delete_objects(Bucket=target.bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True})
        result.deleted += chunk
    lock.keep()
    _send_invalidation(s3, cloudfront, target, plan.invalidations, release, say)
    return result


def _entry(sha256: str | None, etag: str, cache_control: str | None, content_type: str | None) -> dict[str, Any]:
    return {"sha256": sha256, "etag": etag.strip('"'), "cache_control": cache_control, "content_type": content_type}


def read_back(s3: Any, bucket: str, expected: dict[str, dict[str, Any]], must_hold: Any) -> dict[str, dict[str, Any]]:
    """What the bucket holds now, as manifest entries: a listing, and a HEAD for any object whose ETag is
    not the one this run expects (uploaded by someone else), so the records never name bodies the bucket
    does not have.

    Raises:
        DeployError: An object of the site is missing right after the uploads.
    """
    objects = {}
    for item in list_objects(s3, bucket):
        key, etag = item["Key"], item["ETag"].strip('"')
        if key.startswith((STATE_PREFIX, PREVIEWS_PREFIX)):  # previews are not part of the site
            continue
        entry = expected.get(key)
        if entry is None or entry["etag"] != etag:
            head = s3.head_object(Bucket=bucket, Key=key)
            entry = _entry(head.get("Metadata", {}).get("sha256"), head["ETag"], head.get("CacheControl"),
                           head.get("ContentType"))
        objects[key] = entry
    missing = sorted(set(must_hold) - set(objects))
    if missing:
        raise DeployError(f"{len(missing)} objects are missing from s3://{bucket} right after the upload "
                          f"({', '.join(missing[:5])}): something else writes to this bucket; deploy again")
    return objects


def read_pending(s3: Any, bucket: str, manifest: dict[str, Any]) -> list[str]:
    """Invalidation paths an earlier run recorded and did not send (or did not record as sent)."""
    record = _get_json(s3, bucket, PENDING_KEY) or {}
    return sorted(set(record.get("paths", [])) | set(manifest.pop("pending_invalidations", [])))


def write_pending(s3: Any, bucket: str, paths: list[str], release: str, now: datetime) -> None:
    """Record the paths this run will invalidate, before it changes anything."""
    if paths:
        _put_json(s3, bucket, PENDING_KEY, {"paths": sorted(paths), "release": release, "time": now.isoformat()})


def _write_release(s3: Any, bucket: str, manifest: dict[str, Any], objects: dict[str, Any], release: str,
                   now: datetime, live_keys: Any) -> str:
    """Write the release record (unless it is the same as the last one) and the manifest; returns the release."""
    live = set(live_keys)
    live_objects = {k: {f: v for f, v in e.items() if f != "removed_at"} for k, e in objects.items() if k in live}
    record = {"release": release, "time": now.isoformat(), "objects": live_objects}
    releases = list(manifest.get("releases", []))
    last = _get_json(s3, bucket, RELEASES_PREFIX + releases[-1] + ".json") if releases else None
    if last is not None and last.get("objects") == record["objects"]:
        release = releases[-1]  # a rerun of an interrupted deploy, or an unchanged redeploy: no new release
    else:
        _put_json(s3, bucket, RELEASES_PREFIX + release + ".json", record)
        releases.append(release)
    manifest.pop("pending_invalidations", None)  # now in PENDING_KEY
    manifest.update(objects=objects, releases=releases[-20:])
    _put_json(s3, bucket, MANIFEST_KEY, manifest)
    return release


def _send_invalidation(s3: Any, cloudfront: Any, target: Target, paths: list[str], release: str, say: Say) -> None:
    """Send the invalidation; once CloudFront accepted it, clear the pending record."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not paths:
        return
    try:
        invalidate(cloudfront, target.distribution_id, paths, release)
    except (BotoCoreError, ClientError) as exc:
        raise DeployError(f"the site is deployed but the CloudFront invalidation failed ({exc}); "
                          "the next run sends it again") from None
    say(f"invalidation sent: {', '.join(paths)}")
    s3.delete_object(Bucket=target.bucket, Key=PENDING_KEY)


def rollback(target: Target, config: Deploy, s3: Any, cloudfront: Any, *, dry_run: bool = False,
             now: datetime | None = None, say: Say = print, break_lock: bool = False) -> Result:
    """Restore the release before the current one, from the bucket's object versions (under the lock)."""
    check_destination(target, config, target.site)
    check_access_guard(s3, cloudfront, target, say)
    now = now or datetime.now(UTC)
    clock = _clock(now)
    if dry_run:
        _note_lock(s3, target.bucket, say)
        return _rollback(target, config, s3, cloudfront, None, now, say)
    lock = acquire_lock(s3, target.bucket, target, "rollback", clock, break_lock=break_lock, say=say)
    try:
        return _rollback(target, config, s3, cloudfront, lock, now, say)
    finally:
        lock.release(say)


def _rollback(target: Target, config: Deploy, s3: Any, cloudfront: Any, lock: Lock | None, now: datetime,
              say: Say) -> Result:
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
    pending = read_pending(s3, target.bucket, manifest)
    paths = collapse(sorted(set(urls_for_keys(restores + deletes)) | set(pending)), config.limits.invalidation_budget)
    result = Result(uploaded=restores, deleted=deletes, unchanged=len(wanted) - len(restores),
                    invalidated_paths=paths, dry_run=lock is None, release=previous["release"])
    if lock is None:
        return result
    versions = _versions_by_etag(s3, target.bucket, restores)
    gone = [k for k in restores if (k, wanted[k]["etag"]) not in versions]
    if gone:
        raise DeployError(f"{', '.join(gone[:5])}: the version of release {previous['release']} is gone from the "
                          "bucket; nothing was changed")
    release = now.strftime("%Y%m%dT%H%M%S%fZ")
    write_pending(s3, target.bucket, paths, release, now)
    expected = {key: _entry(obj.sha256, obj.etag, obj.cache_control, obj.content_type) for key, obj in current.items()}
    for key in sorted(restores, key=upload_stage):
        entry = wanted[key]
        response = s3.copy_object(Bucket=target.bucket, Key=key, CopySource={
            "Bucket": target.bucket, "Key": key, "VersionId": versions[(key, entry["etag"])]},
            MetadataDirective="REPLACE", CacheControl=entry.get("cache_control") or "no-cache",
            ContentType=entry.get("content_type") or "application/octet-stream",
            Metadata={"sha256": entry.get("sha256") or ""})
        expected[key] = _entry(entry.get("sha256"), response["CopyObjectResult"]["ETag"], entry.get("cache_control"),
                               entry.get("content_type"))
        lock.keep()
    objects = read_back(s3, target.bucket, expected, must_hold=wanted.keys())
    for key in deletes:
        objects.pop(key, None)
    _write_release(s3, target.bucket, manifest, objects, release, now, wanted.keys())
    lock.keep()
    for chunk in _chunks(deletes, 1000):
        s3.delete_objects(Bucket=target.bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True})
    lock.keep()
    _send_invalidation(s3, cloudfront, target, paths, previous["release"] + "-rollback", say)
    return result


def _versions_by_etag(s3: Any, bucket: str, keys: list[str]) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for key in keys:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
            for version in page.get("Versions", []):
                if version["Key"] == key:
                    found.setdefault((key, version["ETag"].strip('"')), version["VersionId"])
    return found


def _get_json(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


def _put_json(s3: Any, bucket: str, key: str, data: dict[str, Any]) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(data, indent=1, sort_keys=True).encode(),
                  ContentType="application/json; charset=utf-8", CacheControl="no-store")


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
