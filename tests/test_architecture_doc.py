"""docs/architecture.md lists every module; domain modules respect the house rules of layering."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "ifnexus"
DOMAINS = ("genesets", "scoring", "screen", "singlecell", "tumour", "outcome", "model", "study")


def _modules():
    return sorted(p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_is_documented():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    missing = [
        str(p.relative_to(PKG.parent))
        for p in _modules()
        if not (p.name == "__init__.py" and p.parent != PKG)
        and f"`{p.relative_to(PKG.parent)}`" not in doc
    ]
    assert not missing, f"add these to docs/architecture.md: {missing}"


def test_domain_modules_never_import_cli_or_report():
    bad = []
    for d in DOMAINS:
        for p in (PKG / d).rglob("*.py"):
            for node in ast.walk(ast.parse(p.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                bad += [
                    f"{p.relative_to(PKG)} imports {n}"
                    for n in names
                    if n.startswith(("ifnexus.cli", "ifnexus.report"))
                ]
    assert not bad
