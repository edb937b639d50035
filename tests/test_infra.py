"""infra/: CloudFormation for the hosting, checked offline by cfn-lint; the rules that make the ops
site's web ACL mandatory, evaluated for every kind of stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from busdocs.data.loader import load_data
from busdocs.deploy.plan import STAFF_ACL_SUFFIX, stack_parameters

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "infra" / "hosting.yaml"
TEMPLATES = sorted((ROOT / "infra").glob("*.y*ml")) + sorted((ROOT / "infra").glob("*.json"))


@pytest.fixture(scope="module")
def template() -> dict:
    from cfnlint.decode import decode  # here, not at the top: every test process collects this file

    decoded, matches = decode(str(TEMPLATE))
    assert not matches, matches
    return decoded


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_cfn_lint_finds_nothing(path: Path) -> None:
    from cfnlint.api import lint  # (half a second to import)

    matches = lint(path.read_text(), regions=["us-east-1"])
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


# ------------------------------------------------------------------ the ops site's guard (issue 17)


def evaluate(node: Any, params: dict[str, Any], conditions: dict[str, Any] | None = None) -> Any:
    """A rule or condition of the template, evaluated as CloudFormation would for `params`: only the
    functions rules and conditions may use; anything else fails the test rather than guess."""
    if isinstance(node, dict) and len(node) == 1:
        ((fn, arg),) = node.items()
        args = arg if isinstance(arg, list) else [arg]
        if fn == "Ref":
            return params[arg]
        if fn == "Condition":
            return evaluate((conditions or {})[arg], params, conditions)
        values = [evaluate(a, params, conditions) for a in args]
        functions = {
            "Fn::Equals": lambda a, b: a == b,
            "Fn::Not": lambda a: not a,
            "Fn::And": lambda *a: all(a),
            "Fn::Or": lambda *a: any(a),
            "Fn::Contains": lambda items, value: value in items,
            "Fn::EachMemberEquals": lambda items, value: all(item == value for item in items),
        }
        assert fn in functions, f"the test cannot evaluate {fn}"
        return functions[fn](*values)
    return node


def stack(template: dict, region: str = "us-east-1", **given: str) -> dict[str, Any]:
    """Parameter values as CloudFormation resolves them: defaults, lists split at commas."""
    params: dict[str, Any] = {"AWS::Region": region}
    for name, spec in template["Parameters"].items():
        value = given.get(name, spec.get("Default"))
        if value is None:
            continue
        params[name] = str(value).split(",") if spec["Type"] == "CommaDelimitedList" else str(value)
    return params


def refusals(template: dict, params: dict[str, Any]) -> list[str]:
    """The AssertDescription of every assertion that fails for `params` (CloudFormation refuses the stack)."""
    failed = []
    for rule in template["Rules"].values():
        if "RuleCondition" in rule and not evaluate(rule["RuleCondition"], params):
            continue
        failed += [" ".join(a["AssertDescription"].split()) for a in rule["Assertions"]
                   if not evaluate(a["Assert"], params)]
    return failed


RANGES = "203.0.113.0/24,198.51.100.0/27"
ACL = "arn:aws:wafv2:us-east-1:111122223333:global/webacl/help-rate-limit/0a1b2c3d"


@pytest.mark.parametrize(
    ("given", "region", "refused"),
    [
        ({"SiteAudience": "internal", "StaffIpv4Ranges": RANGES}, "us-east-1", []),
        ({"SiteAudience": "internal", "StaffIpv4Ranges": ""}, "us-east-1", ["needs StaffIpv4Ranges"]),
        ({"SiteAudience": "internal", "StaffIpv4Ranges": RANGES + ","}, "us-east-1", ["needs StaffIpv4Ranges"]),
        ({"SiteAudience": "internal", "StaffIpv4Ranges": RANGES, "WebAclArn": ACL}, "us-east-1",
         ["attaches its own staff-only web ACL"]),
        ({"SiteAudience": "internal", "StaffIpv4Ranges": RANGES}, "eu-west-1", ["only be created in us-east-1"]),
        ({"SiteAudience": "internal", "StaffIpv4Ranges": "", "WebAclArn": ACL}, "us-east-1",
         ["needs StaffIpv4Ranges", "attaches its own staff-only web ACL"]),
        ({"SiteAudience": "public", "StaffIpv4Ranges": ""}, "us-east-1", []),
        ({"SiteAudience": "public", "StaffIpv4Ranges": "", "WebAclArn": ACL}, "us-east-1", []),
        ({"SiteAudience": "public", "StaffIpv4Ranges": RANGES}, "us-east-1", ["takes no StaffIpv4Ranges"]),
    ],
)
def test_rules_refuse_an_internal_stack_without_its_guard(template: dict, given: dict[str, str], region: str,
                                                         refused: list[str]) -> None:
    failed = refusals(template, stack(template, region, **given))
    assert len(failed) == len(refused), failed
    for description, fragment in zip(failed, refused, strict=True):
        assert fragment in description


def test_site_audience_has_no_default_so_every_stack_says_who_reads_it(template: dict) -> None:
    audience = template["Parameters"]["SiteAudience"]
    assert "Default" not in audience and audience["AllowedValues"] == ["public", "internal"]
    assert "Default" not in template["Parameters"]["StaffIpv4Ranges"]


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_an_internal_stack_attaches_the_staff_only_acl_and_a_public_one_does_not(template: dict,
                                                                                  audience: str) -> None:
    params = stack(template, SiteAudience=audience, StaffIpv4Ranges=RANGES if audience == "internal" else "")
    conditions = template["Conditions"]
    internal = evaluate({"Condition": "IsInternal"}, params, conditions)
    assert internal == (audience == "internal")
    for name in ("StaffRanges", "StaffOnlyWebAcl"):
        assert template["Resources"][name]["Condition"] == "IsInternal"
    web_acl = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["WebACLId"]
    chosen = web_acl["Fn::If"][1] if internal else web_acl["Fn::If"][2]
    assert web_acl["Fn::If"][0] == "IsInternal"
    if internal:
        assert chosen == {"Fn::GetAtt": ["StaffOnlyWebAcl", "Arn"]}
    else:  # the public stack's optional ACL, never the staff-only one
        assert "StaffOnlyWebAcl" not in str(chosen) and chosen["Fn::If"][1] == {"Ref": "WebAclArn"}


def test_the_staff_only_acl_blocks_by_default_limits_the_rate_first_then_allows_the_ranges(template: dict) -> None:
    acl = template["Resources"]["StaffOnlyWebAcl"]["Properties"]
    assert acl["Scope"] == "CLOUDFRONT" and acl["DefaultAction"] == {"Block": {}}
    assert acl["Name"] == {"Fn::Sub": "${SiteName}" + STAFF_ACL_SUFFIX}  # how deploy recognises it
    rate, allow = sorted(acl["Rules"], key=lambda r: r["Priority"])
    assert rate["Action"] == {"Block": {}} and rate["Statement"]["RateBasedStatement"] == {
        "Limit": {"Ref": "RateLimit"}, "EvaluationWindowSec": {"Ref": "RateLimitWindowSeconds"},
        "AggregateKeyType": "IP"}
    assert allow["Action"] == {"Allow": {}}
    assert allow["Statement"] == {"IPSetReferenceStatement": {"Arn": {"Fn::GetAtt": ["StaffRanges", "Arn"]}}}
    ip_set = template["Resources"]["StaffRanges"]["Properties"]
    assert ip_set["Scope"] == "CLOUDFRONT" and ip_set["Addresses"] == {"Ref": "StaffIpv4Ranges"}


def test_every_target_of_the_data_makes_a_stack_the_rules_accept(template: dict) -> None:
    """`busdocs deploy --stack-parameters` and the template agree, for every target in data/deploy.yml."""
    config = load_data(ROOT).deploy
    for target in config.targets:
        given = {p["ParameterKey"]: p["ParameterValue"] for p in stack_parameters(target, config)}
        assert set(given) <= set(template["Parameters"]), target.name
        assert refusals(template, stack(template, **given)) == [], target.name
    assert template["Parameters"]["RateLimit"]["Default"] == config.access.rate_limit.requests
    assert template["Parameters"]["RateLimitWindowSeconds"]["Default"] == config.access.rate_limit.window_seconds


def test_security_headers_on_every_answer_and_noindex_on_the_ops_site(template: dict) -> None:
    policy = template["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = policy["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert {"ContentTypeOptions", "ReferrerPolicy", "FrameOptions"} <= set(security)
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "frame-ancestors 'none'" in csp and "http" not in csp and "*" not in csp
    condition, internal, public = policy["CustomHeadersConfig"]["Fn::If"]
    assert condition == "IsInternal" and public == {"Ref": "AWS::NoValue"}
    headers = {h["Header"]: h["Value"] for h in internal["Items"]}
    assert headers["X-Robots-Tag"].startswith("noindex")
    behavior = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behavior["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}
