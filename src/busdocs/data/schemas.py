"""JSON Schemas for `data/*.yml`, generated from the models, for editor completion and checks."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from busdocs.data.loader import DATA_FILES, DataFile
from busdocs.errors import Problem


@functools.cache
def schema_text(spec: DataFile) -> str:
    """The JSON Schema of one data file, as committed under `data/schemas/`. Made once per process:
    it depends on the models only (pydantic makes it anew on each call, 0.1 s for all of them, which
    `busdocs check` and every test that runs it paid)."""
    from busdocs.data.models.base import document_fields

    document_fields()  # the fields' attribute docstrings as their descriptions
    schema = spec.model.model_json_schema()
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$id": spec.schema_filename, **schema}
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def stale_schemas(root: Path) -> list[Problem]:
    """Committed schemas that differ from the models, and data files that do not reference theirs."""
    problems = []
    for spec in DATA_FILES:
        schema_path = Path("data") / "schemas" / spec.schema_filename
        current = root / schema_path
        if not current.exists() or _text(current) != schema_text(spec):
            problems.append(Problem(schema_path, None, "",
                                    "out of date with the models; run 'busdocs schema --write'"))
        data_path = root / "data" / spec.filename
        if data_path.exists():
            first = _text(data_path).removeprefix("\ufeff").splitlines()[:1]  # bad bytes: load_data says
            expected = f"# yaml-language-server: $schema=schemas/{spec.schema_filename}"
            if first != [expected]:
                problems.append(Problem(Path("data") / spec.filename, 1, "",
                                        f"first line should be '{expected}' (editor completion)"))
    settings = root / VSCODE_SETTINGS
    if settings.exists() and _text(settings) != vscode_settings_text(_text(settings)):
        problems.append(Problem(VSCODE_SETTINGS, None, "yaml.schemas",
                                "does not map every data file to its schema; run 'busdocs schema --write'"))
    return problems


VSCODE_SETTINGS = Path(".vscode") / "settings.json"
"""The editor's settings: `yaml.schemas` maps each data file to its schema (the YAML extension's
completion and checks), kept with the schemas so a new data file is never left out."""


def vscode_settings_text(current: str) -> str:
    """The settings file with `yaml.schemas` made from `DATA_FILES`; other settings are kept."""
    import json

    try:
        settings = json.loads(current)
    except ValueError:
        settings = {}
    if not isinstance(settings, dict):
        settings = {}
    settings["yaml.schemas"] = {f"data/schemas/{spec.schema_filename}": [f"data/{spec.filename}"]
                                for spec in DATA_FILES}
    return json.dumps(settings, indent=2, ensure_ascii=False) + "\n"


def _text(path: Path) -> str:
    """A file's text for comparison; bytes that are not UTF-8 are reported by the loader, not here."""
    return path.read_bytes().decode("utf-8", errors="replace")


def write_schemas(root: Path) -> list[Path]:
    """Write every schema under `root/data/schemas`; returns the files that changed."""
    changed = []
    folder = root / "data" / "schemas"
    folder.mkdir(parents=True, exist_ok=True)
    for spec in DATA_FILES:
        path = folder / spec.schema_filename
        text = schema_text(spec)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    settings = root / VSCODE_SETTINGS
    if settings.exists():  # a project without editor settings gets none
        current = settings.read_text(encoding="utf-8")
        text = vscode_settings_text(current)
        if current != text:
            settings.write_text(text, encoding="utf-8")
            changed.append(settings)
    return changed
