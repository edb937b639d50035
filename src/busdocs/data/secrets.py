"""One secret scanner for everything that can be published.

Every file under `docs/`, `guides/`, `runbooks/`, `data/` and `overrides/` is read line by line
(values, keys and comments alike) with detect-secrets' detectors, used as a library, plus a few
detectors for the services this product uses that detect-secrets does not know (Mapbox, Sentry,
New Relic, Google API keys, AWS secret access keys), plus detect-secrets' entropy measure on long
random-looking tokens.

Some of detect-secrets' detectors are left out on purpose: `KeywordDetector` (here every
`secret: prod/jwt/secret` reference would be a hit; real passwords after such keywords are found by
the other detectors and the entropy check), `IPPublicDetector` (addresses are not credentials, and
the docs name `0.0.0.0/0` and documentation ranges), and the keyword-assignment detectors of IBM
Cloud, Cloudant and SoftLayer, services this product does not use (the same heuristic as
`KeywordDetector`, and 60 % of the scan time: they cannot skip ahead to a literal).

A known false positive is marked on its line, or on the line before it, the way detect-secrets
reads it: `# pragma: allowlist secret` in YAML (`<!-- pragma: allowlist secret -->` in Markdown and
HTML, `// pragma: allowlist secret` in JavaScript), or `pragma: allowlist nextline secret` on the
line before. Say why next to it.

Findings name the file, the line and the kind of credential, never the value.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from busdocs.errors import Problem
from busdocs.data.yamlio import PathKey

SCANNED_FOLDERS: tuple[str, ...] = ("docs", "guides", "runbooks", "data", "overrides")
"""Everything that can be published, relative to the project root."""

# Variable names whose value is a credential: they must use `secret:`, never `value:`.
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|LICENSE_KEY|PRIVATE_KEY|DSN|ACCESS_KEY)")

LEFT_OUT = ("Secret Keyword", "Public IP (ipv4)", "Base64 High Entropy String", "Hex High Entropy String",
            "IBM Cloud IAM Key", "IBM COS HMAC Credentials", "Cloudant Credentials", "SoftLayer Credentials")
"""detect-secrets detectors not run line by line (see the module docstring; entropy is run below)."""

LABELS: dict[str, str] = {
    "AWS Access Key": "an AWS access key id",
    "Basic Auth Credentials": "a password in a URL",
    "Private Key": "a private key",
    "SendGrid API Key": "a SendGrid API key",
    "Slack Token": "a Slack token or webhook",
    "JSON Web Token": "a JSON Web Token",
    "Discord Bot Token": "a Discord bot token",
    "Telegram Bot Token": "a Telegram bot token",
    "GitHub Token": "a GitHub token",
    "GitLab Token": "a GitLab token",
    "Stripe Access Key": "a Stripe key",
    "Twilio API Key": "a Twilio key",
    "Base64 High Entropy String": "a random-looking token (high entropy)",
    "Hex High Entropy String": "a random-looking hex token (high entropy)",
}
"""What each kind of finding is called in messages (other kinds keep detect-secrets' name)."""


def _regex_detector(secret_type: str, literal: str | None, *patterns: str) -> Any:
    """A detect-secrets detector of this product's own; with `literal`, it reads only text holding it."""
    from detect_secrets.plugins.base import RegexBasedDetector

    def analyze_string(self: Any, string: str) -> Iterator[str]:
        if literal is None or literal in string:
            yield from RegexBasedDetector.analyze_string(self, string)

    name = secret_type.title().replace(" ", "") + "Detector"
    return type(name, (RegexBasedDetector,), {
        "secret_type": secret_type, "literal": literal, "denylist": tuple(re.compile(p) for p in patterns),
        "analyze_string": analyze_string})()


@lru_cache(maxsize=1)
def detectors() -> tuple[Any, ...]:
    """detect-secrets' detectors (all but `LEFT_OUT`) and this product's own, instantiated once."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    found = [cls() for kind, cls in sorted(get_mapping_from_secret_type_to_class().items()) if kind not in LEFT_OUT]
    found += [
        _regex_detector("AWS Secret Access Key", None, r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"),
        _regex_detector("Mapbox Token", "k.eyJ", r"\b[ps]k\.eyJ[\w-]{20,}"),
        _regex_detector("Sentry DSN", "sentry.io", r"https://[0-9a-f]{32}@[\w.-]*sentry\.io"),
        _regex_detector("New Relic License Key", "NRAL", r"\b[0-9a-f]{36}NRAL\b"),
        _regex_detector("Google API Key", "AIza", r"\bAIza[\w-]{35}\b"),
        _regex_detector("Slack Webhook", "hooks.slack.com", r"hooks\.slack\.com/services/\w+"),
    ]
    return tuple(found)


LABELS.update({"AWS Secret Access Key": "an AWS secret access key", "Mapbox Token": "a Mapbox token",
               "Sentry DSN": "a Sentry DSN with its key", "New Relic License Key": "a New Relic license key",
               "Google API Key": "a Google API key", "Slack Webhook": "a Slack token or webhook"})


def label(kind: str) -> str:
    """How a kind of finding is named in a message (`an AWS access key id`)."""
    return LABELS.get(kind, f"a credential ({kind})")


# ---------------------------------------------------------------- entropy

_B64_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{20,}")
_HEX_TOKEN = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{32,}(?![0-9A-Za-z])|(?<=[_-])[0-9a-fA-F]{32,}\b")
_B64_LIMIT, _HEX_LIMIT = 4.5, 3.0  # detect-secrets' defaults


@lru_cache(maxsize=1)
def _entropy_plugins() -> tuple[Any, Any]:
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString, HexHighEntropyString

    return Base64HighEntropyString(limit=_B64_LIMIT), HexHighEntropyString(limit=_HEX_LIMIT)


def _random_looking(token: str) -> bool:
    """Real keys mix upper case, lower case and digits throughout; words, paths and slugs do not."""
    return (sum(c.isupper() for c in token) >= 3 and sum(c.islower() for c in token) >= 3
            and sum(c.isdigit() for c in token) >= 3)


def _entropy_hits(text: str) -> Iterator[tuple[int, str, str]]:
    """(offset, kind, token) of long random-looking tokens; tokens never span lines. Only words of
    20 characters or more are looked at (prose has few), which keeps this fast on long pages."""
    from detect_secrets.filters.heuristic import is_sequential_string, is_templated_secret

    b64, hexes = _entropy_plugins()
    start = 0
    for word in text.split():
        if len(word) < 20:
            continue
        offset = text.find(word, start)
        start = offset + len(word)
        for match in _HEX_TOKEN.finditer(word):
            token = match.group(0)
            if (any(c.isalpha() for c in token) and any(c.isdigit() for c in token)
                    and hexes.calculate_shannon_entropy(token) > _HEX_LIMIT and not is_sequential_string(token)):
                yield offset, "Hex High Entropy String", token
        for match in _B64_TOKEN.finditer(word):
            token = match.group(0).strip("=-_/")
            if (len(token) >= 20 and _random_looking(token) and b64.calculate_shannon_entropy(token) > _B64_LIMIT
                    and not is_sequential_string(token) and not is_templated_secret(token)):
                yield offset, "Base64 High Entropy String", token


# ---------------------------------------------------------------- scanning


@dataclass(frozen=True, slots=True)
class Finding:
    """A line that holds something that looks like a credential."""

    line: int
    kind: str
    """detect-secrets' secret type (`AWS Access Key`), or one of this module's."""
    digest: str
    """SHA-1 of the matched text, as detect-secrets' baselines record it: names it without showing it."""

    @property
    def label(self) -> str:
        return label(self.kind)


class _Context:
    """What detect-secrets' allowlist check reads of the lines around a hit."""

    __slots__ = ("previous_line",)

    def __init__(self, previous_line: str) -> None:
        self.previous_line = previous_line


_BOUNDARY = '(?:\\s|=|:|"|^)'
"""How several of detect-secrets' patterns begin (Artifactory's): tried at every position of a
whole file, it made those two patterns nearly half of the scan."""


_LOOSER = {r"[0-9a-z]{32}-us[0-9]{1,2}": r"-us[0-9]"}
"""Patterns of detect-secrets with no literal to start from, and a looser one that has (Mailchimp's
key ends in `-us` and a digit). A pattern that a later detect-secrets writes otherwise is used as it is."""


@lru_cache(maxsize=None)
def _prefilter(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """A pattern that matches wherever `pattern` does (and maybe elsewhere), that the regex engine
    finds quickly: `pattern` without a leading `_BOUNDARY` (it then starts with a literal), or its
    `_LOOSER` one."""
    if pattern.pattern in _LOOSER:
        return re.compile(_LOOSER[pattern.pattern], pattern.flags)
    if pattern.pattern.startswith(_BOUNDARY) and len(pattern.pattern) > len(_BOUNDARY):
        return re.compile(pattern.pattern[len(_BOUNDARY):], pattern.flags)
    return pattern


_IN_ONE_WORD = {
    r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])": 40,
    r"\d{8,10}:[0-9A-Za-z_-]{35}": 44,
    r"[MNO][a-zA-Z\d_-]{23,25}\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}": 59,
    r"(?:r|s)k_live_[0-9a-zA-Z]{24}": 32,
    r"AC[a-z0-9]{32}": 34,
    r"SK[a-z0-9]{32}": 34,
    r"xox(?:a|b|p|o|s|r)-(?:\d+-)+[a-z0-9]+": 8,
    r"https://hooks\.slack\.com/services/T[a-zA-Z0-9_]+/B[a-zA-Z0-9_]+/[a-zA-Z0-9_]+": 40,
}
"""Patterns of detect-secrets (as `_prefilter` gives them) that match no whitespace, each with the
fewest characters a match has. A match lies inside one word (a run of characters between
whitespace) at least that long, so the pattern need only look at those words, joined by newlines:
what it tests beside a match (`(?<!…)`, `(?!…)`) sees a newline where the text has other
whitespace, and neither is in its classes. These were the patterns with no literal to start
from: each looked at every position of every file (two thirds of the prefilter's time). A
detect-secrets that writes one otherwise gets it searched in the whole text, as before."""


