"""Bulk expression input: read a genes x samples matrix, collapse duplicates, detect its scale.

The formats users already have: TSV/CSV (optionally gzipped; the R style with one header field
fewer than the data rows is accepted), GCT 1.2 (ESTIMATE's own format) and parquet. Gene
identifiers are HGNC symbols; TCGA ``SYMBOL|ENTREZ`` identifiers are cut to the symbol and
``?|...`` rows (no symbol) are dropped.

Duplicated symbols are collapsed by keeping the row with the **highest mean expression** across
samples (WGCNA ``collapseRows`` "MaxMean", the usual rule for probe-level arrays); a warning names
them. The scale (counts, TPM/FPKM, log, or linear array intensities) is detected from the values
unless given; it decides how values are log-transformed for mean-based scores and is written to the
output, since the ESTIMATE purity formula is calibrated on Affymetrix arrays only.

Orientation: bulk expression stays **genes x samples** in memory, as in the files (GCT, TCGA and
GEO matrices) and in ESTIMATE, limma and GSVA, which the purity and contexture calibrations are
taken from; converting on read would make every user transpose back to compare with those
tools. It is the one exception to ifnexus' samples x genes rule, and it stops at the input: what
:func:`ifnexus.tumour.profile_tumours` returns is samples (rows) x features, like every other
result table.
"""

from __future__ import annotations

import io
import logging
import os
import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ifnexus._optional import require_parquet
from ifnexus._textfile import read_text_bytes
from ifnexus.errors import IfnexusWarning, InputFormatError, ValidationError

logger = logging.getLogger(__name__)

Scale = Literal["counts", "tpm", "log", "intensity"]
SCALES: tuple[str, ...] = ("counts", "tpm", "log", "intensity")

# Leading annotation columns some exporters put between the symbol and the samples.
_ANNOTATION_COLUMNS = {
    "description",
    "entrez_gene_id",
    "entrezid",
    "entrez_id",
    "entrez",
    "gene_id",
    "gene_name",
    "gene_type",
    "symbol",
    "hugo_symbol",
    "name",
    "gene_symbol",
    "locus_id",
    "cytoband",
}


def _norm(name: object) -> str:
    return str(name).strip().lower().replace(" ", "_")


def read_table(
    path: str | os.PathLike[str], what: str, *, empty: str = "no rows", **csv_kwargs: object
) -> pd.DataFrame:
    """Read a parquet, CSV (``.csv``/``.csv.gz``) or tab-separated table of ``what``.

    The one reader of the tumour side tables (segments, clinical): a missing, unreadable or empty
    file is an :class:`InputFormatError` naming it; ``csv_kwargs`` go to ``pandas.read_csv``.
    """
    p = Path(path)
    if not p.is_file():
        raise InputFormatError(f"{what} file not found: {p}")
    name = p.name.lower()
    try:
        if name.endswith((".parquet", ".pq")):
            require_parquet(str(p))
            df = pd.read_parquet(p)
        else:
            sep = "," if name.endswith((".csv", ".csv.gz")) else "\t"
            text = read_text_bytes(p, f"{what} table")
            if not text.strip():
                raise InputFormatError(f"{what} table {p}: the file is empty")
            df = pd.read_csv(io.BytesIO(text), sep=sep, **csv_kwargs)  # type: ignore[arg-type]
    except InputFormatError:
        raise
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputFormatError(f"{p}: cannot read as a {what} table ({exc})") from exc
    if df.empty:
        raise InputFormatError(f"{p}: {empty}")
    return df


