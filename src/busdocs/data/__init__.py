"""The data layer: `data/*.yml` loaded with line numbers, validated into typed models, checked for
secrets, and projected for an audience. It imports neither MkDocs, boto3 nor WeasyPrint.

- `loader`: every data file, loaded and validated once (`load_data`, `DataSet`).
- `yamlio`: YAML with the line of every value, for `file:line: field` problems.
- `models`: the pydantic models, one module per data file.
- `schemas`: the JSON Schemas editors use, generated from the models.
- `secrets`: one secret scanner for everything that can be published.
- `visibility`: what a public page may see of the data, and the leak guard's needles.
"""

from typing import Any

__all__ = ["DATA_FILES", "DataFile", "DataSet", "load_data"]


def __getattr__(name: str) -> Any:
    """The loader's names, imported when first asked for: importing `busdocs.data.secrets` or
    `yamlio` (the secret scan `busdocs build` starts first, the CLI's argument parser) does not
    build the 94 pydantic models (0.15 s)."""
    if name in __all__:
        from busdocs.data import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
