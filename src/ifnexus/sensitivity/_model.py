"""Global sensitivity of the model's cohort outputs: local control, IFN AUC, time to failure.

Each sample point of the design is one virtual cohort (:func:`ifnexus.model.simulate_cohort`)
with the point's parameter values as overrides. The compiled kernel takes one value of each
model parameter per call (only the drawn tumour traits vary per tumour), so a point cannot be
folded into a bigger cohort; instead every point simulates the *same* ``n_patients`` tumours
(the same cohort seed: common random numbers), so differences between points come from the
parameters, not from drawing other tumours. The cohorts run in ``n_jobs`` threads (the kernel
releases the GIL). The cohort outputs:

* ``local-control``: the fraction of tumours without local failure ``at`` each time (days from
  the first fraction; every tumour is followed to the last time, so this is the Kaplan-Meier
  estimate);
* ``ifn-auc``: the mean IFN-I area over the 30 days from the first fraction (EC50 x days);
* ``time-to-failure``: the median time to local failure of the tumours that fail within
  follow-up (days); undefined (an error) at a point where none fails.

TCD50 is not offered: each point would need a dose grid of cohorts and a logistic fit.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ifnexus._rng import RngLike, seed_entropy
from ifnexus._runoptions import RunOptions, as_run_options
from ifnexus.errors import ConvergenceError, ValidationError
from ifnexus.sensitivity._indices import check_design, sensitivity_indices
from ifnexus.sensitivity._ranges import parameter_ranges
from ifnexus.sensitivity._result import SensitivityResult

__all__ = ["OUTPUTS", "model_sensitivity", "parse_times"]

log = logging.getLogger(__name__)

#: the cohort outputs a sensitivity analysis can take
OUTPUTS: tuple[str, ...] = ("local-control", "ifn-auc", "time-to-failure")
_YEAR = 365.25
_TIME = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([ymd]?)\s*$")


def parse_times(at: str | float | Sequence[str | float]) -> list[tuple[float, str]]:
    """Read times of local control: days, or ``2y`` (years of 365.25 days), ``18m`` (months), ``90d``.

    Parameters
    ----------
    at
        One time or several (a comma-separated string or a sequence).

    Returns
    -------
    list of (float, str)
        Each time in days from the first fraction, with its label (``"2y"``, ``"730d"``).

    Raises
    ------
    ValidationError
        A time that is not a positive number with an optional ``y``/``m``/``d`` unit, or the
        same time twice.
    """
    items = at.split(",") if isinstance(at, str) else [at] if isinstance(at, int | float) else at
    out: list[tuple[float, str]] = []
    for item in items:
        text = str(item).strip()
        m = _TIME.match(text)
        if not m or float(m.group(1)) <= 0:
            raise ValidationError(
                f"at {text!r}: cannot read the time; give days (730), years (2y), months (24m) "
                "or days with a unit (730d), > 0, comma-separated"
            )
        v, unit = float(m.group(1)), m.group(2) or "d"
        days = v * {"y": _YEAR, "m": _YEAR / 12.0, "d": 1.0}[unit]
        out.append((days, f"{v:g}{unit}"))
    if not out:
        raise ValidationError("at needs at least one time (e.g. 2y,5y)")
    labels = [lab for _, lab in out]
    if len(set(labels)) != len(labels) or len({d for d, _ in out}) != len(out):
        raise ValidationError(f"at gives a time twice ({', '.join(labels)})")
    return out


def _outcome(patients, output: str, times: list[tuple[float, str]]) -> list[float]:
    ok = patients[~patients["numerical_failure"].to_numpy(bool)]
    if output == "local-control":
        fail = ok["local_failure"].to_numpy(bool)
        ttf = ok["time_to_failure"].to_numpy(float)
        return [float(np.mean(~(fail & (ttf <= d)))) for d, _ in times]
    if output == "ifn-auc":
        return [float(np.mean(ok["ifn_auc_30d"]))]
    t = ok.loc[ok["local_failure"].to_numpy(bool), "time_to_failure"].to_numpy(float)
    return [float(np.median(t)) if t.size else float("nan")]


def model_sensitivity(
    schedule: str,
    *,
    output: str = "local-control",
    at: str | float | Sequence[str | float] = ("2y", "5y"),
    method: str = "sobol",
    vary: Sequence[str] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    factor: float = 2.0,
    samples: int | None = None,
    n_patients: int = 256,
    setting: str = "patient",
    disease: str = "gross",
    genotype: str | list[str] | None = None,
    host: str | None = None,
    interventions: Sequence[str] = (),
    days: float | None = None,
    params: Mapping[str, float] | None = None,
    rng: RngLike = 0,
    threshold: float = 0.1,
    conf_level: float = 0.95,
    options: RunOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SensitivityResult:
    """Sobol or Morris indices of a cohort output of the model over parameter ranges.

    Parameters
    ----------
    schedule
        Radiotherapy schedule (``"50Gy/25fx"``, ``"8Gy x3"``, ...).
    output
        ``"local-control"`` (at each time of ``at``), ``"ifn-auc"`` or ``"time-to-failure"``.
    at
        Local control only: times from the first fraction (``"2y"``, ``"18m"``, ``730``
        days); follow-up runs to the last.
    method
        ``"sobol"`` or ``"morris"``.
    vary
        Parameters to vary (default: the uncertain ones of the setting,
        :func:`uncertain_parameters`).
    ranges
        Ranges by name, ``(low, high)`` (otherwise documented, or ``factor`` around the value).
    factor
        The x/÷ factor of the log-uniform ranges where none is documented or given.
    samples
        Sobol base samples (a power of two, >= 16; default 64) or Morris trajectories (>= 4;
        default 10).
    n_patients
        Tumours per cohort (the same tumours at every sample point).
    setting, disease, genotype, host, interventions, days
        The cohort, as for :func:`ifnexus.model.simulate_cohort` (``days``: follow-up for
        ``ifn-auc`` and ``time-to-failure``; local control follows up to the last of ``at``).
    params
        Parameter overrides for every point (a ``--params`` file, as for
        :func:`ifnexus.model.simulate_cohort`): the fixed values of the
        parameters not varied and the centre of the factor ranges.
    rng
        Seed: the design, the bootstrap and the cohort's tumours (same seed, same table).
    threshold
        What "hinges on" means (``SensitivityResult.hinges_on``).
    conf_level
        Level of the bootstrap intervals.
    options
        Run options: ``n_jobs`` threads over the sample points.
    progress
        Called as ``progress(done, total)`` after each cohort.

    Returns
    -------
    SensitivityResult
        Outputs ``local_control_<time>`` (fraction), ``ifn_auc_30d`` (EC50 x days) or
        ``median_time_to_failure`` (days); ``context`` records the run.

    Raises
    ------
    UnknownNameError
        An unknown parameter name (with the closest names).
    ValidationError
        A bad option (the message names it), an empty range, too few samples, a sample point
        the model refuses (e.g. ``K`` not above ``n0``), or a time to failure undefined at some
        points (no tumour fails).
    ConvergenceError
        The model cannot be integrated at a sample point (the point is named).
    """
    from ifnexus.model import parameters, simulate_cohort
    from ifnexus.model._limits import check_patients
    from ifnexus.model._radiobiology import parse_schedule

    if output not in OUTPUTS:
        raise ValidationError(f"output {output!r} is unknown; accepted: {', '.join(OUTPUTS)}")
    n_patients = check_patients(n_patients)
    sched = parse_schedule(schedule)
    if params is not None and not isinstance(params, Mapping):
        raise ValidationError(
            "params takes parameter overrides (a mapping of name to value, as for "
            "simulate_cohort); the names of the parameters to vary go in vary="
        )
    base = dict(params or {})
    ivs = list(interventions or [])
    rngs = parameter_ranges(vary, setting=setting, disease=disease, factor=factor,
                            ranges=ranges, params=base, interventions=bool(ivs))  # fmt: skip
    if samples is None:
        samples = 64 if method == "sobol" else 10
    check_design(method, samples, len(rngs))
    if output == "local-control":
        times = parse_times(at)
        follow = max(d for d, _ in times)
        names = [f"local_control_{lab}" for _, lab in times]
    else:
        times = []
        follow = days  # type: ignore[assignment]
        names = ["ifn_auc_30d" if output == "ifn-auc" else "median_time_to_failure"]
    entropy = seed_entropy(rng)
    cohort_seed = np.random.SeedSequence(entropy).spawn(3)[2]
    cohort_entropy = seed_entropy(cohort_seed)
    opts = as_run_options(options)
    common: dict[str, Any] = {"n_patients": n_patients, "setting": setting, "disease": disease,
                              "genotype": genotype, "host": host, "interventions": ivs,
                              "days": follow, "rng": cohort_entropy}  # fmt: skip
    # one cohort at the base values first: checks the options (days, host, ...) before the run
    simulate_cohort(sched, **{**common, "n_patients": 1}, params=base)
    cols = [r.name for r in rngs]

    def evaluate(x: np.ndarray) -> np.ndarray:
        points = [{**base, **dict(zip(cols, map(float, row), strict=True))} for row in x]
        for i, pt in enumerate(points):  # every point checked before any cohort runs
            try:
                parameters(setting, **pt)
            except ValidationError as exc:
                raise ValidationError(f"sample point {i} of the ranges is refused: {exc}") from None
        done = [0]
        lock = threading.Lock()

        def one(i: int) -> list[float]:
            try:
                res = simulate_cohort(sched, **common, params=points[i],
                                      options=RunOptions(n_jobs=1))  # fmt: skip
            except ConvergenceError as exc:
                vals = ", ".join(f"{k}={points[i][k]:.4g}" for k in cols)
                raise ConvergenceError(f"sample point {i} ({vals}): {exc}") from None
            out = _outcome(res.patients, output, times)
            with lock:
                done[0] += 1
                if progress is not None:
                    progress(done[0], len(points))
            return out

        workers = min(opts.workers, len(points))
        if workers > 1:
            with ThreadPoolExecutor(max_workers=workers) as ex:
                y = list(ex.map(one, range(len(points))))
        else:
            y = [one(i) for i in range(len(points))]
        arr = np.asarray(y, dtype=float)
        if output == "time-to-failure" and np.isnan(arr).any():
            raise ValidationError(
                f"output time-to-failure (the median time to failure) is undefined at {int(np.isnan(arr).sum())} "
                f"of {len(arr)} sample points (no tumour fails within follow-up); use more "
                "--patients, a longer --days, narrower ranges or --output local-control"
            )
        return arr

    context = {
        "schedule": str(sched),
        "output": output,
        "at_days": [d for d, _ in times],
        "setting": setting,
        "disease": disease,
        "genotype": genotype
        if genotype is None or isinstance(genotype, str)
        else ",".join(genotype),
        "host": host,
        "interventions": [str(i) for i in ivs],
        "n_patients": n_patients,
        "days": follow,
        "cohort_seed": cohort_entropy,
        "factor": float(factor),
        "params": base,
        "cohorts": "one cohort per sample point, the same tumours at every point (common "
        "random numbers)",
    }
    return sensitivity_indices(evaluate, rngs, method=method, samples=samples, outputs=names,
                               rng=entropy, conf_level=conf_level, threshold=threshold,
                               context=context)  # fmt: skip