_SHORTEST_IN_ONE_WORD = min(_IN_ONE_WORD.values())


def _words_of_at_least(text: str) -> Callable[[int], str]:
    words: list[str] | None = None
    joined: dict[int, str] = {}

    def at_least(length: int) -> str:
        nonlocal words
        if length not in joined:
            if words is None:
                words = [word for word in text.split() if len(word) >= _SHORTEST_IN_ONE_WORD]
            joined[length] = "\n".join(word for word in words if len(word) >= length)
        return joined[length]

    return at_least


def _active(text: str) -> list[Any]:
    """The detectors whose patterns occur anywhere in `text`: a regex that matches on a line also
    matches the whole text (`^`/`$` in these patterns only ever stand beside `\\s`), so the others
    need not look at each line. (A looser pattern is enough to rule a detector out: `_prefilter`;
    a pattern that matches inside one word looks only at long enough words: `_IN_ONE_WORD`.)"""
    active = []
    words = _words_of_at_least(text)
    for detector in detectors():
        denylist = getattr(detector, "denylist", None)
        literal = getattr(detector, "literal", None)
        if literal is not None:
            if literal in text:
                active.append(detector)
        elif denylist is None or any(_occurs(_prefilter(p), text, words) for p in denylist):
            active.append(detector)
    return active


