"""How a computation is spread over chunks, threads or a Dask cluster: one frozen record.

Every function that can run in chunks takes ``options: RunOptions | None`` instead of its own
``chunk_size`` / ``n_jobs`` / ``scheduler`` keywords, and the CLI builds one from ``--chunk-size``,
``--jobs`` and ``--scheduler``. ``n_jobs=-1`` means all cores everywhere (as in scikit-learn and
joblib); ``-2`` all but one, and so on. Run options never change results: the same seed gives the
same numbers whatever the chunking, threads or cluster.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

from ifnexus.errors import ValidationError


@dataclass(frozen=True)
class RunOptions:
    """Execution options shared by every chunked computation.

    Parameters
    ----------
    chunk_size
        Rows (cells, samples, patients) per chunk; ``None`` takes the function's own default.
    n_jobs
        Local worker threads: a positive count, or ``-1`` for all cores (``-2`` all but one, ...).
        Ignored when ``scheduler`` is given.
    scheduler
        A Dask scheduler address (``"tcp://host:8786"``), a ``distributed.Client``, or ``None``
        for local threads.

    Examples
    --------
    >>> RunOptions(n_jobs=2).workers
    2
    >>> RunOptions(chunk_size=None).resolve_chunk_size(20_000)
    20000
    """

    chunk_size: int | None = None
    n_jobs: int = 1
    scheduler: Any = None

    def __post_init__(self) -> None:
        if self.chunk_size is not None and (
            isinstance(self.chunk_size, bool)
            or int(self.chunk_size) != self.chunk_size
            or self.chunk_size < 1
        ):
            raise ValidationError(f"chunk_size must be a positive integer, got {self.chunk_size!r}")
        if isinstance(self.n_jobs, bool) or int(self.n_jobs) != self.n_jobs or self.n_jobs == 0:
            raise ValidationError(
                f"n_jobs must be a positive count or negative (-1: all cores), got {self.n_jobs!r}"
            )

    @property
    def workers(self) -> int:
        """The number of local threads ``n_jobs`` stands for on this machine (at least 1)."""
        if self.n_jobs > 0:
            return int(self.n_jobs)
        cores = os.cpu_count() or 1
        return max(1, cores + 1 + int(self.n_jobs))

    def resolve_chunk_size(self, default: int) -> int:
        """Return ``chunk_size``, or ``default`` when it is ``None``.

        Parameters
        ----------
        default
            The calling function's own chunk size (rows).

        Returns
        -------
        int
            Rows per chunk.
        """
        return int(self.chunk_size) if self.chunk_size is not None else int(default)

    def with_(self, **changes: Any) -> RunOptions:
        """Return a copy with some fields changed (the record itself is frozen).

        Parameters
        ----------
        **changes
            New values of ``chunk_size``, ``n_jobs`` or ``scheduler`` (checked as in the
            constructor).

        Returns
        -------
        RunOptions
            The changed copy.
        """
        return replace(self, **changes)


DEFAULT_RUN = RunOptions()
"""Local, one thread, each function's own chunk size."""


def as_run_options(options: RunOptions | None) -> RunOptions:
    """``options`` or the default; anything else is a :class:`ValidationError`."""
    if options is None:
        return DEFAULT_RUN
    if not isinstance(options, RunOptions):
        raise ValidationError(
            f"options must be an ifnexus.RunOptions, got {type(options).__name__}"
        )
    return options
