"""Optional dependencies: import one, or raise an error that names the ifnexus extra to install."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from ifnexus.errors import IfnexusError, MissingDependencyError, ValidationError

__all__ = ["DASK_TIMEOUT_ENV", "dask_client", "dask_timeout", "import_optional", "require_parquet"]

#: Environment variable: seconds to wait for a Dask scheduler to answer and for a first worker.
DASK_TIMEOUT_ENV = "IFNEXUS_DASK_TIMEOUT"
#: Default of :data:`DASK_TIMEOUT_ENV` (seconds).
DEFAULT_DASK_TIMEOUT = 30.0


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


def dask_timeout() -> float:
    """Seconds to wait for a Dask scheduler and its first worker.

    ``IFNEXUS_DASK_TIMEOUT`` (a positive number of seconds) when set, else 30.

    Returns
    -------
    float
        The timeout in seconds.

    Raises
    ------
    ValidationError
        ``IFNEXUS_DASK_TIMEOUT`` is not a positive number.
    """
    raw = os.environ.get(DASK_TIMEOUT_ENV)
    if raw is None or not raw.strip():
        return DEFAULT_DASK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ValidationError(
            f"{DASK_TIMEOUT_ENV} must be a positive number of seconds, got {raw!r}"
        )
    return value


@contextmanager
def dask_client(scheduler: Any, *, purpose: str, timeout: float | None = None) -> Iterator[Any]:
    """Connect to ``scheduler`` and wait for a worker; a clear error on failure, never a hang.

    A scheduler address is connected to (and the client closed on exit); a ``Client`` is used
    as given. Either way the call waits at most ``timeout`` seconds for the scheduler to answer
    and for a first worker, so that an unreachable address or a cluster without workers ends in
    an error instead of a raw ``OSError`` or a hang.

    Parameters
    ----------
    scheduler
        A Dask scheduler address (``"tcp://host:8786"``) or a ``distributed.Client``.
    purpose
        What needs the cluster, in words, for the messages (e.g. ``"scoring"``).
    timeout
        Seconds; ``None`` reads :func:`dask_timeout` (``IFNEXUS_DASK_TIMEOUT``, default 30).

    Yields
    ------
    distributed.Client
        A client whose scheduler has at least one worker.

    Raises
    ------
    ValidationError
        The address cannot be reached within ``timeout`` (the message names ``scheduler``
        and the address), or ``scheduler`` is neither an address nor a client.
    IfnexusError
        No worker joined the scheduler within ``timeout``.
    MissingDependencyError
        ``distributed`` is not installed.
    """
    distributed = import_optional(
        "distributed", extra="dask", purpose=f"{purpose} on a Dask cluster (scheduler=)"
    )
    wait = dask_timeout() if timeout is None else float(timeout)
    own = isinstance(scheduler, str)
    if own:
        try:
            client = distributed.Client(scheduler, set_as_default=False, timeout=f"{wait}s")
        except (OSError, TimeoutError, ValueError, TypeError) as exc:  # ValueError: bad address
            raise ValidationError(
                f"scheduler {scheduler!r}: cannot reach the Dask scheduler within {wait:g} s "
                f"({exc}); check the address and that the scheduler is running "
                f"(the wait is set by {DASK_TIMEOUT_ENV})"
            ) from exc
    elif isinstance(scheduler, distributed.Client):
        client = scheduler
    else:
        raise ValidationError(
            "scheduler must be a Dask scheduler address or a distributed.Client, "
            f"got {type(scheduler).__name__}"
        )
    try:
        try:
            client.wait_for_workers(1, timeout=wait)
        except (OSError, TimeoutError) as exc:
            where = scheduler if own else getattr(client, "scheduler", None)
            address = getattr(where, "address", where)
            raise IfnexusError(
                f"scheduler {address!r}: no Dask worker joined within {wait:g} s, so {purpose} "
                f"cannot run; start workers (dask worker {address}) or raise "
                f"{DASK_TIMEOUT_ENV}"
            ) from exc
        yield client
    finally:
        if own:
            client.close()
