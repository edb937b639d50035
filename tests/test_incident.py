"""Incident-grade runbooks: paging agrees with the severity matrix, the first-five-minutes box links
the paging service and the status page, shared steps are written once, the security incident
runbook and its contacts, `busdocs postmortem new`, and pages marked verified."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from busdocs.cli import main
from busdocs.content import runbooks
from busdocs.content.lookup import render_page, render_runbook
from busdocs.data.loader import load_data

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 12, 2)
DATA = load_data(ROOT)
ENVIRONMENTS = list(DATA.infrastructure.environments)
BOOKS = runbooks.load_runbooks(ROOT)[0]


def edit(project: Path, relative: str, old: str, new: str) -> None:
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ------------------------------------------------------------------ paging agrees with impact


def test_every_alarm_that_pages_at_night_is_one_users_notice() -> None:
    severities = {s.id: s for s in DATA.monitoring.severities}
    for alarm in DATA.monitoring.alarms:
        if severities[alarm.severity].page:
            assert alarm.impact == "users", alarm.name
    for book in BOOKS:
        alarm = DATA.monitoring.alarm(book.name)
        problems = runbooks.paging_problems(book, alarm, severities[alarm.severity],
                                            DATA.problem("monitoring", ("alarms", 0, "impact"), ""))
        assert problems == [], problems
    # the two early warnings of the launch plan wait for the working day
    assert DATA.monitoring.alarm("rds-high-connections").severity == "SEV3"
    assert DATA.monitoring.alarm("backup-failure").severity == "SEV3"


@pytest.mark.parametrize(("impact", "expected"), [
    ("Usually none yet for users. Slots may run out.", "says 'Usually none'"),
    ("Nothing is down and no data is lost yet.", "says 'Nothing is down'"),
    ("Students are not affected until the cache is empty.", "says 'Students are not affected'"),
    ("Riders miss their notifications; the live map still works.", None),
    ("**SEV1** until you know which monitor failed and that users are not affected.", None),
], ids=["none-yet", "nothing-down", "not-affected", "affected", "until-you-know"])
def test_a_paging_runbook_that_says_users_are_not_affected_is_a_problem(impact: str, expected: str | None) -> None:
    book = next(b for b in BOOKS if b.name == "high-cpu-usage")
    body = re.sub(r"(## Impact\n\n).*?(\n\n## )", lambda m: m.group(1) + impact + m.group(2), book.body, flags=re.S)
    changed = runbooks.Runbook(book.path, book.meta, body, {**book.sections, "Impact": impact}, book.body_line)
    alarm = DATA.monitoring.alarm("high-cpu-usage")
    severity = next(s for s in DATA.monitoring.severities if s.id == "SEV2")
    problems = runbooks.paging_problems(changed, alarm, severity, DATA.problem("monitoring", ("alarms", 1), ""))
    if expected is None:
        assert problems == []
        return
    [problem] = problems
    assert expected in problem.message and "SEV2 pages on-call at any hour" in problem.message
    assert problem.file == book.path and problem.field == "section 'Impact'"
    assert impact.split(".")[0].split(" until")[0][:12] in changed.body.split("\n")[problem.line - changed.body_line]


def test_an_alarm_that_pages_at_night_but_does_not_affect_users_fails_the_check(project: Path, capsys) -> None:
    """The issue's own example: rds-high-connections paging at night with 'Usually none yet for users'."""
    path = project / "data" / "monitoring.yml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("  - name: rds-high-connections"), text.index("  - name: redis-high-memory")
    block = text[start:end].replace("severity: SEV3", "severity: SEV2").replace("bus-tracker-warning",
                                                                                "bus-tracker-critical")
    assert "impact: none-yet" in block
    path.write_text(text[:start] + block + text[end:], encoding="utf-8")
    edit(project, "runbooks/alarms/rds-high-connections.md", "severity: SEV3", "severity: SEV2")
    assert main(["--root", str(project), "check"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"data/monitoring\.yml:\d+: alarms\[\d+\]\.impact: 'rds-high-connections' is SEV2, which pages "
                     r"at any hour, but its impact is 'none-yet'", err), err
    assert re.search(r"runbooks/alarms/rds-high-connections\.md:\d+: section 'Impact': says 'Usually none'", err), err
    assert "Traceback" not in err


@pytest.mark.parametrize("book", BOOKS, ids=lambda b: b.name)
def test_the_facts_say_when_the_alarm_pages_and_why(book: runbooks.Runbook) -> None:
    text = render_runbook(book, DATA, "production", TODAY)
    alarm = DATA.monitoring.alarm(book.name)
    row = next(line for line in text.split("\n") if line.startswith("| Paging |"))
    severity = next(s for s in DATA.monitoring.severities if s.id == alarm.severity)
    assert ("pages on-call at any hour" if severity.page else "next working day, no page at night") in row
    assert ("users notice when it fires" if alarm.impact == "users" else "users are not affected yet") in row
    staging = render_runbook(book, DATA, "staging", TODAY)
    assert "pages nobody in this environment" in next(line for line in staging.split("\n")
                                                      if line.startswith("| Paging |"))


# ------------------------------------------------------------------ the box links paging and status page


def _box(text: str) -> str:
    return text[text.index("First five minutes"):text.index("|  |  |")]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("book", BOOKS, ids=lambda b: b.name)
def test_the_box_links_the_paging_service_and_the_status_page(book: runbooks.Runbook, environment: str) -> None:
    status = DATA.site.support.status_page
    pager = DATA.infrastructure.environments[environment].cloudwatch.pagerduty_url
    terminal = _box(render_runbook(book, DATA, environment, TODAY))
    page = _box(render_page(ROOT, book.path, DATA, environment, TODAY))
    assert f"<{status}>" in terminal and f"]({status})" in page
    if pager:
        assert f"<{pager}>" in terminal and f"]({pager})" in page
    else:
        assert "pagerduty.com" not in terminal + page
        assert "never post staging problems there" in terminal


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_evidence_link_of_the_box_is_a_whole_link_on_the_page(environment: str) -> None:
    """Console fragments hold parentheses (Logs Insights): each link must reach the page whole."""
    import markdown

    from busdocs.content.first_minutes import evidence_links

    infra = DATA.infrastructure.environments[environment]
    for book in BOOKS:
        text = render_page(ROOT, book.path, DATA, environment, TODAY)
        html = markdown.markdown(text[text.index("!!! danger"):text.index("|  |  |")], extensions=["admonition"])
        hrefs = set(re.findall(r'href="([^"]*)"', html.replace("&amp;", "&")))
        for link in evidence_links(DATA.monitoring.alarm(book.name), DATA.monitoring, infra):
            assert link.url in hrefs, (book.name, link.label)
        assert "))" not in re.sub(r"<[^>]+>", "", html).replace("((", ""), book.name


# ------------------------------------------------------------------ shared steps, one source


def test_shared_steps_are_one_snippet_and_no_runbook_points_into_another() -> None:
    users = [b for b in BOOKS if 'shared_step("connect-to-database")' in b.body]
    assert {b.name for b in users} >= {"database-connection-errors", "rds-high-connections", "rds-high-cpu"}
    for book in BOOKS:
        assert not re.search(r"as in \[[^\]]+\]\([^)]+\)[^.]{0,40}step \d", book.body), book.name
        assert not re.search(r"\(find [^)]* as in \[", book.body), book.name
    for environment in ENVIRONMENTS:
        infra = DATA.infrastructure.environments[environment]
        steps = set()
        for book in users:
            text = render_runbook(book, DATA, environment, TODAY)
            start = text.index("Connect to the database from a backend instance")
            steps.add(text[start:text.index("```\n", text.index("psql", start)) + 4])
        [step] = steps  # word for word the same in every runbook
        assert infra.bastion.host in step and infra.auto_scaling.name in step


def test_a_missing_snippet_fails_the_check_naming_the_page(project: Path, capsys) -> None:
    edit(project, "runbooks/alarms/rds-high-cpu.md", 'shared_step("connect-to-database")',
         'shared_step("connect-to-the-db")')
    assert main(["--root", str(project), "check"]) == 1
    err = capsys.readouterr().err
    assert "runbooks/alarms/rds-high-cpu.md:" in err and "no snippet macros/snippets/connect-to-the-db.md" in err
    assert "known: connect-to-database" in err


# ------------------------------------------------------------------ security incident


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_security_incident_runbook_renders_contacts_deadlines_and_markers(environment: str) -> None:
    text = render_page(ROOT, Path("runbooks/security-incident.md"), DATA, environment, TODAY)
    for heading in ("## Contain", "## Preserve evidence", "## Notify", "## Close"):
        assert heading in text
    security = DATA.oncall.security
    assert security is not None
    for contact in security.contacts:
        row = next(line for line in text.split("\n") if line.startswith(f"| **{contact.office}**"))
        assert ("⚠ unverified" in row) == (contact.status == "unverified"), row
    hours = [int(h) for h in re.findall(r"\| \*\*(\d+) h\*\* \|", text)]
    assert hours == sorted(hours) and len(hours) == len(security.deadlines)
    secrets = DATA.infrastructure.environments[environment].secrets
    assert all(f"`{s.name}`" in text for s in secrets)


def test_a_deadline_for_an_unknown_contact_is_a_data_error(project: Path, capsys) -> None:
    edit(project, "data/oncall.yml", "- { notify: kuickpay,", "- { notify: kuikpay,")
    assert main(["--root", str(project), "check"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"data/oncall\.yml:\d+: security: .*deadline for 'kuikpay': no such contact", err), err


# ------------------------------------------------------------------ busdocs postmortem new


def test_postmortem_new_copies_the_template_into_a_dated_file(project: Path, capsys) -> None:
    assert main(["--root", str(project), "postmortem", "new", "inc-2026-014"]) == 0
    written = project / "runbooks" / "postmortems" / f"{date.today().isoformat()}-inc-2026-014.md"
    assert f"wrote {written.relative_to(project)}" in capsys.readouterr().out
    text = written.read_text(encoding="utf-8")
    assert "incident: INC-2026-014\n" in text and f"review_started: {date.today().isoformat()}\n" in text
    assert "# Postmortem INC-2026-014\n" in text and "Postmortem template" not in text
    for part in ("## Impact", "## Timeline", "## Contributing factors", "## Action items", "| Owner |",
                 "Users affected", "Failed API requests"):
        assert part in text, part
    # never overwritten, whatever the date and the spelling
    written.write_text(text + "\nfilled in\n", encoding="utf-8")
    assert main(["--root", str(project), "postmortem", "new", "INC-2026-014"]) == 1
    err = capsys.readouterr().err
    assert "already holds the review of INC-2026-014" in err and written.read_text().endswith("filled in\n")


@pytest.mark.parametrize("incident", ["2026-014", "INC-26-014", "INC-2026-14", "INC-2026-014/../../x",
                                      "INC-1999-001", f"INC-{date.today().year + 1}-001", ""])
def test_postmortem_new_refuses_a_bad_incident_id(project: Path, capsys, incident: str) -> None:
    before = sorted((project / "runbooks" / "postmortems").iterdir())
    assert main(["--root", str(project), "postmortem", "new", incident]) == 1
    err = capsys.readouterr().err
    assert err.startswith("busdocs postmortem: ") and "Traceback" not in err
    assert "INC-<year>-<number>" in err or "is not between 2020" in err
    assert sorted((project / "runbooks" / "postmortems").iterdir()) == before


# ------------------------------------------------------------------ pages marked verified


def test_an_unverified_production_value_on_a_page_marked_verified_fails_the_check(project: Path, capsys) -> None:
    relative = "runbooks/alarms/rds-high-connections.md"
    edit(project, relative, "review_interval_days: 90\n", "review_interval_days: 90\nverified: true\n")
    assert main(["--root", str(project), "check"]) == 1
    err = capsys.readouterr().err
    lines = (project / relative).read_text(encoding="utf-8").split("\n")
    found = re.findall(rf"{re.escape(relative)}:(\d+): verified: (\S+): the page says 'verified: true' but shows "
                       r"'([^']+)', which is unverified in production", err)
    assert found, err
    by_value = {value: (int(line), origin) for line, origin, value in found}
    line, origin = by_value["bus-tracker-prod-backend"]
    assert origin == "auto_scaling" and "infra().auto_scaling.name" in lines[line - 1]
    assert "bus-tracker-prod-db" in by_value
    # staging values are not production's: a verified page says nothing about them
    assert "staging" not in " ".join(by_value)


def test_the_facts_give_the_thresholds_reason_and_the_normal_value(project: Path, capsys) -> None:
    for book in BOOKS:
        alarm = DATA.monitoring.alarm(book.name)
        text = render_runbook(book, DATA, "production", TODAY)
        assert f"| Why this threshold | {alarm.threshold_reason} |" in text, book.name
        assert f"| Normal | {alarm.baseline} (expected before launch, not yet measured) |" in text, book.name
    path = project / "data" / "monitoring.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - name: rds-high-cpu")
    cut = text.index("    threshold_reason:", start)
    path.write_text(text[:cut] + text[text.index("\n", cut) + 1:], encoding="utf-8")
    assert main(["--root", str(project), "check"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"data/monitoring\.yml:\d+: alarms\[\d+\]\.name: alarm 'rds-high-cpu' has no threshold_reason", err)
