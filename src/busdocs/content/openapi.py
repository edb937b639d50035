"""The REST API reference, from `data/openapi.yaml`: validation, and one static page per tag.

The spec is checked by openapi-spec-validator; every example is validated against its schema
with jsonschema. Pages are Markdown generated at build time: readable without JavaScript,
printable, and found by the site search.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from busdocs.errors import Problem
from busdocs.data.yamlio import Loaded, PathKey, load_yaml

SPEC = Path("data") / "openapi.yaml"
METHODS = ("get", "post", "put", "patch", "delete")
SPEC_URI = "urn:busdocs:openapi"


def json_path(path: PathKey) -> str:
    """`("paths", "/routes", "get")` → `paths./routes.get` (the JSON path problems name)."""
    return ".".join(str(p) for p in path)


def load_spec(root: Path) -> Loaded:
    return load_yaml(root / SPEC, display=SPEC)


# ------------------------------------------------------------------ validation


_CHECKED: dict[tuple[str, str], list[Problem]] = {}
"""`spec_problems` by (file shown, text): the validation is the slow part of `busdocs check` (about
a second), and its answer depends on nothing but the text, so a process that checks again (a test
suite, a long-running serve) validates an unchanged spec once."""


def spec_problems(loaded: Loaded) -> list[Problem]:
    """Everything wrong with the spec: structure (OpenAPI 3.1) and examples (against their schemas)."""
    if loaded.data is None:
        return list(loaded.problems)
    if loaded.text is None or loaded.problems:
        return _spec_problems(loaded)
    key = (str(loaded.path), loaded.text)
    if key not in _CHECKED:
        if len(_CHECKED) >= 8:
            _CHECKED.pop(next(iter(_CHECKED)))
        _CHECKED[key] = _spec_problems(loaded)
    return list(_CHECKED[key])


def _spec_problems(loaded: Loaded) -> list[Problem]:
    from openapi_spec_validator import OpenAPIV31SpecValidator

    problems = list(loaded.problems)
    for error in OpenAPIV31SpecValidator(loaded.data).iter_errors():
        path = tuple(error.absolute_path)
        problems.append(Problem(loaded.path, loaded.lines.line_of(path), json_path(path) or "(root)",
                                error.message))
    if not problems:
        problems += example_problems(loaded)
    return problems


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (SPEC_URI + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _rewrite_refs(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def _validator_factory(spec: dict[str, Any]) -> Any:
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resource = Resource.from_contents(_rewrite_refs(spec), default_specification=DRAFT202012)
    registry = Registry().with_resource(SPEC_URI, resource)

    def make(schema: dict[str, Any]) -> Any:
        return Draft202012Validator(_rewrite_refs(schema), registry=registry, format_checker=FormatChecker())

    return make


def _examples(media: dict[str, Any], here: PathKey) -> Iterator[tuple[PathKey, Any]]:
    if "example" in media:
        yield (*here, "example"), media["example"]
    for name, example in (media.get("examples") or {}).items():
        if isinstance(example, dict) and "value" in example:
            yield (*here, "examples", name, "value"), example["value"]


def example_problems(loaded: Loaded) -> list[Problem]:
    """Every example of a request body, response or parameter that does not match its schema."""
    spec = loaded.data
    make = _validator_factory(spec)
    problems = []
    for here, schema, value in _all_examples(spec):
        for error in sorted(make(schema).iter_errors(value), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in error.absolute_path)
            problems.append(Problem(loaded.path, loaded.lines.line_of(here), json_path(here),
                                    f"example does not match its schema{f' at /{where}' if where else ''}: "
                                    f"{error.message}"))
    return problems


def _all_examples(spec: dict[str, Any]) -> Iterator[tuple[PathKey, dict[str, Any], Any]]:
    for path, item in (spec.get("paths") or {}).items():
        for method in METHODS:
            op = item.get(method)
            if not op:
                continue
            base: PathKey = ("paths", path, method)
            for i, param in enumerate(op.get("parameters") or []):
                if "$ref" not in param and "schema" in param and "example" in param:
                    yield (*base, "parameters", i, "example"), param["schema"], param["example"]
            body = op.get("requestBody") or {}
            for mtype, media in (body.get("content") or {}).items():
                if "schema" in media:
                    for here, value in _examples(media, (*base, "requestBody", "content", mtype)):
                        yield here, media["schema"], value
            for status, response in (op.get("responses") or {}).items():
                for mtype, media in (response.get("content") or {}).items():
                    if "schema" in media:
                        for here, value in _examples(media, (*base, "responses", status, "content", mtype)):
                            yield here, media["schema"], value
    for name, response in ((spec.get("components") or {}).get("responses") or {}).items():
        for mtype, media in (response.get("content") or {}).items():
            if "schema" in media:
                for here, value in _examples(media, ("components", "responses", name, "content", mtype)):
                    yield here, media["schema"], value
    ws = spec.get("x-websocket") or {}
    for group in ("client_messages", "server_events"):
        for name, event in (ws.get(group) or {}).items():
            if isinstance(event, dict) and "payload" in event and "example" in event:
                yield ("x-websocket", group, name, "example"), event["payload"], event["example"]


# ------------------------------------------------------------------ pages


@dataclass(frozen=True, slots=True)
class TagPage:
    tag: str
    slug: str
    src_uri: str
    markdown: str


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow local `$ref`s until a node without one."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        ref = node["$ref"]
        target: Any = spec
        for part in ref.removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node, seen = target, seen + 1
    return node


def type_of(spec: dict[str, Any], schema: Any) -> str:
    raw = schema if isinstance(schema, dict) else {}
    name = raw["$ref"].rsplit("/", 1)[-1] if "$ref" in raw else None
    schema = resolve(spec, schema) or {}
    kind = schema.get("type", "object" if "properties" in schema else "any")
    if isinstance(kind, list):
        kind = " | ".join(kind)
    if kind == "array":
        return f"array of {type_of(spec, schema.get('items', {}))}"
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    extra = f" ({schema['format']})" if "format" in schema else ""
    return f"{name or kind}{extra}"


def schema_rows(spec: dict[str, Any], schema: Any, prefix: str = "", depth: int = 0) -> list[tuple[str, ...]]:
    """Rows (field, type, required, description) of an object schema, nested objects flattened."""
    schema = resolve(spec, schema) or {}
    if schema.get("type") == "array" and depth < 3:
        return schema_rows(spec, schema.get("items", {}), prefix + "[]", depth + 1)
    rows = []
    required = set(schema.get("required", []))
    for name, prop in (schema.get("properties") or {}).items():
        resolved = resolve(spec, prop) or {}
        field = f"{prefix}.{name}" if prefix else name
        desc = (resolved.get("description") or "").strip().replace("\n", " ")
        limits = [f"{k} {resolved[k]}" for k in ("minimum", "maximum", "minLength", "maxLength", "maxItems")
                  if k in resolved]
        if limits:
            desc = f"{desc} ({', '.join(limits)})".strip()
        rows.append((f"`{field}`", type_of(spec, prop), "yes" if name in required else "", desc))
        inner = resolved.get("items", {}) if resolved.get("type") == "array" else resolved
        inner = resolve(spec, inner) or {}
        if depth < 2 and inner.get("properties"):
            rows += schema_rows(spec, inner, field + ("[]" if resolved.get("type") == "array" else ""), depth + 1)
    return rows


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return "\n".join(lines + ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows])


def _example(media: dict[str, Any]) -> Any:
    if "example" in media:
        return media["example"]
    for example in (media.get("examples") or {}).values():
        if isinstance(example, dict) and "value" in example:
            return example["value"]
    return None


def _code(lang: str, text: str) -> str:
    return f"```{lang}\n{text}\n```"


def curl(method: str, url: str, op: dict[str, Any], spec: dict[str, Any], body: Any) -> str:
    """A `curl` call of the operation with its example values and the environment's base URL."""
    path_url = url
    query = []
    for param in op.get("parameters") or []:
        param = resolve(spec, param)
        value = param.get("example", (param.get("schema") or {}).get("example"))
        if value is None:
            value = (resolve(spec, param.get("schema")) or {}).get("default")
        if param.get("in") == "path":
            path_url = path_url.replace("{" + param["name"] + "}", str(value if value is not None else param["name"]))
        elif param.get("in") == "query" and value is not None and param.get("required"):
            query.append(f"{param['name']}={value}")
    if query:
        path_url += "?" + "&".join(query)
    lines = [f"curl -X {method.upper()} '{path_url}'"]
    if op.get("security", spec.get("security")):
        lines.append('  -H "Authorization: Bearer $ACCESS_TOKEN"')
    for param in op.get("parameters") or []:
        param = resolve(spec, param)
        if param.get("in") == "header" and param.get("required"):
            lines.append(f"  -H '{param['name']}: {param.get('example', '…')}'")
    if body is not None:
        lines.append("  -H 'Content-Type: application/json'")
        lines.append(f"  -d '{json.dumps(body, ensure_ascii=False)}'")
    return " \\\n".join(lines)


