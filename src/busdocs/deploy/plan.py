"""Deploy planning: scan the built site, compare with the bucket, decide what to do. Pure.

scan → diff → summary → apply (in `busdocs.deploy.aws`). Every upload has a reason (new, content,
headers); deletes come last and only after every upload succeeded; fingerprinted assets of earlier
releases are kept for a grace period; invalidations cover only changed stable URLs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Literal

from busdocs import globs
from busdocs.content.feedback import BEACON_CACHE_CONTROL, BEACON_CONTENT_TYPE, BEACON_FILE, BEACON_KEYS
from busdocs.data.models.deploy import Deploy, HeaderRule, Target

STATE_PREFIX = ".busdocs/"
"""Keys under this prefix hold deploy state (manifests); never part of the site."""
PREVIEWS_PREFIX = "previews/"
"""Previews of changes (`busdocs.deploy.preview`) live under this prefix of a staging bucket; a
deploy of the site itself neither plans, counts nor deletes anything there."""
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


def headers_for(key: str, rules: list[HeaderRule], content_types: Mapping[str, str],
                audience: str) -> tuple[str, str]:
    """(Cache-Control, Content-Type) of a key of an `audience` build: the first matching rule (of
    those for every audience or for this one), the type by extension."""
    cache = "public, max-age=300"
    for rule in rules:
        if rule.site not in (None, audience):
            continue
        if globs.matches(rule.glob, key) and (not rule.fingerprinted or is_fingerprinted(key)):
            cache = rule.cache_control
            break
    if audience == "public" and key in BEACON_KEYS:  # every request must reach the logs (issue 24)
        return BEACON_CACHE_CONTROL, BEACON_CONTENT_TYPE
    suffix = PurePosixPath(key).suffix.lower()
    return cache, content_types.get(suffix, "application/octet-stream")


def scan_site(site_dir: Path, config: Deploy, audience: str) -> dict[str, LocalFile]:
    """Every file of the built site (an `audience` build) with its hashes and headers (dotfiles left out)."""
    files = {}
    for path in sorted(site_dir.rglob("*")):
        rel = path.relative_to(site_dir).as_posix()
        if not path.is_file() or any(part.startswith(".") for part in rel.split("/")):
            continue
        data = path.read_bytes()
        cache, ctype = headers_for(rel, config.headers, config.content_types, audience)
        files[rel] = LocalFile(rel, hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest(), len(data),
                               cache, ctype, path)
    if audience == "public":  # the feedback and failed-search beacons, even from a build made without them
        for key in BEACON_KEYS:
            if key not in files:
                data = BEACON_FILE.read_bytes()
                files[key] = LocalFile(key, hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest(), len(data),
                                       BEACON_CACHE_CONTROL, BEACON_CONTENT_TYPE, BEACON_FILE)
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
        if key in local or key.startswith((STATE_PREFIX, PREVIEWS_PREFIX)):
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


# ------------------------------------------------------------------ access preflight

STAFF_ACL_SUFFIX = "-staff-only"
"""The staff-only web ACL of an internal stack of `infra/hosting.yaml` is named `<SiteName>-staff-only`;
deploy recognises it by that name in the distribution's `WebACLId` (a WAFv2 ARN)."""
PUBLIC_ACCESS_BLOCK = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
WEB_ACL_ARN = re.compile(r"^arn:aws:wafv2:us-east-1:\d{12}:global/webacl/(?P<name>[A-Za-z0-9_-]+)/[0-9a-f-]+$")


@dataclass(frozen=True, slots=True)
class AccessState:
    """What the target's distribution and bucket say about who can read the site (read by deploy)."""

    distribution_id: str
    bucket: str
    web_acl: str
    """The distribution's `WebACLId`: a WAFv2 ARN, a WAF Classic id, or "" for none."""
    origins: tuple[str, ...]
    """Domain names of the distribution's origins."""
    public_access_block: Mapping[str, bool] | None
    """The bucket's public access block, None when it has none."""
    policy: str | None
    """The bucket policy (JSON text), None when it has none."""


def web_acl_name(web_acl: str) -> str | None:
    """The name in a WAFv2 web ACL ARN of scope CLOUDFRONT; None for anything else."""
    found = WEB_ACL_ARN.match(web_acl)
    return found.group("name") if found else None


def is_staff_only(web_acl: str) -> bool:
    """The ACL is a staff-only web ACL of `infra/hosting.yaml` (allows only the staff ranges)."""
    name = web_acl_name(web_acl)
    return name is not None and name.endswith(STAFF_ACL_SUFFIX)


