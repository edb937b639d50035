"""A stand-in for a deploy target's bucket and distribution, made in an S3 and CloudFront endpoint of
one's own (moto's server on 127.0.0.1): what `infra/hosting.yaml` creates, as far as `busdocs deploy`
reads it before publishing (`aws.check_access_guard`). The bench's deploy figures and the deploy
tests publish to it; each variant a test needs (no public access block, a web ACL) is a parameter.
"""

from __future__ import annotations

from typing import Any

from busdocs.data.models.deploy import Target

PRIVATE = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
"""All four settings of the bucket's public access block on, as `infra/hosting.yaml` sets them."""


def stand_in_target(s3: Any, cloudfront: Any, bucket: str, target: Target, web_acl: str = "",
                    public_access_block: dict[str, bool] | None = PRIVATE) -> Target:
    """Make a versioned bucket named `bucket` (with `public_access_block`, none if None) and a
    distribution in front of it (with `web_acl`), and return `target` pointed at the two."""
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    if public_access_block is not None:
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=public_access_block)
    distribution = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": bucket, "Comment": f"stand-in for {target.name}", "Enabled": True, "WebACLId": web_acl,
        "Origins": {"Quantity": 1, "Items": [{"Id": "s3", "DomainName": f"{bucket}.s3.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https",
                                 "MinTTL": 0, "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                                 "TrustedSigners": {"Enabled": False, "Quantity": 0}}})["Distribution"]
    return target.model_copy(update={"bucket": bucket, "distribution_id": distribution["Id"]})
