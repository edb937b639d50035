"""The authors' tools: `busdocs new` (scaffolds that pass `busdocs check` as created) and
`busdocs lint` (Markdown lint and the house style of `data/style.yml`).

- `scaffold`: new runbooks, procedures, guide pages, FAQ entries, news pieces and releases,
  written into the sources (YAML edited as text, so comments and order stay).
- `lint`: pymarkdownlnt's rules and the style rules, `file:line:col: rule: message`, `--fix`.
"""
