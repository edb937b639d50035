"""Deploy to S3 + CloudFront: a moto server on 127.0.0.1, spoken to by boto3 over HTTP."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from busdocs import buildrecord
from busdocs.cli import main
from busdocs.content.feedback import BEACON_KEYS
from busdocs.data.loader import load_data
from busdocs.data.models.deploy import HeaderRule
from busdocs.deploy.plan import collapse, headers_for, is_fingerprinted, plan_sync, scan_site, urls_for_keys
from busdocs.deploy.aws import DeployError, deploy, rollback
from busdocs.deploy.standin import PRIVATE, stand_in_target

ROOT = Path(__file__).resolve().parent.parent
CONFIG = load_data(ROOT).deploy
TARGET = next(t for t in CONFIG.targets if t.name == "help-production")


# ------------------------------------------------------------------ pure planning


@pytest.mark.parametrize(
    ("key", "cache", "ctype"),
    [
        ("assets/javascripts/bundle.a5f9d56c.min.js", "public, max-age=31536000, immutable",
         "text/javascript; charset=utf-8"),
        ("assets/stylesheets/main.57a0d79d.min.css.map", "public, max-age=31536000, immutable",
         "application/json; charset=utf-8"),
        ("assets/javascripts/lunr/min/lunr.stemmer.support.min.js", "public, max-age=3600",
         "text/javascript; charset=utf-8"),
        ("index.html", "public, max-age=0, must-revalidate", "text/html; charset=utf-8"),
        ("students/sign-up/index.html", "public, max-age=0, must-revalidate", "text/html; charset=utf-8"),
        ("search/search_index.json", "public, max-age=0, must-revalidate", "application/json; charset=utf-8"),
        ("sitemap.xml.gz", "public, max-age=0, must-revalidate", "application/gzip"),
        ("downloads/student-guide.pdf", "public, max-age=3600, must-revalidate", "application/pdf"),
        ("assets/favicon.svg", "public, max-age=3600", "image/svg+xml; charset=utf-8"),
    ],
)
def test_headers_by_rule(key: str, cache: str, ctype: str) -> None:
    assert headers_for(key, CONFIG.headers, CONFIG.content_types, "public") == (cache, ctype)


@pytest.mark.parametrize(
    ("keys", "budget", "expected"),
    [
        (["students/sign-up/index.html"], 10, ["/students/sign-up/", "/students/sign-up/index.html"]),
        (["index.html"], 10, ["/", "/index.html"]),
        (["assets/javascripts/bundle.a5f9d56c.min.js"], 10, []),
        (["students/a/index.html", "students/b/index.html", "students/c/index.html"], 4,
         ["/students/a/*", "/students/b/*", "/students/c/*"]),
        (["students/a/index.html", "students/b/index.html", "students/c/index.html"], 2, ["/students/*"]),
        ([f"s{i}/index.html" for i in range(20)], 5, ["/*"]),
        (["students/a/index.html", "faq/index.html"], 3, ["/faq/", "/faq/index.html", "/students/a/*"]),
    ],
)
def test_invalidation_paths(keys: list[str], budget: int, expected: list[str]) -> None:
    assert collapse(urls_for_keys(keys), budget) == expected


def test_fingerprints() -> None:
    assert is_fingerprinted("assets/javascripts/workers/search.2c215733.min.js")
    assert not is_fingerprinted("assets/javascripts/lunr/tinyseg.js")


# ------------------------------------------------------------------ moto server


def new_target(s3, cloudfront, bucket: str, target=TARGET, web_acl: str = "",  # noqa: ANN001, ANN201
               public_access_block: dict | None = PRIVATE):
    """A private versioned bucket and a distribution (with `web_acl`) in moto, and `target` (by default
    help-production) pointed at them: `busdocs.deploy.standin`, which the bench publishes to too."""
    return stand_in_target(s3, cloudfront, bucket, target, web_acl, public_access_block)


def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def aws_context(endpoint: str, bucket: str, **target_options: object) -> dict[str, object]:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    cloudfront = boto3.client("cloudfront", endpoint_url=endpoint, region_name="us-east-1")
    target = new_target(s3, cloudfront, bucket, **target_options)
    return {"s3": s3, "cloudfront": cloudfront, "bucket": bucket, "target": target, "endpoint": endpoint,
            "distribution_id": target.distribution_id}


@pytest.fixture(autouse=True)
def retry_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The back-off botocore waits before a retry (a second or more, growing), recorded instead of
    slept: the tests count retries, not seconds."""
    import types

    import botocore.endpoint

    waits: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=waits.append))
    return waits


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch, request) -> dict[str, object]:
    aws_env(monkeypatch)
    return aws_context(moto_endpoint, f"t-{request.node.name.lower().replace('_', '-')[:40]}-{id(request) % 9999}")


class _Raw:
    """The raw body of a made-up HTTP response (botocore reads it as a stream)."""

    def __init__(self, body: bytes = b"") -> None:
        self.body = body

    def stream(self, **kwargs):  # noqa: ANN201 - botocore's interface
        yield self.body


def error_response(request, status: int):  # noqa: ANN201
    """An HTTP error from the 'server', as botocore would receive it."""
    from botocore.awsrequest import AWSResponse

    body = f"<Error><Code>{'SlowDown' if status == 503 else 'InternalError'}</Code><Message>injected</Message></Error>"
    return AWSResponse(request.url, status, {}, _Raw(body.encode()))


SITE_FILES = 9 + len(BEACON_KEYS)
"""What a first deploy of `make_site` uploads: its 9 files and the help center's feedback beacons."""


def make_site(folder: Path, pages: dict[str, str] | None = None, audience: str = "public",
              state: str = "complete", asset_hash: str = "a5f9d56c") -> Path:
    files = {"index.html": "<h1>Home</h1>", "404.html": "<h1>Not found</h1>", "faq/index.html": "<h1>FAQ</h1>",
             "students/index.html": "<h1>Students</h1>", "students/sign-up/index.html": "<h1>Sign up</h1>",
             f"assets/javascripts/bundle.{asset_hash}.min.js": f"console.log('{asset_hash}')",
             "assets/stylesheets/main.57a0d79d.min.css": "body{}", "search/search_index.json": '{"docs": []}',
             "sitemap.xml": "<urlset/>", **(pages or {})}
    for key, text in files.items():
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    buildrecord.write_marker(folder, audience, state, "production")
    return folder


