"""The shape the docs pipeline's GitHub workflows must keep (issue 21), as one checker.

`problems(workflows)` takes the parsed files of `.github/workflows/` ({name: YAML mapping}) and
lists every rule broken, so a test can run it on the real files and on mutated copies.
"""

from __future__ import annotations

import re
from typing import Any

SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
DEPLOY = re.compile(r"busdocs deploy\b(?P<args>[^\n]*)")
TARGET = re.compile(r"--target[ =](?P<target>[\w-]+)")
STORED_KEYS = re.compile(r"AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|secrets\.AWS_|"
                         r"aws-access-key-id|aws-secret-access-key", re.I)
INSTALLS = re.compile(r"\b(pip3? install|uv (pip|sync|tool)|apt(-get)? install|npm (i|install|ci)|playwright install)\b")
CONFIGURE_AWS = "aws-actions/configure-aws-credentials@"
README_COMMANDS = ("make test", "make site", "make setup")


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # PyYAML reads the key `on` as True
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {name: None for name in on}
    return dict(on or {})


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job.get("steps", []) or [])


def _needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs or [])


def _upstream(jobs: dict[str, Any], name: str) -> set[str]:
    seen: set[str] = set()
    todo = _needs(jobs[name])
    while todo:
        job = todo.pop()
        if job in seen or job not in jobs:
            continue
        seen.add(job)
        todo += _needs(jobs[job])
    return seen


def _environment(job: dict[str, Any]) -> str | None:
    env = job.get("environment")
    return env.get("name") if isinstance(env, dict) else env


def _permission(scope: dict[str, Any] | str | None, name: str) -> str | None:
    if isinstance(scope, str):
        return "write" if scope == "write-all" else "read" if scope == "read-all" else None
    return (scope or {}).get(name)


def problems(workflows: dict[str, dict[str, Any]], texts: dict[str, str] | None = None) -> list[str]:
    """Every broken rule of the pipeline, `file: job: what`; empty when the shape holds."""
    found: list[str] = []
    all_triggers: dict[str, Any] = {}
    for file, wf in workflows.items():
        for name, spec in triggers(wf).items():
            all_triggers.setdefault(name, []).append(spec)
    pr = [s for s in all_triggers.get("pull_request", [])]
    if not pr:
        found.append("no workflow runs on pull_request")
    elif not any(isinstance(s, dict) and "closed" in (s.get("types") or []) for s in pr):
        found.append("no pull_request workflow runs when a change closes (previews are never removed)")
    if not any(isinstance(s, dict) and "main" in (s.get("branches") or []) for s in all_triggers.get("push", [])):
        found.append("no workflow runs on push to main")
    if not all_triggers.get("schedule"):
        found.append("no scheduled workflow (dated pages would not publish on their date)")
    if "workflow_dispatch" not in all_triggers:
        found.append("no workflow can be run on demand (workflow_dispatch)")

    for file, wf in workflows.items():
        text = (texts or {}).get(file, "")
        if STORED_KEYS.search(text):
            found.append(f"{file}: mentions a stored AWS key ({STORED_KEYS.search(text).group(0)}): AWS only through OIDC")
        if _permission(wf.get("permissions"), "id-token") == "write":
            found.append(f"{file}: id-token: write for the whole workflow; give it only to the jobs that assume a role")
        if wf.get("permissions") in (None, "write-all"):
            found.append(f"{file}: no top-level permissions (the default token may write): say `contents: read`")
        jobs: dict[str, Any] = wf.get("jobs", {}) or {}
        testers = {name for name, job in jobs.items() if "make test" in _runs(job)}
        for name, job in jobs.items():
            where = f"{file}: {name}"
            steps = job.get("steps", []) or []
            runs = _runs(job)
            for step in steps:
                uses = step.get("uses")
                if uses and not uses.startswith("./") and not SHA_PIN.match(uses):
                    found.append(f"{where}: {uses} is not pinned by a 40-hex commit SHA")
                if STORED_KEYS.search(str(step.get("with", ""))) or STORED_KEYS.search(str(step.get("env", ""))):
                    found.append(f"{where}: passes a stored AWS key")
            if STORED_KEYS.search(str(job.get("env", ""))):
                found.append(f"{where}: passes a stored AWS key")
            if INSTALLS.search(runs):
                found.append(f"{where}: installs something itself ({INSTALLS.search(runs).group(0)}); jobs reuse "
                             "the README's commands (make site, make test)")
            if runs.strip() and not any(c in runs for c in README_COMMANDS) and ".venv/bin/" in runs:
                found.append(f"{where}: uses .venv without setting it up with the README's commands")
            if ".venv" in runs or any(c in runs for c in README_COMMANDS):
                cached = [s for s in steps if str(s.get("uses", "")).startswith("actions/cache@")
                          and (s.get("with") or {}).get("path") == ".venv"
                          and "hashFiles('uv.lock')" in str((s.get("with") or {}).get("key", ""))]
                if not cached:
                    found.append(f"{where}: does not cache .venv keyed by the hash of uv.lock")
            assumes = [s for s in steps if str(s.get("uses", "")).startswith(CONFIGURE_AWS)]
            for step in assumes:
                if not (step.get("with") or {}).get("role-to-assume"):
                    found.append(f"{where}: configure-aws-credentials without role-to-assume (OIDC)")
            if assumes and _permission(job.get("permissions"), "id-token") != "write":
                found.append(f"{where}: assumes an AWS role without `permissions: id-token: write` (OIDC)")
            deploys = [m.group("args") for m in DEPLOY.finditer(runs)]
            publishing = [a for a in deploys if "--remove-preview" not in a and "--dry-run" not in a]
            if publishing and not (_upstream(jobs, name) & testers) and name not in testers:
                found.append(f"{where}: deploys without the tests (needs no job that runs `make test`)")
            if deploys and not assumes:
                found.append(f"{where}: deploys without assuming a role through OIDC")
            targets = {t for a in deploys for t in TARGET.findall(a)}
            if any(t.endswith("-production") for t in targets):
                env = _environment(job)
                if env == "production":
                    pass
                elif env == "production-scheduled":
                    refs = [str((s.get("with") or {}).get("ref", "")) for s in steps
                            if str(s.get("uses", "")).startswith("actions/checkout@")]
                    if not refs or not all("approved" in r for r in refs):
                        found.append(f"{where}: a scheduled production deploy must check out the commit last "
                                     "approved for production")
                else:
                    found.append(f"{where}: deploys to production without the approval of the protected "
                                 "`production` environment")
            if any("--preview" in a for a in deploys) and any(not t.endswith("-staging") for t in targets):
                found.append(f"{where}: a preview goes to a staging target only")
    return found
