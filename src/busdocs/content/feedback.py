"""Reader feedback without third parties (issue 24): beacons, CloudFront logs, the report, its page.

The help center records two things by requesting tiny same-origin objects, so the answer reaches
only the site's own CloudFront access logs (no cookie, no outside origin, nothing identifying):

- `/feedback.gif?p=<page path>&v=<1|0>&r=<reason>`: "Was this page helpful?" (the page widget);
- `/search-miss.gif?q=<normalised query>`: a search that found nothing, or whose results nobody
  opened (the search box; e-mail addresses, phone numbers and long digit runs removed before sending).

`busdocs feedback report` reads CloudFront standard logs (gzip, W3C: `#Version`, `#Fields`, one
tab-separated request per line) and counts both. Malformed lines are skipped and counted; a
truncated gzip gives the lines before the damage. The ops site's "Reader feedback" page renders the
last report (`data/feedback-report.json`).
"""

from __future__ import annotations

import json
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, unquote

from busdocs.errors import BusdocsError

FEEDBACK_KEY = "feedback.gif"
MISS_KEY = "search-miss.gif"
BEACON_KEYS = (FEEDBACK_KEY, MISS_KEY)
"""The beacon objects at the site root (1×1 GIF, `Cache-Control: no-store`)."""
BEACON_GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
              b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
"""A transparent 1×1 GIF (43 bytes)."""
BEACON_FILE = Path(__file__).with_name("beacon.gif")
"""The same bytes as a file: what the deploy uploads when a build lacks them."""
BEACON_CACHE_CONTROL = "no-store"
BEACON_CONTENT_TYPE = "image/gif"

REASONS = {
    "missing": "Information is missing",
    "unclear": "Hard to understand",
    "outdated": "Wrong or out of date",
    "notfound": "Not what I was looking for",
}
"""The reasons a reader may give with "No" (the widget's buttons send the key)."""

REPORT_FILE = Path("data") / "feedback-report.json"
"""The last report, committed by the scheduled pipeline run; the ops site's Reader feedback page."""
MIN_VOTES_FOR_WORST = 3
"""A page enters "worst ratio" with at least this many answers (one "no" is not a trend)."""
_QUERY_MAX = 100


# ---------------------------------------------------------------------- what the client sends

