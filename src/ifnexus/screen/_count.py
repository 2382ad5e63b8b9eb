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

The matching is vectorised and exact: each read window is gathered as a few uint64 words (one
strided copy), fingerprinted, looked up in an open-addressing hash table of the library guides
of that length and then compared word by word with the candidate guide, so no Python code runs
per read and any guide length or alphabet works. pandas is imported only when a table is asked
for, so the ``screen count`` command starts in a fraction of a second.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ifnexus._io import atomic_open
from ifnexus._textfile import decode_text
from ifnexus.errors import IfnexusWarning, InputFormatError, ValidationError
from ifnexus.screen._fastq import SeqChunk, iter_fastq
from ifnexus.screen._normalize import NormMethod, size_factors

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

__all__ = ["CountResult", "count_fastq", "gini_index"]

SUMMARY_COLUMNS = [
    "File", "Label", "Reads", "Mapped", "Percentage", "TotalsgRNAs", "Zerocounts", "GiniIndex",
    "NegSelQC", "NegSelQCPval", "NegSelQCPvalPermutation", "NegSelQCPvalPermutationFDR",
    "NegSelQCGene",
]  # fmt: skip


MAX_ID_LENGTH = 1000
"""Longest sgRNA id or gene name accepted, in characters (longer ones are refused)."""

