"""Language editions of the help center (the Urdu edition, `mkdocs.ur.yml`).

- `translations`: which English page each translation translates (a content hash in its front
  matter), the notices of untranslated and stale pages, `busdocs i18n status` and `mark`.
- `urdu`: Urdu digits, dates and amounts.
- `fonts`: the Nastaliq web font, subset at build time to the characters the pages use.

Nothing here imports MkDocs: the busdocs plugin (`busdocs.mkdocs.plugin`) calls these.
"""