def _occurs(pattern: re.Pattern[str], text: str, words: Callable[[int], str]) -> bool:
    length = _IN_ONE_WORD.get(pattern.pattern)
    return bool(pattern.search(text if length is None else words(length)))


def scan_text(text: str, filename: str, *, entropy: bool = True) -> list[Finding]:
    """Every line of `text` that holds something that looks like a credential.

    Args:
        text: The file's text.
        filename: Its name (the suffix decides which comment marks a known false positive).
        entropy: Also flag long random-looking tokens (off for binary files).
    """
    from detect_secrets.filters.allowlist import is_line_allowlisted

    lines = text.splitlines()
    hits: dict[int, list[tuple[str, str]]] = {}  # line number → (kind, secret), in detector order
    for detector in _active(text):
        for number, line in enumerate(lines, 1):
            for secret in detector.analyze_string(line):
                if secret:
                    hits.setdefault(number, []).append((detector.secret_type, secret))
    if entropy:
        for offset, kind, token in _entropy_hits(text):
            hits.setdefault(text.count("\n", 0, offset) + 1, []).append((kind, token))
    findings: list[Finding] = []
    for number in sorted(hits):
        line, previous = lines[number - 1], lines[number - 2] if number > 1 else ""
        if is_line_allowlisted(filename, line, _Context(previous)):
            continue
        seen: list[str] = []
        for kind, secret in hits[number]:
            if any(secret in other or other in secret for other in seen):
                continue  # one credential, one finding (an AWS key is not also "high entropy")
            seen.append(secret)
            findings.append(Finding(number, kind, hashlib.sha1(secret.encode()).hexdigest()))
    return findings


def find_credential(text: str) -> str | None:
    """What credential `text` (one value) looks like, or None."""
    for detector in _active(text):
        for line in text.splitlines():
            if any(detector.analyze_string(line)):
                return label(detector.secret_type)
    return None


_CACHE: dict[tuple[str, str], list[Finding]] = {}
"""Findings by (SHA-1 of the bytes, suffix): each content is scanned once per process, so both
sites, `busdocs check` and `mkdocs serve` rebuilds rescan only what changed."""


