"""Virtual cohorts: per-tumour parameters drawn from population distributions, simulated together.

Heterogeneity (parameters of group ``population`` in the table): radiosensitivity alpha
(log-normal, coefficient of variation ``alpha_cv``), alpha/beta (log-normal, geometric SD
``ab_gsd``, clipped to 0.5-30 Gy), clonogen number (log-normal, ``n0_sigma``), T-cell
infiltration ability ``tau`` (log-normal, ``tau_omega``, Kosinsky 2018), IFN competence (9p21
IFN-cluster loss with ``p_cluster``, STING silencing with ``p_sting_silenced``) and a chronic-IFN
baseline (probability ``p_chronic``, log-normal amplitude); and per patient the baseline
absolute lymphocyte count (log-normal, median ``alc0``, ``alc0_sigma``). A chosen genotype or
host applies to every tumour on top of the sampled traits.

Reproducibility: patient ``i`` draws its random numbers from block ``i // 1024`` of a
``SeedSequence(seed)`` tree, so a cohort gives identical results whatever the chunk size, the
number of threads, or whether chunks run on a Dask cluster (``scheduler=``).
"""

from __future__ import annotations

import functools
import logging
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from ifnexus._optional import dask_client
from ifnexus._rng import RngLike, seed_entropy
from ifnexus._runoptions import RunOptions
from ifnexus.errors import ConvergenceError, ValidationError
from ifnexus.model._limits import check_days, check_followup, check_patients, check_record
from ifnexus.model._outcomes import scan_outcomes, zm_tcp
from ifnexus.model._paramfile import ParameterSet
from ifnexus.model._params import parameters
from ifnexus.model._radiobiology import Schedule, parse_schedule
from ifnexus.model._solver import Drive, build_grid, grid_options, integrate
from ifnexus.model._system import IDX, STATE_NAMES, initial_state, signals
from ifnexus.model._trajectories import Trajectories
from ifnexus.model._variants import (
    Intervention,
    canonical_host,
    genotype_label,
    parse_genotype,
    parse_host,
    parse_interventions,
)
from ifnexus.scoring._chunks import run_options

__all__ = ["CohortResult", "TumourBatch", "simulate_cohort", "tumour_batch"]

log = logging.getLogger(__name__)
# the drawn traits of a tumour (kept for a tumour flagged numerical_failure; its outcomes are NaN)
_TRAITS = ("alpha", "beta", "alpha_beta", "n0", "infiltration", "growth_rate", "chronic_ifn", "bed",
           "eqd2", "alc_baseline")  # fmt: skip

BLOCK = 1024
_N_DRAWS = 10  # alpha, ab, n0, tau, cluster, sting, chronic, chronic amplitude, extinct, lineages
DEFAULT_DAYS = MappingProxyType({"mouse": 120.0, "patient": 1825.0})
"""Default follow-up in days from the first fraction, per setting (read-only)."""
DISEASES = ("gross", "postop", "preop")
"""Disease extents: gross (unresected), postop (resected, then RT), preop (RT, then resected)."""
RESECTED = ("postop", "preop")
MARGINS = ("R0", "R1")
"""Resection margins of resected disease (``margin=``; default sampled with ``p_r1``)."""
DEFAULT_CHUNK_SIZE = 8192
"""Tumours integrated together when the run options give no chunk size."""
LOCAL_CONTROL_GROUPS = ("ifn_competent", "ifn_label")
"""The subgroups of :meth:`CohortResult.local_control_table` by default (``simulate --out``)."""


@dataclass(frozen=True)
class _Config:
    schedule: Schedule
    setting: str
    disease: str
    p: dict
    genotype: dict
    genotype_label: str
    host: dict
    host_label: str
    interventions: tuple
    days: float
    heterogeneity: bool
    record: int
    entropy: int
    margin: str | None = None


def _draws(entropy: int, start: int, stop: int) -> np.ndarray:
    """Uniform draws ``(stop - start, _N_DRAWS)`` of patients ``start..stop-1``."""
    return _stream_draws(entropy, start, stop, (), _N_DRAWS)


def _stream_draws(
    entropy: int, start: int, stop: int, key: tuple[int, ...], width: int | None
) -> np.ndarray:
    """Uniform draws of patients ``start..stop-1`` from stream ``key`` of each block.

    Block ``b`` of ``BLOCK`` patients draws from ``SeedSequence(entropy, spawn_key=(b, *key))``,
    so a patient's draws do not depend on chunking, and a stream added later leaves the draws
    (and the cohorts) of the earlier streams as they were. ``width`` None: one draw per patient.
    """
    b0, b1 = start // BLOCK, -(-stop // BLOCK)
    shape = BLOCK if width is None else (BLOCK, width)
    parts = [
        np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(b, *key)))
        ).random(shape)
        for b in range(b0, b1)
    ]
    u = np.concatenate(parts)
    off = start - b0 * BLOCK
    return u[off : off + (stop - start)]


def _extra_draws(entropy: int, start: int, stop: int) -> np.ndarray:
    """Uniform draws ``(stop - start, 3)``: growth rate, resection margin, residual disease.

    Stream ``(b, 1)``: the draws of :func:`_draws` (and the cohorts they give) are those of
    earlier versions.
    """
    return _stream_draws(entropy, start, stop, (1,), 3)


def _alc_draws(entropy: int, start: int, stop: int) -> np.ndarray:
    """Uniform draws ``(stop - start,)``: the baseline absolute lymphocyte count (stream ``(b, 2)``)."""
    return _stream_draws(entropy, start, stop, (2,), None)


def _preop_draws(entropy: int, start: int, stop: int) -> np.ndarray:
    """Uniform draws ``(stop - start,)``: the residual deposit's size of pre-operative disease.

    Stream ``(b, 3)``, drawn only for ``disease="preop"``, so a pre-operative cohort shares every
    other draw (traits, margins, residual disease, baseline lymphocyte count) with the
    post-operative cohort of the same seed.
    """
    return _stream_draws(entropy, start, stop, (3,), None)


