"""The `busdocs` command: thin over plain functions.

Exit codes: 0 success, 1 a problem the user can fix (message, no traceback), 2 usage error.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from busdocs import __version__
from busdocs.errors import BusdocsError, ProblemsError, format_problems

Command = Callable[[argparse.Namespace], int]


def _root(args: argparse.Namespace) -> Path:
    return Path(args.root).resolve()


def _err(message: str) -> None:
    print(message, file=sys.stderr)


# ---------------------------------------------------------------------- commands


def cmd_check(args: argparse.Namespace) -> int:
    """Validate data, schemas and cross references; print every problem."""
    from busdocs.checks import run_checks

    result = run_checks(_root(args))
    for notice in result.notices:
        print(f"warning: {notice}")
    if result.problems:
        _err(format_problems(result.problems))
        return 1
    print("busdocs check: no problems")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Strict builds of the public and/or internal site."""
    from busdocs.mkdocs import parallel, prescan
    from busdocs.sites import SITES

    global _end_at_once
    _end_at_once = True  # everything a build writes is written and closed when it returns

    root = _root(args)
    internal = args.site == "all" or getattr(SITES.get(args.site), "audience", "") == "internal"
    if parallel.command_process:  # the sources' secret scan, on the other core while MkDocs loads
        prescan.start(root, internal=internal)
    try:
        return _build_sites(args, root)
    finally:
        prescan.stop()