def known() -> dict[tuple[str, str], list[Finding]]:
    """Every content this process scanned and its findings (for `remember` in another process)."""
    return dict(_CACHE)


def remember(found: dict[tuple[str, str], list[Finding]] | None) -> None:
    """Take findings by content that another process made (`known`): the same function of the
    same bytes, so what is taken is what a scan here would find."""
    for key, findings in (found or {}).items():
        _CACHE.setdefault(key, findings)


def scan_file(path: Path) -> list[Finding]:
    """Findings of one file, any kind of file (bytes that are not UTF-8 are read as replaced)."""
    raw = path.read_bytes()
    key = (hashlib.sha1(raw).hexdigest(), path.suffix.lower())
    if key not in _CACHE:
        try:
            text, is_text = raw.decode("utf-8"), True
        except UnicodeDecodeError:
            text, is_text = raw.decode("utf-8", errors="replace"), False
        _CACHE[key] = scan_text(text, path.name, entropy=is_text)
    return _CACHE[key]


def scan_source_text(text: str, filename: str) -> list[Finding]:
    """`scan_text` of a file already read (the data loader's), through the same cache as `scan_file`."""
    key = (hashlib.sha1(text.encode("utf-8", errors="surrogatepass")).hexdigest(), Path(filename).suffix.lower())
    if key not in _CACHE:
        _CACHE[key] = scan_text(text, filename)
    return _CACHE[key]


def message(finding: Finding, filename: str) -> str:
    """What a writer reads for a finding: the kind, what to do, how to mark a false positive."""
    mark = "<!-- pragma: allowlist secret -->" if filename.endswith((".md", ".html", ".svg")) else (
        "// pragma: allowlist secret" if filename.endswith((".js", ".css", ".json")) else "# pragma: allowlist secret")
    return (f"looks like {finding.label}: never publish credentials (keep them in AWS Secrets Manager and "
            f"write 'secret: <name>' in data); a false positive is marked with '{mark}' and the reason")


def scan_sources(root: Path, folders: Iterable[Path | str] = SCANNED_FOLDERS,
                 skip: Collection[Path] = (), cache: Path | None = None) -> list[Problem]:
    """Every credential-looking line in the files under `folders` of `root`.

    Args:
        root: The project root; problems name files relative to it.
        folders: Folders to scan (relative to `root`, or absolute).
        skip: Files (relative to `root`) already scanned elsewhere, e.g. the data files `load_data` reads.
        cache: A JSON file keeping findings by content between processes (`.cache/secrets.json`).
    """
    root = root.resolve()
    skipped = {Path(p) for p in skip}
    known = len(_CACHE)
    if cache is not None:
        _load_cache(cache)
    problems: list[Problem] = []
    for folder in folders:
        base = (root / folder).resolve()
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if not path.is_file():
                continue
            try:
                shown = path.relative_to(root)
            except ValueError:
                shown = path
            if shown in skipped:
                continue
            for finding in scan_file(path):
                problems.append(Problem(shown, finding.line, "", message(finding, path.name)))
    if cache is not None and len(_CACHE) != known:
        _save_cache(cache)
    return problems


def _cache_version() -> str:
    import importlib.metadata

    return hashlib.sha1(Path(__file__).read_bytes() + importlib.metadata.version("detect-secrets").encode()).hexdigest()


def _load_cache(path: Path) -> None:
    import json

    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("version") != _cache_version():
            return
        for key, findings in stored["findings"].items():
            digest, _, suffix = key.partition(":")
            _CACHE.setdefault((digest, suffix), [Finding(int(n), str(k), str(d)) for n, k, d in findings])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return  # no cache, or an unreadable one: scan again


def _save_cache(path: Path) -> None:
    import json
    import os

    entries = dict(list(_CACHE.items())[-20000:])  # the newest, if a long serve session piled up many
    data = {"version": _cache_version(),
            "findings": {f"{d}:{s}": [[f.line, f.kind, f.digest] for f in found] for (d, s), found in entries.items()}}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_text(json.dumps(data), encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        pass  # a cache that cannot be written costs only time


def lines_to_fields(lines: dict[PathKey, int]) -> dict[int, PathKey]:
    """The deepest field that starts on each line of a YAML file."""
    out: dict[int, PathKey] = {}
    for path, line in lines.items():
        if line not in out or len(path) > len(out[line]):
            out[line] = path
    return out


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


__all__ = ["Finding", "SCANNED_FOLDERS", "SECRET_NAME", "find_credential", "scan_file", "scan_sources",
           "scan_text"]
