"""Recognise things that look like real credentials, so none is ever committed as data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from busdocs.yamlio import PathKey

# (what it looks like, pattern). Patterns match the credential formats of the services the
# Bus Tracker uses; they are deliberately specific so ordinary prose does not trip them.
CREDENTIAL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("an AWS secret access key", re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a SendGrid API key", re.compile(r"\bSG\.[\w-]{16,}\.[\w-]{16,}")),
    ("a Mapbox token", re.compile(r"\b[ps]k\.eyJ[\w-]{20,}")),
    ("a JSON Web Token", re.compile(r"\beyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}")),
    ("a Slack token or webhook", re.compile(r"xox[abprs]-[\w-]{10,}|hooks\.slack\.com/services/\w+")),
    ("a password in a URL", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")),
    ("a Sentry DSN with its key", re.compile(r"https://[0-9a-f]{32}@[\w.-]*sentry\.io")),
    ("a New Relic license key", re.compile(r"\b[0-9a-f]{36}NRAL\b")),
    ("a Google API key", re.compile(r"\bAIza[\w-]{35}\b")),
)

# Variable names whose value is a credential: they must use `secret:`, never `value:`.
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|LICENSE_KEY|PRIVATE_KEY|DSN|ACCESS_KEY)")


def find_credential(text: str) -> str | None:
    """What credential `text` looks like, or None."""
    for label, pattern in CREDENTIAL_PATTERNS:
        for match in pattern.finditer(text):
            if label == "an AWS secret access key" and not _random_looking(match.group(0)):
                continue  # a long identifier (a path, a schema name), not a key
            return label
    return None


def _random_looking(run: str) -> bool:
    """Real secret keys mix upper case, lower case and digits throughout."""
    return (sum(c.isupper() for c in run) >= 5 and sum(c.islower() for c in run) >= 5
            and any(c.isdigit() for c in run))


def walk_strings(data: Any, here: PathKey = ()) -> Iterator[tuple[PathKey, str]]:
    """Every string in a parsed YAML document, with its path."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from walk_strings(value, (*here, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from walk_strings(value, (*here, i))
    elif isinstance(data, str):
        yield here, data