def _build_sites(args: argparse.Namespace, root: Path) -> int:
    from busdocs.mkdocs.build import build_site, zip_offline
    from busdocs.sites import EDITIONS, SITES

    out = Path(args.out) if args.out else root / "site"
    sites = list(SITES) if args.site == "all" else [args.site]
    for site in sites:
        print(f"building {site} site → {_display(out / site)} …", file=sys.stderr, flush=True)
        result = build_site(root, site, out / site)
        for notice in result.notices:
            print(f"notice: {notice}", file=sys.stderr)
        print(f"built {site} site: {result.pages} pages in {result.seconds:.1f} s", file=sys.stderr)
        if site == "public" and args.editions:  # the language editions go inside it: site/public/ur/
            for language in EDITIONS:
                print(f"building {language} edition → {_display(out / site / language)} …", file=sys.stderr, flush=True)
                edition = build_site(root, language, out / site / language)
                for notice in edition.notices:
                    print(f"notice: {notice}", file=sys.stderr)
                print(f"built {language} edition: {edition.pages} pages in {edition.seconds:.1f} s", file=sys.stderr)
        if site == "offline" and (out / "internal").is_dir():
            archive = zip_offline(out / "offline", out / "internal")
            print(f"offline bundle: {_display(archive)} ({archive.stat().st_size // 1024} KB)", file=sys.stderr)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Launch checklist status; with --gate, exit 1 and list what blocks the gate when it is not ready."""
    import json

    from busdocs.data.loader import load_data
    from busdocs.content.readiness import gate_status, status_report

    data = load_data(_root(args))
    launch, infra, checks = data.launch, data.infrastructure, data.verification
    gates = {g.id: g for g in launch.gates}
    if args.gate and args.gate not in gates:
        _err(f"busdocs status: no gate {args.gate!r} in data/launch.yml (known: {', '.join(gates)})")
        return 2
    if args.format == "json":
        report = status_report(launch, infra, checks)
        if args.gate:
            report["gates"] = {args.gate: report["gates"][args.gate]}  # type: ignore[index]
        print(json.dumps(report, indent=2))
    else:
        from busdocs.terminal import print_gate, print_status

        if args.gate:
            print_gate(launch, gate_status(launch, gates[args.gate], infra, checks))
        else:
            print_status(launch, infra, checks)
    return 0 if not args.gate or gate_status(launch, gates[args.gate], infra, checks).ready else 1


def cmd_publish_schedule(args: argparse.Namespace) -> int:
    """What the next scheduled builds will publish or flag: news coming due, checklist items
    becoming overdue, runbook reviews going stale."""
    import json

    from busdocs.content import schedule
    from busdocs.data.loader import load_data

    if args.days < 1 or args.days > 366:
        _err("busdocs publish-schedule: --days must be between 1 and 366")
        return 2
    root = _root(args)
    start = schedule.today()
    events = schedule.schedule(root, load_data(root).launch, start, args.days)
    if args.format == "json":
        print(json.dumps({"today": start.isoformat(), "days": args.days,
                          "events": [e.as_json() for e in events]}, indent=2, ensure_ascii=False))
    else:
        print(schedule.format_schedule(events, start, args.days))
    return 0


def cmd_runbook(args: argparse.Namespace) -> int:
    """Print the runbook of an alarm (or list the best matches for other words), offline."""
    from datetime import date

    from busdocs.content import lookup
    from busdocs.content import runbooks
    from busdocs.data.loader import load_data

    root = _root(args)
    data = load_data(root)
    environment = args.env or data.environments.default
    if data.environments.get(environment) is None:
        _err(f"busdocs runbook: no environment {environment!r} in data/environments.yml")
        return 2
    books, problems = runbooks.load_runbooks(root)
    if args.list:
        print("every alarm, most severe first (print one with: busdocs runbook NAME):")
        order = {s.id: i for i, s in enumerate(data.monitoring.severities)}
        for alarm in sorted(data.monitoring.alarms, key=lambda a: (order.get(a.severity, 9), a.name)):
            print(f"  {alarm.name:<28} {alarm.severity}  {alarm.summary}")
        return 0
    query = " ".join(args.query).strip()
    if not query:
        _err("busdocs runbook: give an alarm name, pasted alarm text or search words (or --list)")
        return 2
    found = lookup.find(books, data, query)
    if found.runbook is not None:
        name = found.runbook.name
        text = lookup.render_runbook(found.runbook, data, environment, date.today())
        if name != query:
            _err(f"busdocs runbook: opening {name} ({found.reason})")
        if args.raw:
            print(text)
        else:
            from rich.markdown import Markdown

            from busdocs.terminal import console

            out = console()
            out.print(f"[bold]{name}[/bold]  ({environment}) — {lookup.runbook_url(lookup.ops_base_url(root), name)}")
            out.print(Markdown(text, code_theme="ansi_dark"))
        return 0
    if not found.candidates:
        _err(f"busdocs runbook: nothing matches {query!r}; closest runbooks: "
             + ", ".join(lookup.closest(books, query)) + " (every alarm: busdocs runbook --list)")
        return 1
    print(f"runbooks matching {query!r}, best first (print one with: busdocs runbook NAME):")
    for rb in found.candidates[:10]:
        alarm = data.monitoring.alarm(rb.name)
        summary = alarm.summary if alarm else (rb.meta.description or "")
        print(f"  {rb.name:<28} {rb.meta.severity}  {summary}")
    return 0


def cmd_alarms(args: argparse.Namespace) -> int:
    """Every alarm with its runbook URL (list, the default); `apply` them to an environment's CloudWatch,
    or `check` the account against them both ways (exit 1 listing every difference)."""
    import json

    from busdocs.content import lookup
    from busdocs.data.loader import load_data

    root = _root(args)
    if args.action in ("apply", "check"):
        from busdocs.deploy import commands

        if args.action == "apply":
            return commands.alarms_apply(root, args.env, args.endpoint_url, dry_run=args.dry_run, fmt=args.format,
                                         base_url=args.base_url)
        return commands.alarms_check(root, args.env, args.endpoint_url, fmt=args.format, base_url=args.base_url)
    data = load_data(root)
    base = args.base_url or lookup.ops_base_url(root)
    from busdocs.deploy.alarms import description

    rows = [{"name": a.name, "severity": a.severity, "service": a.service, "summary": a.summary,
             "condition": a.condition, "topic": a.topic, "runbook_url": lookup.runbook_url(base, a.name),
             "alarm_description": description(a, lookup.runbook_url(base, a.name))}
            for a in data.monitoring.alarms]
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for row in rows:
            print(f"{row['name']:<28} {row['severity']}  {row['runbook_url']}")
    return 0


def cmd_infra(args: argparse.Namespace) -> int:
    """Look up every documented resource of an environment in its AWS account (`verify`, `--write`
    marks what verified), or fill values from a CloudFormation stack's outputs and verify (`import`)."""
    from busdocs.deploy import commands

    if args.action == "import":
        return commands.infra_import(_root(args), args.env, args.stack, args.endpoint_url, fmt=args.format)
    return commands.infra_verify(_root(args), args.env, args.endpoint_url, write=args.write, fmt=args.format)