_NOT_DNA = re.compile("[^ACGTN]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def check_id(value: str, what: str, where: str) -> None:
    """Refuse an empty id, one with control characters (tab, newline...) or one too long."""
    if not value.strip():
        raise InputFormatError(f"{where}: empty {what}")
    bad = _CONTROL.search(value)
    if bad:
        raise InputFormatError(
            f"{where}: {what} {value[:40]!r} contains the control character "
            f"{bad.group()!r}; tabs and newlines would corrupt the tab-separated outputs"
        )
    if len(value) > MAX_ID_LENGTH:
        raise InputFormatError(
            f"{where}: {what} {value[:40]!r}... is {len(value)} characters long; the limit "
            f"is {MAX_ID_LENGTH}"
        )


def _check_record(sid: str, seq: str, gene: str, where: str) -> None:
    """Check one library record: ids as :func:`check_id`, the sequence as DNA (ACGTN)."""
    check_id(sid, "sgRNA id", where)
    check_id(gene, "gene", where)
    if not seq:
        raise InputFormatError(f"{where}: empty sequence for sgRNA {sid!r}")
    bad = _NOT_DNA.search(seq)
    if bad:
        raise InputFormatError(
            f"{where}: sequence {seq[:40]!r} of sgRNA {sid!r} is not DNA (character "
            f"{bad.group()!r} at position {bad.start() + 1}); expected A, C, G, T or N"
        )


def _sep_for(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return "," if name.endswith(".csv") else "\t"


def read_library_records(
    path: str | os.PathLike[str], *, reverse_complement: bool = False
) -> tuple[list[str], list[str], list[str]]:
    """Read an sgRNA library file (sgRNA id, sequence, gene), as ``mageck count -l`` does.

    Follows MAGeCK: CSV when the name ends in ``.csv``, else tab-separated; the first line is a
    header when its sequence field has characters other than A, C, G, T; sequences are
    upper-cased; a repeated sgRNA id or a repeated sequence is skipped with a warning (the first
    record wins). Stricter than MAGeCK: a sequence must be DNA (A, C, G, T and N, any case;
    guides with N are matched only with ``count_n``), ids and genes must be non-empty, at most
    :data:`MAX_ID_LENGTH` characters and free of control characters; the file must be UTF-8
    (gzip allowed, by content).

    Returns
    -------
    Lists of sgRNA ids, sequences and genes, in file order.

    Raises
    ------
    InputFormatError
        A missing, empty, header-only, non-UTF-8 or corrupt gzip file, or a record as above
        (the message names the file and line).
    """
    p = Path(path)
    text = decode_text(p, "library")
    sep = _sep_for(p)
    ids: list[str] = []
    seqs: list[str] = []
    genes: list[str] = []
    seen_id: set[str] = set()
    seen_seq: set[str] = set()
    n_dup_seq = 0
    complement = str.maketrans("ACGT", "TGCA")
    for n, line in enumerate(text.split("\n"), start=1):
        field = line.strip().split(sep)
        if n == 1 and len(field) >= 2 and re.search("[^ATCG]", field[1].upper()):
            continue  # header line
        if not line.strip():
            continue
        if len(field) < 3:
            raise InputFormatError(
                f"library {p}, line {n}: expected sgRNA id, sequence and gene, found "
                f"{len(field)} field(s)"
            )
        sid, seq, gene = field[0], field[1].upper(), field[2]
        _check_record(sid, seq, gene, f"library {p}, line {n}")
        if sid in seen_id:
            warnings.warn(
                f"library {p}, line {n}: duplicated sgRNA id {sid!r}; record skipped",
                IfnexusWarning,
                stacklevel=2,
            )
            continue
        if reverse_complement:
            seq = seq.translate(complement)[::-1]
        if seq in seen_seq:
            n_dup_seq += 1
            continue
        seen_id.add(sid)
        seen_seq.add(seq)
        ids.append(sid)
        seqs.append(seq)
        genes.append(gene)
    if not ids:
        raise InputFormatError(f"library {p}: no sgRNA records found")
    if n_dup_seq:
        warnings.warn(
            f"library {p}: {n_dup_seq} sgRNA(s) with a sequence already listed were skipped",
            IfnexusWarning,
            stacklevel=2,
        )
    logger.info("loaded %d sgRNAs from %s", len(ids), p)
    return ids, seqs, genes


def gini_index(x: np.ndarray | Sequence[float]) -> float:
    """Compute MAGeCK's Gini index of read counts.

    ``1 - 2 (n - sum(i x_(i)) / sum(x)) / (n - 1)`` with ``x`` sorted ascending and ``i`` from
    1: 0 for equal counts, 1 when one sgRNA has every read.

    Parameters
    ----------
    x
        Counts of the sgRNAs of one sample.

    Returns
    -------
    float
        The index (0 for fewer than two counts).

    Examples
    --------
    For 1, 2, 3, 4: ``1 - 2 (4 - 30/10) / 3 = 1/3``.

    >>> from ifnexus.screen import gini_index
    >>> gini_index([5, 5, 5, 5]), gini_index([0, 0, 0, 8])
    (0.0, 1.0)
    >>> round(gini_index([1, 2, 3, 4]), 12)
    0.333333333333
    """
    xs = np.sort(np.asarray(x, dtype=np.float64))
    n = xs.shape[0]
    if n < 2:
        return 0.0
    ysum = float(xs.sum()) or 1.0
    gssum = float(((np.arange(n) + 1.0) * xs).sum())
    return 1.0 - 2.0 * (n - gssum / ysum) / (n - 1)


_WORD_K = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5,
     0x94D049BB133111EB, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x2545F4914F6CDD1D],
    dtype=np.uint64,
)  # fmt: skip


_FOLD = np.uint64(0xDFDFDFDFDFDFDFDF)
"""Clearing bit 0x20 of each byte upper-cases a-z; only a/A map to A (and so on for C, G, T, N)."""


def _fingerprint(words: np.ndarray, salt: int) -> np.ndarray:
    """64-bit hash of each row of ``words`` (rows x words, uint64); the top bits are mixed.

    Only the slot and the overflow search use it: a match is always confirmed byte by byte.
    """
    k = _WORD_K[(np.arange(words.shape[1] + 1) + salt) % _WORD_K.shape[0]]
    f = words[:, 0] * k[0]
    for j in range(1, words.shape[1]):
        f ^= words[:, j] * k[j]
    f ^= f >> np.uint64(29)
    f *= k[-1]
    return f


