"""Shared by the literature-panel tests: the panel runner ``panel.py``, loaded once.

``panel.py`` is not a module of the package (``tools/literature_panel.py`` runs it too), so it
is loaded from its file and registered in ``sys.modules`` as ``ifnexus_literature_panel``, the
name the tool gives it. pytest imports this file before the test modules beside it, which then
``import ifnexus_literature_panel``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

RUNNER_NAME = "ifnexus_literature_panel"


def load_runner() -> ModuleType:
    """Return the panel runner module, loading ``panel.py`` the first time."""
    if RUNNER_NAME in sys.modules:
        return sys.modules[RUNNER_NAME]
    spec = importlib.util.spec_from_file_location(RUNNER_NAME, Path(__file__).with_name("panel.py"))
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[RUNNER_NAME] = mod
    spec.loader.exec_module(mod)
    return mod


load_runner()
