"""ESTIMATE stromal, immune and ESTIMATE scores and tumour purity (Yoshihara et al. 2013).

Reproduces ``filterCommonGenes`` + ``estimateScore`` of the R package ``estimate`` 1.0.13:

* the matrix is cut to the 10,412 ESTIMATE common genes by exact symbol (R ``merge`` on
  ``GeneSymbol``; genes outside that list never enter the ranking), and its rows are ordered by
  symbol as ``merge`` orders them. For these symbols (upper-case letters, digits, ``-`` and ``orf``)
  R's ICU collation in a UTF-8 locale, R's C locale and Python's ``sorted`` agree, so the order -
  which decides how exact ties between a signature gene and another gene are broken - does not
  depend on the locale;
* ESTIMATE-form ssGSEA (:func:`ifnexus.scoring._ssgsea.ssgsea`) of the 141-gene stromal and
  immune signatures;
* ``ESTIMATEScore = StromalScore + ImmuneScore``;
* ``TumorPurity = cos(0.6049872018 + 0.0001467884 * ESTIMATEScore)``, set to NaN when negative
  (as ``estimateScore`` does). The formula was fitted on **Affymetrix** arrays against ABSOLUTE
  purity; on RNA-seq and other platforms it is only a ranking, which the ``purity_calibration``
  column says for every tumour.

The IFN-aware variant leaves out of the immune signature its IFN-inducible genes (those in the
MSigDB Hallmark IFN-alpha or IFN-gamma response sets or in ISG.RS: 22 of the 141), so an IFN
response in tumour cells does not read as immune infiltration and low purity. The ssGSEA score is a
weighted mean rank position of the set's genes minus that of the other genes, so its scale does not
depend on the set size and the purity formula can be applied to the smaller set; the stromal
signature is left as published (6 of its genes are IFN-inducible: CD86, CXCL9, FPR1, RSAD2,
SERPING1, VCAM1).
"""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np
import pandas as pd

from ifnexus.errors import ValidationError
from ifnexus.genesets import estimate_common_genes, get_set
from ifnexus.scoring._ssgsea import ssgsea

logger = logging.getLogger(__name__)

Platform = Literal["affymetrix", "agilent", "illumina", "rnaseq"]
PLATFORMS: tuple[str, ...] = ("affymetrix", "agilent", "illumina", "rnaseq")

PURITY_INTERCEPT = 0.6049872018
PURITY_SLOPE = 0.0001467884
IFN_INDUCIBLE_SETS = (
    "HALLMARK_INTERFERON_ALPHA_RESPONSE",
    "HALLMARK_INTERFERON_GAMMA_RESPONSE",
    "ISG.RS",
)


def estimate_purity(
    estimate_score: np.ndarray | pd.Series | float,
) -> np.ndarray | pd.Series | float:
    """ESTIMATE purity ``cos(0.6049872018 + 0.0001467884 * score)``; negative values become NaN.

    Parameters
    ----------
    estimate_score
        ESTIMATE score(s) (stromal + immune), as from :func:`estimate_scores`.

    Returns
    -------
    numpy.ndarray, pandas.Series or float
        Tumour purity (0-1), shaped like ``estimate_score``; NaN where the formula is negative.
    """
    raw = np.cos(PURITY_INTERCEPT + PURITY_SLOPE * np.asarray(estimate_score, dtype=np.float64))
    out = np.where(raw < 0, np.nan, raw)
    if isinstance(estimate_score, pd.Series):
        return pd.Series(out, index=estimate_score.index, name="TumorPurity")
    return out if np.ndim(out) else float(out)


def ifn_inducible_genes() -> frozenset[str]:
    """Genes of the Hallmark IFN-alpha, IFN-gamma and ISG.RS sets (the IFN-inducible genes).

    Returns
    -------
    frozenset of str
        The gene symbols.
    """
    genes: set[str] = set()
    for name in IFN_INDUCIBLE_SETS:
        genes.update(get_set(name).genes)
    return frozenset(genes)


def estimate_signatures(*, ifn_aware: bool = False) -> dict[str, tuple[str, ...]]:
    """Return the ESTIMATE stromal and immune signatures (optionally immune without IFN genes).

    Parameters
    ----------
    ifn_aware
        Drop the IFN-inducible genes (:func:`ifn_inducible_genes`) from the immune signature.

    Returns
    -------
    dict
        ``StromalScore`` and ``ImmuneScore`` (the scores they make): tuples of gene symbols.
    """
    stromal = get_set("ESTIMATE_STROMAL").genes
    immune = get_set("ESTIMATE_IMMUNE").genes
    if ifn_aware:
        ifn = ifn_inducible_genes()
        immune = tuple(g for g in immune if g not in ifn)
    return {"StromalScore": stromal, "ImmuneScore": immune}


