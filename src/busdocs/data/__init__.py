"""The data layer: `data/*.yml` loaded with line numbers, validated into typed models, checked for
secrets, and projected for an audience. It imports neither MkDocs, boto3 nor WeasyPrint.

- `loader`: every data file, loaded and validated once (`load_data`, `DataSet`).
- `yamlio`: YAML with the line of every value, for `file:line: field` problems.
- `models`: the pydantic models, one module per data file.
- `schemas`: the JSON Schemas editors use, generated from the models.
- `secrets`: one secret scanner for everything that can be published.
- `visibility`: what a public page may see of the data, and the leak guard's needles.
"""

from busdocs.data.loader import DATA_FILES, DataFile, DataSet, load_data

__all__ = ["DATA_FILES", "DataFile", "DataSet", "load_data"]
