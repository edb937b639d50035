"""Runbooks: one per alarm, checked both ways, findable, printable offline, never public."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from busdocs.mkdocs.build import build_site
from busdocs.checks import run_checks
from busdocs.cli import main
from busdocs.data.loader import load_data
from busdocs.content.runbooks import SECTIONS, load_runbooks
from tests.pages import article, page

ROOT = Path(__file__).resolve().parent.parent
RUNBOOK = "runbooks/alarms/high-cpu-usage.md"


def test_every_alarm_has_a_runbook_and_the_check_is_clean() -> None:
    result = run_checks(ROOT)
    assert result.problems == []
    books, _ = load_runbooks(ROOT)
    assert {b.name for b in books} == {a.name for a in load_data(ROOT).monitoring.alarms}
    for book in books:
        assert list(book.sections)[: len(SECTIONS)] == list(SECTIONS) or set(SECTIONS) <= set(book.sections)


def edit(project: Path, relative: str, old: str, new: str) -> None:
    path = project / relative
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda p: edit(p, RUNBOOK, "alarms: [high-cpu-usage", "alarms: [high-cpu-usage, no-such-alarm"),
         "alarms[1]: no alarm 'no-such-alarm'"),
        (lambda p: (p / RUNBOOK).unlink(), "alarm 'high-cpu-usage' has no runbook"),
        (lambda p: edit(p, RUNBOOK, "## Rollback", "## Undo"), "section 'Rollback': missing"),
        (lambda p: edit(p, RUNBOOK, "severity: SEV2", "severity: SEV4"), "severity"),
        (lambda p: edit(p, RUNBOOK, "last_reviewed: 2026-11-20", "last_reviewed: 2026-13-01"), "last_reviewed"),
        (lambda p: edit(p, RUNBOOK, "owner: platform", "owner: nobody"), "owner: no team 'nobody'"),
    ],
    ids=["unknown-alarm", "alarm-without-runbook", "missing-section", "unknown-severity", "bad-date",
         "unknown-owner"],
)
def test_bad_runbooks_fail_the_check(project: Path, capsys, change, fragment: str) -> None:
    change(project)
    assert main(["--root", str(project), "check"]) == 1
    err = capsys.readouterr().err
    assert fragment in err, err
    assert ("high-cpu-usage" in err) and "Traceback" not in err


def test_overdue_reviews_are_listed_and_bannered(project: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    edit(project, RUNBOOK, "last_reviewed: 2026-11-20", "last_reviewed: 2020-01-01")
    assert main(["--root", str(project), "check"]) == 0
    assert f"notice: {RUNBOOK}: review overdue since 2020-03-31" in capsys.readouterr().out
    site = build_site(project, "internal", tmp_path / "internal").out_dir
    banner = article(site, "runbooks/alarms/high-cpu-usage/").select_one(".admonition.warning")
    assert banner is not None and "Review overdue" in banner.get_text()
    assert article(site, "runbooks/alarms/rds-high-cpu/").select_one(".admonition.warning") is None


def test_one_url_per_alarm_tagged_and_boosted_in_search(built_sites: dict[str, Path]) -> None:
    site = built_sites["internal"]
    data = load_data(ROOT)
    index = json.loads((site / "search" / "search_index.json").read_text())
    docs = {d["location"]: d for d in index["docs"]}
    for alarm in data.monitoring.alarms:
        url = f"runbooks/alarms/{alarm.name}/"
        assert (site / url / "index.html").is_file()
        assert alarm.name in docs[url].get("tags", []), alarm.name
        assert docs[url].get("boost", 1) > 1
        facts = article(site, url).get_text(" ")
        assert alarm.condition in facts
    listing = article(site, "runbooks/alarms/")
    assert len(listing.select("table tbody tr")) == len(data.monitoring.alarms)


def test_alarms_json_for_cloudwatch_descriptions(capsys) -> None:
    assert main(["--root", str(ROOT), "alarms", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    names = [a.name for a in load_data(ROOT).monitoring.alarms]
    assert [r["name"] for r in rows] == names
    row = rows[0]
    assert row["runbook_url"] == f"https://ops.university-bus-tracker.com/runbooks/alarms/{row['name']}/"
    assert row["runbook_url"] in row["alarm_description"] and len(row["alarm_description"]) <= 1024


def test_runbook_by_alarm_name_resolves_macros_for_the_environment(capsys) -> None:
    assert main(["--root", str(ROOT), "runbook", "high-api-error-rate", "--raw"]) == 0
    production = capsys.readouterr().out
    assert "## Diagnosis" in production and "{{" not in production
    assert "https://api.university-bus-tracker.com/health" in production
    assert main(["--root", str(ROOT), "runbook", "high-api-error-rate", "--raw", "--env", "staging"]) == 0
    assert "https://api.staging.university-bus-tracker.com/health" in capsys.readouterr().out


@pytest.mark.parametrize(("query", "first"), [("rds cpu", "rds-high-cpu"), ("redis memory", "redis-high-memory"),
                                              ("kuickpay", "kuickpay-webhook-failures"),
                                              ("certificate", "certificate-expiry")])
def test_runbook_words_list_ranked_matches(capsys, query: str, first: str) -> None:
    assert main(["--root", str(ROOT), "runbook", *query.split()]) == 0
    lines = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]]
    assert lines[0] == first


def test_runbook_without_match_exits_1_naming_the_closest(capsys) -> None:
    assert main(["--root", str(ROOT), "runbook", "hgh-cpu-usag"]) == 1
    err = capsys.readouterr().err
    assert "nothing matches" in err and "high-cpu-usage" in err


def test_runbook_lookup_needs_no_mkdocs() -> None:
    code = ("import sys; from busdocs.cli import main; rc = main(['--root', sys.argv[1], 'runbook', "
            "'rds-high-cpu', '--raw']); print('MKDOCS' if any(m.startswith('mkdocs') for m in sys.modules) "
            "else 'CLEAN'); sys.exit(rc)")
    result = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip().endswith("CLEAN"), result.stdout[-300:]


def test_offline_bundle_is_internal_only(built_sites: dict[str, Path]) -> None:
    archive = built_sites["internal"] / "downloads" / "bus-tracker-ops-offline.zip"
    with zipfile.ZipFile(archive) as z:
        names = set(z.namelist())
    assert "bus-tracker-ops/index.html" in names
    assert "bus-tracker-ops/runbooks/alarms/high-api-error-rate.html" in names
    home = (built_sites["offline"] / "runbooks" / "alarms" / "index.html").read_text()
    assert 'href="high-api-error-rate.html"' in home
    assert not list(built_sites["public"].rglob("*.zip"))


def test_nothing_of_the_runbooks_reaches_the_public_site(built_sites: dict[str, Path]) -> None:
    public = built_sites["public"]
    assert not (public / "runbooks").exists()
    index = (public / "search" / "search_index.json").read_text()
    assert "runbooks/" not in index
    for book in load_runbooks(ROOT)[0]:
        assert f"alarms/{book.name}" not in index
    assert page(public, "").select_one('a[href*="runbooks"]') is None