def cmd_deploy(args: argparse.Namespace) -> int:
    """Sync a built site to its S3 bucket and invalidate only what changed on CloudFront."""
    import json

    from busdocs.data.loader import load_data
    from busdocs.deploy.aws import deploy, make_clients, rollback

    root = _root(args)
    config = load_data(root).deploy
    targets = {t.name: t for t in config.targets}
    if args.target not in targets:
        _err(f"busdocs deploy: no target {args.target!r} in data/deploy.yml (known: {', '.join(targets)})")
        return 2
    target = targets[args.target]
    overrides = {k: v for k, v in (("bucket", args.bucket), ("distribution_id", args.distribution_id)) if v}
    if overrides:
        target = target.model_copy(update=overrides)
    if args.stack_parameters:
        from busdocs.deploy.plan import stack_parameters

        print(json.dumps(stack_parameters(target, config), indent=2))
        unverified = [r.cidr for r in config.access.staff_ranges if not r.verified]
        if target.site == "internal" and unverified:
            _err(f"warning: staff ranges not verified against the university network: {', '.join(unverified)} "
                 "(data/deploy.yml access.staff_ranges); staff outside them will get 403")
        return 0
    site_dir = Path(args.site_dir) if args.site_dir else root / "site" / target.site
    if args.preview or args.remove_preview:
        return _deploy_preview(args, target, config, site_dir)
    s3, cloudfront = make_clients(target, args.endpoint_url)
    say = (lambda line: print(line, file=sys.stderr)) if args.format == "json" else print
    verb = "rollback of" if args.rollback else "deploy of"
    say(f"{verb} {target.site} site to s3://{target.bucket} ({target.name}){' — dry run' if args.dry_run else ''}")
    if args.rollback:
        result = rollback(target, config, s3, cloudfront, dry_run=args.dry_run, say=say, break_lock=args.break_lock)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(TextColumn("uploading"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                      transient=True, console=_stderr_console()) as bar:
            task = bar.add_task("", total=None)

            def tick(done: int, total: int, key: str) -> None:
                bar.update(task, completed=done, total=total, description=key[-50:])

            result = deploy(site_dir, target, config, s3, cloudfront, dry_run=args.dry_run, progress=tick, say=say,
                            break_lock=args.break_lock)
    if args.format == "json":
        print(json.dumps(result.as_json(), indent=2))
    else:
        done = "would upload" if args.dry_run else "uploaded"
        print(f"{done} {len(result.uploaded)}, deleted {len(result.deleted)}, unchanged {result.unchanged}, "
              f"invalidated {len(result.invalidated_paths)} paths")
    return 0


def _deploy_preview(args: argparse.Namespace, target, config, site_dir: Path) -> int:  # type: ignore[no-untyped-def]
    """`deploy --preview N` / `--remove-preview N` (busdocs.deploy.preview); refusals come before any request."""
    import json

    from busdocs.deploy import preview
    from busdocs.deploy.aws import make_clients

    number = args.preview or args.remove_preview
    if args.dry_run or args.rollback or args.break_lock:
        _err("busdocs deploy: --preview and --remove-preview take no --dry-run, --rollback or --break-lock")
        return 2
    preview.preview_prefix(number)
    if not target.previews:
        preview.preview_target(config, target.site, target.name)
    if args.preview:
        preview.check_preview_build(site_dir, target, number)
    say = (lambda line: print(line, file=sys.stderr)) if args.format == "json" else print
    s3, cloudfront = make_clients(target, args.endpoint_url)
    if args.preview:
        result = preview.deploy_preview(site_dir, target, config, s3, cloudfront, number, say=say)
    else:
        result = preview.remove_preview(target, config, s3, cloudfront, number, say=say)
    if args.format == "json":
        print(json.dumps(result, indent=2))
    return 0


def _preview_number(text: str) -> int:
    from busdocs.deploy.preview import PreviewRefused, preview_number

    try:
        return preview_number(text)
    except PreviewRefused as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _stderr_console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=True)


