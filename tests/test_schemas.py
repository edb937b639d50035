from __future__ import annotations

import json
import shutil
from pathlib import Path

from busdocs.data.loader import DATA_FILES
from busdocs.data.schemas import schema_text, stale_schemas, write_schemas

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schemas_match_the_models() -> None:
    assert stale_schemas(ROOT) == [], "run: .venv/bin/busdocs schema --write"


def test_a_stale_schema_is_caught(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    path = tmp_path / "data" / "schemas" / "site.schema.json"
    schema = json.loads(path.read_text())
    del schema["properties"]["product"]
    path.write_text(json.dumps(schema))
    problems = stale_schemas(tmp_path)
    assert [p.file.name for p in problems] == ["site.schema.json"]
    assert write_schemas(tmp_path) == [path]
    assert stale_schemas(tmp_path) == []


def test_a_data_file_without_its_schema_reference_is_caught(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    path = tmp_path / "data" / "passes.yml"
    path.write_text("\n".join(path.read_text().splitlines()[1:]) + "\n")
    assert [(p.file.name, p.line) for p in stale_schemas(tmp_path)] == [("passes.yml", 1)]


def test_editor_settings_missing_a_data_file_are_caught_and_rewritten(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copytree(ROOT / ".vscode", tmp_path / ".vscode")
    path = tmp_path / ".vscode" / "settings.json"
    settings = json.loads(path.read_text())
    del settings["yaml.schemas"]["data/schemas/glossary.schema.json"]
    settings["files.trimTrailingWhitespace"] = True
    path.write_text(json.dumps(settings))
    assert [(p.file.as_posix(), p.field) for p in stale_schemas(tmp_path)] == [(".vscode/settings.json", "yaml.schemas")]
    assert write_schemas(tmp_path) == [path]
    rewritten = json.loads(path.read_text())
    assert rewritten["yaml.schemas"]["data/schemas/glossary.schema.json"] == ["data/glossary.yml"]
    assert rewritten["files.trimTrailingWhitespace"] is True  # the author's own settings stay
    assert stale_schemas(tmp_path) == []


def test_schemas_describe_fields_for_editors() -> None:
    for spec in DATA_FILES:
        schema = json.loads(schema_text(spec))
        assert schema["additionalProperties"] is False
        described = [p for p in schema["properties"].values() if "description" in p]
        assert described, f"{spec.name}: no field carries a description"
