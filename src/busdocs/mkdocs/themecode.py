"""Compiled theme templates, kept in `.cache/jinja/` and made ahead on a cold cache.

Jinja compiles each template the first time a build loads it; Material's pages include about fifty
(0.16 s). On two cores the build and its theme worker would each compile all of them. So the
background process the build starts in `on_config` compiles them first, into Jinja's bytecode cache,
and both load the code instead.

Compiled code depends on the environment as well as the source (its extensions, and which filters
and tests exist and what they are passed), which Jinja's cache key does not cover; plugins may add
to the environment in `on_env`, after the background process made its own. So the cache folder is
named by a fingerprint of everything compiling reads from the environment: a build whose
environment differs from the one the code was compiled in uses another folder, and compiles.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

START = ("main.html",)
"""The template of pages; with the theme's static templates (404.html, sitemap.xml) the start of the
walk, the rest are found from their includes (those named by a value, as icons are, are not)."""


def fingerprint(env: Any) -> str:
    """What compiling a template reads from `env` besides the source, as a short digest."""
    def passed(table: dict[str, Any]) -> list[tuple[str, str]]:
        return sorted((name, str(getattr(func, "jinja_pass_arg", ""))) for name, func in table.items())

    options = [env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string,
               env.comment_start_string, env.comment_end_string, env.line_statement_prefix,
               env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks, env.newline_sequence,
               env.keep_trailing_newline, env.optimized, env.is_async, str(env.autoescape), str(env.finalize),
               sorted(env.extensions), passed(env.filters), passed(env.tests)]
    return hashlib.sha256(repr(options).encode()).hexdigest()[:16]


def folder(root: Path, env: Any) -> Path:
    """Where `env`'s compiled templates are kept."""
    return root / ".cache" / "jinja" / fingerprint(env)


def use_cache(env: Any, root: Path) -> None:
    """Keep `env`'s compiled templates in its folder (nothing kept if the folder cannot be made)."""
    import jinja2

    where = folder(root, env)
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError:  # the render cache says so once when it cannot save either
        return
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(where))


def compile_ahead(theme: Any, root: Path) -> list[str]:
    """Compile the theme's page templates and everything they include by name into the bytecode
    cache of an environment made as MkDocs makes the build's; returns the templates compiled."""
    import jinja2
    import jinja2.meta

    env = theme.get_env()
    use_cache(env, root)
    if env.bytecode_cache is None:
        return []
    todo, seen, compiled = [*START, *sorted(theme.static_templates)], set(), []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            source, _, _ = env.loader.get_source(env, name)
            todo += [ref for ref in jinja2.meta.find_referenced_templates(env.parse(source)) if ref]
            env.get_template(name)
            compiled.append(name)
        except Exception:  # noqa: BLE001 - a template that does not compile here is compiled by the build
            continue
    return sorted(compiled)
