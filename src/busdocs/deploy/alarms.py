"""`busdocs alarms apply|check`: the alarms of `data/monitoring.yml` in an environment's CloudWatch.

scan (describe the live alarms and their tags) → diff (pure: `plan_alarms`, `find_drift`) → apply
(`put_metric_alarm`, one alarm at a time). Every documented alarm is created or updated with its
metric, dimensions (resolved for the environment), statistic, threshold, periods, comparison, the
environment's SNS topic, and an `AlarmDescription` that starts with its runbook's URL; alarms
busdocs creates carry the tag `managed-by=busdocs`. Apply never touches an alarm without that tag;
a managed alarm no longer documented is deleted. The check goes both ways: every documented alarm
exists as documented, and every alarm in the account has a runbook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from busdocs.data.models.infrastructure import EnvironmentInfrastructure
from busdocs.data.models.monitoring import Alarm, Monitoring
from busdocs.deploy.account import Account, AccountError, describe_error, translated

MANAGED_TAG = {"Key": "managed-by", "Value": "busdocs"}
DESCRIPTION_LIMIT = 1024
"""CloudWatch's limit on `AlarmDescription`."""

FIELDS: tuple[tuple[str, str], ...] = (
    ("description", "AlarmDescription"), ("metric", "MetricName"), ("namespace", "Namespace"),
    ("statistic", "Statistic"), ("dimensions", "Dimensions"), ("comparison", "ComparisonOperator"),
    ("threshold", "Threshold"), ("period", "Period"), ("evaluation_periods", "EvaluationPeriods"),
    ("datapoints_to_alarm", "DatapointsToAlarm"), ("treat_missing_data", "TreatMissingData"),
    ("alarm_actions", "AlarmActions"), ("ok_actions", "OKActions"), ("actions_enabled", "ActionsEnabled"),
)
"""Each compared field: its name in reports (as in `data/monitoring.yml` where it has one) and in the API."""

Say = Callable[[str], None]
RunbookUrl = Callable[[str], str]


def description(alarm: Alarm, url: str) -> str:
    """The alarm description: the runbook URL first (what a phone's notification shows), then the summary."""
    text = f"{url} — {alarm.summary} Severity {alarm.severity}."
    return text[:DESCRIPTION_LIMIT]


def desired(alarm: Alarm, infra: EnvironmentInfrastructure, account_id: str, runbook_url: RunbookUrl) -> dict[str, Any]:
    """The `put_metric_alarm` parameters of one documented alarm in one environment (without tags)."""
    resolved = alarm.for_environment(infra)
    topic = f"arn:aws:sns:{infra.region}:{account_id}:{alarm.topic}"
    params: dict[str, Any] = {
        "AlarmName": alarm.name, "AlarmDescription": description(alarm, runbook_url(alarm.name)),
        "ActionsEnabled": True, "AlarmActions": [topic], "OKActions": [topic],
        "MetricName": alarm.metric, "Namespace": alarm.namespace,
        "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(resolved.dimensions.items())],
        "Period": alarm.period, "EvaluationPeriods": alarm.evaluation_periods, "Threshold": float(alarm.threshold),
        "ComparisonOperator": alarm.comparison, "TreatMissingData": alarm.treat_missing_data,
    }
    if alarm.statistic.startswith("p"):
        params["ExtendedStatistic"] = alarm.statistic
    else:
        params["Statistic"] = alarm.statistic
    if alarm.datapoints_to_alarm:
        params["DatapointsToAlarm"] = alarm.datapoints_to_alarm
    return params


def comparable(params: Mapping[str, Any]) -> dict[str, Any]:
    """An alarm (desired parameters or `describe_alarms` output) as the fields that are compared."""
    out: dict[str, Any] = {}
    for name, key in FIELDS:
        value = params.get(key)
        if key == "Statistic":
            value = params.get("Statistic") or params.get("ExtendedStatistic")
        elif key == "Dimensions":
            value = sorted((d["Name"], d["Value"]) for d in value or [])
        elif key == "Threshold" and value is not None:
            value = float(value)
        elif key in ("AlarmActions", "OKActions"):
            value = sorted(value or [])
        elif key == "TreatMissingData":
            value = value or "missing"
        elif key == "DatapointsToAlarm" and value == params.get("EvaluationPeriods"):
            value = None  # "N of N" is what no value means
        elif key == "ActionsEnabled":
            value = True if value is None else bool(value)
        out[name] = value
    return out


