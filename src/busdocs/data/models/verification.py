"""`data/verification.yml`: what was last checked against each environment's AWS account.

`busdocs alarms check` and `busdocs infra verify` write their last result here (date, counts, what
did not verify: names and ids only, never values); the ops site shows it and the
`production-readiness` gate needs both to have passed for production against AWS itself (a run
against another endpoint, such as a test server, is recorded but opens no gate).
`busdocs infra import` reads `stack_outputs`: which CloudFormation output fills which field.
"""

from __future__ import annotations

from datetime import datetime
import re
from collections.abc import Iterator, MutableMapping
from typing import Annotated, Any, Literal

from pydantic import Field

from busdocs.data.models.base import Model, Slug

FIELD_PATH = r"^[a-z_]+(\[[a-z_]+=[A-Za-z0-9._-]+\])?(\.[a-z_]+(\[[a-z_]+=[A-Za-z0-9._-]+\])?)*$"
"""`database.identifier`, `vpc.subnets[name=public-a].id`, `buckets[role=files].name`."""

CHECKS = ("alarms_check", "infra_verify")
CHECK_COMMANDS = {"alarms_check": "busdocs alarms check", "infra_verify": "busdocs infra verify"}


class CheckRun(Model):
    """The last run of one check for one environment."""

    date: datetime
    """When it ran (UTC)."""
    passed: bool
    """Whether the account matched the documentation."""
    endpoint: str | None = None
    """The API endpoint it spoke to; none for AWS itself. Only a run against AWS opens a gate."""
    account: str | None = Field(default=None, pattern=r"^\d{12}$")
    """The account id the credentials belonged to."""
    counts: dict[str, int] = Field(default_factory=dict)
    """How many of each result (`found`, `missing`, `differs`, `drift`, …)."""
    problems: list[str] = Field(default_factory=list)
    """What did not verify, one line each (names and ids, never secret values)."""

    @property
    def against_aws(self) -> bool:
        return self.endpoint is None


class EnvironmentChecks(Model):
    alarms_check: CheckRun | None = None
    """The last `busdocs alarms check` (or the check after `busdocs alarms apply`)."""
    infra_verify: CheckRun | None = None
    """The last `busdocs infra verify` (or `busdocs infra import`)."""


class Verification(Model):
    """Contents of `data/verification.yml`."""

    stack_outputs: dict[str, Annotated[str, Field(pattern=FIELD_PATH)]] = Field(default_factory=dict)
    """CloudFormation output key → the field of an environment's `data/infrastructure.yml` it fills
    (`busdocs infra import`), e.g. `DatabaseIdentifier: database.identifier`."""
    environments: dict[Slug, EnvironmentChecks] = Field(default_factory=dict)
    """The last results per environment, written by the commands."""

    def run(self, environment: str, check: Literal["alarms_check", "infra_verify"]) -> CheckRun | None:
        env = self.environments.get(environment)
        return getattr(env, check) if env else None


_STEP = re.compile(r"([a-z_]+)(?:\[([a-z_]+)=([^\]]+)\])?(?:\.|$)")


def steps(path: str) -> Iterator[tuple[str, tuple[str, str] | None]]:
    """`vpc.subnets[name=public-a].id` → (`vpc`, None), (`subnets`, (`name`, `public-a`)), (`id`, None)."""
    for match in _STEP.finditer(path):
        if match.group(0):
            yield match.group(1), ((match.group(2), match.group(3)) if match.group(2) else None)


def locate(tree: Any, path: str) -> tuple[MutableMapping[str, Any], str, tuple[str | int, ...]]:
    """The mapping that holds the field `path` names inside one environment's plain data (dicts and
    lists, as YAML gives them), the field's key in it, and its path from the environment.

    Raises:
        KeyError: naming the part of the path that does not exist.
    """
    current, where = tree, ()
    parts = list(steps(path))
    for i, (key, choose) in enumerate(parts):
        if not isinstance(current, MutableMapping) or (key not in current and (choose or i < len(parts) - 1)):
            raise KeyError(".".join(str(w) for w in (*where, key)))
        if i == len(parts) - 1 and choose is None:
            return current, key, (*where, key)
        current, where = current[key], (*where, key)
        if choose is not None:
            field, wanted = choose
            index = next((n for n, item in enumerate(current or []) if isinstance(item, MutableMapping)
                          and str(item.get(field)) == wanted), None)
            if index is None:
                raise KeyError(f"{'.'.join(map(str, where))}[{field}={wanted}]")
            current, where = current[index], (*where, index)
            if i == len(parts) - 1:
                raise KeyError(f"{path} names a list item, not a field")
    raise KeyError(path)


def resource_path(where: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """The resource a field belongs to: `("vpc", "subnets", 1, "id")` → `("vpc",)`, `("buckets", 0, "name")`
    → `("buckets", 0)` (resources are the environment's top-level fields and the items of its lists)."""
    return where[:2] if len(where) > 1 and isinstance(where[1], int) else where[:1]
