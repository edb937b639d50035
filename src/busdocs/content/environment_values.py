"""Values that differ per environment, as pages see them: scoped to one environment, marked when
unverified, and never another environment's.

- `scoped` wraps one environment's resources for templates: a value the environment does not have
  is an undefined value naming the field and the environment, never another environment's value.
- `foreign_identifiers` / `find_foreign`: the identifiers of the *other* environments (names, ids,
  hosts, secret paths, dashboards, URLs), to prove a page rendered for one shows none of them.
- `unverified_values` / `unverified_notice`: the values nobody checked against the account, and
  the marker a page (or the terminal) shows for those it uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import jinja2

from busdocs.data.loader import DataSet
from busdocs.data.models.base import Model
from busdocs.data.models.infrastructure import EnvironmentInfrastructure, leaves

DESCRIPTIVE_FIELDS = frozenset({
    "description", "purpose", "why", "rule", "action", "health_check", "lifecycle", "encryption", "engine",
    "version", "storage_type", "backup_window", "instance_class", "node_type", "instance_type", "ami",
    "certificate", "readers", "extensions", "availability_zone", "tier", "routes_to", "protocol", "type",
    "launch_template", "scheme", "user", "sso_role", "region", "dr_region",
})
"""Fields that describe a resource rather than name it: sizes, versions and prose may differ
between environments without being an identifier of one (`db.t3.medium` is no one's name)."""

_IDENTIFIER = re.compile(r"[0-9./:_@-]")


class MissingValue(jinja2.StrictUndefined):
    """A value an environment does not have: false in `{% if %}` and `is defined`, an error naming the
    field and the environment anywhere else (printed, compared, called, indexed)."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False


class Scoped:
    """One environment's resources for templates: `infra().database.identifier`.

    Lists, dicts and nested resources stay scoped; a field without a value in this environment
    (`read_replica` of staging) is undefined with a message naming the field and the environment,
    so `{% if infra().database.read_replica is defined %}` works and any other use fails the page.
    """

    __slots__ = ("_value", "_where", "_environment")

    def __init__(self, value: Any, where: str, environment: str) -> None:
        self._value, self._where, self._environment = value, where, environment

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(self._value, name)
        if callable(value) and not isinstance(value, type):
            def call(*args: Any, **kwargs: Any) -> Any:
                return scoped(value(*args, **kwargs), f"{self._where}.{name}(…)", self._environment)
            return call
        return scoped(value, f"{self._where}.{name}", self._environment)

    def __repr__(self) -> str:
        return f"<{self._where} of {self._environment}>"


def scoped(value: Any, where: str, environment: str) -> Any:
    """`value` as templates see it for `environment` (see `Scoped`)."""
    if value is None:
        return MissingValue(hint=f"{where} is not defined for {environment} in data/infrastructure.yml")
    if isinstance(value, Model):
        return Scoped(value, where, environment)
    if isinstance(value, list | tuple):
        return [scoped(v, f"{where}[{i}]", environment) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: scoped(v, f"{where}.{k}", environment) for k, v in value.items()}
    return value


def infrastructure(data: DataSet, environment: str) -> EnvironmentInfrastructure:
    """The resources of `environment`; a clear error when it has none."""
    from busdocs.content.values import LookupFailed

    found = data.infrastructure.get(environment)
    if found is None:
        raise LookupFailed(f"environment {environment!r} has no resources in data/infrastructure.yml "
                           f"(known: {', '.join(data.infrastructure.environments)})")
    return found


# ---------------------------------------------------------------- identifiers of an environment


def _is_identifier(value: str) -> bool:
    return len(value) >= 8 and " " not in value.strip() and bool(_IDENTIFIER.search(value))


def identifiers(data: DataSet, environment: str) -> dict[str, str]:
    """Every identifier of `environment` (value → where it comes from): resource names, ids, hosts,
    secret paths and dashboards of `data/infrastructure.yml`, and the values of its variables in
    `data/environments.yml` (URLs also by their host)."""
    found: dict[str, str] = {}
    infra = data.infrastructure.get(environment)
    if infra is not None:
        for path, value in leaves(infra):
            if not isinstance(value, str) or any(isinstance(p, str) and p in DESCRIPTIVE_FIELDS for p in path):
                continue
            if "policies" in path or "target_groups" in path or "listeners" in path:
                continue  # `rush-hour`, `backend-blue`: names of parts, the same words in every environment
            for candidate in (value, value.split(" (")[0]):
                if _is_identifier(candidate) and candidate not in _shared(data):
                    found.setdefault(candidate, f"data/infrastructure.yml: environments.{environment}."
                                     + ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path)
                                     .replace(".[", "["))
    env = data.environments.get(environment)
    if env is not None:
        found.setdefault(env.deploy_workflow, f"data/environments.yml: {environment}.deploy_workflow")
    for var in env.variables if env is not None else ():
        for candidate in (var.value, var.secret):
            if not candidate:
                continue
            where = f"data/environments.yml: {environment}.{var.name}"
            if _is_identifier(candidate):
                found.setdefault(candidate, where)
            host = urlsplit(candidate).hostname if "://" in candidate else None
            if host and _is_identifier(host):
                found.setdefault(host, where)
    return found


def _shared(data: DataSet) -> set[str]:
    """Identifiers every environment shares by design: the one public status page and the product's
    domain (`ops@university-bus-tracker.com` is everyone's)."""
    hosts = {data.site.domains.status, data.site.domains.status.split(".", 1)[1]}
    status = urlsplit(data.site.support.status_page).hostname
    return hosts | ({status} if status else set())


def foreign_identifiers(data: DataSet, environment: str) -> dict[str, str]:
    """Identifiers of every other environment that `environment` does not share (value → origin)."""
    own = identifiers(data, environment)
    foreign: dict[str, str] = {}
    for other in data.infrastructure.environments:
        if other != environment:
            for value, where in identifiers(data, other).items():
                if value not in own:
                    foreign.setdefault(value, where)
    return foreign


def _occurrences(text: str, needles: Iterable[str]) -> list[tuple[str, int]]:
    """`(needle, line)` for each needle found in `text` as a whole token (not inside a longer name)."""
    hits = []
    for needle in sorted(needles, key=len, reverse=True):
        if needle not in text:
            continue
        pattern = re.compile(rf"(?<![\w.-])(?<!(?<!/)/){re.escape(needle)}(?![\w-]|\.\w)")
        match = pattern.search(text)
        if match:
            hits.append((needle, text.count("\n", 0, match.start()) + 1))
    return hits


def find_foreign(text: str, data: DataSet, environment: str,
                 foreign: dict[str, str] | None = None) -> list[tuple[str, str, int]]:
    """Another environment's identifiers in `text` rendered for `environment`: (value, origin, line).
    `foreign`: `foreign_identifiers(data, environment)`, when the caller checks many pages."""
    foreign = foreign if foreign is not None else foreign_identifiers(data, environment)
    return [(needle, foreign[needle], line) for needle, line in _occurrences(text, foreign)]


# ---------------------------------------------------------------- verified or marked


def unverified_values(data: DataSet, environment: str) -> dict[str, str]:
    """Identifiers of `environment` that nobody checked against the account (value → origin)."""
    infra = data.infrastructure.get(environment)
    found: dict[str, str] = {}
    if infra is None:
        return found
    for path, resource in infra.resources():
        if resource.status != "unverified":
            continue
        for leaf, value in leaves(resource):
            if not isinstance(value, str) or any(isinstance(p, str) and p in DESCRIPTIVE_FIELDS for p in leaf):
                continue
            for candidate in (value, value.split(" (")[0]):
                if _is_identifier(candidate):
                    found.setdefault(candidate, ".".join(str(p) for p in path if isinstance(p, str)))
    env = data.environments.get(environment)
    for var in env.variables if env is not None else ():
        if var.status == "unverified" and var.value:
            found.setdefault(var.value, f"variable {var.name}")
    return found


def unverified_in(text: str, data: DataSet, environment: str) -> list[tuple[str, str]]:
    """The unverified values `text` shows, in page order: (value, what it is)."""
    values = unverified_values(data, environment)
    hits = [(text.find(v), v) for v, _ in _occurrences(text, values)]
    seen: list[tuple[str, str]] = []
    for _, value in sorted(hits):
        if not any(value in other for other, _ in seen):
            seen.append((value, values[value]))
    return seen


MARKER = "⚠ unverified"


def unverified_notice(text: str, data: DataSet, environment: str, terminal: bool = False) -> str:
    """The marker for the unverified values `text` shows ("" when it shows none)."""
    found = unverified_in(text, data, environment)
    if not found:
        return ""
    items = [f"`{value}` ({what})" for value, what in found]
    head = (f"{len(found)} value{'s' if len(found) != 1 else ''} on this page "
            f"{'are' if len(found) != 1 else 'is'} **not verified** against the {environment} account "
            "(from the launch plan, `status: unverified` in `data/infrastructure.yml`): check before you act on "
            "them, e.g. `aws rds describe-db-instances`.")
    if terminal:
        return f"> **{MARKER}**: {head}\n>\n" + "\n".join(f"> - {MARKER}: {i}" for i in items) + "\n\n"
    body = "\n".join(f"    - {i}" for i in items)
    return f'!!! warning "{MARKER}"\n\n    {head}\n\n{body}\n\n'


def insert_before_sections(markdown: str, block: str) -> str:
    """`block` before the page's first `## ` section (below the title, the first-five-minutes box
    and the facts), or at the end of a page without sections."""
    if not block:
        return markdown
    match = re.search(r"^## ", markdown, re.M)
    at = match.start() if match else len(markdown)
    return markdown[:at] + block.rstrip("\n") + "\n\n" + markdown[at:]


def mark_unverified(markdown: str, data: DataSet, environment: str, terminal: bool = False) -> str:
    """`markdown` (rendered for `environment`) with the marker for the unverified values it shows."""
    return insert_before_sections(markdown, unverified_notice(markdown, data, environment, terminal))