def show(name: str, value: Any) -> str:
    """A compared value in words (`None` → `none`, dimensions as `Name=value`)."""
    if value is None or value == []:
        return "none"
    if name == "dimensions":
        return ", ".join(f"{k}={v}" for k, v in value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


@dataclass(frozen=True, slots=True)
class Difference:
    field: str
    documented: str
    live: str

    def __str__(self) -> str:
        return f"{self.field}: documented {self.documented}, live {self.live}"


def differences(want: Mapping[str, Any], live: Mapping[str, Any]) -> list[Difference]:
    """The fields in which a live alarm differs from its documented parameters."""
    a, b = comparable(want), comparable(live)
    return [Difference(name, show(name, a[name]), show(name, b[name])) for name, _ in FIELDS if a[name] != b[name]]


Action = Literal["create", "update", "tag", "unchanged", "delete"]


@dataclass(slots=True)
class Change:
    alarm: str
    action: Action
    differences: list[Difference] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {"alarm": self.alarm, "action": self.action,
                "differences": [{"field": d.field, "documented": d.documented, "live": d.live}
                                for d in self.differences]}


def is_managed(tags: list[dict[str, str]]) -> bool:
    return any(t.get("Key") == MANAGED_TAG["Key"] and t.get("Value") == MANAGED_TAG["Value"] for t in tags)


def plan_alarms(want: Mapping[str, dict[str, Any]], live: Mapping[str, dict[str, Any]],
                tags: Mapping[str, list[dict[str, str]]]) -> list[Change]:
    """What apply does, alarm by alarm: documented ones first (in data order), then managed alarms
    that are no longer documented (deleted). Alarms without the managed tag are never in the plan."""
    changes = []
    for name, params in want.items():
        if name not in live:
            changes.append(Change(name, "create", params=params))
            continue
        diff = differences(params, live[name])
        if diff:
            changes.append(Change(name, "update", diff, params))
        elif not is_managed(tags.get(name, [])):
            changes.append(Change(name, "tag", [Difference("tags", "managed-by=busdocs", "untagged")], params))
        else:
            changes.append(Change(name, "unchanged"))
    changes += [Change(name, "delete") for name in sorted(live) if name not in want and is_managed(tags.get(name, []))]
    return changes


DriftKind = Literal["missing", "differs", "no-runbook", "no-runbook-url", "untagged"]


@dataclass(frozen=True, slots=True)
class Drift:
    alarm: str
    kind: DriftKind
    message: str
    field: str = ""
    documented: str = ""
    live: str = ""

    def as_json(self) -> dict[str, str]:
        return {"alarm": self.alarm, "kind": self.kind, "message": self.message, "field": self.field,
                "documented": self.documented, "live": self.live}


def find_drift(want: Mapping[str, dict[str, Any]], live: Mapping[str, dict[str, Any]],
               tags: Mapping[str, list[dict[str, str]]], runbook_url: RunbookUrl) -> list[Drift]:
    """Every way the account differs from the documentation, both ways: documented alarms missing or
    different (each field named), alarms in the account without a runbook, descriptions without the
    runbook URL."""
    found: list[Drift] = []
    for name, params in want.items():
        if name not in live:
            found.append(Drift(name, "missing", f"{name}: documented in data/monitoring.yml, not in the account"))
            continue
        url = runbook_url(name)
        no_url = url not in (live[name].get("AlarmDescription") or "")
        if no_url:
            found.append(Drift(name, "no-runbook-url", f"{name}: its description does not give the runbook URL {url}",
                               "description", url, live[name].get("AlarmDescription") or "none"))
        for diff in differences(params, live[name]):
            if diff.field == "description" and no_url:  # said above, in the words that matter
                continue
            found.append(Drift(name, "differs", f"{name}: {diff}", diff.field, diff.documented, diff.live))
        if not is_managed(tags.get(name, [])):
            found.append(Drift(name, "untagged", f"{name}: not tagged managed-by=busdocs (apply tags it)"))
    for name in sorted(live):
        if name not in want:
            managed = "tagged managed-by=busdocs" if is_managed(tags.get(name, [])) else "not managed by busdocs"
            found.append(Drift(name, "no-runbook", f"{name}: in the account but not in data/monitoring.yml, so it has "
                               f"no runbook ({managed}); document it with a runbook, or delete it"))
    return found


# ------------------------------------------------------------------ the account


def read_live(cloudwatch: Any) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, str]]]]:
    """Every metric alarm of the account and region, and each one's tags."""
    live: dict[str, dict[str, Any]] = {}
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
        for alarm in page.get("MetricAlarms", []):
            live[alarm["AlarmName"]] = alarm
    tags = {name: cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"]).get("Tags", [])
            for name, alarm in live.items()}
    return live, tags