def _patients(cfg: _Config, u: np.ndarray, start: int = 0) -> dict:
    p = cfg.p
    n = u.shape[0]
    v = _extra_draws(cfg.entropy, start, start + n)
    if cfg.heterogeneity:
        z = ndtri(np.clip(u[:, :4], 1e-12, 1 - 1e-12))
        zc = ndtri(np.clip(u[:, 7], 1e-12, 1 - 1e-12))
        bern = u[:, 4:7]
    else:
        z = np.zeros((n, 4))
        zc = np.zeros(n)
        bern = np.ones((n, 3))
    sig_a = np.sqrt(np.log1p(p["alpha_cv"] ** 2))
    alpha = p["alpha"] * np.exp(sig_a * z[:, 0])
    ab = np.clip(p["alpha_beta"] * p["ab_gsd"] ** z[:, 1], 0.5, 30.0)
    n0_med = p["n0_postop"] if cfg.disease == "postop" else p["n0"]
    n0 = n0_med * np.exp(p["n0_sigma"] * z[:, 2])
    tau = np.exp(p["tau_omega"] * z[:, 3])
    z_r = ndtri(np.clip(v[:, 0], 1e-12, 1 - 1e-12)) if cfg.heterogeneity else np.zeros(n)
    r_g = p["r"] * np.exp(p["r_sigma"] * z_r)
    # baseline absolute lymphocyte count (1e9/L): log-normal, median alc0, SD of log alc0_sigma
    if cfg.heterogeneity and p["alc0_sigma"] > 0:
        z_l = ndtri(np.clip(_alc_draws(cfg.entropy, start, start + n), 1e-12, 1 - 1e-12))
        alc_base = p["alc0"] * np.exp(p["alc0_sigma"] * z_l)
    else:
        alc_base = np.full(n, float(p["alc0"]))
    # surgery (post- or pre-operative disease): margin R1 with p_r1 (or as given), and residual
    # clonogens with p_residual_r0 / p_residual_r1; the others have none and are controlled
    if cfg.disease in RESECTED:
        r1 = v[:, 1] < p["p_r1"] if cfg.margin is None else np.full(n, cfg.margin == "R1")
        residual = v[:, 2] < np.where(r1, p["p_residual_r1"], p["p_residual_r0"])
        margin = np.where(r1, "R1", "R0")
    else:
        residual = np.ones(n, dtype=bool)
        margin = np.full(n, "not resected")
    cluster_loss = bern[:, 0] < p["p_cluster"]
    sting_sil = bern[:, 1] < p["p_sting_silenced"]
    chronic_base = bern[:, 2] < p["p_chronic"]
    g = cfg.genotype
    q = {
        "alpha": alpha,
        "beta": alpha / ab,
        "alpha_beta": ab,
        "n0": n0,
        "tau": tau,
        "t_cgas": np.full(n, g["t_cgas"]),
        "t_sting": np.where(sting_sil, 0.0, g["t_sting"]),
        "t_irf3": np.full(n, g["t_irf3"]),
        "t_cluster": np.where(cluster_loss, 0.0, g["t_cluster"]),
        "t_ifnar": np.full(n, g["t_ifnar"]),
        "t_stat1": np.full(n, g["t_stat1"]),
        "chronic": np.maximum(g["chronic"], chronic_base.astype(float))
        * np.exp(p["chronic_sigma"] * zc),
        "h_T": cfg.host["h_T"],
        "h_ifnar": cfg.host["h_ifnar"],
        "h_sting": cfg.host["h_sting"],
        "r_g": r_g,
        "_cluster_loss": cluster_loss | (g["t_cluster"] == 0),
        "_sting_silenced": sting_sil,
        "_margin": margin,
        "_residual": residual,
        "_alc0": alc_base,
    }
    if cfg.disease == "preop":
        # the resection after the course keeps rho = N0postop / N0 of the tumour: the residual
        # deposit surgery alone would leave (median n0_postop, log-normal n0_sigma, its own
        # draw) over the gross tumour's clonogens at diagnosis; none where no residual is left
        zp = ndtri(np.clip(_preop_draws(cfg.entropy, start, start + n), 1e-12, 1 - 1e-12))
        n0_res = p["n0_postop"] * np.exp(p["n0_sigma"] * (zp if cfg.heterogeneity else 0.0))
        q["_rho"] = np.where(residual, np.minimum(n0_res / n0, 1.0), 0.0)
    return q


def _probe_times(t0: float, t_first: float, t_last: float, t_end: float) -> tuple[float, ...]:
    """Return a cohort's probe nodes: its readout times strictly inside ``(t0, t_end)``."""
    probes = (t_first, t_first + 7.0, t_first + 30.0, t_first + 91.0, t_last + 28.0)
    return tuple(sorted({t for t in probes if t0 < t < t_end}))


@dataclass(frozen=True)
class TumourBatch:
    """The first ``n`` tumours of a cohort, ready to integrate.

    What :func:`simulate_cohort` integrates for them with the same seed (traits, drive, time
    span, probe nodes).

    Attributes
    ----------
    schedule
        The parsed schedule.
    disease
        ``"gross"`` or ``"postop"``.
    p
        Every model parameter by name.
    drive
        The interventions' drive.
    traits
        Per-tumour traits (``initial_state``'s and ``integrate``'s ``q``; keys starting with
        ``_`` are labels: margin, residual disease, cluster loss, STING silencing).
    t0, t_end
        Start and end of the integration (simulation clock).
    probes
        Probe nodes of the solver grid.
    """

    schedule: Schedule
    disease: str
    p: dict
    drive: Drive
    traits: dict
    t0: float
    t_end: float
    probes: tuple[float, ...]


def tumour_batch(
    schedule: str | Schedule,
    n: int,
    *,
    rng: RngLike,
    params: dict[str, float] | None = None,
    setting: str = "patient",
    disease: str = "gross",
    genotype: str | list[str] | None = None,
    interventions: Sequence[str] = (),
    days: float | None = None,
    margin: str | None = None,
) -> TumourBatch:
    """Return the first ``n`` tumours of ``simulate_cohort(schedule, rng=rng, ...)`` unintegrated.

    The same seeded draws, trait transforms, drive, time span and probe nodes as the cohort
    (immunocompetent host, heterogeneity on), so that a caller integrating them on the same
    grid gets the cohort's tumours: ``ifnexus.fit`` evaluates its likelihood on such a batch
    at many parameter values (common random numbers).

    Parameters
    ----------
    schedule
        Schedule string or :class:`Schedule`.
    n
        Tumours.
    rng
        Seed of the cohort.
    params
        Parameter overrides of the setting (or every parameter).
    setting, disease, genotype, interventions, days, margin
        As :func:`simulate_cohort`.

    Returns
    -------
    TumourBatch
        The tumours.

    Raises
    ------
    ValidationError
        As :func:`simulate_cohort` for bad settings or parameter values.
    """
    if disease == "preop":
        raise ValidationError(
            "tumour_batch does not carry the resection of disease='preop'; use simulate_cohort"
        )
    cfg = _config(schedule, setting, disease, genotype, None, list(interventions), days, True, 0,
                  rng, params, margin)  # fmt: skip
    q = _patients(cfg, _draws(cfg.entropy, 0, n), 0)
    sched = cfg.schedule
    drive = Drive(cfg.interventions, cfg.p, first_fraction=sched.first_day)
    t0 = min([sched.first_day, *drive.breakpoints()])
    t_end = sched.first_day + cfg.days
    return TumourBatch(sched, cfg.disease, cfg.p, drive, q, t0, t_end,
                       _probe_times(t0, sched.first_day, sched.last_day, t_end))  # fmt: skip


