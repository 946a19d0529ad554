"""The import arrows the layout promises (README, Layout): each app imports only the ones below it."""

import ast
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent


def imported_modules(package, *, leave_out=()):
    """``(path, module)`` for every import in the package's code; migrations are history and are left out."""
    for path in (PROJECT_DIR / package).rglob("*.py"):
        relative = path.relative_to(PROJECT_DIR / package)
        if "migrations" in relative.parts or relative.parts[0] in leave_out:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                yield from ((path, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                yield path, node.module


def offending(package, forbidden, leave_out=()):
    return [
        f"{path.relative_to(PROJECT_DIR)}: {module}"
        for path, module in imported_modules(package, leave_out=leave_out)
        if any(module == name or module.startswith(f"{name}.") for name in forbidden)
    ]


def test_resources_stands_alone():
    assert offending("resources", ["disorders"]) == []


def test_the_project_package_wires_the_apps_together_but_its_shared_pieces_import_none():
    # urls.py and the benchmark command sit on top; markup, reader pages, template tags and sitemaps sit below.
    assert offending("encyclopedia", ["disorders", "resources"], leave_out=["urls.py", "management"]) == []


@pytest.mark.parametrize("package", ["disorders", "resources"])
def test_apps_use_template_tags_only_from_templates(package):
    assert offending(package, ["encyclopedia.templatetags"]) == []
