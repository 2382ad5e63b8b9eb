"""Why are low-purity MPNSTs controlled better? Two explanations as generative assumptions.

(A) ``immune``: purity is a proxy for immune infiltration; a tumour with more CD8 T cells has
lower purity and is controlled better by the immune arm of the model. (B) ``ifn-cluster``:
purity travels with 9p21 / type-I-IFN-cluster status (Zhu et al. 2025); a tumour that lost the
cluster is immune-cold (higher purity) and IFN-deficient. The model's own patients carry both
mechanisms in their outcome (T-cell infiltration and cluster loss both act on local control);
the hypotheses differ only in what tumour purity reflects, so each is a rule generating purity:
``purity = 0.7 + 0.08 z + e`` (``e ~ N(0, 0.05^2)``, clipped to [0.2, 0.98]) with ``z`` the
standardised ``-log infiltration`` under A, the standardised cluster loss under B, or a weighted
mixture (``weights``).

What each predicts, and what :func:`hypothesis_power` tests: under A the purity effect on time to
local failure (cause-specific Cox, death competing) vanishes after adjusting for the measured
CD8 density (log infiltration measured with noise ``cd8_noise``) and not after adjusting for
cluster status; under B the other way round. A simulated study identifies the hypothesis whose
covariate attenuates the purity log-hazard ratio more, provided the unadjusted purity effect is
significant; the fraction of seeded repeated studies that identify the generating hypothesis is
the power for a cohort size and follow-up.

Patients are resampled from one pool of model patients (:func:`ifnexus.model.simulate_cohort`,
50 Gy/25 fx, gross disease): the model's outcomes do not depend on the purity rule, so only the
resampling, the purity and measurement noise, the accrual and background deaths are drawn per
study. The explanation that fewer clonogens in a same-sized tumour explain it (Pitroda &
Weichselbaum) is not modelled here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ifnexus._rng import RngLike, as_generator, seed_entropy
from ifnexus.errors import UnknownNameError, ValidationError

__all__ = [
    "HYPOTHESES",
    "hypothesis_cohort",
    "hypothesis_pool",
    "hypothesis_power",
    "identify_hypothesis",
]

#: the explanations and the measured covariate that should explain the purity effect away
HYPOTHESES: dict[str, str] = {"immune": "cd8_density", "ifn-cluster": "ifn_cluster_loss"}
DAYS_PER_YEAR = 365.25


def hypothesis_pool(n: int = 4000, *, seed: RngLike = 0, options: Any = None) -> pd.DataFrame:
    """Simulate the pool of model patients the studies resample.

    Parameters
    ----------
    n
        Model patients (50 Gy/25 fx, gross disease, 5 years).
    seed
        Seed.
    options
        :class:`ifnexus.RunOptions`.

    Returns
    -------
    pandas.DataFrame
        ``infiltration``, ``ifn_cluster_loss``, ``time_to_failure`` (years, NaN without).
    """
    from ifnexus.model import simulate_cohort

    if n < 50:
        raise ValidationError(f"hypothesis_pool: n must be >= 50, got {n}")
    p = simulate_cohort("50Gy/25fx", n_patients=n, rng=seed_entropy(seed), days=5 * DAYS_PER_YEAR,
                        options=options).patients  # fmt: skip
    p = p[~p["numerical_failure"].to_numpy(bool)]
    return pd.DataFrame({
        "infiltration": p["infiltration"].to_numpy(float),
        "ifn_cluster_loss": p["ifn_cluster_loss"].to_numpy(bool),
        "time_to_failure": p["time_to_failure"].to_numpy(float) / DAYS_PER_YEAR,
    })  # fmt: skip


def _weights(hypothesis: str | Mapping[str, float]) -> dict[str, float]:
    w = {hypothesis: 1.0} if isinstance(hypothesis, str) else dict(hypothesis)
    for k in w:
        if k not in HYPOTHESES:
            raise UnknownNameError(f"unknown hypothesis {k!r}; accepted: {', '.join(HYPOTHESES)}")
    if any(v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise ValidationError(f"hypothesis weights must be >= 0 and not all 0, got {w}")
    return w


def hypothesis_cohort(
    pool: pd.DataFrame,
    hypothesis: str | Mapping[str, float],
    n_patients: int,
    *,
    followup_years: float = 3.0,
    accrual_years: float = 2.0,
    cd8_noise: float = 0.2,
    death_hazard_per_year: float = 0.05,
    seed: RngLike = 0,
) -> pd.DataFrame:
    """Draw one study's cohort under a hypothesis (or a mixture) of what purity reflects.

    Parameters
    ----------
    pool
        :func:`hypothesis_pool`.
    hypothesis
        ``"immune"``, ``"ifn-cluster"`` or weights of both (``{"immune": 0.5, ...}``).
    n_patients
        Cohort size.
    followup_years, accrual_years
        Uniform accrual, then follow-up: each patient is censored at a time uniform in
        ``[followup_years, followup_years + accrual_years]``.
    cd8_noise
        SD of the measurement error of log CD8 density.
    death_hazard_per_year
        Competing death (exponential).
    seed
        Seed.

    Returns
    -------
    pandas.DataFrame
        ``purity``, ``cd8_density``, ``ifn_cluster_loss`` (0/1), ``time`` (years), ``event``
        (1 local failure, 2 death, 0 censored).
    """
    w = _weights(hypothesis)
    if n_patients < 20:
        raise ValidationError(f"n_patients must be >= 20, got {n_patients}")
    if followup_years <= 0 or accrual_years < 0:
        raise ValidationError("followup_years must be > 0 and accrual_years >= 0")
    g = as_generator(seed)
    p = pool.iloc[g.integers(len(pool), size=n_patients)].reset_index(drop=True)
    log_inf = np.log(p["infiltration"].to_numpy(float))
    loss = p["ifn_cluster_loss"].to_numpy(float)
    pool_inf = np.log(pool["infiltration"].to_numpy(float))
    pool_loss = pool["ifn_cluster_loss"].to_numpy(float)
    drivers = {"immune": -(log_inf - pool_inf.mean()) / pool_inf.std(),
               "ifn-cluster": (loss - pool_loss.mean()) / max(pool_loss.std(), 1e-12)}  # fmt: skip
    z = sum(w[k] * drivers[k] for k in w) / math.sqrt(sum(v * v for v in w.values()))
    purity = np.clip(0.7 + 0.08 * z + g.normal(0, 0.05, n_patients), 0.2, 0.98)
    cd8 = log_inf + g.normal(0, cd8_noise, n_patients)
    ttf = p["time_to_failure"].to_numpy(float)
    ttf = np.where(np.isfinite(ttf), ttf, np.inf)
    death = (
        g.exponential(1 / death_hazard_per_year, n_patients)
        if death_hazard_per_year > 0
        else np.full(n_patients, np.inf)
    )
    censor = followup_years + g.uniform(0, accrual_years, n_patients)
    censor = np.minimum(censor, 5.0)
    t = np.minimum.reduce([ttf, death, censor])
    event = np.where(t == ttf, 1, np.where(t == death, 2, 0))
    return pd.DataFrame({"purity": purity, "cd8_density": cd8, "ifn_cluster_loss": loss,
                         "time": np.maximum(t, 1e-6), "event": event})  # fmt: skip


def _purity_coef(df: pd.DataFrame, adjust: str | None) -> tuple[float, float]:
    from ifnexus.outcome import CoxModel

    cov = ["purity"] + ([adjust] if adjust else [])
    d = df.assign(purity=df["purity"] * 10)  # per 0.1 of purity
    fit = CoxModel().fit(d[["time", "event", *cov]], "time", "event", covariates=cov, cause=1)
    s = fit.summary.loc["purity"]
    return float(s["coef"]), float(s["p"])


def identify_hypothesis(cohort: pd.DataFrame, *, alpha: float = 0.05) -> dict[str, Any]:
    """Analyse one cohort as a real study would, and say which hypothesis it supports.

    Parameters
    ----------
    cohort
        :func:`hypothesis_cohort` (or real data with its columns).
    alpha
        Significance of the unadjusted purity effect.

    Returns
    -------
    dict
        ``log_hr`` and ``p`` of purity (per 0.1) unadjusted and adjusted for each covariate,
        ``attenuation_<hypothesis>`` (1 - adjusted/unadjusted log HR) and ``identified``
        (the hypothesis with the larger attenuation, or ``"undetermined"`` when the unadjusted
        purity effect is not significant).
    """
    if not 0 < alpha < 1:
        raise ValidationError(f"alpha must be in (0, 1), got {alpha!r}")
    need = ["time", "event", "purity", *HYPOTHESES.values()]
    missing = [c for c in need if c not in cohort.columns]
    if missing:
        raise ValidationError(
            f"identify_hypothesis: covariate column(s) {missing} not in the cohort (it has "
            f"{list(cohort.columns)}); needed: {', '.join(need)}"
        )
    b0, p0 = _purity_coef(cohort, None)
    out: dict[str, Any] = {"log_hr": b0, "p": p0}
    att = {}
    for h, cov in HYPOTHESES.items():
        b, p = _purity_coef(cohort, cov)
        out[f"log_hr_adj_{h}"], out[f"p_adj_{h}"] = b, p
        att[h] = 1 - b / b0 if b0 != 0 else math.nan
        out[f"attenuation_{h}"] = att[h]
    out["identified"] = max(att, key=lambda k: att[k]) if p0 < alpha else "undetermined"
    return out


def hypothesis_power(
    sizes: Sequence[int] = (100, 200, 400),
    followups: Sequence[float] = (2.0, 5.0),
    *,
    studies: int = 40,
    alpha: float = 0.05,
    power: float = 0.8,
    pool: pd.DataFrame | None = None,
    seed: RngLike = 0,
    **cohort_kwargs: Any,
) -> pd.DataFrame:
    """Fraction of repeated studies that identify the generating hypothesis, by size and follow-up.

    Parameters
    ----------
    sizes, followups
        Cohort sizes and follow-up times (years) to simulate.
    studies
        Simulated studies per hypothesis, size and follow-up.
    alpha
        Significance of the unadjusted purity effect.
    power
        The target: ``meets_power`` marks the rows at or above it.
    pool
        A :func:`hypothesis_pool` (simulated with ``seed`` when ``None``).
    seed
        Seed of everything.
    **cohort_kwargs
        Passed to :func:`hypothesis_cohort` (``accrual_years``, ``cd8_noise``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per hypothesis, size and follow-up: ``identified`` (fraction correct),
        ``undetermined``, ``wrong``, ``meets_power``.
    """
    if not 0 < power < 1:
        raise ValidationError(f"power must be in (0, 1), got {power!r}")
    if not 0 < alpha < 1:
        raise ValidationError(f"alpha must be in (0, 1), got {alpha!r}")
    if studies < 1:
        raise ValidationError(f"studies must be >= 1, got {studies}")
    e = seed_entropy(seed)
    pool = hypothesis_pool(seed=e) if pool is None else pool
    rows = []
    for hi, h in enumerate(HYPOTHESES):
        for n in sizes:
            for fu in followups:
                calls = []
                for s in range(studies):
                    ss = np.random.SeedSequence([e, hi, int(n), int(round(fu * 100)), s])
                    c = hypothesis_cohort(
                        pool,
                        h,
                        int(n),
                        followup_years=float(fu),
                        seed=np.random.default_rng(ss),
                        **cohort_kwargs,
                    )
                    calls.append(identify_hypothesis(c, alpha=alpha)["identified"])
                calls_a = np.array(calls)
                ok = float(np.mean(calls_a == h))
                rows.append({"hypothesis": h, "n_patients": int(n), "followup_years": float(fu),
                             "studies": studies, "identified": ok,
                             "undetermined": float(np.mean(calls_a == "undetermined")),
                             "wrong": float(np.mean((calls_a != h) & (calls_a != "undetermined"))),
                             "meets_power": ok >= power})  # fmt: skip
    return pd.DataFrame(rows)


def plot_hypothesis_power(table: pd.DataFrame, *, ax: Any = None) -> Any:
    """Plot the fraction of studies identifying the generating hypothesis against cohort size.

    Parameters
    ----------
    table
        :func:`hypothesis_power`.
    ax
        Axes to draw on (a new figure's when None).

    Returns
    -------
    matplotlib.axes.Axes
        One line per hypothesis and follow-up.
    """
    from ifnexus._figures import new_axes

    ax = new_axes(ax, (5.0, 3.4))
    for (h, fu), d in table.groupby(["hypothesis", "followup_years"]):
        ax.plot(d["n_patients"], d["identified"], marker="o",
                ls="-" if h == "immune" else "--", label=f"{h}, {fu:g} y follow-up")  # fmt: skip
    ax.set_xlabel("patients per study")
    ax.set_ylabel("studies identifying the generating hypothesis")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7)
    return ax
