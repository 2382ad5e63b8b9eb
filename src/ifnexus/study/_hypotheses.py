"""Why are low-purity MPNSTs controlled better? Two explanations as generative assumptions.

The commentary on Zhu et al. (2025) offers two explanations and calls both speculative:

``zhu``
    Immune contexture and 9p21/IFN-cluster loss: purity measures what is *not* tumour, and in
    these tumours that is mostly immune cells. A tumour with more CD8 T cells, or one that kept
    its IFN cluster (a tumour that lost it is immune-cold and IFN-deficient), has lower purity
    and is controlled better by the immune arm of the model. Purity says nothing about clonogen
    number: clonogens scale with tumour volume only (``n0 = c x V``).
``clonogen``
    Fewer clonogens (Pitroda & Weichselbaum): a low-purity tumour of the same volume holds fewer
    tumour cells, hence fewer clonogens to sterilise: ``n0 = c x purity x V``. Purity is not tied
    to immune infiltration or cluster status.

Generative model (:func:`hypothesis_cohort`). Each virtual patient is a model patient
(:func:`hypothesis_pool`: :func:`ifnexus.model.simulate_cohort`, 50 Gy/25 fx, post-operative
residual disease by default, where the clonogen number sets local control in the model),
whose drawn traits (clonogen number ``n0``, T-cell infiltration ``tau``, cluster loss, STING
silencing, ...) and simulated time to local failure are the model's. Both mechanisms of the
model act on every patient's outcome; the hypotheses differ only in what purity and volume
are, which is what a study measures. With ``u`` the patient's standardised ``log n0`` and
``d`` the standardised Zhu driver (``(-z(log tau) + z(cluster loss)) / sqrt 2``, standardised
over the pool), log purity is ``log(purity_median) + purity_log_sd * z_p``, with

* under ``zhu``: ``z_p = r d + sqrt(1 - r^2) e`` (``r = zhu_correlation``), and the volume
  ``V = volume_median * n0 / median(n0)`` (clonogen density the same in every tumour);
* under ``clonogen``: ``z_p = rho u + sqrt(1 - rho^2) e`` with ``rho = purity_log_sd / sd(log
  n0)``, and ``V = volume_median * (n0 / median(n0)) * (purity_median / purity)``, so that
  ``n0 = c x purity x V`` holds for every patient exactly, with ``log V`` and ``log purity``
  independent a priori (the conditional draw of a Gaussian summand given the sum), as the
  explanation states;
* a mixture ``{"zhu": w, "clonogen": 1 - w}``: each patient follows ``zhu`` with probability
  ``w``, else ``clonogen`` (a population in which both mechanisms occur).

Purity is clipped to [0.05, 0.98] (the volume is computed from the clipped value, so the
clonogen identity stays exact). Measurements carry error: purity (SD ``purity_noise``), log CD8
density (``cd8_noise``), log volume (``volume_noise``), 9p21/IFN-cluster and IFN-deficient calls
(each wrong with probability ``call_error``); censoring by uniform accrual then follow-up, death
competing (exponential).

Analysis (:func:`identify_hypothesis`), as a study with those measurements would: two
cause-specific Cox models of local failure (lifelines' ``CoxPHFitter``, Efron ties; death
competing), each with the immune covariates measured (log CD8 density, 9p21/IFN-cluster loss or
the IFN-deficient call), and

* model ``zhu``: log volume (clonogens follow volume alone);
* model ``clonogen``: log(purity x volume), the tumour-cell volume (log purity without volume).

The study names the model with the lower AIC when the two differ by at least ``aic_margin``
(2), else ``undetermined``. :func:`hypothesis_power` repeats seeded studies for each truth,
cohort size, follow-up and measurement set (:data:`MEASUREMENT_SETS`): the fraction naming
the generating hypothesis is the power. :func:`example_study` runs the real pipeline on one
cohort: bulk expression and copy number from the cohort's truth (:mod:`ifnexus.study._bulk`,
``_segments``), ``tumour profile`` (:func:`ifnexus.tumour.profile_tumours`: ESTIMATE purity,
9p21 and IFN-state calls) and ``outcome features`` (:func:`ifnexus.outcome.feature_effects`),
then the identification on the profile's own calls; it also measures the purity error and the
call error of the profile, which the power loop takes as its measurement error.

Why our own code: no library simulates studies of this question; the statistics are
:mod:`ifnexus.outcome` (lifelines underneath).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ifnexus._ifn_state import true_ifn_state
from ifnexus._rng import RngLike, as_generator, seed_entropy
from ifnexus.errors import IfnexusWarning, UnknownNameError, ValidationError
from ifnexus.trial import DAYS_PER_YEAR

__all__ = [
    "HYPOTHESES",
    "MEASUREMENT_SETS",
    "HypothesesDesign",
    "HypothesisAssumptions",
    "example_study",
    "hypotheses_design_from_dict",
    "hypothesis_cohort",
    "hypothesis_pool",
    "hypothesis_power",
    "identify_hypothesis",
    "plot_hypothesis_power",
    "read_hypotheses_design",
    "run_hypotheses",
]

#: the explanations of the purity effect (name -> what it says)
HYPOTHESES: dict[str, str] = {
    "zhu": "immune contexture and 9p21/IFN-cluster loss (Zhu et al. 2025): purity reflects "
    "CD8 infiltration and cluster status; clonogens scale with volume",
    "clonogen": "fewer clonogens per volume in low-purity tumours (Pitroda & Weichselbaum): "
    "clonogens scale with purity x volume",
}
#: what a study measures, by name: the covariates the analysis may use
MEASUREMENT_SETS: dict[str, tuple[str, ...]] = {
    "all": ("purity", "volume", "cd8", "cluster"),
    "no volume": ("purity", "cd8", "cluster"),
    "no CD8": ("purity", "volume", "cluster"),
    "no 9p21": ("purity", "volume", "cd8"),
    "IFN state for 9p21": ("purity", "volume", "cd8", "ifn_state"),
    "purity and volume": ("purity", "volume"),
}
_COVARIATE = {"cd8": "cd8_density", "cluster": "ifn_cluster_loss_call",
              "ifn_state": "ifn_deficient_call"}  # fmt: skip
POOL_YEARS = 5.0
# the columns of hypothesis_pool that hypothesis_cohort reads
_POOL_COLUMNS = ("postop", "n0", "n0_rel", "infiltration", "ifn_cluster_loss", "sting_silenced",
                 "chronic_ifn", "time_to_failure", "u", "d")  # fmt: skip


@dataclass(frozen=True)
class HypothesisAssumptions:
    """The assumed sizes of the virtual cohort and of its measurement error.

    Attributes
    ----------
    purity_median, purity_log_sd
        Tumour purity is log-normal around ``purity_median`` with SD ``purity_log_sd`` of log
        purity (0.6 and 0.3: ESTIMATE purities of sarcomas span about 0.3-0.95), clipped to
        [0.05, 0.98].
    zhu_correlation
        Correlation of log purity with the Zhu driver under ``zhu``.
    volume_median_cm3
        Median tumour volume (cm^3); its spread is the model's clonogen spread.
    purity_noise, cd8_noise, volume_noise, call_error
        Measurement error: SD of measured purity, of measured log CD8 density, of measured log
        volume; probability that a 9p21/IFN-cluster or IFN-deficient call is wrong.
    death_hazard_per_year, accrual_years
        Competing death (exponential) and uniform accrual before the follow-up.
    aic_margin
        AIC difference below which a study calls the hypotheses ``undetermined``.
    """

    purity_median: float = 0.6
    purity_log_sd: float = 0.3
    zhu_correlation: float = 0.8
    volume_median_cm3: float = 250.0
    purity_noise: float = 0.05
    cd8_noise: float = 0.3
    volume_noise: float = 0.1
    call_error: float = 0.05
    death_hazard_per_year: float = 0.05
    accrual_years: float = 2.0
    aic_margin: float = 2.0

    def __post_init__(self) -> None:
        checks = {
            "purity_median": 0 < self.purity_median < 1,
            "purity_log_sd": 0 < self.purity_log_sd < 1,
            "zhu_correlation": 0 <= self.zhu_correlation <= 1,
            "volume_median_cm3": self.volume_median_cm3 > 0,
            "purity_noise": self.purity_noise >= 0,
            "cd8_noise": self.cd8_noise >= 0,
            "volume_noise": self.volume_noise >= 0,
            "call_error": 0 <= self.call_error < 0.5,
            "death_hazard_per_year": self.death_hazard_per_year >= 0,
            "accrual_years": self.accrual_years >= 0,
            "aic_margin": self.aic_margin >= 0,
        }
        bad = [k for k, ok in checks.items() if not (ok and math.isfinite(getattr(self, k)))]
        if bad:
            raise ValidationError(
                f"assumption {bad[0]} = {getattr(self, bad[0])!r} is out of range (purity_median "
                "in (0, 1), purity_log_sd in (0, 1), zhu_correlation in [0, 1], call_error in "
                "[0, 0.5), the others >= 0)"
            )


def check_weights(hypothesis: str | Mapping[str, float]) -> dict[str, float]:
    """Return the weights of a hypothesis or a mixture, checked.

    Parameters
    ----------
    hypothesis
        A name of :data:`HYPOTHESES`, or weights of them that sum to 1.

    Returns
    -------
    dict
        Weight per hypothesis (both keys).

    Raises
    ------
    UnknownNameError
        A name not in :data:`HYPOTHESES`.
    ValidationError
        Negative weights or weights that do not sum to 1.
    """
    w = {hypothesis: 1.0} if isinstance(hypothesis, str) else dict(hypothesis)
    for k in w:
        if k not in HYPOTHESES:
            raise UnknownNameError(f"unknown hypothesis {k!r}; accepted: {', '.join(HYPOTHESES)}")
    vals = [float(v) for v in w.values()]
    if any(not math.isfinite(v) or v < 0 for v in vals) or abs(sum(vals) - 1.0) > 1e-9:
        raise ValidationError(
            f"mixture weights must be >= 0 and sum to 1, got {w} (sum {sum(vals):g})"
        )
    return {h: float(w.get(h, 0.0)) for h in HYPOTHESES}


def label(hypothesis: str | Mapping[str, float]) -> str:
    """Name of a hypothesis or mixture (``"zhu"``, ``"zhu 0.5 + clonogen 0.5"``)."""
    w = check_weights(hypothesis)
    pure = [h for h, v in w.items() if v == 1.0]
    return pure[0] if pure else " + ".join(f"{h} {v:g}" for h, v in w.items() if v > 0)


def hypothesis_pool(
    n: int = 4000, *, gross_share: float = 0.0, seed: RngLike = 0, options: Any = None
) -> pd.DataFrame:
    """Simulate the pool of model patients the studies resample.

    Parameters
    ----------
    n
        Model patients (50 Gy/25 fx, 5 years).
    gross_share
        Share with gross (unresected) disease; the others are post-operative with residual
        clonogens (default: all). In the model, gross disease fails when the regrowing tumour
        reaches ``fail_ratio`` times its own clonogen number, so the clonogen number barely
        changes its local control (measured: Cox log hazard ratio 0.00 per log clonogen at 50
        Gy/25 fx, 0.04 at 70 Gy/35 fx), while a post-operative bed fails at a fixed detectable
        number (0.23 per log clonogen at 50 Gy/25 fx): the clonogen explanation can only act
        where the clonogen number matters, and the default studies that population.
    seed
        Seed.
    options
        :class:`ifnexus.RunOptions`.

    Returns
    -------
    pandas.DataFrame
        ``postop`` (0/1), ``n0``, ``n0_rel`` (over the stratum's median), ``infiltration``, ``ifn_cluster_loss``, ``sting_silenced``, ``chronic_ifn``,
        ``time_to_failure`` (years, NaN without), and the standardised ``u`` (log n0) and ``d``
        (Zhu driver).
    """
    from ifnexus.model import simulate_cohort

    if int(n) != n or n < 50:
        raise ValidationError(f"hypothesis_pool: n must be an integer >= 50, got {n!r}")
    if not 0 <= gross_share <= 1:
        raise ValidationError(f"gross_share must be in [0, 1], got {gross_share!r}")
    n_gross = int(round(gross_share * n))
    e = seed_entropy(seed)
    parts = []
    for i, (disease, k) in enumerate((("gross", n_gross), ("postop", int(n) - n_gross))):
        if k == 0:
            continue
        p = simulate_cohort(
            "50Gy/25fx", n_patients=k, disease=disease, options=options,
            rng=np.random.SeedSequence([e, i]),
            days=POOL_YEARS * DAYS_PER_YEAR,
            params={"p_residual_r0": 1.0, "p_residual_r1": 1.0} if disease == "postop" else None,
        ).patients  # fmt: skip
        p = p[~p["numerical_failure"].to_numpy(bool)]
        ln0 = np.log(p["n0"].to_numpy(float))
        parts.append(pd.DataFrame({
            "postop": int(disease == "postop"),
            "n0": p["n0"].to_numpy(float),
            "n0_rel": np.exp(ln0 - np.median(ln0)),  # clonogens over the stratum's median
            "u": (ln0 - ln0.mean()) / ln0.std(),  # standardised within the stratum
            "infiltration": p["infiltration"].to_numpy(float),
            "ifn_cluster_loss": p["ifn_cluster_loss"].to_numpy(bool),
            "sting_silenced": p["sting_silenced"].to_numpy(bool),
            "chronic_ifn": p["chronic_ifn"].to_numpy(float),
            "time_to_failure": p["time_to_failure"].to_numpy(float) / DAYS_PER_YEAR,
        }))  # fmt: skip
    out = pd.concat(parts, ignore_index=True)
    lt = np.log(out["infiltration"].to_numpy(float))
    cl = out["ifn_cluster_loss"].to_numpy(float)
    d = -(lt - lt.mean()) / lt.std() + (cl - cl.mean()) / max(cl.std(), 1e-12)
    out["d"] = (d - d.mean()) / d.std()
    return out


def hypothesis_cohort(
    pool: pd.DataFrame,
    hypothesis: str | Mapping[str, float],
    n_patients: int,
    *,
    followup_years: float = 3.0,
    assumptions: HypothesisAssumptions | None = None,
    seed: RngLike = 0,
) -> pd.DataFrame:
    """Draw one study's cohort under a hypothesis (or a mixture), with its measurements.

    Parameters
    ----------
    pool
        :func:`hypothesis_pool`.
    hypothesis
        ``"zhu"``, ``"clonogen"`` or weights of both summing to 1.
    n_patients
        Cohort size (at least 20).
    followup_years
        Follow-up after the last accrual (0-5 years): each patient is censored at a time uniform
        in ``[followup_years, followup_years + accrual_years]`` (at most 5 years).
    assumptions
        :class:`HypothesisAssumptions` (the defaults when None).
    seed
        Seed.

    Returns
    -------
    pandas.DataFrame
        Truth: ``mechanism``, ``purity_true``, ``volume_true`` (cm^3), ``n0``,
        ``infiltration``, ``ifn_cluster_loss``, ``sting_silenced``, ``chronic_ifn``; measured:
        ``purity``, ``volume`` (cm^3), ``cd8_density`` (log), ``ifn_cluster_loss_call``,
        ``ifn_deficient_call`` (0/1); ``time`` (years), ``event`` (1 local failure, 2 death,
        0 censored).

    Raises
    ------
    ValidationError
        A pool without the columns of :func:`hypothesis_pool` (named) or without patients,
        weights that do not sum to 1, ``n_patients`` below 20, ``followup_years`` out of
        (0, 5].
    UnknownNameError
        A hypothesis other than ``zhu`` and ``clonogen``.
    """
    a = assumptions or HypothesisAssumptions()
    w = check_weights(hypothesis)
    if int(n_patients) != n_patients or n_patients < 20:
        raise ValidationError(f"n_patients must be an integer >= 20, got {n_patients!r}")
    if not 0 < followup_years <= POOL_YEARS:
        raise ValidationError(f"followup_years must be in (0, 5], got {followup_years!r}")
    missing = [c for c in _POOL_COLUMNS if c not in pool.columns]
    if missing:
        raise ValidationError(
            f"hypothesis_cohort: pool lacks column(s) {', '.join(missing)}; it needs "
            f"{', '.join(_POOL_COLUMNS)} (make it with hypothesis_pool)"
        )
    if len(pool) == 0:
        raise ValidationError(
            "hypothesis_cohort: pool has no patients (make it with hypothesis_pool)"
        )
    g = as_generator(seed)
    n = int(n_patients)
    p = pool.iloc[g.integers(len(pool), size=n)].reset_index(drop=True)
    u, d = p["u"].to_numpy(float), p["d"].to_numpy(float)
    zhu = g.uniform(size=n) < w["zhu"]
    eps = g.normal(size=n)
    r = a.zhu_correlation
    rho = min(a.purity_log_sd / float(np.log(pool["n0_rel"].to_numpy(float)).std()), 1.0)
    z_p = np.where(zhu, r * d + math.sqrt(1 - r * r) * eps, rho * u + math.sqrt(1 - rho**2) * eps)
    purity = np.clip(a.purity_median * np.exp(a.purity_log_sd * z_p), 0.05, 0.98)
    rel_n0 = p["n0_rel"].to_numpy(float)
    volume = a.volume_median_cm3 * rel_n0 * np.where(zhu, 1.0, a.purity_median / purity)
    cl = p["ifn_cluster_loss"].to_numpy(bool)
    deficient = true_ifn_state(p) == "ifn-deficient"  # cluster lost or STING silenced
    flip = g.uniform(size=(n, 2)) < a.call_error
    measured = {
        "purity": np.clip(purity + g.normal(0, a.purity_noise, n), 0.01, 1.0),
        "volume": volume * np.exp(g.normal(0, a.volume_noise, n)),
        "cd8_density": np.log(p["infiltration"].to_numpy(float)) + g.normal(0, a.cd8_noise, n),
        "ifn_cluster_loss_call": (cl ^ flip[:, 0]).astype(int),
        "ifn_deficient_call": (deficient ^ flip[:, 1]).astype(int),
    }
    ttf = p["time_to_failure"].to_numpy(float)
    ttf = np.where(np.isfinite(ttf), ttf, np.inf)
    death = (
        g.exponential(1 / a.death_hazard_per_year, n)
        if a.death_hazard_per_year > 0
        else np.full(n, np.inf)
    )
    censor = np.minimum(followup_years + g.uniform(0, a.accrual_years, n), POOL_YEARS)
    t = np.minimum.reduce([ttf, death, censor])
    event = np.where(t == ttf, 1, np.where(t == death, 2, 0))
    return pd.DataFrame({
        "mechanism": np.where(zhu, "zhu", "clonogen"), "postop": p["postop"].to_numpy(int),
        "purity_true": purity,
        "volume_true": volume, "n0": p["n0"].to_numpy(float),
        "infiltration": p["infiltration"].to_numpy(float), "ifn_cluster_loss": cl,
        "sting_silenced": p["sting_silenced"].to_numpy(bool),
        "chronic_ifn": p["chronic_ifn"].to_numpy(float), **measured,
        "time": np.maximum(t, 1e-6), "event": event,
    })  # fmt: skip


def _loglik(df: pd.DataFrame, covariates: list[str]) -> tuple[float, float, int]:
    """Partial log-likelihood of a cause-specific Cox model (Efron ties) and of the null model.

    lifelines' ``CoxPHFitter`` directly (what :class:`ifnexus.outcome.CoxModel` wraps), without
    the wrapper's concordance and PH-test bookkeeping, which the comparison does not use.
    """
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError as CoxConvergenceError
    from numpy.linalg import LinAlgError

    covariates = [c for c in covariates if df[c].nunique() > 1]  # a constant column: no term
    if not covariates:
        return math.nan, math.nan, 0
    d = df[covariates].astype(float).assign(__t=df["time"].to_numpy(float),
                                            __e=(df["event"] == 1).to_numpy(int))  # fmt: skip
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cph = CoxPHFitter().fit(d, "__t", "__e")
    except (CoxConvergenceError, LinAlgError):
        # the documented numerical failures (no events, collinear or overflowing covariates:
        # a singular Hessian): no likelihood, so no call; anything else is a bug and propagates
        return math.nan, math.nan, len(covariates)
    return float(cph.log_likelihood_), float(cph._ll_null_), len(covariates)


def identify_hypothesis(
    cohort: pd.DataFrame,
    measurements: str | Sequence[str] = "all",
    *,
    aic_margin: float = 2.0,
) -> dict[str, Any]:
    """Analyse one cohort as a study with the given measurements would; name the hypothesis.

    Parameters
    ----------
    cohort
        :func:`hypothesis_cohort` (or real data with its measured columns: ``time``,
        ``event``, ``purity``, ``volume``, ``cd8_density``, ``ifn_cluster_loss_call``,
        ``ifn_deficient_call``, as measured).
    measurements
        A name of :data:`MEASUREMENT_SETS` or the measured items (``purity``, ``volume``,
        ``cd8``, ``cluster``, ``ifn_state``). Purity is needed.
    aic_margin
        AIC difference below which the call is ``undetermined``.

    Returns
    -------
    dict
        ``loglik_zhu``, ``loglik_clonogen``, ``aic_zhu``, ``aic_clonogen``, ``delta_aic``
        (zhu minus clonogen), ``covariates_zhu``, ``covariates_clonogen``, ``events`` and
        ``identified`` (``zhu``, ``clonogen`` or ``undetermined``).
    """
    items = MEASUREMENT_SETS.get(measurements) if isinstance(measurements, str) else None
    if items is None:
        if isinstance(measurements, str):
            raise UnknownNameError(
                f"unknown measurement set {measurements!r}; accepted: {', '.join(MEASUREMENT_SETS)}"
            )
        items = tuple(measurements)
    known = ("purity", "volume", *_COVARIATE)
    bad = [m for m in items if m not in known]
    if bad:
        raise UnknownNameError(f"unknown measurement {bad[0]!r}; accepted: {', '.join(known)}")
    if "purity" not in items:
        raise ValidationError("measurements must include purity (the effect to explain)")
    if not aic_margin >= 0:
        raise ValidationError(f"aic_margin must be >= 0, got {aic_margin!r}")
    need = ["time", "event", "purity"] + (["volume"] if "volume" in items else [])
    need += [_COVARIATE[m] for m in items if m in _COVARIATE]
    missing = [c for c in need if c not in cohort.columns]
    if missing:
        raise ValidationError(
            f"identify_hypothesis: column(s) {missing} not in the cohort (it has "
            f"{list(cohort.columns)}); needed for measurements {list(items)}: {', '.join(need)}"
        )
    _check_values(cohort, need)
    # disease extent (post-operative or gross) is known in any study: both models adjust for it
    adjust = ["postop"] if "postop" in cohort.columns and cohort["postop"].nunique() > 1 else []
    df = cohort[need + adjust].copy()
    immune = [_COVARIATE[m] for m in items if m in _COVARIATE] + adjust
    if "volume" in items:
        df["log_volume"] = np.log(df["volume"])
        df["log_tumour_cell_volume"] = np.log(df["purity"] * df["volume"])
        cov = {"zhu": ["log_volume", *immune], "clonogen": ["log_tumour_cell_volume", *immune]}
    else:
        df["log_purity"] = np.log(df["purity"])
        cov = {"zhu": immune, "clonogen": ["log_purity", *immune]}
    ll_c, ll_null, k_c = _loglik(df, cov["clonogen"])
    ll_z, _, k_z = _loglik(df, cov["zhu"])
    if k_z == 0:
        ll_z = ll_null
    aic = {"zhu": 2 * k_z - 2 * ll_z, "clonogen": 2 * k_c - 2 * ll_c}
    delta = aic["zhu"] - aic["clonogen"]
    if not math.isfinite(delta) or abs(delta) < aic_margin:
        call = "undetermined"
    else:
        call = "clonogen" if delta > 0 else "zhu"
    return {"loglik_zhu": ll_z, "loglik_clonogen": ll_c, "aic_zhu": aic["zhu"],
            "aic_clonogen": aic["clonogen"], "delta_aic": delta,
            "covariates_zhu": cov["zhu"], "covariates_clonogen": cov["clonogen"],
            "events": int((df["event"] == 1).sum()), "identified": call}  # fmt: skip


def _check_values(cohort: pd.DataFrame, columns: Sequence[str]) -> None:
    """Refuse values the analysis cannot use (they would end as a silent ``undetermined``)."""
    rules = {
        "time": (lambda v: v > 0, "a time > 0 (years)"),
        "event": (lambda v: np.isin(v, (0, 1, 2)), "0 (censored), 1 (local failure) or 2 (death)"),
        "purity": (lambda v: (v > 0) & (v <= 1), "a purity in (0, 1]"),
        "volume": (lambda v: v > 0, "a volume > 0"),
    }
    for col in columns:
        v = pd.to_numeric(cohort[col], errors="coerce").to_numpy(float)
        ok, want = rules.get(col, (lambda x: np.ones(x.shape, bool), "a number"))
        with np.errstate(invalid="ignore"):
            bad = ~(np.isfinite(v) & ok(v))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValidationError(
                f"identify_hypothesis: column {col!r} has {int(bad.sum())} value(s) that are not "
                f"{want} (first: row {cohort.index[i]!r}, {cohort[col].iloc[i]!r})"
            )


def _check_power(power: float) -> None:
    if not (isinstance(power, int | float) and 0 < power < 1):
        raise ValidationError(f"power must be in (0, 1), got {power!r}")


def hypothesis_power(
    truths: Sequence[str | Mapping[str, float]] = ("zhu", "clonogen"),
    sizes: Sequence[int] = (200, 800),
    followups: Sequence[float] = (2.0, 5.0),
    *,
    measurement_sets: Sequence[str] = ("all",),
    studies: int = 20,
    power: float = 0.8,
    pool: pd.DataFrame | None = None,
    assumptions: HypothesisAssumptions | None = None,
    seed: RngLike = 0,
) -> pd.DataFrame:
    """Fraction of repeated studies naming each hypothesis, by truth, size, follow-up, measurements.

    Parameters
    ----------
    truths
        Generating hypotheses or mixtures.
    sizes, followups
        Cohort sizes and follow-up times (years) to simulate.
    measurement_sets
        Names of :data:`MEASUREMENT_SETS` analysed on every simulated study.
    studies
        Simulated studies per truth, size and follow-up (the same studies for every
        measurement set).
    power
        The target, in (0, 1): ``meets_power`` marks rows at or above it.
    pool
        A :func:`hypothesis_pool` (simulated with ``seed`` when None).
    assumptions
        :class:`HypothesisAssumptions`.
    seed
        Seed of everything; each (truth, size, follow-up, study) has its own stream.

    Returns
    -------
    pandas.DataFrame
        One row per truth, measurement set, size and follow-up: ``truth``,
        ``measurements``, ``n_patients``, ``followup_years``, ``studies``, ``mean_events``,
        ``called_zhu``, ``called_clonogen``, ``undetermined`` (fractions), ``identified``
        (fraction naming the truth; NaN for a mixture) and ``meets_power``.
    """
    _check_power(power)
    a = assumptions or HypothesisAssumptions()
    if int(studies) != studies or studies < 1:
        raise ValidationError(f"studies must be an integer >= 1, got {studies!r}")
    for m in measurement_sets:
        if m not in MEASUREMENT_SETS:
            raise UnknownNameError(
                f"unknown measurement set {m!r}; accepted: {', '.join(MEASUREMENT_SETS)}"
            )
    labels = [label(t) for t in truths]  # checks the weights before any simulation
    _check_grid(sizes, followups)
    e = seed_entropy(seed)
    pool = hypothesis_pool(seed=e) if pool is None else pool
    rows = []
    for ti, (truth, name) in enumerate(zip(truths, labels, strict=True)):
        for n in sizes:
            for fu in followups:
                calls: dict[str, list[str]] = {m: [] for m in measurement_sets}
                events = []
                for s in range(int(studies)):
                    ss = np.random.SeedSequence([e, ti, int(n), int(round(fu * 100)), s])
                    c = hypothesis_cohort(pool, truth, int(n), followup_years=float(fu),
                                          assumptions=a, seed=np.random.default_rng(ss))  # fmt: skip
                    events.append(int((c["event"] == 1).sum()))
                    for m in measurement_sets:
                        calls[m].append(
                            identify_hypothesis(c, m, aic_margin=a.aic_margin)["identified"]
                        )
                for m in measurement_sets:
                    k = np.array(calls[m])
                    ok = float(np.mean(k == name)) if name in HYPOTHESES else math.nan
                    rows.append({
                        "truth": name, "measurements": m, "n_patients": int(n),
                        "followup_years": float(fu), "studies": int(studies),
                        "mean_events": float(np.mean(events)),
                        "called_zhu": float(np.mean(k == "zhu")),
                        "called_clonogen": float(np.mean(k == "clonogen")),
                        "undetermined": float(np.mean(k == "undetermined")),
                        "identified": ok, "meets_power": bool(ok >= power),
                    })  # fmt: skip
    return pd.DataFrame(rows)


def _check_grid(sizes: Sequence[int], followups: Sequence[float]) -> None:
    if not len(sizes) or any(int(n) != n or n < 20 for n in sizes):
        raise ValidationError(f"sizes must be integers >= 20, got {list(sizes)}")
    if not len(followups) or any(not 0 < f <= POOL_YEARS for f in followups):
        raise ValidationError(f"followups must be in (0, 5] years, got {list(followups)}")


def example_study(
    pool: pd.DataFrame,
    hypothesis: str | Mapping[str, float],
    n_patients: int = 400,
    *,
    followup_years: float = 5.0,
    assumptions: HypothesisAssumptions | None = None,
    seed: RngLike = 0,
    out: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Run one simulated study through ``tumour profile`` and ``outcome features``.

    The cohort's truth becomes bulk expression and copy-number segments (the study
    generators); :func:`ifnexus.tumour.profile_tumours` estimates purity (ESTIMATE) and calls
    9p21/IFN-cluster status and the IFN state; :func:`ifnexus.outcome.feature_effects` relates
    them, CD8 density and volume to local failure (Fine-Gray, death competing); the
    identification then uses the profile's purity and calls.

    Parameters
    ----------
    pool, hypothesis, n_patients, followup_years, assumptions, seed
        As :func:`hypothesis_cohort`.
    out
        Folder for ``tumour/`` and ``features/`` (what ``ifnexus tumour profile`` and
        ``ifnexus outcome features`` write) and ``cohort.csv``; nothing written when None.

    Returns
    -------
    dict
        ``hypothesis``, ``n_patients``, ``purity_error_sd`` (profile minus true purity),
        ``purity_correlation``, ``cluster_call_error`` and ``ifn_deficient_call_error`` (the
        profile's calls against the truth), ``identification`` (:func:`identify_hypothesis` on
        the profile's measurements, set ``all``) and ``features`` (the multivariable effects).
    """
    from ifnexus._io import write_table
    from ifnexus.outcome import feature_effects, write_feature_effects
    from ifnexus.study._bulk import bulk_expression
    from ifnexus.study._cohort import cohort_truth
    from ifnexus.study._segments import cohort_segments
    from ifnexus.tumour import profile_tumours, write_tumour_profile

    a = assumptions or HypothesisAssumptions()
    g = as_generator(seed)
    s_cohort, s_truth, s_bulk, s_seg = g.spawn(4)
    c = hypothesis_cohort(pool, hypothesis, n_patients, followup_years=followup_years,
                          assumptions=a, seed=s_cohort)  # fmt: skip
    truth = cohort_truth(c, rng=s_truth)
    truth["purity"] = c["purity_true"].round(4)
    with warnings.catch_warnings():  # the generated expression lacks a few marker genes
        warnings.filterwarnings("ignore", message="no marker genes", category=IfnexusWarning)
        prof = profile_tumours(expression=bulk_expression(truth, rng=s_bulk),
                               segments=cohort_segments(truth, rng=s_seg), build="hg38")  # fmt: skip
    prof = prof.reindex(truth["patient_id"])
    est = prof["TumorPurity"].to_numpy(float)
    status = prof["ifn_cluster_status"].astype(str).to_numpy()
    cls = prof["ifn_class"].astype(str).to_numpy()
    measured = c.assign(
        patient_id=truth["patient_id"].to_numpy(),
        purity=np.clip(est, 0.01, 1.0),
        ifn_cluster_loss_call=(status == "homozygous").astype(int),
        ifn_deficient_call=(cls == "ifn-deficient").astype(int),
    )
    ok = np.isfinite(est)
    cluster_true = c["ifn_cluster_loss"].to_numpy(bool)
    deficient_true = truth["ifn_state_true"].to_numpy() == "ifn-deficient"
    data = measured[ok].assign(
        log_volume=np.log(measured["volume"][ok]),
        ifn_cluster_status=status[ok],
        ifn_class=cls[ok],
    )
    feats = ["purity", "log_volume", "cd8_density", "ifn_cluster_status"]
    ref = {"ifn_cluster_status": "neutral"} if "neutral" in set(status[ok]) else None
    fx = feature_effects(data, "time", "event", feats, cause=1, model="finegray",
                         categorical=["ifn_cluster_status"], reference=ref)  # fmt: skip
    ident = identify_hypothesis(measured[ok], "all", aic_margin=a.aic_margin)
    res = {
        "hypothesis": label(hypothesis), "n_patients": int(n_patients),
        "followup_years": float(followup_years),
        "purity_error_sd": float(np.nanstd(est - c["purity_true"].to_numpy())),
        "purity_correlation": float(np.corrcoef(est[ok], c["purity_true"].to_numpy()[ok])[0, 1]),
        "cluster_call_error": float(np.mean((status == "homozygous") != cluster_true)),
        "ifn_deficient_call_error": float(np.mean((cls == "ifn-deficient") != deficient_true)),
        "identification": ident,
        "features": fx.effects.to_dict(orient="records"),
    }  # fmt: skip
    if out is not None:
        o = Path(out)
        write_tumour_profile(prof.rename_axis("sample"), o / "tumour", figures=False)
        write_feature_effects(fx, o / "features", figures=False, time_unit="years")
        write_table(measured, o / "cohort.csv")
    return res


# --------------------------------------------------------------------------- design file
@dataclass(frozen=True)
class HypothesesDesign:
    """What ``ifnexus study hypotheses DESIGN.toml`` runs (see :func:`read_hypotheses_design`).

    Attributes
    ----------
    truths
        Generating hypotheses (names) or mixtures (weights summing to 1).
    sizes, followups
        Cohort sizes and follow-up times (years, at most 5) of the power grid.
    measurement_sets
        Names of :data:`MEASUREMENT_SETS` analysed on every simulated study.
    studies
        Simulated studies per truth, size and follow-up.
    power
        Target power in (0, 1).
    seed
        Seed of the pool, the example studies and every simulated study.
    pool_patients
        Model patients in the pool (:func:`hypothesis_pool`).
    gross_share
        Share of gross disease in the pool (0: all post-operative).
    example_patients
        Size of the example study run through ``tumour profile`` and ``outcome features``.
    assumptions
        :class:`HypothesisAssumptions`.
    """

    truths: tuple[Any, ...] = ("zhu", "clonogen", {"zhu": 0.5, "clonogen": 0.5})
    sizes: tuple[int, ...] = (200, 800)
    followups: tuple[float, ...] = (2.0, 5.0)
    measurement_sets: tuple[str, ...] = tuple(MEASUREMENT_SETS)
    studies: int = 20
    power: float = 0.8
    seed: int = 0
    pool_patients: int = 4000
    gross_share: float = 0.0
    example_patients: int = 400
    assumptions: HypothesisAssumptions = field(default_factory=HypothesisAssumptions)

    def to_toml(self) -> str:
        """Return the design as the TOML text :func:`read_hypotheses_design` reads.

        Returns
        -------
        str
            ``[hypotheses]`` and ``[assumptions]`` tables.
        """

        def val(v: Any) -> str:
            if isinstance(v, str):
                return f'"{v}"'
            if isinstance(v, bool):
                return "true" if v else "false"
            if isinstance(v, Mapping):
                return "{" + ", ".join(f"{k} = {val(x)}" for k, x in v.items()) + "}"
            if isinstance(v, list | tuple):
                return "[" + ", ".join(val(x) for x in v) + "]"
            return repr(v)

        lines = ["[hypotheses]"]
        for f in fields(self):
            if f.name != "assumptions":
                lines.append(f"{f.name} = {val(getattr(self, f.name))}")
        lines += ["", "[assumptions]"]
        lines += [f"{k} = {val(v)}" for k, v in asdict(self.assumptions).items()]
        return "\n".join(lines) + "\n"


def hypotheses_design_from_dict(
    data: Mapping[str, Any], *, source: str = "design"
) -> HypothesesDesign:
    """Build and check a :class:`HypothesesDesign` from TOML tables.

    Parameters
    ----------
    data
        ``{"hypotheses": {...}, "assumptions": {...}}`` (both optional).
    source
        Name used in messages.

    Returns
    -------
    HypothesesDesign
        The checked design.

    Raises
    ------
    ValidationError
        Unknown tables or keys (named), values of the wrong type or range.
    UnknownNameError
        An unknown hypothesis or measurement set.
    """
    tables = {"hypotheses", "assumptions"}
    for k in data:
        if k not in tables:
            raise ValidationError(
                f"{source}: unknown table [{k}]; accepted: [hypotheses], [assumptions]"
            )
    h = dict(data.get("hypotheses", {}))
    keys = {f.name for f in fields(HypothesesDesign)} - {"assumptions"}
    for k in h:
        if k not in keys:
            raise ValidationError(
                f"{source}: unknown key {k!r} in [hypotheses]; accepted: {', '.join(sorted(keys))}"
            )
    a = dict(data.get("assumptions", {}))
    akeys = {f.name for f in fields(HypothesisAssumptions)}
    for k in a:
        if k not in akeys:
            raise ValidationError(
                f"{source}: unknown key {k!r} in [assumptions]; accepted: {', '.join(sorted(akeys))}"
            )
    for k, v in a.items():
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ValidationError(f"{source}: [assumptions] {k} must be a number, got {v!r}")
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in h.items()}
    try:
        values["assumptions"] = HypothesisAssumptions(**{k: float(v) for k, v in a.items()})
        design = replace(HypothesesDesign(), **values)
    except ValidationError as exc:
        raise ValidationError(f"{source}: {exc}") from None
    check_design(design, source=source)
    return design


