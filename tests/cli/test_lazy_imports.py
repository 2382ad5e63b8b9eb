"""Start-up: subpackages re-export lazily (PEP 562); the CLI loads no scientific library up front.

These check properties, not timings: which modules are in ``sys.modules`` after an import, and
that every lazily exported name is the object its defining module holds.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import ifnexus

SUBPACKAGES = [
    "genesets",
    "model",
    "outcome",
    "report",
    "scoring",
    "screen",
    "singlecell",
    "study",
    "tumour",
]
HEAVY = [
    "pandas",
    "numpy",
    "scipy",
    "matplotlib",
    "anndata",
    "lifelines",
    "numba",
    "dask",
    "scanpy",
]


def _loaded_after(code: str) -> list[str]:
    """The heavy top-level packages in ``sys.modules`` after running ``code`` in a new Python."""
    probe = f"{code}\nimport sys\nprint([m for m in {HEAVY!r} if m in sys.modules])"
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True
    )
    return ast.literal_eval(proc.stdout.strip().splitlines()[-1])


def _type_checking_imports(pkg: str) -> dict[str, str]:
    """name -> module of the ``if TYPE_CHECKING:`` imports of ``ifnexus.<pkg>/__init__.py``."""
    init = Path(ifnexus.__file__).parent / pkg / "__init__.py"
    tree = ast.parse(init.read_text())
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                for alias in imp.names:
                    found[alias.asname or alias.name] = imp.module.rsplit(".", 1)[1]
    return found


@pytest.mark.parametrize("pkg", SUBPACKAGES)
def test_lazy_exports_are_consistent(pkg):
    mod = importlib.import_module(f"ifnexus.{pkg}")
    where = mod._WHERE
    assert set(where) == set(mod.__all__), f"__all__ and _WHERE of ifnexus.{pkg} differ"
    assert _type_checking_imports(pkg) == where, f"TYPE_CHECKING block of ifnexus.{pkg} differs"
    assert set(mod.__all__) <= set(dir(mod))
    for name, sub in where.items():
        defining = importlib.import_module(f"ifnexus.{pkg}.{sub}")
        assert getattr(mod, name) is getattr(defining, name), f"ifnexus.{pkg}.{name}"
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        mod.not_a_name  # noqa: B018


def test_star_import_gives_every_public_name():
    namespace: dict = {}
    exec("from ifnexus.outcome import *", namespace)
    assert set(importlib.import_module("ifnexus.outcome").__all__) <= set(namespace)


def test_importing_the_cli_and_every_subpackage_loads_no_heavy_library():
    code = "import ifnexus, ifnexus.cli\n" + "\n".join(f"import ifnexus.{p}" for p in SUBPACKAGES)
    assert _loaded_after(code) == []


def test_root_help_loads_no_heavy_library():
    assert _loaded_after("from ifnexus.cli import main\nmain(['--help'])") == []


@pytest.mark.parametrize("group", ["genesets", "tumour", "outcome", "sc", "screen", "simulate"])
def test_group_help_loads_no_heavy_library(group):
    assert _loaded_after(f"from ifnexus.cli import main\nmain([{group!r}, '--help'])") == []
