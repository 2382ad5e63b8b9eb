"""Run a virtual trial: every arm on the same virtual patients, compared against a reference arm.

Common random numbers: each arm is one :func:`ifnexus.model.simulate_cohort` call with the
design's seed, so patient ``i`` has the same drawn traits (radiosensitivity, clonogens, IFN
state, T-cell infiltration) and the same random numbers for failure in every arm; the ages,
sexes and background deaths come from a second stream of the same seed and are also shared.
Differences between arms are therefore the treatment's.

Statistics (all from maintained code: scipy's ``binomtest`` for the Wilson intervals and the
exact McNemar test, :mod:`ifnexus.outcome` for Kaplan-Meier and Aalen-Johansen cumulative
incidence; the one-covariate Cox fit is :mod:`ifnexus.trial._cox`, equal to lifelines' and
fast enough for the designer):

* local control at the endpoint time in the model's world without deaths (``net``), with a
  Wilson interval for sampling; per IFN state likewise;
* the paired difference against the reference arm (patients are paired by construction):
  exact McNemar test on the discordant pairs and a paired bootstrap interval (multinomial
  resampling of the four concordance cells, seeded);
* with background deaths from the life table as a competing event: Kaplan-Meier local control
  (deaths censored), cumulative incidence of local failure and of death, and the cause-specific
  Cox hazard ratio of local failure against the reference. The Cox interval treats the arms as
  independent samples; since they share patients it is conservative.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd

from ifnexus._runoptions import RunOptions
from ifnexus.errors import InputFormatError, ValidationError
from ifnexus.trial._design import DAYS_PER_YEAR, IFN_STATES, TrialDesign

__all__ = ["ifn_mix_parameters", "read_posterior", "run_trial"]

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_R = TypeVar("_R")

#: bootstrap resamples of the paired difference
N_BOOT = 4000
#: times (years) of the reported curves: every month
CURVE_STEP_YEARS = 1.0 / 12.0


#: model runs of arms kept by ``run_trial(..., reuse_arms=True)``
ARM_CACHE_SIZE = 16


class _ArmCache:
    """The last :data:`ARM_CACHE_SIZE` model patient tables, by arm and population (LRU)."""

    def __init__(self) -> None:
        self._d: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> pd.DataFrame | None:
        with self._lock:
            if key not in self._d:
                return None
            self._d.move_to_end(key)
            return self._d[key].copy()

    def put(self, key: tuple, value: pd.DataFrame) -> None:
        with self._lock:
            self._d[key] = value.copy()
            while len(self._d) > ARM_CACHE_SIZE:
                self._d.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()


_ARM_CACHE = _ArmCache()


def ifn_mix_parameters(
    mix: Mapping[str, float], params: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Model population parameters that give an IFN-state mix (and keep the other overrides).

    The model draws 9p21/IFN-cluster loss (``p_cluster``) and STING silencing
    (``p_sting_silenced``) independently, either making a tumour ``ifn-deficient``, and a
    chronic-IFN baseline (``p_chronic``) that makes a competent tumour ``chronic``. Both loss
    probabilities are scaled by one factor (keeping their ratio) so that
    ``1 - (1 - p_cluster)(1 - p_sting_silenced)`` equals the deficient fraction, and
    ``p_chronic = chronic / (1 - deficient)``.

    Parameters
    ----------
    mix
        Fractions of ``acute-competent``, ``chronic`` and ``ifn-deficient`` (summing to 1).
    params
        Other model parameter overrides (the loss probabilities are taken from them when set).

    Returns
    -------
    dict
        ``params`` with ``p_cluster``, ``p_sting_silenced`` and ``p_chronic`` set.
    """
    from ifnexus.model import parameters

    bad = [k for k in mix if k not in IFN_STATES]
    if bad:
        raise ValidationError(f"unknown IFN state {bad[0]!r}; accepted: {', '.join(IFN_STATES)}")
    vals = {k: float(mix.get(k, 0.0)) for k in IFN_STATES}
    if any(v < 0 or v > 1 for v in vals.values()) or abs(sum(vals.values()) - 1) > 1e-6:
        raise ValidationError(f"ifn_mix fractions must be in [0, 1] and sum to 1, got {vals}")
    p = parameters("patient", **dict(params or {}))
    a, b = p["p_cluster"], p["p_sting_silenced"]
    d, c = vals["ifn-deficient"], vals["chronic"]
    if a + b == 0:
        a_new, b_new = d, 0.0
    elif a * b == 0:
        a_new, b_new = (d, 0.0) if a > 0 else (0.0, d)
    else:
        s = ((a + b) - math.sqrt(max((a + b) ** 2 - 4 * a * b * d, 0.0))) / (2 * a * b)
        a_new, b_new = min(s * a, 1.0), min(s * b, 1.0)
    out = dict(params or {})
    out.update(p_cluster=a_new, p_sting_silenced=b_new,
               p_chronic=0.0 if d >= 1 else min(c / (1 - d), 1.0))  # fmt: skip
    return out


