"""Shared base for every data model: unknown keys are errors, values are immutable."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class Model(BaseModel):
    """Base of all data models: strict about unknown keys, frozen, documented by attribute docstrings
    (which become the fields' descriptions where the JSON Schemas are made: `document_fields`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    internal_fields: ClassVar[frozenset[str]] = frozenset()
    """Fields only the ops site may see, in a data file the public site reads (`busdocs.visibility`)."""
    audience_field: ClassVar[str | None] = None
    """The field that says who may see an item (`visibility: internal`, `site: internal`); an
    internal item is left out of the public site's data, whole."""
    common_fields: ClassVar[frozenset[str]] = frozenset()
    """Fields of internal data whose values public pages also hold by nature (site paths, media
    types, metric names): still withheld from public pages, but no needles of the leak guard."""


def _number_to_text(value: Any) -> Any:
    # `PORT: 3000` in YAML is an int; environment variable values are text.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_number_to_text)]
"""A string that also accepts a YAML number (3000 → "3000"), but not a boolean."""

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")]
"""A lowercase identifier: letters, digits, `-` and `_` (`high-api-error-rate`)."""

Url = Annotated[str, Field(pattern=r"^https://[^\s/$.?#].[^\s]*$")]
"""An absolute https:// URL."""

Host = Annotated[str, Field(pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")]
"""A DNS host name without scheme (`api.university-bus-tracker.com`)."""

Email = Annotated[str, Field(pattern=r"^[^@\s]+@[a-z0-9.-]+\.[a-z]{2,}$")]
"""An e-mail address."""

Visibility = Annotated[str, Field(pattern=r"^(public|internal)$")]


def document_fields() -> None:
    """Give every model's fields the descriptions their attribute docstrings hold, as pydantic's
    `use_attribute_docstrings` would while it makes each class, and rebuild the models.

    Only the JSON Schemas (`busdocs.data.schemas`) show descriptions, and reading the docstrings
    costs every process that imports the models about 0.07 s (each class's source tokenized and
    parsed again), a build's start included: so it is done where the schemas are made. A field
    takes the docstring of the class that declares it (an inherited field its base's); one that
    has a description of its own keeps it. Done once per process.
    """
    global _documented
    if _documented:
        return

    classes: list[type[Model]] = []
    pending = [Model]
    while pending:  # every model, each after its bases
        for sub in pending.pop(0).__subclasses__():
            if sub not in classes:
                classes.append(sub)
                pending.append(sub)
    docs: dict[type, dict[str, str]] = {}
    for cls in classes:
        for name, info in cls.__pydantic_fields__.items():
            if info.description is not None:
                continue
            owner = next((k for k in cls.__mro__ if name in k.__dict__.get("__annotations__", {})), None)
            if owner is None or not issubclass(owner, BaseModel):
                continue
            if owner not in docs:
                docs[owner] = attribute_docstrings(owner)
            if name in docs[owner]:
                info.description = docs[owner][name]
    for _ in range(2):  # a model's schema holds the schemas of the models of its fields: those first
        for cls in classes:
            cls.model_rebuild(force=True)
    _documented = True


_documented = False


def attribute_docstrings(cls: type) -> dict[str, str]:
    """The docstrings written under the annotated attributes of `cls`'s own body, by attribute
    (what pydantic reads with `use_attribute_docstrings`: a string right after `name: type`)."""
    import ast
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return {}
    body = next((node.body for node in tree.body if isinstance(node, ast.ClassDef)), [])
    found: dict[str, str] = {}
    for before, node in zip(body, body[1:]):
        if (isinstance(before, ast.AnnAssign) and isinstance(before.target, ast.Name)
                and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
            found[before.target.id] = inspect.cleandoc(node.value.value)
    return found

