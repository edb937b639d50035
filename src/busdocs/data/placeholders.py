"""Documentation-only values: addresses, accounts and hosts that exist only in examples.

AWS's and the IETF's documentation values look real and are not: an account, a network or a host
that no real system has. Data may hold one only on a resource marked `status: unverified` (we
know it is a stand-in); `busdocs check` refuses it anywhere it would pass for a fact.
"""

from __future__ import annotations

import ipaddress
import re

DOCUMENTATION_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",  # RFC 5737 (TEST-NET-1, -2, -3)
    "2001:db8::/32",                                        # RFC 3849
))
EXAMPLE_ACCOUNT = "123456789012"
"""The account id of AWS's documentation (and moto's default)."""

_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?:/(\d{1,2}))?(?![\d.]*\d)")
_IPV6 = re.compile(r"(?<![\w:])((?:[0-9a-fA-F]{1,4}:){1,7}:?[0-9a-fA-F:]*)(?:/(\d{1,3}))?")
_ACCOUNT = re.compile(rf"(?<!\d){EXAMPLE_ACCOUNT}(?!\d)")
_EXAMPLE_DOMAIN = re.compile(r"(?<![\w-])(?:[\w-]+\.)*example\.(?:com|org|net)(?![\w-])", re.I)
_PLACEHOLDER_AWS_HOST = re.compile(r"(?<![\w.-])[\w-]+\.(?:rds|cache)\.amazonaws\.com(?![\w.-])", re.I)
"""`prod-db.rds.amazonaws.com`: a real endpoint has an instance id and region between name and
service (`bus-tracker-prod-db.c8x2k1.us-east-1.rds.amazonaws.com`)."""


def _network(text: str, prefix: str | None) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(f"{text}/{prefix}" if prefix else text, strict=False)
    except ValueError:
        return None


def documentation_value(value: str) -> str | None:
    """What makes `value` a documentation-only value, or None for an ordinary value."""
    for pattern in (_IPV4, _IPV6):
        for match in pattern.finditer(value):
            network = _network(match.group(1), match.group(2))
            if network is None:
                continue
            for doc in DOCUMENTATION_NETWORKS:
                if network.version == doc.version and network.subnet_of(doc):  # type: ignore[arg-type]
                    rfc = "RFC 3849" if doc.version == 6 else "RFC 5737"
                    return f"{match.group(0)} is in the documentation range {doc} ({rfc})"
    if _ACCOUNT.search(value):
        return f"{EXAMPLE_ACCOUNT} is AWS's documentation account id"
    if match := _EXAMPLE_DOMAIN.search(value):
        return f"{match.group(0)} is a documentation domain (RFC 2606)"
    if match := _PLACEHOLDER_AWS_HOST.search(value):
        return (f"{match.group(0)} is a placeholder host (a real endpoint names the instance and region, "
                "<name>.<id>.<region>.rds.amazonaws.com)")
    return None
