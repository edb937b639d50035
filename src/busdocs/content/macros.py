"""The variables and macros pages use, independent of MkDocs.

`busdocs.mkdocs.macros.define_env` registers them with mkdocs-macros for the sites; `busdocs runbook`
renders a runbook for the terminal with the very same functions, without MkDocs. Every macro is a
method of `Macros`; its docstring is the authoring reference.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from busdocs.content import dashboard
from busdocs.content import environment_values
from busdocs.content import helpcenter
from busdocs.content import news
from busdocs.content import ops_reference
from busdocs.content import values
from busdocs.content import runbooks
from busdocs.content import service
from busdocs.content import glossary
from busdocs.content import launchday
from busdocs.content import helpdesk
from busdocs.content import diagrams
from busdocs.data.loader import DataSet
from busdocs.errors import BusdocsError


SNIPPETS = "macros/snippets"
"""Shared runbook steps (`shared_step`); under `macros/`, so every build's cache key covers them."""


@functools.lru_cache(maxsize=256)
def strict_template(text: str) -> Any:
    """`text` as a template of the ops pages' Jinja environment, where an undefined name is an
    error: the pages `busdocs.content.lookup` renders for each environment and the steps they share
    (`shared_step`). Compiled once per process: Jinja compiles a string anew on every
    `from_string`, and the same pages are rendered again and again (`busdocs check` for each
    environment, `busdocs runbook`, a long-lived process's checks)."""
    return _strict_environment().from_string(text)


@functools.cache
def _strict_environment() -> Any:
    import jinja2

    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)


class MacroError(BusdocsError):
    """A macro was asked for something it must not or cannot give; names the page."""


@dataclass(frozen=True, slots=True)
class PageInfo:
    """What a macro knows of the page it renders."""

    src_uri: str
    """The page's path in the site's sources (`students/buy-a-pass.md`, `runbooks/alarms/x.md`)."""
    audience: str
    """`internal` for pages from `runbooks/`, `public` otherwise."""
    meta: Mapping[str, Any] = field(default_factory=dict)
    """The page's front matter."""
    url: str = ""
    """The page's URL in the site (`training/`, or `training.html` in the offline bundle)."""


