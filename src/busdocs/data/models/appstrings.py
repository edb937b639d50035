"""`data/app_strings.yml`: the apps' interface strings in English and Urdu, one table.

Pages of the Urdu edition name a button or a screen with `{{ app("Start trip") }}`, which prints
exactly what the Urdu app shows (and the English label on the English site), so a page and the
app never disagree. `terms` are the phrases of other data files (support hours, channel names,
pass names) as the Urdu pages print them.
"""

from __future__ import annotations

from pydantic import Field

from busdocs.data.models.base import Model


class AppString(Model):
    """One label of an app as each language shows it."""

    en: str = Field(min_length=1)
    """The label in the English app, exactly as shown (`Start trip`)."""
    ur: str = Field(min_length=1)
    """The same label in the Urdu app (`ٹرپ شروع کریں`)."""
    app: str = "both"
    """`student`, `driver` or `both`."""


class AppStrings(Model):
    """Contents of `data/app_strings.yml`."""

    strings: list[AppString] = Field(min_length=1)
    """The apps' buttons, screens, menus and messages."""
    terms: list[AppString] = []
    """Values of other data files in Urdu (`en`: the value as in data, `ur`: as Urdu pages print it)."""