def _read_raw(path: Path, *, as_str: bool = True) -> tuple[pd.DataFrame, int]:
    """Read the file; return the frame and the file line number of its first data row.

    Values are read as strings unless ``as_str`` is False, which lets the C parser make floats.
    """
    dtype = str if as_str else None
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        require_parquet(str(path))
        df = pd.read_parquet(path)
        if isinstance(df.index, pd.RangeIndex):
            df = df.set_index(df.columns[0])
        return df, 2
    text = read_text_bytes(path, "table")
    if not text.strip():
        raise InputFormatError(f"{path}: the file is empty; expected genes x samples")
    if name.endswith((".gct", ".gct.gz")):
        df = pd.read_csv(
            io.BytesIO(text),
            sep="\t",
            skiprows=2,
            dtype=str,
            index_col=0,
            na_values=[""],
            keep_default_na=False,
        )
        desc = [c for c in df.columns[:1] if str(c).lower() == "description"]
        return df.drop(columns=desc), 4
    sep = "," if name.endswith((".csv", ".csv.gz")) else "\t"
    first = text.split(b"\n", 1)[0].decode("utf-8")
    header = [f.strip().strip('"') for f in first.rstrip("\r").split(sep)]
    dup = sorted({f for f in header[1:] if f and header.count(f) > 1})
    if dup:
        raise InputFormatError(f"{path}: duplicated sample names {dup}")
    # No index_col: a header one field shorter than the rows (R's write.table) makes pandas take
    # the first field as the index by itself; otherwise the first column holds the genes.
    df = pd.read_csv(io.BytesIO(text), sep=sep, dtype=dtype, na_values=[""], keep_default_na=False)
    if isinstance(df.index, pd.RangeIndex):
        df = df.set_index(df.columns[0])
    return df, 2


def read_expression(
    path: str | os.PathLike[str], *, collapse: Literal["max_mean", "error"] = "max_mean"
) -> pd.DataFrame:
    """Read a genes x samples expression matrix from TSV, CSV, GCT or parquet.

    Parameters
    ----------
    path
        File with gene symbols in the first column (or the index for parquet) and one column per
        sample. ``.csv`` is comma-separated; ``.tsv``, ``.txt`` and anything else tab-separated;
        ``.gct`` is GCT 1.2; gzip is read transparently.
    collapse
        ``"max_mean"`` (default) keeps, for each duplicated symbol, the row with the highest mean
        across samples and warns; ``"error"`` refuses duplicates.

    Returns
    -------
    pandas.DataFrame
        float64, genes (index ``gene``) x samples, in file order after collapsing.

    Raises
    ------
    InputFormatError
        Unreadable file, no sample columns, a non-numeric or empty cell (the message names the
        file, line and sample), duplicated sample names, or duplicated genes with
        ``collapse="error"``.
    """
    values = read_numeric_matrix(path, what="expression")
    if values.index.has_duplicates and collapse == "error":
        dup = values.index[values.index.duplicated()].unique()[:5].tolist()
        raise InputFormatError(f"{path}: duplicated gene symbols {dup}")
    return collapse_duplicates(values, source=str(path))