def operation_markdown(spec: dict[str, Any], path: str, method: str, op: dict[str, Any], base_url: str) -> str:
    anchor = slugify(op.get("operationId") or f"{method}-{path}")
    out = [f"## {op.get('summary', method.upper() + ' ' + path)} {{ #{anchor} }}",
           f"`{method.upper()} {path}`", (op.get("description") or "").strip()]
    secured = op.get("security", spec.get("security"))
    out.append("**Authentication:** " + ("`Authorization: Bearer <access token>`" if secured else "none"))
    params = [resolve(spec, p) for p in op.get("parameters") or []]
    if params:
        out.append("### Parameters")
        out.append(_table(("Name", "In", "Type", "Required", "Description"),
                          [(f"`{p['name']}`", p.get("in", ""), type_of(spec, p.get("schema", {})),
                            "yes" if p.get("required") else "", (p.get("description") or "").strip())
                           for p in params]))
    body = resolve(spec, op.get("requestBody")) or {}
    body_example = None
    for mtype, media in (body.get("content") or {}).items():
        body_example = _media_block(spec, f"### Request body (`{mtype}`)", media, out)
    out.append("### Responses")
    responses = op.get("responses") or {}
    out.append(_table(("Status", "Meaning"), [(f"`{status}`", (resolve(spec, r) or {}).get("description", ""))
                                              for status, r in responses.items()]))
    for status, response in responses.items():
        response = resolve(spec, response) or {}
        if not str(status).startswith("2"):
            continue
        for media in (response.get("content") or {}).values():
            _media_block(spec, f"#### `{status}` response", media, out)
    out.append("### Example")
    server = op.get("servers") or (spec.get("paths", {}).get(path, {}).get("servers"))
    url = (_server_for(server, base_url) if server else base_url.rstrip("/") + "/api/v1") + path
    out.append(_code("bash", curl(method, url, op, spec, body_example)))
    return "\n\n".join(p for p in out if p)