def _state_at(sol, z0, t0, t_end, time):
    if time <= t0:
        return z0
    if time in sol.probes:
        return sol.probes[time]
    return sol.z_end  # time >= t_end


def _run_chunk(cfg: _Config, start: int, stop: int) -> tuple[pd.DataFrame, Trajectories | None]:
    """Simulate patients ``start..stop-1``; return the per-patient table and time courses."""
    p = cfg.p
    sched = cfg.schedule
    n = stop - start
    u = _draws(cfg.entropy, start, stop)
    q = _patients(cfg, u, start)
    t_first, t_last = sched.first_day, sched.last_day
    # time zero: the tumour is held at its sampled size until the first fraction, however
    # early an intervention starts (Drive.growth)
    drive = Drive(cfg.interventions, p, first_fraction=t_first)
    t0 = min([t_first, *drive.breakpoints()])
    t_end = t_first + cfg.days
    probes = _probe_times(t0, t_first, t_last, t_end)
    keep = np.arange(n)[start + np.arange(n) < cfg.record]
    z0 = initial_state(p, q, n)
    # pre-operative radiotherapy: the resection t_surgery days after the last fraction
    t_res = t_last + p["t_surgery"] if cfg.disease == "preop" else None
    rho = q.get("_rho")
    grid = build_grid(sched, drive, t0, t_end, probes=probes, resection=t_res,
                      **grid_options(cfg.setting))  # fmt: skip
    sol = integrate(
        z0,
        p,
        q,
        sched,
        drive,
        t0,
        t_end,
        record_rows=(IDX["N"], -1),
        keep=keep if keep.size else None,
        probes=probes,
        grid=grid,
        check_finite=False,
        resection=rho,
    )
    # a tumour whose integration is not finite is flagged (numerical_failure) and left out of
    # the summary; it never aborts the cohort (all of them failing is an error of parameters)
    bad = ~np.isfinite(sol.z_end).all(axis=0)
    if sol.rec is not None:
        bad |= ~np.isfinite(sol.rec).all(axis=(1, 2))
    if bad.all():
        raise ConvergenceError(_convergence_message(cfg))
    if bad.any():
        log.warning("%d tumour(s) gave non-finite values and are flagged numerical_failure",
                    int(bad.sum()))  # fmt: skip
        sol.z_end[:, bad] = np.nan_to_num(sol.z_end[:, bad], nan=0.0, posinf=0.0, neginf=0.0)
        if sol.rec is not None:
            sol.rec[bad] = np.nan_to_num(sol.rec[bad], nan=0.0, posinf=0.0, neginf=0.0)
    # unirradiated twin to day 7 (CD8+ fold change)
    t7 = t_first + 7.0
    cd8_fold = np.full(n, np.nan)
    if t7 <= t_end and cfg.host["h_T"] > 0:
        none = Schedule(np.zeros(0), np.zeros(0), label="none")
        # the twin is resected too when the resection comes before day 7
        tr7 = t_res if t_res is not None and t_res < t7 else None
        twin = integrate(
            z0,
            p,
            q,
            none,
            drive,
            t0,
            t7,
            grid=build_grid(
                none, drive, t0, t7, probes=(), resection=tr7, **grid_options(cfg.setting)
            ),  # fmt: skip
            resection=rho if tr7 is not None else None,
            check_finite=False,  # a twin that overflows gives NaN for its tumour, as above
        )
        z7 = _state_at(sol, z0, t0, t_end, t7)
        cd8 = z7[IDX["cd8_bystander"]] + z7[IDX["cd8_effector"]]
        cd8_t = twin.z_end[IDX["cd8_bystander"]] + twin.z_end[IDX["cd8_effector"]]
        with np.errstate(divide="ignore", invalid="ignore"):
            cd8_fold = cd8 / cd8_t
    z_end = sol.z_end
    tcp = zm_tcp(z_end[IDX["N"]], z_end[IDX["zm_lambda"]], q["n0"])
    if cfg.disease in RESECTED:
        ln_thr = np.full(n, np.log(p["n_detect"]))
    else:
        ln_thr = np.log(p["fail_ratio"] * q["n0"])
    # failures are searched after the bottleneck from the last fraction on, or, before surgery
    # (pre-operative RT), from the resection on: the gross tumour before it is not a failure
    t_after = t_last if t_res is None else t_res
    zb = _state_at(sol, z0, t0, t_end, t_first)
    z4 = _state_at(sol, z0, t0, t_end, min(t_last + 28.0, t_end))
    # the pre-treatment level: the steady state before any intervention or fraction (read at
    # the first fraction it would include an agonist given that day, or one given weeks before)
    ifn_b = signals(z0, p, q)["ifn"]
    ifn_4 = _ifn(z4, p, q, drive, min(t_last + 28.0, t_end))
    if t_last + 28.0 > t_end:  # the 4-week read is beyond the follow-up: not known (label unknown)
        ifn_4 = np.full(n, np.nan)
    # one compiled pass over each patient's node series (rec: (n, n_t, [ln N, IFN-I]))
    # record_rows was given, so sol.rec is set
    out = scan_outcomes(sol.t, sol.rec, tcp, ln_thr, u[:, 8], u[:, 9], t_after, ifn_b, ifn_4,  # type: ignore[arg-type]
                        p["ifn_acute_min"], p["ifn_chronic_min"], t_min_from=t_first)  # fmt: skip
    failed, ttf = out.pop("failed"), out.pop("time_to_failure")
    extinct, ln_n_min = out.pop("extinct"), out.pop("ln_n_min")
    # no residual clonogens after surgery: nothing to regrow (post-operative: simulated as a
    # residual deposit for the tumour-bed signalling; pre-operative: the clonogens are set to
    # none at the resection; their clonogen outcomes are replaced here)
    clear = ~q["_residual"]
    if clear.any():
        tcp = np.where(clear, 1.0, tcp)
        extinct = extinct | clear
        failed = failed & ~clear
        ttf = np.where(clear, np.nan, ttf)
        ln_n_min = np.where(clear, -np.inf, ln_n_min)
    ifn = out
    z30 = _state_at(sol, z0, t0, t_end, min(t_first + 30.0, t_end))
    auc = z30[IDX["ifn_auc"]] - zb[IDX["ifn_auc"]]
    # absolute lymphocyte count (1e9/L) 1 and 3 months after the first fraction (NaN beyond
    # the follow-up)
    alc = {}
    for key, dt in (("alc_1mo", 30.0), ("alc_3mo", 91.0)):
        known = t_first + dt <= t_end
        z_at = _state_at(sol, z0, t0, t_end, min(t_first + dt, t_end))
        alc[key] = np.where(known, q["_alc0"] * z_at[IDX["alc"]], np.nan)
    # nullable boolean: NA where the count at 1 month is not known (not evaluable, never severe)
    severe = pd.arrays.BooleanArray(alc["alc_1mo"] < p["alc_severe"], np.isnan(alc["alc_1mo"]))
    # model counterparts of `sc profile` read-outs, 7 days after the first fraction (NaN beyond
    # the follow-up): intratumoural Tregs relative to before treatment, and the M1-like share
    # of macrophages (sc: macrophage_m1like / (macrophage_m1like + macrophage_m2like))
    known7 = t_first + 7.0 <= t_end
    z7s = _state_at(sol, z0, t0, t_end, min(t_first + 7.0, t_end))
    immune = {
        "treg_day7": np.where(known7 & (cfg.host["h_T"] > 0), z7s[IDX["treg"]], np.nan),
        "m1_fraction_day7": np.where(known7, z7s[IDX["m1"]], np.nan),
    }
    # the second, unirradiated lesion (second_lesion=): its clonogens 30 days after the first
    # fraction over those at the first fraction; a response is regression (ratio below 1)
    if p["second_lesion"] > 0 and t_first + 30.0 <= t_end:
        z30s = _state_at(sol, z0, t0, t_end, t_first + 30.0)
        ratio2 = np.exp(z30s[IDX["lesion2"]] - zb[IDX["lesion2"]])
        second = {
            "second_lesion_ratio_30d": ratio2,
            "abscopal_response": pd.arrays.BooleanArray(ratio2 < 1.0, ~np.isfinite(ratio2)),
        }
    else:
        second = {
            "second_lesion_ratio_30d": np.full(n, np.nan),
            "abscopal_response": pd.arrays.BooleanArray(np.zeros(n, bool), np.ones(n, bool)),
        }
    ab = q["alpha_beta"]
    table = pd.DataFrame(
        {
            "patient": np.arange(start, stop),
            "setting": cfg.setting,
            "disease": cfg.disease,
            "genotype": cfg.genotype_label,
            "host": cfg.host_label,
            "alpha": q["alpha"],
            "beta": q["beta"],
            "alpha_beta": ab,
            "n0": q["n0"],
            "infiltration": q["tau"],
            "growth_rate": q["r_g"],
            "margin": q["_margin"],
            "residual_disease": q["_residual"],
            "ifn_cluster_loss": q["_cluster_loss"],
            "sting_silenced": q["_sting_silenced"],
            "chronic_ifn": q["chronic"],
            "ifn_competent": (q["t_sting"] * q["t_cluster"] * q["t_irf3"] * q["t_cgas"]) > 0,
            "bed": sched.bed(ab, repair_half_time=p["T_rep"]) if sched.doses.size else np.zeros(n),
            "eqd2": sched.eqd2(ab, repair_half_time=p["T_rep"])
            if sched.doses.size
            else np.zeros(n),
            "tcp": tcp,
            "extinct": extinct,
            "local_failure": failed,
            "time_to_failure": ttf - t_first,
            "followup": np.where(failed, ttf - t_first, cfg.days),
            "local_control": ~failed,
            **ifn,
            "ifn_auc_30d": auc,
            "cd8_fold_change_day7": cd8_fold,
            **immune,
            **second,
            "alc_baseline": q["_alc0"],
            **alc,
            "severe_lymphopenia_1mo": severe,
            "log10_clonogens_min": ln_n_min / np.log(10.0),
            "clonogens_end": np.where(clear, 0.0, np.exp(z_end[IDX["N"]])),
            "burden_end": np.where(clear, 0.0, np.exp(z_end[IDX["N"]]) + z_end[1:5].sum(axis=0)),
            "irds_end": z_end[IDX["irds"]],
        }
    )
    table["ifn_t_peak"] -= t_first
    table["numerical_failure"] = bad
    if bad.any():
        num = [c for c in table.select_dtypes("float").columns if c not in _TRAITS]
        table.loc[bad, num] = np.nan
        table.loc[bad, "severe_lymphopenia_1mo"] = pd.NA
        table.loc[bad, ["extinct", "local_failure", "local_control"]] = False
        table.loc[bad, "ifn_label"] = "unknown"
    tc = None
    if keep.size:
        tc = _timecourses(sol, keep + start, p, q, keep, drive, t_first)
    return table, tc