def check_design(design: HypothesesDesign, *, source: str = "design") -> None:
    """Check a design's values (the errors name the key), before anything runs or is written.

    Parameters
    ----------
    design
        The design.
    source
        Name used in messages.

    Raises
    ------
    ValidationError, UnknownNameError
        A value out of range or an unknown name.
    """
    try:
        if not isinstance(design.truths, tuple) or not design.truths:
            raise ValidationError("truths must be a non-empty list")
        for t in design.truths:
            if not isinstance(t, str | Mapping):
                raise ValidationError(f"truths: {t!r} is neither a name nor a table of weights")
            label(t)
        _check_grid(design.sizes, design.followups)
        for m in design.measurement_sets:
            if m not in MEASUREMENT_SETS:
                raise UnknownNameError(
                    f"measurement_sets: unknown {m!r}; accepted: {', '.join(MEASUREMENT_SETS)}"
                )
        _check_power(design.power)
        for k, lo in (("studies", 1), ("pool_patients", 50), ("example_patients", 50)):
            v = getattr(design, k)
            if isinstance(v, bool) or not isinstance(v, int) or v < lo:
                raise ValidationError(f"{k} must be an integer >= {lo}, got {v!r}")
        gs = design.gross_share
        if isinstance(gs, bool) or not isinstance(gs, int | float) or not 0 <= gs <= 1:
            raise ValidationError(f"gross_share must be in [0, 1], got {gs!r}")
        if isinstance(design.seed, bool) or not isinstance(design.seed, int) or design.seed < 0:
            raise ValidationError(f"seed must be an integer >= 0, got {design.seed!r}")
    except (ValidationError, UnknownNameError) as exc:
        raise type(exc)(f"{source}: {exc}") from None


