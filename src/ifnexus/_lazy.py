"""Lazy re-exports for the subpackages' ``__init__`` files (PEP 562), written once.

Each subpackage lists its public names with the private module that defines them; a name's
module is imported the first time the name is used, so ``import ifnexus.outcome`` (and the
``ifnexus`` command's start-up) loads none of the heavy dependencies up front. The function is
ours rather than the ``lazy_loader`` package's because it is a dozen lines and the subpackages
also keep an ``if TYPE_CHECKING:`` block of the same imports for type checkers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, where: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return a package's module-level ``__getattr__`` and ``__dir__``.

    Parameters
    ----------
    package
        The package's ``__name__``.
    where
        Public name -> the private module under ``package`` that defines it.
    namespace
        The package's ``globals()``: a name, once imported, is stored there so that later
        look-ups do not come back to ``__getattr__``.

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)`` to assign at module level.
    """

    def __getattr__(name: str) -> Any:
        mod = where.get(name)
        if mod is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{mod}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__
