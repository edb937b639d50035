"""Values and tables that pages show, computed from the data. No MkDocs here.

Each function takes the audience of the page asking (`public` or `internal`) and refuses to hand
an internal value to a public page.
"""

from __future__ import annotations

from busdocs.data.loader import DataSet
from busdocs.errors import BusdocsError, VisibilityError
from busdocs.data.models.environments import Environment, Variable

Audience = str  # "public" | "internal"


class LookupFailed(BusdocsError):
    """A page asked for something that does not exist in the data."""


def environment(data: DataSet, name: str | None) -> Environment:
    """The environment called `name` (default: the data's default)."""
    wanted = name or data.environments.default
    env = data.environments.get(wanted)
    if env is None:
        names = ", ".join(e.name for e in data.environments.environments)
        raise LookupFailed(f"no environment {wanted!r} in data/environments.yml (known: {names})")
    return env


def variable(data: DataSet, env_name: str | None, name: str, audience: Audience) -> Variable:
    """One variable, checked against the audience of the page that asks."""
    env = environment(data, env_name)
    var = env.variable(name)
    if var is None and name in data.hidden_variables.get(env.name, ()):
        raise VisibilityError(f"variable {name!r} of {env.name!r} is internal and this page is public")
    if var is None:
        raise LookupFailed(f"no variable {name!r} in environment {env.name!r} of data/environments.yml")
    if var.visibility == "internal" and audience != "internal":
        raise VisibilityError(f"variable {name!r} of {env.name!r} is internal and this page is public")
    return var


def variable_value(data: DataSet, env_name: str | None, name: str, audience: Audience) -> str:
    """The value of a variable as a page shows it (`secret: <ref>` for secrets)."""
    return variable(data, env_name, name, audience).display


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def variables_table(data: DataSet, env_name: str | None, audience: Audience) -> str:
    """A Markdown table of an environment's variables; a public page sees only public ones."""
    env = environment(data, env_name)
    rows = ["| Variable | Value | Visibility | What it does |", "|---|---|---|---|"]
    for var in env.variables:
        if var.visibility == "internal" and audience != "internal":
            continue
        value = f"`{_cell(var.value)}`" if var.value is not None else f"Secrets Manager `{var.secret}`"
        rows.append(f"| `{var.name}` | {value} | {var.visibility} | {_cell(var.description)} |")
    return "\n".join(rows)


def internal_needles(data: DataSet) -> set[str]:
    """Strings that must never appear in a public build: every internal value of every data file
    (see `busdocs.data.visibility.internal_values` for what is left out as too common to mean a leak)."""
    from busdocs.data.visibility import internal_values

    return set(internal_values(data))


def money(data: DataSet, amount: int) -> str:
    """An amount in the university's currency: `PKR 18,000`."""
    return f"{data.site.university.currency} {amount:,}"


def passes_table(data: DataSet) -> str:
    """A Markdown table of the pass types and prices."""
    rows = ["| Pass | Price | Valid for | Rides | Who can buy |", "|---|---|---|---|---|"]
    for t in data.passes.types:
        rides = "unlimited" if t.rides == "unlimited" else str(t.rides)
        rows.append(f"| {t.name} | {money(data, t.price)} | {_cell(t.validity)} | {rides} | "
                    f"{', '.join(t.eligible)} |")
    return "\n".join(rows)