def cmd_pdf(args: argparse.Namespace) -> int:
    """Render the PDF handbooks from the built sites (unchanged handbooks come from the cache)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from busdocs.pdf.renderer import STEPS, render_handbooks

    root = _root(args)
    site_root = Path(args.site_dir) if args.site_dir else root / "site"
    with Progress(TextColumn("{task.fields[handbook]:<18}"), BarColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=_stderr_console()) as bars:
        tasks: dict[str, object] = {}

        def progress(handbook: str, step: int, total: int, message: str) -> None:
            if handbook not in tasks:
                tasks[handbook] = bars.add_task(message, total=len(STEPS), handbook=handbook)
            bars.update(tasks[handbook], completed=step, total=total, description=message)  # type: ignore[arg-type]

        results = render_handbooks(root, site_root, args.handbook, progress)
    for r in results:
        how = "unchanged, from cache" if r.cached else f"{r.pages / r.seconds:.1f} pages/s"
        print(f"{r.id}: {_display(r.path)} — {r.pages} pages in {r.seconds:.1f} s ({how})")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Build a corpus with stock MkDocs + Material and with this project's configuration, and compare."""
    import json

    from busdocs.bench.runner import machine, run_bench, table

    root = _root(args)
    if args.corpus and not Path(args.corpus).is_dir():
        raise BusdocsError(f"--corpus {args.corpus}: no such folder of Markdown pages")
    say = (lambda line: print(line, file=sys.stderr))
    sizes = args.pages or [500]
    results = [run_bench(root, n, Path(args.corpus) if args.corpus else None, serve=not args.no_serve, say=say)
               for n in (sizes if not args.corpus else sizes[:1])]
    if args.format == "json":
        out = [r.as_json() for r in results]
        print(json.dumps(out[0] if len(out) == 1 else out, indent=2))
    else:
        print(f"machine: {machine()}")
        print(table(results))
    return 0


def cmd_search_eval(args: argparse.Namespace) -> int:
    """Type the evaluation's questions into a built site's search box (chromium) and score the results."""
    import json
    import tempfile

    from busdocs.bench import searcheval

    root = _root(args)
    cases_path = Path(args.cases) if args.cases else root / searcheval.CASES
    cases = searcheval.load_cases(cases_path, Path(args.cases) if args.cases else searcheval.CASES)
    with tempfile.TemporaryDirectory(prefix="busdocs-search-eval-") as scratch:
        if args.site_dir:
            site_dir = Path(args.site_dir)
            if not site_dir.is_dir():
                raise BusdocsError(f"--site-dir {args.site_dir}: no such folder (build it: busdocs build --site "
                                   f"{args.site})")
        else:
            from busdocs.mkdocs.build import build_site

            site_dir = Path(scratch) / args.site
            print(f"building the {args.site} site …", file=sys.stderr, flush=True)
            build_site(root, args.site, site_dir)
        report = searcheval.run_eval(site_dir, args.site, cases)
        weight = searcheval.index_size(site_dir)
        latency = searcheval.first_search(site_dir, args.latency) if args.latency else None
    if args.format == "json":
        print(json.dumps({**report.as_json(), "index": weight, "first_search": latency}, indent=2))
    else:
        print(searcheval.format_report(report))
        print(f"search index: {weight['bytes'] / 1024:.0f} KB, {weight['gzip_bytes'] / 1024:.0f} KB gzip")
        if latency:
            print(f"first search {args.latency!r} on {latency['kbps']} kbit/s, {latency['rtt_ms']} ms RTT: "
                  f"{latency['first_search_ms'] / 1000:.2f} s after the load event")
    failed = []
    if report.rate(1) < args.min_top1:
        failed.append(f"top-1 {report.rate(1):.1%} < {args.min_top1:.1%}")
    if report.rate(3) < args.min_top3:
        failed.append(f"top-3 {report.rate(3):.1%} < {args.min_top3:.1%}")
    if failed:
        _err(f"busdocs search-eval: below the floor: {'; '.join(failed)}")
        return 1
    return 0