def _read_patient_table(path: str) -> pd.DataFrame:
    p = Path(path)
    sep = (
        "\t"
        if p.suffix.lower() in {".tsv", ".txt"} or p.name.endswith((".tsv.gz", ".txt.gz"))
        else ","
    )
    try:
        df = pd.read_csv(p, sep=sep)
    except FileNotFoundError:
        raise InputFormatError(f"[population] patient_table {p} does not exist") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFormatError(f"[population] patient_table {p}: cannot be read ({exc})") from None
    if "ifn_class" in df.columns:  # a tumour profile: its ifn_class holds the trial's states
        df = df.assign(ifn_state=df["ifn_class"].where(df["ifn_class"] != "undetermined"))
    if "ifn_state" not in df.columns:
        raise InputFormatError(
            f"[population] patient_table {p}: no 'ifn_state' column (the table of "
            f"'ifnexus tumour profile'); columns: {list(df.columns)}"
        )
    states = df["ifn_state"].dropna().astype(str)
    bad = sorted(set(states) - set(IFN_STATES))
    if bad:
        line = int(np.flatnonzero(df["ifn_state"].astype(str).isin(bad).to_numpy())[0]) + 2
        raise InputFormatError(
            f"[population] patient_table {p}, line {line}, column 'ifn_state': unknown state "
            f"{bad[0]!r}; accepted: {', '.join(IFN_STATES)} (or empty)"
        )
    if states.empty:
        raise InputFormatError(f"[population] patient_table {p}: no called ifn_state")
    return df


