"""``mageck count``: FASTQ reads -> sgRNA count table and count summary, MAGeCK's rules.

Follows ``mageckCountIO`` of MAGeCK 0.5.9.x (mageck2 0.3.0) read for read:

* trim-5 detection (``--trim-5 AUTO``): on the first 100,000 reads, the smallest 5' offset at
  which a library guide (longest length first) matches; offsets are kept in order of hits while
  they carry enough reads (MAGeCK's 3x / 75% / 5% rules);
* counting: for each read, the first offset and the longest guide length whose window is a
  library sequence (windows with ``N`` skipped unless ``count_n``);
* output rows in MAGeCK's order (guides in order of first detection, then unseen library guides),
  summary columns ``File Label Reads Mapped Percentage TotalsgRNAs Zerocounts GiniIndex`` and
  the negative-selection QC placeholders MAGeCK writes without ``--day0-label``.

The matching is vectorised: guide windows are packed 2 bits per base into uint64 codes and
looked up in the sorted library codes, so no Python code runs per read (guides longer than 32
bases, or library guides with bases other than A/C/G/T, fall back to a dictionary lookup).
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus._errors import IfnexusWarning, InputFormatError, ValidationError
from ifnexus._io import atomic_open
from ifnexus.screen._fastq import iter_fastq
from ifnexus.screen._io import read_library
from ifnexus.screen._normalize import NormMethod, size_factors

logger = logging.getLogger(__name__)

__all__ = ["CountResult", "count_fastq", "gini_index"]

SUMMARY_COLUMNS = [
    "File", "Label", "Reads", "Mapped", "Percentage", "TotalsgRNAs", "Zerocounts", "GiniIndex",
    "NegSelQC", "NegSelQCPval", "NegSelQCPvalPermutation", "NegSelQCPvalPermutationFDR",
    "NegSelQCGene",
]  # fmt: skip

_CODE = np.full(256, 5, dtype=np.uint8)
for _i, _c in enumerate(b"ACGT"):
    _CODE[_c] = _i
_CODE[ord("N")] = 4


def gini_index(x: np.ndarray | Sequence[float]) -> float:
    """MAGeCK's Gini index: 1 - 2 (n - sum(i x_(i)) / sum(x)) / (n - 1), x sorted ascending."""
    xs = np.sort(np.asarray(x, dtype=np.float64))
    n = xs.shape[0]
    if n < 2:
        return 0.0
    ysum = float(xs.sum()) or 1.0
    gssum = float(((np.arange(n) + 1.0) * xs).sum())
    return 1.0 - 2.0 * (n - gssum / ysum) / (n - 1)


class _Library:
    """Library sequences indexed for vectorised lookup, one table per guide length."""

    def __init__(self, seqs: Sequence[str]) -> None:
        self.seqs = list(seqs)
        lens = np.array([len(s) for s in self.seqs])
        self.lengths = sorted({int(x) for x in lens}, reverse=True)
        self.min_len = min(self.lengths)
        self.tables: dict[int, tuple[pd.Index, np.ndarray]] = {}
        self.fallback: dict[bytes, int] = {}
        for ln in self.lengths:
            idx = np.flatnonzero(lens == ln)
            if ln > 32:
                for i in idx:
                    self.fallback[self.seqs[i].encode()] = int(i)
                continue
            raw = np.frombuffer(
                "".join(self.seqs[i] for i in idx).encode("ascii", errors="replace"), np.uint8
            )
            c = _CODE[raw.reshape(idx.shape[0], ln)].T
            ok = np.maximum.reduce(c, axis=0) <= 3
            for i in idx[~ok]:
                self.fallback[self.seqs[i].encode()] = int(i)
            self.tables[ln] = (pd.Index(_pack(c[:, ok])), idx[ok])

    def match(self, win: np.ndarray, count_n: bool) -> np.ndarray:
        """Library index of each read window (-1 when absent or containing N).

        ``win`` is guide length x reads (bases of window position j in row j).
        """
        ln = win.shape[0]
        out = np.full(win.shape[1], -1, dtype=np.int64)
        c = _CODE[win]
        worst = np.maximum.reduce(c, axis=0)
        clean = worst <= 3
        if ln in self.tables:
            lib_index, idx_lib = self.tables[ln]
            if len(lib_index):
                rows = np.flatnonzero(clean)
                pos = lib_index.get_indexer(_pack(c[:, rows]))
                hit = pos >= 0
                out[rows[hit]] = idx_lib[pos[hit]]
        if self.fallback:
            has_n = (c == 4).any(axis=0)
            rest = np.flatnonzero((out < 0) & (count_n | ~has_n))
            for r in rest:
                j = self.fallback.get(np.ascontiguousarray(win[:, r]).tobytes())
                if j is not None:
                    out[r] = j
        return out


