"""Optional dependencies: import one, or raise an error that names the ifnexus extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from ifnexus.errors import MissingDependencyError

__all__ = ["import_optional", "require_parquet"]


def import_optional(module: str, *, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, or say which ifnexus extra provides it.

    Parameters
    ----------
    module
        The module to import, e.g. ``"distributed"``.
    extra
        The ifnexus extra that installs it, e.g. ``"dask"`` for ``pip install 'ifnexus[dask]'``.
    purpose
        What needs it, in words, for the message (e.g. ``"scheduler= (a Dask cluster)"``).

    Returns
    -------
    ModuleType
        The imported module.

    Raises
    ------
    MissingDependencyError
        When the module cannot be imported; the message names the module, what needs it and
        the ``pip install`` line of the extra.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs the {module!r} package, which is not installed; "
            f"install it with: pip install 'ifnexus[{extra}]'",
            name=module,
        ) from exc


def require_parquet(what: str) -> None:
    """Check that pandas can read parquet (pyarrow, or fastparquet), or name the extra.

    Parameters
    ----------
    what
        The file or table being read, for the message.

    Returns
    -------
    None
        When a parquet engine is importable.

    Raises
    ------
    MissingDependencyError
        When neither pyarrow nor fastparquet is installed.
    """
    for engine in ("pyarrow", "fastparquet"):
        try:
            importlib.import_module(engine)
        except ImportError:
            continue
        return
    import_optional("pyarrow", extra="parquet", purpose=f"reading {what} (parquet)")
