"""Runbooks: one per alarm, checked both ways, findable, printable offline, never public."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from busdocs.mkdocs.build import build_site
from busdocs.checks import run_checks
from busdocs.cli import main
from busdocs.data.loader import DataSet, load_data
from busdocs.content.runbooks import SECTIONS, Runbook, load_runbooks
from tests.pages import article, page

ROOT = Path(__file__).resolve().parent.parent
RUNBOOK = "runbooks/alarms/high-cpu-usage.md"


@functools.cache
def real_data() -> DataSet:
    """The project's data, loaded once for the tests that only read it (over a hundred of them here)."""
    return load_data(ROOT)


@functools.cache
def real_runbooks() -> tuple[list[Runbook], list]:
    """The project's runbooks, loaded once for the tests that only read them."""
    return load_runbooks(ROOT)


def test_every_alarm_has_a_runbook_and_the_check_is_clean() -> None:
    result = run_checks(ROOT)
    assert result.problems == []
    books, _ = real_runbooks()
    assert {b.name for b in books} == {a.name for a in real_data().monitoring.alarms}
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
        (lambda p: edit(p, RUNBOOK, "{{ first_five_minutes() }}\n", ""),
         f"{RUNBOOK}:14: first_five_minutes: every alarm runbook starts with the first-five-minutes box"),
    ],
    ids=["unknown-alarm", "alarm-without-runbook", "missing-section", "unknown-severity", "bad-date",
         "unknown-owner", "no-first-five-minutes-box"],
)
def test_bad_runbooks_fail_the_check(project: Path, capsys, change, fragment: str) -> None:
    change(project)
    assert main(["--root", str(project), "check"]) == 1
    err = capsys.readouterr().err
    assert fragment in err, err
    assert ("high-cpu-usage" in err) and "Traceback" not in err


