"""The `busdocs` command: thin over plain functions.

Exit codes: 0 success, 1 a problem the user can fix (message, no traceback), 2 usage error.
"""

from __future__ import annotations

import argparse
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
        print(f"notice: {notice}")
    if result.problems:
        _err(format_problems(result.problems))
        return 1
    print("busdocs check: no problems")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Strict builds of the public and/or internal site."""
    from busdocs.build import SITES, build_site

    root = _root(args)
    out = Path(args.out) if args.out else root / "site"
    sites = list(SITES) if args.site == "all" else [args.site]
    for site in sites:
        print(f"building {site} site → {_display(out / site)} …", file=sys.stderr, flush=True)
        result = build_site(root, site, out / site)
        print(f"built {site} site: {result.pages} pages in {result.seconds:.1f} s", file=sys.stderr)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Launch checklist status; with --gate, exit 1 and list what blocks the gate when it is not ready."""
    import json

    from busdocs.data import load_data
    from busdocs.readiness import gate_status, status_report

    launch = load_data(_root(args)).launch
    gates = {g.id: g for g in launch.gates}
    if args.gate and args.gate not in gates:
        _err(f"busdocs status: no gate {args.gate!r} in data/launch.yml (known: {', '.join(gates)})")
        return 2
    if args.format == "json":
        report = status_report(launch)
        if args.gate:
            report["gates"] = {args.gate: report["gates"][args.gate]}  # type: ignore[index]
        print(json.dumps(report, indent=2))
    else:
        from busdocs.terminal import print_gate, print_status

        if args.gate:
            print_gate(launch, gate_status(launch, gates[args.gate]))
        else:
            print_status(launch)
    return 0 if not args.gate or gate_status(launch, gates[args.gate]).ready else 1


def cmd_schema(args: argparse.Namespace) -> int:
    """Check (default) or rewrite the JSON Schemas in data/schemas/."""
    from busdocs.schemas import stale_schemas, write_schemas

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


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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
    p.add_argument("--site", choices=["public", "internal", "all"], default="all",
                   help="which site to build (default: all)")
    p.add_argument("--out", metavar="DIR", help="output folder; sites go to DIR/public and DIR/internal "
                   "(default: site/)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("status", help="launch checklist status and gates", description=cmd_status.__doc__)
    p.add_argument("--gate", metavar="NAME", help="exit 1 unless this gate is ready (e.g. launch, soft-launch)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("schema", help="check or rewrite data/schemas/*.schema.json",
                       description=cmd_schema.__doc__)
    p.add_argument("--write", action="store_true", help="rewrite the schemas from the models")
    p.set_defaults(func=cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
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
    except KeyboardInterrupt:
        _err("interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
