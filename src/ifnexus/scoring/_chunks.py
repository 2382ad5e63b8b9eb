"""Per-chunk kernels and the one runner that maps them over row chunks.

Every backend (in memory, backed h5ad, dask array, Dask cluster) runs the same kernels on the
same row ranges, and per-chunk results are combined in chunk order on the caller's side, so
the numbers do not depend on where a chunk was computed.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np
from scipy import sparse

from ifnexus._optional import dask_client, import_optional
from ifnexus._runoptions import RunOptions, as_run_options
from ifnexus.errors import IfnexusError, ValidationError
from ifnexus.scoring._kernels import column_sums, compact_weights, csr_times_weights
from ifnexus.scoring._source import Block, ExpressionSource, read_backed_rows

logger = logging.getLogger(__name__)

Transform = Literal["none", "lognorm"]
#: Target sum of the per-cell normalisation of ``transform="lognorm"`` (scanpy's 1e4 convention).
TARGET_SUM = 1e4
#: Rows per chunk when ``RunOptions.chunk_size`` is None.
DEFAULT_CHUNK_SIZE = 20_000
#: Copies of a dense float64 chunk a pass may hold at once (the block, its float64 or
#: normalised copy, a product); a chunk needing more than the available memory is refused.
DENSE_COPIES = 3


def available_memory() -> int | None:
    """Bytes of memory available now (psutil, else the OS's free pages); None if unknown."""
    try:
        import psutil  # type: ignore[import-untyped]

        return int(psutil.virtual_memory().available)
    except Exception:  # noqa: BLE001 - psutil missing or unsupported: fall back to the OS
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def check_chunk_memory(
    source: ExpressionSource, chunk_size: int, *, dense: bool, concurrent: int = 1
) -> None:
    """Refuse up front a chunk whose dense float64 copies would not fit in memory.

    Parameters
    ----------
    source
        The matrix (its number of genes and rows).
    chunk_size
        Rows per chunk.
    dense
        Whether the pass holds chunks as dense arrays (a dense input, or a kernel such as
        ssGSEA that ranks every gene); CSR chunks take the memory of their stored values only.
    concurrent
        Chunks held at the same time (the worker threads of a parallel pass; 1 for a
        sequential one): each holds its own dense copies.

    Returns
    -------
    None
        When :data:`DENSE_COPIES` dense float64 copies of ``concurrent`` chunks fit in the
        available memory (or it is unknown).

    Raises
    ------
    ValidationError
        The chunk would not fit; the message gives its size, the memory available and the
        largest ``chunk_size`` that fits.
    """
    if not dense:
        return
    n_obs, n_vars = source.shape
    rows = min(int(chunk_size), n_obs)
    held = max(1, min(int(concurrent), -(-n_obs // max(rows, 1))))  # no more than the chunks
    need = held * DENSE_COPIES * 8 * rows * max(n_vars, 1)
    avail = available_memory()
    if avail is None or need <= avail:
        return
    fits = avail // (held * DENSE_COPIES * 8 * max(n_vars, 1))
    on = f" on each of {held} workers at once" if held > 1 else ""
    fewer = " (or fewer --jobs)" if held > 1 else ""
    raise ValidationError(
        f"chunk_size {rows} rows x {n_vars} genes needs about {need / 2**30:.3g} GiB as dense "
        f"float64 chunks{on}, but {avail / 2**30:.3g} GiB of memory is available: the limit "
        f"here is chunk_size {max(int(fits), 0)}; use a smaller chunk_size{fewer} (or a sparse "
        "/ backed input)"
    )


@contextmanager
def memory_advice(chunk_size: int, *, backed: bool = False) -> Iterator[None]:
    """Turn an out-of-memory error inside into an :class:`~ifnexus.errors.IfnexusError` with advice.

    numpy's ``_ArrayMemoryError`` is a ``MemoryError``; both end in a message suggesting a
    smaller ``chunk_size`` and, unless the input is ``backed`` already, reading an h5ad backed,
    instead of a traceback.
    """
    try:
        yield
    except MemoryError as exc:
        also = "" if backed else ", or read an h5ad backed (--backed) instead of into memory"
        raise IfnexusError(
            f"out of memory while processing chunks of {chunk_size} rows ({exc or 'MemoryError'}); "
            f"use a smaller chunk_size{also}"
        ) from exc


def run_options(
    options: RunOptions | None,
    *,
    chunk_size: int | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
    where: str,
) -> RunOptions:
    """``options``, or one built from the deprecated ``chunk_size``/``n_jobs``/``scheduler``.

    The old keywords still work for one release (removed in 0.3): they build a
    :class:`~ifnexus.RunOptions` and emit a ``FutureWarning`` naming ``where`` (the public
    function). Giving both is a :class:`ValidationError`.
    """
    given = {
        k: v
        for k, v in (("chunk_size", chunk_size), ("n_jobs", n_jobs), ("scheduler", scheduler))
        if v is not None
    }
    if not given:
        return as_run_options(options)
    if options is not None:
        raise ValidationError(
            f"{where}: give options=RunOptions(...) or the deprecated "
            f"{', '.join(f'{k}=' for k in given)}, not both"
        )
    spelled = ", ".join(f"{k}={v!r}" for k, v in given.items())
    warnings.warn(
        f"{where}: {', '.join(f'{k}=' for k in given)} is deprecated and will be removed in 0.3; "
        f"pass options=ifnexus.RunOptions({spelled})",
        FutureWarning,
        stacklevel=3,
    )
    return RunOptions(**given)


def apply_transform(block: Block, transform: Transform) -> Block:
    """Return ``block`` as float64, normalised to 1e4 per row and log1p'd when ``lognorm``.

    The same as ``scanpy.pp.normalize_total(target_sum=1e4)`` then ``scanpy.pp.log1p``; rows
    summing to zero stay zero. Row-local, so it is exact chunk by chunk.
    """
    if transform == "none":
        return block
    if transform != "lognorm":
        raise ValidationError(f"transform must be 'none' or 'lognorm', got {transform!r}")
    if sparse.issparse(block):
        x = sparse.csr_matrix(block, dtype=np.float64, copy=True)
        sums = np.asarray(x.sum(axis=1)).ravel()
        sums[sums == 0] = 1.0
        x.data *= np.repeat(TARGET_SUM / sums, np.diff(x.indptr))
        np.log1p(x.data, out=x.data)
        return x
    x = np.array(block, dtype=np.float64)
    sums = x.sum(axis=1, keepdims=True)
    sums[sums == 0] = 1.0
    return np.log1p(x * (TARGET_SUM / sums))


def accumulate_stats(
    state: tuple[np.ndarray, float, float] | None,
    block: Block,
    transform: Transform = "none",
) -> tuple[np.ndarray, float, float]:
    """Add one chunk to the running column sums, minimum and maximum.

    The sums are accumulated row after row in scanpy's order and precision, so the means,
    and therefore the expression bins, are bit-identical to ``scanpy.tl.score_genes``: a
    sparse matrix is summed in its own float type (``csr.sum(axis=0)``: float32 data add up
    in float32), a dense one in float64 (``np.nanmean(axis=0, dtype=float64)``). Carrying the
    running total from chunk to chunk makes the result independent of the chunk size, which
    matters because tied means (common in discrete data) decide the bins.
    """
    block = apply_transform(block, transform)
    n_vars = block.shape[1]
    if sparse.issparse(block):
        a, b = int(block.indptr[0]), int(block.indptr[-1])
        total, lo, hi = column_sums(
            block.data[a:b],
            block.indices[a:b],
            n_vars,
            None if state is None else state[0],
        )
        if state is not None:
            lo, hi = min(lo, state[1]), max(hi, state[2])
        if b - a < block.shape[0] * n_vars:
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        return total, lo, hi
    total = np.zeros(n_vars) if state is None else state[0].astype(np.float64, copy=True)
    lo, hi = (np.inf, -np.inf) if state is None else (state[1], state[2])
    arr = np.asarray(block)
    if arr.size == 0:
        return total, lo, hi
    step = max(1, 4_000_000 // max(n_vars, 1))
    for a in range(0, arr.shape[0], step):
        sub = arr[a : a + step]
        total = np.add.reduce(np.concatenate((total[None, :], sub.astype(np.float64))), axis=0)
    return total, min(lo, float(np.min(arr))), max(hi, float(np.max(arr)))


def weighted_sums(block: Block, weights: np.ndarray, transform: Transform = "none") -> np.ndarray:
    """``block @ weights`` in float64: per-row weighted sums for all sets at once.

    A CSR block goes through the compiled kernel (only the non-zero weights are visited); a
    dense one through BLAS.
    """
    block = apply_transform(block, transform)
    if sparse.issparse(block):
        a, b = int(block.indptr[0]), int(block.indptr[-1])
        return csr_times_weights(
            block.data[a:b],
            block.indices[a:b],
            block.indptr - a,
            compact_weights(weights),
            weights.shape[1],
        )
    return np.asarray(block, dtype=np.float64) @ weights


def _dask() -> Any:
    """Import dask, or raise a MissingDependencyError naming the ``dask`` extra."""
    return import_optional(
        "dask", extra="dask", purpose="scoring on Dask (a dask array or scheduler=)"
    )


def _compute_dask(tasks: list[Any], scheduler: Any) -> list[Any]:
    """Compute ``tasks`` with dask's local scheduler, or on the cluster ``scheduler`` names.

    A cluster is reached through :func:`ifnexus._optional.dask_client`: an unreachable address
    or a cluster without workers is an error after ``IFNEXUS_DASK_TIMEOUT`` seconds (default
    30), not a hang.
    """
    dask = _dask()

    if scheduler is None:
        return list(dask.compute(*tasks))
    with dask_client(scheduler, purpose="scoring") as client:
        return list(client.gather(client.compute(tasks)))


def _dask_blocks(source: ExpressionSource, bounds: list[tuple[int, int]]) -> list[Any]:
    dask = _dask()

    if source.dask is not None:
        return list(source.dask.to_delayed().ravel())
    if source.backed is not None:
        fname, key = source.backed
        return [dask.delayed(read_backed_rows, pure=True)(fname, key, a, b) for a, b in bounds]
    return [dask.delayed(source.reader(a, b), pure=True) for a, b in bounds]


def map_chunks(
    source: ExpressionSource,
    kernel: Callable[..., Any],
    *args: Any,
    options: RunOptions | None = None,
    with_bounds: bool = False,
    dense: bool = False,
) -> tuple[list[tuple[int, int]], list[Any]]:
    """Run ``kernel(block, *args)`` on every row chunk; results in chunk order.

    Dask arrays and ``options.scheduler`` (an address or a ``distributed.Client``) go through
    dask; a backed h5ad on a cluster is read by the workers themselves (by file name and key).
    In memory, ``options.workers > 1`` runs chunks on threads (scipy and numpy release the
    GIL). ``with_bounds=True`` calls ``kernel(block, start, stop, *args)``, for kernels that
    need per-row data of their chunk (e.g. group codes). ``dense=True`` says the kernel makes
    CSR chunks dense (for the up-front memory check, :func:`check_chunk_memory`); running out
    of memory ends in an :class:`~ifnexus.errors.IfnexusError` with advice.
    """
    opts = as_run_options(options)
    size = opts.resolve_chunk_size(DEFAULT_CHUNK_SIZE)
    if opts.scheduler is None and source.dask is None:  # dask chunks its arrays itself
        check_chunk_memory(source, size, dense=dense or not source.sparse,
                           concurrent=opts.workers)  # fmt: skip
    with memory_advice(size, backed=source.backed is not None):
        return _map_chunks(source, kernel, args, opts, source.bounds(size), with_bounds)


def _map_chunks(
    source: ExpressionSource,
    kernel: Callable[..., Any],
    args: tuple[Any, ...],
    opts: RunOptions,
    bounds: list[tuple[int, int]],
    with_bounds: bool,
) -> tuple[list[tuple[int, int]], list[Any]]:
    scheduler, workers = opts.scheduler, opts.workers
    if source.dask is not None or scheduler is not None:
        dask = _dask()

        args_d = [dask.delayed(a, pure=True) if isinstance(a, np.ndarray) else a for a in args]
        blocks = _dask_blocks(source, bounds)
        call = dask.delayed(kernel, pure=True)
        tasks = [
            call(blk, *ab, *args_d) if with_bounds else call(blk, *args_d)
            for blk, ab in zip(blocks, bounds, strict=True)
        ]
        return bounds, _compute_dask(tasks, scheduler)

    def run(ab: tuple[int, int]) -> Any:
        block = source.reader(*ab)
        return kernel(block, *ab, *args) if with_bounds else kernel(block, *args)

    if workers == 1 or len(bounds) <= 1:
        return bounds, [run(ab) for ab in bounds]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return bounds, list(pool.map(run, bounds))


def fold_chunks(
    source: ExpressionSource,
    step: Callable[..., Any],
    *args: Any,
    options: RunOptions | None = None,
) -> Any:
    """Fold ``state = step(state, block, *args)`` over the chunks in row order (state starts None).

    The fold is sequential so that the result does not depend on the chunking or on where
    the chunks were read; on dask the reads run in parallel and only the fold is a chain.
    Running out of memory ends in an :class:`~ifnexus.errors.IfnexusError` with advice.
    """
    opts = as_run_options(options)
    size = opts.resolve_chunk_size(DEFAULT_CHUNK_SIZE)
    if opts.scheduler is None and source.dask is None:  # dask chunks its arrays itself
        check_chunk_memory(source, size, dense=not source.sparse)
    with memory_advice(size, backed=source.backed is not None):
        return _fold_chunks(source, step, args, opts, source.bounds(size))


def _fold_chunks(
    source: ExpressionSource,
    step: Callable[..., Any],
    args: tuple[Any, ...],
    opts: RunOptions,
    bounds: list[tuple[int, int]],
) -> Any:
    scheduler, workers = opts.scheduler, opts.workers
    if source.dask is not None or scheduler is not None:
        dask = _dask()

        state: Any = None
        for blk in _dask_blocks(source, bounds):
            state = dask.delayed(step, pure=True)(state, blk, *args)
        return _compute_dask([state], scheduler)[0]
    state = None
    if workers == 1 or len(bounds) <= 1:
        for a, b in bounds:
            state = step(state, source.reader(a, b), *args)
        return state
    ahead = workers
    with ThreadPoolExecutor(max_workers=ahead) as pool:  # read at most `ahead` chunks ahead
        pending = [pool.submit(source.reader, *ab) for ab in bounds[:ahead]]
        for k in range(len(bounds)):
            blk = pending[k].result()
            pending[k] = None  # type: ignore[call-overload]
            if k + ahead < len(bounds):
                pending.append(pool.submit(source.reader, *bounds[k + ahead]))
            state = step(state, blk, *args)
            del blk
    return state
