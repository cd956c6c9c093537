"""The lead store's modules have no import circle: each imports alone in a fresh interpreter,
and no module imports one that (directly or not) imports it back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

LEADS = Path(__file__).resolve().parents[2] / "leads"
MODULES = sorted(p.stem for p in LEADS.glob("*.py") if p.stem not in ("__init__", "__main__"))


def leads_imports(module: str) -> set[str]:
    """The `leads.*` modules `module` imports, at top level or inside functions."""
    tree = ast.parse((LEADS / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "leads":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("leads."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("leads."))
    return found & set(MODULES)


def test_no_import_circle_between_lead_store_modules() -> None:
    graph = {module: leads_imports(module) for module in MODULES}

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for nxt in graph[start]:
            if nxt == target or (nxt not in seen and reaches(nxt, target, seen | {nxt})):
                return True
        return False

    circles = [m for m in MODULES if reaches(m, m, {m})]
    assert circles == [], f"import circles through {circles}: {graph}"


def test_the_spool_knows_nothing_of_leads() -> None:
    assert leads_imports("spool") <= {"db", "paths"}


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_alone(module: str) -> None:
    subprocess.run(
        [sys.executable, "-c", f"import leads.{module}"],
        cwd=LEADS.parent,
        check=True,
        timeout=60,
    )
