"""The import arrows the layout promises: ``resources`` stands alone, ``disorders`` imports it."""

import ast
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent


def imported_modules(package):
    """Every module the package's code (not its migrations, which are history) imports."""
    for path in (PROJECT_DIR / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                yield from ((path, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                yield path, node.module


@pytest.mark.parametrize(("package", "forbidden"), [("resources", "disorders")])
def test_package_imports_nothing_from_the_apps_above_it(package, forbidden):
    offending = [
        f"{path.relative_to(PROJECT_DIR)}: {module}"
        for path, module in imported_modules(package)
        if module == forbidden or module.startswith(f"{forbidden}.")
    ]
    assert offending == []
