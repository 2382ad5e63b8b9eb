"""The IFN state of each tumour: acute, chronic or none (or undetermined), with probabilities.

Two questions are asked of every tumour and kept apart:

**State** (``ifn_state``: ``acute``, ``chronic``, ``none``, ``undetermined``; the vocabulary
and the two gene programmes of the per-cell call of :mod:`ifnexus.singlecell`). After an acute
type I IFN burst, tyrosine-phosphorylated ISGF3 induces the whole ISG programme, including genes
that fall back within a day or two; under chronic, low-level signalling only the subset driven by
unphosphorylated ISGF3 (U-ISGF3) stays up (Cheon & Stark 2009 PNAS 106:9373; Cheon et al. 2013
EMBO J 32:2751; the IRDS of Weichselbaum et al. 2008 PNAS 105:18490 and ISG.RS of Benci et al.
2016 Cell 167:1540 are of this kind). Per tumour, on the log2 scale, relative to a per-gene
baseline:

* ``ifn_sustained`` (U): median change of ``ifnexus.singlecell.SUSTAINED_PROGRAMME`` (18
  U-ISGF3 genes: IFI27, BST2, OAS1-3, MX1/2, IFI44/IFI44L, IFI6, STAT1/2, IRF9, IRF7, ISG15,
  USP18, ...);
* ``ifn_acute_only`` (A): median change of ``ACUTE_PROGRAMME`` (12 pISGF3-only genes: IFIT1-3,
  RSAD2, CXCL10/11, OASL, CMPK2, HERC5, IFIH1, RIGI, ISG20);
* ``ifn_activity`` (T): median change over both programmes together (30 genes).

*Coherence* (issue #14): medians, not means, because ISGF3 raises its targets as a block while
NF-kB or IRF1 alone (IL-1b, TNF) raise only a few of them (CXCL10/11, ISG20, RSAD2). A median of
at least x means that at least half of the genes rose by at least x, so a rise carried by a
minority of the genes can neither make a sample IFN-active nor tilt it towards ``acute``.

*Type I/III vs type II.* ``ifn_type2`` (G): median change of :data:`TYPE2_SPECIFIC` (the
IFN-gamma-specific signature of Aybey, Brors & Staub 2025: IDO1, CXCL9, GBP2, IRF1, CD74,
ICAM1; GAS / CIITA-driven genes that IFN-gamma raises far more than the ISRE core).
``ifn_p_type2 = Phi((G - U) / sd)`` with ``sd`` the baseline SD of G - U (floored at
``_SD_FLOOR``): the probability that the IFN-gamma-specific genes rose more than the ISGF3 core.
``ifn_type`` is ``none`` when the sample is not IFN-active (``ifn_p_none >= 0.5``), else
``type II`` when ``ifn_p_type2 >= min_probability`` (type II clearly dominates), ``mixed`` when
``0.5 <= ifn_p_type2 < min_probability``, else ``type I/III`` (type III IFN uses the same ISGF3
complex and cannot be told from type I by expression); NA when fewer than
``MIN_TYPE2_GENES`` of the signature are measured. A ``type II`` sample is not called ``acute``
or ``chronic`` (those states mean type I IFN signalling): it is ``undetermined`` with the
reason; its probabilities are those of the type I model. A ``mixed`` sample keeps its type I
call, the reason says mixed (in tumours IFN-gamma from T cells comes with most type I signals).

*Calibration, within each cohort.* With baseline samples (``controls``: sample ids of the cohort,
e.g. sham or untreated; or a ``reference`` cohort of such samples) the per-gene baseline is their
median and the no-IFN distribution of T is their mean and SD (SD floored at
``_SD_FLOOR``). Without them the baseline is the cohort's per-gene median and T is fitted by a
two-component 1-D Gaussian mixture (EM, below); when the mixture is not supported (BIC, or the
components closer than ``min_effect / 2``) the no-IFN distribution is the cohort's median and
normal-scaled MAD - the call is then relative to the cohort, which the reason says. A cohort of
fewer than ``min_cohort`` tumours without baseline samples is ``undetermined``.

*Probabilities.* ``p_active`` is the posterior of "IFN programme induced" against "baseline"
(equal priors): with the mixture, its upper component; otherwise an alternative
``N(mu0 + min_effect, max(sd0, min_effect / 2))`` - an average induction of ``min_effect`` log2
units over the set genes. T below ``mu0`` counts as ``mu0`` (the posterior only grows with T).
Given activity, acute vs chronic compares A with U: acute ``A ~ N(k_acute U, s)``, chronic
``A ~ N(k_chronic U, s)``, ``s^2 = sd_A0^2 + (c U)^2`` (``sd_A0`` the baseline SD of A). Then
``p_none = 1 - p_active``, ``p_acute = p_active q``, ``p_chronic = p_active (1 - q)``. (An
absolute test, acute whenever P(A >= ``min_effect``) is high, was tried and withdrawn: it
added wrong ``acute`` calls; docs/tumour.md.) The state
is the most probable one if its probability is at least ``min_probability``, else
``undetermined`` ("evidence too weak"). When fewer than ``min_coverage`` of a set's genes (or
fewer than ``min_genes``) are measured, every tumour is ``undetermined`` and a warning gives the
numbers.

Constants: ``k_acute = 1.37`` is the median A/U (medians over the genes) of the IFN-alpha/beta
stimulated samples of the two *training* datasets of ``docs/tumour.md`` (range 1.20-1.64; no
held-out dataset used); ``c = 0.3`` covers that spread (largest distance 0.27).
``k_chronic = 0.41`` (0.3 ``k_acute``) is not fitted: it encodes Cheon 2013 (the acute-only ISGs
fall back to baseline while U-ISGF3 keeps its targets up) with room for partial persistence; the
fraction 0.3 was fixed before any chronic data was seen.

**Capacity** (``ifn_capacity``: ``intact``/``deficient``): can the tumour make type I IFN at all -
deficient when the 9p21 IFN cluster is homozygously deleted or CGAS or STING1 is silenced (robust
z <= ``silenced_z`` against the cohort or the reference). ``ifn_class`` combines both for the
radiotherapy model: ``ifn-deficient`` (capacity), ``chronic`` (state), ``acute-competent``
(intact and acute or none), ``undetermined``.

Why our own EM: one 1-D two-component fit with a monotone posterior; scikit-learn is not a
dependency of ifnexus (the test checks the fit against ``sklearn.mixture.GaussianMixture``).
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
from scipy.stats import norm

from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.genesets import GeneSet, get_set, resolve_genes
from ifnexus.scoring._ssgsea import ssgsea

logger = logging.getLogger(__name__)

IFN_STATES = ("acute", "chronic", "none", "undetermined")
IFN_CLASSES = ("acute-competent", "chronic", "ifn-deficient", "undetermined")
_MAD_NORMAL = 1.482602218505602  # 1 / Phi^-1(3/4): MAD -> SD for normal data
_SIGNAL_SETS = {
    "ifna_score": "HALLMARK_INTERFERON_ALPHA_RESPONSE",
    "isgrs_score": "ISG.RS",
    "ifng_score": "IFNG6_AYERS2017",
}
_Z_COLUMNS = {
    "isgrs_score": "isgrs_z",
    "ifng_score": "ifng_z",
    "ifna_score": "ifna_z",
    "CGAS_log2": "cgas_z",
    "STING1_log2": "sting1_z",
}


def ifn_signals(expr: pd.DataFrame, log2expr: pd.DataFrame) -> pd.DataFrame:
    """IFN-axis signals per sample (ssGSEA scores and CGAS/STING1 expression).

    Parameters
    ----------
    expr
        Genes x samples, any monotone scale (ssGSEA uses ranks over all genes).
    log2expr
        The same on a log2 scale (for CGAS and STING1 expression).

    Returns
    -------
    pandas.DataFrame
        ``ifna_score``, ``isgrs_score``, ``ifng_score``, ``CGAS_log2``, ``STING1_log2`` per
        sample; NaN where no gene of a signal is present (with a warning).
    """
    universe = [str(g) for g in expr.index]
    sets: dict[str, list[str]] = {}
    for col, name in _SIGNAL_SETS.items():
        sets[col] = list(resolve_genes(get_set(name).genes, universe).mapping.values())
    nonempty = {k: v for k, v in sets.items() if v}
    out = pd.DataFrame(index=expr.columns.copy())
    scored = ssgsea(expr, nonempty) if nonempty else pd.DataFrame(index=expr.columns)
    for col in _SIGNAL_SETS:
        out[col] = scored[col] if col in scored else np.nan
    for gene in ("CGAS", "STING1"):
        m = resolve_genes([gene], [str(g) for g in log2expr.index]).mapping
        out[f"{gene}_log2"] = log2expr.loc[m[gene]].to_numpy() if m else np.nan
    missing = [c for c in out.columns if out[c].isna().all()]
    if missing:
        warnings.warn(
            f"IFN signals without any gene in the expression data: {', '.join(missing)}",
            IfnexusWarning,
            stacklevel=2,
        )
    out.index.name = "sample"
    return out


def robust_z(values: pd.Series, reference: pd.Series | None = None) -> pd.Series:
    """``(x - median(ref)) / (1.4826 * MAD(ref))``, the SD when the MAD is 0, 0 when both are.

    The MAD is scaled by ``1 / Phi^-1(3/4)`` (scipy ``median_abs_deviation(scale="normal")``);
    ``ref`` defaults to ``values`` itself (the cohort).

    Parameters
    ----------
    values
        The values to standardise.
    reference
        The reference distribution; default ``values`` itself.

    Returns
    -------
    pandas.Series
        Robust z scores indexed like ``values`` (NaN when the reference is empty).
    """
    ref = (values if reference is None else reference).dropna().astype(np.float64)
    if ref.empty:
        return pd.Series(np.nan, index=values.index)
    med = float(ref.median())
    scale = _MAD_NORMAL * float((ref - med).abs().median())
    if scale <= 0:
        scale = float(ref.std(ddof=1)) if len(ref) > 1 else 0.0
    if not scale > 0:
        return (values - med) * 0.0
    return (values - med) / scale


_SD_FLOOR = 0.15  # log2 units: the least spread assumed for a baseline set score
K_ACUTE = 1.37  # median A/U of IFN-alpha/beta stimulated training samples (docs/tumour.md)
K_CHRONIC = 0.41  # 0.3 K_ACUTE, not fitted: Cheon 2013, the acute-only ISGs fall back to baseline
RATIO_SPREAD = 0.3  # c: spread of A/U across the training datasets (1.20-1.64)
#: Fewest measured genes of :data:`TYPE2_SPECIFIC` for the type I/III vs type II decision.
MIN_TYPE2_GENES = 3

#: IFN-gamma (type II)-specific genes: the IFN-II signature of Aybey et al. 2025 (bulk only).
TYPE2_SPECIFIC = GeneSet(
    name="IFN_TYPE2_SPECIFIC_AYBEY2025",
    genes=("IDO1", "CXCL9", "GBP2", "IRF1", "CD74", "ICAM1"),
    species="human",
    source=(
        "Aybey B, Brors B, Staub E 2025 J Transl Med 23:740 (expression signatures with "
        "specificity for type I and II IFN response; network meta-analysis of IFN-stimulation "
        "RNA-seq); list as in github.com/ba306/Interferon-signature-discovery-analysis "
        "discovery/IFN_Aybey_signatures.txt (IFNg_Aybey)"
    ),
    licence="published scientific data (cite the paper); repository CC0 1.0",
    version="Aybey 2025 IFN-II signature",
    description="Genes IFN-gamma raises far more than type I IFN does (GAS / CIITA-driven).",
)


def _fmt(x: float) -> str:
    return "NA" if pd.isna(x) else f"{x:.2f}"


def _norm_pdf(x: np.ndarray, mu: float | np.ndarray, sd: float | np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * ((x - mu) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))


def fit_two_gaussians(
    x: np.ndarray, *, max_iter: int = 500, tol: float = 1e-10
) -> dict[str, float]:
    """Two-component 1-D Gaussian mixture by EM (each component its own variance).

    Started from the best two-means split of the sorted data (exact in 1-D, what k-means
    initialisation aims at) and from the split at the median; the start with the higher final
    log-likelihood wins. Stops when the log-likelihood changes by less than ``tol``. Variances
    are floored at ``1e-6`` times the data variance.

    Parameters
    ----------
    x
        Finite values (at least 4).
    max_iter, tol
        EM limits.

    Returns
    -------
    dict
        ``w0, mu0, sd0`` (lower component), ``w1, mu1, sd1`` (upper), ``loglik``,
        ``bic2`` and ``bic1`` (BIC of this fit and of one Gaussian; lower is better).
    """
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = x.size
    if n < 4:
        raise ValidationError(f"a two-component mixture needs at least 4 values, got {n}")
    var_floor = max(1e-6 * float(np.var(x)), 1e-12)
    best: tuple[float, float, float, float, float, float] | None = None
    for r0 in _starts(x):
        fit = _em(x, r0, var_floor, max_iter, tol)
        if best is None or fit[0] > best[0]:
            best = fit
    assert best is not None
    ll, w1, mu0, mu1, v0, v1 = best
    if mu0 > mu1:
        mu0, mu1, v0, v1, w1 = mu1, mu0, v1, v0, 1 - w1
    sd1 = float(np.std(x))
    ll1 = float(np.log(np.maximum(_norm_pdf(x, float(np.mean(x)), max(sd1, 1e-12)), 1e-300)).sum())
    return {
        "w0": 1 - w1, "mu0": mu0, "sd0": float(np.sqrt(v0)),
        "w1": w1, "mu1": mu1, "sd1": float(np.sqrt(v1)),
        "loglik": ll, "bic2": 5 * np.log(n) - 2 * ll, "bic1": 2 * np.log(n) - 2 * ll1,
    }  # fmt: skip


def _starts(x: np.ndarray) -> list[np.ndarray]:
    xs = np.sort(x)
    n = xs.size
    c1 = np.cumsum(xs)
    c2 = np.cumsum(xs**2)
    k = np.arange(1, n)
    sse_lo = c2[k - 1] - c1[k - 1] ** 2 / k
    sse_hi = (c2[-1] - c2[k - 1]) - (c1[-1] - c1[k - 1]) ** 2 / (n - k)
    cut = xs[int(np.argmin(sse_lo + sse_hi))]
    return [(x > cut).astype(float), (x > np.median(x)).astype(float)]


def _em(
    x: np.ndarray, r: np.ndarray, var_floor: float, max_iter: int, tol: float
) -> tuple[float, float, float, float, float, float]:
    ll_old = -np.inf
    ll = -np.inf
    w1 = mu0 = mu1 = v0 = v1 = 0.0
    for _ in range(max_iter):
        w1 = float(np.clip(r.mean(), 1e-6, 1 - 1e-6))
        mu1 = float((r * x).sum() / max(r.sum(), 1e-12))
        mu0 = float(((1 - r) * x).sum() / max((1 - r).sum(), 1e-12))
        v1 = max(float((r * (x - mu1) ** 2).sum() / max(r.sum(), 1e-12)), var_floor)
        v0 = max(float(((1 - r) * (x - mu0) ** 2).sum() / max((1 - r).sum(), 1e-12)), var_floor)
        p1 = w1 * _norm_pdf(x, mu1, np.sqrt(v1))
        p0 = (1 - w1) * _norm_pdf(x, mu0, np.sqrt(v0))
        tot = np.maximum(p0 + p1, 1e-300)
        ll = float(np.log(tot).sum())
        r = p1 / tot
        if abs(ll - ll_old) < tol:
            break
        ll_old = ll
    return ll, w1, mu0, mu1, v0, v1


def _programmes() -> tuple[GeneSet, GeneSet]:
    """Return the sustained (U-ISGF3) and acute-only (pISGF3) programmes of sc profile."""
    from ifnexus.singlecell import ACUTE_PROGRAMME, SUSTAINED_PROGRAMME

    return SUSTAINED_PROGRAMME, ACUTE_PROGRAMME


def _set_genes(gs: GeneSet, universe: list[str]) -> tuple[list[str], int]:
    mapping = resolve_genes(gs.genes, universe).mapping
    return list(dict.fromkeys(mapping.values())), len(gs.genes)


def ifn_programme_scores(
    log2expr: pd.DataFrame, baseline: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, dict[str, tuple[int, int]]]:
    """Per-sample median log2 change of the IFN programmes (U-ISGF3, acute-only, type II).

    Parameters
    ----------
    log2expr
        Genes x samples, log2 scale.
    baseline
        Genes x samples (log2) whose per-gene median is the baseline; default: ``log2expr``.

    Returns
    -------
    (pandas.DataFrame, dict)
        ``ifn_activity`` (both programmes), ``ifn_sustained``, ``ifn_acute_only`` and
        ``ifn_type2`` (:data:`TYPE2_SPECIFIC`) per sample, each the median over the set's
        measured genes of the change from the baseline; and the coverage:
        ``{set: (n measured, n in set)}`` for IFN_U_ISGF3_SUSTAINED, IFN_ISGF3_ACUTE and
        IFN_TYPE2_SPECIFIC_AYBEY2025.
    """
    ok = log2expr.notna().all(axis=1) & (log2expr.std(axis=1) > 0)
    if baseline is not None:
        ok &= baseline.reindex(log2expr.index).notna().all(axis=1)
    universe = [str(g) for g in log2expr.index[ok.to_numpy()]]
    sus_set, acu_set = _programmes()
    sus, n_sus = _set_genes(sus_set, universe)
    acu, n_acu = _set_genes(acu_set, universe)
    ty2, n_ty2 = _set_genes(TYPE2_SPECIFIC, universe)
    base = (log2expr if baseline is None else baseline.reindex(log2expr.index)).median(axis=1)
    delta = log2expr.sub(base, axis=0)
    out = pd.DataFrame(index=log2expr.columns.copy())
    both = list(dict.fromkeys(sus + acu))
    out["ifn_activity"] = delta.loc[both].median() if both else np.nan
    out["ifn_sustained"] = delta.loc[sus].median() if sus else np.nan
    out["ifn_acute_only"] = delta.loc[acu].median() if acu else np.nan
    out["ifn_type2"] = delta.loc[ty2].median() if ty2 else np.nan
    cov = {
        sus_set.name: (len(sus), n_sus),
        acu_set.name: (len(acu), n_acu),
        TYPE2_SPECIFIC.name: (len(ty2), n_ty2),
    }
    return out, cov


def ifn_state_probabilities(
    log2expr: pd.DataFrame,
    *,
    controls: list[str] | None = None,
    reference: pd.DataFrame | None = None,
    min_effect: float = 1.0,
    min_probability: float = 0.8,
    min_coverage: float = 0.5,
    min_genes: int = 5,
    min_cohort: int = 10,
    min_controls: int = 3,
) -> pd.DataFrame:
    """Call the calibrated IFN state of every sample with its probabilities (module docstring).

    Parameters
    ----------
    log2expr
        Genes x samples, log2 scale (``log2_expression`` of the tumours).
    controls
        Sample ids of ``log2expr`` that define baseline (untreated, sham, IFN-free).
    reference
        Genes x samples (log2, same scale) of baseline samples outside the cohort. Not together
        with ``controls``.
    min_effect
        Median log2 induction over the set genes that counts as "IFN programme induced" (1.0).
    min_probability
        A state is called when its probability is at least this (0.8), else ``undetermined``.
    min_coverage, min_genes
        Fewer measured genes of either programme than this fraction of the set (0.5) or this
        number (5): every sample ``undetermined``, with a warning giving the numbers.
    min_cohort
        Without baseline samples, cohorts smaller than this (10) are ``undetermined``.
    min_controls
        Fewest baseline samples accepted (3); fewer is an error.

    Returns
    -------
    pandas.DataFrame
        Index ``sample``: ``ifn_activity``, ``ifn_sustained``, ``ifn_acute_only``,
        ``ifn_type2``, ``ifn_acute_share`` (A/U), ``ifn_p_acute``, ``ifn_p_chronic``,
        ``ifn_p_none``, ``ifn_p_type2``, ``ifn_type`` (``type I/III``, ``mixed``, ``type II``,
        ``none``, NA), ``ifn_state``, ``ifn_state_reason``. ``.attrs["ifn_calibration"]``
        records the mode
        (``controls``, ``reference``, ``mixture``, ``cohort median``), the baseline mean and SD,
        the coverage and the constants.

    Raises
    ------
    ValidationError
        Unknown control ids, too few baseline samples, both ``controls`` and ``reference``, or a
        parameter out of range.
    """
    for name, v, lo, hi in (("min_effect", min_effect, 0.0, np.inf),
                            ("min_probability", min_probability, 0.5, 1.0),
                            ("min_coverage", min_coverage, 0.0, 1.0)):  # fmt: skip
        if not np.isfinite(float(v)) or not lo < float(v) <= hi:
            rng = f"({lo:g}, {hi:g}]" if np.isfinite(hi) else f"a finite number > {lo:g}"
            raise ValidationError(f"{name} must be {rng}, got {v!r}")
    if controls is not None and reference is not None:
        raise ValidationError("give baseline samples as controls or as a reference, not both")
    samples = [str(s) for s in log2expr.columns]
    baseline = None
    mode = "mixture"
    if controls is not None:
        controls = [str(c) for c in controls]
        unknown = [c for c in controls if c not in samples]
        if unknown:
            raise ValidationError(
                f"control sample(s) not in the expression: {', '.join(unknown[:5])}"
                f"{' ...' if len(unknown) > 5 else ''} (expression has {len(samples)} samples)"
            )
        controls = list(dict.fromkeys(controls))
        if len(controls) < min_controls:
            raise ValidationError(
                f"{len(controls)} control sample(s) given; at least {min_controls} are needed to "
                "calibrate the IFN state"
            )
        baseline, mode = log2expr[controls], "controls"
    elif reference is not None:
        if reference.shape[1] < min_controls:
            raise ValidationError(
                f"the reference has {reference.shape[1]} sample(s); at least {min_controls} are "
                "needed to calibrate the IFN state"
            )
        baseline, mode = reference, "reference"
    scores, cov = ifn_programme_scores(log2expr, baseline)
    out = scores.copy()
    out.index.name = "sample"
    calib: dict[str, object] = {
        "mode": mode, "coverage": {k: list(v) for k, v in cov.items()},
        "min_effect": min_effect, "min_probability": min_probability,
        "min_coverage": min_coverage, "min_genes": min_genes, "k_acute": K_ACUTE,
        "k_chronic": K_CHRONIC, "ratio_spread": RATIO_SPREAD, "sd_floor": _SD_FLOOR,
        "min_type2_genes": MIN_TYPE2_GENES,
    }  # fmt: skip
    out.attrs["ifn_calibration"] = calib
    low = [
        f"{k} {m}/{n} genes"
        for k, (m, n) in cov.items()
        if k != TYPE2_SPECIFIC.name and m < max(min_genes, min_coverage * n)
    ]
    n_type2 = cov[TYPE2_SPECIFIC.name][0]

    def undetermined(reason: str) -> pd.DataFrame:
        for c in ("ifn_acute_share", "ifn_p_acute", "ifn_p_chronic", "ifn_p_none", "ifn_p_type2"):
            out[c] = np.nan
        out["ifn_type"] = pd.Series(pd.NA, index=out.index, dtype="string")
        out["ifn_state"] = pd.Series("undetermined", index=out.index, dtype="string")
        out["ifn_state_reason"] = reason
        calib["mode"] = f"{mode} (not applied)"
        return out

    if low:
        msg = (
            f"IFN state undetermined for all {len(out)} samples: too few set genes measured "
            f"({'; '.join(low)}; need >= {min_genes} and >= {min_coverage:.0%} of each set)"
        )
        warnings.warn(msg, IfnexusWarning, stacklevel=2)
        return undetermined("too few set genes measured: " + "; ".join(low))
    t = out["ifn_activity"].to_numpy(float)
    u = out["ifn_sustained"].to_numpy(float)
    a = out["ifn_acute_only"].to_numpy(float)
    if baseline is not None:
        b_scores, _ = ifn_programme_scores(baseline, baseline)
        bt = b_scores["ifn_activity"].to_numpy(float)
        mu0, sd0 = float(np.mean(bt)), max(float(np.std(bt, ddof=1)), _SD_FLOOR)
        sd_a0 = max(float(np.std(b_scores["ifn_acute_only"], ddof=1)), _SD_FLOOR)
        b_gu = (b_scores["ifn_type2"] - b_scores["ifn_sustained"]).to_numpy(float)
        sd_gu0 = max(float(np.std(b_gu, ddof=1)), _SD_FLOOR) if n_type2 else np.nan
        p_active = _p_alt(t, mu0, sd0, mu0 + min_effect, max(sd0, min_effect / 2), 0.5)
    else:
        if len(out) < min_cohort:
            logger.warning(
                "IFN state: %d samples and no controls or reference: undetermined", len(out)
            )
            return undetermined(
                f"cohort of {len(out)} < {min_cohort} samples and no controls or reference "
                "to calibrate against"
            )
        fit = fit_two_gaussians(t)
        quiet = _p_alt(t, fit["mu0"], fit["sd0"], fit["mu1"], fit["sd1"], fit["w1"]) < 0.5
        if (
            fit["bic2"] < fit["bic1"]
            and fit["mu1"] - fit["mu0"] >= min_effect / 2
            and quiet.sum() >= min_controls
        ):
            # second pass: the lower component's samples are the baseline (per gene), so that
            # U and A are changes from the IFN-free state, not from the cohort's middle
            scores, _ = ifn_programme_scores(log2expr, log2expr.loc[:, quiet])
            out[scores.columns] = scores
            t = out["ifn_activity"].to_numpy(float)
            u = out["ifn_sustained"].to_numpy(float)
            a = out["ifn_acute_only"].to_numpy(float)
            mu0 = float(np.mean(t[quiet]))
            sd0 = max(float(np.std(t[quiet], ddof=1)), fit["sd0"], _SD_FLOOR)
            mu1 = mu0 + fit["mu1"] - fit["mu0"]
            p_active = _p_alt(t, mu0, sd0, mu1, max(fit["sd1"], _SD_FLOOR), fit["w1"])
            calib.update(mixture={k: float(v) for k, v in fit.items()}, n_baseline=int(quiet.sum()))
        else:
            mode = "cohort median"
            mu0 = float(np.median(t))
            sd0 = max(_MAD_NORMAL * float(np.median(np.abs(t - mu0))), _SD_FLOOR)
            p_active = _p_alt(t, mu0, sd0, mu0 + min_effect, max(sd0, min_effect / 2), 0.5)
            calib.update(mixture={k: float(v) for k, v in fit.items()}, mixture_rejected=True)
        quiet = p_active < 0.5
        aa = a[quiet] if quiet.sum() >= 3 else a
        sd_a0 = max(_MAD_NORMAL * float(np.median(np.abs(aa - np.median(aa)))), _SD_FLOOR)
        gu = out["ifn_type2"].to_numpy(float) - u
        gg = gu[quiet] if quiet.sum() >= 3 else gu
        sd_gu0 = (
            max(_MAD_NORMAL * float(np.median(np.abs(gg - np.median(gg)))), _SD_FLOOR)
            if n_type2
            else np.nan
        )
    calib.update(mode=mode, baseline_mean=mu0, baseline_sd=sd0, acute_only_sd=sd_a0,
                 type2_minus_sustained_sd=None if np.isnan(sd_gu0) else sd_gu0)  # fmt: skip
    up = np.maximum(u, 0.0)
    s = np.sqrt(sd_a0**2 + (RATIO_SPREAD * up) ** 2)
    la = _norm_pdf(a, K_ACUTE * up, s)
    lc = _norm_pdf(a, K_CHRONIC * up, s)
    q = np.where(la + lc > 0, la / np.maximum(la + lc, 1e-300), (a > 0).astype(float))
    out["ifn_acute_share"] = np.where(u > 0, a / np.where(u > 0, u, 1.0), np.nan)
    out["ifn_p_acute"] = p_active * q
    out["ifn_p_chronic"] = p_active * (1 - q)
    out["ifn_p_none"] = 1 - p_active
    g = out["ifn_type2"].to_numpy(float)
    typed = n_type2 >= MIN_TYPE2_GENES
    p_type2 = norm.cdf((g - u) / sd_gu0) if typed else np.full(len(out), np.nan)
    out["ifn_p_type2"] = p_type2
    ifn_type = np.where(
        p_active < 0.5,
        "none",
        np.where(
            p_type2 >= min_probability,
            "type II",
            np.where(p_type2 >= 0.5, "mixed", "type I/III"),
        ),
    ).astype(object)
    if not typed:
        ifn_type[:] = pd.NA
    out["ifn_type"] = pd.Series(ifn_type, index=out.index, dtype="string")
    t2_note = (
        "; type II {:+.2f}"
        if typed
        else f"; type I vs II not assessed ({TYPE2_SPECIFIC.name} {n_type2}/"
        f"{len(TYPE2_SPECIFIC.genes)} genes measured, need {MIN_TYPE2_GENES})"
    )
    probs = out[["ifn_p_acute", "ifn_p_chronic", "ifn_p_none"]].to_numpy(float)
    best = np.argmax(probs, axis=1)
    names = np.array(["acute", "chronic", "none"])
    states, reasons = [], []
    why_state = {
        "none": "IFN programme not induced",
        "acute": "IFN programme induced, acute-only ISGs up with it",
        "chronic": "U-ISGF3 ISGs up without the acute-only ISGs",
    }
    where = {"controls": "the control samples", "reference": "the reference samples",
             "mixture": "the cohort's lower mixture component",
             "cohort median": "the cohort median (no controls; unimodal cohort)"}[mode]  # fmt: skip
    for i in range(len(out)):
        pmax, st = probs[i, best[i]], str(names[best[i]])
        ev = (
            f"activity {t[i]:+.2f} log2 vs {where} (baseline {mu0:+.2f} +- {sd0:.2f}); "
            f"U-ISGF3 {u[i]:+.2f}, acute-only {a[i]:+.2f}" + t2_note.format(g[i])
        )
        if typed and ifn_type[i] == "type II":
            states.append("undetermined")
            reasons.append(
                "type II (IFN-gamma-like) response, not a type I IFN state: the IFN-gamma-specific "
                "genes (IRF1 and ICAM1 also NF-kB targets) rose more than the ISGF3 core "
                f"(type II {g[i]:+.2f} vs U-ISGF3 "
                f"{u[i]:+.2f} log2, p = {p_type2[i]:.2f}); {ev}"
            )
        elif pmax < min_probability:
            states.append("undetermined")
            reasons.append(f"evidence too weak: p({st}) = {pmax:.2f} < {min_probability:g}; {ev}")
        elif typed and ifn_type[i] == "mixed":
            states.append(st)
            reasons.append(
                f"{why_state[st]} (p = {pmax:.2f}); mixed type I/II: the IFN-gamma-specific genes "
                f"rose about as much as the ISGF3 core (p type II = {p_type2[i]:.2f} < "
                f"{min_probability:g}, so the type I call stands); {ev}"
            )
        else:
            states.append(st)
            reasons.append(f"{why_state[st]} (p = {pmax:.2f}); {ev}")
    out["ifn_state"] = pd.Series(states, index=out.index, dtype="string")
    out["ifn_state_reason"] = reasons
    return out


def _p_alt(t: np.ndarray, mu0: float, sd0: float, mu1: float, sd1: float, w1: float) -> np.ndarray:
    """Posterior of the upper component, non-decreasing in ``t`` (values below mu0 count as mu0)."""
    x = np.maximum(t, mu0)
    l1 = w1 * _norm_pdf(x, mu1, sd1)
    l0 = (1 - w1) * _norm_pdf(x, mu0, sd0)
    p = np.where(l0 + l1 > 0, l1 / np.maximum(l0 + l1, 1e-300), (x > mu1).astype(float))
    p = np.where(np.isfinite(t), p, np.nan)
    # beyond the upper mean the posterior must not fall again (unequal variances)
    return np.where(x >= mu1, np.maximum(p, _p_at(mu1, mu0, sd0, mu1, sd1, w1)), p)


def _p_at(x: float, mu0: float, sd0: float, mu1: float, sd1: float, w1: float) -> float:
    l1 = w1 * float(_norm_pdf(np.array(x), mu1, sd1))
    l0 = (1 - w1) * float(_norm_pdf(np.array(x), mu0, sd0))
    return l1 / (l0 + l1) if l0 + l1 > 0 else 1.0


def call_ifn_state(
    log2expr: pd.DataFrame | None,
    *,
    signals: pd.DataFrame | None = None,
    copy_number: pd.DataFrame | None = None,
    controls: list[str] | None = None,
    reference: pd.DataFrame | None = None,
    reference_signals: pd.DataFrame | None = None,
    silenced_z: float = -2.0,
    min_effect: float = 1.0,
    min_probability: float = 0.8,
    min_coverage: float = 0.5,
    min_cohort: int = 10,
) -> pd.DataFrame:
    """IFN state (with probabilities), IFN capacity and the radiotherapy class of every tumour.

    Parameters
    ----------
    log2expr
        Genes x samples on the log2 scale (None when there is no expression).
    signals
        Output of :func:`ifn_signals` for the same samples (CGAS/STING1 and the ssGSEA scores,
        shown as evidence; CGAS/STING1 decide silencing).
    copy_number
        Output of :func:`ifnexus.tumour.call_9p21` (``ifn_cluster_status`` and counts), optional.
    controls, reference
        Baseline samples (ids in ``log2expr``, or a log2 genes x samples reference); see
        :func:`ifn_state_probabilities`.
    reference_signals
        :func:`ifn_signals` of the reference, for the CGAS/STING1 z scores.
    silenced_z
        CGAS or STING1 at or below this robust z -> capacity ``deficient``.
    min_effect, min_probability, min_coverage, min_cohort
        See :func:`ifn_state_probabilities`.

    Returns
    -------
    pandas.DataFrame
        Index ``sample`` (union of the inputs): the columns of :func:`ifn_state_probabilities`
        (``ifn_state`` ``undetermined`` without expression), ``cgas_z``, ``sting1_z``,
        ``isgrs_z``, ``ifng_z``, ``ifna_z``, ``ifn_capacity`` (``intact``, ``deficient``, NA)
        with ``ifn_capacity_rule``, ``ifn_class`` (``acute-competent``, ``chronic``,
        ``ifn-deficient``, ``undetermined``) and ``ifn_state_evidence``.
    """
    if log2expr is None and copy_number is None:
        raise ValidationError("call_ifn_state needs expression, copy number, or both")
    if not np.isfinite(float(silenced_z)):
        raise ValidationError(f"silenced_z must be a finite number, got {silenced_z!r}")
    if signals is not None and reference_signals is not None:
        miss = [c for c in _Z_COLUMNS if c in signals and c not in reference_signals]
        if miss:
            raise ValidationError(f"reference signals lack column(s) {miss}")
    idx = pd.Index([], name="sample")
    if log2expr is not None:
        idx = idx.append(pd.Index(log2expr.columns.astype(str)))
    if copy_number is not None:
        idx = idx.append(copy_number.index.difference(idx, sort=False))
    out = pd.DataFrame(index=pd.Index(idx, name="sample"))
    calib: dict[str, object] = {"mode": "no expression"}
    if log2expr is not None:
        probs = ifn_state_probabilities(
            log2expr.set_axis(log2expr.columns.astype(str), axis=1),
            controls=controls,
            reference=reference,
            min_effect=min_effect,
            min_probability=min_probability,
            min_coverage=min_coverage,
            min_cohort=min_cohort,
        )
        calib = probs.attrs["ifn_calibration"]
        out = out.join(probs)
    else:
        for c in ("ifn_activity", "ifn_sustained", "ifn_acute_only", "ifn_type2",
                  "ifn_acute_share", "ifn_p_acute", "ifn_p_chronic", "ifn_p_none",
                  "ifn_p_type2"):  # fmt: skip
            out[c] = np.nan
        out["ifn_type"] = pd.Series(pd.NA, index=out.index, dtype="string")
    has_expr = out["ifn_activity"].notna() if log2expr is not None else out.index.isin([])
    has_expr = pd.Series(np.asarray(has_expr, dtype=bool), index=out.index)
    state = out.get("ifn_state", pd.Series(pd.NA, index=out.index, dtype="string"))
    state = state.astype("string").fillna("undetermined")
    reason = out.get("ifn_state_reason", pd.Series(pd.NA, index=out.index, dtype=object))
    out["ifn_state"] = state
    out["ifn_state_reason"] = reason.where(reason.notna(), "no expression")
    if signals is not None:
        ref_base = None if controls is None else signals.loc[signals.index.isin(controls)]
        ref_sig = reference_signals if reference_signals is not None else ref_base
        for col, z in _Z_COLUMNS.items():
            ref = None if ref_sig is None else ref_sig[col]
            out[z] = robust_z(signals[col], ref).reindex(out.index)
    else:
        for z in _Z_COLUMNS.values():
            out[z] = np.nan
    cluster = (
        copy_number["ifn_cluster_status"].reindex(out.index)
        if copy_number is not None
        else pd.Series(np.nan, index=out.index, dtype=object)
    )
    caps: list[object] = []
    cap_rules: list[str] = []
    classes: list[str] = []
    evidence: list[str] = []
    for s in out.index:
        r = out.loc[s]
        cs = cluster.loc[s]
        ev = []
        if copy_number is not None and s in copy_number.index:
            c = copy_number.loc[s]
            ev.append(
                f"IFN cluster {cs} ({c['ifn_cluster_n_homozygous']}/{c['ifn_cluster_n_assessed']} "
                "genes homozygous)"
            )
        else:
            ev.append("IFN cluster not assessed (no copy number)")
        if has_expr.loc[s]:
            ev.append(
                f"p(acute/chronic/none) = {_fmt(r['ifn_p_acute'])}/{_fmt(r['ifn_p_chronic'])}/"
                f"{_fmt(r['ifn_p_none'])}; IFN type "
                f"{'NA' if pd.isna(r['ifn_type']) else r['ifn_type']} "
                f"(p type II = {_fmt(r['ifn_p_type2'])}); CGAS z={_fmt(r['cgas_z'])}; "
                f"STING1 z={_fmt(r['sting1_z'])}; ISG.RS z={_fmt(r['isgrs_z'])}; "
                f"IFNG z={_fmt(r['ifng_z'])}"
            )
        else:
            ev.append("no expression")
        if cs == "homozygous":
            cap, rule = "deficient", "IFN cluster homozygously deleted"
        elif has_expr.loc[s] and r["cgas_z"] <= silenced_z:
            cap, rule = "deficient", f"CGAS silenced (z <= {silenced_z:g})"
        elif has_expr.loc[s] and r["sting1_z"] <= silenced_z:
            cap, rule = "deficient", f"STING1 silenced (z <= {silenced_z:g})"
        elif not has_expr.loc[s]:
            cap, rule = None, "not callable: no expression and the IFN cluster is not lost"
        else:
            cap, rule = "intact", "IFN cluster not lost; CGAS and STING1 expressed"
        st = str(state.loc[s])
        if cap == "deficient":
            cls = "ifn-deficient"
        elif cap == "intact" and st == "chronic":
            cls = "chronic"
        elif cap == "intact" and st in ("acute", "none"):
            cls = "acute-competent"
        else:
            cls = "undetermined"
        caps.append(cap)
        cap_rules.append(rule)
        classes.append(cls)
        evidence.append("; ".join(ev))
    out["ifn_capacity"] = pd.Series(caps, index=out.index, dtype="string")
    out["ifn_capacity_rule"] = cap_rules
    out["ifn_class"] = pd.Series(classes, index=out.index, dtype="string")
    out["ifn_state_evidence"] = evidence
    out.attrs["ifn_calibration"] = calib
    out.attrs["thresholds"] = {
        "silenced_z": silenced_z,
        "min_effect": min_effect,
        "min_probability": min_probability,
        "min_coverage": min_coverage,
        "min_cohort": min_cohort,
    }
    return out