_EMAIL = re.compile(r"\S+@\S+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
_DIGITS = re.compile(r"\d{5,}")
_SPACE = re.compile(r"\s+")


def normalise_query(query: str) -> str:
    """What the search box sends for `query` (busdocs.js does the same): lowercase, without e-mail
    addresses, phone numbers and runs of 5+ digits, single spaces, at most 100 characters."""
    text = query.lower()
    text = _EMAIL.sub(" ", text)
    text = _PHONE.sub(" ", text)
    text = _DIGITS.sub(" ", text)
    return _SPACE.sub(" ", text).strip()[:_QUERY_MAX].strip()


# ---------------------------------------------------------------------- reading logs


@dataclass(slots=True)
class LogRead:
    """What the logs held: beacon requests and what could not be read."""

    feedback: list[tuple[str, str, str]] = field(default_factory=list)
    """(page, "1"|"0", reason or "") per answer."""
    misses: list[str] = field(default_factory=list)
    skipped_lines: int = 0
    truncated_files: list[str] = field(default_factory=list)
    files: int = 0


def _lines(name: str, data: bytes, read: LogRead) -> Iterator[str]:
    """The text lines of one log file (gzip or plain); a damaged gzip ends early and is named."""
    if data[:2] != b"\x1f\x8b":
        yield from data.decode("utf-8", errors="replace").splitlines()
        return
    text, rest, complete = b"", data, False
    while rest:  # one gzip member after another (concatenated files are valid gzip)
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        end = 0
        try:  # in pieces, so a damaged file keeps what came before the damage
            while end < len(rest) and not decompressor.eof:
                text += decompressor.decompress(rest[end:end + (1 << 16)])
                end += 1 << 16
        except zlib.error:
            complete = False
            break
        complete = decompressor.eof
        rest = decompressor.unused_data + rest[end:] if complete else b""
    lines = text.decode("utf-8", errors="replace").split("\n")
    if not complete:
        read.truncated_files.append(name)
        if lines and lines[-1]:
            lines.pop()  # cut mid-line: not a request
            read.skipped_lines += 1
    yield from (line.rstrip("\r") for line in lines)


def _param(values: dict[str, list[str]], name: str) -> str | None:
    found = values.get(name)
    if not found:
        return None
    value = found[0]
    if re.search(r"%[0-9A-Fa-f]{2}", value):  # CloudFront encodes "%" again in some fields
        value = unquote(value)
    return value


def read_logs(sources: Iterable[tuple[str, bytes]], since: date | None = None) -> LogRead:
    """Beacon requests of CloudFront standard log files given as (name, bytes)."""
    read = LogRead()
    for name, data in sources:
        read.files += 1
        fields: list[str] | None = None
        for line in _lines(name, data, read):
            if not line.strip():
                continue
            if line.startswith("#"):
                if line.startswith("#Fields:"):
                    fields = line[len("#Fields:"):].split()
                continue
            parts = line.split("\t")
            if fields is None or len(parts) != len(fields):
                read.skipped_lines += 1
                continue
            row = dict(zip(fields, parts, strict=True))
            stem = row.get("cs-uri-stem", "")
            if stem not in ("/" + FEEDBACK_KEY, "/" + MISS_KEY):
                continue
            try:
                day = date.fromisoformat(row.get("date", ""))
            except ValueError:
                read.skipped_lines += 1
                continue
            if since is not None and day < since:
                continue
            query = row.get("cs-uri-query", "-")
            values = parse_qs(query if query != "-" else "", keep_blank_values=True)
            if stem == "/" + FEEDBACK_KEY:
                page, vote, reason = _param(values, "p"), _param(values, "v"), _param(values, "r") or ""
                if not page or not page.startswith("/") or vote not in ("0", "1") or len(page) > 300:
                    read.skipped_lines += 1
                    continue
                read.feedback.append((page, vote, reason if vote == "0" and reason in REASONS else ""))
            else:
                q = normalise_query(_param(values, "q") or "")
                if not q:
                    read.skipped_lines += 1
                    continue
                read.misses.append(q)
    return read


def local_sources(folder: Path) -> Iterator[tuple[str, bytes]]:
    """Every file under `folder` (CloudFront writes `<distribution>.<date-hour>.<id>.gz`)."""
    if not folder.is_dir():
        raise BusdocsError(f"{folder}: no such folder of CloudFront logs")
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            yield path.relative_to(folder).as_posix(), path.read_bytes()


# ---------------------------------------------------------------------- the report


def stem(word: str) -> str:
    """A word without its regular English ending: deducted, deducting, deducts → deduct."""
    if len(word) <= 3:
        return word
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not (suffix == "s" and word.endswith("ss")):
            word = word[: -len(suffix)]
            if suffix in ("ing", "ed") and word[-1] == word[-2] and word[-1] not in "ls":
                word = word[:-1]  # stopped → stop
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def query_key(query: str) -> tuple[str, ...]:
    """Queries that differ only by word forms share a key ("money deducted" and "money deduct")."""
    return tuple(stem(w) for w in query.split())


def build_report(read: LogRead) -> dict[str, object]:
    """The report: `{"pages": [...], "failed_searches": [...], "skipped_lines": n}` (issue 24)."""
    pages: dict[str, dict[str, object]] = {}
    for page, vote, reason in read.feedback:
        entry = pages.setdefault(page, {"page": page, "helpful": 0, "not_helpful": 0, "reasons": {}})
        if vote == "1":
            entry["helpful"] += 1  # type: ignore[operator]
        else:
            entry["not_helpful"] += 1  # type: ignore[operator]
            if reason:
                reasons = entry["reasons"]
                reasons[reason] = reasons.get(reason, 0) + 1  # type: ignore[union-attr,index,attr-defined]
    ordered = sorted(pages.values(), key=lambda e: (-_bad_share(e), -_votes(e), str(e["page"])))
    for entry in ordered:
        entry["reasons"] = dict(sorted(entry["reasons"].items(), key=lambda kv: (-kv[1], kv[0])))  # type: ignore[union-attr]
    groups: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for query in read.misses:
        groups[query_key(query)][query] += 1
    searches = [{"query": sorted(forms.items(), key=lambda kv: (-kv[1], kv[0]))[0][0], "count": sum(forms.values())}
                for forms in groups.values()]
    searches.sort(key=lambda s: (-int(s["count"]), str(s["query"])))
    return {"pages": ordered, "failed_searches": searches, "skipped_lines": read.skipped_lines}


def _votes(entry: dict[str, object]) -> int:
    return int(entry["helpful"]) + int(entry["not_helpful"])  # type: ignore[call-overload]


def _bad_share(entry: dict[str, object]) -> float:
    votes = _votes(entry)
    return int(entry["not_helpful"]) / votes if votes else 0.0  # type: ignore[call-overload]


def worst_pages(report: dict[str, object], limit: int = 5) -> list[dict[str, object]]:
    """Pages with the largest share of "No" among those with enough answers."""
    pages = [p for p in report["pages"] if _votes(p) >= MIN_VOTES_FOR_WORST and int(p["not_helpful"])]  # type: ignore[union-attr]
    return sorted(pages, key=lambda e: (-_bad_share(e), -_votes(e), str(e["page"])))[:limit]


def format_text(report: dict[str, object], read: LogRead | None = None, top: int = 20) -> str:
    pages = report["pages"]
    lines = [f"Page feedback ({sum(_votes(p) for p in pages)} answers on {len(pages)} pages):"]  # type: ignore[union-attr,arg-type]
    for p in pages:  # type: ignore[union-attr]
        reasons = ", ".join(f"{k} {v}" for k, v in p["reasons"].items())
        lines.append(f"  {p['page']}  yes {p['helpful']}  no {p['not_helpful']}" + (f"  ({reasons})" if reasons else ""))
    worst = worst_pages(report)
    lines.append(f"Worst ratio (at least {MIN_VOTES_FOR_WORST} answers):")
    lines += [f"  {p['page']}  {_bad_share(p):.0%} no of {_votes(p)}" for p in worst] or ["  none"]
    searches = report["failed_searches"]
    lines.append(f"Top failed searches ({len(searches)} distinct):")  # type: ignore[arg-type]
    lines += [f"  {s['count']:>4}  {s['query']}" for s in searches[:top]] or ["  none"]  # type: ignore[index]
    lines.append(f"Skipped lines: {report['skipped_lines']}")
    if read is not None and read.truncated_files:
        lines.append(f"Truncated files (read up to the damage): {', '.join(read.truncated_files)}")
    return "\n".join(lines)


def report_from(logs: str, since: date | None, s3_reader: Callable[[str, str], Iterable[tuple[str, bytes]]]
                ) -> tuple[dict[str, object], LogRead]:
    """The report of `logs`: a folder, or `s3://bucket/prefix` read by `s3_reader(bucket, prefix)`."""
    if logs.startswith("s3://"):
        bucket, _, prefix = logs[len("s3://"):].partition("/")
        if not bucket:
            raise BusdocsError(f"{logs}: expected s3://bucket/prefix")
        sources = s3_reader(bucket, prefix)
    else:
        sources = local_sources(Path(logs))
    read = read_logs(sources, since)
    return build_report(read), read


# ---------------------------------------------------------------------- the ops site's page


def load_report(root: Path) -> dict[str, object] | None:
    path = root / REPORT_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BusdocsError(f"{REPORT_FILE}: not JSON ({exc})") from None
    if not isinstance(data, dict) or not {"pages", "failed_searches", "skipped_lines"} <= set(data):
        raise BusdocsError(f"{REPORT_FILE}: expected the JSON of `busdocs feedback report --format json`")
    return data


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("<", "&lt;")


def render_page(report: dict[str, object] | None, public_url: str = "") -> str:
    """Markdown of the ops site's Reader feedback page."""
    if report is None:
        return ("No report yet: the scheduled pipeline run commits `data/feedback-report.json` "
                "(`busdocs feedback report --logs s3://… --format json`).\n")
    base = public_url.rstrip("/")
    period = report.get("period")
    out = []
    if report.get("source"):
        out.append(f"*{_cell(report['source'])}*\n")
    if isinstance(period, dict) and period.get("since"):
        out.append(f"Answers and searches since **{_cell(period['since'])}**"
                   + (f", up to **{_cell(period['until'])}**" if period.get("until") else "") + ".\n")
    pages = report["pages"]
    worst = worst_pages(report)
    out.append("## Pages that failed readers most\n")
    if worst:
        out.append("| Page | No | Answers | Reasons given |\n|---|---:|---:|---|")
        for p in worst:
            reasons = ", ".join(f"{REASONS.get(k, k).lower()} {v}" for k, v in p["reasons"].items()) or "—"
            out.append(f"| [{_cell(p['page'])}]({base}{p['page']}) | {_bad_share(p):.0%} | {_votes(p)} | {reasons} |")
    else:
        out.append(f"No page has {MIN_VOTES_FOR_WORST} or more answers with a \"No\".")
    out.append("\n## Every page\n")
    if pages:
        out.append("| Page | Helpful | Not helpful | Reasons |\n|---|---:|---:|---|")
        for p in pages:  # type: ignore[union-attr]
            reasons = ", ".join(f"{k} {v}" for k, v in p["reasons"].items()) or "—"
            out.append(f"| {_cell(p['page'])} | {p['helpful']} | {p['not_helpful']} | {_cell(reasons)} |")
    else:
        out.append("No answers in this period.")
    out.append("\n## Searches that found nothing or were not opened\n")
    searches = report["failed_searches"]
    if searches:
        out.append("| Search (as sent, word forms merged) | Times |\n|---|---:|")
        out += [f"| {_cell(s['query'])} | {s['count']} |" for s in searches[:30]]  # type: ignore[index]
    else:
        out.append("No failed searches in this period.")
    out.append(f"\n{report['skipped_lines']} malformed log lines were skipped.\n")
    return "\n".join(out) + "\n"