def cmd_postmortem(args: argparse.Namespace) -> int:
    """Start the review of an incident: copy runbooks/postmortems/template.md to
    runbooks/postmortems/<today>-<incident id>.md with the id and date filled in. Refuses an id that
    is not INC-<year>-<number> and never overwrites an existing review."""
    from datetime import date

    from busdocs.content.postmortem import PostmortemError, new_postmortem

    try:
        written = new_postmortem(_root(args), args.incident, date.today())
    except PostmortemError as exc:
        _err(f"busdocs postmortem: {exc}")
        return 1
    print(f"wrote {written}")
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    """Reader feedback and failed searches from CloudFront standard logs (a folder or s3://bucket/prefix)."""
    import json
    from datetime import date

    from busdocs.content import feedback

    try:
        since = date.fromisoformat(args.since) if args.since else None
    except ValueError:
        raise BusdocsError(f"--since {args.since}: expected a date, YYYY-MM-DD") from None

    def s3_reader(bucket: str, prefix: str):
        from busdocs.deploy.logs import read_s3_logs
        return read_s3_logs(bucket, prefix, since)

    report, read = feedback.report_from(args.logs, since, s3_reader)
    if read.truncated_files:
        _err(f"busdocs feedback: {len(read.truncated_files)} truncated file(s) read up to the damage: "
             f"{', '.join(read.truncated_files[:5])}")
    print(json.dumps(report, indent=2) if args.format == "json" else feedback.format_text(report, read))
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Check (default) or rewrite the JSON Schemas in data/schemas/."""
    from busdocs.data.schemas import stale_schemas, write_schemas

    root = _root(args)
    if args.write:
        for path in write_schemas(root):
            print(f"wrote {_display(path)}")
        return 0
    problems = stale_schemas(root)
    if problems:
        _err(format_problems(problems))
        return 1
    print("schemas are up to date")
    return 0


def cmd_i18n(args: argparse.Namespace) -> int:
    """Translations of the help center: `status` lists missing and stale ones (with the English
    diff since), `mark PAGE` records that a translation is up to date with its English page."""
    from busdocs.i18n import translations

    root = _root(args)
    if args.action == "status":
        report, stale = translations.status_report(root, args.language)
        print(report)
        return 1 if stale and args.strict else 0
    if not args.pages:
        _err("busdocs i18n mark: name the pages (drivers/sign-in.md …)")
        return 2
    for page in args.pages:
        done = translations.mark(root, args.language, page)
        print(f"marked {_display(done.path)}: translates {_display(done.english)} at {done.current}")
    return 0


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def cmd_new(args: argparse.Namespace) -> int:
    """Start a runbook, procedure, guide page, FAQ entry, news piece or release that passes
    `busdocs check` as created; never overwrites. `<!-- write: … -->` marks what is yours to write."""
    from busdocs.authoring.scaffold import create

    written = create(_root(args), args)
    for path in (*written.created, *written.edited):
        print(f"{'created' if path in written.created else 'edited '} {_display(path)}")
    print("next: fill in the <!-- write: … --> parts (busdocs lint lists them), then busdocs check")
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    """Markdown rules (pymarkdownlnt) and the house style of data/style.yml over the pages (or the
    files and folders given): `file:line:col: rule: message`; exit 1 if any. --fix applies the
    mechanical style fixes (terms, names, screen names, filler words, dates, times, units)."""
    from busdocs.authoring.lint import lint

    findings, fixed = lint(_root(args), args.paths, fix=args.fix)
    for finding in findings:
        print(finding)
    if fixed:
        print(f"busdocs lint: fixed {fixed}", file=sys.stderr)
    if findings:
        fixable = sum(f.fixable for f in findings)
        _err(f"busdocs lint: {len(findings)} finding{'s' if len(findings) != 1 else ''}"
             + (f" ({fixable} fixable with --fix)" if fixable and not args.fix else ""))
        return 1
    if not fixed:
        print("busdocs lint: no findings", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="busdocs",
        description="Help center, ops runbooks, handbooks and launch communications of the University Bus Tracker.",
    )
    parser.add_argument("--version", action="version", version=f"busdocs {__version__}")
    parser.add_argument("--root", default=".", help="project root holding mkdocs.yml and data/ (default: .)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("check", help="validate data, front matter and cross references",
                       description=cmd_check.__doc__)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("build", help="strict builds of the sites", description=cmd_build.__doc__)
    p.add_argument("--site", choices=["public", "internal", "offline", "all"], default="all",
                   help="which site to build; offline is the internal site as a file:// bundle (default: all)")
    p.add_argument("--out", metavar="DIR", help="output folder; sites go to DIR/public and DIR/internal "
                   "(default: site/)")
    p.add_argument("--no-editions", dest="editions", action="store_false",
                   help="the English public site only, without the language editions (the bench's like-for-like build)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("status", help="launch checklist status and gates", description=cmd_status.__doc__)
    p.add_argument("--gate", metavar="NAME", help="exit 1 unless this gate is ready (e.g. launch, soft-launch)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("publish-schedule", help="what the next scheduled builds will publish or flag",
                       description=cmd_publish_schedule.__doc__)
    p.add_argument("--days", type=int, default=7, help="how many days ahead (default: 7)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.set_defaults(func=cmd_publish_schedule)

    p = sub.add_parser("runbook", help="print a runbook for the terminal, offline", description=cmd_runbook.__doc__)
    p.add_argument("query", nargs="*", help="an alarm name, what the alarm sent (SNS subject, SMS, e-mail, "
                   "console URL: the alarm name in it is found), or search words")
    p.add_argument("--list", action="store_true", help="list every alarm")
    p.add_argument("--env", help="environment the values are shown for (default: the data's default)")
    p.add_argument("--raw", action="store_true", help="print Markdown instead of formatted text")
    p.set_defaults(func=cmd_runbook)

    p = sub.add_parser("alarms", help="list alarms with their runbook URLs; apply or check them in CloudWatch",
                       description=cmd_alarms.__doc__)
    _account_options(p, env=False, default=True)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    _account_options(actions.add_parser("list", help="every alarm with its runbook URL (the default)"), env=False)
    q = actions.add_parser("apply", help="create or update the documented alarms in an environment's CloudWatch")
    _account_options(q)
    q.add_argument("--dry-run", action="store_true", help="print the plan (create / update with the fields that "
                   "differ / unchanged) and change nothing")
    _account_options(actions.add_parser("check", help="exit 1 listing every difference between the account's "
                                        "alarms and data/monitoring.yml, both ways"))
    p.set_defaults(func=cmd_alarms, action="list")

    p = sub.add_parser("infra", help="verify data/infrastructure.yml against an environment's AWS account",
                       description=cmd_infra.__doc__)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = actions.add_parser("verify", help="report each documented resource found / missing / differs")
    _account_options(q, base_url=False)
    q.add_argument("--write", action="store_true", help="mark resources that verified as verified (and ones that "
                   "did not as unverified) in data/infrastructure.yml, keeping comments and order")
    q = actions.add_parser("import", help="fill values from a CloudFormation stack's outputs, then verify")
    _account_options(q, base_url=False)
    q.add_argument("--stack", required=True, help="the environment's CloudFormation stack (name or id)")
    p.set_defaults(func=cmd_infra, format="text")

    p = sub.add_parser("deploy", help="deploy a built site to S3 + CloudFront", description=cmd_deploy.__doc__)
    p.add_argument("--target", required=True, help="target name from data/deploy.yml")
    p.add_argument("--site-dir", metavar="DIR", help="the built site (default: site/<target's site>)")
    p.add_argument("--dry-run", action="store_true", help="change nothing; print the exact plan")
    p.add_argument("--rollback", action="store_true", help="restore the previous release")
    p.add_argument("--break-lock", action="store_true",
                   help="break another run's lock on the bucket if it has expired or its process is gone from this "
                        "host (a live lock is never broken)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.add_argument("--stack-parameters", action="store_true",
                   help="print the infra/hosting.yaml parameters of the target's stack (staff ranges and rate limit "
                        "from data/deploy.yml) as JSON for 'aws cloudformation create-stack --parameters', and exit")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--preview", metavar="N", type=_preview_number,
                      help="upload the preview build of change N (BUSDOCS_PREVIEW=N make site) under previews/pr-N/ "
                           "of a staging target; prints its URL")
    what.add_argument("--remove-preview", metavar="N", type=_preview_number,
                      help="delete previews/pr-N/ of a staging target, and nothing else")
    p.add_argument("--endpoint-url", help="S3/CloudFront endpoint (S3-compatible stores, tests)")
    p.add_argument("--bucket", help="override the target's bucket, for tests and S3-compatible stores; a bucket "
                   "of another audience's target is refused")
    p.add_argument("--distribution-id", help="override the target's CloudFront distribution, for tests and "
                   "S3-compatible stores; a distribution of another audience's target is refused")
    p.set_defaults(func=cmd_deploy)

    p = sub.add_parser("pdf", help="render the PDF handbooks from the built sites", description=cmd_pdf.__doc__)
    p.add_argument("--handbook", metavar="ID", help="render only this handbook (an id of data/handbooks.yml)")
    p.add_argument("--site-dir", metavar="DIR", help="folder holding the built public/ and internal/ (default: site/)")
    p.set_defaults(func=cmd_pdf)

    p = sub.add_parser("bench", help="build speed and page weight against stock Material", description=cmd_bench.__doc__)
    p.add_argument("--pages", type=int, action="append", help="corpus size (repeatable; default 500)")
    p.add_argument("--corpus", metavar="DIR", help="a folder of Markdown pages instead of the generated corpus")
    p.add_argument("--no-serve", action="store_true", help="skip the mkdocs serve edit-loop measurement")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("search-eval", help="score the site search on users' questions, in chromium",
                       description=cmd_search_eval.__doc__)
    p.add_argument("--site", choices=["public", "internal", "ur"], default="public",
                   help="which site (default: public; ur: the Urdu edition)")
    p.add_argument("--site-dir", metavar="DIR", help="an already built site (default: build one into a temporary "
                   "folder)")
    p.add_argument("--cases", metavar="FILE", help="the evaluation (default: tests/search_eval.yml)")
    p.add_argument("--latency", metavar="QUERY", help="also time a first search for QUERY on the slow network profile")
    p.add_argument("--min-top1", type=float, default=0.0, metavar="RATE", help="exit 1 below this top-1 rate (0–1)")
    p.add_argument("--min-top3", type=float, default=0.0, metavar="RATE", help="exit 1 below this top-3 rate (0–1)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.set_defaults(func=cmd_search_eval)

    p = sub.add_parser("postmortem", help="start a post-incident review from the template",
                       description=cmd_postmortem.__doc__)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = actions.add_parser("new", help="copy the template into a dated file", description=cmd_postmortem.__doc__)
    new.add_argument("incident", metavar="INCIDENT-ID", help="the incident's id, e.g. INC-2026-014")
    new.set_defaults(func=cmd_postmortem)

    p = sub.add_parser("i18n", help="translations: missing and stale pages, mark one up to date",
                       description=cmd_i18n.__doc__)
    p.add_argument("action", choices=("status", "mark"))
    p.add_argument("pages", nargs="*", metavar="PAGE", help="for mark: pages by their path in the site")
    p.add_argument("--language", default="ur", help="the edition (default: ur)")
    p.add_argument("--strict", action="store_true", help="status exits 1 when a translation is stale")
    p.set_defaults(func=cmd_i18n)

    p = sub.add_parser("feedback", help="reader feedback and failed searches from CloudFront logs",
                       description=cmd_feedback.__doc__)
    p.add_argument("action", choices=["report"], help="report: per page helpful / not helpful, top failed searches")
    p.add_argument("--logs", required=True, metavar="DIR|s3://BUCKET/PREFIX", help="CloudFront standard log files")
    p.add_argument("--since", metavar="DATE", help="only requests on or after this day (YYYY-MM-DD)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("schema", help="check or rewrite data/schemas/*.schema.json",
                       description=cmd_schema.__doc__)
    p.add_argument("--write", action="store_true", help="rewrite the schemas from the models")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("lint", help="Markdown lint and the house style (data/style.yml)", description=cmd_lint.__doc__)
    p.add_argument("paths", nargs="*", help="pages or folders (default: docs/, guides/, runbooks/)")
    p.add_argument("--fix", action="store_true", help="apply the mechanical fixes, then report what is left")
    p.set_defaults(func=cmd_lint)

    from busdocs.authoring.scaffold import add_arguments

    p = sub.add_parser("new", help="start a runbook, procedure, guide page, FAQ entry, news piece or release",
                       description=cmd_new.__doc__)
    add_arguments(p)
    p.set_defaults(func=cmd_new)
    return parser


def _account_options(p: argparse.ArgumentParser, *, env: bool = True, base_url: bool = True,
                     default: bool = False) -> None:
    """--format (and --env, --endpoint-url, --base-url) of the account commands; on a sub-command they
    do not reset what was given before it (`busdocs alarms --format json check`)."""
    keep = {} if default else {"default": argparse.SUPPRESS}
    p.add_argument("--format", choices=["text", "json"], help="output format (default: text)",
                   **({"default": "text"} if default else keep))
    if base_url:
        p.add_argument("--base-url", help="ops site address the runbook URLs start with (default: site_url of "
                       "mkdocs.internal.yml)", **({"default": None} if default else keep))
    if env:
        p.add_argument("--env", required=True, help="environment (data/environments.yml): its account, region and "
                       "resources come from data/infrastructure.yml")
        p.add_argument("--endpoint-url", default=None, help="AWS endpoint to talk to instead of AWS (tests); a result "
                       "against it is recorded with the endpoint and opens no launch gate")


_end_at_once = False
"""Set by a command whose process may end without Python's teardown once it returned (`run`)."""


