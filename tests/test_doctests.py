"""The ``Examples`` sections of the package's docstrings run, and print what they say they print."""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil

import pytest

import ifnexus

#: Modules not imported for their examples: ``python -m ifnexus`` (importing it runs the CLI)
#: and the deprecated ``ifnexus.tumor`` alias (importing it warns; it has no examples).
SKIP = {"ifnexus.__main__", "ifnexus.tumor"}
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    names = ["ifnexus"]
    for info in pkgutil.walk_packages(ifnexus.__path__, prefix="ifnexus."):
        if info.name not in SKIP:
            names.append(info.name)
    return sorted(names)


def _tests(module_name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    return [t for t in finder.find(module, module_name) if t.examples]


MODULES_WITH_EXAMPLES = [m for m in _modules() if _tests(m)]


@pytest.mark.parametrize("module_name", MODULES_WITH_EXAMPLES)
def test_examples_run(module_name: str) -> None:
    out = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in _tests(module_name):
        runner.run(test, out=out.write)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, out.getvalue()
    assert result.attempted > 0


def test_examples_are_found() -> None:
    # Guard against a finder that silently finds nothing (e.g. a changed package layout).
    assert len(MODULES_WITH_EXAMPLES) >= 4, MODULES_WITH_EXAMPLES
