"""mkdocs-macros entry point: the variables and macros pages use.

`macros/__init__.py` in the project only re-exports `define_env`. The values come from the data
the busdocs plugin loaded for this build; what a macro computes lives in `busdocs.render`.
"""

from __future__ import annotations

from typing import Any

from busdocs import dashboard, helpcenter, news, reference, render, runbooks
from busdocs.errors import BusdocsError


class MacroError(BusdocsError):
    """A macro was asked for something it must not or cannot give; names the page."""


def define_env(env: Any) -> None:
    """Register busdocs' variables and macros with mkdocs-macros.

    Variables:
        site: `data/site.yml` (product, university, domains, apps, launch, support).
        passes: `data/passes.yml` (pass types, prices, payment and refund windows).
        today: the build's date (`BUSDOCS_TODAY=YYYY-MM-DD` overrides it), for overdue items.
        build_env: the environment this build renders (`BUSDOCS_ENV`, default `production`).

    Example:
        ```markdown
        Write to {{ site.support.email }}. The API lives at {{ env_value("API_BASE_URL") }}.
        ```
    """
    plugin = env.conf.plugins.get("busdocs")
    if plugin is None or plugin.data is None:
        raise BusdocsError("mkdocs.yml: list the busdocs plugin (it loads data/) before macros")
    data = plugin.data
    env.variables["site"] = data.site
    env.variables["build_env"] = plugin.environment
    env.variables["passes"] = data.passes
    env.variables["today"] = plugin.today

    def page_audience() -> tuple[str, str]:
        page = env.page
        if page is None:  # rendering outside a page (e.g. config values): treat as public
            return "public", "mkdocs.yml"
        return plugin.audience_of(page.file.abs_src_path), page.file.src_uri

    def guarded(func: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            audience, where = page_audience()
            try:
                return func(audience, *args, **kwargs)
            except BusdocsError as exc:
                raise MacroError(f"{where}: {func.__name__}: {exc}") from None
        wrapper.__name__ = func.__name__
        wrapper.__doc__ = func.__doc__
        return wrapper

    @env.macro
    @guarded
    def env_value(audience: str, name: str, environment: str | None = None) -> str:
        """The value of backend variable `name` in `environment` (default: this build's).

        A public page asking for an internal variable fails the build.
        """
        return render.variable_value(data, environment or plugin.environment, name, audience)

    @env.macro
    @guarded
    def env_table(audience: str, environment: str | None = None) -> str:
        """A table of an environment's variables; public pages see only the public ones."""
        return render.variables_table(data, environment or plugin.environment, audience)

    @env.macro
    def money(amount: int) -> str:
        """An amount in the university's currency: `{{ money(18000) }}` → `PKR 18,000`."""
        return render.money(data, amount)

    @env.macro
    def pass_table() -> str:
        """The table of pass types with prices, validity and who can buy them."""
        return render.passes_table(data)

    @env.macro
    @guarded
    def pass_type(audience: str, pass_id: str) -> Any:
        """One pass type by id: `{{ pass_type("semester").price }}`."""
        found = next((t for t in data.passes.types if t.id == pass_id), None)
        if found is None:
            known = ", ".join(t.id for t in data.passes.types)
            raise render.LookupFailed(f"no pass type {pass_id!r} in data/passes.yml (known: {known})")
        return found

    @env.macro
    @guarded
    def channel(audience: str, channel_id: str) -> Any:
        """One support channel by id: `{{ channel("phone").address }}`."""
        found = next((c for c in data.site.support.channels if c.id == channel_id), None)
        if found is None:
            known = ", ".join(c.id for c in data.site.support.channels)
            raise render.LookupFailed(f"no support channel {channel_id!r} in data/site.yml (known: {known})")
        return found

    def internal_only(audience: str, what: str) -> None:
        if audience != "internal":
            raise render.VisibilityError(f"{what} is internal and this page is public")

    @env.macro
    @guarded
    def launch_gates(audience: str) -> str:
        """GO / NO-GO banners, one per gate of `data/launch.yml`, with what blocks each."""
        internal_only(audience, "the launch dashboard")
        return dashboard.gates_markdown(data.launch, plugin.today)

    @env.macro
    @guarded
    def launch_progress(audience: str) -> str:
        """Overall and per-section progress bars of the launch checklists."""
        internal_only(audience, "the launch dashboard")
        return dashboard.progress_markdown(data.launch)

    @env.macro
    @guarded
    def launch_overdue(audience: str) -> str:
        """Open items past their due date."""
        internal_only(audience, "the launch dashboard")
        return dashboard.overdue_markdown(data.launch, plugin.today)

    @env.macro
    @guarded
    def launch_owners(audience: str) -> str:
        """Open items grouped by owner."""
        internal_only(audience, "the launch dashboard")
        return dashboard.owners_markdown(data.launch, plugin.today)

    @env.macro
    def launch_metrics() -> str:
        """The success metrics with their targets."""
        return dashboard.metrics_markdown(data.launch)

    @env.macro
    @guarded
    def infrastructure_reference(audience: str) -> str:
        """Every production AWS resource from `data/infrastructure.yml` (internal pages only)."""
        internal_only(audience, "the infrastructure reference")
        return reference.infrastructure_markdown(data.infrastructure)

    @env.macro
    @guarded
    def monitoring_reference(audience: str, link_runbooks: bool = False, base: str = "") -> str:
        """Severities, alarms, dashboards and alert routes from `data/monitoring.yml` (internal pages only)."""
        internal_only(audience, "the monitoring reference")
        return reference.monitoring_markdown(data.monitoring, link_runbooks, base)

    def current_src_uri() -> str:
        return env.page.file.src_uri if env.page is not None else "index.md"

    @env.macro
    def faq(audience: str | None = None) -> str:
        """The FAQ from `data/faq.yml`, all audiences or one; each answer links to its full page."""
        return helpcenter.faq_markdown(data.faq, current_src_uri(), audience)

    @env.macro
    def known_issues(fixed: bool = False) -> str:
        """Open known issues (or fixed ones) from `data/known_issues.yml`."""
        return helpcenter.known_issues_markdown(data.known_issues, data.releases, fixed)

    @env.macro
    def release_notes(product: str | None = None) -> str:
        """Release notes from `data/releases.yml`, newest first, for one product or all."""
        return helpcenter.releases_markdown(data.releases, plugin.today, product)

    @env.macro
    @guarded
    def training_plan(audience: str, plan_id: str) -> str:
        """A training plan from `data/training.yml`: sessions, objectives, exercises, sign-off."""
        plan = next((p for p in data.training.plans if p.id == plan_id), None)
        if plan is None:
            known = ", ".join(p.id for p in data.training.plans)
            raise render.LookupFailed(f"no training plan {plan_id!r} in data/training.yml (known: {known})")
        return helpcenter.training_plan_markdown(plan)

    @env.macro
    def videos(audience: str | None = None) -> str:
        """The video tutorials index (links only: nothing loads from outside the site)."""
        return helpcenter.videos_markdown(data.training, audience)

    @env.macro
    def news_list() -> str:
        """Published news pieces, newest first (drafts too, marked, under `mkdocs serve`)."""
        return news.listing_markdown(plugin.news, plugin.today, current_src_uri(), plugin.serving)

    @env.macro
    @guarded
    def alarm(audience: str, name: str) -> Any:
        """One alarm from `data/monitoring.yml` (internal pages): `{{ alarm("rds-high-cpu").threshold }}`."""
        internal_only(audience, "alarm data")
        found = data.monitoring.alarm(name)
        if found is None:
            raise render.LookupFailed(f"no alarm {name!r} in data/monitoring.yml")
        return found

    @env.macro
    @guarded
    def infra(audience: str) -> Any:
        """The production resources of `data/infrastructure.yml` (internal pages): `{{ infra().database.identifier }}`."""
        internal_only(audience, "infrastructure data")
        return data.infrastructure

    @env.macro
    @guarded
    def oncall(audience: str) -> Any:
        """Teams, rotations and escalation policies of `data/oncall.yml` (internal pages)."""
        internal_only(audience, "on-call data")
        return data.oncall

    @env.macro
    @guarded
    def alarm_facts(audience: str) -> str:
        """A table of the current runbook's alarms as CloudWatch defines them, with who is paged."""
        internal_only(audience, "alarm data")
        names = (env.page.meta.get("alarms") if env.page is not None else None) or []
        return reference.alarm_facts_markdown(data.monitoring, data.oncall, names,
                                              env.page.meta.get("escalation") if env.page else None)

    @env.macro
    @guarded
    def alarm_index(audience: str) -> str:
        """Every alarm with its runbook link, severity, service and review state."""
        internal_only(audience, "alarm data")
        books, _ = runbooks.load_runbooks(data.root)
        return reference.alarm_index_markdown(data.monitoring, books, plugin.today)

    @env.macro
    @guarded
    def severity_table(audience: str) -> str:
        """The SEV1–SEV3 matrix from `data/monitoring.yml` (internal pages)."""
        internal_only(audience, "the severity matrix")
        return reference.severity_markdown(data.monitoring)

    @env.macro
    @guarded
    def oncall_tables(audience: str) -> str:
        """Rotations, escalation policies, teams and people from `data/oncall.yml` (internal pages)."""
        internal_only(audience, "on-call data")
        return reference.oncall_markdown(data.oncall)
