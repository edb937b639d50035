"""The API reference: a valid spec, examples that match their schemas, static pages, search."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jinja2
import pytest
import yaml

from busdocs.mkdocs.build import build_site
from busdocs.data.loader import load_data
from busdocs.content.openapi import METHODS, SPEC, load_spec, slugify, spec_problems
from busdocs.content.macros import Macros, PageInfo
from busdocs.data.yamlio import parse_yaml
from tests.pages import article, heading_text

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def spec() -> dict:
    return load_spec(ROOT).data


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [(path, method, item[method]) for path, item in spec["paths"].items() for method in METHODS
            if method in item]


def reparse(data: dict):
    return parse_yaml(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), SPEC)


def test_the_spec_is_valid_and_every_example_matches() -> None:
    assert spec_problems(load_spec(ROOT)) == []


def test_the_spec_covers_the_launch_plan(spec: dict) -> None:
    assert spec["openapi"].startswith("3.1")
    assert {s["description"] for s in spec["servers"]} >= {"Production", "Staging"}
    paths = set(spec["paths"])
    for needed in ("/health", "/auth/login", "/auth/refresh", "/auth/logout", "/buses/live",
                   "/payments/kuickpay/webhook", "/passes/checkout", "/me/devices", "/reports/metrics"):
        assert needed in paths, needed
    assert "Error" in spec["components"]["schemas"]
    assert spec["x-websocket"]["url"].startswith("wss://ws.")


def test_a_broken_example_is_caught_with_its_json_path(spec: dict) -> None:
    broken = copy.deepcopy(spec)
    media = broken["paths"]["/pass-types"]["get"]["responses"]["200"]["content"]["application/json"]
    example = media.get("example") or next(iter(media["examples"].values()))["value"]
    example["data"][0]["price"] = "eighteen thousand"
    problems = spec_problems(reparse(broken))
    assert problems, "the broken example went unnoticed"
    problem = problems[0]
    assert problem.file == SPEC and problem.line
    assert problem.field.startswith("paths./pass-types.get.responses.200.content.application/json.example")
    assert "/data/0/price" in problem.message


def test_a_structural_error_names_its_path(spec: dict) -> None:
    broken = copy.deepcopy(spec)
    broken["paths"]["/pass-types"]["get"]["responses"]["200"].pop("description")
    problems = spec_problems(reparse(broken))
    assert any(p.field == "paths./pass-types.get.responses.200" and "description" in p.message for p in problems)


def test_one_static_page_per_tag_with_every_operation(built_sites: dict[str, Path], spec: dict) -> None:
    site = built_sites["public"]
    by_tag: dict[str, list] = {}
    for path, method, op in operations(spec):
        by_tag.setdefault(op["tags"][0], []).append((path, method, op))
    for tag, ops in by_tag.items():
        body = article(site, f"api/{slugify(tag)}/")
        text = body.get_text(" ")
        assert heading_text(body.h1) == tag
        for path, method, op in ops:
            anchor = body.select_one(f"#{slugify(op['operationId'])}")
            assert anchor is not None, op["operationId"]
            assert f"{method.upper()} {path}" in text
        assert not body.select("script")
    passes = code_text(article(site, "api/passes/"))
    assert "curl -X POST 'https://api.university-bus-tracker.com/api/v1/passes/checkout'" in passes
    assert 'Authorization: Bearer $ACCESS_TOKEN' in passes
    assert "curl -X GET 'https://api.university-bus-tracker.com/health'" in code_text(article(site, "api/health/"))


def code_text(body) -> str:  # noqa: ANN001
    """The text of the page's code blocks, as a reader would copy it."""
    return "\n".join(pre.get_text() for pre in body.select("pre"))


@pytest.mark.slow  # builds a site of its own
def test_curl_uses_the_environment_base_url(project: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("BUSDOCS_ENV", "staging")
    site = build_site(project, "public", tmp_path / "public").out_dir
    assert "https://api.staging.university-bus-tracker.com/api/v1/passes/checkout" in code_text(
        article(site, "api/passes/"))


def test_operations_are_in_the_search_index(built_sites: dict[str, Path], spec: dict) -> None:
    index = json.loads((built_sites["public"] / "search" / "search_index.json").read_text())
    locations = {d["location"] for d in index["docs"]}
    for _, _, op in operations(spec):
        tag = slugify(op["tags"][0])
        assert f"api/{tag}/#{slugify(op['operationId'])}" in locations, op["operationId"]


def test_websocket_events_are_documented(built_sites: dict[str, Path], spec: dict) -> None:
    text = article(built_sites["public"], "api/websocket/").get_text(" ")
    for name in spec["x-websocket"]["server_events"]:
        assert name in text


# ------------------------------------------------------------------ authoring reference


EXAMPLE = re.compile(r"`(\{\{.+?\}\})` → `([^`]+)`")


def docstring_examples() -> list[tuple[str, str, str]]:
    found = []
    for name in dir(Macros):
        doc = getattr(Macros, name).__doc__ or ""
        found += [(name, expr, expected) for expr, expected in EXAMPLE.findall(doc)]
    return found


@pytest.mark.parametrize(("name", "expression", "expected"), docstring_examples())
def test_reference_examples_are_true(name: str, expression: str, expected: str) -> None:
    data = load_data(ROOT)
    page = PageInfo("runbooks/authoring/macros.md", "internal", {})
    macros = Macros(data, data.environments.default, data.launch.sections[0].due, lambda: page)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals.update(macros.variables() | macros.macros())
    assert env.from_string(expression).render() == expected


def test_there_are_reference_examples_to_run() -> None:
    assert len(docstring_examples()) >= 5


def test_authoring_reference_documents_every_macro_and_model(built_sites: dict[str, Path]) -> None:
    site = built_sites["internal"]
    macros = article(site, "runbooks/authoring/macros/").get_text(" ")
    for name in Macros(load_data(ROOT), "production", load_data(ROOT).launch.sections[0].due,
                       lambda: PageInfo("x", "internal")).macros():
        assert name in macros, name
    models = article(site, "runbooks/authoring/data-models/").get_text(" ")
    for model in ("Site", "Environments", "Variable", "Passes", "Launch", "Item", "Gate", "Monitoring", "Alarm",
                  "OnCall", "Deploy", "Faq", "Handbooks"):
        assert model in models, model


def test_api_pages_are_made_again_only_when_the_spec_or_the_address_changes(cold_project: Path) -> None:
    """Serve rebuilds reuse the API pages of an unchanged spec; a changed spec or API address remakes them."""
    from mkdocs.config import load_config

    config = load_config(config_file=str(cold_project / "mkdocs.yml"), site_dir=str(cold_project / "site"))
    plugin = config.plugins["busdocs"]
    plugin.root, plugin.data = cold_project, load_data(cold_project)
    plugin.environment = plugin.data.environments.default
    first = plugin._openapi_pages()
    assert plugin._openapi_pages() is first
    spec_file = cold_project / SPEC
    spec_file.write_text(spec_file.read_text(encoding="utf-8").replace("/passes/checkout", "/passes/pay"),
                         encoding="utf-8")
    changed = plugin._openapi_pages()
    assert changed is not first and "/passes/pay" in "".join(p.markdown for p in changed)
    plugin.environment = "staging"
    staging = plugin._openapi_pages()
    assert staging is not changed and "api.staging." in "".join(p.markdown for p in staging)