def check_access(state: AccessState, audience: str) -> list[str]:
    """Why `state` may not serve an `audience` build, one reason per problem; empty when it may.

    The internal site needs the staff-only web ACL on its distribution; the public site must not have
    it (students and drivers off campus would get 403). Either bucket must be private (all four
    public access blocks) and its policy may let only this distribution read it, so the S3 URL
    cannot bypass CloudFront and its web ACL.
    """
    problems = []
    dist = f"distribution {state.distribution_id}"
    if audience == "internal" and not state.web_acl:
        problems.append(f"{dist} has no web ACL: the ops site would be open to the internet. Deploy "
                        "infra/hosting.yaml with SiteAudience=internal (it creates and attaches the "
                        f"'<SiteName>{STAFF_ACL_SUFFIX}' web ACL from data/deploy.yml access.staff_ranges)")
    elif audience == "internal" and not is_staff_only(state.web_acl):
        problems.append(f"{dist} has web ACL {state.web_acl!r}, which is not a staff-only ACL of "
                        f"infra/hosting.yaml (a WAFv2 ARN named '<SiteName>{STAFF_ACL_SUFFIX}'): nothing says "
                        "it admits only data/deploy.yml access.staff_ranges")
    elif audience == "public" and is_staff_only(state.web_acl):
        problems.append(f"{dist} has the staff-only web ACL {web_acl_name(state.web_acl)!r} attached: students "
                        "and drivers off the university network would get 403 from the help center. "
                        "Deploy its stack with SiteAudience=public")
    if not any(_serves_bucket(origin, state.bucket) for origin in state.origins):
        problems.append(f"{dist} does not serve s3://{state.bucket} from its S3 REST endpoint (origins: "
                        f"{', '.join(state.origins) or 'none'}): the checks would hold for a distribution that "
                        "does not serve what this deploy uploads")
    if state.public_access_block is None:
        problems.append(f"s3://{state.bucket} has no public access block: turn on all four "
                        f"({', '.join(PUBLIC_ACCESS_BLOCK)}), as infra/hosting.yaml does")
    else:
        off = [name for name in PUBLIC_ACCESS_BLOCK if state.public_access_block.get(name) is not True]
        if off:
            problems.append(f"s3://{state.bucket} does not block public access: {', '.join(off)} "
                            f"{'is' if len(off) == 1 else 'are'} off (infra/hosting.yaml turns on all four)")
    problems += _policy_problems(state)
    return problems


def _serves_bucket(origin: str, bucket: str) -> bool:
    """`bucket.s3.amazonaws.com` or `bucket.s3.<region>.amazonaws.com`: not the website endpoint,
    which origin access control cannot protect."""
    return origin.startswith(f"{bucket}.s3.") and origin.endswith(".amazonaws.com")


def _policy_problems(state: AccessState) -> list[str]:
    """Statements of the bucket policy that let anyone but this distribution read the bucket."""
    if state.policy is None:
        return []
    where = f"s3://{state.bucket}'s bucket policy"
    try:
        policy = json.loads(state.policy)
    except ValueError:
        return [f"{where} is not JSON"]
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    problems = []
    mine = f":distribution/{state.distribution_id}"
    for n, statement in enumerate(statements):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        name = f"statement {statement.get('Sid') or n}"
        limited = _source_arns(statement.get("Condition"))
        if "NotPrincipal" in statement:
            problems.append(f"{where}: {name} allows everyone except a list (NotPrincipal): anyone could read "
                            "the site at its S3 URL, past CloudFront and its web ACL")
        elif _is_public(statement.get("Principal")) and not (limited and all(a.endswith(mine) for a in limited)):
            problems.append(f"{where}: {name} grants {_actions(statement)} to everyone (Principal \"*\") without an "
                            f"AWS:SourceArn condition naming {state.distribution_id}: anyone could read the site at "
                            "its S3 URL, past CloudFront and its web ACL")
        elif _is_cloudfront(statement.get("Principal")) and not (limited and all(a.endswith(mine) for a in limited)):
            problems.append(f"{where}: {name} lets CloudFront read the bucket for distributions other than "
                            f"{state.distribution_id} (its AWS:SourceArn condition must name only that one): "
                            "another distribution, without the web ACL, could serve it")
    return problems


def _is_public(principal: object) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        aws = principal.get("AWS")
        return aws == "*" or (isinstance(aws, list) and "*" in aws)
    return False


def _is_cloudfront(principal: object) -> bool:
    if not isinstance(principal, dict):
        return False
    service = principal.get("Service")
    services = service if isinstance(service, list) else [service]
    return "cloudfront.amazonaws.com" in services


def _source_arns(condition: object) -> list[str]:
    """The values of every `aws:SourceArn` condition of a statement (keys are case-insensitive)."""
    found: list[str] = []
    if not isinstance(condition, dict):
        return found
    for operator, tests in condition.items():
        if not isinstance(tests, dict) or not str(operator).startswith(("StringEquals", "ArnEquals", "StringLike",
                                                                        "ArnLike")):
            continue
        for key, value in tests.items():
            if str(key).lower() == "aws:sourcearn":
                found += [str(v) for v in (value if isinstance(value, list) else [value])]
    return found


def _actions(statement: dict) -> str:
    actions = statement.get("Action", "?")
    return ", ".join(actions) if isinstance(actions, list) else str(actions)


def stack_parameters(target: Target, config: Deploy) -> list[dict[str, str]]:
    """The parameters of `infra/hosting.yaml` for `target`'s stack, from `data/deploy.yml`, as
    `aws cloudformation create-stack --parameters file://…` reads them (CertificateArn is not data:
    pass it yourself). Public stacks get no staff ranges (the template's rules refuse them)."""
    access = config.access
    host = target.base_url.split("://", 1)[1].rstrip("/")
    ranges = ",".join(r.cidr for r in access.staff_ranges) if target.site == "internal" else ""
    values = {"SiteName": target.bucket, "DomainName": host, "SiteAudience": target.site,
              "StaffIpv4Ranges": ranges, "RateLimit": str(access.rate_limit.requests),
              "RateLimitWindowSeconds": str(access.rate_limit.window_seconds)}
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]