def _pack(c: np.ndarray) -> np.ndarray:
    """2-bit codes of the columns of ``c`` (guide position x reads, values 0-3)."""
    code = np.zeros(c.shape[1], dtype=np.uint64)
    for j in range(c.shape[0]):
        code <<= np.uint64(2)
        code |= c[j]
    return code


def _windows(buf: np.ndarray, start: np.ndarray, offset: int, ln: int) -> np.ndarray:
    """Bases ``offset .. offset + ln`` of each read, as a guide position x reads array."""
    out = np.empty((ln, start.shape[0]), dtype=np.uint8)
    pos = start + offset
    for j in range(ln):
        np.take(buf, pos + j, out=out[j])
    return out


def _detect_trim5(path: str, lib: _Library, count_n: bool) -> list[int]:
    """MAGeCK's ``mageckcount_trim5_auto`` on the first 100,000 reads."""
    hits: dict[int, list[int]] = {}  # trim -> [count, first read]
    nreads = 0
    for ch in iter_fastq(path, max_reads=100000):
        nreads += ch.start.shape[0]
        todo = np.ones(ch.start.shape[0], dtype=bool)
        maxlen = int(ch.length.max()) if ch.length.size else 0
        for t in range(0, maxlen - lib.min_len + 1):
            cand = todo & (t < ch.length - lib.min_len + 1)
            if not cand.any():
                continue
            for ln in lib.lengths:
                rows = np.flatnonzero(cand & (ch.length - t >= ln))
                if rows.size == 0:
                    continue
                m = lib.match(_windows(ch.buf, ch.start[rows], t, ln), count_n)
                got = rows[m >= 0]
                if got.size:
                    rec = hits.setdefault(t, [0, int(got[0]) + ch.first_read])
                    rec[0] += got.size
                    rec[1] = min(rec[1], int(got[0]) + ch.first_read)
                    todo[got] = False
                    cand[got] = False
    total = sum(v[0] for v in hits.values())
    frac = total / nreads if nreads else 0.0
    logger.info("trim-5 test on %d reads of %s: %d mapped (%.4g)", nreads, path, total, frac)
    if frac < 0.001:
        raise InputFormatError(
            f"FASTQ {path}: cannot determine the 5' trimming length; only {frac * 100:.3g}% of "
            "the first reads contain a library guide (check the library, or give trim_5)"
        )
    if frac < 0.5:
        warnings.warn(
            f"FASTQ {path}: only {frac * 100:.3g}% of the reads contain a library guide",
            IfnexusWarning,
            stacklevel=3,
        )
    ordered = sorted(hits.items(), key=lambda kv: (-kv[1][0], kv[1][1]))
    cand5: list[int] = []
    fracs: list[float] = []
    last = 0.01
    for t, (cnt, _) in ordered:
        f = cnt / total
        if last > f * 3.0:
            break
        cand5.append(t)
        fracs.append(f)
        if sum(fracs) > 0.75:
            break
        if cand5 and f < 0.05:
            break
        last = f
    logger.info("trim-5 for %s: %s", path, cand5)
    return cand5


