"""MAGeCK's ``mageck test`` output files, written byte-compatible with MAGeCK's.

``PREFIX.gene_summary.txt`` (RRA's ``%10.4e`` / ``%f`` numbers re-read as Python floats),
``PREFIX.sgrna_summary.txt`` (``{:.5g}`` numbers, "/"-joined replicate counts) and
``PREFIX.normalized.txt`` (``repr`` of each float): the formats MAGeCKFlute and VISPR read. The
tables are sgRNAs (or genes) x columns, as MAGeCK writes them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus._io import atomic_open
from ifnexus.screen._io import g5_chars

__all__ = ["GENE_COLUMNS", "SGRNA_COLUMNS", "write_gene_summary", "write_normalized"]

# gene-summary field per direction and the rra() column it comes from
_GENE_COLUMNS = (
    ("score", "lo_value"), ("p-value", "p"), ("fdr", "FDR"), ("rank", "rank"),
    ("goodsgrna", "goodsgrna"), ("lfc", "lfc"),
)  # fmt: skip
GENE_COLUMNS = ["id", "num", *(f"{d}|{f}" for d in ("neg", "pos") for f, _ in _GENE_COLUMNS)]
SGRNA_COLUMNS = [
    "sgrna", "Gene", "control_count", "treatment_count", "control_mean", "treat_mean", "LFC",
    "control_var", "adj_var", "score", "p.low", "p.high", "p.twosided", "FDR",
    "high_in_treatment",
]  # fmt: skip


def _join5(mat: np.ndarray) -> list[str]:
    cols = [_fmt5(mat[:, j]) for j in range(mat.shape[1])]
    return ["/".join(r) for r in zip(*cols, strict=True)]


def _fmt5(values: np.ndarray) -> list[str]:
    return [f"{v:.5g}" for v in np.asarray(values, dtype=np.float64).tolist()]


def _fmt_rra(values: np.ndarray, spec: str) -> list[str]:
    return [repr(float(spec % v)) for v in np.asarray(values, dtype=np.float64).tolist()]


def write_gene_summary(genes: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a gene summary the way MAGeCK does (RRA's ``%10.4e``/``%f`` re-read as floats)."""
    cols: list[list[str]] = [genes["id"].astype(str).tolist(), genes["num"].astype(str).tolist()]
    for d in ("neg", "pos"):
        fdr = genes[f"{d}|fdr"].to_numpy(dtype=np.float64)
        fdr_s = _fmt_rra(np.nan_to_num(fdr, nan=1.0), "%f")
        fdr_s = ["NA" if np.isnan(f) else s for f, s in zip(fdr, fdr_s, strict=True)]
        cols += [
            _fmt_rra(genes[f"{d}|score"].to_numpy(), "%10.4e"),
            _fmt_rra(genes[f"{d}|p-value"].to_numpy(), "%10.4e"),
            fdr_s,
            genes[f"{d}|rank"].astype(str).tolist(),
            genes[f"{d}|goodsgrna"].astype(str).tolist(),
            _fmt5(genes[f"{d}|lfc"].to_numpy()),
        ]
    lines = ["\t".join(GENE_COLUMNS)] + ["\t".join(r) for r in zip(*cols, strict=True)]
    with atomic_open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    return Path(path)


_WIDE = 64


def _text_block(values: list[str]) -> np.ndarray:
    """UTF-8 bytes of each string as a zero-padded (n, width) uint8 block."""
    u = np.array(values, dtype=str)
    codes = u.view(np.uint32).reshape(len(values), -1) if u.dtype.itemsize else None
    if codes is not None and (codes.max(initial=0) < 128):  # ASCII: one byte per character
        return codes.astype(np.uint8)
    enc = np.array([v.encode("utf-8") for v in values], dtype=bytes)
    w = max(enc.dtype.itemsize, 1)
    return enc.astype(f"S{w}").view(np.uint8).reshape(len(values), w)


def _write_sgrna_summary(
    stats: pd.DataFrame, ctrl: np.ndarray, treat: np.ndarray, path: str | os.PathLike[str]
) -> Path:
    """Write an sgRNA summary with MAGeCK's ``{:.5g}`` formatting.

    From the numeric table and the replicate count matrices (no "/"-joined count strings are
    built).

    Every number goes through :func:`ifnexus.screen._io.g5_chars` (``{:.5g}``, vectorised);
    the fields are laid side by side in one zero-padded byte matrix and the padding is dropped.
    """
    n = stats.shape[0]
    nums = np.column_stack(
        [np.asarray(ctrl, dtype=np.float64), np.asarray(treat, dtype=np.float64)]
        + [stats[c].to_numpy(dtype=np.float64) for c in SGRNA_COLUMNS[4:14]]
    )
    g = g5_chars(nums.ravel()).reshape(n, nums.shape[1], 12)
    nc = ctrl.shape[1]
    nt = treat.shape[1]
    blocks: list[np.ndarray] = []

    def sep(ch: str) -> None:
        blocks.append(np.full((n, 1), ord(ch), dtype=np.uint8))

    ids = stats["sgrna"].astype(str).tolist()
    genes = stats["Gene"].astype(str).tolist()
    # numpy pads text to the longest value: past _WIDE characters the two text columns are
    # joined per row instead, so one long id does not make an n x width matrix
    wide = max((len(x) for x in ids + genes), default=0) > _WIDE
    if not wide:
        blocks.append(_text_block(ids))
        sep("\t")
        blocks.append(_text_block(genes))
    for lo, k in ((0, nc), (nc, nt)):
        if blocks:
            sep("\t")
        for j in range(k):
            if j:
                sep("/")
            blocks.append(g[:, lo + j])
    for j in range(nc + nt, nums.shape[1]):
        sep("\t")
        blocks.append(g[:, j])
    sep("\t")
    flag = stats["high_in_treatment"].to_numpy(dtype=bool)
    blocks.append(np.where(flag[:, None], np.frombuffer(b"True\0", np.uint8),
                           np.frombuffer(b"False", np.uint8)))  # fmt: skip
    sep("\n")
    mat = np.concatenate(blocks, axis=1).ravel()
    body = mat[mat != 0].tobytes()
    if wide:
        rest = body.split(b"\n")[:-1]
        body = b"".join(
            f"{i}\t{g}\t".encode() + r + b"\n" for i, g, r in zip(ids, genes, rest, strict=True)
        )
    with atomic_open(path, "wb") as fh:
        fh.write(("\t".join(SGRNA_COLUMNS) + "\n").encode("utf-8"))
        fh.write(body)
    return Path(path)


def write_normalized(norm: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write normalised counts as MAGeCK does (``repr`` of each float)."""
    samples = [c for c in norm.columns if c != "Gene"]
    cols = [norm.index.astype(str).tolist(), norm["Gene"].astype(str).tolist()]
    cols += [[repr(v) for v in norm[s].to_numpy(dtype=np.float64).tolist()] for s in samples]
    lines = ["\t".join(["sgRNA", "Gene", *samples])]
    lines += ["\t".join(r) for r in zip(*cols, strict=True)]
    with atomic_open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    return Path(path)