def read_hypotheses_design(path: str | os.PathLike[str]) -> HypothesesDesign:
    """Read a hypotheses design TOML (``[hypotheses]`` and ``[assumptions]``).

    Parameters
    ----------
    path
        The TOML file.

    Returns
    -------
    HypothesesDesign
        The checked design.

    Raises
    ------
    InputFormatError
        An unreadable file or bad TOML.
    ValidationError, UnknownNameError
        Unknown keys or bad values (the file and key named).
    """
    from ifnexus._textfile import read_toml

    data, _ = read_toml(path, "hypotheses design")
    return hypotheses_design_from_dict(data, source=str(path))


def run_hypotheses(
    design: HypothesesDesign, out: str | os.PathLike[str] | None = None, *, options: Any = None
) -> dict[str, Any]:
    """Run a design: the power grid and one example study per pure hypothesis; write the results.

    Parameters
    ----------
    design
        :class:`HypothesesDesign`.
    out
        Folder for ``design.toml``, ``power.csv``, ``power.png``, ``examples.csv``,
        ``example_<hypothesis>/`` (tumour profile and outcome features) and ``summary.json``
        (what the study report reads); nothing written when None.
    options
        :class:`ifnexus.RunOptions` of the model's pool.

    Returns
    -------
    dict
        ``power`` (the table), ``examples`` (one row per example study) and ``design``.
    """
    check_design(design)
    a = design.assumptions
    e = seed_entropy(design.seed)
    pool = hypothesis_pool(design.pool_patients, gross_share=design.gross_share, seed=e,
                           options=options)  # fmt: skip
    examples = []
    for i, h in enumerate(HYPOTHESES):
        sub = None if out is None else Path(out) / f"example_{h}"
        ex = example_study(pool, h, design.example_patients, assumptions=a,
                           seed=np.random.SeedSequence([e, 0x6578, i]), out=sub)  # fmt: skip
        examples.append(ex)
    # the power loop's measurement error is the profile's, measured on the example studies
    a_run = replace(
        a,
        purity_noise=float(np.mean([x["purity_error_sd"] for x in examples])),
        call_error=float(np.clip(np.mean([x["cluster_call_error"] for x in examples]), 0, 0.49)),
    )
    tab = hypothesis_power(list(design.truths), design.sizes, design.followups,
                           measurement_sets=design.measurement_sets, studies=design.studies,
                           power=design.power, pool=pool, assumptions=a_run, seed=e)  # fmt: skip
    ex_rows = pd.DataFrame([
        {"hypothesis": x["hypothesis"], "n_patients": x["n_patients"],
         "followup_years": x["followup_years"], "purity_error_sd": x["purity_error_sd"],
         "purity_correlation": x["purity_correlation"],
         "cluster_call_error": x["cluster_call_error"],
         "ifn_deficient_call_error": x["ifn_deficient_call_error"],
         "events": x["identification"]["events"],
         "delta_aic": x["identification"]["delta_aic"],
         "identified": x["identification"]["identified"]}
        for x in examples
    ])  # fmt: skip
    summary = {
        "design": {**{f.name: getattr(design, f.name) for f in fields(design)
                      if f.name != "assumptions"}, "assumptions": asdict(a)},
        "measurement_error_used": {"purity_noise": a_run.purity_noise,
                                   "call_error": a_run.call_error},
        "hypotheses": HYPOTHESES,
        "measurement_sets": {k: list(v) for k, v in MEASUREMENT_SETS.items()},
        "power": tab.to_dict(orient="records"),
        "examples": ex_rows.to_dict(orient="records"),
    }  # fmt: skip
    if out is not None:
        from ifnexus._figures import save_figure
        from ifnexus._io import write_table, write_text
        from ifnexus._json import dumps

        o = Path(out)
        o.mkdir(parents=True, exist_ok=True)
        write_text(o / "design.toml", design.to_toml())
        write_table(tab, o / "power.csv")
        write_table(ex_rows, o / "examples.csv")
        save_figure(plot_hypothesis_power(tab), o / "power.png")
        write_text(o / "summary.json", dumps(summary) + "\n")
    return {"power": tab, "examples": ex_rows, "design": design, "summary": summary}


