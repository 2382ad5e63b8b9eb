"""Cohort predictions that carry a fit's parameter uncertainty (``simulate --posterior DIR``).

``N`` parameter sets are drawn (seeded, with replacement) from the posterior draws of a fit
folder (``ifnexus fit growth --out DIR``, read by :func:`ifnexus.fit._posterior.draw_parameter_sets`,
which refuses a folder written by another model version). The same virtual cohort is run under
each set: common random numbers, every draw uses the same per-patient uniforms (the cohort seed),
so the spread over draws is parameter uncertainty only, not a new sample of patients.

Three intervals per measure (level ``level``, default 95%):

* parameter: the ``(1 - level)/2`` and ``(1 + level)/2`` quantiles of the cohort value
  ``m_d`` over the draws ``d`` (zero width for a posterior whose draws are all equal);
* sampling (patient-to-patient): a nonparametric bootstrap of the patients within each draw
  (the same resampled patient indices for every draw), ``m_{d,b} - m_d`` pooled over draws
  and replicates and added to the posterior mean; for local control this is the binomial
  sampling error of a cohort of ``n_patients``;
* total: nested quantiles, the quantiles of ``m_{d,b}`` pooled over draws and replicates
  (the mixture over the posterior of the within-draw sampling distributions).

The standard deviations follow the law of total variance:
``sd_total^2 = sd_param^2 + sd_sampling^2`` with ``sd_param^2 = Var_d(m_d)`` and
``sd_sampling^2 = E_d[Var_b(m_{d,b})]`` (population variances).

Written here rather than taken from a library: the bootstrap is numpy indexing, the intervals
are numpy quantiles; what is specific is the common-random-number design over the model's
cohort simulator.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ifnexus._rng import RngLike, seed_entropy
from ifnexus._runoptions import RunOptions
from ifnexus.errors import ValidationError
from ifnexus.model._cohort import simulate_cohort
from ifnexus.model._paramfile import ParameterSet
from ifnexus.model._radiobiology import Schedule
from ifnexus.model._variants import Intervention

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "PosteriorResult",
    "PosteriorTCD50Result",
    "plot_posterior_local_control",
    "simulate_posterior",
    "tcd50_posterior",
]

MEASURES = {
    "local_control": "fraction",
    "tcp_mean": "probability",
    "ifn_auc_30d": "EC50 x days",
    "ifn_acute": "fraction",
    "ifn_chronic": "fraction",
    "ifn_none": "fraction",
    "cd8_fold_change_day7": "fold",
}
"""The measures summarised over draws (means over the cohort's tumours), with units."""
MAX_DRAWS = 1000
MAX_BOOTSTRAP = 2000
_CURVE_POINTS = 101
_BOOT_ELEMENTS = 4_000_000  # resampled tumour indices held at once (32 MB)


def _per_patient(patients: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per-tumour values whose cohort mean is each measure (NaN for flagged tumours)."""
    bad = (
        patients["numerical_failure"].to_numpy(dtype=bool)
        if "numerical_failure" in patients
        else np.zeros(len(patients), dtype=bool)
    )
    lab = patients["ifn_label"].astype(str).to_numpy()
    out = {
        "local_control": patients["local_control"].to_numpy(dtype=float),
        "tcp_mean": patients["tcp"].to_numpy(dtype=float),
        "ifn_auc_30d": patients["ifn_auc_30d"].to_numpy(dtype=float),
        "ifn_acute": (lab == "acute").astype(float),
        "ifn_chronic": (lab == "chronic").astype(float),
        "ifn_none": (lab == "none").astype(float),
        "cd8_fold_change_day7": patients["cd8_fold_change_day7"].to_numpy(dtype=float),
    }
    for v in out.values():
        v[bad] = np.nan
    for k in ("ifn_acute", "ifn_chronic", "ifn_none"):  # no label: the 4-week read is missing
        out[k][lab == "unknown"] = np.nan
    return out


def _nanmean(x: np.ndarray, axis: int | None = None) -> np.ndarray:
    """Mean ignoring NaN, NaN (no warning) where every value is NaN."""
    ok = np.isfinite(x)
    n = ok.sum(axis=axis)
    s = np.where(ok, x, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, s / np.maximum(n, 1), np.nan)


def _curve(res, grid: np.ndarray) -> np.ndarray:
    """Kaplan-Meier local control of a cohort evaluated on ``grid`` (right-continuous steps)."""
    c = res.local_control_curve()
    t = c["time"].to_numpy(float)
    s = c["local_control"].to_numpy(float)
    i = np.searchsorted(t, grid, side="right") - 1
    return np.where(i >= 0, s[np.maximum(i, 0)], 1.0)


def _finite_or_none(v: Any) -> Any:
    if isinstance(v, str):
        return v
    return float(v) if np.isfinite(v) else None


@dataclass(kw_only=True)
class _PosteriorRun:
    """What both posterior results share: the per-draw table, the summary, the run's record.

    Subclasses give :meth:`_meta` (the run's fields, in their JSON order) and the files they
    write; the summary, ``to_dict`` and the writing of tables and ``summary.json`` are here once.
    """

    draws: pd.DataFrame
    table: pd.DataFrame
    setting: str
    n_patients: int
    n_draws: int
    seed: int
    level: float
    posterior: str
    free: list[str] = field(default_factory=list)

    def _meta(self) -> dict[str, Any]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    @property
    def summary(self) -> pd.DataFrame:
        """The summary table, the run's fields in ``attrs`` (see the subclass).

        Returns
        -------
        pandas.DataFrame
            Index ``measure``; the interval columns and ``unit``.
        """
        out = self.table.copy()
        out.attrs.update(self._meta())
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the run and its summary as a JSON-ready dict.

        Returns
        -------
        dict
            The run's fields and ``measures``: per measure the summary's columns (NaN as
            None).
        """
        rows = {str(m): {k: _finite_or_none(r[k]) for k in self.table.columns}
                for m, r in self.table.iterrows()}  # fmt: skip
        return {**self._meta(), "measures": rows}

    def _write_all(
        self, out_dir: str | os.PathLike[str], tables: list[tuple[pd.DataFrame, str]],
        figure: Any = None,
    ) -> list[Path]:  # fmt: skip
        from ifnexus._io import write_table, write_text
        from ifnexus._json import dumps

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files = [write_table(t, out / name) for t, name in tables]
        if figure is not None:
            files.append(figure(out))
        files.append(write_text(out / "summary.json", dumps(self.to_dict())))
        return files


@dataclass(kw_only=True)
class PosteriorResult(_PosteriorRun):
    """Result of :func:`simulate_posterior`.

    Attributes
    ----------
    draws
        One row per parameter draw: ``draw``, the drawn parameter values, each measure of
        :data:`MEASURES` for the simulated cohort (``m_d``) and ``<measure>_sd_sampling`` (the
        bootstrap standard deviation within that draw).
    curve
        Local control over follow-up: ``time`` (days), ``mean`` (over draws), ``param_lower``,
        ``param_upper`` (quantiles over draws of the Kaplan-Meier curves of the cohorts).
    table
        The summary table (see :attr:`summary`).
    schedule, setting, disease
        What was simulated.
    seed
        The integer seed entropy (reproduces draws, cohort and bootstrap).
    n_patients, n_draws, bootstrap, level
        Tumours per cohort, parameter draws, bootstrap replicates per draw, interval level.
    posterior
        The fit folder the draws came from.
    free
        The names of the parameters drawn from the posterior.
    """

    curve: pd.DataFrame
    schedule: Schedule
    disease: str
    bootstrap: int

    @property
    def summary(self) -> pd.DataFrame:
        """Each measure with its parameter, sampling and total intervals (tidy table).

        Returns
        -------
        pandas.DataFrame
            Index ``measure``; columns ``mean`` (over draws of the cohort value),
            ``param_lower``/``param_upper`` (quantiles over draws), ``sampling_lower``/
            ``sampling_upper`` (within-draw bootstrap, pooled), ``total_lower``/``total_upper``
            (nested quantiles), ``sd_param``, ``sd_sampling``, ``sd_total`` (law of total
            variance) and ``unit``.
        """
        return _PosteriorRun.summary.fget(self)  # type: ignore[attr-defined]

    def _meta(self) -> dict[str, Any]:
        return {
            "schedule": str(self.schedule),
            "setting": self.setting,
            "disease": self.disease,
            "seed": self.seed,
            "n_patients": self.n_patients,
            "n_draws": self.n_draws,
            "bootstrap": self.bootstrap,
            "level": self.level,
            "posterior": self.posterior,
            "free": list(self.free),
        }

    def to_dict(self) -> dict[str, Any]:
        """Return the run and its summary as a JSON-ready dict (``simulate --posterior --json``).

        Returns
        -------
        dict
            The run (``schedule``, ``setting``, ``disease``, ``seed``, ``n_patients``,
            ``n_draws``, ``bootstrap``, ``level``, ``posterior``, ``free``) and ``measures``:
            per measure the columns of :attr:`summary` (NaN as None).
        """
        return super().to_dict()

    def write(self, out_dir: str | os.PathLike[str], *, figures: bool = True) -> list[Path]:
        """Write ``posterior_summary.csv``, ``posterior_runs.csv``, ``local_control_posterior.csv``,
        ``summary.json`` and (with ``figures``) ``local_control_posterior.png``.

        Parameters
        ----------
        out_dir
            Output folder (created).
        figures
            Also draw the local-control band.

        Returns
        -------
        list of pathlib.Path
            The files written (atomically).
        """  # noqa: D205

        def figure(out: Path) -> Path:
            from ifnexus._figures import save_figure

            ax = plot_posterior_local_control(self.curve, title=str(self.schedule))
            return save_figure(ax, out / "local_control_posterior.png")  # type: ignore[arg-type]

        tables = [(self.table.reset_index(), "posterior_summary.csv"),
                  (self.draws, "posterior_runs.csv"),
                  (self.curve, "local_control_posterior.csv")]  # fmt: skip
        return self._write_all(out_dir, tables, figure if figures else None)


def plot_posterior_local_control(
    curve: pd.DataFrame, *, title: str | None = None, ax: Axes | None = None
) -> Axes:
    """Plot the posterior mean local control with its parameter-uncertainty band.

    Parameters
    ----------
    curve
        :attr:`PosteriorResult.curve`.
    title
        Axes title.
    ax
        Matplotlib axes (a new figure when None).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    if ax is None:
        from ifnexus._figures import new_figure

        ax = new_figure((4.5, 3.2)).subplots()
    t = curve["time"].to_numpy(float)
    ax.fill_between(t, curve["param_lower"], curve["param_upper"], step="post", alpha=0.3,
                    label="parameter uncertainty")  # fmt: skip
    ax.step(t, curve["mean"], where="post", label="posterior mean")
    ax.set_xlabel("days from first fraction")
    ax.set_ylabel("local control")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(frameon=False, fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def _check_sets(sets: list[dict[str, float]], posterior: str, setting: str, base: dict) -> None:
    """Refuse unknown parameter names or out-of-range values before anything is simulated."""
    from ifnexus.model._params import PARAMETERS

    names = {p.name for p in PARAMETERS}
    unknown = sorted({k for s in sets for k in s} - names)
    if unknown:
        raise ValidationError(
            f"posterior {posterior}: unknown parameter name(s) {', '.join(unknown)}; this model "
            "has no such parameter (fit made with another model version?)"
        )
    clash = sorted(set(base) & {k for s in sets for k in s})
    if clash:
        raise ValidationError(
            f"--params sets {', '.join(clash)}, which the posterior {posterior} also gives: "
            "drop them from the parameter file"
        )
    for i, s in enumerate(sets):
        try:
            ParameterSet(setting, {**base, **s})
        except ValidationError as exc:
            raise ValidationError(f"posterior {posterior}, draw {i + 1}: {exc}") from None


def _prepare(posterior, draws, setting, params, rng):
    """Check the run, draw the parameter sets (seeded) and check them; nothing simulated."""
    from ifnexus.fit._posterior import draw_parameter_sets, read_posterior

    if (
        isinstance(draws, bool)
        or not isinstance(draws, (int, np.integer))
        or not 1 <= draws <= MAX_DRAWS
    ):
        raise ValidationError(f"draws must be an integer from 1 to {MAX_DRAWS}, got {draws!r}")
    post = str(posterior)
    _, info = read_posterior(posterior)
    fit_setting = str(info.get("setting", "mouse"))
    if setting is None:
        setting = fit_setting
    elif setting != fit_setting:
        raise ValidationError(
            f"posterior {post} was fitted in the {fit_setting!r} setting; simulate it with "
            f"setting {fit_setting!r} (got {setting!r})"
        )
    if isinstance(params, ParameterSet):
        if params.setting != setting:
            raise ValidationError(
                f"the parameter set is for the {params.setting!r} setting, the run for {setting!r}"
            )
        base = dict(params.overrides)
    else:
        base = dict(params or {})
    entropy = seed_entropy(rng)
    pick = np.random.Generator(np.random.PCG64(np.random.SeedSequence([entropy, 0x706F7374])))
    sets = draw_parameter_sets(posterior, int(draws), rng=pick)
    _check_sets(sets, post, setting, base)
    return sets, setting, base, entropy, info


def simulate_posterior(
    schedule: str | Schedule,
    posterior: str | os.PathLike[str],
    *,
    draws: int = 50,
    n_patients: int = 1000,
    setting: str | None = None,
    disease: str = "gross",
    genotype: str | list[str] | None = None,
    host: str | None = None,
    interventions: str | Intervention | Sequence[str | Intervention] = (),
    days: float | None = None,
    rng: RngLike = None,
    params: dict[str, float] | ParameterSet | None = None,
    margin: str | None = None,
    bootstrap: int = 200,
    level: float = 0.95,
    options: RunOptions | None = None,
) -> PosteriorResult:
    """Simulate a cohort under ``draws`` parameter sets drawn from a fit's posterior.

    Parameters
    ----------
    schedule
        Radiotherapy schedule (as for :func:`~ifnexus.model.simulate_cohort`).
    posterior
        A fit folder written by ``ifnexus fit growth --out DIR`` (``diagnostics.json`` and
        ``posterior_draws.csv``).
    draws
        Number of parameter sets drawn from the posterior (1-1000, with replacement).
    n_patients
        Tumours per cohort (the same tumours under every draw).
    setting
        ``"mouse"`` or ``"patient"``; default the fit's setting. Another setting than the
        fit's is refused (its draws are values of that setting).
    disease, genotype, host, interventions, days, margin
        As for :func:`~ifnexus.model.simulate_cohort`.
    rng
        Seed (int, 0 is valid): selects the draws, the cohort's patients (common to every
        draw) and the bootstrap; same seed, same result.
    params
        Parameter overrides under the draws (a parameter the posterior also gives is refused).
    bootstrap
        Bootstrap replicates of the patients within each draw (10-2000).
    level
        Interval level in (0, 1).
    options
        How each cohort is run (:class:`ifnexus.RunOptions`).

    Returns
    -------
    PosteriorResult
        Per-draw values, summary with parameter / sampling / total intervals, local-control
        curve band.

    Raises
    ------
    ValidationError
        Bad ``draws``, ``bootstrap``, ``level`` or setting; a fit of another model version;
        unknown parameter names or out-of-range values in the draws.
    InputFormatError
        An unreadable or incomplete fit folder.
    """
    from ifnexus.model._limits import check_patients

    if (
        isinstance(bootstrap, bool)
        or not isinstance(bootstrap, (int, np.integer))
        or not 10 <= bootstrap <= MAX_BOOTSTRAP
    ):
        raise ValidationError(
            f"bootstrap must be an integer from 10 to {MAX_BOOTSTRAP}, got {bootstrap!r}"
        )
    if not (isinstance(level, (int, float)) and 0 < float(level) < 1):
        raise ValidationError(f"level must be in (0, 1), got {level!r}")
    n_patients = check_patients(n_patients)
    post = str(posterior)
    sets, setting, base, entropy, info = _prepare(posterior, draws, setting, params, rng)
    free = list(info.get("free", []))
    # the same resampled tumours in every draw, drawn in blocks of replicates (memory bound)
    per_block = max(1, min(int(bootstrap), _BOOT_ELEMENTS // n_patients))

    values = {m: np.empty(draws) for m in MEASURES}
    reps = {m: np.empty((draws, int(bootstrap))) for m in MEASURES}
    curves = []
    grid: np.ndarray | None = None
    sched = None
    for d, s in enumerate(sets):
        res = simulate_cohort(schedule, n_patients=n_patients, setting=setting, disease=disease,
                              genotype=genotype, host=host, interventions=interventions,
                              days=days, rng=entropy, params={**base, **s}, margin=margin,
                              options=options)  # fmt: skip
        if grid is None:
            grid = np.linspace(0.0, res.days, _CURVE_POINTS)
            sched = res.schedule
        curves.append(_curve(res, grid))
        per = _per_patient(res.patients)
        for m, x in per.items():
            values[m][d] = _nanmean(x)
        boot = np.random.Generator(np.random.PCG64(np.random.SeedSequence([entropy, 0x626F6F74])))
        for b0 in range(0, int(bootstrap), per_block):
            k = min(per_block, int(bootstrap) - b0)
            idx = boot.integers(0, n_patients, size=(k, n_patients))
            for m, x in per.items():
                reps[m][d, b0 : b0 + k] = _nanmean(x[idx], axis=1)
    assert grid is not None and sched is not None
    with warnings.catch_warnings():  # all-NaN rows (no T cells: no CD8 fold change) are NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        table, per_draw = _tables(sets, values, reps, float(level))
    lo, hi = (1 - level) / 2, (1 + level) / 2
    c = np.vstack(curves)
    curve = pd.DataFrame({
        "time": grid,
        "mean": c.mean(axis=0),
        "param_lower": np.quantile(c, lo, axis=0),
        "param_upper": np.quantile(c, hi, axis=0),
    })  # fmt: skip
    return PosteriorResult(draws=per_draw, curve=curve, table=table, schedule=sched,
                           setting=setting, disease=disease, seed=entropy, n_patients=n_patients,
                           n_draws=int(draws), bootstrap=int(bootstrap), level=float(level),
                           posterior=post, free=free)  # fmt: skip


def _tables(sets, values, reps, level: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the summary table (intervals per measure) and the per-draw table."""
    lo, hi = (1 - level) / 2, (1 + level) / 2
    rows = []
    for m, unit in MEASURES.items():
        v, r = values[m], reps[m]
        if not np.isfinite(v).any():
            rows.append({"measure": m, **dict.fromkeys(_COLS, np.nan), "unit": unit})
            continue
        mean = float(np.nanmean(v))
        dev = (r - v[:, None]).ravel()
        dev = dev[np.isfinite(dev)]
        pooled = r[np.isfinite(r)]
        sd_p = 0.0 if np.nanmax(v) == np.nanmin(v) else float(np.nanstd(v))
        sd_s = float(np.sqrt(np.nanmean(np.nanvar(r, axis=1))))
        rows.append({
            "measure": m,
            "mean": mean,
            "param_lower": float(np.nanquantile(v, lo)),
            "param_upper": float(np.nanquantile(v, hi)),
            "sampling_lower": mean + float(np.quantile(dev, lo)),
            "sampling_upper": mean + float(np.quantile(dev, hi)),
            "total_lower": float(np.quantile(pooled, lo)),
            "total_upper": float(np.quantile(pooled, hi)),
            "sd_param": sd_p,
            "sd_sampling": sd_s,
            "sd_total": float(np.hypot(sd_p, sd_s)),
            "unit": unit,
        })  # fmt: skip
    table = pd.DataFrame(rows).set_index("measure")
    per_draw = pd.DataFrame(sets)
    per_draw.insert(0, "draw", np.arange(1, len(sets) + 1))
    for m in MEASURES:
        per_draw[m] = values[m]
        per_draw[f"{m}_sd_sampling"] = np.sqrt(np.nanvar(reps[m], axis=1))
    return table, per_draw


_COLS = ("mean", "param_lower", "param_upper", "sampling_lower", "sampling_upper", "total_lower",
         "total_upper", "sd_param", "sd_sampling", "sd_total")  # fmt: skip


@dataclass(kw_only=True)
class PosteriorTCD50Result(_PosteriorRun):
    """Result of :func:`tcd50_posterior`.

    Attributes
    ----------
    draws
        One row per parameter draw: ``draw``, the drawn parameter values, ``tcd50_gy`` and
        ``gamma50`` of the logistic fit over the dose grid under that draw.
    table
        Index ``measure`` (``tcd50_gy``, ``gamma50``); columns ``mean``, ``param_lower``,
        ``param_upper`` (quantiles over draws) and ``sd_param``.
    setting, fractions, n_patients, n_draws, seed, level, posterior, free
        The run.

    Notes
    -----
    The TCD50 is fitted to the mean Zaider-Minerbo TCP per dose (as :func:`tcd50`), an
    expected rather than a sampled control, so only the parameter part of its uncertainty is
    given here.
    """

    fractions: int

    @property
    def summary(self) -> pd.DataFrame:
        """TCD50 and gamma50 with their parameter intervals (tidy table).

        Returns
        -------
        pandas.DataFrame
            Index ``measure``; columns ``mean``, ``param_lower``, ``param_upper``,
            ``sd_param``, ``unit``.
        """
        return _PosteriorRun.summary.fget(self)  # type: ignore[attr-defined]

    def _meta(self) -> dict[str, Any]:
        return {"setting": self.setting, "fractions": self.fractions,
                "n_patients": self.n_patients, "n_draws": self.n_draws, "seed": self.seed,
                "level": self.level, "posterior": self.posterior, "free": list(self.free)}  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """Return the run and the summary as a JSON-ready dict (``simulate tcd50 --posterior``).

        Returns
        -------
        dict
            ``setting``, ``fractions``, ``n_patients``, ``n_draws``, ``seed``, ``level``,
            ``posterior``, ``free`` and ``measures`` (per measure the summary columns).
        """
        return super().to_dict()

    def write(self, out_dir: str | os.PathLike[str]) -> list[Path]:
        """Write ``tcd50_posterior.csv`` (per draw), ``tcd50_summary.csv`` and ``summary.json``.

        Parameters
        ----------
        out_dir
            Output folder (created).

        Returns
        -------
        list of pathlib.Path
            The files written (atomically).
        """
        return self._write_all(out_dir, [(self.draws, "tcd50_posterior.csv"),
                                         (self.table.reset_index(), "tcd50_summary.csv")])  # fmt: skip


def tcd50_posterior(
    doses: str | Sequence[float] | np.ndarray,
    posterior: str | os.PathLike[str],
    *,
    draws: int = 20,
    fractions: int = 1,
    setting: str | None = None,
    n_patients: int = 200,
    rng: RngLike = None,
    params: dict[str, float] | ParameterSet | None = None,
    level: float = 0.95,
    options: RunOptions | None = None,
    **cohort_kwargs: Any,
) -> PosteriorTCD50Result:
    """TCD50 under ``draws`` parameter sets drawn from a fit's posterior (same tumours).

    Parameters
    ----------
    doses
        Dose grid (Gy), as for :func:`~ifnexus.model.tcd50`.
    posterior
        A fit folder (``ifnexus fit growth --out DIR``).
    draws
        Parameter sets drawn (1-1000, seeded, with replacement).
    fractions, n_patients, options
        As for :func:`~ifnexus.model.tcd50`.
    setting
        Default the fit's; another one is refused.
    rng
        Seed: the draws and the tumours (common to every draw and dose).
    params
        Overrides under the draws (a parameter the posterior gives is refused).
    level
        Interval level in (0, 1).
    **cohort_kwargs
        ``genotype``, ``host``, ``interventions``, ``days``, ``disease`` passed on.

    Returns
    -------
    PosteriorTCD50Result
        Per-draw TCD50 and its parameter interval.

    Raises
    ------
    ValidationError
        As :func:`simulate_posterior`; a draw whose control does not cross 50% within the
        grid (named).
    """
    from ifnexus.model._tcd50 import tcd50

    sets, setting, base, entropy, info = _prepare(posterior, draws, setting, params, rng)
    if not (isinstance(level, (int, float)) and 0 < float(level) < 1):
        raise ValidationError(f"level must be in (0, 1), got {level!r}")
    t50, g50 = np.empty(len(sets)), np.empty(len(sets))
    for i, s in enumerate(sets):
        try:
            r = tcd50(doses, fractions=fractions, setting=setting, n_patients=n_patients,
                      rng=entropy, options=options, params={**base, **s},
                      **cohort_kwargs)  # fmt: skip
        except ValidationError as exc:
            raise ValidationError(f"posterior {posterior}, draw {i + 1}: {exc}") from None
        t50[i], g50[i] = r.tcd50_gy, r.gamma50
    lo, hi = (1 - level) / 2, (1 + level) / 2
    rows = []
    for m, v, unit in (("tcd50_gy", t50, "Gy"), ("gamma50", g50, "")):
        rows.append({"measure": m, "mean": float(v.mean()), "param_lower": float(np.quantile(v, lo)),
                     "param_upper": float(np.quantile(v, hi)),
                     "sd_param": 0.0 if v.max() == v.min() else float(v.std()), "unit": unit})  # fmt: skip
    per_draw = pd.DataFrame(sets)
    per_draw.insert(0, "draw", np.arange(1, len(sets) + 1))
    per_draw["tcd50_gy"], per_draw["gamma50"] = t50, g50
    return PosteriorTCD50Result(draws=per_draw, table=pd.DataFrame(rows).set_index("measure"),
                                setting=setting, fractions=int(fractions),
                                n_patients=int(n_patients), n_draws=len(sets), seed=entropy,
                                level=float(level), posterior=str(posterior),
                                free=list(info.get("free", [])))  # fmt: skip
