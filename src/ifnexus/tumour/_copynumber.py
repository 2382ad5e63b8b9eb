"""Copy number at 9p21: CDKN2A, CDKN2B, MTAP and the type I IFN gene cluster.

Inputs are segmented log2 copy ratios (DNAcopy/CBS ``ID chrom loc.start loc.end num.mark
seg.mean`` or the TCGA/GDC ``Sample Chromosome Start End Num_Probes Segment_Mean``; 1-based
inclusive coordinates on hg19/GRCh37 or hg38/GRCh38) or a gene-level table (genes x samples of log2
ratios, e.g. GISTIC2 ``all_data_by_genes.txt``, or GISTIC2 thresholded calls -2..2).

A gene's log2 ratio is the **lowest** ``seg.mean`` among the segments that overlap its span (a
deletion of any part of a gene inactivates it; ``gene_value="weighted"`` uses the overlap-weighted
mean instead). Calls use CNVkit's default ``call`` thresholds (Talevich et al. 2016):
``log2 <= -1.1`` homozygous, ``<= -0.25`` hemizygous, otherwise neutral (gains are "neutral" here:
not deleted). When tumour purity ``p`` is known the observed ratio is first rescaled to the tumour
cells, as CNVkit ``call --purity`` does: ``log2(max((2**l - (1 - p)) / p, 2**-10))`` for a diploid
genome. Purity below ``min_purity`` (0.2) is not used: the rescaling would amplify noise.

The IFN cluster (IFNB1, IFNW1, the 13 IFNA genes, IFNE; chr9:21.07-21.48 Mb) is called
homozygous (or hemizygous) when at least ``cluster_fraction`` (half) of its assessed genes are;
IFNK, 6 Mb away at 9p21.2, is not part of it. Gene spans: GRCh38 from GENCODE v27 (the shipped
``ifnexus.genesets.chr9p21_genes()``), GRCh37 the same spans shifted by -1 bp (see the header of
``data/chr9p21_region_grch37.tsv``).
"""

from __future__ import annotations

import logging
import os
import warnings
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ifnexus.errors import IfnexusWarning, InputFormatError, ValidationError
from ifnexus.genesets import chr9p21_genes, resolve_genes
from ifnexus.tumour._expression import read_table

logger = logging.getLogger(__name__)

Build = Literal["hg19", "hg38"]
HOMOZYGOUS_LOG2 = -1.1
HEMIZYGOUS_LOG2 = -0.25
LOG2_FLOOR = -10.0
STATUSES = ("homozygous", "hemizygous", "neutral", "no-data")
_BUILD_ALIASES = {"hg19": "hg19", "grch37": "hg19", "b37": "hg19", "hg38": "hg38", "grch38": "hg38"}
_VALID_CHROMS = {str(i) for i in range(1, 23)} | {"X", "Y", "M", "MT"}

# Normalised header name (lower case, no '.', '_', ' ') -> canonical column.
_SEG_COLUMNS = {
    "id": "sample",
    "sample": "sample",
    "sampleid": "sample",
    "tumorsamplebarcode": "sample",
    "chrom": "chrom",
    "chromosome": "chrom",
    "chr": "chrom",
    "locstart": "start",
    "start": "start",
    "startpos": "start",
    "locend": "end",
    "end": "end",
    "endpos": "end",
    "nummark": "num_mark",
    "numprobes": "num_mark",
    "nummarkers": "num_mark",
    "segmean": "seg_mean",
    "segmentmean": "seg_mean",
    "log2": "seg_mean",
}


def _normalise_build(build: str) -> str:
    key = str(build).strip().lower()
    if key not in _BUILD_ALIASES:
        raise ValidationError(f"genome build must be hg19 (GRCh37) or hg38 (GRCh38), got {build!r}")
    return _BUILD_ALIASES[key]


@cache
def _hg19_table() -> pd.DataFrame:
    path = resources.files("ifnexus.tumour") / "data" / "chr9p21_region_grch37.tsv"
    with path.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, sep="\t", comment="#")


