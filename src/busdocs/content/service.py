"""The service's rules (`data/service.yml`) as Markdown: trip-start refusals for each audience,
payment failures with what to do and when money comes back, and the rules table."""

from __future__ import annotations

from busdocs.content.ops_reference import table
from busdocs.data.models.service import PaymentFailure, Service, TripStartRefusal
from busdocs.errors import BusdocsError

FIXERS = {"driver": "You (the driver)", "hotline": "The hotline controller", "transport-office": "The Transport Office",
          "workshop": "The workshop", "update": "An app update"}
"""Who clears a refusal, as the driver guide says it."""

CLEARED_BY = {"driver": "you", "hotline": "the hotline controller", "transport-office": "the Transport Office",
              "workshop": "the workshop", "update": "an app update"}

VIEWS = ("driver", "admin", "troubleshooting", "faq", "helpdesk")


class UnknownFact(BusdocsError):
    """A page asked for a rule, refusal or payment case `data/service.yml` does not have."""


def _cell(text: str) -> str:
    return text.strip()


def _italic(message: str) -> str:
    return f"*{message.strip()}*"


def trip_start_refusals_markdown(service: Service, view: str) -> str:
    """Every reason a trip will not start, for one audience.

    Args:
        service: `data/service.yml`.
        view: `driver` (message, why, what you do, who clears it), `admin` (the banner on the driver's
            page and the fix in the dashboard), `troubleshooting` (message, cause, fix, who),
            `faq` (one line each), `helpdesk` (what to ask and whom to pass it to).
    """
    items: list[TripStartRefusal] = list(service.trip_start_refusals)
    if view == "driver":
        return table(["The app shows", "Why", "What you do", "Who clears it"],
                     [(_italic(r.message), _cell(r.cause), _cell(r.driver_fix), FIXERS[r.fixed_by]) for r in items])
    if view == "admin":
        return table(["Banner on the driver's page", "The driver sees", "Cause", "What you do"],
                     [(f"**{r.banner}**" if not r.banner.startswith("nothing") else r.banner, _italic(r.message),
                       _cell(r.cause), _cell(r.admin_fix)) for r in items])
    if view == "troubleshooting":
        return table(["Message", "Cause", "Fix", "Who fixes it"],
                     [(_italic(r.message), _cell(r.cause), _cell(r.driver_fix), FIXERS[r.fixed_by]) for r in items])
    if view == "faq":
        return "\n".join(f"- {_italic(r.message)} {r.cause.strip()} Cleared by: {CLEARED_BY[r.fixed_by]}."
                         for r in items) + "\n"
    if view == "helpdesk":
        return table(["The driver reads", "Cause", "Who clears it", "Dashboard fix"],
                     [(_italic(r.message), _cell(r.cause), FIXERS[r.fixed_by].replace("You (the driver)", "The driver"),
                       _cell(r.admin_fix)) for r in items])
    raise UnknownFact(f"trip_start_refusals: unknown view {view!r} (one of {', '.join(VIEWS)})")


def payment_failure(service: Service, failure_id: str) -> PaymentFailure:
    for failure in service.payment_failures:
        if failure.id == failure_id:
            return failure
    known = ", ".join(f.id for f in service.payment_failures)
    raise UnknownFact(f"no payment failure {failure_id!r} in data/service.yml (known: {known})")


def payment_failure_markdown(failure: PaymentFailure) -> str:
    """One case: the message, whether money left, the steps, when it comes back."""
    steps = "\n".join(f"{n}. {s.strip()}" for n, s in enumerate(failure.what_to_do, 1))
    return (f"**You see** {_italic(failure.message)} in {failure.where}.\n\n"
            f"**Were you charged?** {failure.charged.strip()}\n\n"
            f"**What to do**\n\n{steps}\n\n"
            f"**When money comes back:** {failure.money_back.strip()}\n")


def payment_failures_markdown(service: Service, level: int = 3) -> str:
    """Every payment failure as a section with its own anchor (`#bank-declined`)."""
    hashes = "#" * level
    # `{ #id }` with spaces: `{#` would open a Jinja comment in mkdocs-macros.
    return "\n".join(f"{hashes} {f.title} {{ #{f.id} }}\n\n{payment_failure_markdown(f)}"
                     for f in service.payment_failures)


def payment_failure_summary(failure: PaymentFailure) -> str:
    """The FAQ answer: charged or not, the first step, when money comes back."""
    return (f"**Charged?** {failure.charged.strip()} **First step:** {failure.what_to_do[0].strip()} "
            f"**Money back:** {failure.money_back.strip()}")


def payment_failures_table(service: Service, link: str | None = "") -> str:
    """One row per case: message, charged, money back; each title links to `link#<id>` (`""`: this
    page; None: no link)."""
    rows = []
    for f in service.payment_failures:
        title = f"[{f.title}]({link}#{f.id})" if link is not None else f.title
        rows.append((title, _italic(f.message), _cell(f.charged), _cell(f.money_back)))
    return table(["Case", "Message", "Charged?", "Money back"], rows)


def rule_value(service: Service, rule_id: str) -> int | float | str:
    for rule in service.rules:
        if rule.id == rule_id:
            return rule.value
    close = [r.id for r in service.rules if rule_id.split("-")[0] in r.id]
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise UnknownFact(f"no rule {rule_id!r} in data/service.yml{hint}")


def rules_markdown(service: Service) -> str:
    """The rules table: each number and what it means."""
    def number(value: int | float | str) -> str:
        return value if isinstance(value, str) else f"{value:g}"
    return table(["Rule", "Value", "What it means"],
                 [(r.id.replace("-", " "), f"{number(r.value)} {r.unit}", _cell(r.text)) for r in service.rules])


def fact_answer(service: Service, fact: str) -> str:
    """A FAQ answer rendered from data: `payment-failures/<id>` or `trip-start-refusals`."""
    if fact == "trip-start-refusals":
        return "\n\n" + trip_start_refusals_markdown(service, "faq")
    kind, _, ident = fact.partition("/")
    if kind == "payment-failures":
        return payment_failure_summary(payment_failure(service, ident))
    raise UnknownFact(f"unknown fact {fact!r}")