def read_numeric_matrix(path: str | os.PathLike[str], *, what: str = "expression") -> pd.DataFrame:
    """Read a genes x samples numeric table (see :func:`read_expression`), duplicates kept.

    Leading annotation columns (Description, Entrez_Gene_Id, Locus ID, Cytoband, ...) are dropped.

    Parameters
    ----------
    path
        TSV, CSV, GCT or parquet file; genes in the first column (or the parquet index).
    what
        What the table holds, for messages (e.g. ``"gene-level copy number"``).

    Returns
    -------
    pandas.DataFrame
        float64, genes (index) x samples, duplicated genes kept.
    """
    p = Path(path)
    if not p.is_file():
        raise InputFormatError(f"{what} file not found: {p}")
    try:
        raw, first_line = _read_raw(p, as_str=False)
        numeric = (
            raw.iloc[:, 1:]
            if raw.shape[1] and _norm(raw.columns[0]) in _ANNOTATION_COLUMNS
            else raw
        )
        if (
            not all(pd.api.types.is_numeric_dtype(t) for t in numeric.dtypes)
            or numeric.isna().any().any()
        ):
            raw, first_line = _read_raw(p)  # slow path: find and name the bad cell
    except InputFormatError:
        raise
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputFormatError(f"{p}: cannot read as a genes x samples table ({exc})") from exc
    while raw.shape[1] and _norm(raw.columns[0]) in _ANNOTATION_COLUMNS:
        logger.info("%s: dropping annotation column %r", p, raw.columns[0])
        raw = raw.drop(columns=raw.columns[0])
    if raw.shape[1] == 0 or raw.shape[0] == 0:
        raise InputFormatError(f"{p}: no samples or no genes (expected genes x samples)")
    cols = [str(c) for c in raw.columns]
    if len(set(cols)) != len(cols):
        dup = sorted({c for c in cols if cols.count(c) > 1})
        raise InputFormatError(f"{p}: duplicated sample names {dup}")
    raw.columns = pd.Index(cols)
    values = pd.DataFrame(index=raw.index, columns=raw.columns, dtype=np.float64)
    for col in raw.columns:
        num = pd.to_numeric(raw[col], errors="coerce")
        bad = ~np.isfinite(num.to_numpy(dtype=np.float64))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            cell = raw[col].iloc[i]
            if pd.isna(cell) or str(cell).strip() == "":
                what = "an empty cell is not a number"
            elif pd.notna(num.iloc[i]):
                what = f"{cell!r} is infinite, not a finite number"
            else:
                what = f"{cell!r} is not a number"
            raise InputFormatError(
                f"{p}: line {first_line + i}, sample {col!r}, gene {raw.index[i]!r}: "
                f"{what} (missing values are not allowed: impute or drop the gene)"
            )
        values[col] = num.astype(np.float64)
    genes = pd.Index([str(g).strip() for g in values.index])
    if genes.str.contains("|", regex=False).any():  # TCGA RSEM "SYMBOL|ENTREZ"
        genes = pd.Index([g.split("|", 1)[0] for g in genes])
    keep = ~genes.isin(["", "?", "nan"])
    if not keep.all():
        logger.info("%s: dropping %d rows without a gene symbol", p, int((~keep).sum()))
    values = values.loc[keep]
    values.index = pd.Index(genes[keep], name="gene")
    return values


def collapse_duplicates(expr: pd.DataFrame, *, source: str = "expression") -> pd.DataFrame:
    """Keep one row per gene symbol: the one with the highest mean across samples.

    Ties in the mean keep the first row. A warning names how many symbols were collapsed and a
    few examples. The input is not modified.

    Parameters
    ----------
    expr
        Expression, genes (index, symbols) x samples.
    source
        Name used in the warning.

    Returns
    -------
    pandas.DataFrame
        One row per gene symbol (the kept rows, in their original order).
    """
    if not expr.index.has_duplicates:
        return expr
    dups = expr.index[expr.index.duplicated(keep=False)].unique()
    pos = pd.DataFrame({"gene": expr.index.to_numpy(), "mean": expr.mean(axis=1).to_numpy()})
    best = pos.sort_values("mean", ascending=False, kind="stable").drop_duplicates("gene").index
    out = expr.iloc[np.sort(best.to_numpy())]
    warnings.warn(
        f"{source}: {len(dups)} duplicated gene symbols collapsed by keeping the row with the "
        f"highest mean expression (e.g. {', '.join(map(str, dups[:5]))})",
        IfnexusWarning,
        stacklevel=2,
    )
    return out


#: Quantile of all values that decides between log and linear scales (not the maximum, so a
#: few extreme cells cannot flip the call for the whole cohort).
SCALE_QUANTILE = 0.99
#: Fraction of cells that must be negative, integer or zero for those rules to apply.
SCALE_FRACTION = 0.001


