"""`busdocs bench` and `make bench`: this project's build against a stock MkDocs + Material build,
in the same run. `runner` times the builds, `corpus` generates the pages, `extras` measures PDF
speed, deploy objects and page loads (`browser`, Playwright with Debian's Chromium)."""
