"""Atomic output writing (temp file + rename) so a failure never leaves half-written files."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once at import: os.umask can only be read by setting it, which is not thread-safe.
_UMASK = _read_umask()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    Inside a run (:func:`ifnexus._runfolder.run_folder`) the temporary file and the rename are
    journaled, and a file replaced is kept until the run ends, so that a failed run can put the
    folder back as it was.
    """
    from ifnexus import _runfolder

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    run = _runfolder.active()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        if run is not None:
            run.tmp_created(tmp_path)
        os.chmod(tmp_path, 0o666 & ~_UMASK)  # mkstemp makes 0600; give outputs the usual mode
        yield tmp_path
        if run is not None:
            run.replace(tmp_path, target)
        else:
            os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", **kwargs) -> Iterator[IO]:
    """Open a temporary file for writing that replaces ``path`` only when the block succeeds."""
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` atomically and return the path."""
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return Path(path)


def write_table(
    df, path: str | os.PathLike[str], *, sep: str | None = None, index: bool = False
) -> Path:
    """Write a DataFrame atomically as CSV (or TSV when the suffix is .tsv/.txt)."""
    p = Path(path)
    if sep is None:
        sep = "\t" if p.suffix in {".tsv", ".txt"} else ","
    with atomic_path(p) as tmp:
        df.to_csv(tmp, sep=sep, index=index)
    return p
