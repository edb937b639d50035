"""Data → Markdown: what pages and the terminal show, independent of MkDocs.

- `macros`: every macro pages use (`Macros`), the authoring reference.
- `values`: environment values, money and tables, with the audience rule.
- `helpcenter`, `news`, `openapi`: the public help center's generated parts.
- `dashboard`, `readiness`: launch checklists, gates and progress.
- `runbooks`, `ops_reference`, `lookup`: runbook checks, the ops infrastructure and monitoring
  pages, and `busdocs runbook` in the terminal.
"""