def _calibration(platform: str | None, scale: str | None) -> str:
    if platform == "affymetrix":
        return "affymetrix"
    if platform is not None:
        return f"not-calibrated ({platform}: purity is a ranking only)"
    if scale in ("counts", "tpm"):
        return f"not-calibrated (RNA-seq {scale}: purity is a ranking only)"
    return "unverified (platform not given; the formula holds for Affymetrix arrays only)"


def estimate_scores(
    expr: pd.DataFrame,
    *,
    platform: Platform | None = None,
    scale: str | None = None,
    ifn_aware: bool = True,
    min_signature_fraction: float = 0.5,
) -> pd.DataFrame:
    """ESTIMATE stromal/immune/ESTIMATE scores and purity for each sample, as estimate 1.0.13.

    Parameters
    ----------
    expr
        Genes x samples, HGNC symbols as index (unique), any monotone scale (ranks only).
    platform
        Expression platform, recorded in ``purity_calibration``; the purity formula is calibrated
        for ``"affymetrix"`` only. None: unknown (a hint is taken from ``scale``).
    scale
        Detected or declared scale (see :func:`ifnexus.tumour.detect_scale`), only used to word
        ``purity_calibration``.
    ifn_aware
        Also compute the IFN-aware immune score, ESTIMATE score and purity.
    min_signature_fraction
        Refuse (ValidationError) when fewer than this fraction of a signature's 141 genes are
        present among the common genes; warn below 90%.

    Returns
    -------
    pandas.DataFrame
        One row per sample (index ``sample``) with ``StromalScore``, ``ImmuneScore``,
        ``ESTIMATEScore``, ``TumorPurity``; with ``ifn_aware`` also ``ImmuneScore_ifnaware``,
        ``ESTIMATEScore_ifnaware`` and ``TumorPurity_ifnaware``; and ``purity_calibration``.
        ``.attrs`` holds ``n_common_genes`` (genes used), ``signature_genes_found`` and
        ``ifn_genes_removed``.

    Raises
    ------
    ValidationError
        Too few common or signature genes (the message names the signature and counts), or
        invalid values (see :func:`ifnexus.scoring._ssgsea.ssgsea`).

    References
    ----------
    Yoshihara K et al. (2013) Inferring tumour purity and stromal and immune cell admixture from
    expression data. Nat Commun 4:2612.
    """
    if platform is not None and platform not in PLATFORMS:
        raise ValidationError(f"platform must be one of {PLATFORMS} or None, got {platform!r}")
    if expr.index.has_duplicates:
        dup = expr.index[expr.index.duplicated()].unique()[:5].tolist()
        raise ValidationError(f"duplicated gene symbols {dup}; collapse them first")
    common = set(estimate_common_genes())
    present = sorted(g for g in expr.index if g in common)
    logger.info(
        "ESTIMATE: merged dataset includes %d genes (%d mismatched)",
        len(present),
        len(common) - len(present),
    )
    sub = expr.loc[present]
    sets = estimate_signatures(ifn_aware=False)
    found: dict[str, int] = {}
    for name, genes in sets.items():
        n = sum(g in sub.index for g in genes)
        found[name] = n
        frac = n / len(genes)
        if frac < min_signature_fraction:
            raise ValidationError(
                f"ESTIMATE {name.replace('Score', '')} signature: only {n} of {len(genes)} genes "
                f"in the expression data (need {min_signature_fraction:.0%}); are the row names "
                "HGNC symbols?"
            )
        if frac < 0.9:
            logger.warning(
                "ESTIMATE %s signature: only %d of %d genes present", name, n, len(genes)
            )
    if ifn_aware:
        sets["ImmuneScore_ifnaware"] = estimate_signatures(ifn_aware=True)["ImmuneScore"]
    scores = ssgsea(sub, sets)
    out = pd.DataFrame(index=scores.index)
    out["StromalScore"] = scores["StromalScore"]
    out["ImmuneScore"] = scores["ImmuneScore"]
    out["ESTIMATEScore"] = out["StromalScore"] + out["ImmuneScore"]
    out["TumorPurity"] = estimate_purity(out["ESTIMATEScore"].to_numpy())
    for s in out.index[out["TumorPurity"].isna()]:
        logger.warning("ESTIMATE: %s: purity out of bounds (negative cosine), set to NaN", s)
    removed: list[str] = []
    if ifn_aware:
        out["ImmuneScore_ifnaware"] = scores["ImmuneScore_ifnaware"]
        out["ESTIMATEScore_ifnaware"] = out["StromalScore"] + out["ImmuneScore_ifnaware"]
        out["TumorPurity_ifnaware"] = estimate_purity(out["ESTIMATEScore_ifnaware"].to_numpy())
        ifn = ifn_inducible_genes()
        removed = [g for g in sets["ImmuneScore"] if g in ifn]
    out["purity_calibration"] = _calibration(platform, scale)
    out.index.name = "sample"
    out.attrs["n_common_genes"] = len(present)
    out.attrs["signature_genes_found"] = found
    out.attrs["ifn_genes_removed"] = removed
    return out
