"""Row-chunked access to an expression matrix, whatever holds it.

One reader for dense numpy, scipy sparse, pandas DataFrames, AnnData in memory or backed on
disk (``read_h5ad(path, backed='r')``) and dask arrays. The scoring engine only ever asks for
row blocks ``[start, stop)``, so every backend goes through the same kernels and gives the
same numbers. Backed h5ad files are also described by ``(filename, element key)`` so that a
Dask worker can open the file and read its own rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from scipy import sparse

from ifnexus.errors import InputFormatError, ValidationError

#: A row block: a dense float ``numpy.ndarray`` or a ``scipy.sparse.csr_matrix``. Typed as
#: ``Any`` because scipy ships no type information that mypy can narrow with ``issparse``.
Block: TypeAlias = Any


@dataclass(frozen=True)
class ExpressionSource:
    """A cells (or samples) x genes matrix read in row blocks.

    Attributes
    ----------
    obs_names, var_names
        Row (cell or sample) and column (gene) labels.
    description
        Where the values come from, for reports (``"AnnData.raw.X (backed)"``, ...).
    reader
        ``reader(start, stop)`` returns rows as a dense float array or a CSR matrix.
    dask
        The dask array when the input is one (chunks are computed by dask).
    backed
        ``(filename, key)`` of an h5ad element when the rows live on disk.
    sparse
        Whether row blocks come as CSR (only the stored values take memory) rather than dense.
    """

    obs_names: pd.Index
    var_names: pd.Index
    description: str
    reader: Callable[[int, int], Block]
    dask: Any = None
    backed: tuple[str, str] | None = None
    sparse: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_obs, n_vars)``."""
        return len(self.obs_names), len(self.var_names)

    def bounds(self, chunk_size: int) -> list[tuple[int, int]]:
        """Return the row ranges of the chunks (the dask chunking when the input is a dask array).

        Parameters
        ----------
        chunk_size
            Rows per chunk (ignored for a dask array, whose own chunks are used).

        Returns
        -------
        list of tuple of int
            ``(start, stop)`` of each chunk, covering every row in order.

        Raises
        ------
        ValidationError
            ``chunk_size`` is below 1.
        """
        n = self.shape[0]
        if self.dask is not None:
            edges = np.cumsum((0, *self.dask.chunks[0]))
            return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]
        if chunk_size < 1:
            raise ValidationError(f"chunk_size must be a positive number of rows, got {chunk_size}")
        return [(a, min(a + chunk_size, n)) for a in range(0, n, chunk_size)]

    def blocks(self, chunk_size: int) -> Iterator[tuple[int, int, Block]]:
        """Read the matrix chunk by chunk.

        Parameters
        ----------
        chunk_size
            Rows per chunk, as in :meth:`bounds`.

        Yields
        ------
        tuple
            ``(start, stop, block)``: the rows and the chunk (dense array or CSR matrix).
        """
        for a, b in self.bounds(chunk_size):
            yield a, b, self.reader(a, b)


def _as_block(x: Any) -> Block:
    """Return ``x`` as a dense float ndarray or a CSR matrix (views kept where possible)."""
    if sparse.issparse(x):
        x = sparse.csr_matrix(x) if not isinstance(x, sparse.csr_matrix) else x
        if x.dtype.kind not in "fiub":
            raise InputFormatError(f"expression values must be numeric, got dtype {x.dtype}")
        return x
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise InputFormatError(f"expression values must be numeric, got dtype {arr.dtype}")
    return arr


def _csr_rows(x: sparse.csr_matrix) -> Callable[[int, int], Block]:
    """Row slices of a CSR matrix as zero-copy views of data and indices (indptr is copied)."""
    indptr, indices, data = x.indptr, x.indices, x.data
    n_vars = x.shape[1]

    def read(a: int, b: int) -> Block:
        lo, hi = int(indptr[a]), int(indptr[b])
        # scipy's constructor copies views of less than half their base ("prune"); the arrays
        # were checked when the whole matrix was built, so attach the views directly.
        block = sparse.csr_matrix((b - a, n_vars), dtype=data.dtype)
        block.data, block.indices, block.indptr = (
            data[lo:hi],
            indices[lo:hi],
            indptr[a : b + 1] - lo,
        )
        return block

    return read


def read_backed_rows(filename: str, key: str, start: int, stop: int) -> Block:
    """Open an h5ad file and read rows ``[start, stop)`` of element ``key`` (for Dask workers)."""
    import h5py
    from anndata.io import sparse_dataset

    with h5py.File(filename, "r") as f:
        elem = f[key]
        if isinstance(elem, h5py.Dataset):
            return np.asarray(elem[start:stop])
        return _as_block(sparse_dataset(elem)[start:stop])