def check_disease(disease: str) -> str:
    """Return ``disease`` if it is one of :data:`DISEASES`; else a clear error."""
    if disease not in DISEASES:
        raise ValidationError(
            f"unknown disease extent {disease!r}; accepted: {', '.join(DISEASES)}"
        )
    return disease


def check_margin(margin: str) -> str:
    """Return the resection ``margin`` normalised (``'r1'`` -> ``'R1'``); a clear error if unknown."""
    m = str(margin).strip().upper()
    if m not in MARGINS:
        raise ValidationError(
            f"unknown resection margin {m!r}; accepted: {', '.join(MARGINS)} (or none to sample it)"
        )
    return m


def _convergence_message(cfg: _Config) -> str:
    """Return the error of a chunk none of whose tumours integrated, naming changed parameters."""
    base = parameters(cfg.setting)
    changed = [f"{k!r} = {v:g}" for k, v in cfg.p.items() if k in base and v != base[k]]
    what = (
        f"the parameters changed from the {cfg.setting} values are {', '.join(changed)}"
        if changed
        else f"no parameter was changed (schedule {cfg.schedule}, interventions "
        f"{', '.join(map(str, cfg.interventions)) or 'none'})"
    )
    return (
        "the model integration produced non-finite values for every tumour; check "
        f"parameters: {what}"
    )


def _ifn(z, p, q, drive, t) -> np.ndarray:
    lev = {k: v[0] for k, v in drive.node_levels(np.array([t])).items()}
    blk, jak, amp = drive.window_factors(t)
    return signals(z, p, q, block=blk, jak=jak, amp=amp, ifnb=drive.ifnb_level(t), **lev)["ifn"]


