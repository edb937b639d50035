"""The MkDocs integration: the only subpackage that imports MkDocs (and Material, mkdocs-macros).

- `plugin`: the busdocs plugin, wiring MkDocs events to the package's functions.
- `macros`: the mkdocs-macros entry point (`define_env`).
- `build`: strict builds through MkDocs' Python API, replacing a site only on success.
- `navfiles`, `navhtml`: `.nav.yml` navigation, and the sidebar written in Python.
- `gitdates`, `leakguard`, `minify`: last-updated dates, the public build's guard, lighter HTML.
- `serveerrors`: under `mkdocs serve`, a failed rebuild shows its problems in every open page.
- `rendercache`, `parallel`, `seams`: the speed layer (render cache, workers rendering ahead) and
  every private MkDocs name it relies on, in one place.

Importing this package imports nothing of MkDocs; its modules do.
"""
