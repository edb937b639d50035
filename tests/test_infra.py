"""infra/: CloudFormation for the hosting, checked offline by cfn-lint."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.api import lint
from cfnlint.decode import decode

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "hosting.yaml"


@pytest.fixture(scope="module")
def template() -> dict:
    decoded, matches = decode(str(TEMPLATE))
    assert not matches, matches
    return decoded


def test_cfn_lint_finds_nothing() -> None:
    matches = lint(TEMPLATE.read_text(), regions=["us-east-1"])
    assert [str(m) for m in matches] == []


def test_bucket_is_private_versioned_encrypted_and_logged(template: dict) -> None:
    bucket = template["Resources"]["SiteBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert bucket["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerEnforced"
    assert "LoggingConfiguration" in bucket


def test_cloudfront_uses_oac_https_compression_function_errors_headers_and_logs(template: dict) -> None:
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    origin = config["Origins"][0]
    assert "OriginAccessControlId" in origin and origin["S3OriginConfig"]["OriginAccessIdentity"] == ""
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https" and behavior["Compress"] is True
    assert behavior["FunctionAssociations"][0]["EventType"] == "viewer-request"
    assert "ResponseHeadersPolicyId" in behavior
    assert {(e["ErrorCode"], e["ResponsePagePath"]) for e in config["CustomErrorResponses"]} == {
        (403, "/404.html"), (404, "/404.html")}
    assert "Logging" in config
    code = template["Resources"]["DirectoryIndexFunction"]["Properties"]["FunctionCode"]
    assert "uri + 'index.html'" in code
    csp = (template["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
           ["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    assert "default-src 'self'" in csp and "http" not in csp


def test_cloudfront_cannot_serve_the_deploy_state(template: dict) -> None:
    """`.busdocs/` holds the manifest, release records, the deploy lock (user@host, pid) and pending paths."""
    statements = template["Resources"]["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    denies = [s for s in statements if s["Effect"] == "Deny" and s.get("Principal") == {
        "Service": "cloudfront.amazonaws.com"} and "s3:GetObject" in str(s["Action"])]
    assert any(".busdocs/*" in str(s["Resource"]) for s in denies)