def _window_levels(drive, t) -> tuple[dict[str, np.ndarray], tuple[np.ndarray, ...]]:
    """Dosed levels (:meth:`Drive.node_levels`), window factors and IFN-beta dose at nodes ``t``."""
    wins = np.array([drive.window_factors(tt) for tt in t]).reshape(len(t), 3)
    ifnb = np.array([drive.ifnb_level(tt) for tt in t], dtype=float)
    return drive.node_levels(t), (wins[:, 0], wins[:, 1], wins[:, 2], ifnb)


def _timecourses(sol, patient_ids, p, q, keep, drive, t_first) -> Trajectories:
    """Return the recorded patients' states and observables on the solver's grid, as arrays.

    The observables are computed for all recorded patients at once (``signals`` is
    elementwise: node quantities broadcast along the patient axis), which gives the numbers of
    a per-patient computation.
    """
    full = sol.full  # (n_t, n_states, n_keep)
    t = sol.t
    n_t, n_keep = t.size, len(patient_ids)
    qk = {k: (v[keep] if isinstance(v, np.ndarray) and v.ndim else v) for k, v in q.items()}
    z = np.moveaxis(full, 1, 0)  # (n_states, n_t, n_keep)
    lev, wins = _window_levels(drive, t)
    blk, jak, amp, ifnb = (x[:, None] for x in wins)
    sg = signals(z, p, qk, block=blk, jak=jak, amp=amp, in_vitro=False, ifnb=ifnb,
                 **{k: v[:, None] for k, v in lev.items()})  # fmt: skip
    vals = {name: z[i] for i, name in enumerate(STATE_NAMES)}
    vals["N"] = np.exp(z[0])
    vals["lesion2"] = np.exp(z[IDX["lesion2"]])
    for name in ("sting", "ifn", "acute", "kill"):
        vals[name] = sg[name]
    vals["burden"] = sg["B"]
    vals["cd8"] = z[IDX["cd8_bystander"]] + z[IDX["cd8_effector"]]
    names = list(vals)
    cube = np.stack([np.broadcast_to(vals[k], (n_t, n_keep)) for k in names])  # (names, t, keep)
    return Trajectories(np.asarray(patient_ids), t - t_first, tuple(names),
                        np.ascontiguousarray(np.transpose(cube, (2, 0, 1))))  # fmt: skip


class _Summary(pd.DataFrame):
    """A summary table that, called as the old ``summary()`` method, returns the old dict."""

    _metadata = ["_legacy"]

    @property
    def _constructor(self):  # derived frames are plain DataFrames
        return pd.DataFrame

    def __call__(self) -> dict[str, Any]:
        warnings.warn(
            "summary is now a table (a property, lifelines-style); summary() returning the JSON "
            "dict is deprecated and will be removed in 0.3: use to_dict()",
            FutureWarning,
            stacklevel=2,
        )
        return dict(self._legacy)


