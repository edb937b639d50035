"""Previews of a change (issue 21): numbers and prefixes refused before any request, a preview build
deployed under previews/pr-<n>/ of a moto bucket with every link, asset and search entry inside the
prefix, and removal that deletes exactly that prefix."""

from __future__ import annotations

import contextlib
import io
import json
import posixpath
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import boto3
import pytest

from busdocs import buildrecord
from busdocs.cli import main
from busdocs.deploy import aws as deploy_aws
from busdocs.deploy.aws import DeployError, deploy
from busdocs.deploy.preview import (PreviewRefused, preview_number, preview_prefix, preview_target,
                                    remove_preview)
from tests.pages import start_tags
from tests.test_deploy import CONFIG, aws_env, make_site, new_target

STAGING = next(t for t in CONFIG.targets if t.name == "help-staging")


@pytest.mark.parametrize("text", ["0", "-1", "07", "7a", "../7", "7/../../x", "", "1e3", "pr-7", "١٢"])
def test_a_preview_number_must_be_a_positive_whole_number(text: str) -> None:
    with pytest.raises(PreviewRefused):
        preview_number(text)


@pytest.mark.parametrize("number", [0, -3, True, "7"])
def test_a_prefix_cannot_leave_previews(number) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PreviewRefused):
        preview_prefix(number)


def test_the_prefix_and_the_targets_that_take_previews() -> None:
    assert preview_number("42") == 42 and preview_prefix(42) == "previews/pr-42/"
    assert preview_target(CONFIG, "public").name == "help-staging"
    assert preview_target(CONFIG, "internal").name == "ops-staging"
    with pytest.raises(PreviewRefused, match="takes no previews"):
        preview_target(CONFIG, "public", "help-production")


@pytest.fixture
def no_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("a client was made: the request should have been refused before")

    monkeypatch.setattr(deploy_aws, "make_clients", refuse)


@pytest.mark.parametrize("argv, code, message", [
    (["--target", "help-staging", "--preview", "seven"], 2, "not a positive whole number"),
    (["--target", "help-staging", "--preview", "0"], 2, "not a positive whole number"),
    (["--target", "help-staging", "--remove-preview", "../1"], 2, "not a positive whole number"),
    (["--target", "ops-staging", "--remove-preview", "1/../../"], 2, "not a positive whole number"),
    (["--target", "help-production", "--preview", "7"], 1, "takes no previews"),
    (["--target", "ops-production", "--remove-preview", "7"], 1, "takes no previews"),
], ids=["word", "zero", "dotdot", "escape", "production", "production-remove"])
def test_bad_preview_input_is_refused_before_any_request(no_requests, argv, code, message, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["deploy", *argv]) == code
    assert message in capsys.readouterr().err


def test_a_normal_build_is_not_a_preview_and_a_preview_build_is_not_the_site(no_requests, tmp_path: Path,
                                                                            capsys) -> None:  # type: ignore[no-untyped-def]
    site = make_site(tmp_path / "site")
    assert main(["deploy", "--target", "help-staging", "--preview", "7", "--site-dir", str(site)]) == 1
    assert "not a preview build" in capsys.readouterr().err
    buildrecord.write_marker(site, "public", "complete", "production", preview=8)
    assert main(["deploy", "--target", "help-staging", "--preview", "7", "--site-dir", str(site)]) == 1
    assert "preview build of change #8" in capsys.readouterr().err
    with pytest.raises(DeployError, match="preview build of change #8"):
        deploy_aws.check_build(site, STAGING)


# ------------------------------------------------------------------ against a moto server


@pytest.fixture(scope="module")
def moto_endpoint():  # type: ignore[no-untyped-def]
    from moto.server import ThreadedMotoServer  # here, not at the top: every test process collects this file

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # a free port, chosen now
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def staging(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, request) -> dict:  # type: ignore[no-untyped-def]
    aws_env(monkeypatch)
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    cloudfront = boto3.client("cloudfront", endpoint_url=moto_endpoint, region_name="us-east-1")
    bucket = f"pv-{request.node.name.lower().replace('_', '-')[:30]}-{id(request) % 9999}"
    target = new_target(s3, cloudfront, bucket, target=STAGING)
    return {"s3": s3, "cloudfront": cloudfront, "target": target, "endpoint": moto_endpoint}


def _keys(s3, bucket: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])}


def _put(s3, bucket: str, keys: list[str]) -> None:  # type: ignore[no-untyped-def]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())


def test_remove_deletes_exactly_that_prefix(staging: dict) -> None:
    s3, target = staging["s3"], staging["target"]
    others = ["index.html", "faq/index.html", "previews/pr-30/index.html", "previews/pr-3x", "previews/pr-4/index.html",
              ".busdocs/manifest.json"]
    mine = ["previews/pr-3/index.html", "previews/pr-3/assets/app.js", "previews/pr-3/search/search_index.json"]
    _put(s3, target.bucket, others + mine)
    result = remove_preview(target, CONFIG, s3, staging["cloudfront"], 3, say=lambda line: None)
    assert sorted(result["deleted"]) == sorted(mine)
    assert _keys(s3, target.bucket) == set(others)
    assert result["invalidated_paths"] == ["/previews/pr-3/*"]
    again = remove_preview(target, CONFIG, s3, staging["cloudfront"], 3, say=lambda line: None)
    assert again["deleted"] == [] and again["invalidated_paths"] == []


