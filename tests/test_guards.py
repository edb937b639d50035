"""Bad pages fail the strict build with a message naming the page; nothing internal goes public."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from busdocs.mkdocs.build import BuildFailed, build_site

from tests.conftest import ROOT, _seed_cache, copy_project

RUNBOOK_CANARY = "CANARY-RUNBOOK-7f3a9c"
VALUE_CANARY = "canary-internal-value-91c2e4"


def all_text(site: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*") if p.is_file()
                     and p.suffix in {".html", ".json", ".xml", ".js"})


def plant_canaries(project: Path) -> None:
    runbook = project / "runbooks" / "index.md"
    runbook.write_text(runbook.read_text() + f"\n\nCanary line: {RUNBOOK_CANARY}\n")
    envs = project / "data" / "environments.yml"
    text = envs.read_text().replace(
        "      - name: PORT\n",
        f"      - name: CANARY_HOST\n        value: {VALUE_CANARY}\n        visibility: internal\n"
        "        description: test canary\n      - name: PORT\n", 1)
    envs.write_text(text)
    # A public page that lists the environment's variables must still not show it.
    faq = project / "docs" / "faq.md"
    faq.write_text(faq.read_text() + '\n\n## Configuration\n\n{{ env_table("production") }}\n')


def warm_copy(where: Path, request: pytest.FixtureRequest) -> Path:
    """A copy of the project with the render cache the `project` fixture gives (the working tree's,
    else the shared build's), so its builds render again only the pages a test changed. A warm
    build writes what a cold one writes (tests/test_cache_equivalence.py), and a cached page never
    hides a warning (the cache is saved only after a build without any)."""
    project = copy_project(where)
    source = ROOT if (ROOT / ".cache" / "render").is_dir() else request.getfixturevalue("built_sites").project
    _seed_cache(source, project)
    return project


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> tuple[Path, Path, Path]:
    """One project for the tests of a build that must succeed and show only what its site may:
    the canaries planted, the public FAQ listing everything a page can list, and a runbook showing
    an internal value; built once for each site. `(project, public, internal)`."""
    base = tmp_path_factory.mktemp("planted")
    project = warm_copy(base / "project", request)
    plant_canaries(project)
    faq = project / "docs" / "faq.md"
    faq.write_text(faq.read_text() + "\n\n## Everything a page can list\n\n"
                   "{{ config.plugins.busdocs.data.environments }}\n\n"
                   "{{ config.plugins.busdocs.data.handbooks }}\n\n"
                   "{{ config.plugins.busdocs.data.sources }} {{ config.extra }} {{ extra }}\n\n"
                   "{{ config.plugins.busdocs.data.hidden_variables }}\n\n{{ env_table() }}\n")
    runbook = project / "runbooks" / "index.md"
    runbook.write_text(runbook.read_text() + '\nRedis: {{ env_value("REDIS_URL") }}\n')
    public = build_site(project, "public", base / "out" / "public").out_dir
    internal = build_site(project, "internal", base / "out" / "internal").out_dir
    return project, public, internal


@pytest.mark.slow  # builds the sites of a project of its own (shared in this module)
def test_canaries_reach_the_internal_site_and_never_the_public_one(planted: tuple[Path, Path, Path]) -> None:
    _, public, internal = planted
    public_text, internal_text = all_text(public), all_text(internal)
    assert RUNBOOK_CANARY not in public_text and VALUE_CANARY not in public_text
    assert RUNBOOK_CANARY in internal_text and VALUE_CANARY in internal_text
    assert "API_BASE_URL" in (public / "faq" / "index.html").read_text()  # the public rows are there


def failure(project: Path, tmp_path: Path, site: str = "public") -> str:
    with pytest.raises(BuildFailed) as info:
        build_site(project, site, tmp_path / "out" / site)
    return str(info.value)


# Each bad page is a page of its own, listed in the navigation, so that all of them go through one
# build and each message can be told apart: every case's fragments must be on one line that names
# its page (a leak guard finding: listed under the leak guard's heading).
BAD_PAGES = {  # id → (folder, what the page says, what the message says on a line naming it)
    "internal-value": ("docs", '\n{{ env_value("DATABASE_URL") }}\n',
                       ["bad-internal-value.md", "'DATABASE_URL'", "internal and this page is public"]),
    "undefined-variable": ("docs", "\n{{ no_such_variable }}\n",
                           ["bad-undefined-variable.md", "undefined", "no_such_variable"]),
    "unknown-variable": ("docs", '\n{{ env_value("NOT_A_VARIABLE") }}\n',
                         ["bad-unknown-variable.md", "no variable 'NOT_A_VARIABLE'"]),
    "unknown-channel": ("docs", "\n{{ channel('fax').address }}\n",
                        ["bad-unknown-channel.md", "no support channel 'fax'"]),
    "broken-link": ("docs", "\n[gone](no-such-page.md)\n", ["docs/bad-broken-link.md", "no-such-page.md"]),
    "broken-anchor": ("docs", "\n[gone](contact.md#no-such-anchor)\n",
                      ["docs/bad-broken-anchor.md", "#no-such-anchor"]),
    "broken-link-in-guide": ("guides/students", "\n[gone](missing.md)\n",
                             ["guides/students/bad-broken-link-in-guide.md", "missing.md"]),
    "leaked-host": ("docs", "\nOur database is prod-db.rds.amazonaws.com.\n",
                    ["leak guard", "bad-leaked-host/index.html", "internal value"]),
    "jinja-syntax": ("docs", "\n{% if %}\n", ["bad-jinja-syntax.md", "macro syntax error"]),
}

REACHING_FOR_INTERNAL_DATA = {  # page → what it asks for; every one must fail the public build
    "config-oncall-phone": "{{ config.plugins.busdocs.data.oncall.people[0].phone }}",
    "config-oncall-loop": "{% for p in config.plugins['busdocs'].data.oncall.people %}{{ p.phone }}{% endfor %}",
    "config-infrastructure": "{{ config.plugins.busdocs.data.infrastructure.vpc.id }}",
    "config-alarms-loop": "{% for a in config.plugins.busdocs.data.monitoring.alarms %}{{ a.name }}{% endfor %}",
    "config-escalation": "{{ config.plugins.busdocs.data.oncall.escalation_policies }}",
    "config-launch-owners": "{{ config.plugins.busdocs.data.launch.owners[0].name }}",
    "config-deploy-bucket": "{{ config.plugins.busdocs.data.deploy.targets[1].bucket }}",
    "config-internal-hosts": "{{ config.plugins.busdocs.data.site.internal_hosts | join(', ') }}",
    "plugin-reload": "{{ config.plugins.busdocs._load_data().oncall.people }}",
    "macro-oncall": "{{ oncall().people }}",
    "macro-infra": "{{ infra().vpc.id }}",
    "macro-internal-variable": '{{ env_value("DATABASE_URL") }}',
    "macro-launch-metrics": "{{ launch_metrics() }}",
}


class BadBuild:
    """The one failing public build of a project holding every bad page of this module, built into
    a folder that held the last good build of the real sources."""

    def __init__(self, project: Path, out: Path, before: list[Path], message: str, chosen: dict[str, str]) -> None:
        self.project, self.out, self.before, self.message, self.chosen = project, out, before, message, chosen

    def lines_naming(self, name: str) -> list[str]:
        """Every line of the message that names `name`; a listed item (indented) comes with the
        heading it is listed under."""
        found, heading = [], ""
        for line in self.message.splitlines():
            if not line.startswith(" "):
                heading = line
            if name in line:
                found.append(f"{heading}\n{line}" if line.startswith(" ") else line)
        return found


@pytest.fixture(scope="module")
def bad_build(built_sites: dict[str, Path], tmp_path_factory: pytest.TempPathFactory,
              request: pytest.FixtureRequest) -> BadBuild:
    from busdocs.data.loader import load_data
    from busdocs.data.visibility import internal_values

    base = tmp_path_factory.mktemp("bad-build")
    project = warm_copy(base / "project", request)
    nav: dict[str, list[str]] = {"docs": [], "guides/students": []}
    for case, (folder, append, _) in BAD_PAGES.items():
        (project / folder / f"bad-{case}.md").write_text(f"# Bad page: {case}\n\nA page with one mistake.\n{append}")
        nav[folder].append(f"bad-{case}.md")
    (project / "docs" / "canary").mkdir()
    for name, ask in REACHING_FOR_INTERNAL_DATA.items():
        (project / "docs" / "canary" / f"{name}.md").write_text(f"# {name}\n\n{ask}\n")
        nav["docs"].append(f"canary/{name}.md")
    # whatever slips past the page context is caught: one value of each internal data file
    chosen: dict[str, str] = {}
    for value, where in internal_values(load_data(project)).items():
        chosen.setdefault(where.split(":")[0], value)
    (project / "docs" / "leaks.md").write_text(
        "# Leaks\n\n" + "\n\n".join(f"{{% raw %}}{v}{{% endraw %}}" for v in chosen.values()) + "\n")
    nav["docs"].append("leaks.md")
    # every page in the navigation: nothing but the mistakes themselves fails the build
    config = project / "mkdocs.yml"
    listed = "".join(f"  - Bad {i}: {page}\n" for i, page in enumerate(nav["docs"]))
    config.write_text(config.read_text().replace("  - FAQ: faq.md\n", "  - FAQ: faq.md\n" + listed, 1))
    students = project / "guides" / "students" / ".nav.yml"
    students.write_text(students.read_text() + "".join(f"- Bad: {page}\n" for page in nav["guides/students"]))

    out = base / "out" / "public"
    shutil.copytree(built_sites["public"], out)  # the last good build of the real sources
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    return BadBuild(project, out, before, failure(project, base), chosen)


@pytest.mark.slow  # builds a site of its own (one for every case, shared in this module)
@pytest.mark.parametrize("case", list(BAD_PAGES))
def test_bad_page_fails_the_build_naming_it(bad_build: BadBuild, case: str) -> None:
    expected = BAD_PAGES[case][2]
    said = bad_build.lines_naming(f"bad-{case}")
    assert [line for line in said if all(fragment in line for fragment in expected)], bad_build.message
    assert "Traceback" not in bad_build.message


@pytest.mark.slow  # builds a site of its own
def test_internal_site_also_rejects_internal_values_on_public_pages(project: Path, tmp_path: Path) -> None:
    path = project / "docs" / "contact.md"
    path.write_text(path.read_text() + '\n{{ env_value("REDIS_URL") }}\n')
    assert "contact.md" in failure(project, tmp_path, "internal")


@pytest.mark.slow  # builds the sites of a project of its own (shared in this module)
def test_runbooks_may_show_internal_values(planted: tuple[Path, Path, Path]) -> None:
    site = planted[2]
    assert "redis://prod-redis.cache.amazonaws.com:6379" in (site / "runbooks" / "index.html").read_text()


@pytest.mark.slow  # builds a site of its own (shared in this module)
def test_a_failed_build_leaves_the_last_good_site_in_place(bad_build: BadBuild) -> None:
    assert "no_such_variable" in bad_build.message  # among the reasons the build failed
    assert sorted(p.relative_to(bad_build.out) for p in bad_build.out.rglob("*")) == bad_build.before
    assert not [p for p in bad_build.out.parent.iterdir() if p.name.startswith(".")], "temporary build left behind"


def test_bad_data_stops_the_build_with_the_data_problem(project: Path, tmp_path: Path) -> None:
    path = project / "data" / "passes.yml"
    path.write_text(path.read_text().replace("    price: 4500\n", "    price: cheap\n"))
    message = failure(project, tmp_path)
    assert "data/passes.yml:" in message and "types[1].price" in message


def test_a_nav_folder_without_nav_file_is_reported(project: Path, tmp_path: Path,
                                                   edit: Callable[[str, str], Path]) -> None:
    (project / "guides" / "drivers" / ".nav.yml").unlink()
    assert "'drivers/' names a folder without a .nav.yml" in failure(project, tmp_path)


# ---------------------------------------------------------------- secrets, wherever they are written

FAKE_SECRETS = {  # each a made-up credential of a real format
    "aws-key-id": ("AKIAQ3EGUVX7WTKO4ZPB", "an AWS access key id"),
    "private-key": ("-----BEGIN RSA PRIVATE KEY-----", "a private key"),
    "slack-token": ("xoxb-248572019384-5829104736251-Qk7ZrT2mVw9yXcLb3NsHdPaE", "a Slack token or webhook"),
    "password-in-url": ("https://deploy:Tr0ub4dor3xq@ops.example.com/hooks/build", "a password in a URL"),
}
PLACES = {  # where an author might paste one: (file, how the line is written)
    "markdown-page": ("docs/faq.md", "\nUse this to test: {secret}\n"),
    "runbook": ("runbooks/index.md", "\n    export TOKEN={secret}\n"),
    "openapi-description": ("data/openapi.yaml", "\n# x-note: {secret}\n"),
    "yaml-comment": ("data/site.yml", "\n# old value, kept for reference: {secret}\n"),
    "yaml-value": ("data/faq.yml", "\nx_contact: \"{secret}\"\n"),
    "override-template": ("overrides/main.html", "\n<!-- {secret} -->\n"),
}


def check_problems(root: Path) -> list:
    """What `busdocs check` reports about credentials, without its slow OpenAPI validation."""
    from busdocs.checks import data_file_paths
    from busdocs.data.loader import load_data
    from busdocs.errors import ProblemsError
    from busdocs.data.secrets import scan_sources

    try:
        load_data(root)
        found = []
    except ProblemsError as exc:
        found = [p for p in exc.problems if "looks like" in p.message]
    return found + scan_sources(root, skip=data_file_paths())


@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("kind", list(FAKE_SECRETS))
def test_secret_scanner_finds_each_kind_everywhere(project: Path, kind: str, place: str) -> None:
    secret, label = FAKE_SECRETS[kind]
    relative, template = PLACES[place]
    path = project / relative
    before = path.read_text(encoding="utf-8")
    path.write_text(before + template.format(secret=secret), encoding="utf-8")
    line = before.count("\n") + 2
    found = check_problems(project)
    assert [(str(p.file), p.line) for p in found] == [(relative, line)], "\n".join(map(str, found))
    assert f"looks like {label}" in found[0].message
    assert secret not in str(found[0]) and secret[8:20] not in str(found[0])  # never echoed


def test_a_marked_false_positive_is_not_reported(project: Path) -> None:
    secret = FAKE_SECRETS["aws-key-id"][0]
    faq = project / "docs" / "faq.md"
    faq.write_text(faq.read_text() + f"\nExample id: {secret} <!-- pragma: allowlist secret (a made-up id) -->\n")
    site = project / "data" / "site.yml"
    site.write_text(site.read_text() + f"\n# pragma: allowlist nextline secret (a made-up id)\n# {secret}\n")
    assert check_problems(project) == []


def test_the_real_sources_hold_no_secret(root: Path) -> None:
    assert check_problems(root) == []


@pytest.mark.parametrize(("site", "relative"), [("public", "guides/students/index.md"),
                                                ("internal", "runbooks/index.md"),
                                                ("public", "data/site.yml")])
def test_a_build_stops_on_a_secret_without_showing_it(project: Path, tmp_path: Path, site: str,
                                                      relative: str) -> None:
    """Pages and data files alike (a build loads the data without scanning it: its secret scan,
    beside the build, reads the data files too)."""
    secret = FAKE_SECRETS["slack-token"][0]
    path = project / relative
    comment = "# " if relative.endswith(".yml") else ""
    path.write_text(path.read_text() + f"\n{comment}Token: {secret}\n")
    message = failure(project, tmp_path, site)
    assert "secret scanner" in message and f"{relative}:" in message and "Slack token" in message
    assert secret not in message and "Traceback" not in message


def test_check_command_reports_a_secret_in_the_api_spec(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    from busdocs.cli import main

    spec = project / "data" / "openapi.yaml"
    spec.write_text(spec.read_text() + f"\n# {FAKE_SECRETS['aws-key-id'][0]}\n")
    code = main(["--root", str(project), "check"])
    out, err = capsys.readouterr()
    assert code == 1 and "data/openapi.yaml:" in err and "AWS access key id" in err
    assert FAKE_SECRETS["aws-key-id"][0] not in out + err


# ---------------------------------------------------------------- what public pages can reach


@pytest.mark.slow  # builds a site of its own (shared in this module)
def test_public_pages_get_no_path_to_internal_data(bad_build: BadBuild) -> None:
    message = bad_build.message
    for name in REACHING_FOR_INTERNAL_DATA:
        said = [line for line in bad_build.lines_naming(f"canary/{name}.md")
                if "internal" in line.replace(f"canary/{name}.md", "")]
        assert said, f"{name}: nothing says it was refused\n{message}"
    assert "Traceback" not in message and "+92 300" not in message


@pytest.mark.slow  # builds the sites of a project of its own (shared in this module)
def test_what_public_pages_can_reach_holds_only_public_data(planted: tuple[Path, Path, Path]) -> None:
    from busdocs.data.loader import load_data
    from busdocs.data.visibility import internal_values

    project, public, _ = planted
    page = (public / "faq" / "index.html").read_text()
    assert "Everything a page can list" in page and "API_BASE_URL" in page  # the public values are there
    internal = internal_values(load_data(project))
    assert not [value for value in internal if value in page]
    assert "oncall-handbook" not in page and "prod/jwt/secret" not in page


@pytest.mark.slow  # builds a site of its own (shared in this module)
def test_the_leak_guard_knows_every_internal_file(bad_build: BadBuild) -> None:
    """Whatever slips past the page context is caught: one value of each internal data file."""
    chosen, message = bad_build.chosen, bad_build.message
    assert {"data/oncall.yml", "data/infrastructure.yml", "data/monitoring.yml", "data/launch.yml",
            "data/deploy.yml", "data/environments.yml", "data/site.yml"} <= set(chosen)
    assert "leak guard" in message
    for origin in chosen:
        assert f"leaks/index.html: contains an internal value ({origin}:" in message, origin
    assert not [v for v in chosen.values() if v in message]  # named by origin, never shown


def test_the_leak_guard_reads_compressed_and_binary_outputs(tmp_path: Path) -> None:
    import gzip
    import zipfile

    from busdocs.mkdocs.leakguard import scan_output
    from busdocs.pdf.renderer import import_weasyprint

    needle, origin = "+92 300 555 0199", "data/oncall.yml: people[9].phone"
    site = tmp_path / "site"
    (site / "downloads").mkdir(parents=True)
    (site / "index.html").write_text("<p>nothing to see</p>")
    (site / "sitemap.xml.gz").write_bytes(gzip.compress(f"<url>{needle}</url>".encode()))
    with zipfile.ZipFile(site / "downloads" / "bundle.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("inner/page.html", f"<p>call {needle}</p>")
    weasy = import_weasyprint()
    weasy.HTML(string=f"<p>Call the on-call engineer on<br>{needle.replace(' 0199', '<br>0199')}</p>").write_pdf(
        site / "downloads" / "book.pdf")
    (site / "downloads" / "broken.pdf").write_bytes(b"%PDF-1.7 not really")
    leaks = {str(leak) for leak in scan_output(site, {needle: origin})}
    assert leaks == {
        f"sitemap.xml: contains an internal value ({origin})",
        f"downloads/bundle.zip!inner/page.html: contains an internal value ({origin})",
        f"downloads/book.pdf: contains an internal value ({origin})",
        "downloads/broken.pdf: cannot be read to check it for internal content",
    }


@pytest.mark.slow  # renders a PDF
def test_pdf_run_guards_the_public_site_after_writing(built_sites: dict[str, Path], tmp_path: Path,
                                                      root: Path) -> None:
    """A PDF made from a page that holds an internal value is deleted and the run fails."""
    import shutil

    from busdocs import pdf
    from busdocs.errors import BusdocsError

    site_root = tmp_path / "site"
    shutil.copytree(built_sites["public"], site_root / "public")
    page = site_root / "public" / "drivers" / "index.html"
    html = page.read_text()
    page.write_text(html.replace("</article>", "<p>Escalate to +92 300 555 0148.</p></article>", 1))
    with pytest.raises(BusdocsError) as info:
        pdf.render_handbooks(root, site_root, only="driver-handbook", cache_dir=tmp_path / "cache")
    message = str(info.value)
    assert "downloads/driver-handbook.pdf: contains an internal value (data/oncall.yml: people[7].phone)" in message
    assert "drivers/index.html: contains an internal value" in message
    assert not (site_root / "public" / "downloads" / "driver-handbook.pdf").exists()
    assert "+92 300 555 0148" not in message


def test_the_leak_guard_uses_a_noted_scan_only_for_the_bytes_it_noted(tmp_path: Path) -> None:
    """Pages are scanned as they are written (`Guard.note`); the end scan reuses that for exactly
    those bytes, and a file written again with other bytes is scanned again."""
    from busdocs.mkdocs.leakguard import Guard

    needle, origin = "ops-bastion.internal.example", "data/infra.yml: bastion.host"
    site = tmp_path / "site"
    site.mkdir()
    (site / "clean.html").write_text("<p>nothing to see</p>")
    guard = Guard({needle: origin})
    assert guard.note("clean.html", b"<p>nothing to see</p>") == ("clean.html\0" + __import__("hashlib").sha1(
        b"<p>nothing to see</p>").hexdigest(), [])
    assert guard.note("clean.html", b"<p>nothing to see</p>") is None  # noted once
    # Noted clean, then rewritten with the needle: the end scan reads the new bytes.
    guard.note("page.html", b"<p>clean when noted</p>")
    (site / "page.html").write_text(f"<p>ssh {needle}</p>")
    scanned: list[str] = []
    findings = guard.findings

    def spy(relative: str, data: bytes) -> list:
        scanned.append(relative)
        return findings(relative, data)

    guard.findings = spy  # type: ignore[method-assign]
    assert [str(leak) for leak in guard.scan(site)] == [f"page.html: contains an internal value ({origin})"]
    assert scanned == ["page.html"]  # clean.html's noted bytes were not scanned again


def test_a_page_is_internal_through_any_symbolic_link_into_runbooks(tmp_path: Path) -> None:
    """A page whose source is in `runbooks/`, also through a linked file or a linked folder, is
    internal (the public build names it a leak)."""
    from busdocs.mkdocs.plugin import BusdocsPlugin

    root = tmp_path / "project"
    (root / "runbooks" / "alarms").mkdir(parents=True)
    (root / "runbooks" / "alarms" / "db.md").write_text("# DB\n")
    (root / "docs").mkdir()
    (root / "docs" / "plain.md").write_text("# Plain\n")
    (root / "docs" / "linked.md").symlink_to(root / "runbooks" / "alarms" / "db.md")
    (root / "docs" / "folder").symlink_to(root / "runbooks" / "alarms")
    plugin = BusdocsPlugin()
    plugin.load_config({})
    plugin.root = root
    for _ in range(2):  # the second time from the folders already resolved
        assert plugin.audience_of(str(root / "docs" / "plain.md")) == "public"
        assert plugin.audience_of(str(root / "docs" / "linked.md")) == "internal"
        assert plugin.audience_of(str(root / "docs" / "folder" / "db.md")) == "internal"
        assert plugin.audience_of(str(root / "runbooks" / "alarms" / "db.md")) == "internal"
        assert plugin.audience_of(None) == "public"


def test_needles_inside_other_needles_are_each_found(tmp_path: Path) -> None:
    """Overlapping matches: a needle that is part of another, or overlaps it, is reported too."""
    from busdocs.mkdocs.leakguard import scan_output

    needles = {"prod-db.internal.example": "data/a.yml: host", "db.internal": "data/b.yml: short",
               "example ops": "data/c.yml: words", "unused-value-42": "data/d.yml: absent"}
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>prod-db.internal.example\n   ops</p>")
    leaks = sorted(str(leak) for leak in scan_output(site, needles))
    assert leaks == [f"index.html: contains an internal value ({origin})"
                     for origin in ("data/a.yml: host", "data/b.yml: short", "data/c.yml: words")]


def test_pages_noted_again_come_from_the_kept_scan(tmp_path: Path) -> None:
    """A rebuild's unchanged pages are not scanned again while they are written: what each held
    is kept (by path and bytes) in the guard's cache file; a changed page is scanned."""
    from busdocs.mkdocs.leakguard import Guard

    needle, origin = "ops-bastion.internal.example", "data/infra.yml: bastion.host"
    site, kept = tmp_path / "site", tmp_path / "kept.json"
    site.mkdir()
    pages = {"a.html": b"<p>clean</p>", "b.html": f"<p>{needle}</p>".encode()}
    for name, data in pages.items():
        (site / name).write_bytes(data)
    first = Guard({needle: origin}, kept)
    for name, data in pages.items():
        first.note(name, data)
    assert [str(leak) for leak in first.scan(site)] == [f"b.html: contains an internal value ({origin})"]
    second = Guard({needle: origin}, kept)
    scanned: list[str] = []
    findings = second.findings
    second.findings = lambda relative, data: scanned.append(relative) or findings(relative, data)  # type: ignore[method-assign]
    for name, data in pages.items():
        second.note(name, data)
    second.note("a.html", b"<p>changed</p>")
    assert scanned == ["a.html"]  # only the changed bytes
    assert [str(leak) for leak in second.scan(site)] == [f"b.html: contains an internal value ({origin})"]


ONE_WORD_SAMPLES = [  # a made-up value in each format `secrets._IN_ONE_WORD` looks for in long words only
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "123456789:AAHd8fGkLmNoPqRsTuVwXyZ0123456789ab",
    "MTAxMjM0NTY3ODkwMTIzNDU2.GhIjKl.MnOpQrStUvWxYz0123456789abc",
    "sk_live_a1B2c3D4e5F6g7H8i9J0k1L2",
    "AC0123456789abcdef0123456789abcdef",
    "SK0123456789abcdef0123456789abcdef",
    "xoxb-2485-Qk7ZrT2",
    "https://hooks.slack.com/services/T0ABC/B0DEF/xyz123",
]


def test_the_secret_prefilter_looks_at_long_words_only_where_that_finds_the_same(root: Path) -> None:
    """`secrets._active` finds the same detectors as every prefilter searched in the whole text."""
    from busdocs.data import secrets

    def everywhere(text: str) -> list[str]:
        return [type(d).__name__ for d in secrets.detectors()
                if (d.literal in text if getattr(d, "literal", None) is not None else
                    getattr(d, "denylist", None) is None or any(secrets._prefilter(p).search(text) for p in d.denylist))]

    patterns = {secrets._prefilter(p).pattern: secrets._prefilter(p) for d in secrets.detectors()
                for p in getattr(d, "denylist", None) or []}
    assert set(secrets._IN_ONE_WORD) <= set(patterns), "detect-secrets writes a pattern otherwise: check it again"
    for pattern, length in secrets._IN_ONE_WORD.items():
        assert not patterns[pattern].search(" \t\n\u00a0"), pattern
        assert any(patterns[pattern].search(s) for s in ONE_WORD_SAMPLES), f"no sample of {pattern}"
    texts = [p.read_bytes().decode("utf-8", "replace") for folder in secrets.SCANNED_FOLDERS
             for p in sorted((root / folder).rglob("*")) if p.is_file()]
    around = [("", ""), ("token: ", "\n"), ("x=", ";"), ("(", ")"), ('"', '"'), ("\t", " tail"), ("a", "b"),
              ("//", "/"), ("\u00a0", "\u00a0"), ("prose before\n", "\nprose after")]
    texts += [f"{left}{sample}{right}" for sample in ONE_WORD_SAMPLES for left, right in around]
    texts += [f"{left}{sample[:cut]}{right}" for sample in ONE_WORD_SAMPLES for left, right in around[:3] for cut in (-1, 7)]
    for text in texts:
        assert [type(d).__name__ for d in secrets._active(text)] == everywhere(text), text[:80]
    assert all(everywhere(sample) for sample in ONE_WORD_SAMPLES)
