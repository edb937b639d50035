"""Launch readiness: the plan as data, status and gates, the CLI and the dashboard."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from busdocs.mkdocs.build import build_site
from busdocs.cli import main
from busdocs.data.loader import load_data
from busdocs.errors import ProblemsError
from busdocs.data.models.launch import Gate, Item, Launch, Owner, Section
from busdocs.content.readiness import by_owner, gate_status, overall_progress, overdue, section_progress, status_report
from tests.pages import article
from tests.plan import plan_sections

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def launch() -> Launch:
    return load_data(ROOT).launch


# ------------------------------------------------------------------ the plan, item for item


def test_every_plan_item_is_in_the_data(launch: Launch) -> None:
    plan = plan_sections()
    tasks = [s for s in plan if s[0] == "tasks"]
    assert len(tasks) == 17 and sum(len(items) for _, _, items in tasks) == 132
    assert len(plan) == len(launch.sections)
    for (group, title, items), section in zip(plan, launch.sections, strict=True):
        assert section.group == group, section.id
        assert [i.title for i in section.items] == items, section.id


def test_success_metric_targets_have_units(launch: Launch) -> None:
    targets = {m.id: m.target_text for m in launch.metrics if m.kind == "technical"}
    assert targets == {"uptime": "> 99.5 %", "api-p95": "< 200 ms", "error-rate": "< 1 %", "page-load": "< 2 s",
                       "crash-rate": "< 1 %"}


def test_done_items_point_at_pages_that_exist(launch: Launch) -> None:
    done = [i for _, i in launch.items() if i.status == "done"]
    assert done, "this repository delivers some items"
    for item in done:
        assert item.evidence.startswith("https://") or (ROOT / item.evidence.split("#")[0]).is_file()


# ------------------------------------------------------------------ computations, table-driven


def make(statuses: dict[str, str], gates: list[Gate] | None = None, due: date = date(2027, 1, 10)) -> Launch:
    items = []
    for item_id, status in statuses.items():
        extra = {"done": {"evidence": "docs/faq.md"}, "waived": {"reason": "not needed"},
                 "blocked": {"blocked_by": "vendor"}}.get(status, {})
        items.append(Item(id=item_id, title=item_id.upper(), status=status, **extra))
    section = Section(id="s", title="S", group="tasks", owner="pm", due=due, items=items)
    return Launch(owners=[Owner(id="pm", name="P M", role="PM")], sections=[section], gates=gates or [])


@pytest.mark.parametrize(
    ("statuses", "ready", "blocking"),
    [
        ({"a": "done", "b": "done"}, True, []),
        ({"a": "done", "b": "waived"}, True, []),
        ({"a": "done", "b": "todo"}, False, ["b"]),
        ({"a": "in_progress", "b": "blocked"}, False, ["a", "b"]),
        ({"a": "waived"}, True, []),
    ],
)
def test_gate_passes_only_when_everything_is_done_or_waived(statuses, ready, blocking) -> None:
    gate = Gate(id="g", title="G", description="d", sections=["s"])
    status = gate_status(make(statuses, [gate]), gate)
    assert status.ready is ready
    assert [i.id for i in status.blocking] == blocking


def test_gate_by_items_counts_only_those() -> None:
    gate = Gate(id="g", title="G", description="d", items=["b"])
    assert gate_status(make({"a": "todo", "b": "done"}, [gate]), gate).ready


@pytest.mark.parametrize(
    ("statuses", "done", "total", "percent"),
    [({"a": "done", "b": "todo", "c": "waived", "d": "todo"}, 1, 4, 25), ({"a": "done"}, 1, 1, 100),
     ({"a": "todo", "b": "todo", "c": "done"}, 1, 3, 33)],
)
def test_progress(statuses, done, total, percent) -> None:
    progress = section_progress(make(statuses).sections[0])
    assert (progress.done, progress.total, progress.percent) == (done, total, percent)
    assert overall_progress(make(statuses)).done == done


@pytest.mark.parametrize(("today", "late"), [(date(2027, 1, 10), []), (date(2027, 1, 11), ["a", "b"])])
def test_overdue_counts_open_items_past_due(today, late) -> None:
    launch = make({"a": "todo", "b": "blocked", "c": "done", "d": "waived"})
    assert [o.item.id for o in overdue(launch, today)] == late


def test_open_items_by_owner() -> None:
    groups = by_owner(make({"a": "todo", "b": "done"}))
    assert list(groups) == ["pm"] and [o.item.id for o in groups["pm"]] == ["a"]


def test_status_report_shape(launch: Launch) -> None:
    report = status_report(launch)
    assert set(report) == {"sections", "gates"}
    assert all(set(s) == {"id", "title", "done", "total"} for s in report["sections"])
    assert set(report["gates"]) == {"production-readiness", "soft-launch", "launch"}
    for gate in report["gates"].values():
        assert set(gate) == {"ready", "blocking", "unverified", "unchecked"} and isinstance(gate["ready"], bool)
        assert gate["ready"] == (gate["blocking"] == [] and gate["unverified"] == [] and gate["unchecked"] == [])


# ------------------------------------------------------------------ bad input


def mutate_launch(project: Path, old: str, new: str) -> None:
    path = project / "data" / "launch.yml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "field", "fragment"),
    [
        ('title: "Set up VPC with public and private subnets"\n',
         'title: "Set up VPC with public and private subnets"\n        status: doen\n',
         "sections[0].items[1].status", "'doen' is not one of"),
        ('title: "Set up VPC with public and private subnets"\n',
         'title: "Set up VPC with public and private subnets"\n        status: waived\n',
         "sections[0].items[1]", "a waived item needs a 'reason'"),
        ('title: "Set up VPC with public and private subnets"\n',
         'title: "Set up VPC with public and private subnets"\n        status: blocked\n',
         "sections[0].items[1]", "needs 'blocked_by'"),
        ("    due: 2026-12-11\n", "    due: 2026-12-32\n", "sections[0].due", "not a valid value"),
        ("      - id: cloudfront-cdn\n", "      - id: route-53-dns\n", "sections[0].items[7].id",
         "duplicate item id 'route-53-dns'"),
        ("items: [conduct-uat-stakeholders,", "items: [conduct-uat-stakeholder,", "gates[1].items[0]",
         "gate names unknown item 'conduct-uat-stakeholder' (did you mean 'conduct-uat-stakeholders'?)"),
        ("        evidence: docs/contact.md\n", "        evidence: docs/no-such-page.md\n",
         "sections[", "evidence page 'docs/no-such-page.md' does not exist"),
        ("    owner: devops-lead\n    due: 2026-12-11\n", "    owner: nobody\n    due: 2026-12-11\n",
         "sections[0].owner", "unknown owner 'nobody'"),
    ],
    ids=["unknown-status", "waived-without-reason", "blocked-without-blocker", "impossible-date", "duplicate-id",
         "gate-unknown-item", "missing-evidence", "unknown-owner"],
)
def test_bad_launch_data(project: Path, capsys, old: str, new: str, field: str, fragment: str) -> None:
    mutate_launch(project, old, new)
    with pytest.raises(ProblemsError) as info:
        load_data(project)
    found = [p for p in info.value.problems if p.field.startswith(field) and fragment in p.message]
    assert found, info.value
    assert found[0].file == Path("data/launch.yml") and found[0].line
    assert main(["--root", str(project), "check"]) == 1
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


# ------------------------------------------------------------------ CLI


def test_status_table(capsys) -> None:
    assert main(["--root", str(ROOT), "status"]) == 0
    out = capsys.readouterr().out
    assert "Infrastructure Setup (AWS)" in out and "0/12" in out and "gate launch: NO-GO" in out


def test_status_gate_not_ready_exits_1_and_lists_blockers(capsys) -> None:
    assert main(["--root", str(ROOT), "status", "--gate", "launch"]) == 1
    out = capsys.readouterr().out
    assert "NO-GO" in out and "system-stable-48-hours" in out


def test_status_gate_ready_exits_0(project: Path, capsys) -> None:
    path = project / "data" / "launch.yml"
    text = path.read_text()
    start = text.index("  - id: acceptance\n")
    end = text.index("  - id: readiness-infrastructure\n")
    block = text[start:end].replace('"\n', '"\n        status: waived\n        reason: test\n')
    path.write_text(text[:start] + block + text[end:])
    assert main(["--root", str(project), "status", "--gate", "launch"]) == 0
    assert "GO" in capsys.readouterr().out
    assert main(["--root", str(project), "status", "--gate", "launch", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["gates"] == {"launch": {"ready": True, "blocking": [], "unverified": [],
                                                                   "unchecked": []}}


def test_status_json(capsys) -> None:
    assert main(["--root", str(ROOT), "status", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sections"][0] == {"id": "infrastructure", "title": "Infrastructure Setup (AWS)", "done": 0,
                                     "total": 12}
    assert report["gates"]["launch"]["ready"] is False


def test_unknown_gate_is_a_usage_error(capsys) -> None:
    assert main(["--root", str(ROOT), "status", "--gate", "lunch"]) == 2
    assert "no gate 'lunch'" in capsys.readouterr().err


# ------------------------------------------------------------------ dashboard and reference pages


@pytest.mark.slow  # builds a site of its own
def test_dashboard_in_a_real_build(project: Path, tmp_path: Path, monkeypatch) -> None:
    """The ops site's build, with the dashboard's page and the two pages of the public nav only
    (`few_pages`): the date is in every page's cache key, so every page would be built again, and
    the dashboard is made from the data, not from other pages."""
    from tests.test_serve_errors import few_pages

    few_pages(project, ("index.md", "faq.md", "runbooks/launch-readiness.md"))
    monkeypatch.setenv("BUSDOCS_TODAY", "2027-01-05")
    site = build_site(project, "internal", tmp_path / "internal").out_dir
    body = article(site, "runbooks/launch-readiness/")
    text = body.get_text(" ", strip=True)
    launch = load_data(project).launch
    for gate in launch.gates:
        st = gate_status(launch, gate)
        assert f"NO-GO — {gate.title}: {len(st.blocking)} of" in text
    assert "system-stable-48-hours" in text  # exactly what blocks the launch gate
    assert len(body.select(".busdocs-bar")) == 1 + 5 + len(launch.sections)
    assert body.select_one(".busdocs-bar__fill")["style"].startswith("width:")
    assert f"{len(overdue(launch, date(2027, 1, 5)))} open items are past their due date" in text
    assert "Ayesha Siddiqui, DevOps lead (Phase owner):" in text
    for target in ("> 99.5 %", "< 200 ms", "< 1 %", "< 2 s"):
        assert target in text
    assert not body.select("script")


@pytest.mark.slow  # builds a site of its own
def test_dashboard_is_internal_only(project: Path, tmp_path: Path) -> None:
    from busdocs.mkdocs.build import BuildFailed

    faq = project / "docs" / "faq.md"
    faq.write_text(faq.read_text() + "\n{{ launch_gates() }}\n")
    with pytest.raises(BuildFailed, match="launch dashboard is internal"):
        build_site(project, "public", tmp_path / "public")


def test_reference_pages_render_every_resource_and_alarm(built_sites: dict[str, Path]) -> None:
    data = load_data(ROOT)
    infra = article(built_sites["internal"], "runbooks/reference/infrastructure/").get_text(" ")
    for needle in ("10.0.10.0/24", "sg-0b5c8e1f4a7d26903", "db.t3.large", "cache.t3.medium", "backend-green",
                   "bus-tracker-prod-backups", "E3HELP5M8T2WXN", "ws.university-bus-tracker.com",
                   "prod/jwt/secret"):
        assert needle in infra, needle
    alarms = article(built_sites["internal"], "runbooks/reference/monitoring/")
    rows = {r.select("td")[0].get_text(strip=True): r for r in alarms.select("table tr") if r.select("td")}
    for alarm in data.monitoring.alarms:
        assert alarm.name in rows, alarm.name
    error_rate = [td.get_text(strip=True) for td in rows["high-api-error-rate"].select("td")]
    assert error_rate == ["high-api-error-rate", "ErrorRate", "BusTracker", "Average", "> 5 %", "300 s", "2", "SEV1",
                          "bus-tracker-critical"]
    assert not (built_sites["public"] / "runbooks").exists()


def test_today_must_be_a_date(project: Path, tmp_path: Path, monkeypatch) -> None:
    from busdocs.mkdocs.build import BuildFailed

    monkeypatch.setenv("BUSDOCS_TODAY", "tomorrow")
    with pytest.raises(BuildFailed, match="BUSDOCS_TODAY='tomorrow' is not a date"):
        build_site(project, "internal", tmp_path / "internal")
    assert os.environ["BUSDOCS_TODAY"] == "tomorrow"


def _all_closed(launch):  # type: ignore[no-untyped-def]
    return launch.model_copy(update={"sections": [
        s.model_copy(update={"items": [i.model_copy(update={"status": "waived", "reason": "test"}) for i in s.items]})
        for s in launch.sections]})


def _verified(infra, environment: str):  # type: ignore[no-untyped-def]
    env = infra.environments[environment]
    update = {}
    for name in type(env).model_fields:
        value = getattr(env, name)
        if hasattr(value, "status"):
            update[name] = value.model_copy(update={"status": "verified"})
        elif isinstance(value, list) and value and hasattr(value[0], "status"):
            update[name] = [v.model_copy(update={"status": "verified"}) for v in value]
    return infra.model_copy(update={"environments": {**infra.environments,
                                                     environment: env.model_copy(update=update)}})


def test_production_readiness_waits_for_verified_production_resources(capsys) -> None:
    data = load_data(ROOT)
    gate = next(g for g in data.launch.gates if g.id == "production-readiness")
    assert gate.verified_infrastructure == ["production"]
    launch = _all_closed(data.launch)
    status = gate_status(launch, gate, data.infrastructure)
    assert status.blocking == () and not status.ready
    assert "production: database" in status.unverified and "production: secrets prod/db/password" in status.unverified
    assert not [u for u in status.unverified if u.startswith("staging")]
    assert not gate_status(launch, gate).ready  # without the infrastructure it never passes
    assert not gate_status(launch, gate, _verified(data.infrastructure, "production")).ready  # no account checks
    from tests.test_account import passed_checks

    assert gate_status(launch, gate, _verified(data.infrastructure, "production"), passed_checks("production")).ready
    assert not gate_status(launch, gate, _verified(data.infrastructure, "staging")).ready
    soft = next(g for g in data.launch.gates if g.id == "soft-launch")
    assert gate_status(launch, soft, data.infrastructure).ready  # only gates that ask for it
    assert main(["--root", str(ROOT), "status", "--gate", "production-readiness", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert "production: database" in report["gates"]["production-readiness"]["unverified"]