def region_genes(build: str = "hg38") -> pd.DataFrame:
    """9p21 genes with 1-based inclusive spans on ``build`` (hg19/GRCh37 or hg38/GRCh38).

    Parameters
    ----------
    build
        ``"hg38"``/``"GRCh38"`` (default) or ``"hg19"``/``"GRCh37"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``symbol``, ``chrom`` (``"9"``), ``start``, ``end``, ``class`` (IFN-I,
        9p21_codeleted_locus, flank) and ``ifn_cluster`` (True for IFNB1, IFNW1, IFNA*, IFNE).
    """
    b = _normalise_build(build)
    if b == "hg38":
        t = chr9p21_genes().rename(columns={"start_grch38": "start", "end_grch38": "end"})
    else:
        t = _hg19_table().rename(columns={"start_grch37": "start", "end_grch37": "end"})
    t = t[["symbol", "chrom", "start", "end", "class"]].copy()
    t["chrom"] = "9"
    t["ifn_cluster"] = (t["class"] == "IFN-I") & (t["symbol"] != "IFNK")
    return t.reset_index(drop=True)


#: Largest accepted segment coordinate (bp); the longest human chromosome has 249 Mbp.
MAX_COORDINATE = 1e10


def _norm_chrom(value: object) -> str | None:
    s = str(value).strip()
    if s.lower().startswith("chr"):
        s = s[3:]
    s = s.upper()
    s = {"23": "X", "24": "Y"}.get(s, s)
    return s if s in _VALID_CHROMS else None