def _from_anndata(adata: Any, layer: str | None, use_raw: bool | None) -> ExpressionSource:
    obs_names = pd.Index(adata.obs_names.astype(str))
    if obs_names.has_duplicates:
        dup = obs_names[obs_names.duplicated()].unique()
        raise InputFormatError(
            f"AnnData.obs_names (cell ids) has {len(dup)} duplicated id(s), e.g. "
            f"{dup[:5].tolist()}; results per cell would be ambiguous. Make them unique first "
            "(AnnData.obs_names_make_unique())"
        )
    if layer is not None:
        if use_raw:
            raise ValidationError(f"use_raw=True and layer={layer!r} cannot be combined; pick one")
        if layer not in adata.layers:
            known = ", ".join(map(repr, adata.layers.keys())) or "none"
            raise ValidationError(f"the AnnData has no layer {layer!r}; its layers are: {known}")
        x, where, key = adata.layers[layer], f"AnnData.layers[{layer!r}]", f"layers/{layer}"
        var_names = adata.var_names
    else:
        if use_raw is None:
            use_raw = adata.raw is not None
        if use_raw and adata.raw is None:
            raise ValidationError("use_raw=True but the AnnData has no .raw; use X or a layer")
        if use_raw:
            x, where, key, var_names = adata.raw.X, "AnnData.raw.X", "raw/X", adata.raw.var_names
        else:
            x, where, key, var_names = adata.X, "AnnData.X", "X", adata.var_names
    if x is None:
        raise ValidationError(f"{where} is empty (None); nothing to score")
    var_names = pd.Index(var_names.astype(str))
    if getattr(adata, "isbacked", False) and not (isinstance(x, np.ndarray) or sparse.issparse(x)):
        filename = str(adata.filename)

        def read(a: int, b: int) -> Block:
            return _as_block(x[a:b])

        return ExpressionSource(
            obs_names,
            var_names,
            f"{where} (backed: {filename})",
            read,
            backed=(filename, key),
            sparse=getattr(x, "format", None) in ("csr", "csc"),
        )
    src = from_array(x, obs_names=obs_names, var_names=var_names)
    return ExpressionSource(
        obs_names, var_names, where, src.reader, dask=src.dask, sparse=src.sparse
    )


def from_array(
    x: Any, *, obs_names: Any = None, var_names: Any = None, description: str = ""
) -> ExpressionSource:
    """Wrap an array-like (numpy, scipy sparse, dask) as an :class:`ExpressionSource`."""
    if var_names is None:
        raise ValidationError(
            "an expression array needs var_names (the gene symbols of its columns); "
            "pass var_names=... or give an AnnData / DataFrame"
        )
    if getattr(x, "ndim", 2) != 2:
        raise ValidationError(f"expression must be a 2-d cells x genes matrix, got {x.ndim} dims")
    n_obs, n_vars = x.shape
    var_names = pd.Index(np.asarray(var_names).astype(str))
    if len(var_names) != n_vars:
        raise ValidationError(
            f"var_names has {len(var_names)} names but the matrix has {n_vars} columns"
        )
    obs_names = pd.Index(
        np.arange(n_obs).astype(str) if obs_names is None else np.asarray(obs_names).astype(str)
    )
    if len(obs_names) != n_obs:
        raise ValidationError(
            f"obs_names has {len(obs_names)} names but the matrix has {n_obs} rows"
        )
    mod = type(x).__module__
    if mod.startswith("dask"):
        if x.dtype.kind not in "fiub":
            raise InputFormatError(f"expression values must be numeric, got dtype {x.dtype}")
        if len(x.chunks[1]) > 1:
            x = x.rechunk({1: -1})

        def read_dask(a: int, b: int) -> Block:
            return _as_block(x[a:b].compute())

        return ExpressionSource(
            obs_names, var_names, description or "dask array", read_dask, dask=x
        )
    if sparse.issparse(x):
        x = _as_block(x)
        return ExpressionSource(
            obs_names, var_names, description or "scipy sparse (CSR)", _csr_rows(x), sparse=True
        )
    arr = _as_block(x)

    def read_dense(a: int, b: int) -> Block:
        return arr[a:b]

    return ExpressionSource(obs_names, var_names, description or "dense array", read_dense)


def expression_source(
    data: Any,
    *,
    layer: str | None = None,
    use_raw: bool | None = None,
    obs_names: Any = None,
    var_names: Any = None,
) -> ExpressionSource:
    """Wrap ``data`` (cells/samples x genes) for row-chunked reading.

    Parameters
    ----------
    data
        AnnData (in memory or backed), pandas DataFrame (rows x genes), numpy array, scipy
        sparse matrix or dask array; an existing :class:`ExpressionSource` is returned as is.
    layer, use_raw
        For AnnData: which matrix. As in scanpy, ``use_raw=None`` means ``.raw`` when it
        exists and no layer is asked for.
    obs_names, var_names
        Row and column labels for plain arrays (``var_names`` is required there).

    Returns
    -------
    ExpressionSource
        The rows x genes matrix, read in row blocks; ``data`` is not copied.

    Raises
    ------
    ValidationError
        Missing layer, missing ``.raw``, a non-numeric matrix, labels of the wrong length or
        duplicated cell ids of an AnnData (an ``InputFormatError``).
    """
    if isinstance(data, ExpressionSource):
        return data
    if hasattr(data, "obs_names") and hasattr(data, "var_names") and hasattr(data, "layers"):
        return _from_anndata(data, layer, use_raw)
    if layer is not None:
        raise ValidationError(f"layer={layer!r} only applies to AnnData input")
    if isinstance(data, pd.DataFrame):
        bad = [c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])]
        if bad:
            raise InputFormatError(
                f"expression table has non-numeric column(s): {', '.join(map(str, bad[:5]))}"
            )
        return from_array(
            data.to_numpy(dtype=np.float64),
            obs_names=data.index,
            var_names=data.columns,
            description="DataFrame",
        )
    return from_array(data, obs_names=obs_names, var_names=var_names)