def _media_block(spec: dict[str, Any], heading: str, media: dict[str, Any], out: list[str]) -> Any:
    """A body's heading, field table and example (appended to `out`); returns the example."""
    out.append(heading)
    rows = schema_rows(spec, media.get("schema", {}))
    if rows:
        out.append(_table(("Field", "Type", "Required", "Description"), rows))
    example = _example(media)
    if example is not None:
        out.append(_code("json", json.dumps(example, indent=2, ensure_ascii=False)))
    return example


def _server_for(servers: list[dict[str, Any]], base_url: str) -> str:
    """The server of an operation that matches the environment's host (e.g. /health at the root)."""
    host = base_url.rstrip("/")
    for server in servers:
        if server.get("url", "").rstrip("/") == host:
            return host
    return servers[0].get("url", host).rstrip("/")


def tag_pages(spec: dict[str, Any], base_url: str, folder: str = "api") -> list[TagPage]:
    """One page per tag, operations in spec order; plus the WebSocket page when documented."""
    by_tag: dict[str, list[str]] = {t["name"]: [] for t in spec.get("tags") or []}
    for path, item in (spec.get("paths") or {}).items():
        for method in METHODS:
            op = item.get(method)
            if op:
                tag = (op.get("tags") or ["Other"])[0]
                by_tag.setdefault(tag, []).append(operation_markdown(spec, path, method, op, base_url))
    descriptions = {t["name"]: t.get("description", "") for t in spec.get("tags") or []}
    pages = []
    for tag, operations in by_tag.items():
        if not operations:
            continue
        slug = slugify(tag)
        front = f"title: {tag}\ndescription: {json.dumps(descriptions.get(tag, '').strip()[:150])}"
        count = f"{len(operations)} endpoint{'s' if len(operations) > 1 else ''}"
        body = (f"# {tag}\n\n{descriptions.get(tag, '').strip()}\n\n{count} of the REST API, under the base URL "
                f"`{base_url.rstrip('/')}/api/v1`\n\n"
                + "\n\n".join(operations))
        pages.append(TagPage(tag, slug, f"{folder}/{slug}.md", _page(front, body)))
    ws = spec.get("x-websocket")
    if ws:
        pages.append(TagPage("WebSocket", "websocket", f"{folder}/websocket.md",
                             _page("title: WebSocket\ndescription: Live bus locations over the WebSocket.",
                                   websocket_markdown(ws, spec))))
    return pages


def _page(front_matter: str, body: str) -> str:
    """Front matter, then the body kept away from Jinja (spec text may contain braces)."""
    return f"---\n{front_matter}\n---\n\n{{% raw %}}\n{body}\n{{% endraw %}}\n"


def websocket_markdown(ws: dict[str, Any], spec: dict[str, Any]) -> str:
    out = ["# WebSocket: live bus locations", (ws.get("description") or "").strip(),
           f"Host: `{ws.get('url', '')}`"]
    for key, title in (("authentication", "Authentication"), ("heartbeat", "Heartbeat"),
                       ("reconnect", "Reconnecting")):
        if ws.get(key):
            out += [f"## {title}", str(ws[key]).strip()]
    for group, title in (("client_messages", "Messages you send"), ("server_events", "Events you receive")):
        events = ws.get(group) or {}
        if not events:
            continue
        out.append(f"## {title}")
        for name, event in events.items():
            out.append(f"### `{name}`")
            out.append((event.get("description") or "").strip())
            rows = schema_rows(spec, event.get("payload", {}))
            if rows:
                out.append(_table(("Field", "Type", "Required", "Description"), rows))
            if "example" in event:
                out.append(_code("json", json.dumps(event["example"], indent=2, ensure_ascii=False)))
    return "\n\n".join(p for p in out if p) + "\n"
