"""The package layout is the architecture: a small top level, one subpackage per concern, and the
import rules of the design (checked on the source, every import, lazy ones included)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "busdocs"
SUBPACKAGES = {"data", "content", "mkdocs", "deploy", "pdf", "i18n", "bench", "authoring"}


def modules() -> dict[str, Path]:
    """`busdocs.x.y` → its file, for every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Every module `path` imports (absolute names); only those run at import time if asked."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    if top_level_only:  # `if TYPE_CHECKING:` blocks run no import
        nodes = [n for n in nodes if not (isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test))]
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def owner(module: str) -> str:
    """The subpackage (or top-level module) a module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_the_top_level_holds_about_ten_modules_and_the_rest_is_in_subpackages() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 10, top
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == SUBPACKAGES


@pytest.mark.parametrize(("library", "allowed"), [
    ("mkdocs", {"mkdocs"}), ("material", {"mkdocs"}), ("mkdocs_macros", {"mkdocs"}),
    ("boto3", {"deploy"}), ("botocore", {"deploy"}),
    ("weasyprint", {"pdf"}),
])
def test_each_outside_library_is_imported_by_its_one_subpackage(library: str, allowed: set[str]) -> None:
    offenders = sorted(name for name, path in modules().items()
                       if any(i == library or i.startswith(library + ".") for i in imports(path))
                       and owner(name) not in allowed)
    assert not offenders, f"{library} imported outside {sorted(allowed)}: {offenders}"


def test_the_data_layer_imports_no_adapter_and_no_other_layer() -> None:
    for name, path in modules().items():
        if owner(name) != "data":
            continue
        for target in imports(path):
            assert target.split(".")[0] not in {"mkdocs", "material", "boto3", "botocore", "weasyprint"}, (name, target)
            if target.startswith("busdocs."):
                assert owner(target) in {"data", "errors", "globs"}, (name, target)


def test_no_import_cycles() -> None:
    mods = modules()
    graph = {name: {t for t in imports(path, top_level_only=True) if t in mods} - {name} for name, path in mods.items()}
    # A package imports its own modules by name; `from busdocs.x import y` names module x.y where it exists.
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, trail: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1 and not _package_of(nxt, node):
                cycle.extend([*trail, node, nxt])
                return True
            if nxt not in state and visit(nxt, [*trail, node]):
                return True
        state[node] = 2
        return False

    for name in sorted(graph):
        if name not in state and visit(name, []):
            break
    assert not cycle, " → ".join(cycle)


def _package_of(package: str, module: str) -> bool:
    """A package's `__init__` may re-export its own modules (that is not a cycle)."""
    return module.startswith(package + ".")


def test_names_say_what_modules_do() -> None:
    names = set(modules())
    for gone in ("busdocs.pagecontext", "busdocs.render", "busdocs.reference", "busdocs.s3", "busdocs.project",
                 "busdocs.benchcorpus", "busdocs.buildinfo"):
        assert gone not in names
    for present in ("busdocs.sites", "busdocs.globs", "busdocs.content.macros", "busdocs.content.values",
                    "busdocs.content.ops_reference", "busdocs.deploy.plan", "busdocs.deploy.aws", "busdocs.mkdocs.plugin",
                    "busdocs.mkdocs.config", "busdocs.pdf.selection", "busdocs.pdf.document", "busdocs.pdf.renderer"):
        assert present in names
