"""Load every file in `data/`, validate it against its model, and cross-check the whole set.

All problems of a run are collected and raised together as one `ProblemsError`, each with the
file, line and field path, so a writer fixes them in one pass.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from busdocs.errors import Problem, ProblemsError
from busdocs.data.models.appstrings import AppStrings
from busdocs.data.models.base import Model
from busdocs.data.models.deploy import Deploy
from busdocs.data.models.environments import Environments
from busdocs.data.models.handbooks import Handbooks
from busdocs.data.models.helpcenter import Faq, KnownIssues, Releases, Training
from busdocs.data.models.infrastructure import Infrastructure
from busdocs.data.models.launch import Launch
from busdocs.data.models.infrastructure import leaves
from busdocs.data.models.monitoring import Monitoring, UnresolvedReference, resolve
from busdocs.data.models.style import StyleGuide
from busdocs.data.placeholders import documentation_value
from busdocs.data.models.oncall import OnCall
from busdocs.data.models.passes import Passes
from busdocs.data.models.search import SearchSettings
from busdocs.data.models.service import Service
from busdocs.data.models.glossary import Glossary
from busdocs.data.models.helpdesk import Helpdesk
from busdocs.data.models.site import Site
from busdocs.data.models.verification import Verification, locate
from busdocs.data.secrets import SECRET_NAME, lines_to_fields, scan_source_text
from busdocs.data.yamlio import Loaded, PathKey, format_path, load_yaml

M = TypeVar("M", bound=Model)


@dataclass(frozen=True, slots=True)
class DataFile:
    """One file of `data/` and the model that describes it."""

    name: str
    """Attribute of `DataSet` and stem of the file: `site` → `data/site.yml`."""
    model: type[Model]
    visibility: str = "internal"
    """`public`: the public site's pages may read it (less its internal fields and items, see
    `busdocs.visibility`). Anything not marked public is internal: default deny."""

    @property
    def filename(self) -> str:
        return f"{self.name}.yml"

    @property
    def schema_filename(self) -> str:
        return f"{self.name}.schema.json"


DATA_FILES: tuple[DataFile, ...] = (
    DataFile("site", Site, "public"),
    DataFile("environments", Environments, "public"),
    DataFile("passes", Passes, "public"),
    DataFile("launch", Launch),
    DataFile("infrastructure", Infrastructure),
    DataFile("monitoring", Monitoring),
    DataFile("faq", Faq, "public"),
    DataFile("known_issues", KnownIssues, "public"),
    DataFile("releases", Releases, "public"),
    DataFile("training", Training, "public"),
    DataFile("oncall", OnCall),
    DataFile("deploy", Deploy),
    DataFile("handbooks", Handbooks, "public"),
    DataFile("search", SearchSettings, "public"),
    DataFile("verification", Verification),
    DataFile("service", Service, "public"),
    DataFile("glossary", Glossary, "public"),
    DataFile("helpdesk", Helpdesk),
    DataFile("app_strings", AppStrings, "public"),
    DataFile("style", StyleGuide, "public"),  # the house style of busdocs lint; no page reads it
)
"""Every data file, in load order. Add a file here and a field to `DataSet`."""


@dataclass(frozen=True)
class DataSet:
    """Every data file, validated, plus where each value came from (for later problems)."""

    root: Path
    site: Site
    environments: Environments
    passes: Passes
    launch: Launch
    infrastructure: Infrastructure
    monitoring: Monitoring
    faq: Faq
    known_issues: KnownIssues
    releases: Releases
    training: Training
    oncall: OnCall
    deploy: Deploy
    handbooks: Handbooks
    search: SearchSettings
    verification: Verification
    service: Service
    glossary: Glossary
    helpdesk: Helpdesk
    app_strings: AppStrings
    style: StyleGuide
    sources: dict[str, Loaded] = field(repr=False, default_factory=dict)
    hidden_variables: dict[str, frozenset[str]] = field(repr=False, default_factory=dict)
    """In the public site's view of the data: the internal variables left out, by environment
    (their names only, so a page asking for one is told it is internal, not that it is unknown)."""

    def problem(self, name: str, path: PathKey, message: str) -> Problem:
        """A problem located at `path` inside data file `name`."""
        loaded = self.sources[name]
        return Problem(loaded.path, loaded.lines.line_of(path), format_path(path), message)


# ---------------------------------------------------------------- validation errors → problems


def _model_at(model: type[BaseModel], loc: Iterable[str | int]) -> type[BaseModel] | None:
    """The model class found by following `loc` field by field from `model`."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _unwrap(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """`list[X] | None` → X, for the model classes inside containers and optionals."""
    while True:
        origin = typing.get_origin(annotation)
        if origin in (list, tuple, set, frozenset):
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            models = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = models[0]
        elif origin is dict:
            annotation = typing.get_args(annotation)[1]
        elif origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation


def _message(error: Any, model: type[BaseModel]) -> str:
    kind = error["type"]
    loc = error["loc"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        message = "unknown field"
        if parent is not None:
            close = difflib.get_close_matches(str(loc[-1]), list(parent.model_fields), n=1)
            message += f" (did you mean {close[0]!r}?)" if close else (
                f"; allowed: {', '.join(parent.model_fields)}")
        return message
    if kind == "literal_error":
        expected = error["ctx"]["expected"].replace(" or ", ", ")
        return f"{error['input']!r} is not one of {expected}"
    if kind == "string_pattern_mismatch":
        return f"{error['input']!r} does not have the expected form (pattern {error['ctx']['pattern']})"
    message = error["msg"].removeprefix("Value error, ")
    if kind not in ("value_error", "assertion_error") and not isinstance(error.get("input"), dict | list):
        message += f" (got {error['input']!r})"
    return message


def validate(loaded: Loaded, model: type[M]) -> tuple[M | None, list[Problem]]:
    """Validate parsed YAML against `model`; every validation error becomes a located problem."""
    if loaded.problems and loaded.data is None:
        return None, list(loaded.problems)
    try:
        return model.model_validate(loaded.data if loaded.data is not None else {}), list(loaded.problems)
    except ValidationError as exc:
        problems = list(loaded.problems)
        for error in exc.errors():
            loc: PathKey = tuple(error["loc"])
            problems.append(Problem(loaded.path, loaded.lines.line_of(loc), format_path(loc),
                                    _message(error, model)))
        return None, problems


# ---------------------------------------------------------------- cross checks

Check = Callable[[DataSet], Iterator[Problem]]
CHECKS: list[Check] = []
"""Checks that need several values or files at once. Each yields problems."""


def check(func: Check) -> Check:
    """Register a cross check."""
    CHECKS.append(func)
    return func


def duplicates(items: Iterable[tuple[PathKey, str]]) -> Iterator[tuple[PathKey, str, PathKey]]:
    """`(path, key)` pairs whose key was seen before: yields (path, key, first path)."""
    seen: dict[str, PathKey] = {}
    for path, key in items:
        if key in seen:
            yield path, key, seen[key]
        else:
            seen[key] = path


def keyed(prefix: PathKey, attr: str, objects: Iterable[Any]) -> list[tuple[PathKey, str]]:
    """`(path, value)` of attribute `attr` of each object of the list at `prefix`."""
    return [((*prefix, i, attr), getattr(obj, attr)) for i, obj in enumerate(objects)]


def unique(data: DataSet, name: str, items: Iterable[tuple[PathKey, str]], label: str) -> Iterator[Problem]:
    """A problem for every value seen before, naming where it first appeared."""
    for path, key, first in duplicates(items):
        yield data.problem(name, path, f"duplicate {label} {key!r} (first at {format_path(first)})")


@check
def _environment_names(data: DataSet) -> Iterator[Problem]:
    envs = data.environments
    pairs = [(("environments", i, "name"), e.name) for i, e in enumerate(envs.environments)]
    for path, key, first in duplicates(pairs):
        yield data.problem("environments", path, f"duplicate environment {key!r} "
                           f"(first at {format_path(first)})")
    if envs.get(envs.default) is None:
        yield data.problem("environments", ("default",), f"no environment is named {envs.default!r}")
    for i, env in enumerate(envs.environments):
        pairs = [(("environments", i, "variables", j, "name"), v.name) for j, v in enumerate(env.variables)]
        for path, key, first in duplicates(pairs):
            yield data.problem("environments", path, f"duplicate variable {key!r} in {env.name} "
                               f"(first at {format_path(first)})")
        for j, var in enumerate(env.variables):
            if var.value is not None and SECRET_NAME.search(var.name):
                yield data.problem("environments", ("environments", i, "variables", j, "value"),
                                   f"{var.name} holds a credential: use 'secret: <secrets-manager-name>', "
                                   "never the value")


@check
def _support_channels(data: DataSet) -> Iterator[Problem]:
    pairs = [(("support", "channels", i, "id"), c.id) for i, c in enumerate(data.site.support.channels)]
    yield from unique(data, "site", pairs, "channel id")


@check
def _pass_ids(data: DataSet) -> Iterator[Problem]:
    pairs = [(("types", i, "id"), t.id) for i, t in enumerate(data.passes.types)]
    yield from unique(data, "passes", pairs, "pass type")


@check
def _launch_references(data: DataSet) -> Iterator[Problem]:
    launch = data.launch
    owners = {o.id for o in launch.owners}
    section_ids = {s.id for s in launch.sections}
    item_pairs, section_pairs = [], []
    for si, section in enumerate(launch.sections):
        section_pairs.append((("sections", si, "id"), section.id))
        if section.owner not in owners:
            yield data.problem("launch", ("sections", si, "owner"), f"unknown owner {section.owner!r}")
        for ii, item in enumerate(section.items):
            here = ("sections", si, "items", ii)
            item_pairs.append(((*here, "id"), item.id))
            if item.owner is not None and item.owner not in owners:
                yield data.problem("launch", (*here, "owner"), f"unknown owner {item.owner!r}")
            if item.evidence and not item.evidence.startswith("https://"):
                page = item.evidence.split("#", 1)[0]
                if not (data.root / page).is_file():
                    yield data.problem("launch", (*here, "evidence"), f"evidence page {page!r} does not exist")
    yield from unique(data, "launch", section_pairs, "section id")
    yield from unique(data, "launch", item_pairs, "item id")
    item_ids = {key for _, key in item_pairs}
    for gi, gate in enumerate(launch.gates):
        for si, sid in enumerate(gate.sections):
            if sid not in section_ids:
                yield data.problem("launch", ("gates", gi, "sections", si), f"gate names unknown section {sid!r}")
        for ii, iid in enumerate(gate.items):
            if iid not in item_ids:
                close = difflib.get_close_matches(iid, item_ids, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                yield data.problem("launch", ("gates", gi, "items", ii), f"gate names unknown item {iid!r}{hint}")
        if not gate.sections and not gate.items:
            yield data.problem("launch", ("gates", gi), "a gate needs sections or items")
    yield from unique(data, "launch", keyed(("gates",), "id", launch.gates), "gate id")
    yield from unique(data, "launch", keyed(("owners",), "id", launch.owners), "owner id")


@check
def _monitoring_references(data: DataSet) -> Iterator[Problem]:
    mon = data.monitoring
    severities = {s.id for s in mon.severities}
    topics = {t.name for t in mon.topics}
    dashboards = {d.id for d in mon.dashboards}
    yield from unique(data, "monitoring", keyed(("alarms",), "name", mon.alarms), "alarm")
    yield from unique(data, "monitoring", keyed(("severities",), "id", mon.severities), "severity")
    for i, alarm in enumerate(mon.alarms):
        if alarm.severity not in severities:
            yield data.problem("monitoring", ("alarms", i, "severity"),
                               f"unknown severity {alarm.severity!r} (defined: {', '.join(sorted(severities))})")
        if alarm.topic not in topics:
            yield data.problem("monitoring", ("alarms", i, "topic"), f"unknown topic {alarm.topic!r}")
        if alarm.dashboard not in dashboards:
            yield data.problem("monitoring", ("alarms", i, "dashboard"), f"unknown dashboard {alarm.dashboard!r}")


@check
def _security_groups(data: DataSet) -> Iterator[Problem]:
    for env, infra in data.infrastructure.environments.items():
        groups = {g.name for g in infra.security_groups}
        for part in ("database", "cache", "load_balancer", "auto_scaling"):
            name = getattr(infra, part).security_group
            if name not in groups:
                yield data.problem("infrastructure", ("environments", env, part, "security_group"),
                                   f"unknown security group {name!r}")


@check
def _infrastructure_per_environment(data: DataSet) -> Iterator[Problem]:
    """Every environment has its resources, and every per-environment reference of
    `data/monitoring.yml` resolves in each of them."""
    infra = data.infrastructure
    names = [e.name for e in data.environments.environments]
    for i, name in enumerate(names):
        if name not in infra.environments:
            yield data.problem("environments", ("environments", i, "name"),
                               f"environment {name!r} has no resources in data/infrastructure.yml "
                               f"(add environments.{name})")
    for name in infra.environments:
        if name not in names:
            yield data.problem("infrastructure", ("environments", name),
                               f"no environment {name!r} in data/environments.yml")
    mon = data.monitoring
    for env, resources in infra.environments.items():
        known = resources.cloudwatch.dashboards
        for i, board in enumerate(mon.dashboards):
            if board.id not in known:
                yield data.problem("infrastructure", ("environments", env, "cloudwatch", "dashboards"),
                                   f"no name for dashboard {board.id!r} of data/monitoring.yml in {env}")
        places = [(("alarms", i, "dimensions", k), v) for i, a in enumerate(mon.alarms) for k, v in a.dimensions.items()]
        places += [(("log_groups", i, "name"), g.name) for i, g in enumerate(mon.log_groups)]
        for path, template in places:
            try:
                resolve(template, resources)
            except UnresolvedReference as exc:
                yield data.problem("monitoring", path, f"{{{exc}}} is not a value of {env} in "
                                   f"data/infrastructure.yml (environments.{env}.{exc})")


@check
def _documentation_values(data: DataSet) -> Iterator[Problem]:
    """A documentation-only value (RFC 5737/3849 addresses, AWS's example account, example.com,
    placeholder hosts) passes only on a resource marked unverified: it is a stand-in, not a fact."""
    for env, infra in data.infrastructure.environments.items():
        for path, resource in infra.resources():
            for leaf, value in leaves(resource):
                why = documentation_value(str(value)) if isinstance(value, str) else None
                if why and resource.status != "unverified":
                    yield data.problem("infrastructure", ("environments", env, *path, *leaf),
                                       f"{why}: a documentation-only value on a resource marked "
                                       f"{resource.status}; write the real value or mark it status: unverified")
    for i, environment in enumerate(data.environments.environments):
        for j, var in enumerate(environment.variables):
            why = documentation_value(var.value) if var.value else None
            if why and var.status != "unverified":
                yield data.problem("environments", ("environments", i, "variables", j, "value"),
                                   f"{why}: write the real value or add status: unverified")


@check
def _oncall_references(data: DataSet) -> Iterator[Problem]:
    oc = data.oncall
    people = {p.id for p in oc.people}
    rotations = {r.name for r in oc.rotations}
    yield from unique(data, "oncall", keyed(("people",), "id", oc.people), "person")
    yield from unique(data, "oncall", keyed(("teams",), "id", oc.teams), "team")
    for i, team in enumerate(oc.teams):
        if team.lead not in people:
            yield data.problem("oncall", ("teams", i, "lead"), f"unknown person {team.lead!r}")
    for i, rotation in enumerate(oc.rotations):
        for j, member in enumerate(rotation.members):
            if member not in people:
                yield data.problem("oncall", ("rotations", i, "members", j), f"unknown person {member!r}")
    for i, policy in enumerate(oc.escalation_policies):
        for j, step in enumerate(policy.steps):
            if step.who not in people and step.who not in rotations and not step.who.startswith("#"):
                yield data.problem("oncall", ("escalation_policies", i, "steps", j, "who"),
                                   f"{step.who!r} is no person id, rotation name or Slack channel")
    owned = {s for t in oc.teams for s in t.services}
    for i, alarm in enumerate(data.monitoring.alarms):
        if alarm.service not in owned:
            yield data.problem("monitoring", ("alarms", i, "service"),
                               f"no team in data/oncall.yml owns service {alarm.service!r}")


@check
def _deploy_targets(data: DataSet) -> Iterator[Problem]:
    pairs = [(("targets", i, "name"), t.name) for i, t in enumerate(data.deploy.targets)]
    yield from unique(data, "deploy", pairs, "target")
    for ext, ctype in data.deploy.content_types.items():
        if not ext.startswith("."):
            yield data.problem("deploy", ("content_types", ext), "extensions start with a dot (.html)")
        if (ctype.startswith("text/") or ctype.endswith(("json", "xml", "javascript"))) and "charset=" not in ctype:
            yield data.problem("deploy", ("content_types", ext), f"text type {ctype!r} needs '; charset=utf-8'")
    if data.deploy.headers[-1].glob != "**":
        yield data.problem("deploy", ("headers", len(data.deploy.headers) - 1, "glob"),
                           "the last header rule must match everything ('**')")


@check
def _deploy_access(data: DataSet) -> Iterator[Problem]:
    access = data.deploy.access
    yield from unique(data, "deploy", keyed(("access", "staff_ranges"), "cidr", access.staff_ranges), "range")
    if access.request_access.team not in {t.id for t in data.oncall.teams}:
        yield data.problem("deploy", ("access", "request_access", "team"),
                           f"no team {access.request_access.team!r} in data/oncall.yml")
    if access.request_access.approver not in {p.id for p in data.oncall.people}:
        yield data.problem("deploy", ("access", "request_access", "approver"),
                           f"no person {access.request_access.approver!r} in data/oncall.yml")


@check
def _verification_references(data: DataSet) -> Iterator[Problem]:
    """Every recorded environment exists, and every stack output fills a field every environment has."""
    envs = data.infrastructure.environments
    for name in data.verification.environments:
        if name not in envs:
            yield data.problem("verification", ("environments", name), f"no environment {name!r} in "
                               "data/infrastructure.yml")
    raw = (data.sources["infrastructure"].data or {}).get("environments", {})
    for key, path in data.verification.stack_outputs.items():
        for env in envs:
            try:
                locate(raw.get(env), path)
            except KeyError as exc:
                yield data.problem("verification", ("stack_outputs", key),
                                   f"{path}: {exc.args[0]} is not a field of {env} in data/infrastructure.yml")


def page_exists(root: Path, target: str) -> bool:
    """Whether a repository page (`guides/x.md#anchor`) exists; the anchor is checked by the build."""
    return (root / target.split("#", 1)[0]).is_file()


@check
def _helpcenter_references(data: DataSet) -> Iterator[Problem]:
    for si, section in enumerate(data.faq.sections):
        for qi, question in enumerate(section.questions):
            if not page_exists(data.root, question.see):
                yield data.problem("faq", ("sections", si, "questions", qi, "see"),
                                   f"{question.see!r} does not exist")
    versions = {(r.product, r.version) for r in data.releases.releases}
    for path, key, first in duplicates((("releases", i, "version"), f"{r.product} {r.version}")
                                       for i, r in enumerate(data.releases.releases)):
        yield data.problem("releases", path, f"duplicate release {key!r} (first at {format_path(first)})")
    yield from unique(data, "known_issues", keyed(("issues",), "id", data.known_issues.issues), "issue")
    for i, issue in enumerate(data.known_issues.issues):
        if issue.fixed_in and (issue.product, issue.fixed_in) not in versions:
            yield data.problem("known_issues", ("issues", i, "fixed_in"),
                               f"no release {issue.fixed_in!r} of {issue.product} in data/releases.yml")
    yield from unique(data, "training", keyed(("plans",), "id", data.training.plans), "plan")


@check
def _launch_days_and_hypercare(data: DataSet) -> Iterator[Problem]:
    owners = {o.id for o in data.launch.owners}
    gates = {g.id for g in data.launch.gates}
    for di, day in enumerate(data.launch.launch_days):
        if day.gate not in gates:
            yield data.problem("launch", ("launch_days", di, "gate"), f"unknown gate {day.gate!r}")
        for si, step in enumerate(day.steps):
            if step.who not in owners:
                yield data.problem("launch", ("launch_days", di, "steps", si, "who"), f"unknown owner {step.who!r}")
    yield from unique(data, "launch", keyed(("launch_days",), "id", data.launch.launch_days), "launch day")
    hypercare = data.oncall.hypercare
    if hypercare is None:
        return
    people = {p.id for p in data.oncall.people}
    for si, shift in enumerate(hypercare.shifts):
        for role in ("primary", "secondary", "desk", "lead"):
            who = getattr(shift, role)
            if who is not None and who not in people:
                yield data.problem("oncall", ("hypercare", "shifts", si, role), f"unknown person {who!r}")
        if shift.primary == shift.secondary:
            yield data.problem("oncall", ("hypercare", "shifts", si, "secondary"), "the secondary must be someone else")
    covered = sorted((s.starts_hour, s.starts_hour + s.hours) for s in hypercare.shifts)
    end = 0
    for start, stop in covered:
        if start > end:
            yield data.problem("oncall", ("hypercare", "shifts"), f"nobody on hypercare from hour {end} to {start}")
        end = max(end, stop)
    if end < hypercare.hours:
        yield data.problem("oncall", ("hypercare", "shifts"), f"nobody on hypercare after hour {end} of {hypercare.hours}")


@check
def _helpdesk_references(data: DataSet) -> Iterator[Problem]:
    desk = data.helpdesk
    if desk.owner not in {p.id for p in data.oncall.people}:
        yield data.problem("helpdesk", ("owner",), f"unknown person {desk.owner!r} (data/oncall.yml people)")
    priorities = {p.id for p in desk.priorities}
    failures = {f.id for f in data.service.payment_failures}
    yield from unique(data, "helpdesk", keyed(("categories",), "id", desk.categories), "category")
    for ci, cat in enumerate(desk.categories):
        if cat.priority not in priorities:
            yield data.problem("helpdesk", ("categories", ci, "priority"), f"unknown priority {cat.priority!r}")
        for fi, failure in enumerate(cat.payment_failures):
            if failure not in failures:
                yield data.problem("helpdesk", ("categories", ci, "payment_failures", fi),
                                   f"no payment failure {failure!r} in data/service.yml")


@check
def _service_and_glossary(data: DataSet) -> Iterator[Problem]:
    service = data.service
    yield from unique(data, "service", keyed(("rules",), "id", service.rules), "rule")
    yield from unique(data, "service", keyed(("trip_start_refusals",), "id", service.trip_start_refusals),
                      "trip-start refusal")
    yield from unique(data, "service", keyed(("payment_failures",), "id", service.payment_failures),
                      "payment failure")
    failures = {f.id for f in service.payment_failures}
    for si, section in enumerate(data.faq.sections):
        for qi, question in enumerate(section.questions):
            kind, _, ident = (question.fact or "").partition("/")
            if kind == "payment-failures" and ident not in failures:
                yield data.problem("faq", ("sections", si, "questions", qi, "fact"),
                                   f"no payment failure {ident!r} in data/service.yml")
    rules = {r.id: r.value for r in service.rules}
    if "bus-hours-start" in rules and "bus-hours-end" in rules:
        hours = f"{rules['bus-hours-start']}–{rules['bus-hours-end']}"
        for ci, channel in enumerate(data.site.support.channels):
            if channel.kind == "phone" and hours not in channel.hours:
                yield data.problem("site", ("support", "channels", ci, "hours"),
                                   f"the hotline answers while buses run: {hours} (data/service.yml bus-hours)")
    yield from unique(data, "glossary", keyed(("terms",), "id", data.glossary.terms), "term")
    yield from unique(data, "glossary", keyed(("terms",), "term", data.glossary.terms), "term")
    for i, term in enumerate(data.glossary.terms):
        if term.see and not page_exists(data.root, term.see):
            yield data.problem("glossary", ("terms", i, "see"), f"{term.see!r} does not exist")
        if term.visibility == "public" and term.see and term.see.startswith("runbooks/"):
            yield data.problem("glossary", ("terms", i, "see"), "a public term cannot point at a runbook")


def scan_credentials(loaded: Loaded) -> Iterator[Problem]:
    """Anything in a data file that looks like a real credential is a problem: values, keys and
    comments alike (the secret scanner of `busdocs.secrets`, line by line), named by its field."""
    if loaded.text is None:
        return
    fields = lines_to_fields(loaded.lines.lines)
    for finding in scan_source_text(loaded.text, loaded.path.name):
        yield Problem(loaded.path, finding.line, format_path(fields.get(finding.line, ())),
                      f"looks like {finding.label}; store it in AWS Secrets Manager and write "
                      "'secret: <name>' instead (a false positive: '# pragma: allowlist secret' and why)")


# ---------------------------------------------------------------- loading


def credential_problems(root: Path) -> list[Problem]:
    """What `load_data` reports about credential-looking text in the data files (`scan_credentials`),
    alone: for a caller that loads the data with `credentials=False` and scans them elsewhere."""
    root = root.resolve()
    problems: list[Problem] = []
    for spec in DATA_FILES:
        problems.extend(scan_credentials(load_yaml(root / "data" / spec.filename, display=Path("data") / spec.filename)))
    return problems


def load_data(root: Path, *, credentials: bool = True) -> DataSet:
    """Load and validate every data file under `root/data`.

    Args:
        root: The project root (the folder holding `mkdocs.yml` and `data/`).
        credentials: Scan the files for credential-looking text (`scan_credentials`). A build
            leaves it to its secret scan, which runs beside it (`credential_problems`).

    Returns:
        The validated data.

    Raises:
        ProblemsError: With every problem found, when anything is wrong.
    """
    root = root.resolve()
    problems: list[Problem] = []
    models: dict[str, Model] = {}
    sources: dict[str, Loaded] = {}
    for spec in DATA_FILES:
        path = root / "data" / spec.filename
        loaded = load_yaml(path, display=Path("data") / spec.filename)
        sources[spec.name] = loaded
        if credentials:
            problems.extend(scan_credentials(loaded))
        model, found = validate(loaded, spec.model)
        problems.extend(found)
        if model is not None:
            models[spec.name] = model
    if len(models) < len(DATA_FILES):
        raise ProblemsError(problems)
    data = DataSet(root=root, sources=sources, **models)  # type: ignore[arg-type]
    for cross_check in CHECKS:
        problems.extend(cross_check(data))
    if problems:
        raise ProblemsError(problems)
    # Not a field: a view (`public_view`) or `dataclasses.replace` of this data set has no key.
    object.__setattr__(data, "_content_key", tuple((name, loaded.text) for name, loaded in sources.items()))
    return data


def content_key(data: DataSet) -> tuple[tuple[str, str | None], ...] | None:
    """The texts of the data files `data` was loaded from, when it is just what `load_data` made
    of them (no view or changed copy of it): what derived values may be kept by, in the process."""
    return data.__dict__.get("_content_key")
