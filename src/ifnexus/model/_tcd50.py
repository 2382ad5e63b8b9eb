"""TCD50: the dose controlling 50% of tumours, from a logistic fit over a dose grid.

For each total dose of the grid a virtual cohort is simulated with the same seed (common
random numbers: tumour ``i`` has the same traits at every dose, as one batch of grafted mice
split over dose groups), the fraction controlled is the mean Zaider-Minerbo TCP at the end of
follow-up, and ``logit P = b0 + b1 D`` is fitted by binomial maximum likelihood with weight
``n_patients`` per dose (a quasi-binomial fit to expected counts). TCD50 = ``-b0 / b1``;
``gamma50 = b1 TCD50 / 4`` is the normalised slope at 50% control.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import minimize
from scipy.special import log_expit

from ifnexus._rng import RngLike, seed_entropy
from ifnexus._runoptions import RunOptions
from ifnexus.errors import ConvergenceError, ValidationError
from ifnexus.model._cohort import _Summary, simulate_cohort
from ifnexus.model._limits import (
    MAX_DOSE_GY,
    MAX_DOSE_POINTS,
    MAX_FRACTIONS,
    check_patients,
    check_whole,
)
from ifnexus.model._radiobiology import Schedule, weekday_days
from ifnexus.model._variants import canonical_host, genotype_label
from ifnexus.scoring._chunks import run_options

__all__ = ["TCD50Result", "fit_logistic", "parse_dose_grid", "tcd50"]


def parse_dose_grid(text: str, min_doses: int = 3) -> np.ndarray:
    """Parse ``"10:90:2"`` (start:stop:step, stop included) or ``"10,20,30"`` into doses (Gy).

    Parameters
    ----------
    text
        The grid: ``start:stop:step`` (step > 0, stop included) or a comma list of doses.
    min_doses
        The fewest doses accepted (3 for a TCD50 fit; 1 for survival curves).

    Returns
    -------
    numpy.ndarray
        The doses in Gy.

    Raises
    ------
    ValidationError
        Unparseable text, a negative or non-finite dose, fewer than ``min_doses`` doses, more
        than 1,000 doses or a dose over 1,000 Gy.
    """
    s = str(text).strip()
    if len(s) > 100_000:
        raise ValidationError(
            f"dose grid of {len(s)} characters; at most {MAX_DOSE_POINTS} doses are accepted"
        )
    try:
        if re.fullmatch(r"[\d.\s]+:[\d.\s]+:[\d.\s]+", s):
            a, b, c = (float(x) for x in s.split(":"))
            if c <= 0 or b < a:
                raise ValueError
            if (b - a) / c + 1 > MAX_DOSE_POINTS:
                raise ValidationError(
                    f"dose grid {text!r} has {int((b - a) / c) + 1} doses, over the limit of "
                    f"{MAX_DOSE_POINTS}; use a coarser step"
                )
            out = np.arange(a, b + c * 1e-9, c)
        else:
            out = np.array([float(x) for x in s.split(",") if x.strip()])
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError(
            f"cannot parse dose grid {text!r}; accepted: 'start:stop:step' (e.g. 10:90:2, "
            "stop included, step > 0) or a comma list of doses in Gy (e.g. 10,20,30)"
        ) from None
    if not np.isfinite(out).all():
        raise ValidationError(f"dose grid {text!r}: every dose must be a finite number of Gy")
    if out.size < min_doses or np.any(out < 0):
        raise ValidationError(f"dose grid {text!r} needs at least {min_doses} doses >= 0 Gy")
    if out.size > MAX_DOSE_POINTS:
        raise ValidationError(
            f"dose grid {text!r} has {out.size} doses, over the limit of {MAX_DOSE_POINTS}"
        )
    if np.any(out > MAX_DOSE_GY):
        raise ValidationError(
            f"dose grid {text!r}: dose {out.max():g} Gy is over the limit of {MAX_DOSE_GY:g} Gy"
        )
    return out


@dataclass
class TCD50Result:
    """Result of :func:`tcd50`.

    Attributes
    ----------
    tcd50_gy
        Total dose (Gy) controlling 50% of tumours.
    b0, b1
        Intercept and slope (per Gy) of ``logit P = b0 + b1 D``.
    gamma50
        Normalised slope at 50% control, ``b1 TCD50 / 4``.
    table
        One row per dose: ``dose`` (Gy), ``n``, ``tcp_mean``, ``local_control``.
    seed
        The seed entropy every dose used (the same tumours at every dose).
    setting, fractions, n_patients, genotype, host
        The run: setting, equal fractions per course, tumours per dose, genotype label and
        canonical host name.
    """

    tcd50_gy: float
    b0: float
    b1: float
    gamma50: float
    table: pd.DataFrame
    seed: int | None = None
    setting: str = "mouse"
    fractions: int = 1
    n_patients: int = 0
    genotype: str = "wild-type"
    host: str = "immunocompetent"

    def _fit_dict(self) -> dict[str, Any]:
        return {"tcd50_gy": self.tcd50_gy, "logit_intercept": self.b0, "logit_slope_per_gy": self.b1,
                "gamma50": self.gamma50, "doses": self.table["dose"].tolist(),
                "control": self.table["tcp_mean"].tolist()}  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """Return the run and the fit as a JSON-ready dict (the ``simulate tcd50 --json`` object).

        Returns
        -------
        dict
            ``setting``, ``fractions``, ``n_patients``, ``genotype``, ``host``, ``tcd50_gy``,
            ``logit_intercept``, ``logit_slope_per_gy``, ``gamma50``, ``doses`` and ``control``
            (mean TCP per dose).
        """
        run = {"setting": self.setting, "fractions": self.fractions, "n_patients": self.n_patients,
               "genotype": self.genotype, "host": self.host}  # fmt: skip
        return {**run, **self._fit_dict()}

    def write(self, out_dir: str | os.PathLike[str], *, figures: bool = True) -> list[Path]:
        """Write ``tcd50.csv``, ``tcd50.png`` and ``summary.json`` as ``simulate tcd50 --out`` does.

        Parameters
        ----------
        out_dir
            Output folder (created).
        figures
            Also draw the dose-response figure ``tcd50.png``.

        Returns
        -------
        list of pathlib.Path
            The written files (``summary.json`` is :meth:`to_dict`).
        """
        from ifnexus._io import write_table, write_text
        from ifnexus._json import dumps

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files = [write_table(self.table, out / "tcd50.csv")]
        if figures:
            from ifnexus._figures import save_figure
            from ifnexus.model._plots import plot_tcd50

            ax = plot_tcd50(self.table, self.b0, self.b1)
            files.append(save_figure(ax, out / "tcd50.png"))  # type: ignore[arg-type]
        files.append(write_text(out / "summary.json", dumps(self.to_dict())))
        return files

    @property
    def summary(self) -> pd.DataFrame:
        """The fit as a tidy table (lifelines-style ``summary``).

        Returns
        -------
        pandas.DataFrame
            Index ``measure`` (``tcd50``, ``gamma50``, ``logit_intercept``, ``logit_slope``);
            columns ``value`` and ``unit`` (Gy, -, -, per Gy). The per-dose control is
            :attr:`table`.

        Notes
        -----
        Until 0.2 ``summary`` was a method returning the JSON dict; calling it still returns
        that dict, with a ``FutureWarning``: use :meth:`to_dict`.
        """
        rows = [("tcd50", self.tcd50_gy, "Gy"), ("gamma50", self.gamma50, "-"),
                ("logit_intercept", self.b0, "-"), ("logit_slope", self.b1, "per Gy")]  # fmt: skip
        out = _Summary(
            {"value": [float(v) for _, v, _ in rows], "unit": [u for _, _, u in rows]},
            index=pd.Index([m for m, _, _ in rows], name="measure"),
        )
        out.attrs["seed"] = self.seed
        out._legacy = self._fit_dict()
        return out


def fit_logistic(dose: np.ndarray, frac: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Binomial maximum-likelihood fit of ``logit P = b0 + b1 dose`` to fractions ``frac``.

    Parameters
    ----------
    dose
        Doses (Gy).
    frac
        Fraction controlled at each dose (0-1).
    n
        Tumours per dose (the binomial weights).

    Returns
    -------
    tuple of float
        ``(b0, b1)``: intercept and slope per Gy.

    Raises
    ------
    ConvergenceError
        The fit did not converge.
    """
    dose = np.asarray(dose, float)
    k = np.asarray(frac, float) * n
    scale = dose.std() or 1.0
    mid = dose.mean()

    def nll(b):
        eta = b[0] + b[1] * (dose - mid) / scale
        return -np.sum(k * log_expit(eta) + (n - k) * log_expit(-eta))

    res = minimize(nll, np.array([0.0, 1.0]), method="BFGS")
    if not np.all(np.isfinite(res.x)):
        raise ConvergenceError("the logistic TCD50 fit did not converge")
    b1 = res.x[1] / scale
    b0 = res.x[0] - b1 * mid
    return float(b0), float(b1)


