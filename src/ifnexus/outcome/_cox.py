"""Cox proportional hazards (lifelines, Efron ties = R ``coxph``) and R's ``cox.zph`` test.

The fit is lifelines' ``CoxPHFitter``, which equals R ``coxph(ties="efron")`` (coefficients,
SEs, log-likelihood, concordance; checked on rossi and lung). The proportional-hazards test is
our own: lifelines' ``proportional_hazard_test`` implements the older approximate score test
(rossi, age: 11.03) while R's survival >= 3.0 ``cox.zph`` uses the full score test of adding
``g(t) * x`` terms, one Newton step from the fit (age: 5.97). We follow survival's ``zph1.c``
with Efron ties, vectorised over the deaths.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from scipy import stats

from ifnexus.errors import ConvergenceError, ValidationError
from ifnexus.outcome._data import (
    check_conf_level,
    coefficient_table,
    design_matrix,
    likelihood_ratio_test,
    prepare,
)

__all__ = ["CoxModel"]

Transform = Literal["km", "rank", "identity", "log"]


class CoxModel:
    """Cox proportional-hazards model (Efron ties) with R-equal summaries and PH test.

    Parameters
    ----------
    conf_level
        Level of the hazard-ratio confidence intervals.

    Attributes
    ----------
    coef_, se_ : pandas.Series
        Log hazard ratios and their standard errors.
    loglik_, loglik_null_ : float
        Partial log-likelihood at the estimate and at zero.
    concordance_ : float
        Harrell's C.
    lifelines_ : lifelines.CoxPHFitter
        The underlying fitted lifelines model.
    summary : pandas.DataFrame
        Index covariate; ``coef``, ``exp_coef``, ``se``, ``z``, ``p``, ``lower``, ``upper``.
    """

    def __init__(self, *, conf_level: float = 0.95) -> None:
        check_conf_level(conf_level)
        self.conf_level = conf_level

    def fit(
        self,
        df: pd.DataFrame,
        duration_col: str,
        event_col: str,
        *,
        covariates: Sequence[str] | None = None,
        categorical: Sequence[str] = (),
        cause: float | None = None,
        censor_code: float = 0,
        source: str | None = None,
    ) -> CoxModel:
        """Fit the model; returns ``self``.

        Parameters
        ----------
        df
            One row per patient; never modified. Rows with missing covariates are dropped with
            a warning.
        duration_col, event_col
            Time and event columns (0/1, or codes with ``cause``: a cause-specific model in
            which other events count as censored).
        covariates
            Covariate columns (``None``: every other column).
        categorical
            Covariates to dummy-encode (reference: the first sorted level).
        cause, censor_code
            Event code of interest and censoring code.
        source
            File name for error messages.

        Returns
        -------
        CoxModel
            ``self``, fitted (coefficients and tests in its trailing-underscore attributes).

        Raises
        ------
        ValidationError
            Bad times, codes or covariates.
        ConvergenceError
            The fit diverged (e.g. a level without events).
        """
        if covariates is None:
            covariates = [c for c in df.columns if c not in {duration_col, event_col}]
        covariates = list(covariates)
        sd = prepare(df, duration_col, event_col, cause=cause, censor_code=censor_code,
                     extra_cols=covariates, source=source)  # fmt: skip
        X = design_matrix(df.loc[sd.keep], covariates, categorical=categorical, source=source,
                          status=sd.status)  # fmt: skip
        names = list(X.columns)
        data = X.reset_index(drop=True).copy()
        tcol, ecol = "__time__", "__event__"
        data[tcol] = sd.time
        data[ecol] = (sd.status == 1).astype(int)
        cph = CoxPHFitter(alpha=1 - self.conf_level)
        with warnings.catch_warnings():
            warnings.simplefilter("error", category=RuntimeWarning)
            try:
                cph.fit(data, tcol, ecol, fit_options={"precision": 1e-12, "r_precision": 1e-12})
            except Exception as exc:  # lifelines raises its own ConvergenceError / warnings
                raise ConvergenceError(f"Cox model did not converge: {exc}") from exc
        self.lifelines_ = cph
        self.names_ = names
        self.coef_ = cph.params_[names].rename("coef")
        self.se_ = cph.standard_errors_[names].rename("se")
        self.loglik_ = float(cph.log_likelihood_)
        self.loglik_null_ = float(cph._ll_null_)
        self.concordance_ = float(cph.concordance_index_)
        self.n_ = int(sd.time.size)
        self.n_events_ = int((sd.status == 1).sum())
        self._X = X.to_numpy(dtype=float)
        self._time = sd.time
        self._event = sd.status == 1
        return self

    def _check(self) -> None:
        if not hasattr(self, "coef_"):
            raise ValidationError("CoxModel is not fitted; call .fit(...) first")

    @property
    def summary(self) -> pd.DataFrame:
        """Coefficient table (see class docstring)."""
        self._check()
        out = coefficient_table(self.coef_, self.se_, self.conf_level)
        out.attrs.update(model="Cox PH (lifelines, Efron ties)", n=self.n_, n_events=self.n_events_)
        return out

    @property
    def log_likelihood_ratio_test(self) -> dict[str, float]:
        """Likelihood-ratio test against the null model (R ``summary(coxph)$logtest``)."""
        self._check()
        return likelihood_ratio_test(self.loglik_, self.loglik_null_, len(self.names_))

    def to_dict(self, *, transform: Transform = "km") -> dict[str, Any]:
        """Return the fit as one JSON-ready dict (what ``ifnexus outcome cox --json`` prints).

        Parameters
        ----------
        transform
            Time transform of the ``cox.zph`` test included (see :meth:`ph_test`).

        Returns
        -------
        dict
            ``n``, ``n_events``; per covariate ``coef``, ``se``, ``hr``, ``lower``, ``upper``,
            ``p``; ``loglik``, ``loglik_null``, ``concordance``, ``lr_test`` and ``ph_test``
            (row records of :meth:`ph_test`).
        """
        s = self.summary
        z = self.ph_test(transform)
        return {
            "n": self.n_, "n_events": self.n_events_,
            "coef": s["coef"].to_dict(), "se": s["se"].to_dict(), "hr": s["exp_coef"].to_dict(),
            "lower": s["lower"].to_dict(), "upper": s["upper"].to_dict(), "p": s["p"].to_dict(),
            "loglik": self.loglik_, "loglik_null": self.loglik_null_,
            "concordance": self.concordance_, "lr_test": self.log_likelihood_ratio_test,
            "ph_test": z.reset_index().to_dict(orient="records"),
        }  # fmt: skip

    def ph_test(self, transform: Transform = "km") -> pd.DataFrame:
        """Proportional-hazards test per covariate and global, as R ``cox.zph`` (survival >= 3).

        Parameters
        ----------
        transform
            Time scale ``g(t)``: ``"km"`` (1 - left-continuous KM; R default), ``"rank"``,
            ``"identity"`` or ``"log"``.

        Returns
        -------
        pandas.DataFrame
            Index covariate names and ``GLOBAL``; columns ``chisq``, ``df``, ``p``.
        """
        self._check()
        return _zph(self._time, self._event, self._X, self.coef_.to_numpy(), self.names_, transform)


def _zph(time, event, X, beta, names, transform: Transform) -> pd.DataFrame:
    n, p = X.shape
    if transform == "km":
        from lifelines import KaplanMeierFitter

        km = KaplanMeierFitter().fit(time, event)
        sf = km.survival_function_.iloc[:, 0]
        kt = sf.index.to_numpy(dtype=float)
        ks = sf.to_numpy()
        idx = np.searchsorted(kt, time, side="left") - 1  # last KM time strictly below t
        ttimes = 1.0 - np.where(idx >= 0, ks[np.maximum(idx, 0)], 1.0)
    elif transform == "rank":
        ttimes = stats.rankdata(time)
    elif transform == "identity":
        ttimes = time.astype(float)
    elif transform == "log":
        ttimes = np.log(time)
    else:
        raise ValidationError(f"transform must be km, rank, identity or log, got {transform!r}")
    gtime = ttimes - ttimes[event].mean()
    Xc = X - X.mean(axis=0)
    eta = Xc @ beta
    eta -= eta.mean()
    r = np.exp(eta)
    o = np.lexsort((event, time))
    t, e, Xs, rs, gs = time[o], event[o], Xc[o], r[o], gtime[o]
    ut, first, inv = np.unique(t, return_index=True, return_inverse=True)
    stop = np.append(first[1:], t.size)[inv]
    # sums over the rows strictly later than each time block
    suf0 = np.concatenate((np.cumsum(rs[::-1])[::-1], [0.0]))
    rX = rs[:, None] * Xs
    suf1 = np.vstack((np.cumsum(rX[::-1], axis=0)[::-1], np.zeros((1, p))))
    rXX = rX[:, :, None] * Xs[:, None, :]
    suf2 = np.concatenate((np.cumsum(rXX[::-1], axis=0)[::-1], np.zeros((1, p, p))))
    # per block: censored (non-death) rows at this time, and deaths
    nb = ut.size
    blk = inv
    c0 = np.bincount(blk, weights=rs * ~e, minlength=nb)
    d0 = np.bincount(blk, weights=rs * e, minlength=nb)
    nd = np.bincount(blk, weights=e.astype(float), minlength=nb)
    c1 = np.zeros((nb, p))
    d1 = np.zeros((nb, p))
    np.add.at(c1, blk[~e], rX[~e])
    np.add.at(d1, blk[e], rX[e])
    c2 = np.zeros((nb, p, p))
    d2 = np.zeros((nb, p, p))
    np.add.at(c2, blk[~e], rXX[~e])
    np.add.at(d2, blk[e], rXX[e])
    # one entry per death: Efron fraction (k+1)/d
    deaths = np.flatnonzero(e)
    b = blk[deaths]
    later = stop[deaths]
    _, first_death, b_inv = np.unique(b, return_index=True, return_inverse=True)
    rank_in_blk = np.arange(deaths.size) - first_death[b_inv]
    frac = (rank_in_blk + 1.0) / nd[b]
    den = suf0[later] + c0[b] + frac * d0[b]
    a = suf1[later] + c1[b] + frac[:, None] * d1[b]
    cm = suf2[later] + c2[b] + frac[:, None, None] * d2[b]
    xbar = a / den[:, None]
    temp = (cm - a[:, :, None] * a[:, None, :] / den[:, None, None]) / den[:, None, None]
    g = gs[deaths]
    u = np.concatenate(
        ((Xs[deaths] - xbar).sum(axis=0), (g[:, None] * (Xs[deaths] - xbar)).sum(axis=0))
    )
    I11 = temp.sum(axis=0)
    I12 = (g[:, None, None] * temp).sum(axis=0)
    I22 = (g[:, None, None] ** 2 * temp).sum(axis=0)
    imat = np.block([[I11, I12], [I12.T, I22]])
    rows = []
    for j, name in enumerate(names):
        kk = list(range(p)) + [p + j]
        uu = np.concatenate((np.zeros(p), [u[p + j]]))
        stat = float(uu @ np.linalg.solve(imat[np.ix_(kk, kk)], uu))
        rows.append((name, stat, 1))
    uu = np.concatenate((np.zeros(p), u[p:]))
    rows.append(("GLOBAL", float(uu @ np.linalg.solve(imat, uu)), p))
    out = pd.DataFrame(rows, columns=["covariate", "chisq", "df"]).set_index("covariate")
    out["p"] = stats.chi2.sf(out["chisq"], out["df"])
    out.attrs.update(method="cox.zph (survival >= 3)", transform=transform)
    return out