@dataclass
class CohortResult:
    """Result of :func:`simulate_cohort`.

    Attributes
    ----------
    patients
        One row per tumour; columns are listed in :func:`simulate_cohort`.
    timecourses
        Long table ``patient, time, state, value`` for the recorded tumours (``record``), at the
        solver's grid times (after the jump at a fraction time). ``state`` covers every model
        state (``N`` as cells) plus ``burden``, ``acute`` (pSTAT1/ISGF3) and ``cd8``. Built
        from ``trajectories`` when first read.
    trajectories
        The same recorded time courses as arrays (:class:`~ifnexus.model._trajectories.
        Trajectories`: ``patients``, ``times``, ``states`` and ``values[patient, state,
        time]``; ``state(name)`` gives one state of every recorded tumour).
    schedule
        The radiotherapy :class:`Schedule` simulated.
    setting, disease
        ``"patient"`` or ``"mouse"``; ``"gross"``, ``"postop"`` or ``"preop"``.
    seed
        The integer seed entropy the cohort was drawn from (reproduces it).
    days
        Follow-up in days from the first fraction.
    params
        The parameter values used (setting values with overrides).
    """

    patients: pd.DataFrame
    trajectories: Trajectories
    schedule: Schedule
    setting: str
    disease: str
    seed: int
    days: float
    params: dict = field(repr=False, default_factory=dict)

    @property
    def _flagged(self) -> np.ndarray:
        """Per row of :attr:`patients`: flagged ``numerical_failure`` (left out of the measures)."""
        df = self.patients
        if "numerical_failure" not in df:
            return np.zeros(len(df), dtype=bool)
        return df["numerical_failure"].to_numpy(dtype=bool)

    @functools.cached_property
    def timecourses(self) -> pd.DataFrame:
        """Long table ``patient, time, state, value`` of the recorded tumours (see the class)."""
        return self.trajectories.to_frame()

    def to_dict(self) -> dict[str, Any]:
        """Cohort summary as a JSON-ready dict (the ``ifnexus simulate --json`` object).

        Returns
        -------
        dict
            ``schedule``, ``setting``, ``disease``, ``alpha_beta``, ``bed``, ``eqd2``,
            ``n_patients``, ``days``, ``seed``, ``local_control``, ``tcp_mean``, ``ifn_auc_30d``,
            ``ifn_labels`` (counts of acute / chronic / none / unknown), ``cd8_fold_change_day7`` and
            ``median_time_to_failure`` (days; None without failures), ``n_numerical_failure``
            (tumours whose integration was not finite: flagged in ``patients`` and left out of
            the other measures).
        """
        flagged = self._flagged
        n_flagged = int(flagged.sum())
        df = self.patients.loc[~flagged] if n_flagged else self.patients
        ab = self.params.get("alpha_beta", 10.0)
        fold = df["cd8_fold_change_day7"]
        labels = df["ifn_label"].value_counts()
        rep = self.params.get("T_rep")  # incomplete repair between close fractions
        return {
            "schedule": str(self.schedule),
            "setting": self.setting,
            "disease": self.disease,
            "alpha_beta": ab,
            "bed": float(self.schedule.bed(ab, repair_half_time=rep))
            if self.schedule.doses.size
            else 0.0,
            "eqd2": float(self.schedule.eqd2(ab, repair_half_time=rep))
            if self.schedule.doses.size
            else 0.0,
            "n_patients": int(len(df)) + n_flagged,
            "n_numerical_failure": n_flagged,
            "days": self.days,
            "seed": self.seed,
            "local_control": float(df["local_control"].mean()),
            "tcp_mean": float(df["tcp"].mean()),
            "ifn_auc_30d": float(df["ifn_auc_30d"].mean()),
            "ifn_labels": {
                k: int(labels.get(k, 0)) for k in ("acute", "chronic", "none", "unknown")
            },
            "cd8_fold_change_day7": None if fold.isna().all() else float(fold.mean()),
            "median_time_to_failure": None
            if not df["local_failure"].any()
            else float(df.loc[df["local_failure"], "time_to_failure"].median()),
        }

    @property
    def summary(self) -> pd.DataFrame:
        """The cohort's headline numbers as a tidy table (lifelines-style ``summary``).

        Returns
        -------
        pandas.DataFrame
            Index ``measure``; columns ``value`` (float) and ``unit``. Measures: ``n_patients``,
            ``n_numerical_failure`` (tumours flagged, left out of the other measures),
            ``bed`` and ``eqd2`` (Gy, at the setting's alpha/beta), ``local_control`` (fraction
            of tumours without local failure within ``days`` of follow-up), ``tcp_mean``
            (mean Zaider-Minerbo TCP at the end of follow-up), ``ifn_auc_30d`` (EC50 x days),
            ``ifn_acute`` / ``ifn_chronic`` / ``ifn_none`` (fraction of tumours with that IFN
            label), ``cd8_fold_change_day7`` (mean; NaN without T cells) and
            ``median_time_to_failure`` (days; NaN without failures). ``.attrs`` holds
            ``schedule``, ``setting``, ``disease``, ``days`` and ``seed``.

        Notes
        -----
        Until 0.2 ``summary`` was a method returning the JSON dict; calling it
        (``result.summary()``) still returns that dict, with a ``FutureWarning``: use
        :meth:`to_dict`.
        """
        d = self.to_dict()
        n = d["n_patients"]
        n_ok = max(n - d["n_numerical_failure"], 1)
        rows = [
            ("n_patients", float(n), "tumours"),
            ("n_numerical_failure", float(d["n_numerical_failure"]), "tumours"),
            ("bed", d["bed"], "Gy"),
            ("eqd2", d["eqd2"], "Gy"),
            ("local_control", d["local_control"], "fraction"),
            ("tcp_mean", d["tcp_mean"], "probability"),
            ("ifn_auc_30d", d["ifn_auc_30d"], "EC50 x days"),
            *((f"ifn_{k}", v / n_ok, "fraction") for k, v in d["ifn_labels"].items()),
            ("cd8_fold_change_day7", d["cd8_fold_change_day7"], "fold"),
            ("median_time_to_failure", d["median_time_to_failure"], "days"),
        ]
        out = _Summary(
            {"value": [float("nan") if v is None else float(v) for _, v, _ in rows],
             "unit": [u for _, _, u in rows]},
            index=pd.Index([m for m, _, _ in rows], name="measure"),
        )  # fmt: skip
        out.attrs.update({k: d[k] for k in ("schedule", "setting", "disease", "days", "seed")})
        out._legacy = d
        return out

    def write(self, out_dir: str | os.PathLike[str], *, figures: bool = True) -> list[Path]:
        """Write the cohort's tables and figures as ``ifnexus simulate --out DIR`` does.

        Parameters
        ----------
        out_dir
            Output folder (created).
        figures
            Also draw ``timecourses.png`` and ``local_control.png``.

        Returns
        -------
        list of pathlib.Path
            ``patients.csv``; ``timecourses.csv`` (and ``timecourses.png``, of the tumours not
            flagged ``numerical_failure``) when time courses were recorded; ``local_control.csv`` (:meth:`local_control_table`) and
            ``local_control.png``; ``summary.json`` (:meth:`to_dict`). Written atomically.
        """
        from ifnexus._io import write_table, write_text
        from ifnexus._json import dumps

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files = [write_table(self.patients, out / "patients.csv")]
        lc = self.local_control_table()
        if figures:
            from ifnexus._figures import save_figure
            from ifnexus.model._plots import plot_local_control, plot_timecourses
        if len(self.timecourses):
            files.append(write_table(self.timecourses, out / "timecourses.csv"))
            # the figure leaves out the tumours flagged numerical_failure (their values can
            # overflow a log axis); the table keeps them
            tc, bad = self.timecourses, self._flagged
            shown = tc[~tc["patient"].isin(self.patients.loc[bad, "patient"])] if bad.any() else tc
            if figures and len(shown):
                fig = plot_timecourses(shown)
                files.append(save_figure(fig, out / "timecourses.png"))  # type: ignore[arg-type]
        files.append(write_table(lc, out / "local_control.csv"))
        if figures:
            ax = plot_local_control(lc, title=str(self.schedule))
            files.append(save_figure(ax, out / "local_control.png"))  # type: ignore[arg-type]
        files.append(write_text(out / "summary.json", dumps(self.to_dict())))
        return files

    def local_control_table(
        self, by: str | tuple[str, ...] | list[str] | None = LOCAL_CONTROL_GROUPS
    ) -> pd.DataFrame:
        """Kaplan-Meier local control of the whole cohort and of each subgroup, in one table.

        What ``ifnexus simulate --out`` writes to ``local_control.csv``.

        Parameters
        ----------
        by
            Columns of :attr:`patients` to group by, each giving its own set of curves
            (default ``ifn_competent`` and ``ifn_label``); ``None`` or ``()`` for the overall
            curve only.

        Returns
        -------
        pandas.DataFrame
            The columns of :meth:`local_control_curve` (``group``, ``time`` in days,
            ``local_control``, ``ci_lower``, ``ci_upper``, ``at_risk``): first the whole cohort
            (``group`` ``"all"``), then per grouping column rows whose ``group`` reads
            ``"COLUMN=LEVEL"``.
        """
        cols = [] if by is None else [by] if isinstance(by, str) else list(by)
        curves = [self.local_control_curve()]
        for col in cols:
            c = self.local_control_curve(by=col)
            c["group"] = col + "=" + c["group"]
            curves.append(c)
        return pd.concat(curves, ignore_index=True)

    def local_control_curve(self, by: str | None = None) -> pd.DataFrame:
        """Kaplan-Meier local control over follow-up, overall or per subgroup (lifelines).

        Parameters
        ----------
        by
            A column of :attr:`patients` to group by (e.g. ``ifn_competent``, ``ifn_label``,
            ``genotype``); ``None`` for the whole cohort.

        Returns
        -------
        pandas.DataFrame
            Columns ``group``, ``time`` (days), ``local_control``, ``ci_lower``, ``ci_upper``,
            ``at_risk``; over the tumours not flagged ``numerical_failure``.
        """
        from lifelines import KaplanMeierFitter

        df = self.patients.loc[~self._flagged]  # no follow-up: left out, as in to_dict
        if by is not None and by not in df.columns:
            raise ValidationError(f"cannot group by {by!r}: not a column of the patient table")
        groups = [("all", df)] if by is None else list(df.groupby(by, sort=True))
        out = []
        for key, sub in groups:
            kmf = KaplanMeierFitter()
            kmf.fit(sub["followup"], event_observed=sub["local_failure"])
            sf = kmf.survival_function_.iloc[:, 0]
            ci = kmf.confidence_interval_
            at_risk = kmf.event_table["at_risk"].reindex(sf.index).to_numpy()
            out.append(
                pd.DataFrame(
                    {
                        "group": str(key),
                        "time": sf.index.to_numpy(),
                        "local_control": sf.to_numpy(),
                        "ci_lower": ci.iloc[:, 0].to_numpy(),
                        "ci_upper": ci.iloc[:, 1].to_numpy(),
                        "at_risk": at_risk,
                    }
                )
            )
        return pd.concat(out, ignore_index=True)