@pytest.mark.slow  # builds a site of its own
def test_overdue_reviews_are_listed_and_bannered(project: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    edit(project, RUNBOOK, "last_reviewed: 2026-11-20", "last_reviewed: 2020-01-01")
    assert main(["--root", str(project), "check"]) == 0
    out = capsys.readouterr().out
    assert f"warning: {RUNBOOK}:10: last_reviewed: review overdue since 2020-03-31" in out, out
    site = build_site(project, "internal", tmp_path / "internal").out_dir
    banner = article(site, "runbooks/alarms/high-cpu-usage/").select_one(".admonition.warning")
    assert banner is not None and "Review overdue" in banner.get_text()
    other = article(site, "runbooks/alarms/rds-high-cpu/").select(".admonition.warning")
    assert not [a for a in other if "Review overdue" in a.get_text()]


def test_one_url_per_alarm_tagged_and_boosted_in_search(built_sites: dict[str, Path]) -> None:
    site = built_sites["internal"]
    data = real_data()
    index = json.loads((site / "search" / "search_index.json").read_text())
    docs = {d["location"]: d for d in index["docs"]}
    for alarm in data.monitoring.alarms:
        url = f"runbooks/alarms/{alarm.name}/"
        assert (site / url / "index.html").is_file()
        assert alarm.name in docs[url].get("tags", []), alarm.name
        # The exact name finds it first through its tag, which weighs more than any title word
        # (issue 20 lowered the page weight of alarm runbooks: their common first-five-minutes box
        # made them outrank the help pages for every operational word).
        assert index["config"]["fields"]["tags"]["boost"] > index["config"]["fields"]["title"]["boost"]
        facts = article(site, url).get_text(" ")
        assert alarm.condition in facts
    listing = article(site, "runbooks/alarms/")
    assert len(listing.select("table tbody tr")) == len(data.monitoring.alarms)


def test_alarms_json_for_cloudwatch_descriptions(capsys) -> None:
    assert main(["--root", str(ROOT), "alarms", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    names = [a.name for a in real_data().monitoring.alarms]
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


SNS_SUBJECT = 'ALARM: "rds-high-connections" in US East (N. Virginia)'
SMS = "ALARM: rds-high-connections in production"
EMAIL = """You are receiving this email because your Amazon CloudWatch Alarm "kuickpay-webhook-failures" in the
US East (N. Virginia) region has entered the ALARM state, because "Threshold Crossed: 1 datapoint [9.0
(25/11/26 03:05:00)] was greater than the threshold (5.0)." at "Wednesday 25 November, 2026 03:10:12 UTC".

Alarm Details:
- Name:                       kuickpay-webhook-failures
- Description:                KuickPay payment webhooks fail verification or processing. Runbook:
https://ops.university-bus-tracker.com/runbooks/alarms/kuickpay-webhook-failures/
- State Change:               OK -> ALARM
- Reason for State Change:    Threshold Crossed
- Timestamp:                  Wednesday 25 November, 2026 03:10:12 UTC
- AWS Account:                ACCOUNT_ID
"""
CONSOLE = "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/high-api-error-rate"
CONSOLE_ENCODED = ("https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1"
                   "#alarmsV2:alarm$252Fredis-low-hit-rate%3FstateValue%3DALARM")
CONSOLE_PERCENT = ("https://console.aws.amazon.com/cloudwatch/home?region=us-east-1"
                   "#alarm:alarmFilter=ANY;name=alb%2D5xx%2Derrors")


@pytest.mark.parametrize(("query", "opens", "lists"), [
    ("rds-high-connections", "rds-high-connections", None),
    (SNS_SUBJECT, "rds-high-connections", None),
    (SMS, "rds-high-connections", None),
    (EMAIL, "kuickpay-webhook-failures", None),
    (CONSOLE, "high-api-error-rate", None),
    (CONSOLE_ENCODED, "redis-low-hit-rate", None),
    (CONSOLE_PERCENT, "alb-5xx-errors", None),
    ("  rds-high-cpu\n", "rds-high-cpu", None),
    ("hgh-cpu-usag", "high-cpu-usage", None),                 # typo of one name
    ("rds conections", "rds-high-connections", None),         # typo of one word
    ("rds cpu", "rds-high-cpu", None),                        # every word in one name
    ("redis memory", "redis-high-memory", None),
    ("kuickpay", "kuickpay-webhook-failures", None),
    ("certificate", "certificate-expiry", None),
    ("cpu", None, {"rds-high-cpu", "high-cpu-usage"}),       # real ambiguity lists
    ("high", None, {"high-api-error-rate", "high-cpu-usage", "high-memory-usage"}),
    ("database", None, {"database-connection-errors", "rds-high-cpu", "rds-high-connections"}),
    ("rds-high-cpu and high-cpu-usage", None, {"rds-high-cpu", "high-cpu-usage"}),
    ("zzzz qqq", None, set()),
], ids=["name", "sns-subject", "sms", "email", "console-url", "console-url-dollar-encoded",
        "console-url-percent-encoded", "whitespace", "typo-name", "typo-word", "words-in-name", "redis-memory",
        "kuickpay", "certificate", "ambiguous-cpu", "ambiguous-high", "ambiguous-service", "two-names", "nothing"])
def test_lookup_from_what_people_paste(query: str, opens: str | None, lists: set[str] | None) -> None:
    from busdocs.content.lookup import find

    books, _ = real_runbooks()
    found = find(books, real_data(), query)
    if opens is not None:
        assert found.runbook is not None and found.runbook.name == opens, (found.reason, found.candidates)
    else:
        assert found.runbook is None
        assert lists <= {c.name for c in found.candidates}, [c.name for c in found.candidates]
        assert bool(found.candidates) == bool(lists)


def test_runbook_opens_the_pasted_alarm_and_lists_only_real_ambiguity(capsys) -> None:
    assert main(["--root", str(ROOT), "runbook", SNS_SUBJECT, "--raw"]) == 0
    out, err = capsys.readouterr()
    assert out.lstrip().startswith("# rds-high-connections") and "opening rds-high-connections" in err
    assert main(["--root", str(ROOT), "runbook", "cpu"]) == 0
    lines = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]]
    assert set(lines) >= {"rds-high-cpu", "high-cpu-usage"}
    assert main(["--root", str(ROOT), "runbook", "--list"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]]
    assert sorted(listed) == sorted(a.name for a in real_data().monitoring.alarms)
    assert main(["--root", str(ROOT), "runbook"]) == 2


def test_runbook_without_match_exits_1_naming_the_closest(capsys) -> None:
    assert main(["--root", str(ROOT), "runbook", "zzzz", "qqq"]) == 1
    err = capsys.readouterr().err
    assert "nothing matches" in err and "--list" in err


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
    for book in real_runbooks()[0]:
        assert f"alarms/{book.name}" not in index
    assert page(public, "").select_one('a[href*="runbooks"]') is None


# ---------------------------------------------------------------- one environment per page

ENVIRONMENTS = [e.name for e in real_data().environments.environments]


def _env_pages() -> list[str]:
    from busdocs.content.lookup import environment_pages

    return [p.as_posix() for p in environment_pages(ROOT)]


def test_the_matrix_covers_every_runbook_procedure_and_environment() -> None:
    pages = _env_pages()
    books = {f"runbooks/alarms/{b.name}.md" for b in real_runbooks()[0]}
    assert books <= set(pages)
    assert {"runbooks/procedures/secrets-rotation.md", "runbooks/incident-response.md", "runbooks/oncall.md",
            "runbooks/security-incident.md"} <= set(pages)
    assert set(ENVIRONMENTS) == {"production", "staging"} == set(real_data().infrastructure.environments)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("relative", _env_pages())
def test_every_page_rendered_for_an_environment_shows_none_of_another(relative: str, environment: str) -> None:
    """The same renderer as `busdocs runbook` (and the same macros as the site), per environment."""
    from datetime import date

    from busdocs.content import environment_values
    from busdocs.content.lookup import render_page

    data = real_data()
    text = render_page(ROOT, Path(relative), data, environment, date(2026, 11, 25))
    assert "{{ infra()" not in text and "{{ env_value" not in text and "{{ secret(" not in text
    foreign = environment_values.find_foreign(text, data, environment)
    assert foreign == [], foreign


def test_foreign_identifiers_are_real_identifiers_of_the_other_environment() -> None:
    from busdocs.content import environment_values

    data = real_data()
    prod = environment_values.foreign_identifiers(data, "staging")
    for value in ("bus-tracker-prod-db", "prod/db/password", "bastion.prod.university-bus-tracker.internal",
                  "bus-tracker-prod-backend", "Bus-Tracker-Production", "app/bus-tracker-prod-alb/5f1c2d3e4a6b7c8d",
                  "api.university-bus-tracker.com", "deploy-production"):
        assert value in prod, value
    staging = environment_values.foreign_identifiers(data, "production")
    assert "bus-tracker-staging-db" in staging and "staging/db/password" in staging
    # shared by design, so no one's: the status page, the log group names, the region
    assert "status.university-bus-tracker.com" not in prod and "us-east-1" not in prod
    hits = environment_values.find_foreign("ssh -J ec2-user@bastion.prod.university-bus-tracker.internal x\n"
                                           "see https://api.university-bus-tracker.com/health", data, "staging")
    assert {"bastion.prod.university-bus-tracker.internal", "api.university-bus-tracker.com"} <= {h[0] for h in hits}
    assert environment_values.find_foreign("https://api.staging.university-bus-tracker.com/health", data,
                                           "staging") == []


def test_runbook_for_staging_prints_staging_values_only(capsys) -> None:
    assert main(["--root", str(ROOT), "runbook", "database-connection-errors", "--raw", "--env", "staging"]) == 0
    staging = capsys.readouterr().out
    for value in ("bus-tracker-staging-db", "staging/db/password", "bastion.staging.university-bus-tracker.internal",
                  "bus-tracker-staging-backend", "Bus-Tracker-Staging-Database", "deploy-staging"):
        assert value in staging, value
    for value in ("bus-tracker-prod-db", "prod/db/password", "bastion.prod.", "bus-tracker-prod-backend",
                  "deploy-production"):
        assert value not in staging, value
    assert main(["--root", str(ROOT), "runbook", "database-connection-errors", "--raw"]) == 0
    production = capsys.readouterr().out
    assert "bus-tracker-prod-db" in production and "staging" not in production.replace("staging app", "")


@pytest.mark.parametrize(
    ("page", "old", "new", "fragment"),
    [
        (RUNBOOK, "## Summary\n", "## Summary\n\nReplica: {{ infra().database.read_replica }}.\n",
         "environment staging: infra().database.read_replica is not defined for staging"),
        (RUNBOOK, "## Summary\n", "## Summary\n\nRead `prod/db/password` first.\n",
         "environment staging: shows 'prod/db/password' of another environment"),
        (RUNBOOK, "## Summary\n", '## Summary\n\nStaging is {{ env_value("API_BASE_URL", "staging") }}.\n',
         "environment production: asks for a value of 'staging'"),
        (RUNBOOK, "## Summary\n", '## Summary\n\nKey: {{ secret("newrelic/license-key") }}.\n',
         "environment staging: secret('newrelic/license-key') is not defined for staging"),
    ],
    ids=["value-missing-in-one-environment", "literal-of-another-environment", "asks-for-another-environment",
         "secret-missing-in-one-environment"],
)
def test_a_page_that_is_not_right_for_every_environment_fails_the_check(project: Path, capsys, page: str, old: str,
                                                                      new: str, fragment: str) -> None:
    edit(project, page, old, new)
    assert main(["--root", str(project), "check"]) == 1
    err = capsys.readouterr().err
    line = (project / page).read_text().split("\n").index(new.split("\n")[2]) + 1
    assert f"{page}:{line}: {fragment}" in err, err
    assert "Traceback" not in err


def test_an_environment_without_a_value_is_a_data_error(project: Path, capsys) -> None:
    path = project / "data" / "infrastructure.yml"
    text = path.read_text()
    start = text.index("    bastion: { host: bastion.staging")
    path.write_text(text[:start] + text[text.index("\n", start) + 1:])
    assert main(["--root", str(project), "check"]) == 1
    err = capsys.readouterr().err
    assert "data/infrastructure.yml:" in err and "environments.staging.bastion: required field is missing" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------- verified or marked


def test_unverified_values_are_marked_in_the_terminal_and_only_those(project: Path, capsys) -> None:
    assert main(["--root", str(ROOT), "runbook", "rds-high-connections", "--raw"]) == 0
    out = capsys.readouterr().out
    marker = out[out.index("⚠ unverified"):out.index("## Summary")]
    assert "`bus-tracker-prod-db` (database)" in marker and "`bus-tracker-prod-backend` (auto_scaling)" in marker
    # verify the database (with a real-shaped endpoint): it is no longer marked, the rest still is
    path = project / "data" / "infrastructure.yml"
    text = path.read_text()
    at = text.rindex("status: unverified", 0, text.index("identifier: bus-tracker-prod-db"))
    text = text[:at] + "status: verified" + text[at + len("status: unverified"):]
    path.write_text(text.replace("endpoint: prod-db.rds.amazonaws.com",
                                 "endpoint: bus-tracker-prod-db.c8x2k1ab.us-east-1.rds.amazonaws.com"))
    assert main(["--root", str(project), "runbook", "rds-high-connections", "--raw"]) == 0
    out = capsys.readouterr().out
    marker = out[out.index("⚠ unverified"):out.index("## Summary")]
    assert "bus-tracker-prod-db`" not in marker and "`bus-tracker-prod-backend` (auto_scaling)" in marker


def test_unverified_values_are_marked_on_the_ops_site(built_sites: dict[str, Path]) -> None:
    body = article(built_sites["internal"], "runbooks/alarms/database-connection-errors/")
    box = next(a for a in body.select(".admonition.warning") if "unverified" in a.get_text())
    assert "bus-tracker-prod-db" in box.get_text() and "not verified" in box.get_text()
    reference = " ".join(article(built_sites["internal"], "runbooks/reference/infrastructure/").get_text(" ").split())
    assert "resources are ⚠ unverified" in reference and "## RDS" not in reference
    first = body.select_one(".admonition")
    assert first is not None and "danger" in first["class"] and "First five minutes" in first.get_text()
    hrefs = [a["href"] for a in first.select("a")]
    assert "../../incident-response/#severity" in hrefs
    assert ("https://us-east-1.console.aws.amazon.com/rds/home?region=us-east-1"
            "#database:id=bus-tracker-prod-db;is-cluster=false") in hrefs


# ---------------------------------------------------------------- page shape and deep links


@pytest.mark.parametrize(("built", "expected"), [
    (lambda l: l.cloudwatch_alarm("us-east-1", "high-api-error-rate"),
     "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/high-api-error-rate"),
    (lambda l: l.cloudwatch_alarm("us-west-2", "a b/c"),
     "https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2#alarmsV2:alarm/a%20b%2Fc"),
    (lambda l: l.cloudwatch_dashboard("us-east-1", "Bus-Tracker-Production"),
     "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/Bus-Tracker-Production"),
    (lambda l: l.logs_insights("us-east-1", ["/aws/lambda/my-function"], "fields @timestamp, @message\n| sort @timestamp desc"),
     "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:logs-insights$3FqueryDetail$3D"
     "~(end~0~start~-3600~timeType~'RELATIVE~unit~'seconds~editorString~'fields*20*40timestamp*2c*20*40message*0a"
     "*7c*20sort*20*40timestamp*20desc~source~(~'*2faws*2flambda*2fmy-function))"),
    (lambda l: l.logs_insights("eu-west-1", ["/a", "/b"], "stats count(*)", seconds=900),
     "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:logs-insights$3FqueryDetail$3D"
     "~(end~0~start~-900~timeType~'RELATIVE~unit~'seconds~editorString~'stats*20count*28*2a*29~source~(~'*2fa~'*2fb))"),
    (lambda l: l.rds_instance("us-east-1", "bus-tracker-prod-db"),
     "https://us-east-1.console.aws.amazon.com/rds/home?region=us-east-1#database:id=bus-tracker-prod-db;is-cluster=false"),
    (lambda l: l.elasticache_redis("us-east-1", "bus-tracker-prod-redis"),
     "https://us-east-1.console.aws.amazon.com/elasticache/home?region=us-east-1#/redis/bus-tracker-prod-redis"),
    (lambda l: l.load_balancer("us-east-1", "bus-tracker-prod-alb"),
     "https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#LoadBalancers:search=bus-tracker-prod-alb"),
    (lambda l: l.signed_in("https://us-east-1.console.aws.amazon.com/rds/home?region=us-east-1#databases:",
                           "https://margalla.awsapps.com/start", "111122223333", "OnCallOperator"),
     "https://margalla.awsapps.com/start/#/console?account_id=111122223333&role_name=OnCallOperator&destination="
     "https%3A%2F%2Fus-east-1.console.aws.amazon.com%2Frds%2Fhome%3Fregion%3Dus-east-1%23databases%3A"),
    (lambda l: l.signed_in("https://x.console.aws.amazon.com/", "https://margalla.awsapps.com/start", None, "R"),
     "https://x.console.aws.amazon.com/"),
], ids=["alarm", "alarm-encoded", "dashboard", "logs-insights", "logs-insights-two-groups", "rds", "elasticache",
        "alb", "sso-shortcut", "no-account-id"])
def test_console_link_builders_match_the_consoles_url_shapes(built, expected: str) -> None:
    from busdocs.content import console_links

    assert built(console_links) == expected


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_alarm_runbook_starts_with_the_first_five_minutes(environment: str) -> None:
    from datetime import date

    from busdocs.content.lookup import render_runbook

    data = real_data()
    infra = data.infrastructure.environments[environment]
    for book in real_runbooks()[0]:
        text = render_runbook(book, data, environment, date(2026, 11, 25))
        box = text[text.index("First five minutes"):text.index("|  |  |")]
        assert text.index("First five minutes") < text.index("## Summary"), book.name
        alarm = data.monitoring.alarm(book.name)
        assert f"{alarm.severity} · {environment} · owner " in box and "last reviewed 2026-11-20" in box
        assert f"#alarmsV2:alarm/{book.name}" in box and f"region={infra.region}" in box
        assert infra.cloudwatch.dashboards[alarm.dashboard] in box
        assert "Recent deploys" in box and f"--workflow {data.environments.get(environment).deploy_workflow}.yml" in box
        severity = next(s for s in data.monitoring.severities if s.id == alarm.severity)
        if environment == "staging":
            assert "Staging pages nobody" in box and "Declare" not in box
        elif severity.page:
            assert "PagerDuty" in box and "Declare" in box and "#status-page" in box
        else:
            assert "does not page at night" in box and "Do not declare" in box


def test_rollback_of_a_deploy_has_one_wording_from_one_source() -> None:
    for book in real_runbooks()[0]:
        rollback = book.sections["Rollback"]
        assert "Re-run: rollback" not in rollback and "action: rollback**" not in rollback, book.name
    assert sum("{{ rollback_deploy() }}" in b.sections["Rollback"] for b in real_runbooks()[0]) >= 10


@pytest.mark.slow  # builds the staging ops site (once per test run, shared across test processes)
def test_the_ops_site_built_for_staging_shows_staging(staging_ops_site: Path) -> None:
    site = staging_ops_site
    body = article(site, "runbooks/alarms/database-connection-errors/")
    text = body.get_text(" ")
    assert "First five minutes — SEV1 Critical, staging" in text and "Staging pages nobody" in text
    for value in ("bus-tracker-staging-db", "staging/db/password", "bastion.staging.university-bus-tracker.internal"):
        assert value in text, value
    for value in ("bus-tracker-prod-db", "prod/db/password", "bastion.prod."):
        assert value not in text, value
    assert any("unverified" in a.get_text() and "bus-tracker-staging-db" in a.get_text()
               for a in body.select(".admonition.warning"))
    reference = article(site, "runbooks/reference/infrastructure/").get_text(" ")
    assert "bus-tracker-staging-alb" in reference and "bus-tracker-prod-alb" not in reference