def test_a_deploy_of_the_site_leaves_the_previews_alone(staging: dict, tmp_path: Path) -> None:
    s3, target = staging["s3"], staging["target"]
    previews = [f"previews/pr-{n}/page{i}/index.html" for n in range(1, 4) for i in range(20)]
    _put(s3, target.bucket, previews)  # 60 objects: more than the delete share would allow
    result = deploy(make_site(tmp_path / "site"), target, CONFIG, s3, staging["cloudfront"], say=lambda line: None)
    assert result.deleted == [] and not any(k.startswith("previews/") for k in result.uploaded)
    assert set(previews) <= _keys(s3, target.bucket)


@pytest.mark.slow
def test_a_preview_deploys_under_its_prefix_and_everything_resolves_inside_it(
        staging: dict, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A copy with the shared caches: its pages render afresh (BUSDOCS_PREVIEW is in every key of the
    # render cache), while the Urdu edition's font subset, the same characters, is not made again.
    s3, target = staging["s3"], staging["target"]
    monkeypatch.setenv("BUSDOCS_PREVIEW", "7")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["--root", str(project), "build", "--site", "public", "--out", str(tmp_path / "site")]) == 0, \
            err.getvalue()
    monkeypatch.delenv("BUSDOCS_PREVIEW")
    site = tmp_path / "site" / "public"
    url = STAGING.base_url + "previews/pr-7/"
    assert buildrecord.read_marker(site)["preview"] == 7
    # noindex and the banner on every page, the sitemap under the prefix
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert '<meta name="robots" content="noindex, nofollow">' in text, page
        assert "Preview of change #7" in text, page
    locs = [loc.split("</loc>")[0] for loc in (site / "sitemap.xml").read_text().split("<loc>")[1:]]
    assert locs and all(loc.startswith(url) for loc in locs)
    # an unrelated object of the bucket, and another preview, stay
    _put(s3, target.bucket, ["index.html", "previews/pr-70/index.html"])

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--root", str(project), "deploy", "--target", "help-staging", "--preview", "7", "--site-dir",
                     str(site), "--endpoint-url", staging["endpoint"], "--bucket", target.bucket,
                     "--distribution-id", target.distribution_id, "--format", "json"])
    assert code == 0
    result = json.loads(out.getvalue())
    assert result["url"] == url and result["invalidated_paths"] == ["/previews/pr-7/*"]
    keys = _keys(s3, target.bucket)
    uploaded = {k for k in keys if k.startswith("previews/pr-7/")}
    assert keys - uploaded == {"index.html", "previews/pr-70/index.html"}
    assert len(uploaded) == sum(1 for p in site.rglob("*") if p.is_file() and not p.name.startswith("."))

    # walk every uploaded page: each link and asset of this site resolves to an object inside the prefix
    host = urlsplit(url).netloc
    missing, outside, checked = [], [], 0
    for key in sorted(k for k in uploaded if k.endswith(".html")):
        html = s3.get_object(Bucket=target.bucket, Key=key)["Body"].read().decode()
        page_url = "https://" + host + "/" + key
        for attrs in start_tags(html, ("a", "link", "script", "img", "source")):
            ref = attrs.get("href") or attrs.get("src")
            if not ref or ref.startswith(("mailto:", "tel:", "#", "data:", "javascript:")):
                continue
            absolute = urljoin(page_url, ref)
            parts = urlsplit(absolute)
            if parts.netloc != host:
                continue  # another site (the status page, the production help center)
            path = parts.path.lstrip("/")
            if not path.startswith("previews/pr-7/"):
                outside.append(f"{key}: {ref}")
                continue
            if path.endswith("/") or not posixpath.splitext(path)[1]:
                path = path.rstrip("/") + "/index.html"
            checked += 1
            if path not in keys and not path.startswith("previews/pr-7/downloads/"):
                missing.append(f"{key}: {ref}")
    assert not outside, outside[:10]
    assert not missing, missing[:10]
    assert checked > 500
    index = json.loads(s3.get_object(Bucket=target.bucket, Key="previews/pr-7/search/search_index.json")["Body"].read())
    for doc in index["docs"]:
        location = doc["location"].split("#")[0]
        path = "previews/pr-7/" + (location.rstrip("/") + "/index.html" if location else "index.html")
        assert path.replace("//", "/") in keys, doc["location"]

    # remove: exactly the prefix
    assert main(["deploy", "--target", "help-staging", "--remove-preview", "7", "--endpoint-url", staging["endpoint"],
                 "--bucket", target.bucket, "--distribution-id", target.distribution_id]) == 0
    assert _keys(s3, target.bucket) == {"index.html", "previews/pr-70/index.html"}


@pytest.mark.parametrize("value", ["abc", "../../x"])
def test_a_bad_busdocs_preview_stops_the_build_at_once(root: Path, tmp_path: Path, monkeypatch, capsys,
                                                       value: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BUSDOCS_PREVIEW", value)
    assert main(["--root", str(root), "build", "--site", "public", "--out", str(tmp_path / "site")]) == 1
    assert "BUSDOCS_PREVIEW: preview number" in capsys.readouterr().err
    assert not (tmp_path / "site" / "public").exists()
