"""File helpers shared by commands: open an h5ad with a clear error; JSON-safe output."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from ifnexus.errors import IfnexusError, InputFormatError, ValidationError


def json_safe(obj: Any) -> Any:
    """``obj`` made JSON-safe (:func:`ifnexus._json.json_safe`; numpy loaded on first use)."""
    from ifnexus._json import json_safe as safe

    return safe(obj)


def dumps(obj: Any) -> str:
    """``obj`` as indented JSON, made safe by :func:`json_safe`."""
    from ifnexus._json import dumps as to_json

    return to_json(obj)


def echo_json(obj: Any) -> None:
    """Print ``obj`` as one JSON object on stdout."""
    typer.echo(dumps(obj))


def open_h5ad(path: Path, *, backed: bool, layer: str | None = None):
    """``path`` read as AnnData (``backed``: opened read-only, read chunk by chunk).

    The file's structure is checked first (:func:`check_h5ad`), so that a corrupt file ends in
    an error naming the file and the element at fault, in memory and backed alike.

    Raises
    ------
    ValidationError
        The file is missing.
    InputFormatError
        The file is not an h5ad, or its internals are corrupt (:func:`check_h5ad`).
    IfnexusError
        Not enough memory to read it in memory (the message suggests ``--backed``).
    """
    import anndata as ad

    if not path.exists():
        raise ValidationError(f"input not found: {path}")
    if path.is_dir():
        raise InputFormatError(f"{path}: is a directory, expected an .h5ad file")
    check_h5ad(path, layer=layer)
    try:
        return ad.read_h5ad(path, backed="r" if backed else None)
    except MemoryError as exc:
        raise IfnexusError(
            f"{path}: not enough memory to read it"
            + ("" if backed else "; read it chunk by chunk with --backed")
        ) from exc
    except Exception as exc:  # noqa: BLE001 - anndata raises many types for a corrupt file
        raise InputFormatError(
            f"{path}: cannot read as h5ad ({type(exc).__name__}: {exc})"
        ) from exc


#: Matrix encodings ``score`` and ``sc profile`` read (anndata's names).
H5AD_MATRIX_ENCODINGS = ("array", "csr_matrix", "csc_matrix")
#: Stored values read per step when checking the column indices of a sparse matrix.
_INDEX_STEP = 8_000_000


def check_h5ad(path: Path, *, layer: str | None = None) -> None:
    """Check the internals of the h5ad ``path`` before anndata reads it.

    Checked: the file is HDF5 with ``obs`` and ``var``; every ``obs`` column has as many rows
    as the ``obs`` index; a matrix to score exists (``X``, ``raw/X`` or the ``layer``); every
    matrix (``X``, ``raw/X``, ``layers/*``) has a known encoding (dense array, CSR or CSC), a
    ``shape`` that matches ``obs`` x ``var`` (``raw/var`` for ``raw/X``), and, when sparse, a
    monotone ``indptr`` of the right length starting at 0 and ending at the number of stored
    values, and column (row) indices inside the matrix; the matrix is not empty (no cells or
    no genes). Values (non-finite, negative) are checked while scoring.

    Parameters
    ----------
    path
        The h5ad file.
    layer
        The layer that will be read (``--layer``), if any.

    Raises
    ------
    InputFormatError
        Naming the file, the element (``X``, ``obs/<column>``, ``X/indptr``, ...) and what
        is wrong.
    """
    import h5py
    import numpy as np

    def bad(what: str) -> InputFormatError:
        return InputFormatError(f"{path}: {what}; the file is not a valid h5ad (corrupt?)")

    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise InputFormatError(
            f"{path}: cannot read as h5ad: not an HDF5 file or damaged ({exc})"
        ) from exc
    with f:
        n_obs = _frame_length(f, "obs", bad)
        n_var = _frame_length(f, "var", bad)
        matrices = [k for k in ("X", "raw/X") if k in f]
        if "layers" in f and isinstance(f["layers"], h5py.Group):
            matrices += [f"layers/{k}" for k in f["layers"]]
        if layer is not None and f"layers/{layer}" not in matrices:
            return  # the missing layer is reported with the list of layers by the scorer
        if layer is None and "X" not in f and "raw/X" not in f:
            raise bad("no expression matrix: X is missing (and there is no raw/X)")
        for key in matrices:
            n_cols = n_var
            if key == "raw/X":
                n_cols = _frame_length(f, "raw/var", bad) if "raw/var" in f else n_var
            _check_matrix(f[key], key, (n_obs, n_cols), bad, np)
        if n_obs == 0 or n_var == 0:
            raise InputFormatError(
                f"{path}: the expression matrix is empty ({n_obs} cells x {n_var} genes)"
            )


def _frame_length(f: Any, key: str, bad: Any) -> int:
    """Rows of the dataframe ``key`` (``obs``/``var``), each column checked to have as many."""
    import h5py

    if key not in f:
        raise bad(f"{key} is missing")
    grp = f[key]
    if isinstance(grp, h5py.Dataset):  # anndata < 0.7: one compound dataset
        return int(grp.shape[0]) if grp.shape else 0
    index = grp.attrs.get("_index", "_index")
    index = index.decode() if isinstance(index, bytes) else str(index)
    if index not in grp:
        raise bad(f"{key} has no index ({key}/{index} is missing)")
    n = _column_length(grp[index])
    if n is None:
        raise bad(f"{key}/{index} is not a 1-d array")
    for col in grp:
        if col == index:
            continue
        m = _column_length(grp[col])
        if m is not None and m != n:
            raise bad(f"{key} column {col!r} has {m} rows but the {key} index has {n}")
    return n


def _column_length(elem: Any) -> int | None:
    """Length of a dataframe column (array, categorical codes, nullable values); None if not 1-d."""
    import h5py

    if isinstance(elem, h5py.Group):
        for part in ("codes", "values"):
            if part in elem:
                return _column_length(elem[part])
        return None
    return int(elem.shape[0]) if len(elem.shape) == 1 else None


def _check_matrix(elem: Any, key: str, expected: tuple[int, int], bad: Any, np: Any) -> None:
    """Check one stored matrix: encoding, shape and, if sparse, indptr and indices."""
    import h5py

    enc = elem.attrs.get("encoding-type", elem.attrs.get("h5sparse_format"))
    enc = enc.decode() if isinstance(enc, bytes) else enc
    if enc in ("csr", "csc"):
        enc += "_matrix"
    if isinstance(elem, h5py.Dataset):
        if enc not in (None, "array"):
            raise bad(
                f"{key} has the unknown encoding type {enc!r} for a dataset; expected 'array'"
            )
        if elem.dtype.kind not in "fiub":
            raise bad(f"{key} holds {elem.dtype} values, not numbers")
        shape = tuple(int(n) for n in elem.shape)
        if shape != expected:
            raise bad(f"{key} has shape {shape} but obs x var is {expected}")
        return
    if enc not in ("csr_matrix", "csc_matrix"):
        raise bad(
            f"{key} has the unknown encoding type {enc!r}; expected one of "
            f"{', '.join(H5AD_MATRIX_ENCODINGS)}"
        )
    missing = [part for part in ("data", "indices", "indptr") if part not in elem]
    if missing:
        raise bad(f"{key} ({enc}) lacks {', '.join(missing)}")
    raw_shape = elem.attrs.get("shape", elem.attrs.get("h5sparse_shape"))
    dims = np.asarray(raw_shape).ravel()
    shape = tuple(int(n) for n in dims) if dims.dtype.kind in "iu" else ()
    if len(shape) != 2 or min(shape) < 0:
        raise bad(f"{key} has a shape attribute {raw_shape!r}, not two non-negative integers")
    if shape != expected:
        raise bad(f"{key} has shape {shape} but obs x var is {expected}")
    data, indices = elem["data"], elem["indices"]
    if data.dtype.kind not in "fiub":
        raise bad(f"{key}/data holds {data.dtype} values, not numbers")
    if indices.dtype.kind not in "iu":
        raise bad(f"{key}/indices holds {indices.dtype} values, not integers")
    major, minor = (shape[0], shape[1]) if enc == "csr_matrix" else (shape[1], shape[0])
    indptr = np.asarray(elem["indptr"][()])
    if indptr.ndim != 1 or indptr.dtype.kind not in "iu":
        raise bad(f"{key}/indptr is not a 1-d integer array")
    if len(indptr) != major + 1:
        raise bad(f"{key}/indptr has {len(indptr)} entries; expected {major + 1} (rows + 1)")
    nnz = int(data.shape[0]) if data.shape else 0
    if int(indices.shape[0] if indices.shape else 0) != nnz:
        raise bad(f"{key}/indices has {indices.shape[0]} entries but {key}/data has {nnz}")
    if major and (int(indptr[0]) != 0 or int(indptr[-1]) != nnz):
        raise bad(
            f"{key}/indptr runs from {int(indptr[0])} to {int(indptr[-1])}; expected 0 to "
            f"{nnz} (the number of stored values)"
        )
    steps = np.diff(indptr)
    if (steps < 0).any():
        row = int(np.argmax(steps < 0))
        raise bad(f"{key}/indptr decreases at entry {row + 1} (it must not decrease)")
    for a in range(0, nnz, _INDEX_STEP):
        part = np.asarray(indices[a : a + _INDEX_STEP])
        if part.size and (int(part.min()) < 0 or int(part.max()) >= minor):
            what = "column" if enc == "csr_matrix" else "row"
            raise bad(
                f"{key}/indices holds {what} indices outside [0, {minor}) (min {int(part.min())},"
                f" max {int(part.max())})"
            )


def out_file(out: Path, name: str, *, file_suffixes: tuple[str, ...]) -> Path:
    """Return the file ``name`` in the output directory ``out``.

    ``--out`` is a directory on every command. Where a command took a file path before, a path
    ending in one of ``file_suffixes`` keeps that old meaning for one release, with a warning.
    """
    if out.suffix.lower() in file_suffixes:
        from ifnexus.cli._app import warn

        warn(
            f"--out {out} names a file: deprecated, --out is a directory (the file is "
            f"OUT/{name}); a file path will be an error in 0.3"
        )
        return out
    return out / name


@contextmanager
def naming_input(path: Path) -> Iterator[None]:
    """Prefix ``path`` to an :class:`InputFormatError` raised inside that does not name it.

    The library's value checks (non-finite, negative, non-numeric values, an empty matrix, a
    transform the values contradict) speak of "AnnData.X" or "DataFrame"; on the command line
    the message names the file as well.
    """
    try:
        yield
    except ValidationError as exc:
        msg = str(exc)
        about_data = isinstance(exc, InputFormatError) or msg.startswith(_DATA_PREFIXES)
        if str(path) in msg or not about_data:
            raise
        raise type(exc)(f"{path}: {msg}") from exc


#: How the library names an input matrix at the start of its messages.
_DATA_PREFIXES = ("AnnData", "DataFrame")
