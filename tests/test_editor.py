"""Editor help: VS Code maps every data file to its schema; pre-commit runs only local hooks."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from busdocs.data.loader import DATA_FILES

ROOT = Path(__file__).resolve().parent.parent


def test_vscode_maps_each_data_file_to_its_schema_and_recommends_the_yaml_extension() -> None:
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text())
    mapped = {files[0]: schema for schema, files in settings["yaml.schemas"].items()}
    assert mapped == {f"data/{f.filename}": f"data/schemas/{f.schema_filename}" for f in DATA_FILES}
    assert all((ROOT / path).is_file() for pair in mapped.items() for path in pair)
    assert "redhat.vscode-yaml" in json.loads((ROOT / ".vscode" / "extensions.json").read_text())["recommendations"]


def test_pre_commit_runs_check_and_lint_from_the_project_without_fetching_hooks() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    hooks = {hook["id"]: hook for hook in config["repos"][0]["hooks"]}
    assert hooks["busdocs-check"]["entry"] == ".venv/bin/busdocs check"
    assert hooks["busdocs-lint"]["entry"] == ".venv/bin/busdocs lint" and hooks["busdocs-lint"].get("pass_filenames", True)
    assert all(hook["language"] == "system" for hook in hooks.values())


def test_make_check_lints_and_serve_all_starts_both_sites() -> None:
    makefile = (ROOT / "Makefile").read_text()
    check = makefile.split("\ncheck:", 1)[1].split("\n\n", 1)[0]
    assert "$(BUSDOCS) check" in check and "$(BUSDOCS) lint" in check
    serve_all = makefile.split("\nserve-all:", 1)[1].split("\n\n", 1)[0]
    assert "-f mkdocs.yml" in serve_all and "-f mkdocs.internal.yml" in serve_all and "wait -n" in serve_all
