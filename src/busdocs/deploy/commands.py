"""The account commands: `busdocs alarms apply|check` and `busdocs infra verify|import`.

Each loads the data, picks the environment (its account, region and resources from
`data/infrastructure.yml`), talks to the account through `busdocs.deploy.account`, prints a report
(text, or JSON with `--format json`), and records the result of a check in
`data/verification.yml` (date, account, endpoint, counts, what did not verify).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from busdocs.data.loader import DataSet, load_data
from busdocs.data.models.infrastructure import EnvironmentInfrastructure
from busdocs.data.models.verification import locate
from busdocs.data.roundtrip import block_map, edit_yaml, flow_map, set_scalars
from busdocs.deploy import alarms, inventory
from busdocs.deploy.account import Account
from busdocs.errors import BusdocsError, ProblemsError

VERIFICATION = Path("data") / "verification.yml"
INFRASTRUCTURE = Path("data") / "infrastructure.yml"


def _err(line: str) -> None:
    print(line, file=sys.stderr)


def environment(root: Path, name: str) -> tuple[DataSet, EnvironmentInfrastructure]:
    """The data and the resources of environment `name`.

    Raises:
        BusdocsError: No such environment.
    """
    data = load_data(root)
    infra = data.infrastructure.get(name)
    if infra is None or data.environments.get(name) is None:
        known = ", ".join(e.name for e in data.environments.environments)
        raise BusdocsError(f"no environment {name!r} in data/environments.yml and data/infrastructure.yml "
                           f"(known: {known}); nothing was sent")
    return data, infra


def runbook_urls(root: Path, base_url: str | None) -> Callable[[str], str]:
    from busdocs.content import lookup

    base = base_url or lookup.ops_base_url(root)
    return lambda name: lookup.runbook_url(base, name)


def record(root: Path, env: str, check: str, *, passed: bool, account: str, endpoint: str | None,
           counts: dict[str, int], problems: list[str], now: datetime | None = None) -> None:
    """Write the last result of `check` for `env` into data/verification.yml (comments and order kept)."""
    run: dict[str, Any] = {"date": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"), "passed": passed}
    if endpoint:
        run["endpoint"] = endpoint
    run.update(account=account, counts=flow_map(counts))
    if problems:
        run["problems"] = problems
    def edit(tree: Any) -> None:
        envs = tree.setdefault("environments", {})
        if envs.get(env) is None or not isinstance(envs.get(env), dict):
            envs[env] = block_map({})
        node = envs[env]
        if hasattr(node, "fa") and node.fa.flow_style():
            node.fa.set_block_style()
        node[check] = block_map(run)

    edit_yaml(root / VERIFICATION, edit)


def _say_for(fmt: str) -> Callable[[str], None]:
    return _err if fmt == "json" else print


# ------------------------------------------------------------------ alarms


def alarms_apply(root: Path, env: str, endpoint: str | None, *, dry_run: bool, fmt: str,
                 base_url: str | None = None, account: Account | None = None) -> int:
    data, infra = environment(root, env)
    say = _say_for(fmt)
    account = account or Account(infra.region, endpoint)
    say(f"alarms of {env} ({infra.region}){' — dry run, nothing is changed' if dry_run else ''}")
    result = alarms.apply(account, env, data.monitoring, infra, runbook_urls(root, base_url), dry_run=dry_run,
                          say=say)
    if fmt == "json":
        print(json.dumps(result.as_json(), indent=2))
        return 0
    counts = result.as_json()["counts"]
    if not any(counts[a] for a in ("create", "update", "tag", "delete")):
        print(f"nothing to change: all {counts['unchanged']} alarms are as documented")
    else:
        verb = "would" if dry_run else "did"
        print(f"{verb}: create {counts['create']}, update {counts['update']}, tag {counts['tag']}, "
              f"delete {counts['delete']}; unchanged {counts['unchanged']}")
    return 0


def alarms_check(root: Path, env: str, endpoint: str | None, *, fmt: str, base_url: str | None = None,
                 account: Account | None = None) -> int:
    data, infra = environment(root, env)
    say = _say_for(fmt)
    account = account or Account(infra.region, endpoint)
    result = alarms.check(account, env, data.monitoring, infra, runbook_urls(root, base_url), say=say)
    record(root, env, "alarms_check", passed=result.passed, account=result.account, endpoint=endpoint,
           counts=result.counts(), problems=[d.message for d in result.drift])
    if fmt == "json":
        print(json.dumps(result.as_json(), indent=2))
    else:
        where = f" at {endpoint}" if endpoint else ""
        if result.passed:
            print(f"alarms of {env} (account {result.account}{where}): all {result.documented} documented alarms "
                  "exist as documented, and every alarm of the account has a runbook")
        else:
            print(f"alarms of {env} (account {result.account}{where}): {len(result.drift)} differences from "
                  "data/monitoring.yml")
            for drift in result.drift:
                print(f"  {drift.kind:<15} {drift.message}")
            print(f"fix: busdocs alarms apply --env {env} (alarms without a runbook: document or delete them)")
        say(f"recorded in {VERIFICATION}")
    return 0 if result.passed else 1


# ------------------------------------------------------------------ infrastructure

MARK = {"found": "ok", "missing": "MISSING", "differs": "DIFFERS", "error": "ERROR", "not-checked": "-"}


def _print_verify(result: inventory.VerifyResult, endpoint: str | None) -> None:
    where = f" at {endpoint}" if endpoint else ""
    print(f"resources of {result.environment} (account {result.account}{where}):")
    for found in result.findings:
        print(f"  {MARK[found.state]:<8} {found.label}")
        for detail in found.details:
            print(f"           {detail}")
    counts = result.counts()
    print(", ".join(f"{n} {s}" for s, n in counts.items()) + (": verified" if result.passed else ": not verified"))


def _write_statuses(root: Path, env: str, result: inventory.VerifyResult, infra: EnvironmentInfrastructure,
                    say: Callable[[str], None]) -> None:
    edits = inventory.status_edits(env, result, infra)
    if set_scalars(root / INFRASTRUCTURE, edits):
        verified = sum(1 for v in edits.values() if v == "verified")
        say(f"wrote {INFRASTRUCTURE}: {verified} resources marked verified, {len(edits) - verified} unverified "
            "(nothing else changed)")
        _reload(root, {})
    else:
        say(f"{INFRASTRUCTURE}: every status already says what the account shows")


def _reload(root: Path, backup: dict[Path, str]) -> DataSet:
    """Load the data after a write; if it no longer validates, put the files back and fail."""
    try:
        return load_data(root)
    except ProblemsError as exc:
        for path, text in backup.items():
            path.write_text(text, encoding="utf-8")
        raise BusdocsError("the written values do not validate, so nothing was written:\n"
                           + "\n".join(f"  {p}" for p in exc.problems)) from None


def _finish_verify(root: Path, env: str, result: inventory.VerifyResult, endpoint: str | None, fmt: str,
                   extra: dict[str, Any] | None = None) -> int:
    record(root, env, "infra_verify", passed=result.passed, account=result.account, endpoint=endpoint,
           counts=result.counts(), problems=result.problems())
    if fmt == "json":
        print(json.dumps({**result.as_json(), **(extra or {})}, indent=2))
    else:
        _print_verify(result, endpoint)
        print(f"recorded in {VERIFICATION}")
    return 0 if result.passed else 1


def infra_verify(root: Path, env: str, endpoint: str | None, *, write: bool, fmt: str,
                 account: Account | None = None) -> int:
    _, infra = environment(root, env)
    say = _say_for(fmt)
    account = account or Account(infra.region, endpoint)
    result = inventory.verify(account, env, infra, say=say)
    if write:
        _write_statuses(root, env, result, infra, say)
    return _finish_verify(root, env, result, endpoint, fmt)


def infra_import(root: Path, env: str, stack: str, endpoint: str | None, *, fmt: str,
                 account: Account | None = None) -> int:
    data, infra = environment(root, env)
    say = _say_for(fmt)
    account = account or Account(infra.region, endpoint)
    account.check_account(infra.account.id, env, say)
    outputs = inventory.stack_outputs(account, stack)
    raw = (data.sources["infrastructure"].data or {})["environments"][env]
    edits: dict[tuple[str | int, ...], Any] = {}
    imported, unmapped = [], sorted(set(outputs) - set(data.verification.stack_outputs))
    for key, path in data.verification.stack_outputs.items():
        if key not in outputs:
            continue
        holder, field, where = locate(raw, path)
        if holder.get(field) != outputs[key]:
            edits[("environments", env, *where)] = outputs[key]
            imported.append(f"{path} = {outputs[key]} (from {key})")
    absent = [k for k in data.verification.stack_outputs if k not in outputs]
    path = root / INFRASTRUCTURE
    before = path.read_text(encoding="utf-8")
    if set_scalars(path, edits):
        data = _reload(root, {path: before})
    say(f"stack {stack}: {len(imported)} values imported" + "".join(f"\n  {line}" for line in imported))
    if unmapped:
        say(f"outputs not mapped in {VERIFICATION} stack_outputs: {', '.join(unmapped)}")
    if absent:
        say(f"mapped outputs the stack does not have: {', '.join(absent)}")
    infra = data.infrastructure.environments[env]
    result = inventory.verify(account, env, infra, say=say)
    _write_statuses(root, env, result, infra, say)
    return _finish_verify(root, env, result, endpoint, fmt, {"stack": stack, "imported": imported,
                                                            "unmapped_outputs": unmapped})