def bucket_state(aws: dict[str, object]) -> dict[str, tuple[str, str | None]]:
    s3, bucket = aws["s3"], aws["bucket"]
    state = {}
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        if item["Key"].startswith(".busdocs/"):
            continue
        head = s3.head_object(Bucket=bucket, Key=item["Key"])
        state[item["Key"]] = (item["ETag"], head.get("CacheControl"))
    return state


def run(aws, site: Path, **kwargs):
    lines: list[str] = []
    result = deploy(site, aws["target"], CONFIG, aws["s3"], aws["cloudfront"], say=lines.append, **kwargs)
    return result, lines


def invalidations(aws) -> list[list[str]]:
    cf = aws["cloudfront"]
    items = cf.list_invalidations(DistributionId=aws["distribution_id"])["InvalidationList"].get("Items", [])
    return [cf.get_invalidation(DistributionId=aws["distribution_id"], Id=i["Id"])["Invalidation"]
            ["InvalidationBatch"]["Paths"].get("Items", []) for i in items]


def test_first_deploy_then_unchanged_redeploy_does_nothing(aws, tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    first, lines = run(aws, site)
    assert len(first.uploaded) == SITE_FILES and first.deleted == [] and first.invalidated_paths == []
    assert lines[0].startswith("access checked: distribution") and f"plan: {SITE_FILES} new" in lines[1]
    state = bucket_state(aws)
    assert state["assets/javascripts/bundle.a5f9d56c.min.js"][1] == "public, max-age=31536000, immutable"
    assert state["index.html"][1] == "public, max-age=0, must-revalidate"
    head = aws["s3"].head_object(Bucket=aws["bucket"], Key="faq/index.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    again, _ = run(aws, make_site(tmp_path / "rebuilt"))  # a rebuild: new mtimes, same bytes
    assert again.uploaded == [] and again.deleted == [] and again.invalidated_paths == []
    assert again.unchanged == SITE_FILES
    assert invalidations(aws) == []


def test_one_changed_page_uploads_and_invalidates_only_it(aws, tmp_path: Path) -> None:
    run(aws, make_site(tmp_path / "v1"))
    result, lines = run(aws, make_site(tmp_path / "v2", {"faq/index.html": "<h1>FAQ, updated</h1>"}))
    assert result.uploaded == ["faq/index.html"]
    assert result.invalidated_paths == ["/faq/", "/faq/index.html"]
    assert any("upload  faq/index.html  (content changed)" in line for line in lines)
    assert invalidations(aws) == [["/faq/", "/faq/index.html"]]


def test_order_assets_then_data_then_pages_root_last_and_deletes_after(aws, tmp_path: Path) -> None:
    run(aws, make_site(tmp_path / "v1", {"old/index.html": "<p>old</p>"}))
    calls: list[str] = []

    def record(params, **kwargs) -> None:
        calls.append(f"{kwargs['event_name'].split('.')[-1]}:{params.get('Key', '')}")

    aws["s3"].meta.events.register("provide-client-params.s3.*", record)
    site = make_site(tmp_path / "v2", {"faq/index.html": "<h1>new faq</h1>", "index.html": "<h1>new home</h1>",
                                        "search/search_index.json": '{"docs": [1]}'}, asset_hash="b6e0a7d1")
    run(aws, site)
    aws["s3"].meta.events.unregister("provide-client-params.s3.*", record)
    site_puts = [(i, c.split(":", 1)[1]) for i, c in enumerate(calls)
                 if c.startswith("PutObject:") and not c.startswith("PutObject:.busdocs/")]
    assert [key for _, key in site_puts] == ["assets/javascripts/bundle.b6e0a7d1.min.js", "search/search_index.json",
                                             "faq/index.html", "index.html"]
    delete_at = next(i for i, c in enumerate(calls) if c.startswith("DeleteObjects"))
    assert delete_at > site_puts[-1][0]  # deletes only after every upload
    state = bucket_state(aws)
    assert "old/index.html" not in state
    assert "assets/javascripts/bundle.a5f9d56c.min.js" in state  # previous release's asset kept (grace)


def test_grace_period_expires(aws, tmp_path: Path) -> None:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    run(aws, make_site(tmp_path / "v1"), now=start)
    run(aws, make_site(tmp_path / "v2", asset_hash="b6e0a7d1"), now=start + timedelta(days=1))
    assert "assets/javascripts/bundle.a5f9d56c.min.js" in bucket_state(aws)
    result, _ = run(aws, make_site(tmp_path / "v3", asset_hash="b6e0a7d1"), now=start + timedelta(days=9))
    assert result.deleted == ["assets/javascripts/bundle.a5f9d56c.min.js"] and result.invalidated_paths == []


def test_header_change_is_a_copy_without_bytes(aws, tmp_path: Path) -> None:
    run(aws, make_site(tmp_path / "v1"))
    pages = HeaderRule(glob="**/*.html", cache_control="public, max-age=60")
    changed = CONFIG.model_copy(update={"headers": [pages, *CONFIG.headers]})
    calls: list[str] = []
    aws["s3"].meta.events.register("provide-client-params.s3.*", lambda params, **kw: calls.append(
        kw["event_name"].split(".")[-1]) if not params.get("Key", "").startswith(".busdocs/") else None)
    result = deploy(make_site(tmp_path / "v2"), aws["target"], changed, aws["s3"], aws["cloudfront"],
                    say=lambda _: None)
    assert sorted(result.uploaded) == sorted(k for k in bucket_state(aws) if k.endswith(".html"))
    assert calls.count("CopyObject") == 5 and calls.count("PutObject") == 0  # the pages' bytes are not re-sent
    assert bucket_state(aws)["faq/index.html"][1] == "public, max-age=60"


def test_delete_limits_refuse_and_change_nothing(aws, tmp_path: Path) -> None:
    run(aws, make_site(tmp_path / "v1", {f"p{i}/index.html": f"<p>{i}</p>" for i in range(10)}))
    before = bucket_state(aws)
    with pytest.raises(DeployError, match="max_delete_share"):
        run(aws, make_site(tmp_path / "v2"))
    assert bucket_state(aws) == before


def test_dry_run_leaves_the_bucket_identical(aws, tmp_path: Path) -> None:
    run(aws, make_site(tmp_path / "v1"))
    before = bucket_state(aws)
    manifest = aws["s3"].get_object(Bucket=aws["bucket"], Key=".busdocs/manifest.json")["Body"].read()
    result, lines = run(aws, make_site(tmp_path / "v2", {"faq/index.html": "<p>x</p>", "new/index.html": "<p>n</p>"}),
                        dry_run=True)
    assert result.dry_run and sorted(result.uploaded) == ["faq/index.html", "new/index.html"]
    assert any("(new)" in line for line in lines) and any("(content changed)" in line for line in lines)
    assert bucket_state(aws) == before
    assert aws["s3"].get_object(Bucket=aws["bucket"], Key=".busdocs/manifest.json")["Body"].read() == manifest
    assert invalidations(aws) == []


@pytest.mark.parametrize(("audience", "state", "fragment"), [("internal", "complete", "internal build"),
                                                             ("public", "building", "'building'"),
                                                             ("public", "failed", "'failed'")])
def test_guards_refuse_wrong_audience_and_unfinished_builds(aws, tmp_path: Path, audience, state, fragment) -> None:
    with pytest.raises(DeployError, match=fragment):
        run(aws, make_site(tmp_path / "site", audience=audience, state=state))
    assert bucket_state(aws) == {}


def test_server_errors_mid_run_then_a_rerun_converges(aws, tmp_path: Path) -> None:
    site = make_site(tmp_path / "v1", {f"p{i}/index.html": f"<p>{i}</p>" for i in range(6)})
    failures = {"left": 40}

    def fail_puts(request, **kwargs):  # after three uploads, every PUT answers 500 (retries exhausted)
        if request.method == "PUT" and "p3" in request.url and failures["left"] > 0:
            failures["left"] -= 1
            return error_response(request, 500)
        return None

    aws["s3"].meta.events.register_first("before-send.s3.PutObject", fail_puts)
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="InternalError"):
        run(aws, site)
    aws["s3"].meta.events.unregister("before-send.s3.PutObject", fail_puts)
    partial = bucket_state(aws)
    assert "p3/index.html" not in partial and partial  # some uploads landed, nothing deleted
    rerun, _ = run(aws, site)
    assert "p3/index.html" in rerun.uploaded and "index.html" in rerun.uploaded
    final = bucket_state(aws)
    clean = make_site(tmp_path / "again", {f"p{i}/index.html": f"<p>{i}</p>" for i in range(6)})
    again, _ = run(aws, clean)
    assert again.uploaded == [] and bucket_state(aws) == final and len(final) == SITE_FILES + 6


def test_transient_5xx_and_throttling_are_retried(aws, tmp_path: Path, retry_waits: list[float]) -> None:
    from busdocs.deploy.aws import make_clients

    s3, cloudfront = make_clients(aws["target"], aws["endpoint"])
    flaky = {"left": 2}

    def throttle(request, **kwargs):
        if request.method == "PUT" and flaky["left"] > 0:
            flaky["left"] -= 1
            return error_response(request, 503)
        return None

    s3.meta.events.register_first("before-send.s3.PutObject", throttle)
    result = deploy(make_site(tmp_path / "v1"), aws["target"], CONFIG, s3, cloudfront, say=lambda _: None)
    assert flaky["left"] == 0 and len(result.uploaded) == SITE_FILES
    assert len(retry_waits) == 2  # each retry after a back-off


def test_failed_invalidation_is_retried_by_the_next_run(aws, tmp_path: Path) -> None:
    run(aws, make_site(tmp_path / "v1"))

    def refuse(request, **kwargs):
        return error_response(request, 500)

    aws["cloudfront"].meta.events.register_first("before-send.cloudfront.CreateInvalidation", refuse)
    with pytest.raises(DeployError, match="next run sends it again"):
        run(aws, make_site(tmp_path / "v2", {"faq/index.html": "<p>changed</p>"}))
    aws["cloudfront"].meta.events.unregister("before-send.cloudfront.CreateInvalidation", refuse)
    result, _ = run(aws, make_site(tmp_path / "v3", {"faq/index.html": "<p>changed</p>"}))
    assert result.uploaded == [] and result.invalidated_paths == ["/faq/", "/faq/index.html"]
    assert invalidations(aws) == [["/faq/", "/faq/index.html"]]


def test_rollback_restores_the_previous_release(aws, tmp_path: Path) -> None:
    run(aws, make_site(tmp_path / "v1"))
    v1 = bucket_state(aws)
    run(aws, make_site(tmp_path / "v2", {"faq/index.html": "<p>bad faq</p>", "extra/index.html": "<p>x</p>"}))
    result = rollback(aws["target"], CONFIG, aws["s3"], aws["cloudfront"], say=lambda _: None)
    assert result.uploaded == ["faq/index.html"] and result.deleted == ["extra/index.html"]
    body = aws["s3"].get_object(Bucket=aws["bucket"], Key="faq/index.html")["Body"].read()
    assert body == b"<h1>FAQ</h1>"
    assert {k: v[1] for k, v in bucket_state(aws).items()} == {k: v[1] for k, v in v1.items()}
    assert ["/extra/", "/extra/index.html", "/faq/", "/faq/index.html"] in invalidations(aws)


def test_cli_json_output_and_unchanged_redeploy(aws, tmp_path: Path, capsys) -> None:
    site = make_site(tmp_path / "site")
    argv = ["--root", str(ROOT), "deploy", "--target", "help-production", "--site-dir", str(site),
            "--endpoint-url", aws["endpoint"], "--bucket", aws["bucket"], "--distribution-id",
            aws["distribution_id"], "--format", "json"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert set(first) == {"uploaded", "deleted", "unchanged", "invalidated_paths", "dry_run"}
    assert len(first["uploaded"]) == SITE_FILES and first["dry_run"] is False
    assert main(argv) == 0
    second = json.loads(capsys.readouterr().out)
    assert second == {"uploaded": [], "deleted": [], "unchanged": SITE_FILES, "invalidated_paths": [], "dry_run": False}
    wrong = [a if a != "help-production" else "ops-production" for a in argv[:-2]]
    assert main(wrong) == 1
    assert "public build and target 'ops-production' takes internal builds only" in capsys.readouterr().err


def test_real_build_scans_with_fingerprinted_material_assets(built_sites: dict[str, Path]) -> None:
    local = scan_site(built_sites["public"], CONFIG, "public")
    immutable = [k for k, f in local.items() if "immutable" in f.cache_control]
    assert any(k.startswith("assets/javascripts/bundle.") for k in immutable)
    assert all(is_fingerprinted(k) for k in immutable)
    assert ".busdocs-build.json" not in local
    plan = plan_sync(local, {}, CONFIG, datetime.now(UTC))
    assert [u.key for u in plan.uploads][-1] in ("index.html", "404.html")


# ------------------------------------------------------------------ where deploy writes (issue 15, point 3)


class NoAws:
    """Stands in for a boto3 client that must not be used: any request fails the test."""

    def __getattr__(self, name: str):  # noqa: ANN204
        raise AssertionError(f"an AWS request ({name}) was made before the refusal")


@pytest.mark.parametrize(
    ("target", "audience", "override", "fragment"),
    [
        ("ops-staging", "internal", {"bucket": "busdocs-help-prod"}, "bucket 'busdocs-help-prod' belongs to target "
                                                                    "'help-production'"),
        ("ops-production", "internal", {"distribution_id": "E2STGHELP7K3QD"}, "distribution 'E2STGHELP7K3QD' "
                                                                             "belongs to target 'help-staging'"),
        ("help-staging", "public", {"bucket": "busdocs-ops-prod"}, "bucket 'busdocs-ops-prod' belongs to target "
                                                                  "'ops-production'"),
        ("help-production", "public", {"distribution_id": "E4STGOPS2M8XRT"}, "belongs to target 'ops-staging'"),
    ],
)
def test_overrides_pointing_at_the_other_audience_are_refused_before_any_request(
        tmp_path: Path, target: str, audience: str, override: dict[str, str], fragment: str) -> None:
    chosen = next(t for t in CONFIG.targets if t.name == target).model_copy(update=override)
    site = make_site(tmp_path / "site", audience=audience)
    with pytest.raises(DeployError, match=fragment):
        deploy(site, chosen, CONFIG, NoAws(), NoAws(), say=lambda _: None)
    with pytest.raises(DeployError, match=fragment):
        rollback(chosen, CONFIG, NoAws(), NoAws(), say=lambda _: None)


def test_cli_refuses_an_internal_build_aimed_at_the_help_center_bucket(aws, tmp_path: Path, capsys) -> None:
    aws["s3"].create_bucket(Bucket="busdocs-help-prod")  # the help center's production bucket, in moto
    site = make_site(tmp_path / "ops", audience="internal")
    code = main(["--root", str(ROOT), "deploy", "--target", "ops-staging", "--site-dir", str(site),
                 "--endpoint-url", aws["endpoint"], "--bucket", "busdocs-help-prod"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "bucket 'busdocs-help-prod' belongs to target 'help-production'" in err and "public" in err
    assert aws["s3"].list_objects_v2(Bucket="busdocs-help-prod").get("KeyCount", 0) == 0


def test_cli_help_says_what_overrides_are_for(capsys) -> None:
    assert main(["deploy", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "for tests and S3-compatible stores" in text


# ------------------------------------------------------------------ interrupted deploys (issue 15, point 4)


class Killed(BaseException):
    """The deploy process died (not an Exception: no handler of the deploy code catches it)."""


class Killer:
    """Kills a deploy at the n-th call of one operation, before it is sent or after its answer came back.

    From then on every call on either client fails, as if the process were gone (so nothing such as a
    `finally` cleans up on the way out); `revive()` is the next process.
    """

    def __init__(self, aws, operation: str, n: int, when: str, key_prefix: str = "") -> None:
        self.clients = (aws["s3"], aws["cloudfront"])
        self.operation, self.n, self.when, self.key_prefix = operation, n, when, key_prefix
        self.seen, self.dead, self.dying = 0, False, False
        for client in self.clients:
            client.meta.events.register_first("before-parameter-build", self.before)
            client.meta.events.register_first("after-call", self.after)

    def _matches(self, params: dict, model) -> bool:  # noqa: ANN001
        key = params.get("Key", "")
        if model.name != self.operation:
            return False
        if self.key_prefix == "site":
            return not key.startswith(".busdocs/")
        return key.startswith(self.key_prefix)

    def before(self, params, model, **kwargs) -> None:  # noqa: ANN001
        if self.dead:
            raise Killed(f"dead before {model.name}")
        if self._matches(params, model):
            self.seen += 1
            if self.seen == self.n:
                if self.when == "before":
                    self.dead = True
                    raise Killed(f"killed before {model.name} {params.get('Key', '')}")
                self.dying = True

    def after(self, model, **kwargs) -> None:  # noqa: ANN001
        if self.dying:
            self.dying, self.dead = False, True
            raise Killed(f"killed after {model.name}")

    def revive(self) -> None:
        for client in self.clients:
            client.meta.events.unregister("before-parameter-build", self.before)
            client.meta.events.unregister("after-call", self.after)


V1_EXTRA = {"old/index.html": "<p>old</p>", "assets/stylesheets/extra.css": "a{}"}
V2_EXTRA = {"faq/index.html": "<h1>FAQ v2</h1>", "index.html": "<h1>Home v2</h1>",
            "assets/stylesheets/extra.css": "a{color:red}"}
"""v1 → v2: a new fingerprinted bundle, a changed stylesheet that is not fingerprinted, two changed pages
(the root one last), a page deleted, the old bundle kept."""
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def snapshot(aws) -> dict[str, object]:
    """Everything a deploy leaves behind, without the times and release names that differ between runs."""
    s3, bucket = aws["s3"], aws["bucket"]
    objects = {}
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        if not item["Key"].startswith(".busdocs/"):
            head = s3.head_object(Bucket=bucket, Key=item["Key"])
            objects[item["Key"]] = (item["ETag"].strip('"'), head.get("CacheControl"), head.get("ContentType"),
                                    head.get("Metadata", {}).get("sha256"))

    def read(key: str) -> dict:
        return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())

    def normal(entries: dict) -> dict:
        return {k: {**{f: v for f, v in e.items() if f != "removed_at"}, "removed": "removed_at" in e}
                for k, e in entries.items()}

    manifest = read(".busdocs/manifest.json")
    release = read(f".busdocs/releases/{manifest['releases'][-1]}.json")
    listed = {i["Key"] for i in s3.list_objects_v2(Bucket=bucket, Prefix=".busdocs/").get("Contents", [])}
    return {"bucket": objects, "manifest": normal(manifest["objects"]), "release": normal(release["objects"]),
            "releases": len(manifest["releases"]),
            "pending": bool(manifest.get("pending_invalidations")) or ".busdocs/pending.json" in listed,
            "invalidated": sorted({p for paths in invalidations(aws) for p in paths})}


@pytest.fixture(scope="module")
def clean_v2(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """v1 then v2 deployed without incident: what every interrupted-then-rerun deploy must end as."""
    with pytest.MonkeyPatch.context() as mp:
        aws_env(mp)
        ctx = aws_context(moto_endpoint, "t-clean-reference")
        folder = tmp_path_factory.mktemp("clean")
        run(ctx, make_site(folder / "v1", V1_EXTRA), now=T0)
        run(ctx, make_site(folder / "v2", V2_EXTRA, asset_hash="b6e0a7d1"), now=T0 + timedelta(hours=1))
        return snapshot(ctx)


KILL_POINTS = [
    ("PutObject", 1, "before", "site"),                # planned, nothing uploaded yet
    ("PutObject", 2, "after", "site"),                 # the new bundle and the changed stylesheet are up
    ("PutObject", 4, "before", "site"),                # all but the root page
    ("PutObject", 1, "before", ".busdocs/releases/"),  # every upload done, no release record
    ("PutObject", 1, "after", ".busdocs/manifest"),    # release recorded, old page not yet deleted
    ("DeleteObjects", 1, "after", ""),                 # deleted, not invalidated
    ("CreateInvalidation", 1, "after", ""),            # invalidation sent, not recorded as sent
]


@pytest.mark.parametrize(("operation", "n", "when", "key_prefix"), KILL_POINTS)
def test_a_rerun_after_a_killed_deploy_ends_like_a_clean_deploy(aws, tmp_path: Path, clean_v2, operation: str,
                                                                n: int, when: str, key_prefix: str) -> None:
    run(aws, make_site(tmp_path / "v1", V1_EXTRA), now=T0)
    v2 = make_site(tmp_path / "v2", V2_EXTRA, asset_hash="b6e0a7d1")
    killer = Killer(aws, operation, n, when, key_prefix)
    with pytest.raises(Killed):
        run(aws, v2, now=T0 + timedelta(hours=1))
    killer.revive()
    _, lines = run(aws, v2, now=T0 + timedelta(hours=2), break_lock=True)  # the dead run's lock has expired
    assert any("broke the lock" in line for line in lines)
    after = snapshot(aws)
    assert after["bucket"] == clean_v2["bucket"]
    assert after["manifest"] == clean_v2["manifest"]
    assert after["release"] == clean_v2["release"]
    assert after["releases"] == clean_v2["releases"]  # a rollback goes back to v1, not to a copy of v2
    assert after["invalidated"] == clean_v2["invalidated"]
    assert not after["pending"]


def test_rollback_after_an_interrupted_deploy_restores_exact_bodies(aws, tmp_path: Path) -> None:
    run(aws, make_site(tmp_path / "v1", V1_EXTRA), now=T0)
    v2 = make_site(tmp_path / "v2", V2_EXTRA, asset_hash="b6e0a7d1")
    killer = Killer(aws, "PutObject", 3, "before", "site")  # the bundle and the stylesheet are up
    with pytest.raises(Killed):
        run(aws, v2, now=T0 + timedelta(hours=1))
    killer.revive()
    run(aws, v2, now=T0 + timedelta(hours=2), break_lock=True)
    v2_bodies = {k: aws["s3"].get_object(Bucket=aws["bucket"], Key=k)["Body"].read() for k in bucket_state(aws)}
    run(aws, make_site(tmp_path / "v3", {**V2_EXTRA, "assets/stylesheets/extra.css": "a{color:blue}",
                                         "faq/index.html": "<h1>FAQ v3</h1>"}, asset_hash="b6e0a7d1"),
        now=T0 + timedelta(hours=3))
    rollback(aws["target"], CONFIG, aws["s3"], aws["cloudfront"], say=lambda _: None, now=T0 + timedelta(hours=4))
    after = {k: aws["s3"].get_object(Bucket=aws["bucket"], Key=k)["Body"].read() for k in bucket_state(aws)}
    assert after == v2_bodies


# ------------------------------------------------------------------ one deploy at a time (issue 15, point 5)

LOCK_KEY = ".busdocs/lock.json"


def plant_lock(aws, *, owner: str = "ci@runner-7", host: str = "runner-7", pid: int = 4242,
               started: datetime = T0, minutes: int = 10) -> None:
    """A lock as another deploy would hold it."""
    body = {"owner": owner, "host": host, "pid": pid, "started": started.isoformat(), "token": "theirs",
            "expires": (started + timedelta(minutes=minutes)).isoformat(), "command": "deploy", "target": "x"}
    aws["s3"].put_object(Bucket=aws["bucket"], Key=LOCK_KEY, Body=json.dumps(body).encode())


def lock_body(aws) -> dict | None:
    try:
        return json.loads(aws["s3"].get_object(Bucket=aws["bucket"], Key=LOCK_KEY)["Body"].read())
    except aws["s3"].exceptions.NoSuchKey:
        return None


def test_a_second_deploy_during_the_first_exits_naming_the_holder(aws, tmp_path: Path) -> None:
    first, second = make_site(tmp_path / "first"), make_site(tmp_path / "second", {"faq/index.html": "<p>2nd</p>"})
    refusals: list[str] = []

    def meanwhile(done: int, total: int, key: str) -> None:
        if done == 1:  # the first deploy is uploading: a second one starts
            with pytest.raises(DeployError) as refused:
                run(aws, second)
            refusals.append(str(refused.value))

    run(aws, first, progress=meanwhile)
    assert len(refusals) == 1
    assert "locked" in refusals[0] and f"pid {os.getpid()}" in refusals[0] and "@" in refusals[0]
    s3, bucket = aws["s3"], aws["bucket"]
    assert s3.get_object(Bucket=bucket, Key="faq/index.html")["Body"].read() == b"<h1>FAQ</h1>"
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=".busdocs/manifest.json")["Body"].read())
    assert {k: e["etag"] for k, e in manifest["objects"].items()} == {k: v[0].strip('"')
                                                                      for k, v in bucket_state(aws).items()}
    assert len(manifest["releases"]) == 1 and lock_body(aws) is None


def test_the_lock_is_a_conditional_put_that_the_store_enforces(aws, tmp_path: Path) -> None:
    from botocore.exceptions import ClientError

    seen: list[dict] = []
    aws["s3"].meta.events.register("provide-client-params.s3.PutObject", lambda params, **kw: seen.append(
        dict(params)) if params["Key"] == LOCK_KEY else None)
    run(aws, make_site(tmp_path / "site"))
    assert seen and seen[0].get("IfNoneMatch") == "*"
    body = json.loads(seen[0]["Body"])
    assert {"owner", "host", "pid", "started", "expires", "token"} <= set(body) and body["pid"] == os.getpid()
    plant_lock(aws)  # moto enforces If-None-Match: a second conditional PUT is refused with 412
    with pytest.raises(ClientError, match="PreconditionFailed"):
        aws["s3"].put_object(Bucket=aws["bucket"], Key=LOCK_KEY, Body=b"{}", IfNoneMatch="*")


def test_cli_a_held_lock_exits_1_naming_the_holder_and_changes_nothing(aws, tmp_path: Path, capsys) -> None:
    plant_lock(aws, started=datetime.now(UTC))
    argv = ["--root", str(ROOT), "deploy", "--target", "help-production", "--site-dir",
            str(make_site(tmp_path / "site")), "--endpoint-url", aws["endpoint"], "--bucket", aws["bucket"],
            "--distribution-id", aws["distribution_id"]]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "locked by another deploy: ci@runner-7 (pid 4242" in err and "Traceback" not in err
    assert main([*argv, "--break-lock"]) == 1  # neither expired nor stale: --break-lock does not break it
    assert "not expired" in capsys.readouterr().err
    assert bucket_state(aws) == {} and lock_body(aws)["token"] == "theirs"


def test_break_lock_breaks_an_expired_lock_only_when_asked(aws, tmp_path: Path) -> None:
    plant_lock(aws, started=T0)
    site = make_site(tmp_path / "site")
    with pytest.raises(DeployError, match="ci@runner-7.*--break-lock"):
        run(aws, site, now=T0 + timedelta(hours=1))
    result, lines = run(aws, site, now=T0 + timedelta(hours=1), break_lock=True)
    assert len(result.uploaded) == SITE_FILES and any("broke the lock of ci@runner-7" in line for line in lines)
    assert lock_body(aws) is None


def test_break_lock_breaks_a_lock_whose_process_is_gone_from_this_host(aws, tmp_path: Path) -> None:
    import socket
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()
    plant_lock(aws, owner=f"me@{socket.gethostname()}", host=socket.gethostname(), pid=gone.pid, started=T0)
    result, lines = run(aws, make_site(tmp_path / "site"), now=T0 + timedelta(minutes=1), break_lock=True)
    assert len(result.uploaded) == SITE_FILES and any(f"process {gone.pid}" in line for line in lines)


def test_the_lock_is_released_on_failure(aws, tmp_path: Path) -> None:
    run(aws, make_site(tmp_path / "v1", {f"p{i}/index.html": f"<p>{i}</p>" for i in range(10)}))
    with pytest.raises(DeployError, match="max_delete_share"):
        run(aws, make_site(tmp_path / "v2"))
    assert lock_body(aws) is None

    def refuse(request, **kwargs):
        return error_response(request, 500)

    aws["cloudfront"].meta.events.register_first("before-send.cloudfront.CreateInvalidation", refuse)
    held: list[dict | None] = []
    with pytest.raises(DeployError, match="next run sends it again"):
        run(aws, make_site(tmp_path / "v3", {f"p{i}/index.html": f"<p>{i}!</p>" for i in range(10)}),
            progress=lambda *_: held.append(lock_body(aws)))
    assert held and held[0]["pid"] == os.getpid()  # held while uploading
    assert lock_body(aws) is None


def test_a_dry_run_takes_no_lock_and_says_who_holds_it(aws, tmp_path: Path) -> None:
    plant_lock(aws, started=datetime.now(UTC))
    calls: list[str] = []
    aws["s3"].meta.events.register("provide-client-params.s3.*",
                                   lambda params, **kw: calls.append(kw["event_name"].split(".")[-1]))
    result, lines = run(aws, make_site(tmp_path / "site"), dry_run=True)
    assert result.dry_run and len(result.uploaded) == SITE_FILES
    assert not {"PutObject", "DeleteObject", "CopyObject", "DeleteObjects"} & set(calls)
    assert any("ci@runner-7" in line for line in lines) and lock_body(aws)["token"] == "theirs"


def test_a_run_whose_lock_was_broken_stops(aws, tmp_path: Path, monkeypatch) -> None:
    import busdocs.deploy.aws

    monkeypatch.setattr(busdocs.deploy.aws, "LOCK_RENEW_SECONDS", 0.0)  # renew after every upload
    site = make_site(tmp_path / "site", {f"p{i}/index.html": f"<p>{i}</p>" for i in range(3)})
    expiries: list[str] = []

    def meanwhile(done: int, total: int, key: str) -> None:
        expiries.append(lock_body(aws)["expires"])
        if done == 3:  # someone breaks our lock and takes it
            aws["s3"].delete_object(Bucket=aws["bucket"], Key=LOCK_KEY)
            plant_lock(aws, started=datetime.now(UTC))

    with pytest.raises(DeployError, match="lock .*ci@runner-7"):
        run(aws, site, progress=meanwhile)
    assert expiries[1] > expiries[0]  # renewed while running
    assert lock_body(aws)["token"] == "theirs"  # their lock is left alone


@pytest.mark.parametrize(
    ("info", "breakable"),
    [
        ({"expires": "2027-03-01T09:10:00+00:00", "pid": 1, "host": "elsewhere"}, None),
        ({"expires": "2027-03-01T08:59:00+00:00", "pid": 1, "host": "elsewhere"}, "expired"),
        ({"expires": "2027-03-01T08:59:00", "pid": 1, "host": "elsewhere"}, "expired"),  # no zone: UTC
        ({"expires": "2027-03-01T09:10:00+00:00", "pid": os.getpid(), "host": "here"}, None),  # alive here
        ({"expires": "soon", "pid": 1}, "cannot be read"),
        ({}, "cannot be read"),
    ],
)
def test_which_locks_may_be_broken(info: dict, breakable: str | None) -> None:
    from busdocs.deploy.aws import lock_breakable

    why = lock_breakable(info, T0, "here")
    assert (why is None) if breakable is None else (breakable in why)


# ------------------------------------------------------------------ access preflight (issue 17)
#
# moto 5.2 keeps a distribution's WebACLId and origin domain names, the bucket's public access block
# and its policy: the checks below run against those over HTTP. It drops OriginAccessControlId,
# FunctionAssociations and ResponseHeadersPolicyId from distribution configs (so deploy does not rely
# on them), and accepts a public bucket policy even with BlockPublicPolicy on (AWS refuses that
# PUT), which lets a test show the policy check on its own.

OPS = next(t for t in CONFIG.targets if t.name == "ops-production")
STAFF_ACL = ("arn:aws:wafv2:us-east-1:111122223333:global/webacl/busdocs-ops-test-staff-only/"
             "4f1d2c3b-9a8e-4c7d-b6a5-0e1f2a3b4c5d")
OTHER_ACL = "arn:aws:wafv2:us-east-1:111122223333:global/webacl/help-rate-limit/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
PUBLIC_READ = {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
               "Resource": "arn:aws:s3:::b/*"}
CLOUDFRONT_READ = {"Sid": "CloudFrontReadsThroughOriginAccessControl", "Effect": "Allow",
                   "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
                   "Resource": "arn:aws:s3:::b/*",
                   "Condition": {"StringEquals": {
                       "AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/EDIST"}}}
DENY_HTTP = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": "arn:aws:s3:::b/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def with_condition(statement: dict, condition: dict | None) -> dict:
    return {k: v for k, v in statement.items() if k != "Condition"} | ({"Condition": condition} if condition else {})


@pytest.mark.parametrize(
    ("audience", "changes", "fragments"),
    [
        ("internal", {}, []),
        ("public", {"web_acl": ""}, []),
        ("public", {"web_acl": OTHER_ACL}, []),                  # a public ACL (rate limit) is fine
        ("internal", {"web_acl": ""}, ["has no web ACL: the ops site would be open to the internet. Deploy "
                                       "infra/hosting.yaml with SiteAudience=internal"]),
        ("internal", {"web_acl": OTHER_ACL}, ["'" + OTHER_ACL + "', which is not a staff-only ACL"]),
        ("internal", {"web_acl": "473e64fd-f30b-4765-81a0-62ad96dd167a"}, ["not a staff-only ACL"]),  # WAF Classic
        ("public", {"web_acl": STAFF_ACL}, ["staff-only web ACL 'busdocs-ops-test-staff-only' attached: students "
                                            "and drivers off the university network would get 403"]),
        ("internal", {"origins": ("b.s3-website-us-east-1.amazonaws.com",)}, ["does not serve s3://b"]),
        ("internal", {"origins": ("other.s3.us-east-1.amazonaws.com",)}, ["does not serve s3://b"]),
        ("internal", {"origins": ("b.s3.us-east-1.amazonaws.com",)}, []),
        ("internal", {"public_access_block": None}, ["has no public access block"]),
        ("public", {"public_access_block": {**PRIVATE, "RestrictPublicBuckets": False}},
         ["RestrictPublicBuckets is off"]),
        ("internal", {"public_access_block": {**PRIVATE, "BlockPublicAcls": False, "IgnorePublicAcls": False}},
         ["BlockPublicAcls, IgnorePublicAcls are off"]),
        ("internal", {"policy": policy(CLOUDFRONT_READ, DENY_HTTP)}, []),
        ("internal", {"policy": policy(PUBLIC_READ)}, ["statement PublicRead grants s3:GetObject to everyone"]),
        ("public", {"policy": policy(with_condition(PUBLIC_READ, {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}))},
         ["to everyone"]),
        ("internal", {"policy": policy({**PUBLIC_READ, "Principal": {"AWS": ["*"]}})}, ["to everyone"]),
        ("internal", {"policy": policy(with_condition(PUBLIC_READ, CLOUDFRONT_READ["Condition"]))}, []),
        ("internal", {"policy": policy(with_condition(CLOUDFRONT_READ, None))},
         ["distributions other than EDIST"]),
        ("internal", {"policy": policy(with_condition({**CLOUDFRONT_READ, "Principal": {"Service": [
            "cloudfront.amazonaws.com"]}}, None))}, ["other than EDIST"]),
        ("internal", {"policy": policy(with_condition(CLOUDFRONT_READ, {"ArnLike": {
            "aws:SourceArn": "arn:aws:cloudfront::111122223333:distribution/*"}}))}, ["other than EDIST"]),
        ("internal", {"policy": policy({**CLOUDFRONT_READ, "Principal": "*", "Sid": None} | {"NotPrincipal": {
            "AWS": "arn:aws:iam::111122223333:root"}})}, ["NotPrincipal"]),
        ("internal", {"policy": "{not json"}, ["is not JSON"]),
        ("internal", {"web_acl": "", "public_access_block": None, "policy": policy(PUBLIC_READ)},
         ["no web ACL", "no public access block", "to everyone"]),      # every reason at once
    ],
)
def test_access_preflight_decisions(audience: str, changes: dict, fragments: list[str]) -> None:
    from busdocs.deploy.plan import AccessState, check_access

    state = AccessState(**({"distribution_id": "EDIST", "bucket": "b", "web_acl": STAFF_ACL if audience == "internal"
                            else "", "origins": ("b.s3.amazonaws.com",), "public_access_block": PRIVATE,
                            "policy": None} | changes))
    problems = check_access(state, audience)
    assert len(problems) == len(fragments), problems
    for problem, fragment in zip(problems, fragments, strict=True):
        assert fragment in problem


@pytest.mark.parametrize(
    ("key", "audience", "cache"),
    [
        ("downloads/oncall-handbook.pdf", "internal", "private, no-store"),
        ("downloads/bus-tracker-ops-offline.zip", "internal", "private, no-store"),
        ("downloads/student-guide.pdf", "public", "public, max-age=3600, must-revalidate"),
        ("runbooks/downloads/index.html", "internal", "public, max-age=0, must-revalidate"),  # anchored at the root
        ("index.html", "internal", "public, max-age=0, must-revalidate"),
    ],
)
def test_ops_downloads_are_private(key: str, audience: str, cache: str) -> None:
    assert headers_for(key, CONFIG.headers, CONFIG.content_types, audience)[0] == cache


def test_stack_parameters_come_from_data() -> None:
    from busdocs.deploy.plan import stack_parameters

    ops = {p["ParameterKey"]: p["ParameterValue"] for p in stack_parameters(OPS, CONFIG)}
    assert ops["SiteAudience"] == "internal" and ops["SiteName"] == "busdocs-ops-prod"
    assert ops["StaffIpv4Ranges"].split(",") == [r.cidr for r in CONFIG.access.staff_ranges]
    assert ops["RateLimit"] == str(CONFIG.access.rate_limit.requests)
    assert ops["DomainName"] == "ops.university-bus-tracker.com"
    help_center = {p["ParameterKey"]: p["ParameterValue"] for p in stack_parameters(TARGET, CONFIG)}
    assert help_center["SiteAudience"] == "public" and help_center["StaffIpv4Ranges"] == ""


@pytest.fixture
def ops_aws(moto_endpoint: str, monkeypatch, request):  # noqa: ANN001, ANN201
    """Like `aws`, for the ops-production target; `request.param` are options of `new_target`."""
    aws_env(monkeypatch)
    bucket = f"o-{request.node.name.lower().replace('_', '-').replace('[', '-')[:40]}-{id(request) % 9999}"
    return aws_context(moto_endpoint, bucket.strip("-]"), target=OPS, **getattr(request, "param", {}))


def everything_in(aws) -> list[str]:
    """Every key in the bucket, deploy state included (a refused run leaves no lock, no pending record)."""
    return [i["Key"] for i in aws["s3"].list_objects_v2(Bucket=aws["bucket"]).get("Contents", [])]


@pytest.mark.parametrize("ops_aws", [{"web_acl": ""}], indirect=True)
def test_internal_build_to_a_distribution_without_the_guard_is_refused(ops_aws, tmp_path: Path) -> None:
    site = make_site(tmp_path / "ops", audience="internal")
    with pytest.raises(DeployError, match="has no web ACL: the ops site would be open to the internet") as refused:
        run(ops_aws, site)
    assert "nothing was uploaded" in str(refused.value)
    assert everything_in(ops_aws) == [] and invalidations(ops_aws) == []
    with pytest.raises(DeployError, match="has no web ACL"):  # a dry run says so too
        run(ops_aws, site, dry_run=True)
    with pytest.raises(DeployError, match="has no web ACL"):  # and so does a rollback
        rollback(ops_aws["target"], CONFIG, ops_aws["s3"], ops_aws["cloudfront"], say=lambda _: None)


@pytest.mark.parametrize("ops_aws", [{"web_acl": STAFF_ACL}], indirect=True)
def test_internal_build_behind_the_staff_only_acl_deploys_with_private_downloads(ops_aws, tmp_path: Path) -> None:
    site = make_site(tmp_path / "ops", {"downloads/oncall-handbook.pdf": "%PDF-1.7",
                                        "runbooks/index.html": "<h1>R</h1>"}, audience="internal")
    result, lines = run(ops_aws, site)
    assert len(result.uploaded) == 11
    assert lines[0].startswith("access checked:") and "busdocs-ops-test-staff-only" in lines[0]
    state = bucket_state(ops_aws)
    assert state["downloads/oncall-handbook.pdf"][1] == "private, no-store"
    assert state["runbooks/index.html"][1] == "public, max-age=0, must-revalidate"


@pytest.mark.parametrize("ops_aws", [{"web_acl": OTHER_ACL}], indirect=True)
def test_internal_build_behind_some_other_acl_is_refused(ops_aws, tmp_path: Path) -> None:
    with pytest.raises(DeployError, match="not a staff-only ACL"):
        run(ops_aws, make_site(tmp_path / "ops", audience="internal"))
    assert everything_in(ops_aws) == []


@pytest.mark.parametrize("ops_aws", [{"web_acl": STAFF_ACL}], indirect=True)
def test_a_public_bucket_policy_is_refused(ops_aws, tmp_path: Path) -> None:
    bucket = ops_aws["bucket"]
    public_read = {**PUBLIC_READ, "Resource": f"arn:aws:s3:::{bucket}/*"}
    ops_aws["s3"].put_bucket_policy(Bucket=bucket, Policy=policy(public_read))
    with pytest.raises(DeployError, match="statement PublicRead grants s3:GetObject to everyone"):
        run(ops_aws, make_site(tmp_path / "ops", audience="internal"))
    assert everything_in(ops_aws) == []
    grant = with_condition(CLOUDFRONT_READ, {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::111122223333:"
                                                               f"distribution/{ops_aws['distribution_id']}"}})
    ops_aws["s3"].put_bucket_policy(Bucket=bucket, Policy=policy({**grant, "Resource": f"arn:aws:s3:::{bucket}/*"}))
    result, _ = run(ops_aws, make_site(tmp_path / "ops2", audience="internal"))  # only its distribution: fine
    assert len(result.uploaded) == 9   # the ops site has no feedback beacons


@pytest.mark.parametrize("ops_aws", [{"web_acl": STAFF_ACL, "public_access_block": None}], indirect=True)
def test_a_bucket_without_public_access_block_is_refused(ops_aws, tmp_path: Path) -> None:
    with pytest.raises(DeployError, match="has no public access block"):
        run(ops_aws, make_site(tmp_path / "ops", audience="internal"))
    assert everything_in(ops_aws) == []


def test_public_target_with_the_staff_only_acl_is_refused(moto_endpoint: str, monkeypatch, tmp_path: Path) -> None:
    aws_env(monkeypatch)
    aws = aws_context(moto_endpoint, "t-help-behind-staff-acl", web_acl=STAFF_ACL)
    with pytest.raises(DeployError, match="staff-only web ACL 'busdocs-ops-test-staff-only' attached: students"):
        run(aws, make_site(tmp_path / "help"))
    assert everything_in(aws) == []


@pytest.mark.parametrize("ops_aws", [{"web_acl": ""}], indirect=True)
def test_cli_refuses_the_unguarded_ops_site_with_exit_1_and_no_traceback(ops_aws, tmp_path: Path, capsys) -> None:
    argv = ["--root", str(ROOT), "deploy", "--target", "ops-production", "--site-dir",
            str(make_site(tmp_path / "ops", audience="internal")), "--endpoint-url", ops_aws["endpoint"],
            "--bucket", ops_aws["bucket"], "--distribution-id", ops_aws["distribution_id"]]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"distribution {ops_aws['distribution_id']} has no web ACL" in err
    assert everything_in(ops_aws) == []


def test_cli_a_distribution_that_does_not_exist_is_a_clear_refusal(aws, tmp_path: Path, capsys) -> None:
    argv = ["--root", str(ROOT), "deploy", "--target", "help-production", "--site-dir",
            str(make_site(tmp_path / "site")), "--endpoint-url", aws["endpoint"], "--bucket", aws["bucket"],
            "--distribution-id", "E0NOSUCHDIST00"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "CloudFront distribution E0NOSUCHDIST00 does not exist" in err and "Traceback" not in err
    assert everything_in(aws) == []


def test_cli_prints_stack_parameters_and_warns_about_unverified_ranges(capsys) -> None:
    assert main(["--root", str(ROOT), "deploy", "--target", "ops-staging", "--stack-parameters"]) == 0
    out, err = capsys.readouterr()
    params = {p["ParameterKey"]: p["ParameterValue"] for p in json.loads(out)}
    assert params["SiteName"] == "busdocs-ops-staging" and params["SiteAudience"] == "internal"
    unverified = [r.cidr for r in CONFIG.access.staff_ranges if not r.verified]
    assert ("not verified" in err) == bool(unverified) and all(cidr in err for cidr in unverified)