def tcd50(
    doses: str | ArrayLike,
    *,
    fractions: int = 1,
    setting: str = "mouse",
    n_patients: int = 200,
    rng: RngLike = 0,
    options: RunOptions | None = None,
    **cohort_kwargs: Any,
) -> TCD50Result:
    """Dose for 50% tumour control over a dose grid, fitted logistic.

    Parameters
    ----------
    doses
        Total doses in Gy (array, or a string for :func:`parse_dose_grid`).
    fractions
        Number of equal fractions (on weekdays, at most 500); 1 = single dose, as in graft
        TCD50 assays.
    setting, n_patients
        As in :func:`simulate_cohort`.
    rng
        Seed (int >= 0, SeedSequence, Generator or None), turned once into one integer entropy
        (recorded in the result's ``seed``) used at every dose, so dose groups hold the same
        tumours.
    options
        Run options (:class:`ifnexus.RunOptions`) of every cohort; results do not depend on
        them.
    **cohort_kwargs
        ``genotype``, ``host``, ``interventions``, ``days``, ``params``, ... passed on. The
        deprecated ``chunk_size`` / ``n_jobs`` / ``scheduler`` warn and build ``options``.
        With ``disease="postop"`` (or ``"preop"``) every tumour bed holds residual clonogens
        (``p_residual_r0 = p_residual_r1 = 1`` unless ``params`` sets them): the TCD50 of
        residual disease, as beds without clonogens are controlled by surgery alone.

    Returns
    -------
    TCD50Result
        The fitted TCD50, the logistic coefficients and the per-dose table.

    Raises
    ------
    ValidationError
        Control does not cross 50% within the grid (widen it).
    """
    d = parse_dose_grid(doses) if isinstance(doses, str) else np.asarray(doses, dtype=float)
    if d.size > MAX_DOSE_POINTS or not np.isfinite(d).all():
        raise ValidationError(
            f"doses: {d.size} values; at most {MAX_DOSE_POINTS} finite doses are accepted"
        )
    check_patients(n_patients)
    check_patients(int(n_patients) * max(d.size, 1), "n_patients x doses")
    if d.ndim != 1 or d.size < 3 or np.any(d < 0):
        raise ValidationError("doses must hold at least 3 doses >= 0 Gy")
    fractions = check_whole(fractions, "fractions", 1)
    if fractions > MAX_FRACTIONS:
        raise ValidationError(
            f"fractions {fractions} is over the limit of {MAX_FRACTIONS} fractions per course"
        )
    seed = seed_entropy(rng)
    opts = run_options(
        options,
        **{
            k: cohort_kwargs.pop(k)
            for k in ("chunk_size", "n_jobs", "scheduler")
            if k in cohort_kwargs
        },
        where="tcd50",
    )
    days = weekday_days(int(fractions))
    if cohort_kwargs.get("disease") in ("postop", "preop"):
        # the dose response of residual disease: a resection bed without clonogens is
        # controlled whatever the dose (p_residual_r0/r1, issue 15 item 5), so TCD50 is taken
        # over beds that hold residual disease, unless the caller set those probabilities
        given = dict(cohort_kwargs.get("params") or {})
        cohort_kwargs["params"] = {"p_residual_r0": 1.0, "p_residual_r1": 1.0, **given}
    rows = []
    for dose in d:
        sched = Schedule(
            days, np.full(days.size, dose / days.size), label=f"{dose:g}Gy/{fractions}fx"
        )
        res = simulate_cohort(sched, n_patients=n_patients, setting=setting, rng=seed,
                              options=opts, **cohort_kwargs)  # fmt: skip
        # over the tumours integrated to finite values (a flagged numerical_failure is left out)
        sm = res.to_dict()
        rows.append({"dose": float(dose), "n": n_patients - sm["n_numerical_failure"],
                     "tcp_mean": sm["tcp_mean"], "local_control": sm["local_control"]})  # fmt: skip
    table = pd.DataFrame(rows)
    f = table["tcp_mean"].to_numpy()
    if not (f.min() < 0.5 < f.max()):
        raise ValidationError(
            f"control ({f.min():.2f}-{f.max():.2f}) does not cross 50% within the dose grid "
            f"{d.min():g}-{d.max():g} Gy; widen --doses"
        )
    b0, b1 = fit_logistic(table["dose"].to_numpy(), f, table["n"].to_numpy(float))
    if b1 <= 0:
        raise ConvergenceError("control does not rise with dose over this grid; no TCD50")
    t50 = -b0 / b1
    return TCD50Result(tcd50_gy=float(t50), b0=b0, b1=b1, gamma50=float(b1 * t50 / 4.0),
                       table=table, seed=seed, setting=setting, fractions=int(fractions),
                       n_patients=int(n_patients),
                       genotype=genotype_label(cohort_kwargs.get("genotype")),
                       host=canonical_host(cohort_kwargs.get("host")))  # fmt: skip