def plot_hypothesis_power(table: pd.DataFrame, *, measurements: str = "all", ax: Any = None) -> Any:
    """Plot the fraction of studies naming the generating hypothesis against cohort size.

    Parameters
    ----------
    table
        :func:`hypothesis_power`.
    measurements
        The measurement set shown.
    ax
        Axes to draw on (a new figure's when None).

    Returns
    -------
    matplotlib.axes.Axes
        One line per pure hypothesis and follow-up.
    """
    from ifnexus._figures import new_axes

    ax = new_axes(ax, (5.0, 3.4))
    t = table[(table["measurements"] == measurements) & table["truth"].isin(list(HYPOTHESES))]
    for (h, fu), d in t.groupby(["truth", "followup_years"]):
        ax.plot(d["n_patients"], d["identified"], marker="o",
                ls="-" if h == "zhu" else "--", label=f"truth {h}, {fu:g} y follow-up")  # fmt: skip
    ax.set_xscale("log")
    sizes = sorted({int(n) for n in t["n_patients"]})
    ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
    ax.minorticks_off()
    ax.set_xlabel("patients per study")
    ax.set_ylabel("studies naming the truth")
    ax.set_title(f"measurements: {measurements}", fontsize=9)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7)
    return ax


#: the design ``ifnexus demo`` writes to ``model/hypotheses.toml`` (with the study's seed) and
#: runs into ``model/hypotheses/`` for the report; small, so the demo stays under a minute
STUDY_DESIGN = HypothesesDesign(
    truths=("zhu", "clonogen"),
    sizes=(300, 1000),
    followups=(5.0,),
    measurement_sets=("all", "purity and volume"),
    studies=10,
    pool_patients=2000,
    example_patients=300,
)
