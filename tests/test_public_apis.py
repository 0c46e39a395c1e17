"""The code leans on no other package's insides, and the tests on none of the atlas's."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

OURS = {"atlas", "bench", "bench_graph", "mkdocs_hook", "conftest", "datafixture", "sitecheck", "seed_listing"}


def imported_names(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every `import m` and `from m import n` of a file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, "") for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out += [(node.module if node.level == 0 else f".{node.module}", a.name) for a in node.names]
    return out


def test_no_production_module_imports_another_packages_private_name():
    for path in sorted((ROOT / "scripts").rglob("*.py")):
        for module, name in imported_names(path):
            if module.startswith(".") or module.split(".")[0] in OURS or module == "__future__":
                continue
            assert not any(part.startswith("_") for part in module.split(".")), (path.name, module)
            assert not name.startswith("_"), (path.name, module, name)


def test_no_test_imports_a_private_name():
    for path in sorted((ROOT / "tests").glob("*.py")):
        for module, name in imported_names(path):
            assert not name.startswith("_") or name == "__future__", (path.name, module, name)
            assert not any(part.startswith("_") and part != "__future__" for part in module.split(".")), (path.name, module)