@dataclass(frozen=True)
class CountResult:
    """Result of :func:`count_fastq`.

    Attributes
    ----------
    counts
        Count table in MAGeCK's row order: index sgRNA, ``Gene``, one int column per sample.
    summary
        Count summary, MAGeCK's columns (:data:`SUMMARY_COLUMNS`), one row per FASTQ file.
    normalized
        Normalised counts of the guides seen in any sample (then unseen guides as 0).
    size_factors
        Size factor per sample.
    trim5
        The 5' trimming lengths used, per FASTQ file.
    """

    counts: pd.DataFrame
    summary: pd.DataFrame
    normalized: pd.DataFrame
    size_factors: pd.Series
    trim5: dict[str, list[int]]
    n_seen: int

    def write(self, prefix: str | os.PathLike[str]) -> list[Path]:
        """Write ``PREFIX.count.txt``, ``PREFIX.count_normalized.txt`` and
        ``PREFIX.countsummary.txt`` as ``mageck count`` does; atomic."""
        prefix = str(prefix)
        out = []
        samples = [c for c in self.counts.columns if c != "Gene"]
        p = Path(prefix + ".count.txt")
        lines = ["\t".join(["sgRNA", "Gene", *samples])]
        vals = self.counts[samples].to_numpy(dtype=np.int64)
        for sid, g, row in zip(self.counts.index, self.counts["Gene"], vals.tolist(), strict=True):
            lines.append("\t".join([sid, g, *map(str, row)]))
        with atomic_open(p, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(lines) + "\n")
        out.append(p)
        p = Path(prefix + ".count_normalized.txt")
        lines = ["\t".join(["sgRNA", "Gene", *samples])]
        nv = self.normalized[samples].to_numpy(dtype=np.float64).tolist()
        for i, (sid, g) in enumerate(zip(self.normalized.index, self.normalized["Gene"],
                                         strict=True)):  # fmt: skip
            if i < self.n_seen:
                lines.append("\t".join([sid, g, *map(repr, nv[i])]))
            else:
                lines.append("\t".join([sid, g, *(["0"] * len(samples))]))
        with atomic_open(p, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(lines) + "\n")
        out.append(p)
        p = Path(prefix + ".countsummary.txt")
        s = self.summary
        lines = ["\t".join(SUMMARY_COLUMNS)]
        for r in s.itertuples(index=False):
            lines.append(
                "\t".join(
                    [
                        str(r.File), str(r.Label), str(r.Reads), str(r.Mapped),
                        f"{r.Percentage:.4g}", str(r.TotalsgRNAs), str(r.Zerocounts),
                        f"{r.GiniIndex:.4g}", "0", "1", "1", "1", "0.0",
                    ]
                )
            )  # fmt: skip
        with atomic_open(p, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(lines) + "\n")
        out.append(p)
        return out