def documented(monitoring: Monitoring, infra: EnvironmentInfrastructure, account_id: str,
               runbook_url: RunbookUrl) -> dict[str, dict[str, Any]]:
    return {a.name: desired(a, infra, account_id, runbook_url) for a in monitoring.alarms}


@dataclass(slots=True)
class ApplyResult:
    environment: str
    account: str
    dry_run: bool
    changes: list[Change]

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    def as_json(self) -> dict[str, Any]:
        return {"environment": self.environment, "account": self.account, "dry_run": self.dry_run,
                "counts": {a: self.count(a) for a in ("create", "update", "tag", "delete", "unchanged")},
                "changes": [c.as_json() for c in self.changes]}


def apply(account: Account, environment: str, monitoring: Monitoring, infra: EnvironmentInfrastructure,
          runbook_url: RunbookUrl, *, dry_run: bool = False, say: Say = print) -> ApplyResult:
    """Create or update every documented alarm, tag them, delete managed alarms no longer documented.

    Raises:
        AccountError: A call failed; the message lists what was applied before it (a rerun converges).
    """
    with translated(account.endpoint_url):
        account_id = account.check_account(infra.account.id, environment, say)
        cloudwatch = account.client("cloudwatch")
        live, tags = read_live(cloudwatch)
    want = documented(monitoring, infra, account_id, runbook_url)
    changes = plan_alarms(want, live, tags)
    result = ApplyResult(environment, account_id, dry_run, changes)
    for change in changes:
        if change.action != "unchanged":
            say(f"{'would ' if dry_run else ''}{change.action} {change.alarm}"
                + "".join(f"\n    {d}" for d in change.differences))
    if dry_run:
        return result
    done: list[str] = []
    for change in changes:
        try:
            if change.action in ("create", "update"):
                extra = {"Tags": [MANAGED_TAG]} if change.action == "create" else {}
                cloudwatch.put_metric_alarm(**change.params, **extra)
            if change.action in ("update", "tag") and not is_managed(tags.get(change.alarm, [])):
                cloudwatch.tag_resource(ResourceARN=live[change.alarm]["AlarmArn"], Tags=[MANAGED_TAG])
            if change.action == "delete":
                cloudwatch.delete_alarms(AlarmNames=[change.alarm])
        except Exception as exc:  # noqa: BLE001 - botocore errors, reported with what was done
            if not type(exc).__module__.startswith("botocore"):
                raise
            applied = f"applied before it: {', '.join(f'{a}' for a in done)}" if done else "nothing was applied"
            raise AccountError(f"{change.action} {change.alarm} failed: {describe_error(exc, account.endpoint_url)}; "
                               f"{applied} ({len(done)} of {sum(1 for c in changes if c.action != 'unchanged')} "
                               "changes); run apply again once fixed: it picks up where this stopped") from None
        if change.action != "unchanged":
            done.append(f"{change.action} {change.alarm}")
    return result


@dataclass(slots=True)
class CheckResult:
    environment: str
    account: str
    documented: int
    live: int
    drift: list[Drift]

    @property
    def passed(self) -> bool:
        return not self.drift

    def counts(self) -> dict[str, int]:
        kinds: dict[str, int] = {"documented": self.documented, "live": self.live,
                                 "matching": self.documented - len({d.alarm for d in self.drift
                                                                    if d.kind != "no-runbook"})}
        for d in self.drift:
            kinds[d.kind] = kinds.get(d.kind, 0) + 1
        return kinds

    def as_json(self) -> dict[str, Any]:
        return {"environment": self.environment, "account": self.account, "passed": self.passed,
                "counts": self.counts(), "drift": [d.as_json() for d in self.drift]}


def check(account: Account, environment: str, monitoring: Monitoring, infra: EnvironmentInfrastructure,
          runbook_url: RunbookUrl, *, say: Say = print) -> CheckResult:
    """Compare the account's alarms with the documentation, both ways (read-only)."""
    with translated(account.endpoint_url):
        account_id = account.check_account(infra.account.id, environment, say)
        live, tags = read_live(account.client("cloudwatch"))
    want = documented(monitoring, infra, account_id, runbook_url)
    return CheckResult(environment, account_id, len(want), len(live), find_drift(want, live, tags, runbook_url))
