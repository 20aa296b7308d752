"""The read side and the write side stay apart, and the read side never sees a request."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from portal import PROJECT_ROOT

PORTAL = PROJECT_ROOT / "portal"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def modules_of(package: str) -> list[Path]:
    files = sorted((PORTAL / package).glob("*.py"))
    assert files, package
    return files


def _under(names: set[str], *prefixes: str) -> set[str]:
    return {name for name in names if any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)}


@pytest.mark.parametrize("path", modules_of("repositories"), ids=lambda path: path.name)
def test_write_repositories_do_not_read_through_the_read_side(path):
    assert not _under(imported_modules(path), "portal.read", "portal.data_access")


@pytest.mark.parametrize("path", modules_of("read"), ids=lambda path: path.name)
def test_the_read_side_takes_typed_values_not_requests_and_writes_nothing(path):
    assert not _under(
        imported_modules(path), "flask", "werkzeug", "portal.web", "portal.repositories", "portal.persistence"
    )