def tidy_segments(
    df: pd.DataFrame, *, source: str = "segments", first_line: int = 2
) -> pd.DataFrame:
    """Validate a segment table and give it canonical columns.

    Accepts either header style (DNAcopy ``ID, chrom, loc.start, loc.end, num.mark, seg.mean`` or
    TCGA ``Sample, Chromosome, Start, End, Num_Probes, Segment_Mean``; case and ``._`` ignored).

    Parameters
    ----------
    df
        The segment table as read.
    source
        File name used in messages.
    first_line
        File line number of the table's first row (for messages).

    Returns
    -------
    pandas.DataFrame
        ``sample`` (str), ``chrom`` (``"1"``..``"22"``, ``"X"``, ``"Y"``, ``"M"``), ``start``,
        ``end`` (int64, 1-based inclusive), ``num_mark`` (float, NaN when absent), ``seg_mean``
        (float64) and ``line`` (the row's line in the file, for messages).

    Raises
    ------
    InputFormatError
        A required column is missing, a coordinate or ``seg.mean`` is not a number, is
        infinite, a coordinate or ``num.mark`` is negative, a coordinate is not a whole number,
        a sample name is empty, or a segment ends before it starts; the message names the
        sample and line. (``seg.mean`` is a log2 ratio: negative values are deletions.) Rows on unknown
        chromosomes and rows with a missing ``seg.mean`` are dropped with a warning naming them.
    """
    rename: dict[str, str] = {}
    for col in df.columns:
        key = str(col).strip().lower().replace(".", "").replace("_", "").replace(" ", "")
        if key in _SEG_COLUMNS and _SEG_COLUMNS[key] not in rename.values():
            rename[col] = _SEG_COLUMNS[key]
    missing = [
        c for c in ("sample", "chrom", "start", "end", "seg_mean") if c not in rename.values()
    ]
    if missing:
        raise InputFormatError(
            f"{source}: missing column(s) {missing}; expected ID, chrom, loc.start, loc.end, "
            f"num.mark, seg.mean (or Sample, Chromosome, Start, End, Num_Probes, Segment_Mean), "
            f"got {list(map(str, df.columns))}"
        )
    seg = df.rename(columns=rename)[[c for c in rename.values()]].copy()
    seg["line"] = np.arange(first_line, first_line + len(seg))
    seg["sample"] = seg["sample"].astype(str).str.strip()
    if "num_mark" not in seg:
        seg["num_mark"] = np.nan
    for col in ("start", "end", "num_mark", "seg_mean"):
        raw = seg[col]
        num = pd.to_numeric(raw, errors="coerce")
        bad = num.isna() & raw.notna() & (raw.astype(str).str.strip().str.upper() != "NA")
        bad &= raw.astype(str).str.strip() != ""
        if bad.any():
            r = seg.loc[bad].iloc[0]
            raise InputFormatError(
                f"{source}: line {r['line']}, sample {r['sample']!r}: {col} {raw[bad].iloc[0]!r} "
                "is not a number"
            )
        seg[col] = num.astype(np.float64)
    for col in ("start", "end"):
        if seg[col].isna().any():
            r = seg.loc[seg[col].isna()].iloc[0]
            raise InputFormatError(
                f"{source}: line {r['line']}, sample {r['sample']!r}: {col} is empty"
            )
    for col, what in (("seg_mean", "seg.mean (a log2 ratio)"), ("num_mark", "num.mark")):
        inf = np.isinf(seg[col].to_numpy())
        if inf.any():
            r = seg.loc[inf].iloc[0]
            raise InputFormatError(
                f"{source}: line {r['line']}, sample {r['sample']!r}: {what} is infinite "
                f"({r[col]}); expected a finite number"
            )
    for col in ("start", "end", "num_mark"):
        neg = (seg[col] < 0).to_numpy()
        if neg.any():
            r = seg.loc[neg].iloc[0]
            raise InputFormatError(
                f"{source}: line {r['line']}, sample {r['sample']!r}: {col} is negative "
                f"({r[col]:g}); coordinates and marker counts must be >= 0"
            )
    for col in ("start", "end"):
        huge = (seg[col] > MAX_COORDINATE).to_numpy()
        if huge.any():
            r = seg.loc[huge].iloc[0]
            raise InputFormatError(
                f"{source}: line {r['line']}, sample {r['sample']!r}: {col} {r[col]:g} is beyond "
                f"any chromosome (limit {MAX_COORDINATE:.0e} bp)"
            )
        frac = (seg[col] != np.round(seg[col])).to_numpy()
        if frac.any():
            r = seg.loc[frac].iloc[0]
            raise InputFormatError(
                f"{source}: line {r['line']}, sample {r['sample']!r}: {col} {r[col]:g} is not "
                "a whole number (base-pair coordinate)"
            )
    empty = (seg["sample"] == "").to_numpy()
    if empty.any():
        r = seg.loc[empty].iloc[0]
        raise InputFormatError(f"{source}: line {r['line']}: the sample name is empty")
    backwards = seg["end"] < seg["start"]
    if backwards.any():
        r = seg.loc[backwards].iloc[0]
        raise InputFormatError(
            f"{source}: line {r['line']}, sample {r['sample']!r}: segment ends before it starts "
            f"(start {int(r['start'])}, end {int(r['end'])}); {int(backwards.sum())} such rows"
        )
    raw_chrom = seg["chrom"].astype(str)
    seg["chrom"] = [_norm_chrom(c) for c in raw_chrom]
    unknown = seg["chrom"].isna()
    if unknown.any():
        where = ", ".join(
            f"line {r.line} ({r.sample}: {c!r})"
            for r, c in zip(
                seg.loc[unknown].iloc[:3].itertuples(), raw_chrom[unknown].iloc[:3], strict=True
            )
        )
        warnings.warn(
            f"{source}: {int(unknown.sum())} segments on unknown chromosomes dropped, e.g. {where}",
            IfnexusWarning,
            stacklevel=2,
        )
    nan_mean = seg["seg_mean"].isna() & ~unknown
    if nan_mean.any():
        r = seg.loc[nan_mean].iloc[0]
        warnings.warn(
            f"{source}: {int(nan_mean.sum())} segments without seg.mean dropped, e.g. line "
            f"{r['line']} (sample {r['sample']!r})",
            IfnexusWarning,
            stacklevel=2,
        )
    seg = seg.loc[~unknown & ~nan_mean].copy()
    seg["start"] = seg["start"].astype(np.int64)
    seg["end"] = seg["end"].astype(np.int64)
    return seg[["sample", "chrom", "start", "end", "num_mark", "seg_mean", "line"]].reset_index(
        drop=True
    )