class _LengthTable:
    """Library guides of one length: their bytes as masked uint64 words, and a fingerprint hash.

    A read window is looked up by the fingerprint of its words: each guide sits in the slot
    named by the top bits of its fingerprint, or, when another guide took that slot, in a small
    sorted overflow list searched only for the windows that land on such a slot. The candidate
    is then compared word by word with the window, so a match is exact byte equality whatever
    the fingerprint. Repeated sequences keep their first record.
    """

    def __init__(self, ln: int, raw: np.ndarray, idx: np.ndarray) -> None:
        self.ln = ln
        self.nw = (ln + 7) // 8
        nbytes = 8 * self.nw
        n = idx.shape[0]
        tail = ln - 8 * (self.nw - 1)
        self.last_mask = np.uint64((1 << (8 * tail)) - 1) if tail < 8 else ~np.uint64(0)
        padded = np.zeros((n, nbytes), dtype=np.uint8)
        padded[:, :ln] = raw.reshape(n, ln)
        words = padded.view(np.uint64).reshape(n, self.nw)  # little-endian bytes
        self.void = np.dtype((np.void, nbytes))
        for salt in range(_WORD_K.shape[0]):
            fp = _fingerprint(words, salt)
            order = np.argsort(fp, kind="stable")
            fs = fp[order]
            same = np.flatnonzero(fs[1:] == fs[:-1])
            if (words[order[same]] == words[order[same + 1]]).all():
                break  # equal fingerprints only for repeated sequences
        else:  # pragma: no cover - 8 independent 64-bit fingerprints all clashing
            raise ValidationError("library sequences could not be indexed (fingerprint clash)")
        self.salt = salt
        keep = np.ones(n, dtype=bool)
        keep[order[same + 1]] = False  # repeated sequence: the first record wins
        keep_idx = np.flatnonzero(keep)
        fp = fp[keep_idx]
        lib_idx = idx[keep_idx].astype(np.int64)
        # word columns indexed by library index, plus a last all-ones row that index -1 (no
        # candidate) reads: whatever it matches, the result stays -1
        size = int(idx.max()) + 2 if n else 1
        self.cols = []
        for j in range(self.nw):
            col = np.full(size, ~np.uint64(0), dtype=np.uint64)
            col[lib_idx] = words[keep_idx, j]
            self.cols.append(col)
        # a sparse table (load <= 1/32) so few windows land on a slot with overflow
        bits = max(4, int(np.ceil(np.log2(max(fp.shape[0], 1) * 32))))
        self.shift = np.uint64(64 - bits)
        home = (fp >> self.shift).astype(np.int64)
        _, first = np.unique(home, return_index=True)
        self.val = np.full(1 << bits, -1, dtype=np.int32 if size < 2**31 else np.int64)
        self.val[home[first]] = lib_idx[first]
        rest = np.setdiff1d(np.arange(fp.shape[0]), first, assume_unique=True)
        self.overflow = np.zeros(1 << bits, dtype=bool)
        self.overflow[home[rest]] = True
        o = np.argsort(fp[rest])
        self.ovf_key = fp[rest][o]
        self.ovf_val = lib_idx[rest][o]

    def match(self, buf: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """Library index of the window at each of ``pos`` in ``buf`` (-1 when absent)."""
        nb = 8 * self.nw
        view = np.ndarray((buf.shape[0] - nb + 1,), dtype=self.void, buffer=buf, strides=(1,))
        w = view[pos].view(np.uint64).reshape(pos.shape[0], self.nw)
        w &= _FOLD  # a-z -> A-Z; exact for a library of A, C, G, T, N
        w[:, -1] &= self.last_mask
        fp = _fingerprint(w, self.salt)
        slot = (fp >> self.shift).view(np.int64)  # < 2^bits: the same value
        cand = self.val[slot].astype(np.int64)
        if self.ovf_key.shape[0]:
            rows = np.flatnonzero(self.overflow[slot])
            if rows.size:
                f = fp[rows]
                j = np.minimum(np.searchsorted(self.ovf_key, f), self.ovf_key.shape[0] - 1)
                found = self.ovf_key[j] == f
                cand[rows[found]] = self.ovf_val[j[found]]
        # exact check, word by word, against the candidate guide
        diff = w[:, 0] ^ self.cols[0][cand]
        for j in range(1, self.nw):
            diff |= w[:, j] ^ self.cols[j][cand]
        return np.where(diff == 0, cand, -1)


class _Library:
    """Library sequences indexed for vectorised exact lookup, one table per guide length.

    A window matches a guide when its bytes equal the guide's. Without ``count_n`` a window
    containing ``N`` is never counted (MAGeCK), which is the same as leaving guides containing
    ``N`` out of the index.
    """

    def __init__(self, seqs: Sequence[str], count_n: bool = False) -> None:
        self.seqs = list(seqs)
        if any(len(s) == 0 for s in self.seqs):
            k = next(i for i, s in enumerate(self.seqs) if not s)
            raise ValidationError(f"library sgRNA {k + 1} has an empty sequence")
        lens = np.array([len(s) for s in self.seqs])
        self.lengths = sorted({int(x) for x in lens}, reverse=True)
        self.min_len = min(self.lengths)
        usable = np.array([count_n or "N" not in s for s in self.seqs], dtype=bool)
        self.tables: dict[int, _LengthTable] = {}
        for ln in self.lengths:
            idx = np.flatnonzero((lens == ln) & usable)
            if idx.size == 0:
                continue
            raw = np.frombuffer("".join(self.seqs[i] for i in idx).encode("utf-8"), np.uint8)
            if raw.shape[0] != idx.shape[0] * ln:  # a letter took more than one byte
                raise ValidationError("library sequences must be ASCII")
            self.tables[ln] = _LengthTable(ln, raw, idx)

    def match(self, buf: np.ndarray, pos: np.ndarray, ln: int) -> np.ndarray:
        """Library index of the ``ln``-base window at each of ``pos`` (-1 when absent)."""
        tab = self.tables.get(ln)
        if tab is None or pos.shape[0] == 0:
            return np.full(pos.shape[0], -1, dtype=np.int64)
        return tab.match(buf, pos)


def _match_reads(
    lib: _Library, ch: SeqChunk, trims: Sequence[int], rows: np.ndarray | None = None
) -> np.ndarray:
    """Match reads to library guides.

    For each read (or each of ``rows``), the library index of the first trim offset and the
    longest guide length whose window is a guide; -1 when none.
    """
    start = ch.start if rows is None else ch.start[rows]
    length = ch.length if rows is None else ch.length[rows]
    hit = np.full(start.shape[0], -1, dtype=np.int64)
    tried = False
    shortest = int(length.min()) if length.shape[0] else 0
    for t in trims:
        for ln in lib.lengths:
            todo = (hit < 0) if tried else None  # None: every read still unmatched
            if todo is None and shortest >= t + ln:  # the usual case: every read, all fit
                r = None
                m = lib.match(ch.buf, start + t if t else start, ln)
            else:
                sel = length >= t + ln
                if todo is not None:
                    sel &= todo
                r = np.flatnonzero(sel)
                if r.size == 0:
                    continue
                m = lib.match(ch.buf, start[r] + t, ln)
            if r is None:
                hit = m
            else:
                ok = m >= 0
                hit[r[ok]] = m[ok]
            tried = True
    return hit


def _detect_trim5(path: str, lib: _Library) -> list[int]:
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
                m = lib.match(ch.buf, ch.start[rows] + t, ln)
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


# MAGeCK's count-summary column -> the tidy summary's
_TIDY_NAMES = {
    "Label": "sample", "File": "file", "Reads": "reads", "Mapped": "mapped",
    "Percentage": "mapped_fraction", "TotalsgRNAs": "n_sgrnas", "Zerocounts": "zero_sgrnas",
    "GiniIndex": "gini_index",
}  # fmt: skip


@functools.cache
def _count_summary_class() -> type:
    """Build (once) a DataFrame class whose old (MAGeCK) column names still index it, warning."""
    import pandas as pd

    class CountSummary(pd.DataFrame):
        @property
        def _constructor(self):  # derived tables are plain DataFrames
            return pd.DataFrame

        def __getitem__(self, key: object) -> object:
            if isinstance(key, str) and key in _TIDY_NAMES and key not in self.columns:
                warnings.warn(
                    f"CountResult.summary[{key!r}] is deprecated and will be removed in the "
                    f"next release: the column is now {_TIDY_NAMES[key]!r} (MAGeCK's columns: "
                    "CountResult.countsummary)",
                    FutureWarning,
                    stacklevel=2,
                )
                key = _TIDY_NAMES[key]
            return super().__getitem__(key)

    return CountSummary


class CountResult:
    """Result of :func:`count_fastq`; the tables are built on first access (pandas).

    Attributes
    ----------
    counts
        Count table in MAGeCK's row order: index sgRNA, ``Gene``, one int column per sample
        (guides x samples, the layout of MAGeCK's ``count.txt``).
    summary
        Tidy count summary, one row per FASTQ file: ``sample, file, reads, mapped,
        mapped_fraction, n_sgrnas, zero_sgrnas, gini_index``.
    countsummary
        The same in MAGeCK's columns ``File, Label, Reads, Mapped, Percentage, TotalsgRNAs,
        Zerocounts, GiniIndex``.
    normalized
        Normalised counts of the guides seen in any sample (then unseen guides as 0).
    size_factors
        Size factor per sample.
    trim5
        The 5' trimming lengths used, per FASTQ file.
    unmapped
        With ``unmapped_to_file``: the ``sgrna_len``-base windows of the unmapped reads in
        order of first detection, as (sequence, counts per sample); otherwise None.

    Parameters
    ----------
    ids, genes
        sgRNA ids and their genes, in MAGeCK's row order.
    counts
        Counts, guides x samples, in that order.
    labels
        Sample labels.
    summary_rows
        One dict per FASTQ file, the rows of ``summary``.
    factors
        Size factor per sample.
    trim5
        The 5' trimming lengths used, per FASTQ file.
    n_seen
        Number of leading rows that are guides seen in some sample (the rest are unseen).
    unmapped
        The unmapped windows, as the attribute.
    """

    def __init__(
        self,
        ids: np.ndarray,
        genes: np.ndarray,
        counts: np.ndarray,
        labels: list[str],
        summary_rows: list[dict],
        factors: np.ndarray,
        trim5: dict[str, list[int]],
        n_seen: int,
        unmapped: list[tuple[str, list[int]]] | None = None,
    ) -> None:
        self.ids = ids
        self.genes = genes
        self.count_matrix = counts
        self.labels = labels
        self.summary_rows = summary_rows
        self.factors = factors
        self.trim5 = trim5
        self.n_seen = n_seen
        self.unmapped = unmapped
        self._cache: dict[str, object] = {}

    def _normalized_matrix(self) -> np.ndarray:
        mat = self.count_matrix.astype(np.float64)
        mat[: self.n_seen] *= self.factors[None, :]
        mat[self.n_seen :] = 0.0
        return mat

    def _table(self, key: str, mat: Callable[[], np.ndarray]):
        """Return the sgRNA x sample table of ``mat()`` with the ``Gene`` column (built once)."""
        if key not in self._cache:
            import pandas as pd

            tab = pd.DataFrame(mat(), columns=self.labels, index=pd.Index(self.ids, name="sgRNA"))
            tab.insert(0, "Gene", self.genes)
            self._cache[key] = tab
        return self._cache[key]

    @property
    def counts(self):
        return self._table("counts", lambda: self.count_matrix)

    @property
    def normalized(self):
        return self._table("normalized", self._normalized_matrix)

    @property
    def summary(self):
        """Tidy per-file count summary (one row per FASTQ file, in input order).

        Columns: ``sample`` (the label), ``file``, ``reads``, ``mapped`` (reads assigned to a
        guide), ``mapped_fraction`` (mapped / reads), ``n_sgrnas`` (library guides),
        ``zero_sgrnas`` (guides with no read in the sample), ``gini_index`` (of the sample's
        counts). The same numbers as MAGeCK's ``countsummary`` (:attr:`countsummary`).

        Until 0.2 this table had MAGeCK's column names (``File``, ``Label``, ``Reads``...);
        indexing it by an old name still works for one release, with a ``FutureWarning``.
        """
        if "summary" not in self._cache:
            tidy = self.countsummary.rename(columns=_TIDY_NAMES)[list(_TIDY_NAMES.values())]
            self._cache["summary"] = _count_summary_class()(tidy)
        return self._cache["summary"]

    @property
    def countsummary(self):
        """Count summary in MAGeCK's ``countsummary.txt`` columns.

        ``File, Label, Reads, Mapped, Percentage, TotalsgRNAs, Zerocounts, GiniIndex``, one row
        per FASTQ file.
        """
        if "countsummary" not in self._cache:
            import pandas as pd

            s = pd.DataFrame(self.summary_rows)
            s["Percentage"] = s["Percentage"].astype(float)
            self._cache["countsummary"] = s
        return self._cache["countsummary"]

    @property
    def size_factors(self):
        import pandas as pd

        return pd.Series(self.factors, index=self.labels, name="size_factor")

    def write(self, prefix: str | os.PathLike[str]) -> list[Path]:
        """Write the files of ``mageck count``, atomically.

        ``PREFIX.count.txt``, ``PREFIX.count_normalized.txt`` and ``PREFIX.countsummary.txt``
        (and ``PREFIX.unmapped.txt`` when unmapped windows were collected).

        Parameters
        ----------
        prefix
            Output prefix (``-n``).

        Returns
        -------
        list of Path
            The files written.
        """
        prefix = str(prefix)
        out = []
        samples = self.labels
        p = Path(prefix + ".count.txt")
        lines = ["\t".join(["sgRNA", "Gene", *samples])]
        for sid, g, row in zip(self.ids.tolist(), self.genes.tolist(),
                               self.count_matrix.tolist(), strict=True):  # fmt: skip
            lines.append("\t".join([sid, g, *map(str, row)]))
        with atomic_open(p, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(lines) + "\n")
        out.append(p)
        p = Path(prefix + ".count_normalized.txt")
        lines = ["\t".join(["sgRNA", "Gene", *samples])]
        nv = self._normalized_matrix().tolist()
        zeros = ["0"] * len(samples)
        for i, (sid, g) in enumerate(zip(self.ids.tolist(), self.genes.tolist(), strict=True)):
            if i < self.n_seen:
                lines.append("\t".join([sid, g, *map(repr, nv[i])]))
            else:
                lines.append("\t".join([sid, g, *zeros]))
        with atomic_open(p, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(lines) + "\n")
        out.append(p)
        p = Path(prefix + ".countsummary.txt")
        lines = ["\t".join(SUMMARY_COLUMNS)]
        for r in self.summary_rows:
            lines.append(
                "\t".join(
                    [
                        str(r["File"]), str(r["Label"]), str(r["Reads"]), str(r["Mapped"]),
                        f"{r['Percentage']:.4g}", str(r["TotalsgRNAs"]), str(r["Zerocounts"]),
                        f"{r['GiniIndex']:.4g}", "0", "1", "1", "1", "0.0",
                    ]
                )
            )  # fmt: skip
        with atomic_open(p, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(lines) + "\n")
        out.append(p)
        if self.unmapped is not None:
            # MAGeCK: "window<TAB>window<TAB>counts", no header, first-detection order
            p = Path(prefix + ".unmapped.txt")
            with atomic_open(p, "w", encoding="utf-8", newline="\n") as fh:
                fh.write("".join(f"{w}\t{w}\t" + "\t".join(map(str, c)) + "\n"
                                 for w, c in self.unmapped))  # fmt: skip
            out.append(p)
        return out


def _library_records(library, reverse_complement: bool) -> tuple[list[str], list[str], list[str]]:
    """Return the sgRNA ids, upper-case sequences and genes of a library table or file."""
    if isinstance(library, str | os.PathLike):
        return read_library_records(library, reverse_complement=reverse_complement)
    cols = getattr(library, "columns", None)
    if cols is None:
        raise ValidationError("library must be a file path or a table (sgRNA, sequence, Gene)")
    for c in ("sgRNA", "sequence", "Gene"):
        if c not in cols:
            raise ValidationError(f"library table needs columns sgRNA, sequence, Gene; no {c!r}")
    ids = library["sgRNA"].astype(str).tolist()
    seqs = library["sequence"].astype(str).str.upper().tolist()
    genes = library["Gene"].astype(str).tolist()
    for i, rec in enumerate(zip(ids, seqs, genes, strict=True)):
        _check_record(*rec, f"library table, row {i}")
    return ids, seqs, genes


class _Unmapped:
    """Distinct windows of unmapped reads with counts per sample and first detection."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]] = []

    def add(self, ch: SeqChunk, rows: np.ndarray, trim: int, count_n: bool, key0: int,
            sample: int) -> None:  # fmt: skip
        rows = rows[ch.length[rows] >= trim + self.width]
        if rows.size == 0:
            return
        view = np.ndarray((ch.buf.shape[0] - self.width + 1,), dtype=f"S{self.width}",
                          buffer=ch.buf, strides=(1,))  # fmt: skip
        win = view[ch.start[rows] + trim]
        if not count_n:
            keep = np.char.find(win, b"N") < 0
            win, rows = win[keep], rows[keep]
        u, first, cnt = np.unique(win, return_index=True, return_counts=True)
        self.parts.append((u, cnt, key0 + rows[first] + ch.first_read, sample))

    def table(self, nsample: int) -> list[tuple[str, list[int]]]:
        if not self.parts:
            return []
        allw = np.concatenate([p[0] for p in self.parts])
        u, inv = np.unique(allw, return_inverse=True)
        counts = np.zeros((u.shape[0], nsample), dtype=np.int64)
        first = np.full(u.shape[0], np.iinfo(np.int64).max, dtype=np.int64)
        off = 0
        for w, cnt, key, sample in self.parts:
            k = inv[off : off + w.shape[0]]
            np.add.at(counts[:, sample], k, cnt)
            np.minimum.at(first, k, key)
            off += w.shape[0]
        order = np.argsort(first, kind="stable")
        return [(u[i].decode("ascii", errors="replace"), counts[i].tolist()) for i in order]


def count_fastq(
    fastq: Sequence[str | os.PathLike[str] | Sequence[str | os.PathLike[str]]],
    library: str | os.PathLike[str] | pd.DataFrame,
    *,
    sample_labels: Sequence[str] | None = None,
    trim_5: str | int | Sequence[int] = "AUTO",
    count_n: bool = False,
    reverse_complement: bool = False,
    norm_method: NormMethod = "median",
    control_sgrna: Sequence[str] | None = None,
    unmapped_to_file: bool = False,
    sgrna_len: int = 20,
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
    unmapped_to_file, sgrna_len
        Also tally, per sample, the first ``sgrna_len`` bases (after the trim) of every read
        that matched no guide (``--unmapped-to-file``; MAGeCK writes them to
        ``PREFIX.unmapped.txt``). Needs a single trim length per file, as in MAGeCK.

    Returns
    -------
    CountResult
        ``.counts`` (index sgRNA, ``Gene``, samples), ``.summary`` (tidy, one row per file:
        ``sample, file, reads, mapped, mapped_fraction, n_sgrnas, zero_sgrnas, gini_index``),
        ``.countsummary`` (MAGeCK's columns), ``.normalized``, ``.size_factors``, ``.trim5``,
        ``.unmapped``.
    """
    lib_ids, seqs, lib_genes = _library_records(library, reverse_complement)
    index = _Library(seqs, count_n)
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
    for i, lab in enumerate(labels):
        check_id(str(lab), "sample label", f"sample label {i + 1}")
    if len(set(labels)) != len(labels):
        dup = next(x for x in labels if labels.count(x) > 1)
        raise ValidationError(f"sample label {dup!r} is given twice; labels must be unique")
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
    if unmapped_to_file and sgrna_len < 1:
        raise ValidationError(f"sgrna_len must be >= 1, got {sgrna_len}")

    nlib = len(seqs)
    counts = np.zeros((nlib, len(groups)), dtype=np.int64)
    first = np.full(nlib, np.iinfo(np.int64).max, dtype=np.int64)
    rows_summary = []
    trim_used: dict[str, list[int]] = {}
    big = np.int64(1) << np.int64(40)
    unmapped = _Unmapped(sgrna_len) if unmapped_to_file else None
    for si, files in enumerate(groups):
        for fj, path in enumerate(files):
            cand = fixed if fixed is not None else _detect_trim5(path, index)
            if unmapped is not None and len(cand) > 1:
                raise ValidationError(
                    f"FASTQ {path}: unmapped_to_file needs a single 5' trim length, but "
                    f"{cand} were {'given' if fixed is not None else 'detected'} (as MAGeCK, "
                    "give one with trim_5)"
                )
            trim_used[path] = list(cand)
            fc = np.zeros(nlib + 1, dtype=np.int64)
            ffirst = np.full(nlib, -1, dtype=np.int64)
            nreads = 0
            key0 = int(np.int64(si) * big * 64 + np.int64(fj) * big)
            for ch in iter_fastq(path):
                nreads += ch.start.shape[0]
                hit = _match_reads(index, ch, cand)
                cc = np.bincount(hit + 1, minlength=nlib + 1)
                fc += cc
                # first detection of guides not seen before in this file
                fresh = (cc[1:] > 0) & (ffirst < 0)
                if fresh.any():
                    new = np.flatnonzero(np.append(fresh, False)[hit])  # hit -1: the pad
                    g, at = np.unique(hit[new], return_index=True)
                    ffirst[g] = new[at] + ch.first_read
                if unmapped is not None:
                    unmapped.add(ch, np.flatnonzero(hit < 0), cand[-1], count_n, key0, si)
            fc = fc[1:]
            seen_f = ffirst >= 0
            first[seen_f] = np.minimum(first[seen_f], key0 + ffirst[seen_f])
            counts[:, si] += fc
            seen = fc > 0
            logv = np.concatenate([np.log(fc[seen] + 1.0), np.zeros(int((~seen).sum()))])
            rows_summary.append(
                {
                    "File": path, "Label": labels[si], "Reads": nreads,
                    "Mapped": int(fc.sum()), "Percentage": float(fc.sum() / max(nreads, 1.0)),
                    "TotalsgRNAs": nlib, "Zerocounts": int((~seen).sum()),
                    "GiniIndex": gini_index(logv),
                }
            )  # fmt: skip
            logger.info("%s: %d reads, %d mapped", path, nreads, int(fc.sum()))
    seen_any = first < np.iinfo(np.int64).max
    order_seen = np.flatnonzero(seen_any)[np.argsort(first[seen_any], kind="stable")]
    order = np.concatenate([order_seen, np.flatnonzero(~seen_any)])
    ids = np.array(lib_ids, dtype=object)[order]
    genes = np.array(lib_genes, dtype=object)[order]
    nseen = order_seen.shape[0]
    if nseen == 0:
        raise InputFormatError("no library guide was found in any FASTQ file")
    mat = counts[order_seen].astype(np.float64)
    ctrl_rows = None
    if control_sgrna is not None:
        ctrl_rows = np.flatnonzero(np.isin(ids[:nseen], list(set(control_sgrna))))
    factors, _ = size_factors(mat, method=norm_method, control_rows=ctrl_rows, labels=labels)
    return CountResult(
        ids=ids,
        genes=genes,
        counts=counts[order],
        labels=labels,
        summary_rows=rows_summary,
        factors=np.asarray(factors, dtype=np.float64),
        trim5=trim_used,
        n_seen=nseen,
        unmapped=unmapped.table(len(groups)) if unmapped is not None else None,
    )
