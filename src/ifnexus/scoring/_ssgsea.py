"""Single-sample gene-set enrichment (ssGSEA) in the form ESTIMATE uses.

This is the scoring kernel behind ESTIMATE (Yoshihara et al. 2013) and its reimplementation
``tidyestimate``; it follows Barbie et al. (2009) as coded in the R package ``estimate`` 1.0.13
(``estimateScore``):

1. each sample's expression is ranked over all genes (ties get the average rank) and scaled,
   ``r = 10000 * rank / n_genes``;
2. genes are ordered by decreasing ``r``; ties keep the order of the input rows (R's ``order`` is
   stable, and ESTIMATE's rows are those of its filtered input);
3. the weight of a hit is ``|r| ** alpha`` (alpha = 0.25); the running sum steps up by
   ``w / sum(w of hits)`` at each hit and down by ``1 / n_misses`` at each miss;
4. the score is the **sum** of the running-sum difference over all positions (not its maximum
   deviation as in classic GSEA), and it is not normalised.

Why our own code: gseapy's ``ssgsea`` normalises and ranks differently (its raw scores do not
reproduce ESTIMATE), and the loop of the R code over samples and sets is slow. Step 4 has a closed
form: with ``c = n_genes - position + 1`` (position 1-based in the decreasing order),
``score = sum_hits(c * w) / sum_hits(w) - sum_misses(c) / n_misses``. That turns the whole
computation into one rank, one stable sort and three matrix products per block of samples, for all
sets at once. The result equals the running-sum loop up to floating-point summation order
(~1e-12 relative), which the tests check against a direct transcription of the loop.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from ifnexus.errors import ValidationError

logger = logging.getLogger(__name__)

__all__ = ["ssgsea"]


def _membership(
    genes: pd.Index, gene_sets: Mapping[str, Sequence[str]], min_genes: int
) -> tuple[np.ndarray, list[str], dict[str, int]]:
    """Gene x set 0/1 matrix over ``genes``; sets below ``min_genes`` overlap get an empty column."""
    if not isinstance(gene_sets, Mapping) or len(gene_sets) == 0:
        raise ValidationError(
            "gene_sets must be a non-empty mapping of set name -> gene symbols, "
            f"got {type(gene_sets).__name__}"
        )
    pos = {g: i for i, g in enumerate(genes)}
    names = [str(n) for n in gene_sets]
    member = np.zeros((len(genes), len(names)), dtype=np.float64)
    n_found: dict[str, int] = {}
    for j, (name, members) in enumerate(gene_sets.items()):
        if isinstance(members, str):
            raise ValidationError(
                f"gene set {name!r} is a single string {members!r}; give a list of gene symbols"
            )
        idx = sorted({pos[g] for g in members if g in pos})
        n_found[str(name)] = len(idx)
        if len(idx) < min_genes:
            logger.warning(
                "gene set %r: %d of %d genes in the data (< min_genes=%d); score is NaN",
                name,
                len(idx),
                len(set(members)),
                min_genes,
            )
            continue
        member[idx, j] = 1.0
    return member, names, n_found


def ssgsea(
    expr: pd.DataFrame,
    gene_sets: Mapping[str, Sequence[str]],
    *,
    alpha: float = 0.25,
    min_genes: int = 1,
    block_size: int = 512,
) -> pd.DataFrame:
    """Score every sample for every gene set with ESTIMATE-form ssGSEA.

    Parameters
    ----------
    expr
        Expression, genes x samples (index: gene symbols, unique; columns: sample names). Any
        monotone scale works (counts, TPM, log, intensities): only within-sample ranks are used.
        Every gene of ``expr`` is part of the ranking, so filter the universe first (ESTIMATE
        uses its 10,412 common genes). Why genes x samples, when the rest of the in-memory API
        is samples (or cells) x genes: this is the ESTIMATE kernel, it takes the matrix as
        ESTIMATE's GCT files and the tumour domain's bulk tables hold it, and it ranks within
        columns. For samples x genes input (any backend, chunked), use
        ``score_sets(data, sets, method="ssgsea")`` or
        :func:`ifnexus.scoring.ssgsea_scores`, which call this kernel on transposed row chunks
        and give the same numbers.
    gene_sets
        Set name -> gene symbols. Genes absent from ``expr`` are ignored; duplicates count once.
    alpha
        Weight exponent on the scaled rank (0.25 in ESTIMATE and GSVA's ssGSEA).
    min_genes
        Sets with fewer genes present than this score NaN (ESTIMATE: 1, i.e. NA only when no
        gene is present). A warning names each such set.
    block_size
        Samples processed together; bounds memory at about ``4 * n_genes * block_size`` floats.

    Returns
    -------
    pandas.DataFrame
        Samples x sets, float64, unnormalised enrichment scores (the raw ESTIMATE scale, roughly
        -3000 .. 5000 for the ESTIMATE signatures). ``.attrs["n_genes"]`` maps each set to the
        number of its genes found in ``expr``; ``.attrs["alpha"]`` records the exponent.

    Raises
    ------
    ValidationError
        Duplicated gene symbols, non-numeric or missing values (naming the sample and gene),
        an empty matrix, or a malformed ``gene_sets``.

    References
    ----------
    Barbie DA et al. (2009) Nature 462:108. Yoshihara K et al. (2013) Nat Commun 4:2612.
    """
    if not isinstance(expr, pd.DataFrame):
        raise ValidationError(
            f"expr must be a pandas DataFrame (genes x samples), got {type(expr).__name__}"
        )
    if expr.shape[0] < 2 or expr.shape[1] < 1:
        raise ValidationError(f"expr needs at least 2 genes and 1 sample, got shape {expr.shape}")
    if expr.index.has_duplicates:
        dup = expr.index[expr.index.duplicated()].unique()[:5].tolist()
        raise ValidationError(
            f"expr has duplicated gene symbols {dup}; collapse them first "
            "(e.g. keep the row with the highest mean)"
        )
    if not np.isfinite(alpha) or alpha < 0:
        raise ValidationError(f"alpha must be a finite number >= 0, got {alpha!r}")
    if min_genes < 1:
        raise ValidationError(f"min_genes must be >= 1, got {min_genes!r}")
    if block_size < 1:
        raise ValidationError(f"block_size must be >= 1, got {block_size!r}")
    try:
        values = expr.to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        bad = expr.apply(lambda c: pd.to_numeric(c, errors="coerce")).isna() & expr.notna()
        r, c = np.argwhere(bad.to_numpy())[0]
        raise ValidationError(
            f"expr is not numeric: sample {expr.columns[c]!r}, gene {expr.index[r]!r} "
            f"holds {expr.iat[r, c]!r}"
        ) from exc
    if not np.isfinite(values).all():
        r, c = np.argwhere(~np.isfinite(values))[0]
        raise ValidationError(
            f"expr has a missing or infinite value: sample {expr.columns[c]!r}, "
            f"gene {expr.index[r]!r}; impute or drop it first"
        )

    member, names, n_found = _membership(expr.index, gene_sets, min_genes)
    n_genes, n_samples = values.shape
    n_hits = member.sum(axis=0)
    n_miss = n_genes - n_hits
    total_c = n_genes * (n_genes + 1) / 2.0
    out = np.full((n_samples, len(names)), np.nan)
    usable = (n_hits > 0) & (n_miss > 0)
    ar = np.arange(n_genes, 0, -1, dtype=np.float64)  # c = n - position + 1 at positions 1..n
    for start in range(0, n_samples, block_size):
        block = values[:, start : start + block_size]
        ranks = rankdata(block, method="average", axis=0) * (10000.0 / n_genes)
        order = np.argsort(-ranks, axis=0, kind="stable")
        c = np.empty_like(ranks)
        np.put_along_axis(c, order, ar[:, None], axis=0)
        w = np.abs(ranks) ** alpha
        sum_w = w.T @ member  # samples x sets
        sum_cw = (c * w).T @ member
        sum_c = c.T @ member
        with np.errstate(invalid="ignore", divide="ignore"):
            es = sum_cw / sum_w - (total_c - sum_c) / n_miss
        out[start : start + block.shape[1]] = np.where(usable, es, np.nan)
    res = pd.DataFrame(out, index=expr.columns.copy(), columns=pd.Index(names))
    res.index.name = expr.columns.name or "sample"
    res.attrs["n_genes"] = n_found
    res.attrs["alpha"] = float(alpha)
    return res