OUTSIDE_PAGE = PageInfo("mkdocs.yml", "public")


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What a macro knows of the site being built."""

    terminal: bool = False
    """True for `busdocs runbook`: links are printed as URLs, boxes as quotes."""
    downloads: str | None = None
    """Whose files this site carries under `downloads/`: `public` (the help center: the public
    handbooks), `internal` (the ops site: the internal handbooks and the offline bundle), or None
    (the offline bundle, which cannot contain itself, and the terminal). Files a site does not
    carry are linked where they live, at the `site_url` of their site."""
    language: str = "en"
    """The language of the edition being built: `en`, or `ur` for the Urdu edition (`mkdocs.ur.yml`)."""


NO_SITE = SiteInfo()
"""Outside a site build (`busdocs runbook` in a terminal): every download is linked by its full URL."""


class Macros:
    """Every macro available to pages, bound to one build's data.

    Args:
        data: The validated data of `data/`.
        environment: The environment values render for (`BUSDOCS_ENV`, default `production`).
        today: The date used for overdue items, scheduled news and release states.
        page: Returns the page being rendered.
        news_pieces: The news pieces of the build (for `news_list`).
        serving: True under `mkdocs serve` (drafts are listed, marked).
        site: The site being built (which downloads it carries).
    """

    def __init__(self, data: DataSet, environment: str, today: date, page: Callable[[], PageInfo],
                 news_pieces: list[news.Piece] | None = None, serving: bool = False,
                 site: SiteInfo = NO_SITE) -> None:
        self.data = data
        self.site = site
        self.environment = environment
        self.today = today
        self._page = page
        self._news = news_pieces if news_pieces is not None else []
        self._serving = serving

    # -------------------------------------------------------------- plumbing

    def variables(self) -> dict[str, Any]:
        """Variables pages read directly: `site`, `passes`, `today`, `build_env`."""
        return {"site": self.data.site, "passes": self.data.passes, "today": self.today,
                "build_env": self.environment}

    def macros(self) -> dict[str, Callable[..., Any]]:
        """Every macro by name, each wrapped so an error names the page."""
        names = [n for n in dir(type(self)) if not n.startswith("_") and n not in ("variables", "macros")]
        return {name: self._guard(getattr(self, name)) for name in names if callable(getattr(self, name))}

    def _guard(self, func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except BusdocsError as exc:
                raise MacroError(f"{self._page().src_uri}: {func.__name__}: {exc}") from None

        wrapper.__name__ = func.__name__
        wrapper.__doc__ = func.__doc__
        return wrapper

    def _internal_only(self, what: str) -> None:
        if self._page().audience != "internal":
            raise values.VisibilityError(f"{what} is internal and this page is public")

    # -------------------------------------------------------------- environments

    def _environment(self, asked: str | None) -> str:
        """The environment a value is taken from: this build's. Only a page whose front matter says
        `environments: all` (a reference of every environment) may ask for another one."""
        if asked is None or asked == self.environment:
            return self.environment
        page = self._page()
        if page.audience == "internal" and page.meta.get("environments") != "all":
            raise values.LookupFailed(
                f"asks for a value of {asked!r} while the page renders for {self.environment!r}: runbooks and "
                "procedures show only their build's environment (a page listing every environment says "
                "'environments: all' in its front matter)")
        return asked

    def env_value(self, name: str, environment: str | None = None) -> str:
        """The value of backend variable `name` in this build's environment.

        A public page asking for an internal variable fails the build; a secret shows as its
        Secrets Manager reference, never a value. Another environment's value only on a page with
        `environments: all` in its front matter.

        Example:
            `{{ env_value("API_BASE_URL") }}` → `https://api.university-bus-tracker.com`
        """
        return values.variable_value(self.data, self._environment(environment), name, self._page().audience)

    def env_host(self, name: str) -> str:
        """The host of a URL variable: `{{ env_host("API_BASE_URL") }}` → `api.university-bus-tracker.com`."""
        value = self.env_value(name)
        host = urlsplit(value).hostname
        if not host:
            raise values.LookupFailed(f"variable {name!r} is no URL ({value!r})")
        return host

    def deploy_workflow(self) -> str:
        """The GitHub Actions workflow that deploys (and rolls back) this build's environment:
        `{{ deploy_workflow() }}` → `deploy-production`."""
        return values.environment(self.data, self.environment).deploy_workflow

    def env_table(self, environment: str | None = None) -> str:
        """A Markdown table of an environment's variables; public pages see only the public ones."""
        return values.variables_table(self.data, self._environment(environment), self._page().audience)

    # -------------------------------------------------------------- passes and support

    def money(self, amount: int) -> str:
        """An amount in the university's currency: `{{ money(18000) }}` → `PKR 18,000`."""
        return values.money(self.data, amount)

    # -------------------------------------------------------------- language editions

    def app(self, label: str) -> str:
        """A button, screen or menu of the apps as the app of this edition's language shows it, in
        bold: `{{ app("Start trip") }}` → **Start trip** (English), **ٹرپ شروع کریں** (Urdu). A menu
        path: `{{ app("Account → Sign out") }}`. Labels come from `data/app_strings.yml`."""
        parts = [part.strip() for part in label.split("→")]
        if self.site.language == "en":
            return "**" + " → ".join(parts) + "**"
        table = {s.en: s.ur for s in self.data.app_strings.strings}
        missing = [p for p in parts if p not in table]
        if missing:
            raise values.LookupFailed(f"no {self.site.language} string for {', '.join(map(repr, missing))} in "
                                      "data/app_strings.yml (strings:)")
        return "**" + " ← ".join(table[p] for p in parts) + "**"  # a menu path reads right to left

    def app_text(self, label: str) -> str:
        """What `app` prints, without the bold: for a message or a status bar quoted in italics."""
        return self.app(label)[2:-2]

    def term(self, value: str) -> str:
        """A value of another data file (support hours, a pass name) in this edition's language,
        from `terms` of `data/app_strings.yml`: `{{ term(channel("phone").hours) }}`."""
        if self.site.language == "en":
            return value
        found = next((t.ur for t in self.data.app_strings.terms if t.en == value), None)
        if found is None:
            raise values.LookupFailed(f"no {self.site.language} term for {value!r} in data/app_strings.yml (terms:)")
        return found

    def ltr(self, text: object) -> str:
        """Left-to-right text inside a right-to-left page (a phone number, an address, a code):
        `{{ ltr(channel("phone").address) }}`."""
        from html import escape

        return f'<bdi dir="ltr">{escape(str(text))}</bdi>'

    def ur_number(self, value: int) -> str:
        """`{{ ur_number(18000) }}` → ۱۸٬۰۰۰ (Urdu digits)."""
        from busdocs.i18n import urdu

        return urdu.number(int(value))

    def ur_money(self, amount: int) -> str:
        """`{{ ur_money(pass_type("semester").price) }}` → ۱۸٬۰۰۰ روپے."""
        from busdocs.i18n import urdu

        return urdu.money(int(amount))

    def ur_date(self, when: Any) -> str:
        """`{{ ur_date(site.launch.official_launch) }}` → ۲۵ جنوری ۲۰۲۷."""
        from busdocs.i18n import urdu

        return urdu.long_date(when)

    def pass_table(self) -> str:
        """The table of pass types with prices, validity and who can buy them."""
        return values.passes_table(self.data)

    def pass_type(self, pass_id: str) -> Any:
        """One pass type by id: `{{ pass_type("semester").price }}` → `18000`."""
        found = next((t for t in self.data.passes.types if t.id == pass_id), None)
        if found is None:
            known = ", ".join(t.id for t in self.data.passes.types)
            raise values.LookupFailed(f"no pass type {pass_id!r} in data/passes.yml (known: {known})")
        return found

    def channel(self, channel_id: str) -> Any:
        """One support channel by id: `{{ channel("phone").address }}` → `+92 51 9085 4400`."""
        found = next((c for c in self.data.site.support.channels if c.id == channel_id), None)
        if found is None:
            known = ", ".join(c.id for c in self.data.site.support.channels)
            raise values.LookupFailed(f"no support channel {channel_id!r} in data/site.yml (known: {known})")
        return found

    # -------------------------------------------------------------- help center listings

    def faq(self, audience: str | None = None) -> str:
        """The FAQ from `data/faq.yml`, all audiences or one; each answer links to its full page."""
        return helpcenter.faq_markdown(self.data.faq, self._page().src_uri, audience, self.data.service)

    def glossary(self) -> str:
        """The Glossary from `data/glossary.yml`, alphabetical; the ops site adds its internal terms."""
        return glossary.glossary_markdown(self.data.glossary, self._page().src_uri)

    # -------------------------------------------------------------- the service's rules (data/service.yml)

    def rule(self, rule_id: str) -> int | float | str:
        """A number of `data/service.yml`: `{{ rule("sign-in-lockout-minutes") }}` → `15`."""
        return service.rule_value(self.data.service, rule_id)

    def service_rules(self) -> str:
        """The table of every rule of `data/service.yml` with its value and meaning."""
        return service.rules_markdown(self.data.service)

    def trip_start_refusals(self, view: str) -> str:
        """Why a trip will not start, from `data/service.yml`, for `driver`, `admin`,
        `troubleshooting`, `faq` or `helpdesk`."""
        return service.trip_start_refusals_markdown(self.data.service, view)

    def payment_failure(self, failure_id: str) -> str:
        """One payment failure case: message, charged or not, steps, when money comes back."""
        return service.payment_failure_markdown(service.payment_failure(self.data.service, failure_id))

    def payment_failures(self, level: int = 3) -> str:
        """Every payment failure case as a section (`### title { #id }`) at heading `level`."""
        return service.payment_failures_markdown(self.data.service, level)

    def payment_failures_table(self, link: str | None = "") -> str:
        """Every payment failure case in one table; titles link to `link#<id>` when given."""
        return service.payment_failures_table(self.data.service, link)

    def known_issues(self, fixed: bool = False) -> str:
        """Open known issues (or, with `fixed=True`, the fixed ones) from `data/known_issues.yml`."""
        return helpcenter.known_issues_markdown(self.data.known_issues, self.data.releases, fixed)

    def release_notes(self, product: str | None = None) -> str:
        """Release notes from `data/releases.yml`, newest first, for one product or all."""
        return helpcenter.releases_markdown(self.data.releases, self.today, product)

    def training_plan(self, plan_id: str) -> str:
        """A training plan from `data/training.yml`: sessions, objectives, exercises, sign-off."""
        plan = next((p for p in self.data.training.plans if p.id == plan_id), None)
        if plan is None:
            known = ", ".join(p.id for p in self.data.training.plans)
            raise values.LookupFailed(f"no training plan {plan_id!r} in data/training.yml (known: {known})")
        return helpcenter.training_plan_markdown(plan)

    def videos(self, audience: str | None = None) -> str:
        """The video tutorials index: plain links, so no third-party player loads with the page."""
        return helpcenter.videos_markdown(self.data.training, audience)

    def news_list(self) -> str:
        """Published news pieces, newest first (drafts too, marked, under `mkdocs serve`)."""
        return news.listing_markdown(self._news, self.today, self._page().src_uri, self._serving)

    def handbook_links(self) -> str:
        """A list of the PDF handbooks of this page's audience, with audience, version and date.

        Public pages list the public handbooks; pages of `runbooks/` list the internal ones. A site
        links the handbooks it carries (`busdocs pdf` writes them to its `downloads/` after the
        build) by a relative link, and every other one on the site that carries it: the ops site's
        copy of the Training page links the public handbooks on the help center, and the offline
        bundle links every handbook online.
        """
        from html import escape

        page = self._page()
        books = [h for h in self.data.handbooks.handbooks if h.site == page.audience]
        items = []
        for h in books:
            href = self._download(h.site, f"downloads/{h.id}.pdf")
            where = "" if "://" not in href else f", {urlsplit(href).hostname}"
            if h.language != "en":  # beside its English twin, in its own language and direction
                items.append(f'<li><a href="{escape(href)}" type="application/pdf" hreflang="{h.language}">'
                             f'<span lang="{h.language}" dir="rtl">{escape(h.title)}</span> (PDF, Urdu{where})</a>: '
                             f'<span lang="{h.language}" dir="rtl">{escape(h.subtitle)}۔ {escape(h.audience)} کے لیے۔</span> '
                             f"Version {escape(h.version)}, {h.date.day} {h.date:%B %Y}.</li>")
                continue
            items.append(f'<li><a href="{escape(href)}" type="application/pdf">{escape(h.title)} (PDF{where})</a>: '
                         f"{escape(h.subtitle)}. For {escape(h.audience)}. Version {escape(h.version)}, "
                         f"{h.date.day} {h.date:%B %Y}.</li>")
        return "<ul class=\"busdocs-handbooks\">\n" + "\n".join(items) + "\n</ul>"

    def offline_bundle_link(self) -> str:
        """A link to the zipped offline bundle of the ops site (`busdocs build` puts it in the ops
        site's `downloads/`); in the bundle itself, a link to the newest copy online."""
        from html import escape

        from busdocs.sites import OFFLINE_ZIP

        self._internal_only("the offline bundle")
        href = self._download("internal", OFFLINE_ZIP)
        link = f'<a href="{escape(href)}" type="application/zip">{escape(posixpath.basename(OFFLINE_ZIP))}</a>'
        if self.site.downloads != "internal":  # the bundle cannot contain itself
            link += " (on the ops site)"
        return link

    def _download(self, site: str, path: str) -> str:
        """The href of a file of `site`'s `downloads/` from this page: relative on the site that
        carries it, the full URL anywhere else."""
        if self.site.downloads == site:
            url = self._page().url
            folder = url.rstrip("/") if url.endswith("/") else posixpath.dirname(url)
            return posixpath.relpath(path, folder or ".")
        from busdocs.sites import base_url

        return base_url(self.data.root, site) + path

    # -------------------------------------------------------------- launch readiness (internal)

    def launch_gates(self) -> str:
        """GO / NO-GO banners, one per gate of `data/launch.yml`, with what blocks each."""
        self._internal_only("the launch dashboard")
        return dashboard.gates_markdown(self.data.launch, self.today, self.data.infrastructure, self.data.verification)

    def launch_progress(self) -> str:
        """Overall and per-section progress bars of the launch checklists."""
        self._internal_only("the launch dashboard")
        return dashboard.progress_markdown(self.data.launch)

    def launch_overdue(self) -> str:
        """Open launch items past their due date."""
        self._internal_only("the launch dashboard")
        return dashboard.overdue_markdown(self.data.launch, self.today)

    def launch_owners(self) -> str:
        """Open launch items grouped by owner."""
        self._internal_only("the launch dashboard")
        return dashboard.owners_markdown(self.data.launch, self.today)

    def launch_metrics(self) -> str:
        """The success metrics with their targets (`< 200 ms`, `> 99.5 %`)."""
        self._internal_only("the launch dashboard")
        return dashboard.metrics_markdown(self.data.launch)

    def run_of_show(self, day_id: str) -> str:
        """A launch day's run-of-show from `data/launch.yml` (`soft-launch`, `official-launch`): hour by
        hour, who, the go/no-go calls, the rollback criteria and steps; dates from `data/site.yml`."""
        self._internal_only("the launch run-of-show")
        return launchday.run_of_show_markdown(self.data.launch, self.data.site, day_id)

    def launch_decisions(self) -> str:
        """Every go/no-go call of the launch days in time order."""
        self._internal_only("the launch run-of-show")
        return launchday.decisions_markdown(self.data.launch, self.data.site)

    def hypercare_roster(self) -> str:
        """The 48-hour hypercare roster of `data/oncall.yml`, with dates from `data/site.yml`."""
        self._internal_only("the hypercare roster")
        return launchday.hypercare_roster_markdown(self.data.oncall, self.data.site)

    def hypercare_watch(self) -> str:
        """The hypercare watch list: what, where, how often, when to act, what to do."""
        self._internal_only("the hypercare watch list")
        return launchday.hypercare_watch_markdown(self.data.oncall)

    def helpdesk(self, part: str) -> str:
        """The help desk playbook from `data/helpdesk.yml`: `priorities`, `channels` (from
        `data/site.yml`), `categories-table`, `categories` (with canned replies) or `escalation`."""
        self._internal_only("the help desk playbook")
        parts = {"priorities": helpdesk.priorities_markdown, "channels": helpdesk.channels_markdown,
                 "categories-table": helpdesk.categories_table, "categories": helpdesk.categories_markdown,
                 "escalation": helpdesk.escalation_markdown}
        if part not in parts:
            raise MacroError(f"helpdesk: unknown part {part!r} (one of {', '.join(parts)})")
        return parts[part](self.data)

    def diagram(self, name: str) -> str:
        """A diagram drawn from data as inline SVG (title, description, selectable text, nothing
        fetched): `pass-purchase`, `trip-life-cycle`; on the ops site also `escalation-ladder`,
        `deploy-pipeline`."""
        if name in diagrams.INTERNAL:
            self._internal_only(f"the {name} diagram")
            return diagrams.INTERNAL[name](self.data)
        if name not in diagrams.PUBLIC:
            raise MacroError(f"diagram: unknown {name!r} (one of {', '.join([*diagrams.PUBLIC, *diagrams.INTERNAL])})")
        return diagrams.PUBLIC[name](self.data)

    def reader_feedback(self) -> str:
        """The help center's page feedback and failed searches, from the last `busdocs feedback report`
        committed as `data/feedback-report.json` (issue 24)."""
        self._internal_only("reader feedback")
        from busdocs.content import feedback
        from busdocs.sites import base_url

        return feedback.render_page(feedback.load_report(self.data.root), base_url(self.data.root, "public"))

    # -------------------------------------------------------------- operations (internal)

    def _infra(self) -> Any:
        return environment_values.infrastructure(self.data, self.environment)

    def infrastructure_reference(self) -> str:
        """Every AWS resource of this build's environment from `data/infrastructure.yml`, unverified
        ones marked."""
        self._internal_only("the infrastructure reference")
        return ops_reference.infrastructure_markdown(self._infra(), self.environment, self.data.verification)

    def monitoring_reference(self, link_runbooks: bool = False, base: str = "") -> str:
        """Severities, alarms, dashboards and alert routes from `data/monitoring.yml`, for this build's
        environment."""
        self._internal_only("the monitoring reference")
        return ops_reference.monitoring_markdown(self.data.monitoring, link_runbooks, base, self._infra(),
                                                 self.data.verification, self.environment)

    def alarm(self, name: str) -> Any:
        """One alarm from `data/monitoring.yml`, its dimensions resolved for this build's environment:
        `{{ alarm("rds-high-cpu").threshold }}` → `80`."""
        self._internal_only("alarm data")
        found = self.data.monitoring.alarm(name)
        if found is None:
            raise values.LookupFailed(f"no alarm {name!r} in data/monitoring.yml")
        return found.for_environment(self._infra())

    def infra(self) -> Any:
        """The resources of this build's environment in `data/infrastructure.yml`:
        `{{ infra().database.identifier }}` → `bus-tracker-prod-db` (production), `bus-tracker-staging-db`
        (staging). A field the environment has no value for is undefined, naming field and environment."""
        self._internal_only("infrastructure data")
        return environment_values.scoped(self._infra(), "infra()", self.environment)

    def secret(self, key: str) -> Any:
        """The Secrets Manager name of a secret in this build's environment, by its name without the
        environment prefix: `{{ secret("db/password") }}` → `prod/db/password` (production),
        `staging/db/password` (staging). Undefined (`is defined` is false) where the environment has none."""
        self._internal_only("infrastructure data")
        found = self._infra().secret(key)
        if found is None:
            return environment_values.scoped(None, f"secret({key!r})", self.environment)
        return found.name

    def account_id(self) -> str:
        """The AWS account id of this build's environment, or `ACCOUNT_ID` while nobody has read it
        from the account (`aws sts get-caller-identity`) into `data/infrastructure.yml`."""
        self._internal_only("infrastructure data")
        return self._infra().account.id or "ACCOUNT_ID"

    def bucket(self, role: str) -> str:
        """The S3 bucket with this role in this build's environment: `{{ bucket("backups") }}`."""
        self._internal_only("infrastructure data")
        found = self._infra().bucket(role)
        if found is None:
            known = ", ".join(b.role for b in self._infra().buckets)
            raise values.LookupFailed(f"no bucket with role {role!r} in {self.environment} (known: {known})")
        return found.name

    def site_host(self, role: str) -> str:
        """The host a CloudFront distribution serves for the bucket of `role` in this build's environment:
        `{{ site_host("ops") }}` → `ops.university-bus-tracker.com`, `{{ site_host("help") }}`."""
        self._internal_only("infrastructure data")
        bucket = self.bucket(role)
        found = next((d for d in self._infra().distributions if d.origin.split(" ")[0] == bucket), None)
        if found is None:
            raise values.LookupFailed(f"no CloudFront distribution serves bucket {bucket!r} in {self.environment}")
        return found.aliases[0]

    def dashboard(self, board: str) -> str:
        """A CloudWatch dashboard's name in this build's environment, by its id in
        `data/monitoring.yml`: `{{ dashboard("overview") }}` → `Bus-Tracker-Production`."""
        self._internal_only("infrastructure data")
        names = self._infra().cloudwatch.dashboards
        if board not in names:
            raise values.LookupFailed(f"no dashboard {board!r} in {self.environment} (known: {', '.join(names)})")
        return names[board]

    def log_group(self, name: str) -> str:
        """A log group of `data/monitoring.yml` for this build's environment (references resolved):
        `{{ log_group("/aws/rds/instance/{database.identifier}/postgresql") }}`."""
        self._internal_only("infrastructure data")
        from busdocs.data.models.monitoring import resolve

        found = next((g for g in self.data.monitoring.log_groups if g.name == name), None)
        if found is None:
            raise values.LookupFailed(f"no log group {name!r} in data/monitoring.yml")
        return resolve(found.name, self._infra())

    def oncall(self) -> Any:
        """Teams, rotations and escalation policies of `data/oncall.yml`."""
        self._internal_only("on-call data")
        return self.data.oncall

    def alarm_facts(self) -> str:
        """The current runbook's alarms as CloudWatch defines them, and who is paged when."""
        self._internal_only("alarm data")
        meta = self._page().meta
        return ops_reference.alarm_facts_markdown(self.data.monitoring, self.data.oncall, meta.get("alarms") or [],
                                                  meta.get("escalation"), self._infra())

    def rollback_deploy(self) -> str:
        """How to roll back a bad backend deploy, in one wording for every runbook: the workflow's
        rollback while blue still runs, the previous image tag after the promotion."""
        page = self._page().src_uri
        procedure = posixpath.relpath("runbooks/procedures/backend-deploy.md", posixpath.dirname(page) or ".")
        return (f"GitHub Actions → *{self.deploy_workflow()}* → **Run workflow → action: rollback** while blue "
                "still runs (the 30-minute bake); after the promotion, redeploy the previous image tag as in "
                f"[Backend deploy and rollback]({procedure}#undo-roll-back).")

    def shared_step(self, name: str) -> str:
        """A step several runbooks share, written once in `macros/snippets/<name>.md` and rendered
        here with the same macros, for this build's environment: `{{ shared_step("connect-to-database")
        | indent(4) }}` inside a numbered list. No runbook says "as in the other runbook, step 4"."""
        self._internal_only("a runbook step")
        if not re.fullmatch(r"[a-z0-9-]+", name):
            raise values.LookupFailed(f"shared_step({name!r}): a snippet name is lower-case words joined by '-'")
        path = self.data.root / SNIPPETS / f"{name}.md"
        if not path.is_file():
            known = sorted(p.stem for p in (self.data.root / SNIPPETS).glob("*.md"))
            raise values.LookupFailed(f"no snippet {SNIPPETS}/{name}.md (known: {', '.join(known) or 'none'})")
        template = strict_template(path.read_text(encoding="utf-8"))
        return template.render({**self.variables(), **self.macros()}).strip("\n")

    def first_five_minutes(self) -> str:
        """The box at the top of every alarm runbook, from data: acknowledge, recent deploys, declare
        or not by the severity matrix, which communication templates, console links for this build's
        environment, owner and last review. `busdocs check` fails a runbook without it."""
        from busdocs.content import first_minutes

        self._internal_only("alarm data")
        page = self._page()
        names = page.meta.get("alarms") or []
        alarm = self.data.monitoring.alarm(names[0]) if names else None
        if alarm is None:
            raise values.LookupFailed("first_five_minutes() belongs on an alarm runbook (front matter 'alarms')")
        reviewed = page.meta.get("last_reviewed")
        if not isinstance(reviewed, date):
            try:
                reviewed = date.fromisoformat(str(reviewed))
            except ValueError:
                raise values.LookupFailed(f"last_reviewed {reviewed!r} in the front matter is not a date") from None
        if self.site.terminal:
            from busdocs.sites import base_url

            docs = base_url(self.data.root, "internal") + "runbooks/"
        else:
            docs = "../"
        return first_minutes.box_markdown(
            alarm=alarm, environment=self.environment, mon=self.data.monitoring, oc=self.data.oncall,
            infra=self._infra(), owner=str(page.meta.get("owner", "")), last_reviewed=reviewed,
            review_interval_days=int(page.meta.get("review_interval_days", 90)), today=self.today,
            deploy_workflow=values.environment(self.data, self.environment).deploy_workflow,
            status_page=self.data.site.support.status_page, docs=docs, terminal=self.site.terminal)

    def alarm_index(self) -> str:
        """Every alarm, most severe first, with its runbook link, severity, service and review state."""
        self._internal_only("alarm data")
        books, _ = runbooks.load_runbooks(self.data.root)
        return ops_reference.alarm_index_markdown(self.data.monitoring, books, self.today)

    def severity_table(self) -> str:
        """The SEV1–SEV3 matrix from `data/monitoring.yml`."""
        self._internal_only("the severity matrix")
        return ops_reference.severity_markdown(self.data.monitoring)

    def site_access(self) -> str:
        """How the ops site is closed to the public, from `access` in `data/deploy.yml`: the staff
        ranges (unverified ones marked), the rate limit, the internal targets and their web ACL, what
        `busdocs deploy` checks before publishing, and whom to ask for access (`data/oncall.yml`)."""
        self._internal_only("the ops site's access rules")
        return ops_reference.access_markdown(self.data.deploy, self.data.oncall)

    def security_contacts(self) -> str:
        """Whom to tell in a security incident (`security.contacts` of `data/oncall.yml`), unconfirmed
        contacts marked."""
        self._internal_only("security contacts")
        return ops_reference.security_contacts_markdown(self.data.oncall)

    def notification_deadlines(self) -> str:
        """By when each office, partner, authority and the affected users are told
        (`security.deadlines` of `data/oncall.yml`), soonest first, unconfirmed deadlines marked."""
        self._internal_only("security deadlines")
        return ops_reference.notification_deadlines_markdown(self.data.oncall)

    def oncall_tables(self) -> str:
        """Rotations, escalation policies, teams and people from `data/oncall.yml`."""
        self._internal_only("on-call data")
        return ops_reference.oncall_markdown(self.data.oncall)