def read_posterior(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read posterior draws of model parameters: one row per draw, one column per parameter.

    Parameters
    ----------
    path
        A folder written by ``ifnexus fit growth`` (or its ``posterior_draws.csv``): read by
        :func:`ifnexus.fit.read_posterior`, which refuses a fit of another model version; the
        fit's fixed overrides are added to every draw. Otherwise a CSV (TSV for
        ``.tsv``/``.txt``): a tidy table (``walker``, ``step``, ``parameter``, ``value``) or a
        wide table with one column per parameter.

    Returns
    -------
    pandas.DataFrame
        One row per draw; the columns that name model parameters (others, such as ``omega_*``
        and ``sigma`` of a mixed-effects fit, are left out).

    Raises
    ------
    InputFormatError
        Unreadable file, no model parameter among the columns, non-numeric values.
    """
    from ifnexus.model import PARAMETERS

    p = Path(path)
    fit_dir = p if p.is_dir() else p.parent
    if (fit_dir / "diagnostics.json").is_file() and (p.is_dir() or p.name == "posterior_draws.csv"):
        # a fit folder: its reader checks the model stamp, and the fit's fixed overrides belong
        # to every draw (the draws hold the free parameters only)
        from ifnexus.fit import read_posterior as read_fit_posterior

        wide, info = read_fit_posterior(fit_dir)
        names = {q.name for q in PARAMETERS}
        fixed = {k: float(v) for k, v in (info.get("params") or {}).items() if k in names}
        free = [c for c in wide.columns if c in names]
        return wide[free].assign(**fixed).astype(float)
    sep = "\t" if p.suffix.lower() in {".tsv", ".txt"} else ","
    try:
        df = pd.read_csv(p, sep=sep)
    except FileNotFoundError:
        raise InputFormatError(f"[population] posterior {p} does not exist") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFormatError(f"[population] posterior {p}: cannot be read ({exc})") from None
    if {"parameter", "value"} <= set(df.columns):
        keys = [c for c in ("walker", "step", "draw") if c in df.columns]
        if not keys:
            raise InputFormatError(
                f"[population] posterior {p}: a tidy table (parameter, value) needs 'walker' and "
                f"'step' (or 'draw') columns to tell the draws apart"
            )
        df = df.pivot_table(index=keys, columns="parameter", values="value", aggfunc="first")
        df = df.reset_index(drop=True)
        df.columns.name = None
    names = {q.name for q in PARAMETERS}
    cols = [c for c in df.columns if c in names]
    if not cols:
        raise InputFormatError(
            f"[population] posterior {p}: no model parameter among the columns "
            f"{list(df.columns)[:8]}; expected names such as alpha, n0, tau_omega"
        )
    out = df[cols].apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(out.to_numpy(float))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise InputFormatError(
            f"[population] posterior {p}: draw {r + 1}, parameter '{cols[c]}' is not a finite number"
        )
    if out.empty:
        raise InputFormatError(f"[population] posterior {p}: no draws")
    return out.reset_index(drop=True)


def _population_draws(design: TrialDesign, table: pd.DataFrame | None, n: int, entropy: int):
    """Ages, sexes and death draws shared by every arm (a stream of its own from the seed)."""
    from scipy.stats import truncnorm

    pop = design.population
    gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence([entropy, 0x74726961])))
    u = gen.random((n, 3))
    ages = None
    if table is not None and "age" in table.columns:
        a = pd.to_numeric(table["age"], errors="coerce").to_numpy(float)
        a = a[np.isfinite(a) & (a >= 0) & (a < 120)]
        if a.size:
            ages = np.sort(a)[np.minimum((u[:, 0] * a.size).astype(int), a.size - 1)]
    if ages is None:
        if pop.age_sd == 0:
            ages = np.clip(np.full(n, pop.age_mean), pop.age_min, pop.age_max)
        else:
            lo = (pop.age_min - pop.age_mean) / pop.age_sd
            hi = (pop.age_max - pop.age_mean) / pop.age_sd
            ages = truncnorm.ppf(u[:, 0], lo, hi, loc=pop.age_mean, scale=pop.age_sd)
    male = u[:, 1] < pop.male_fraction
    return np.asarray(ages, float), male, u[:, 2]


def run_trial(
    design: TrialDesign,
    *,
    options: RunOptions | None = None,
    hazard_ratios: Literal["all", "overall", "none"] = "all",
    reuse_arms: bool = False,
) -> Any:
    """Simulate every arm of ``design`` on the same virtual patients and compare them.

    Parameters
    ----------
    design
        The trial (:func:`ifnexus.trial.read_design` or :func:`design_from_dict`).
    options
        How the model runs (threads, chunk size); results do not depend on it. With several
        workers, several arms run at once (:func:`simulate_arms`).
    hazard_ratios
        Which cause-specific Cox hazard ratios against the reference to fit: ``"all"``
        (overall and per IFN state), ``"overall"`` or ``"none"`` (each fit takes about a
        millisecond since :mod:`ifnexus.trial._cox`; the designer fits the overall one).
    reuse_arms
        Keep the model's run of each arm in memory (the last :data:`ARM_CACHE_SIZE`) and reuse
        it when the same arm (schedule, interventions) is run again on the same population,
        size, follow-up and seed: the designer, where editing one arm reruns only that arm.
        The numbers are those of a fresh run (the model is deterministic given the seed).

    Returns
    -------
    TrialResult
        Per-patient outcomes, per-arm and per-IFN-state local control, comparisons with the
        reference arm, curves, normal-tissue doses and (with a ``[power]`` table) the sample
        size.

    Raises
    ------
    ValidationError
        A design the model refuses (e.g. a schedule longer than the follow-up).
    InputFormatError
        An unreadable patient table or DVH.
    """
    from ifnexus._ifn_state import true_ifn_state
    from ifnexus._rng import seed_entropy
    from ifnexus.model import simulate_cohort
    from ifnexus.trial._lifetable import death_times
    from ifnexus.trial._result import TrialResult

    if hazard_ratios not in ("all", "overall", "none"):
        raise ValidationError(
            f"hazard_ratios must be 'all', 'overall' or 'none', got {hazard_ratios!r}"
        )
    pop = design.population
    table = _read_patient_table(pop.patient_table) if pop.patient_table else None
    if pop.posterior:
        read_posterior(pop.posterior)  # a bad file is an error before any simulation
    mix = pop.ifn_mix
    if table is not None:
        counts = table["ifn_state"].dropna().astype(str).value_counts()
        mix = {s: float(counts.get(s, 0)) / float(counts.sum()) for s in IFN_STATES}
    params = ifn_mix_parameters(mix, pop.params) if mix is not None else dict(pop.params)
    n = design.patients_per_arm
    days = design.followup_years * DAYS_PER_YEAR
    entropy = seed_entropy(design.seed)
    ages, male, u_death = _population_draws(design, table, n, entropy)
    death = death_times(ages, male, u_death)  # years from the first fraction
    t_end = design.endpoint.local_control_years
    keys = [(arm.schedule, tuple(arm.interventions), n, pop.setting, pop.disease, days, entropy,
             tuple(sorted((params or {}).items())), pop.margin) for arm in design.arms]  # fmt: skip
    runs = [_ARM_CACHE.get(k) if reuse_arms else None for k in keys]
    todo = [i for i, r in enumerate(runs) if r is None]

    def simulate(i: int, opts: RunOptions) -> pd.DataFrame:
        arm = design.arms[i]
        log.info("trial arm %r: %d patients", arm.name, n)
        return simulate_cohort(
            arm.schedule, n_patients=n, setting=pop.setting, disease=pop.disease,
            interventions=list(arm.interventions), days=days, rng=entropy,
            params=params or None, options=opts, margin=pop.margin,
        ).patients  # fmt: skip

    for i, p in zip(todo, simulate_arms(todo, simulate, options), strict=True):
        runs[i] = p
        if reuse_arms:
            _ARM_CACHE.put(keys[i], p)
    frames = []
    for arm, p in zip(design.arms, runs, strict=True):
        assert p is not None  # every arm was reused or run
        ttf = p["time_to_failure"].to_numpy(float) / DAYS_PER_YEAR
        fu = p["followup"].to_numpy(float) / DAYS_PER_YEAR
        end = np.full(n, design.followup_years)
        fail_seen = np.isfinite(ttf) & (ttf <= death) & (ttf <= end)
        death_seen = ~fail_seen & (death <= end)
        time = np.where(fail_seen, ttf, np.where(death_seen, death, end))
        ok = (
            ~p["numerical_failure"].to_numpy(bool) if "numerical_failure" in p else np.ones(n, bool)
        )
        frames.append(pd.DataFrame({
            "arm": arm.name, "patient": p["patient"].to_numpy(), "ifn_state": true_ifn_state(p),
            "ifn_label": p["ifn_label"].to_numpy(), "age": ages, "male": male,
            "eqd2_tumour": p["eqd2"].to_numpy(float),
            "time_to_failure": ttf, "time_to_death": death, "model_followup": fu,
            "time": np.maximum(time, 1e-9), "event": np.where(fail_seen, 1, np.where(death_seen, 2, 0)),
            "local_control_net": ~(np.isfinite(ttf) & (ttf <= t_end)),
            "numerical_failure": ~ok,
        }))  # fmt: skip
    patients = pd.concat(frames, ignore_index=True)
    draws = None
    if pop.posterior:
        draws = _posterior_runs(design, mix, entropy, days, options)
    result = TrialResult(design=design, patients=patients, model_params=params,
                         parameter_draws=draws, hazard_ratios=hazard_ratios)  # fmt: skip
    result.compute()
    return result


def simulate_arms(
    arms: Sequence[_T], simulate: Callable[[_T, RunOptions], _R], options: RunOptions | None
) -> list[_R]:
    """Run the model for each arm, several arms at once when ``options`` has several workers.

    Why not only the model's own parallelism: one arm of the designer (2,000 patients) is one
    chunk, whose compiled kernel runs on all cores but whose Python steps (drawing the patients,
    reading the outcomes, building the table) leave the other cores idle, and several chunks
    on worker threads each ran the kernel's threads too, twice the threads of the cores. Here
    the arms run in rounds of ``workers``: in a round of several arms each runs in a thread of
    its own with its share of the kernel's threads (``numba.set_num_threads`` applies to the
    calling thread only) and its chunks one after another; a round of one arm runs with
    ``options`` as given. The kernel releases the GIL, so the arms' kernels overlap each
    other's Python steps. The results do not depend on it (the model's guarantee: the same
    numbers whatever the threads and chunks). With a Dask scheduler, or one worker, the arms
    run one after another with ``options``.

    Parameters
    ----------
    arms
        What identifies each arm to ``simulate``.
    simulate
        ``simulate(arm, options)``: one arm's model run with the given run options.
    options
        How the model runs (:class:`ifnexus.RunOptions`; ``None``: one thread).

    Returns
    -------
    list
        ``simulate``'s result per arm, in the order of ``arms``.
    """
    from concurrent.futures import ThreadPoolExecutor

    from ifnexus._runoptions import as_run_options

    opts = as_run_options(options)
    workers = opts.workers
    if opts.scheduler is not None or workers <= 1 or len(arms) <= 1:
        return [simulate(a, opts) for a in arms]
    import numba

    out: list[_R] = []
    one_each = opts.with_(n_jobs=1)
    for start in range(0, len(arms), workers):
        group = list(arms[start : start + workers])
        if len(group) == 1:
            out.append(simulate(group[0], opts))
            continue
        share = max(1, numba.get_num_threads() // len(group))

        def task(a: _T, share: int = share) -> _R:
            numba.set_num_threads(share)  # this worker thread's kernel threads only
            return simulate(a, one_each)

        with ThreadPoolExecutor(max_workers=len(group)) as ex:
            out.extend(ex.map(task, group))
    return out


def _posterior_runs(design: TrialDesign, mix, entropy: int, days: float, options) -> pd.DataFrame:
    """Rerun every arm on the same patients for each of the chosen posterior draws."""
    from ifnexus.errors import IfnexusError
    from ifnexus.model import simulate_cohort

    pop = design.population
    post = read_posterior(pop.posterior)  # type: ignore[arg-type]
    gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence([entropy, 0x706F7374])))
    k = min(pop.posterior_draws, len(post))
    pick = np.sort(gen.choice(len(post), size=k, replace=False))
    t_end = design.endpoint.local_control_years
    rows = []
    for i in pick:
        draw = {c: float(v) for c, v in post.iloc[int(i)].items()}
        base = {**pop.params, **draw}
        try:
            pk = ifn_mix_parameters(mix, base) if mix is not None else base

            def simulate(arm: Any, opts: RunOptions, pk: dict = pk) -> pd.DataFrame:
                return simulate_cohort(
                    arm.schedule, n_patients=design.patients_per_arm, setting=pop.setting,
                    disease=pop.disease, interventions=list(arm.interventions), days=days,
                    rng=entropy, params=pk, options=opts, margin=pop.margin,
                ).patients  # fmt: skip

            runs = simulate_arms(design.arms, simulate, options)
            for arm, p in zip(design.arms, runs, strict=True):
                ok = ~p["numerical_failure"].to_numpy(bool)
                ttf = p["time_to_failure"].to_numpy(float) / DAYS_PER_YEAR
                lc = ~(np.isfinite(ttf) & (ttf <= t_end))
                rows.append({"draw": int(i) + 1, "arm": arm.name,
                             "local_control_net": float(lc[ok].mean()) if ok.any() else math.nan})  # fmt: skip
        except IfnexusError as exc:
            msg = exc.args[0] if exc.args else str(exc)
            raise type(exc)(
                f"[population] posterior {pop.posterior}, draw {int(i) + 1}: {msg}"
            ) from None
    out = pd.DataFrame(rows)
    ref = out[out["arm"] == design.reference].set_index("draw")["local_control_net"]
    out["difference"] = out["local_control_net"] - out["draw"].map(ref)
    return out


def paired_difference(
    arm: np.ndarray, ref: np.ndarray, *, rng: np.random.Generator, n_boot: int = N_BOOT
) -> dict[str, float]:
    """Paired difference of two binary outcomes on the same patients.

    Parameters
    ----------
    arm, ref
        Boolean outcomes (True = controlled) of the same patients under the arm and the
        reference.
    rng
        The bootstrap generator.
    n_boot
        Resamples.

    Returns
    -------
    dict
        ``difference`` (arm minus reference), ``ci_lower``/``ci_upper`` (2.5 and 97.5
        percentiles of the paired bootstrap), ``mcnemar_p`` (exact), ``n_arm_only`` and
        ``n_reference_only`` (the discordant pairs).
    """
    from scipy.stats import binomtest

    a = np.asarray(arm, bool)
    r = np.asarray(ref, bool)
    n = a.size
    if n == 0:
        return {"difference": math.nan, "ci_lower": math.nan, "ci_upper": math.nan,
                "mcnemar_p": math.nan, "n_arm_only": 0, "n_reference_only": 0}  # fmt: skip
    cells = np.array([(a & r).sum(), (a & ~r).sum(), (~a & r).sum(), (~a & ~r).sum()], float)
    draws = rng.multinomial(n, cells / n, size=n_boot)
    diffs = (draws[:, 1] - draws[:, 2]) / n
    b, c = int(cells[1]), int(cells[2])
    # exact McNemar: the discordant pairs are binomial(b + c, 1/2) under no difference
    p = 1.0 if b + c == 0 else float(binomtest(b, b + c, 0.5).pvalue)
    return {
        "difference": (b - c) / n, "ci_lower": float(np.quantile(diffs, 0.025)),
        "ci_upper": float(np.quantile(diffs, 0.975)), "mcnemar_p": p,
        "n_arm_only": b, "n_reference_only": c,
    }  # fmt: skip


def cox_hazard_ratio(df: pd.DataFrame) -> dict[str, float]:
    """Cause-specific Cox hazard ratio of local failure, experimental (1) vs reference (0).

    Parameters
    ----------
    df
        Columns ``time``, ``event`` (1 local failure, 2 death, 0 censored) and ``experimental``.

    Returns
    -------
    dict
        ``hr``, ``hr_lower``, ``hr_upper`` (95%), ``p_value``; NaN when the model cannot be fitted
        (e.g. no local failure in either arm).
    """
    from ifnexus.trial._cox import binary_cox

    # one binary covariate: our vectorised Efron fit (ifnexus.trial._cox), equal to lifelines'
    # CoxPHFitter to ~1e-7 and ~300 times faster (the designer's interactive path)
    fit = binary_cox(df["time"].to_numpy(float), (df["event"] == 1).to_numpy(float),
                     df["experimental"].to_numpy(float))  # fmt: skip
    if not math.isfinite(fit["hr"]) and (df["event"] == 1).any():
        log.warning("Cox model not fitted: the hazard ratio is infinite or did not converge")
    return {k: fit[k] for k in ("hr", "hr_lower", "hr_upper", "p_value")}
