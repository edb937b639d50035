"""CloudFront standard logs from their S3 bucket, for `busdocs feedback report --logs s3://…`.

Read-only (ListObjectsV2 and GetObject on the log bucket), from the standard credential chain.
Object names carry the hour (`<distribution>.YYYY-MM-DD-HH.<id>.gz`), so `since` skips older files
without reading them; lines are filtered by date again when parsed (`busdocs.content.feedback`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from busdocs.errors import BusdocsError

_HOUR = re.compile(r"\.(\d{4}-\d{2}-\d{2})-\d{2}\.")


def read_s3_logs(bucket: str, prefix: str, since: date | None = None, *, client: object | None = None,
                 endpoint_url: str | None = None) -> Iterator[tuple[str, bytes]]:
    """(key, bytes) of every log object under `prefix` in `bucket` (those of days before `since` skipped)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    s3 = client or boto3.session.Session().client("s3", endpoint_url=endpoint_url)
    try:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)  # type: ignore[attr-defined]
        for page in pages:
            for obj in page.get("Contents", []):
                key = obj["Key"]
                day = _HOUR.search(key)
                if since is not None and day and date.fromisoformat(day.group(1)) < since:
                    continue
                body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()  # type: ignore[attr-defined]
                yield key, body
    except (BotoCoreError, ClientError) as exc:
        raise BusdocsError(f"s3://{bucket}/{prefix}: cannot read the logs: {exc}") from None