def count_fastq(
    fastq: Sequence[str | os.PathLike[str] | Sequence[str | os.PathLike[str]]],
    library: pd.DataFrame | str | os.PathLike[str],
    *,
    sample_labels: Sequence[str] | None = None,
    trim_5: str | int | Sequence[int] = "AUTO",
    count_n: bool = False,
    reverse_complement: bool = False,
    norm_method: NormMethod = "median",
    control_sgrna: Sequence[str] | None = None,
) -> CountResult:
    """Count library guides in FASTQ files, reproducing ``mageck count``.

    Parameters
    ----------
    fastq
        One entry per sample: a path, or a list of paths (or a comma-separated string) of
        technical replicates that are summed.
    library
        Library table (``sgRNA``, ``sequence``, ``Gene``) or a library file path.
    sample_labels
        One label per sample (default ``sample1``, ``sample2``...).
    trim_5
        ``"AUTO"`` (MAGeCK's detection per file) or the 5' trimming length(s) to try, in order.
    count_n
        Count windows containing ``N`` (``--count-n``).
    reverse_complement
        Reverse-complement the library guides (``--reverse-complement``, when reading a file).
    norm_method, control_sgrna
        Normalisation for the normalised table (``--norm-method``, ``--control-sgrna``).

    Returns
    -------
    CountResult
        ``.counts`` (index sgRNA, ``Gene``, samples), ``.summary`` (columns ``File, Label,
        Reads, Mapped, Percentage, TotalsgRNAs, Zerocounts, GiniIndex``), ``.normalized``,
        ``.size_factors``, ``.trim5``.
    """
    lib = (
        library.copy()
        if isinstance(library, pd.DataFrame)
        else read_library(library, reverse_complement=reverse_complement)
    )
    for c in ("sgRNA", "sequence", "Gene"):
        if c not in lib.columns:
            raise ValidationError(f"library table needs columns sgRNA, sequence, Gene; no {c!r}")
    seqs = lib["sequence"].astype(str).str.upper().tolist()
    index = _Library(seqs)
    groups: list[list[str]] = []
    for f in fastq:
        if isinstance(f, str | os.PathLike):
            groups.append([x for x in str(f).split(",") if x])
        else:
            groups.append([str(x) for x in f])
    if not groups:
        raise ValidationError("no FASTQ files given")
    labels = (
        list(sample_labels)
        if sample_labels is not None
        else [f"sample{i}" for i in range(1, len(groups) + 1)]
    )
    if len(labels) != len(groups):
        raise ValidationError(
            f"{len(labels)} sample labels for {len(groups)} samples; give one label per sample"
        )
    if isinstance(trim_5, str):
        if trim_5.upper() in ("AUTO", "AUTOTEST"):
            fixed = None
        else:
            try:
                fixed = [int(x) for x in trim_5.split(",")]
            except ValueError:
                raise ValidationError(f"trim_5 must be AUTO or integers, got {trim_5!r}") from None
    elif isinstance(trim_5, int):
        fixed = [trim_5]
    else:
        fixed = [int(x) for x in trim_5]
    if fixed is not None and any(x < 0 for x in fixed):
        raise ValidationError(f"trim_5 lengths must be >= 0, got {fixed}")

    nlib = len(seqs)
    counts = np.zeros((nlib, len(groups)), dtype=np.int64)
    first = np.full(nlib, np.iinfo(np.int64).max, dtype=np.int64)
    rows_summary = []
    trim_used: dict[str, list[int]] = {}
    big = np.int64(1) << np.int64(40)
    for si, files in enumerate(groups):
        for fj, path in enumerate(files):
            cand = fixed if fixed is not None else _detect_trim5(path, index, count_n)
            trim_used[path] = list(cand)
            fc = np.zeros(nlib, dtype=np.int64)
            nreads = 0
            for ch in iter_fastq(path):
                nreads += ch.start.shape[0]
                hit = np.full(ch.start.shape[0], -1, dtype=np.int64)
                for t in cand:
                    for ln in index.lengths:
                        rows = np.flatnonzero((hit < 0) & (ch.length - t >= ln))
                        if rows.size == 0:
                            continue
                        m = index.match(_windows(ch.buf, ch.start[rows], t, ln), count_n)
                        ok = m >= 0
                        hit[rows[ok]] = m[ok]
                got = np.flatnonzero(hit >= 0)
                fc += np.bincount(hit[got], minlength=nlib)
                key = (np.int64(si) * big * 64 + np.int64(fj) * big) + got + ch.first_read
                np.minimum.at(first, hit[got], key)
            counts[:, si] += fc
            seen = fc > 0
            logv = np.concatenate([np.log(fc[seen] + 1.0), np.zeros(int((~seen).sum()))])
            rows_summary.append(
                {
                    "File": path, "Label": labels[si], "Reads": nreads,
                    "Mapped": int(fc.sum()), "Percentage": fc.sum() / max(nreads, 1.0),
                    "TotalsgRNAs": nlib, "Zerocounts": int((~seen).sum()),
                    "GiniIndex": gini_index(logv),
                }
            )  # fmt: skip
    seen_any = first < np.iinfo(np.int64).max
    order_seen = np.flatnonzero(seen_any)[np.argsort(first[seen_any], kind="stable")]
    order = np.concatenate([order_seen, np.flatnonzero(~seen_any)])
    ids = lib["sgRNA"].astype(str).to_numpy()[order]
    genes = lib["Gene"].astype(str).to_numpy()[order]
    cnt = pd.DataFrame(counts[order], columns=labels, index=pd.Index(ids, name="sgRNA"))
    cnt.insert(0, "Gene", genes)
    nseen = order_seen.shape[0]
    mat = counts[order_seen].astype(np.float64)
    ctrl_rows = None
    if control_sgrna is not None:
        ctrl = set(control_sgrna)
        ctrl_rows = np.flatnonzero(np.isin(ids[:nseen], list(ctrl)))
    if nseen == 0:
        raise InputFormatError("no library guide was found in any FASTQ file")
    factors, _ = size_factors(mat, method=norm_method, control_rows=ctrl_rows, labels=labels)
    norm = pd.DataFrame(
        np.vstack([mat * factors[None, :], np.zeros((nlib - nseen, len(labels)))]),
        columns=labels,
        index=cnt.index,
    )
    norm.insert(0, "Gene", genes)
    summary = pd.DataFrame(rows_summary)
    summary["Percentage"] = summary["Percentage"].astype(float)
    for r in summary.itertuples():
        logger.info("%s: %d reads, %d mapped", r.File, r.Reads, r.Mapped)
    return CountResult(
        counts=cnt,
        summary=summary,
        normalized=norm,
        size_factors=pd.Series(factors, index=labels, name="size_factor"),
        trim5=trim_used,
        n_seen=nseen,
    )
