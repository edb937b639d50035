"""`data/environments.yml`: configuration of each deployment environment, by variable."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from busdocs.data.models.base import Model, Slug, Text

SECRET_REF = r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9._-]*)+$"


class Variable(Model):
    """One environment variable of the backend.

    Exactly one of `value` and `secret` is given. A secret is never a value: it is the name of
    the AWS Secrets Manager secret the backend reads at start-up (`prod/jwt/secret`).
    """

    audience_field: ClassVar[str | None] = "visibility"
    common_fields: ClassVar[frozenset[str]] = frozenset({"name"})
    """A variable's name is vocabulary (a public page may say the backend reads `DATABASE_URL`), and
    the public view keeps the names of the variables it leaves out, to tell a page they are internal."""

    name: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    """The variable's name, as the backend reads it."""
    value: Text | None = None
    """The literal value, for values that are not secret."""
    secret: str | None = Field(default=None, pattern=SECRET_REF)
    """Secrets Manager reference for secret values; never the value itself."""
    visibility: Literal["public", "internal"]
    """`public` values may appear in the help center; `internal` only on the ops site."""
    description: str
    """What the variable does, for the person reading the Environments page."""
    status: Literal["verified", "unverified"] | None = None
    """For values that name a resource of the account (hosts, buckets): `unverified` while nobody has
    checked them against it. A documentation-only value (a placeholder host) must say `unverified`."""

    @model_validator(mode="after")
    def _value_xor_secret(self) -> Variable:
        if (self.value is None) == (self.secret is None):
            raise ValueError("give exactly one of 'value' or 'secret'")
        if self.secret is not None and self.visibility != "internal":
            raise ValueError("a secret reference is operations information: set visibility: internal")
        return self

    @property
    def display(self) -> str:
        """How the value is shown: the literal value, or `secret: <reference>`."""
        return self.value if self.value is not None else f"secret: {self.secret}"


class Environment(Model):
    """One deployment environment and its backend configuration."""

    name: Slug
    """Identifier used by `BUSDOCS_ENV` and the macros (`production`, `staging`)."""
    title: str
    """Human name, e.g. `Production`."""
    description: str
    """What the environment is for and who uses it."""
    aws_region: str = Field(pattern=r"^[a-z]{2}-[a-z]+-\d$")
    """Primary AWS region."""
    deploy_workflow: Slug
    """GitHub Actions workflow that deploys and rolls back the backend here (`deploy-production`)."""
    variables: list[Variable] = Field(min_length=1)

    def variable(self, name: str) -> Variable | None:
        """The variable called `name`, or None."""
        return next((v for v in self.variables if v.name == name), None)


class Environments(Model):
    """Contents of `data/environments.yml`."""

    default: Slug = "production"
    """The environment pages render when `BUSDOCS_ENV` is not set."""
    environments: list[Environment] = Field(min_length=1)

    def get(self, name: str) -> Environment | None:
        """The environment called `name`, or None."""
        return next((e for e in self.environments if e.name == name), None)
