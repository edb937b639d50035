"""Pages with plain `{{ … }}` only, rendered without compiling them whole: the same output as Jinja's,
or Jinja's own error."""

from __future__ import annotations

import random
from pathlib import Path

import jinja2
import pytest

from busdocs.mkdocs import quickmacros

PIECES = ["Take the bus", " ", "\n", "\n\n", "{{ site.product }}", "{{site.product}}", "{{ shout('stop') }}",
          '{{ "a" ~ site.product }}', "{{ site.product | upper }}", "{{ missing }}", "{{ site.nothing }}",
          "{{ 1 / 0 }}", "{{- site.product }}", "{{ site.product -}}", "{{ site.product +}}", "{{ }}", "{{",
          "}}", "}", "{", "{ x }", "{% if site %}yes{% endif %}", "{# note #}", "\r\n", "\r", "'", '"',
          "{{ '}}' }}", '{{ "}}" }}', "{{ {'a': 1}['a'] }}", "{{ site.count * 2 }}", "{{ [1, 2][0] }}",
          "{{ site\n.product }}", "{{ shout(\"a}b\") }}", "\t", "x -}}", "{{ 'a\\'b' }}", "\u2028", "{{ 'é' }}"]

VARIABLES = {"site": {"product": "Bus Tracker", "count": 21}, "shout": lambda text: text.upper() + "!"}


def environments(undefined: type[jinja2.Undefined]) -> tuple[jinja2.Environment, jinja2.Environment]:
    plain = jinja2.Environment(undefined=undefined)
    quick = jinja2.Environment(undefined=undefined)
    assert quickmacros.install(quick)
    return plain, quick


def outcome(env: jinja2.Environment, source: str) -> tuple[str, str]:
    try:
        return "ok", env.from_string(source).render(**VARIABLES)
    except Exception as error:  # noqa: BLE001 - the error is the outcome compared
        return type(error).__name__, str(error)


@pytest.mark.parametrize("undefined", [jinja2.StrictUndefined, jinja2.Undefined, jinja2.DebugUndefined])
def test_the_short_way_renders_what_jinja_renders(undefined: type[jinja2.Undefined]) -> None:
    plain, quick = environments(undefined)
    rng = random.Random(14)
    short = 0
    for _ in range(4000):
        source = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 9)))
        if quickmacros.pieces(source) is None:  # Jinja's own way: Jinja's template (or its syntax error)
            try:
                assert isinstance(quick.from_string(source), jinja2.Template), repr(source)
            except jinja2.TemplateSyntaxError:
                pass
            continue
        short += 1
        assert outcome(quick, source) == outcome(plain, source), repr(source)
    assert short > 500  # the comparison covered the short way


def test_a_page_of_text_and_values_takes_the_short_way() -> None:
    page = "# Card report\n\nProduct: {{ site.product }}. Ask {{ shout('desk') }}.\n\n```bash\ncurl x\n```\n"
    assert quickmacros.pieces(page) == ["# Card report\n\nProduct: ", " site.product ", ". Ask ", " shout('desk') ",
                                        ".\n\n```bash\ncurl x\n```"]
    assert quickmacros.pieces("no Jinja at all\n") == ["no Jinja at all"]
    for whole in ["{% raw %}{{ x }}{% endraw %}", "a {# b #}", "{{- x }}", "{{ x }}\r\n", "{{ {'a': 1} }}", "{{ x"]:
        assert quickmacros.pieces(whole) is None, whole


def test_an_environment_configured_otherwise_is_left_alone() -> None:
    for options in [{"keep_trailing_newline": True}, {"variable_start_string": "[["}, {"autoescape": True},
                    {"finalize": str}, {"line_statement_prefix": "%"}, {"extensions": ["jinja2.ext.debug"]}]:
        env = jinja2.Environment(**options)
        assert not quickmacros.install(env) and "from_string" not in vars(env), options


def test_an_expression_that_raises_is_rendered_whole_and_its_error_is_jinjas() -> None:
    _, quick = environments(jinja2.StrictUndefined)
    with pytest.raises(jinja2.UndefinedError, match="'missing' is undefined"):
        quick.from_string("line one\n{{ site.product }}\n{{ missing }}\n").render(**VARIABLES)


@pytest.mark.slow
def test_a_site_built_the_short_way_is_the_site_built_whole(cold_project: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Both builds are cold (no render cache: every page goes through the macros), and the short
    way is seen taken in this process (the page workers take it too, in processes of their own)."""
    project = cold_project
    from busdocs.mkdocs.build import build_site
    from tests.test_rendercache import files_of

    taken: list[str] = []
    cut = quickmacros.pieces

    def spy(source: str) -> list[str] | None:
        parts = cut(source)
        if parts is not None:
            taken.append(source)
        return parts

    import shutil

    monkeypatch.setattr(quickmacros, "pieces", spy)
    quick = files_of(build_site(project, "public", tmp_path / "quick").out_dir)
    assert len(taken) > 10, "no page took the short way"
    shutil.rmtree(project / ".cache", ignore_errors=True)  # nothing reused: every page rendered again
    monkeypatch.setattr(quickmacros, "install", lambda env: False)
    whole = files_of(build_site(project, "public", tmp_path / "whole").out_dir)
    assert quick.keys() == whole.keys()
    assert [name for name in quick if quick[name] != whole[name]] == []