def detect_scale(expr: pd.DataFrame) -> tuple[Scale, str]:
    """Guess whether values are raw counts, TPM/FPKM, log-transformed, or linear intensities.

    Robust rules, in order (a few extreme cells do not change the call): more than 0.1% of the
    cells negative -> ``log``; 99th percentile of all values <= 50 -> ``log`` (log2 data rarely
    exceeds 20); at least 99.9% of the values integers -> ``counts``; more than 0.1% exact
    zeros -> ``tpm`` (RNA-seq abundances, TPM or FPKM); otherwise ``intensity`` (linear
    microarray values, e.g. MAS5, which are never exactly zero). Cells beyond the rule (values
    over 50 in log data, a few negative or fractional cells in linear data) are named in the
    reason, which :func:`ifnexus.tumour.profile_tumours` logs and records (``scale_reason``
    in ``.attrs`` and ``run.json``); a linear scale with negative cells is then refused by
    :func:`log2_expression`. Give the scale explicitly when you know it.

    Parameters
    ----------
    expr
        Expression, genes x samples.

    Returns
    -------
    tuple
        ``(scale, reason)`` where reason states the evidence (the quantile, the fractions, the
        outlying cells).

    Raises
    ------
    ValidationError
        An empty matrix or non-finite values.
    """
    v = expr.to_numpy(dtype=np.float64)
    if v.size == 0:
        raise ValidationError("expression matrix is empty")
    if not np.isfinite(v).all():
        i, j = np.argwhere(~np.isfinite(v))[0]
        raise ValidationError(
            f"expression holds a non-finite value ({v[i, j]}) at gene {expr.index[i]!r}, sample "
            f"{expr.columns[j]!r}; the scale cannot be detected"
        )
    q = float(np.quantile(v, SCALE_QUANTILE))
    vmax = float(np.max(v))
    n = v.size
    neg = int((v < 0).sum())
    where = f"99th percentile {q:.3g}, max {vmax:.3g}"

    def _cell(mask: np.ndarray) -> str:
        i, j = np.argwhere(mask)[0]
        return f"gene {expr.index[i]!r}, sample {expr.columns[j]!r}: {v[i, j]:.3g}"

    if neg > SCALE_FRACTION * n:
        return "log", f"{neg} of {n} values negative (min {float(np.min(v)):.3g}); {where}"
    if q <= 50:
        reason = f"{where}; 99th percentile <= 50"
        if vmax > 50:
            high = v > 50
            reason += f" ({int(high.sum())} value(s) over 50 taken as outliers, e.g. {_cell(high)})"
        return "log", reason
    if neg:
        where += f"; {neg} negative value(s), e.g. {_cell(v < 0)}"
    frac_int = float(np.mean(np.abs(v - np.round(v)) < 1e-8))
    if frac_int >= 1 - SCALE_FRACTION:
        extra = "" if frac_int == 1 else f" ({100 * frac_int:.2f}%)"
        return "counts", f"integer values{extra}; {where}"
    zeros = float(np.mean(v == 0))
    if zeros > SCALE_FRACTION:
        return "tpm", f"non-integer linear values with {100 * zeros:.1f}% zeros; {where}"
    return "intensity", f"non-integer linear values without zeros; {where}"


def log2_expression(expr: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """Put expression on a log2 scale for mean-based scores (Danaher, cytolytic, M1/M2).

    counts -> log2(CPM + 1) over the genes given; tpm and intensity -> log2(x + 1);
    log -> unchanged (assumed log2).

    Parameters
    ----------
    expr
        Expression, genes x samples.
    scale
        ``counts``, ``tpm``, ``log`` or ``intensity`` (see :func:`detect_scale`).

    Returns
    -------
    pandas.DataFrame
        log2 expression, same shape as ``expr``.
    """
    if scale not in SCALES:
        raise ValidationError(f"scale must be one of {SCALES}, got {scale!r}")
    if scale == "log":
        return expr.astype(np.float64)
    if (expr.to_numpy() < 0).any():
        raise ValidationError(
            f"expression declared as {scale!r} has negative values; declare scale='log' instead"
        )
    if scale == "counts":
        lib = expr.sum(axis=0)
        if (lib <= 0).any():
            raise ValidationError(f"samples with zero total counts: {list(lib.index[lib <= 0])}")
        return np.log2(expr / lib * 1e6 + 1.0)
    return np.log2(expr.astype(np.float64) + 1.0)
