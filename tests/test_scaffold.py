"""`busdocs new KIND …`: every kind, created into a scratch copy, passes `busdocs check` and one
strict build per site (all kinds together, to keep the suite fast); bad arguments and existing
targets are refused without writing anything."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from busdocs.cli import main
from busdocs.data.loader import load_data

NEW_ALARM = """\
  - name: redis-evictions
    summary: Redis evicts keys because its memory is full.
    service: cache
    metric: Evictions
    namespace: AWS/ElastiCache
    statistic: Sum
    comparison: GreaterThanThreshold
    threshold: 100
    period: 300
    evaluation_periods: 1
    severity: SEV3
    topic: bus-tracker-warning
    dashboard: overview
    impact: none-yet
    threshold_reason: "Over 100 evictions in five minutes the cache drops live positions before they are read."
    baseline: "0 evictions (not yet measured)"
"""

KINDS = [
    ["new", "runbook", "redis-evictions"],
    ["new", "procedure", "redis-failover-test", "--title", "Redis failover test", "--description",
     "Fail over the Redis replication group on purpose and check that the API reconnects.",
     "--cadence", "Each semester"],
    ["new", "guide", "students", "lost-property", "--title", "Lost property", "--description",
     "Report an item left on a bus and collect it from the Transport Office."],
    ["new", "faq", "students", "--question", "Can I get my money back for a day pass?", "--answer",
     "No. A day pass cannot be refunded once it is paid.", "--see", "guides/students/buy-a-pass.md"],
    ["new", "news", "route-5-detour", "--title", "Route 5 detour in February", "--summary",
     "Route 5 skips the Library stop for two weeks of road works.", "--date", "2027-02-01"],
    ["new", "release", "driver-app", "1.0.2", "--summary", "Fixes for the trip screen.",
     "--change", "fixed:The trip timer no longer stops when the screen locks."],
]


def run(project: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--root", str(project), *argv])
    return code, out.getvalue(), err.getvalue()


def add_alarm(project: Path) -> None:
    monitoring = project / "data" / "monitoring.yml"
    text = monitoring.read_text()
    monitoring.write_text(text.replace("  - name: redis-low-hit-rate\n", NEW_ALARM + "  - name: redis-low-hit-rate\n", 1))


@pytest.mark.slow
def test_every_kind_passes_check_and_a_strict_build_of_each_site(project: Path, tmp_path: Path) -> None:
    add_alarm(project)
    code, _, err = run(project, "check")
    assert code == 1 and "alarm 'redis-evictions' has no runbook" in err
    faq_before = (project / "data" / "faq.yml").read_text()
    for argv in KINDS:
        code, out, err = run(project, *argv)
        assert code == 0, (argv, err)
        assert "created" in out or "edited" in out
    code, out, err = run(project, "check")
    assert code == 0, err

    # data files: comments and order kept, the entry at the end of its group
    faq = (project / "data" / "faq.yml").read_text()
    assert faq.startswith(faq_before.split("  - audience: drivers")[0].rstrip("\n").rsplit("\n", 1)[0])
    assert faq.index("Can I get my money back") < faq.index("  - audience: drivers")
    assert all(line in faq for line in faq_before.splitlines() if line.lstrip().startswith("#"))
    data = load_data(project)
    assert data.faq.sections[0].questions[-1].q == "Can I get my money back for a day pass?"
    drivers = [r for r in data.releases.releases if r.product == "driver-app"]
    assert drivers[-1].version == "1.0.2" and drivers[-1].changes[0].kind == "fixed"
    releases = (project / "data" / "releases.yml").read_text()
    assert releases.index("version: 1.0.2") < releases.index("# ---------------------------------------------------------------- admin dashboard")
    assert "- Lost property: lost-property.md" in (project / "guides/students/.nav.yml").read_text()
    runbook = (project / "runbooks/alarms/redis-evictions.md").read_text()
    assert "severity: SEV3" in runbook and "dashboards: [overview]" in runbook
    assert "escalation: business-hours" in runbook  # what the cache's SEV3 runbooks use

    created = ["runbooks/alarms/redis-evictions.md", "runbooks/procedures/redis-failover-test.md",
               "runbooks/procedures/index.md", "guides/students/lost-property.md", "docs/news/route-5-detour.md"]
    code, out, _ = run(project, "lint", *created)  # what is left is only what a person writes
    assert code == 1 and out and {line.split(": ")[1] for line in out.splitlines()} == {"scaffold"}, out

    code, _, err = run(project, "build", "--site", "public", "--out", str(tmp_path / "site"))
    assert code == 0, err
    code, _, err = run(project, "build", "--site", "internal", "--out", str(tmp_path / "site"))
    assert code == 0, err
    public, internal = tmp_path / "site" / "public", tmp_path / "site" / "internal"
    assert "Report an item left on a bus" in (public / "students/lost-property/index.html").read_text()
    assert "Can I get my money back for a day pass?" in (public / "faq/index.html").read_text()
    assert "The trip timer no longer stops" in (public / "releases/index.html").read_text()
    assert not (public / "news/route-5-detour").exists()  # a draft: shown by serve only
    page = (internal / "runbooks/alarms/redis-evictions/index.html").read_text()
    assert "AWS/ElastiCache/Evictions" in page and "describe-alarm-history" in page
    assert "Redis failover test" in (internal / "runbooks/procedures/index.html").read_text()
    assert (internal / "runbooks/procedures/redis-failover-test/index.html").is_file()


@pytest.mark.parametrize(("argv", "message"), [
    (["new", "runbook", "no-such-alarm"], "no alarm 'no-such-alarm' in data/monitoring.yml"),
    (["new", "runbook", "high-cpu-usage"], "runbooks/alarms/high-cpu-usage.md exists; busdocs new never overwrites"),
    (["new", "guide", "students", "account", "--title", "A", "--description", "B"], "guides/students/account.md exists"),
    (["new", "guide", "students", "Lost_Property", "--title", "A", "--description", "B"], "is not a slug"),
    (["new", "procedure", "x-y", "--title", " ", "--description", "B"], "--title is empty"),
    (["new", "faq", "students", "-q", "Who can use the app?", "-a", "B", "--see", "guides/students/sign-up.md"],
     "already asks"),
    (["new", "faq", "students", "-q", "Q?", "-a", "B", "--see", "guides/students/nope.md"], "the file must exist"),
    (["new", "release", "driver-app", "0.1.0", "--summary", "S", "--change", "fixed:x"], "is older than its newest"),
    (["new", "release", "driver-app", "1.0.0", "--summary", "S", "--change", "fixed:x"], "already has driver-app 1.0.0"),
    (["new", "release", "tram-app", "1.0.0", "--summary", "S", "--change", "fixed:x"], "product 'tram-app'"),
    (["new", "release", "api", "9.0.0", "--summary", "S", "--change", "broke:x"], "--change 'broke:x'"),
    (["new", "release", "api", "9.0.0", "--summary", "S"], "at least one --change"),
])
def test_bad_arguments_and_existing_targets_are_refused_and_nothing_is_written(
        project: Path, argv: list[str], message: str) -> None:
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    code, _, err = run(project, *argv)
    assert code == 1 and message in err, err
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("argv", [["new"], ["new", "faq", "pilots", "-q", "x", "-a", "y", "--see", "z"],
                                  ["new", "news", "x", "--title", "T", "--summary", "S", "--date", "01/02/2027"]])
def test_usage_errors_exit_2(project: Path, argv: list[str]) -> None:
    assert run(project, *argv)[0] == 2