def run() -> None:
    """The `busdocs` console script: `main`, then the process ends with its exit code.

    After a build the interpreter holds the whole site's objects (pages, navigation, templates,
    Markdown state); releasing them one by one at exit costs about 0.1 s and changes nothing.
    So after a command that set `_end_at_once` (every file it wrote is closed), and with no other
    thread running, the process flushes its output, runs the `atexit` functions as a normal exit
    would, and ends at once. `main` itself always returns (tests and other callers use it).
    """
    import atexit
    import threading

    from busdocs.mkdocs import parallel

    parallel.command_process = True
    code = main()
    exit_functions = getattr(atexit, "_run_exitfuncs", None)  # CPython's own, as interpreter exit runs them
    if not _end_at_once or exit_functions is None or threading.active_count() != 1:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away; a normal exit would say nothing either
        pass
    exit_functions()
    os._exit(code)


@functools.cache
def _parser() -> argparse.ArgumentParser:
    """`build_parser()`, made once per process (5 ms; a process that calls `main` often, such as the
    tests, made it for every call). Parsing leaves a parser as it was."""
    return build_parser()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 for --help/--version, 2 for usage errors
        return int(exc.code or 0)
    func: Command = args.func
    try:
        return func(args)
    except ProblemsError as exc:
        _err(format_problems(exc.problems))
        return 1
    except BusdocsError as exc:
        _err(f"busdocs {args.command}: {exc}")
        return 1
    except BrokenPipeError:  # `busdocs alarms --format json | head`: the reader has what it wanted
        # Python flushes stdout again at exit; point it at /dev/null so that flush cannot fail too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a command cut off by `head`
    except Exception as exc:  # AWS errors: a clear line, not a traceback
        if type(exc).__module__.startswith(("botocore", "boto3")):
            _err(f"busdocs {args.command}: AWS: {exc}")
            return 1
        raise
    except KeyboardInterrupt:
        _err("interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
