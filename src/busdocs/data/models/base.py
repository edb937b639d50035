"""Shared base for every data model: unknown keys are errors, values are immutable."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class Model(BaseModel):
    """Base of all data models: strict about unknown keys, frozen, documented by attribute docstrings."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

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