def _second_lesion_params(second_lesion) -> dict[str, float]:
    """Return the overrides of ``second_lesion=``: True (``n0_second``), a size, or off."""
    if second_lesion is None or second_lesion is False:
        return {}
    if second_lesion is True:
        return {"second_lesion": 1.0}
    try:
        size = float(second_lesion)
    except (TypeError, ValueError):
        raise ValidationError(
            f"second_lesion must be True, False or the second lesion's size in clonogens "
            f"(a number > 0), got {second_lesion!r}"
        ) from None
    if not np.isfinite(size) or size <= 0:
        raise ValidationError(
            f"second_lesion: the second lesion's size must be a number of clonogens > 0, "
            f"got {size:g}"
        )
    return {"second_lesion": 1.0, "n0_second": size}


def _check_preop(sched: Schedule, t_surgery: float, days: float) -> None:
    """Refuse a pre-operative cohort without a course, or whose resection ends the follow-up."""
    if sched.days.size == 0:
        raise ValidationError(
            "disease='preop' needs a radiotherapy course before the resection (schedule "
            f"{str(sched)!r} has no fraction); surgery alone is disease='postop' with schedule "
            "'none'"
        )
    t_res = sched.last_day - sched.first_day + t_surgery
    if not t_res < days:
        raise ValidationError(
            f"disease='preop': the resection (t_surgery = {t_surgery:g} days after the last "
            f"fraction, day {t_res:g} from the first) must come before the end of the follow-up "
            f"(days = {days:g})"
        )


def _config(
    schedule,
    setting,
    disease,
    genotype,
    host,
    interventions,
    days,
    heterogeneity,
    record,
    rng,
    params,
    margin=None,
    second_lesion=False,
) -> _Config:
    sched = parse_schedule(schedule)
    if isinstance(params, ParameterSet):
        if params.setting != setting:
            raise ValidationError(
                f"the parameter set is for the {params.setting!r} setting, the cohort for "
                f"{setting!r}"
            )
        params = dict(params.overrides)
    lesion = _second_lesion_params(second_lesion)
    params = {**(params or {}), **lesion}
    try:
        p = parameters(setting, **params)
    except ValidationError as e:  # its size against the carrying capacity K
        if "n0_second" not in lesion or "n0_second" not in str(e):
            raise
        raise ValidationError(f"second_lesion={second_lesion!r}: {e}") from None
    check_disease(disease)
    if setting == "mouse" and disease in RESECTED:
        raise ValidationError(f"disease={disease!r} is defined for the patient setting only")
    if margin is not None:
        margin = check_margin(margin)
        if disease not in RESECTED:
            raise ValidationError(
                "margin= is defined for resected disease only (disease 'postop' or 'preop')"
            )
    d = DEFAULT_DAYS[setting] if days is None else check_days(days)
    check_followup(d, sched.last_day - sched.first_day, str(sched))
    if disease == "preop":
        _check_preop(sched, p["t_surgery"], d)
    record = check_record(record)
    return _Config(
        schedule=sched,
        setting=setting,
        disease=disease,
        p=p,
        genotype=parse_genotype(genotype),
        genotype_label=genotype_label(genotype),
        host=parse_host(host),
        host_label=canonical_host(host),
        interventions=parse_interventions(interventions),
        days=d,
        heterogeneity=bool(heterogeneity),
        record=int(record),
        entropy=seed_entropy(rng),
        margin=margin,
    )


