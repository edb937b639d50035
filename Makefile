# busdocs — the two commands of the quick start are `make site` and `make test`;
# each sets up everything it needs first (scripts/bootstrap, from uv.lock): `make site` only what
# building needs, `make test` that and Chromium for the browser tests.
SHELL := /bin/bash
PY := .venv/bin/python
BUSDOCS := .venv/bin/busdocs
export NO_MKDOCS_2_WARNING := 1   # silence the MkDocs 2.0 banner
# Defaults for people; when a port is taken: make serve SERVE_PORT=8010. (Tests and the bench
# never use fixed ports: they ask the OS for a free one.)
SERVE_PORT ?= 8000
SERVE_INTERNAL_PORT ?= 8001

.PHONY: setup setup-test site check test test-fast serve serve-internal serve-all bench clean

# Python writes the bytecode of what it imports, in the commands make runs, even where the shell sets
# PYTHONDONTWRITEBYTECODE=1 (these machines' shells do): the environment's packages are compiled by
# the first process that imports them, once, instead of by uv at install. Of the environment's 8,200
# modules a test run imports 3,700 (sympy's 1,500, which come with cfn-lint, are never imported), and
# compiling them all at install took 7 s of a fresh `make test` on 2 cores; nothing was slower after.
export PYTHONDONTWRITEBYTECODE :=
# After the environment, busdocs' own code byte-compiled as it is now (0.07 s when nothing changed),
# so the parallel test processes and a build's workers do not each compile its ~100 modules at once.
COMPILE := $(PY) -m compileall -q src

setup: .venv/.busdocs-ready  ## Debian packages for building (python3, git, pango, harfbuzz-subset, fonts-noto-core) and .venv
	@$(COMPILE)

setup-test: .venv/.busdocs-test-ready  ## the same and Chromium, for the browser tests
	@$(COMPILE)

.venv/.busdocs-ready: uv.lock pyproject.toml scripts/bootstrap
	@scripts/bootstrap

.venv/.busdocs-test-ready: uv.lock pyproject.toml scripts/bootstrap
	@scripts/bootstrap --test

site: setup  ## build site/public, site/internal (+ offline bundle) and the PDF handbooks
	$(BUSDOCS) build --site all --out site
	$(BUSDOCS) pdf --site-dir site

check: setup  ## validate data, front matter and cross references; Markdown lint and the house style
	$(BUSDOCS) check
	$(BUSDOCS) lint

# One test process per core; a test file stays in one process (its shared builds are made once),
# files in the order tests/conftest.py gives them (those that wait for the shared build last).
PYTEST_PARALLEL := -n auto --dist loadfile --no-loadscope-reorder

test: setup-test  ## the whole test suite (and its 15 slowest steps, to keep an eye on)
	$(PY) -m pytest $(PYTEST_PARALLEL) --durations=15

test-fast: setup  ## everything but the browser, the bench and the tests that build sites of their own
	$(PY) -m pytest $(PYTEST_PARALLEL) -m "not browser and not bench and not slow"

serve: setup  ## public help center with live reload on http://127.0.0.1:$(SERVE_PORT) (default 8000)
	.venv/bin/mkdocs serve -f mkdocs.yml --livereload -a 127.0.0.1:$(SERVE_PORT)

serve-internal: setup  ## internal ops site with live reload on http://127.0.0.1:$(SERVE_INTERNAL_PORT) (default 8001)
	.venv/bin/mkdocs serve -f mkdocs.internal.yml --livereload -a 127.0.0.1:$(SERVE_INTERNAL_PORT)

# Both sites at once, each on its own port; Ctrl-C (or a failed start) stops both. The two servers
# share the terminal: each line says which site it comes from.
serve-all: setup  ## help center on :$(SERVE_PORT) and ops site on :$(SERVE_INTERNAL_PORT), together; Ctrl-C stops both
	@trap 'kill $$(jobs -p) 2>/dev/null' INT TERM EXIT; \
	.venv/bin/mkdocs serve -f mkdocs.yml --livereload -a 127.0.0.1:$(SERVE_PORT) 2>&1 | sed -u 's/^/[public]   /' & \
	.venv/bin/mkdocs serve -f mkdocs.internal.yml --livereload -a 127.0.0.1:$(SERVE_INTERNAL_PORT) 2>&1 | sed -u 's/^/[internal] /' & \
	wait -n; echo "one server stopped: stopping the other"

bench: setup-test  ## (Chromium for page loads) build speed, page weight, edit loop, PDF and deploy figures, against stock Material
	$(BUSDOCS) bench --pages 500 --pages 2000
	$(PY) -m busdocs.bench.extras

clean:
	rm -rf site .pytest_cache .cache test-artifacts