def read_segments(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a copy-number segment file (TSV, CSV or parquet) and validate it.

    See :func:`tidy_segments` for the accepted headers, the returned columns and the errors.

    Parameters
    ----------
    path
        The segment file.

    Returns
    -------
    pandas.DataFrame
        The canonical segment table of :func:`tidy_segments`.
    """
    df = read_table(
        path, "segment", empty="no segments", dtype=str, keep_default_na=False, comment=None
    )
    return tidy_segments(df, source=str(Path(path)))


def segment_gene_cn(
    segments: pd.DataFrame,
    *,
    build: str = "hg38",
    gene_value: Literal["min", "weighted"] = "min",
    min_markers: int = 0,
) -> pd.DataFrame:
    """Gene-level log2 ratios of the 9p21 genes from segments.

    Parameters
    ----------
    segments
        Output of :func:`read_segments` / :func:`tidy_segments` (raw tables are tidied first).
    build
        Genome build of the segment coordinates.
    gene_value
        ``"min"``: the lowest seg.mean overlapping the gene; ``"weighted"``: the mean weighted by
        the overlap length.
    min_markers
        Ignore segments with fewer markers (when ``num_mark`` is given).

    Returns
    -------
    pandas.DataFrame
        Samples x genes (9p21 genes of :func:`region_genes`), log2 ratio, NaN where no segment
        covers the gene. All samples of ``segments`` appear, in order of first appearance.
    """
    if "line" not in segments.columns:
        segments = tidy_segments(segments)
    if gene_value not in ("min", "weighted"):
        raise ValidationError(f"gene_value must be 'min' or 'weighted', got {gene_value!r}")
    genes = region_genes(build)
    samples = pd.unique(segments["sample"])
    chr9 = segments[segments["chrom"] == "9"]
    if min_markers > 0:
        chr9 = chr9[~(chr9["num_mark"] < min_markers)]
    out = pd.DataFrame(np.nan, index=pd.Index(samples, name="sample"), columns=genes["symbol"])
    s_start = chr9["start"].to_numpy()
    s_end = chr9["end"].to_numpy()
    for g in genes.itertuples():
        ov = (s_start <= g.end) & (s_end >= g.start)
        if not ov.any():
            continue
        hit = chr9.loc[ov, ["sample", "seg_mean"]].copy()
        if gene_value == "min":
            val = hit.groupby("sample", sort=False)["seg_mean"].min()
        else:
            length = np.minimum(s_end[ov], g.end) - np.maximum(s_start[ov], g.start) + 1
            hit["w"] = length
            hit["wx"] = length * hit["seg_mean"]
            agg = hit.groupby("sample", sort=False)[["w", "wx"]].sum()
            val = agg["wx"] / agg["w"]
        out.loc[val.index, g.symbol] = val.to_numpy()
    return out


def adjust_for_purity(
    log2: pd.DataFrame, purity: pd.Series, *, min_purity: float = 0.2
) -> pd.DataFrame:
    """Rescale observed log2 ratios to the tumour cells (diploid genome, CNVkit ``--purity``).

    ``log2_tumour = log2(max((2**l - (1 - p)) / p, 2**-10))`` per sample; samples whose purity is
    missing or below ``min_purity`` are returned unchanged.

    Parameters
    ----------
    log2
        Observed log2 copy ratios, samples (rows) x genes.
    purity
        Tumour purity (0-1) per sample (index: the samples of ``log2``).
    min_purity
        Samples below this purity (or without one) are left unchanged.

    Returns
    -------
    pandas.DataFrame
        The purity-adjusted log2 ratios, same shape as ``log2``.

    Raises
    ------
    ValidationError
        A purity outside [0, 1].
    """
    p = purity.reindex(log2.index).astype(np.float64)
    if ((p > 1) | (p < 0)).any():
        bad = p[(p > 1) | (p < 0)]
        raise ValidationError(
            f"purity must lie in [0, 1]; sample {bad.index[0]!r} has {bad.iloc[0]!r}"
        )
    use = p.notna() & (p >= min_purity)
    ratio = np.power(2.0, log2.to_numpy())
    pv = p.to_numpy()[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        tumour = (ratio - (1.0 - pv)) / pv
        adj = np.log2(np.maximum(tumour, 2.0**LOG2_FLOOR))
    adj = np.where(np.isnan(log2.to_numpy()), np.nan, adj)
    return pd.DataFrame(
        np.where(use.to_numpy()[:, None], adj, log2.to_numpy()),
        index=log2.index,
        columns=log2.columns,
    )


def _check_thresholds(homozygous: float, hemizygous: float) -> None:
    if not homozygous < hemizygous < 0:
        raise ValidationError(
            f"thresholds must satisfy homozygous < hemizygous < 0, got {homozygous}, {hemizygous}"
        )


def classify_log2(
    log2: np.ndarray | pd.DataFrame,
    *,
    homozygous: float = HOMOZYGOUS_LOG2,
    hemizygous: float = HEMIZYGOUS_LOG2,
) -> np.ndarray:
    """Map log2 ratios to ``homozygous`` / ``hemizygous`` / ``neutral`` (``no-data`` for NaN).

    Parameters
    ----------
    log2
        log2 copy ratios (any shape).
    homozygous, hemizygous
        Ratios at or below which a gene is called a homozygous or hemizygous deletion.

    Returns
    -------
    numpy.ndarray
        The calls, same shape as ``log2``.
    """
    _check_thresholds(homozygous, hemizygous)
    v = np.asarray(log2, dtype=np.float64)
    return np.select(
        [np.isnan(v), v <= homozygous, v <= hemizygous],
        ["no-data", "homozygous", "hemizygous"],
        "neutral",
    )


def gene_cn_9p21(gene_cn: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Pick the 9p21 genes out of a gene-level table (genes x samples); detect GISTIC calls.

    Returns samples x 9p21 genes (NaN for genes absent from the table) and the kind,
    ``"gistic"`` when every value is an integer in -2..2, else ``"log2"``.
    """
    genes = region_genes("hg38")["symbol"].tolist()
    res = resolve_genes(genes, [str(g) for g in gene_cn.index])
    if not res.mapping:
        raise ValidationError(
            "gene-level copy number holds none of the 9p21 genes "
            f"({', '.join(genes[:6])}, ...); are the row names HGNC symbols?"
        )
    v = gene_cn.to_numpy(dtype=np.float64)
    finite = v[np.isfinite(v)]
    kind = "gistic" if finite.size and np.all(np.isin(finite, [-2, -1, 0, 1, 2])) else "log2"
    if gene_cn.index.has_duplicates:  # several rows for a symbol: the lowest (most deleted) wins
        gene_cn = gene_cn.groupby(level=0, sort=False).min()
    out = pd.DataFrame(
        np.nan, index=pd.Index(gene_cn.columns.astype(str), name="sample"), columns=genes
    )
    for g, name in res.mapping.items():
        out[g] = gene_cn.loc[name].to_numpy(dtype=np.float64)
    return out, kind


def call_9p21(
    segments: pd.DataFrame | None = None,
    *,
    gene_cn: pd.DataFrame | None = None,
    build: str = "hg38",
    purity: pd.Series | float | None = None,
    homozygous: float = HOMOZYGOUS_LOG2,
    hemizygous: float = HEMIZYGOUS_LOG2,
    min_purity: float = 0.2,
    cluster_fraction: float = 0.5,
    gene_value: Literal["min", "weighted"] = "min",
    min_markers: int = 0,
) -> pd.DataFrame:
    """Homozygous / hemizygous / neutral calls at 9p21 for every tumour.

    Parameters
    ----------
    segments
        Segment table (either header style) with coordinates on ``build``.
    gene_cn
        Alternatively, gene-level copy number, genes x samples: log2 ratios or GISTIC2
        thresholded calls (-2 homozygous, -1 hemizygous, 0..2 neutral; detected).
    build
        ``"hg19"``/``"GRCh37"`` or ``"hg38"``/``"GRCh38"`` (segments only).
    purity
        Tumour purity per sample (Series indexed by sample) or one value for all; log2 ratios are
        rescaled to the tumour cells before calling (not for GISTIC calls). None: no rescaling.
    homozygous, hemizygous
        log2 thresholds (inclusive): at or below ``homozygous`` -> homozygous, at or below
        ``hemizygous`` -> hemizygous.
    min_purity
        Purities below this are not used for rescaling.
    cluster_fraction
        Fraction of assessed IFN-cluster genes that must be deleted to call the cluster.
    gene_value, min_markers
        See :func:`segment_gene_cn`.

    Returns
    -------
    pandas.DataFrame
        One row per sample (index ``sample``): ``cn_source``; ``purity_cn`` (purity used, NaN if
        none); ``<GENE>_log2`` (after purity rescaling) and ``<gene>_status`` for CDKN2A, CDKN2B,
        MTAP and IFNB1; ``ifn_cluster_status``; ``ifn_cluster_n_homozygous``,
        ``ifn_cluster_n_deleted`` (homozygous or hemizygous), ``ifn_cluster_n_assessed``;
        ``ifn_cluster_min_log2``; ``ifn_codeleted_with_cdkn2a`` (True when both CDKN2A and the
        IFN cluster are deleted, False when either is neutral, NA without data). ``.attrs["genes"]``
        holds the per-gene long table (sample, gene, ifn_cluster, log2, status).
    """
    if (segments is None) == (gene_cn is None):
        raise ValidationError("give exactly one of segments or gene_cn")
    if not 0 < cluster_fraction <= 1:
        raise ValidationError(f"cluster_fraction must be in (0, 1], got {cluster_fraction!r}")
    _check_thresholds(homozygous, hemizygous)
    genes = region_genes(build if segments is not None else "hg38")
    if segments is not None:
        log2 = segment_gene_cn(
            segments, build=build, gene_value=gene_value, min_markers=min_markers
        )
        kind = f"segments ({_normalise_build(build)})"
    else:
        log2, gkind = gene_cn_9p21(gene_cn)
        kind = f"gene-level {gkind}"
    if isinstance(purity, int | float):
        pur = pd.Series(float(purity), index=log2.index)
    elif purity is not None:
        pur = purity.reindex(log2.index).astype(np.float64)
    else:
        pur = pd.Series(np.nan, index=log2.index)
    if kind == "gene-level gistic":
        status = pd.DataFrame(  # GISTIC2 thresholded calls: -2 homozygous, -1 hemizygous
            classify_log2(log2, homozygous=-2, hemizygous=-1),
            index=log2.index,
            columns=log2.columns,
        )
        pur[:] = np.nan
    else:
        log2 = adjust_for_purity(log2, pur, min_purity=min_purity)
        pur = pur.where(pur >= min_purity)
        status = pd.DataFrame(
            classify_log2(log2, homozygous=homozygous, hemizygous=hemizygous),
            index=log2.index,
            columns=log2.columns,
        )
    out = pd.DataFrame(index=log2.index)
    out["cn_source"] = kind
    out["purity_cn"] = pur
    for g in ("CDKN2A", "CDKN2B", "MTAP", "IFNB1"):
        out[f"{g}_log2"] = log2[g]
        out[f"{g.lower()}_status"] = status[g]
    cluster = genes.loc[genes["ifn_cluster"], "symbol"].tolist()
    cs = status[cluster]
    n_ass = (cs != "no-data").sum(axis=1)
    n_hom = (cs == "homozygous").sum(axis=1)
    n_del = n_hom + (cs == "hemizygous").sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac_hom = n_hom / n_ass
        frac_del = n_del / n_ass
    out["ifn_cluster_status"] = np.select(
        [n_ass == 0, frac_hom >= cluster_fraction, frac_del >= cluster_fraction],
        ["no-data", "homozygous", "hemizygous"],
        "neutral",
    )
    out["ifn_cluster_n_homozygous"] = n_hom.astype("Int64")
    out["ifn_cluster_n_deleted"] = n_del.astype("Int64")
    out["ifn_cluster_n_assessed"] = n_ass.astype("Int64")
    out["ifn_cluster_min_log2"] = log2[cluster].min(axis=1)
    deleted = {"homozygous", "hemizygous"}
    cd = out["cdkn2a_status"]
    ic = out["ifn_cluster_status"]
    co = pd.Series(pd.NA, index=out.index, dtype="boolean")
    known = (cd != "no-data") & (ic != "no-data")
    co[known] = cd[known].isin(deleted) & ic[known].isin(deleted)
    out["ifn_codeleted_with_cdkn2a"] = co
    long = (
        log2.rename_axis(columns="gene")
        .stack(future_stack=True)
        .rename("log2")
        .reset_index()
        .merge(
            status.rename_axis(columns="gene")
            .stack(future_stack=True)
            .rename("status")
            .reset_index()
        )
    )
    long["ifn_cluster"] = long["gene"].isin(cluster)
    out.attrs["genes"] = long[["sample", "gene", "ifn_cluster", "log2", "status"]]
    out.attrs["thresholds"] = {"homozygous": homozygous, "hemizygous": hemizygous}
    logger.info("9p21 calls for %d tumours from %s", len(out), kind)
    return out