def simulate_cohort(
    schedule: str | Schedule,
    *,
    n_patients: int = 1000,
    setting: str = "patient",
    disease: str = "gross",
    genotype: str | list[str] | None = None,
    host: str | None = None,
    interventions: str | Intervention | Sequence[str | Intervention] = (),
    days: float | None = None,
    rng: RngLike = None,
    heterogeneity: bool = True,
    record: int = 0,
    params: dict[str, float] | ParameterSet | None = None,
    options: RunOptions | None = None,
    chunk_size: int | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
    margin: str | None = None,
    second_lesion: bool | float = False,
) -> CohortResult:
    """Simulate a virtual cohort of tumours under one radiotherapy schedule.

    Parameters
    ----------
    schedule
        A schedule string (``"50Gy/25fx"``, ``"8Gy x3"``, ``"0:8,1:8"``, ``"none"``) or a
        :class:`Schedule`.
    n_patients
        Number of tumours, at most 5,000,000 (about 520 bytes each in the result table).
    setting
        ``"patient"`` (MPNST, default) or ``"mouse"`` (syngeneic graft).
    disease
        ``"gross"``, ``"postop"`` (residual disease after surgery) or ``"preop"`` (the gross
        tumour receives the course and is resected ``t_surgery`` days after its last fraction;
        patient setting only for both). Pre-operative: at the resection the margin and
        residual disease are drawn as for ``"postop"`` (the same draws for the same seed); a
        bed with residual clonogens keeps the fraction ``N0postop / N0`` of the tumour's
        cells (``N0postop`` drawn as a post-operative deposit's size), one without them is
        controlled; local failure is the residual deposit regrowing to ``n_detect`` after the
        resection; times still count from the first fraction. Override ``t_surgery`` with
        ``params``.
    genotype
        Tumour genotype names (``sting-loss``, ``cgas-loss``, ``irf3-loss``, ``ifnar1-loss``,
        ``stat1-loss``, ``ifn-cluster-loss``, ``chronic-ifn``), comma-separated or a list.
    host
        ``immunocompetent`` (default), ``t-cell-deficient`` (``nude``), ``ifnar-loss``,
        ``sting-loss``.
    interventions
        Intervention strings or :class:`Intervention` objects (see ``parse_intervention``).
    days
        Follow-up from the first fraction (default 120 for mouse, 1,825 (five years) for
        patient; at most 3,650).
    rng
        Seed (int, 0 is valid), Generator or None.
    heterogeneity
        Draw tumour parameters from the population distributions (False: every tumour at the
        medians, no sampled IFN-competence loss).
    record
        Keep full time courses of the first ``record`` tumours (at most 200, about 1.7 MB
        each).
    params
        Parameter overrides by name, or a :class:`~ifnexus.model.ParameterSet` of the same
        setting (``ParameterSet.from_toml``: a ``--params`` file).
    options
        How the cohort is run (:class:`ifnexus.RunOptions`): ``chunk_size`` tumours integrated
        together (default 8192, rounded up to a multiple of 1024; bounds memory), ``n_jobs``
        local threads over chunks (``-1``: all cores), or a Dask ``scheduler`` address /
        ``Client`` to run the chunks on. Results are identical whatever the options.
    chunk_size, n_jobs, scheduler
        Deprecated (removed in 0.3): pass ``options=RunOptions(...)``; a ``FutureWarning``.
    second_lesion
        A second, unirradiated lesion (abscopal response): ``True`` (``n0_second``
        clonogens), a size in clonogens, or ``False`` (default). It shares the systemic primed
        CD8+ pool, grows, and is killed by the effectors that reach it; it receives no dose.
    margin
        Resected (post- or pre-operative) disease only: ``"R0"`` or ``"R1"`` for every tumour; default ``None``
        samples it (R1 with probability ``p_r1``). An R0 excision leaves residual clonogens
        with probability ``p_residual_r0``, an R1 with ``p_residual_r1``; a tumour bed without
        them never fails.

    Returns
    -------
    CohortResult
        ``patients`` columns: ``patient``, ``setting``, ``disease``, ``genotype``, ``host``,
        ``alpha``, ``beta``, ``alpha_beta``, ``n0``, ``infiltration``, ``growth_rate`` (clonogen
        growth rate, 1/d), ``margin`` (``R0``/``R1`` after surgery, ``not resected`` for gross
        disease; pre-operative disease too), ``residual_disease`` (False: surgery left no clonogens; such a tumour has
        ``tcp`` 1, is ``extinct`` and never fails), ``ifn_cluster_loss``,
        ``sting_silenced``, ``chronic_ifn`` (tonic amplitude, 0 = none), ``ifn_competent``,
        ``bed``, ``eqd2``, ``tcp`` (Zaider-Minerbo at the end of follow-up), ``extinct``
        (sampled), ``local_failure`` (sampled, within follow-up), ``time_to_failure`` (days
        from the first fraction, NaN without failure), ``followup``, ``local_control``,
        ``ifn_baseline``, ``ifn_peak``, ``ifn_t_peak``, ``ifn_t_half``, ``ifn_4wk``,
        ``ifn_label`` (acute/chronic/none; unknown when the follow-up ends before 4 weeks after the last fraction, or for a flagged tumour), ``ifn_auc_30d`` (EC50 x days over the 30 days
        from the first fraction), ``cd8_fold_change_day7`` (CD8+ density 7 days after the first
        fraction over an unirradiated twin; NaN in T-cell-deficient hosts), ``treg_day7``
        (intratumoural Tregs 7 days after the first fraction relative to before treatment;
        NaN without T cells), ``m1_fraction_day7`` (M1-like share of tumour macrophages on
        day 7; ``sc profile``'s macrophage_m1like / (m1like + m2like)),
        ``second_lesion_ratio_30d`` (clonogens of the second, unirradiated lesion 30 days after
        the first fraction over those at it; NaN without ``second_lesion``) and
        ``abscopal_response`` (that ratio below 1: the unirradiated lesion regressed; NA
        without it), ``alc_baseline`` (the patient's absolute blood lymphocyte count before
        treatment, 1e9/L: log-normal with median ``alc0`` and SD of log ``alc0_sigma``),
        ``alc_1mo`` and ``alc_3mo`` (absolute blood lymphocyte count, 1e9/L, 30 and 91 days
        after the first fraction: ``alc_baseline`` times the model's circulating-lymphocyte
        state; NaN beyond the follow-up), ``severe_lymphopenia_1mo`` (``alc_1mo`` below ``alc_severe``; pandas
        nullable ``"boolean"``, NA where not evaluable: follow-up under 30 days or a numerical
        failure),
        ``log10_clonogens_min``, ``clonogens_end``, ``burden_end``, ``irds_end``,
        ``numerical_failure`` (True for a tumour whose integration was not finite: its outcomes
        are NaN / False / ``unknown`` and the summary leaves it out; a warning is logged).

    Raises
    ------
    ConvergenceError
        When no tumour of a chunk integrates to finite values (the parameters are at fault).
    """
    n_patients = check_patients(n_patients)
    opts = run_options(
        options,
        chunk_size=chunk_size,
        n_jobs=n_jobs,
        scheduler=scheduler,
        where="simulate_cohort",
    )
    cfg = _config(
        schedule,
        setting,
        disease,
        genotype,
        host,
        interventions,
        days,
        heterogeneity,
        record,
        rng,
        params,
        margin,
        second_lesion,
    )
    size = -(-opts.resolve_chunk_size(DEFAULT_CHUNK_SIZE) // BLOCK) * BLOCK
    bounds = [(a, min(a + size, n_patients)) for a in range(0, n_patients, size)]
    workers = opts.workers
    log.info("simulating %d tumours in %d chunks", n_patients, len(bounds))
    if opts.scheduler is not None:
        parts = _run_dask(cfg, bounds, opts.scheduler)
    elif workers > 1 and len(bounds) > 1:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            parts = list(ex.map(lambda b: _run_chunk(cfg, *b), bounds))
    else:
        parts = [_run_chunk(cfg, a, b) for a, b in bounds]
    patients = pd.concat([t for t, _ in parts], ignore_index=True)
    trajectories = Trajectories.concat([tc for _, tc in parts if tc is not None])
    res = CohortResult(
        patients=patients,
        trajectories=trajectories,
        schedule=cfg.schedule,
        setting=setting,
        disease=disease,
        seed=cfg.entropy,
        days=cfg.days,
        params=cfg.p,
    )
    patients.attrs.update({"seed": cfg.entropy, "setting": setting, "schedule": str(cfg.schedule)})
    return res


def _run_dask(cfg: _Config, bounds, scheduler):
    """Run the chunks on the Dask cluster ``scheduler`` (an address or a ``distributed.Client``).

    An unreachable address or a cluster without workers is an error after
    ``IFNEXUS_DASK_TIMEOUT`` seconds (default 30; :func:`ifnexus._optional.dask_client`).
    """
    with dask_client(scheduler, purpose="simulating") as client:
        futures = [client.submit(_run_chunk, cfg, a, b, pure=False) for a, b in bounds]
        return client.gather(futures)
