"""Vectorised exponential integrator over patients; fractions and resection as exact jumps.

Why our own solver: a cohort of 1e5 tumours is one ODE system per tumour with the same
fraction times. General-purpose solvers (scipy ``solve_ivp``, libroadrunner) integrate one
tumour at a time with per-tumour overhead; here all tumours of a chunk advance together on one
time grid (the compiled kernel in ``_kernel.py``, in SIMD blocks of tumours; the numpy loop
here, on arrays of shape ``(n_states, n_patients)``, is its readable specification).

Method: exponential time differencing RK4 (Cox & Matthews 2002 J Comput Phys 176:430) for
``z' = -c z + F(z, t)``, with the diagonal decay ``c`` (IFN clearance, doomed-cell stages,
feedbacks, T-cell turnover) integrated exactly and ``ln N`` carried instead of ``N`` so that
growth and kill rates of any size are integrated in log space. The time grid is built from the
schedule only (identical for every patient, so results do not depend on how patients are
chunked): the integration restarts at every fraction, dose and window edge (the jumps are
applied exactly there) with a small step ``h0`` that grows geometrically by ``growth`` up to
``h_max``. The small first steps matter most: the burst of DNA sensing and IFN-I in the hours
after a fraction feeds DC priming and the T-cell response for weeks, so an error there shows up
in the tumour burden months later. With the defaults the tumour burden of every tumour of heterogeneous
cohorts agrees with an 8x finer grid to better than 1e-4 relative
(``tests/model/test_accuracy.py``), and the test cases agree with scipy's Radau (rtol 1e-8)
(``tests/model/test_solver.py``); see docs/benchmarks.md for the accuracy study.

:func:`solve_reference` integrates the same equations for one tumour with ``solve_ivp`` in the
natural variables (``N``, not ``ln N``), segment by segment between the same jumps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from math import factorial
from types import MappingProxyType

import numpy as np
from scipy.integrate import solve_ivp

from ifnexus.errors import ConvergenceError, ValidationError
from ifnexus.model._radiobiology import Schedule
from ifnexus.model._system import (
    IDX,
    LOG_ROWS,
    N_STATES,
    apply_fraction,
    apply_resection,
    decay_rates,
    forcing,
)
from ifnexus.model._variants import DOSED, Intervention

__all__ = [
    "Drive",
    "Grid",
    "build_grid",
    "grid_options",
    "integrate",
    "node_prior",
    "solve_reference",
]

H0 = 0.01  # first step after a jump: resolves the post-fraction burst of DNA sensing and IFN-I
GROWTH = 1.3
H_MAX = 0.15  # during treatment and the immune response that follows it
LATE = 60.0  # days after the last jump from which the step may grow to H_MAX_LATE
H_MAX_LATE = 1.0
H_REL = 0.0  # after the last jump, a step cap of h_rel x the time since it (0: off)
GRIDS: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        # step caps per setting, chosen from the cohort-wide accuracy study in docs/benchmarks.md
        # (tumour burden within 1e-4 of a 16x finer grid for every sampled tumour)
        "mouse": MappingProxyType({"h_max": 0.15, "h_max_late": 1.0}),
        # patient late step 4 d (was 5): with the between-tumour growth-rate spread (r_sigma,
        # issue 15) a fast regrowing tumour (doubling 5.6 d) was 1.1e-4 off the 8x grid at 5 d;
        # 1.25 d since the baseline priming (w_b, issue 15 item 12): a regrowing tumour primes
        # T cells again, and with 4 d steps that coupling was up to 1.1e-3 off the 8x grid
        # (2 d: 2.2e-4; 1.25 d: 7.9e-5 over the cohorts of tests/model/test_accuracy.py).
        # h_rel 0.015: after the last jump the cap grows with the time since it (0.2 d until
        # day 13, 0.45 d at day 30, 0.9 d at day 60, then 1.25 d) instead of 0.2 d for 60
        # days: 15% fewer nodes for 50 Gy/25 fx (909 -> 772), 20-25% for shorter schedules; on
        # held-out cohorts (seed 11, 1,000 tumours, six schedules) every worst error was equal
        # or lower (e.g. 20 Gy x1 7.9e-5 -> 3.3e-5), 6.7e-5 over 5,000 tumours of the benchmark.
        # Not for mice (5e-4 there: their immune phase is longer).
        "patient": MappingProxyType({"h_max": 0.2, "h_max_late": 1.25, "h_rel": 0.015}),
    }
)


def grid_options(setting: str, refine: float = 1.0) -> dict[str, float]:
    """Return the :func:`build_grid` step options of a setting.

    ``refine`` divides every step cap, the first step and ``h_rel`` (reference grids for
    accuracy checks).
    """
    g = {"h0": H0, "growth": GROWTH, "late": LATE, "h_max_late": H_MAX_LATE, "h_rel": H_REL,
         **GRIDS[setting]}  # fmt: skip
    return {**g, **{k: g[k] / refine for k in ("h0", "h_max", "h_max_late", "h_rel")}}


_PD1_K = 0.1  # occupancy s / (s + 0.1)
_IFN_AUC = IDX["ifn_auc"]  # its forcing is the IFN-I level


def _decayed(doses: np.ndarray, k: float, t_ref: float, t: float | np.ndarray) -> np.ndarray:
    """Sum at times ``t`` of the doses ``(day, dose)`` given by ``t_ref``, each decaying at ``k``."""
    t = np.atleast_1d(np.asarray(t, dtype=float))
    s = np.zeros_like(t)
    for day, dose in doses:
        if day <= t_ref + 1e-9:
            s += dose * np.exp(-k * (t - day))
    return s


class Drive:
    """Time-dependent inputs of the interventions (the same for every patient of a cohort).

    ``first_fraction`` (day of the first fraction) switches on the time-zero rule: before it,
    the clonogen number is held at its sampled value (:meth:`growth` is 0) while the
    interventions act on the signalling and immune states, so that the tumour meets
    radiotherapy at its sampled size whatever was given before (issue 15 item 1). ``None``
    (the default for direct callers) lets the tumour evolve from the start.
    """

    def __init__(
        self,
        interventions: tuple[Intervention, ...],
        p: dict[str, float],
        first_fraction: float | None = None,
    ):
        self.interventions = tuple(interventions)
        self.first_fraction = None if first_fraction is None else float(first_fraction)
        #: per dosed intervention (:data:`~ifnexus.model._variants.DOSED`): its doses
        #: ``(day, dose)`` (shape ``(n, 2)``, empty when not given) and its clearance rate
        self.doses = {
            name: np.array(
                [(d, iv.dose) for iv in interventions if iv.name == name for d in iv.days],
                dtype=float,
            ).reshape(-1, 2)
            for name in DOSED
        }
        self.clearance = {name: p[spec.clearance] for name, spec in DOSED.items()}
        self.dosed = tuple(name for name in DOSED if self.doses[name].size)  # those given
        self.windows = [iv for iv in interventions if iv.is_window]
        self.ifnb_windows = [iv for iv in self.windows if iv.name == "ifn-beta"]

    def breakpoints(self) -> list[float]:
        """Every dose time and window edge."""
        return sorted({float(b) for iv in self.interventions for b in iv.breakpoints()})

    def level(self, name: str, t_ref: float, t: float | np.ndarray) -> np.ndarray:
        """Level of the dosed intervention ``name`` at times ``t`` (doses given by ``t_ref``).

        ``s``, the sum of its doses each decaying at its clearance rate since its day, as
        :data:`~ifnexus.model._variants.DOSED` says: the occupancy ``s / (s + 0.1)`` of an
        antibody or ``s`` itself (the STING agonist's level ``g``). 0 when it is not given.
        """
        s = _decayed(self.doses[name], self.clearance[name], t_ref, t)
        return s / (s + _PD1_K) if DOSED[name].occupancy else s

    def dosed_levels(self, t_ref: float, t: float | np.ndarray) -> dict[str, np.ndarray]:
        """:meth:`level` of every dosed intervention by its forcing argument (``g``, ``o``, ...)."""
        return {spec.arg: self.level(name, t_ref, t) for name, spec in DOSED.items()}

    def node_levels(self, t: np.ndarray) -> dict[str, np.ndarray]:
        """:meth:`level` at each node time of ``t`` (doses given by then) of those given.

        By forcing argument (``g``, ``o``, ...); the interventions not given (level 0, the
        default of ``forcing`` and ``signals``) are left out.
        """
        return {
            DOSED[name].arg: np.array([self.level(name, tt, tt)[0] for tt in t], dtype=float)
            for name in self.dosed
        }

    def ifnb_level(self, t_mid: float | np.ndarray) -> float | np.ndarray:
        """Return the summed dose of the ``ifn-beta`` windows containing ``t_mid`` (0 outside).

        The delivery into the tumour's IFN-I is ``p_ifnb`` times this level.
        """
        if not self.ifnb_windows:
            return np.zeros_like(t_mid, dtype=float) if np.ndim(t_mid) else 0.0
        return sum((iv.dose * iv.active(t_mid) for iv in self.ifnb_windows),
                   np.zeros_like(t_mid, dtype=float) if np.ndim(t_mid) else 0.0)  # fmt: skip

    def growth(self, t_mid: float) -> float:
        """1 where the clonogens evolve, 0 before the first fraction (tumour held at its size)."""
        ff = self.first_fraction
        return 0.0 if ff is not None and t_mid < ff else 1.0

    def window_factors(self, t_mid: float) -> tuple[float, float, float]:
        """``(block, jak, amp)`` inside the window containing ``t_mid`` (tumour compartment)."""
        return self.all_window_factors(t_mid)[:3]

    def all_window_factors(self, t_mid: float) -> tuple[float, float, float, float, float]:
        """``(block, jak, amp, host_block, host_jak)`` inside the window containing ``t_mid``.

        ``block``/``jak`` act on tumour-cell signalling, ``host_block``/``host_jak`` on the
        IFN-I licensing of dendritic-cell priming (``compartment=`` of the intervention).
        """
        keep_b, keep_j, keep_hb, keep_hj, amp = 1.0, 1.0, 1.0, 1.0, 0.0
        for iv in self.windows:
            if iv.start <= t_mid < iv.end:
                if iv.name == "ifnar-block":
                    if iv.acts_on("tumour"):
                        keep_b *= 1.0 - iv.dose
                    if iv.acts_on("host"):
                        keep_hb *= 1.0 - iv.dose
                elif iv.name == "jak-inhibitor":
                    if iv.acts_on("tumour"):
                        keep_j *= 1.0 - iv.dose
                    if iv.acts_on("host"):
                        keep_hj *= 1.0 - iv.dose
                elif iv.name == "ifn-amplifier":
                    amp += iv.dose
        return 1.0 - keep_b, 1.0 - keep_j, amp, 1.0 - keep_hb, 1.0 - keep_hj


@dataclass
class Grid:
    """The solver's time grid and the jumps applied at its nodes.

    ``resect_at``: the node of the resection of pre-operative radiotherapy (-1: none).
    """

    t: np.ndarray
    dose_at: dict[int, float] = field(default_factory=dict)
    probe_at: dict[int, float] = field(default_factory=dict)
    resect_at: int = -1


def build_grid(
    schedule: Schedule,
    drive: Drive,
    t0: float,
    t_end: float,
    *,
    probes: tuple[float, ...] = (),
    h0: float = H0,
    growth: float = GROWTH,
    h_max: float = H_MAX,
    late: float = LATE,
    h_max_late: float = H_MAX_LATE,
    h_rel: float = H_REL,
    resection: float | None = None,
) -> Grid:
    """Time grid with a node at every jump (fraction, dose, window edge) and probe time.

    ``resection``: the time of the resection of pre-operative radiotherapy, a jump like a
    fraction (the step restarts at ``h0`` after it); ``None`` (default) for none.

    After each jump the step restarts at ``h0`` and grows by ``growth`` up to ``h_max``, and up
    to ``h_max_late`` once ``late`` days have passed since the last jump; with ``h_rel > 0`` the
    cap after the last jump is ``h_rel`` times the time since it, between ``h_max`` and
    ``h_max_late`` (transients decay on the time scale of their age). Probe times and the
    phase edge are nodes but do not restart the ramp. The grid depends on the schedule only,
    so every tumour of a cohort shares it.
    """
    if not (t_end > t0):
        raise ValidationError(f"follow-up must end after it starts (t0={t0:g}, end={t_end:g})")
    fr = [
        (float(t), float(d))
        for t, d in zip(schedule.days, schedule.doses, strict=False)
        if t <= t_end
    ]
    jumps = {t for t, d in fr if d > 0} | {b for b in drive.breakpoints() if t0 <= b < t_end}
    if resection is not None:
        if not (t0 < resection < t_end):
            raise ValidationError(
                f"the resection (day {resection:g}) must fall inside the follow-up "
                f"({t0:g} to {t_end:g})"
            )
        jumps.add(float(resection))
    t_last = max(jumps, default=t0)
    t_late = t_last + late

    def cap_at(t: float) -> float:
        if t >= t_late:
            return h_max_late
        if h_rel > 0.0 and t > t_last:  # after the last jump: a step proportional to the age
            return min(max(h_max, h_rel * (t - t_last)), h_max_late)
        return h_max

    breaks = {t0, t_end, *[t for t, _ in fr], *jumps}
    if drive.first_fraction is not None and t0 < drive.first_fraction < t_end:
        breaks.add(drive.first_fraction)  # the growth switch of the time-zero rule
    breaks |= {b for b in (*probes, t_late) if t0 < b < t_end}
    breaks_sorted = sorted(breaks)
    pts = [t0]
    h = h0
    for a, b in zip(breaks_sorted[:-1], breaks_sorted[1:], strict=False):
        h = min(h0 if (a in jumps or a == t0) else h, cap_at(a))
        t = a
        while b - t > 1.5 * h:
            t += h
            pts.append(t)
            h = min(h * growth, cap_at(t))
        if b - t > h:  # split the remainder in two equal steps
            pts.append(0.5 * (t + b))
        pts.append(b)
    tg = np.asarray(pts)
    index = {float(v): i for i, v in enumerate(tg)}
    dose_at = {index[t]: d for t, d in fr if d > 0}
    probe_at = {index[b]: b for b in probes if b in index}
    resect_at = -1 if resection is None else index[float(resection)]
    return Grid(t=tg, dose_at=dose_at, probe_at=probe_at, resect_at=resect_at)


def node_prior(grid: Grid, p: dict[str, float]) -> dict[int, float]:
    """Unrepaired dose of the earlier fractions at each fraction node (Lea-Catcheside ``Y``).

    Computed from the grid's fraction nodes with the repair half-time ``T_rep`` (hours) of
    ``p``; a per-patient dose scale multiplies it like the doses.
    """
    from ifnexus.model._radiobiology import unrepaired_dose

    nodes = sorted(grid.dose_at)
    if len(nodes) < 2:
        return dict.fromkeys(nodes, 0.0)
    y = unrepaired_dose(grid.t[nodes], [grid.dose_at[i] for i in nodes], p["T_rep"])
    return {i: float(v) for i, v in zip(nodes, y, strict=True)}


def _phi(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """phi_1, phi_2, phi_3 of the exponential integrator, stable for small |z|."""
    z = np.asarray(z, dtype=float)
    small = np.abs(z) < 0.5
    zs = np.where(small, 1.0, z)
    ez = np.exp(zs)
    p1 = (ez - 1.0) / zs
    p2 = (ez - 1.0 - zs) / zs**2
    p3 = (ez - 1.0 - zs - 0.5 * zs**2) / zs**3
    if np.any(small):
        ser = [sum(z**j / factorial(j + k) for j in range(18)) for k in (1, 2, 3)]
        p1, p2, p3 = (np.where(small, s, v) for s, v in zip(ser, (p1, p2, p3), strict=False))
    return p1, p2, p3


@dataclass
class Solution:
    """Output of :func:`integrate` for one chunk."""

    z_end: np.ndarray
    t: np.ndarray
    rec: np.ndarray | None  # (n, n_grid, n_rows) float32 selected rows per node (after jumps)
    full: np.ndarray | None  # (n_grid, n_states, n_keep) every state of selected patients
    probes: dict[float, np.ndarray]  # state before the jumps at each probe time


_TABLES: dict[tuple, tuple] = {}  # the chunks of a cohort share their grid and drive


def _step_tables(grid: Grid, drive: Drive, c: np.ndarray):
    """Tabulate the ETD coefficients per distinct step size and the drive at the stage times.

    Returns the coefficients, each step's index into them, the drive levels at the three stage
    times and the window factors.

    The grid has few distinct steps (a ramp and a cap repeated after every jump; 32 for 749
    steps of 50 Gy/25 fx), so the coefficients are computed, and read by the kernel, once per
    step size (sizes equal to 1e-12 d share them). Both backends read them. Kept for the next
    chunk of the same cohort.
    """
    key = (grid.t.tobytes(), c.tobytes(), repr(drive.interventions),
           tuple(drive.clearance.values()), drive.first_fraction)  # fmt: skip
    hit = _TABLES.get(key)
    if hit is not None:
        return hit
    tg = grid.t
    hs = np.diff(tg)
    _, first, step_co = np.unique(np.round(hs, 12), return_index=True, return_inverse=True)
    h = hs[first][:, None]
    z = -h * c[None, :]
    q1, _, _ = _phi(z / 2)
    p1, p2, p3 = _phi(z)
    co = np.stack(
        [np.exp(z), np.exp(z / 2), 0.5 * h * q1, h * (p1 - 3 * p2 + 4 * p3),
         h * (2 * p2 - 4 * p3), h * (4 * p3 - p2)],
        axis=1,
    )  # fmt: skip
    # the level of each dosed intervention (DOSED's order: agonist, anti-PD-1, anti-CTLA-4,
    # anti-OX40) at the 3 stage times of each step; 0 for those not given
    lev = np.zeros((hs.size, 3, len(DOSED)))
    wins = np.zeros((hs.size, 7))  # block, jak, amp, growth switch, host block, host jak, IFN-b
    wins[:, 3] = 1.0
    for j, name in enumerate(DOSED):
        if name in drive.dosed:
            for k, (ta, hk) in enumerate(zip(tg[:-1], hs, strict=True)):
                lev[k, :, j] = drive.level(name, ta, np.array([ta, ta + 0.5 * hk, ta + hk]))
    if drive.windows:
        for k, (ta, hk) in enumerate(zip(tg[:-1], hs, strict=True)):
            f = drive.all_window_factors(ta + 0.5 * hk)
            wins[k, :3] = f[:3]
            wins[k, 4:6] = f[3:]
            wins[k, 6] = drive.ifnb_level(ta + 0.5 * hk)
    if drive.first_fraction is not None:
        wins[:, 3] = np.where(tg[:-1] + 0.5 * hs < drive.first_fraction, 0.0, 1.0)
    tables = (co, step_co.astype(np.int64).ravel(), lev, wins)
    if len(_TABLES) >= 8:
        _TABLES.clear()
    _TABLES[key] = tables
    return tables  # not _TABLES[key]: a cohort in another thread may clear the cache meanwhile


def integrate(
    z0: np.ndarray,
    p: dict[str, float],
    q: dict,
    schedule: Schedule,
    drive: Drive,
    t0: float,
    t_end: float,
    *,
    record_rows: tuple[int, ...] = (),
    keep: np.ndarray | None = None,
    probes: tuple[float, ...] = (),
    in_vitro: bool = False,
    grid: Grid | None = None,
    dose_scale: np.ndarray | None = None,
    backend: str = "numba",
    check_finite: bool = True,
    resection: np.ndarray | None = None,
) -> Solution:
    """Integrate a chunk of tumours from ``t0`` to ``t_end`` with ETDRK4 and exact jumps.

    Parameters
    ----------
    z0
        Initial state ``(n_states, n)`` (not modified).
    record_rows
        State rows stored (float32) at every grid node for every patient, as ``rec`` of shape
        ``(n, n_grid, n_rows)`` (the kernel's layout, one contiguous series per patient); the
        extra row ``-1`` stores the quasi-steady IFN-I level.
    keep
        Column indices of patients whose full state is stored at every node.
    probes
        Times at which the full state just before any jump is returned.
    dose_scale
        Optional per-patient multiplier of every fraction's dose (dose-response grids,
        unirradiated controls with 0).
    backend
        ``"numba"`` (compiled kernel, default) or ``"numpy"`` (the readable reference loop).
    check_finite
        Raise :class:`ConvergenceError` when any tumour's final state is not finite (default);
        False leaves the check to the caller (a cohort flags those tumours instead).
    resection
        Per-patient fraction of the tumour's cells left by the resection at the grid's
        ``resect_at`` node (pre-operative radiotherapy; required with such a grid, refused
        without one).
    """
    if backend not in ("numba", "numpy"):
        raise ValidationError(f"unknown backend {backend!r}; accepted: numba, numpy")
    if grid is None:
        grid = build_grid(schedule, drive, t0, t_end, probes=probes)
    if (resection is None) != (grid.resect_at < 0):
        raise ValidationError(
            "resection= (the fraction of each tumour left by surgery) goes with a grid built "
            "with a resection time (build_grid(..., resection=)), and only with one"
        )
    rho = None
    if resection is not None:
        rho = np.broadcast_to(np.asarray(resection, dtype=float), (z0.shape[1],))
        if not (np.all(rho >= 0.0) and np.all(rho <= 1.0)):
            raise ValidationError("resection: the fraction of the tumour left must be in [0, 1]")
    tables = _step_tables(grid, drive, decay_rates(p))
    prior = node_prior(grid, p)
    if backend == "numba":
        return _integrate_numba(z0, p, q, grid, tables, record_rows, keep, in_vitro, dose_scale,
                                check_finite, prior, rho)  # fmt: skip
    co, step_co, lev, wins = tables
    tg = grid.t
    z = np.array(z0, dtype=float, copy=True)
    n = z.shape[1]
    rec = np.empty((n, tg.size, len(record_rows)), dtype=np.float32) if record_rows else None
    ifn_slot = [k for k, r in enumerate(record_rows) if r == -1]
    rows = [r for r in record_rows if r != -1]
    slots = [k for k, r in enumerate(record_rows) if r != -1]
    full = np.empty((tg.size, N_STATES, len(keep)), dtype=float) if keep is not None else None
    probe_out: dict[float, np.ndarray] = {}

    def jumps(i: int) -> None:
        if i in grid.probe_at:
            probe_out[grid.probe_at[i]] = z.copy()
        if i == grid.resect_at:
            apply_resection(z, rho)
        d = grid.dose_at.get(i)
        if d is not None:
            sc = 1.0 if dose_scale is None else dose_scale
            apply_fraction(z, d * sc, p, q, prior=prior[i] * sc)
        if rec is not None:
            rec[:, i, slots] = z[rows].T
        if full is not None:
            full[i] = z[:, keep]

    jumps(0)
    for i in range(tg.size - 1):
        E, E2, Q, f1, f2, f3 = co[step_co[i], :, :, None]
        g, o, c4, x4 = lev[i, :, 0], lev[i, :, 1], lev[i, :, 2], lev[i, :, 3]
        blk, jak, amp, grow, hblk, hjak, ifb = wins[i]
        args = (p, q)
        kw = dict(block=blk, jak=jak, amp=amp, in_vitro=in_vitro, grow=grow,
                  host_block=hblk, host_jak=hjak, ifnb=ifb)  # fmt: skip
        Fu = forcing(z, *args, g[0], o[0], **kw, ctla=c4[0], ox40=x4[0])
        if ifn_slot and rec is not None:  # ifn_slot implies rec
            rec[:, i, ifn_slot[0]] = Fu[_IFN_AUC]
        a = E2 * z + Q * Fu
        Fa = forcing(a, *args, g[1], o[1], **kw, ctla=c4[1], ox40=x4[1])
        b = E2 * z + Q * Fa
        Fb = forcing(b, *args, g[1], o[1], **kw, ctla=c4[1], ox40=x4[1])
        cc = E2 * a + Q * (2.0 * Fb - Fu)
        Fc = forcing(cc, *args, g[2], o[2], **kw, ctla=c4[2], ox40=x4[2])
        z = E * z + f1 * Fu + f2 * (Fa + Fb) + f3 * Fc
        jumps(i + 1)
    if ifn_slot and rec is not None:  # the last node takes the drive at the end of its step
        g, o, c4, x4 = lev[-1, 2]
        blk, jak, amp, grow, hblk, hjak, ifb = wins[-1]
        rec[:, -1, ifn_slot[0]] = forcing(
            z, p, q, g, o, block=blk, jak=jak, amp=amp, in_vitro=in_vitro, grow=grow,
            host_block=hblk, host_jak=hjak, ctla=c4, ifnb=ifb, ox40=x4,
        )[_IFN_AUC]  # fmt: skip
    if check_finite and not np.all(np.isfinite(z)):
        raise ConvergenceError("the model integration produced non-finite values; check parameters")
    return Solution(z_end=z, t=tg, rec=rec, full=full, probes=probe_out)


def _integrate_numba(z0, p, q, grid, tables, record_rows, keep, in_vitro, dose_scale, check_finite,
                     prior, rho=None):  # fmt: skip
    from ifnexus.model._kernel import KROW, P_NAMES, Q_NAMES, SWITCH, broadcast_coefs, run_kernel

    tg = grid.t
    n = z0.shape[1]
    co, step_co, lev, wins = tables
    P = np.array([p[k] for k in P_NAMES], dtype=float)
    Q = np.empty((n, len(Q_NAMES)))
    for j, k in enumerate(Q_NAMES):
        Q[:, j] = q[k]
    node_dose = np.zeros(tg.size)
    node_y = np.zeros(tg.size)
    for i, d in grid.dose_at.items():
        node_dose[i] = d
        node_y[i] = prior[i]
    probe_times = sorted(grid.probe_at.values())
    node_probe = np.full(tg.size, -1, dtype=np.int64)
    for i, t in grid.probe_at.items():
        node_probe[i] = probe_times.index(t)
    ds = np.ones(n) if dose_scale is None else np.broadcast_to(dose_scale, (n,)).astype(float)
    krow = np.asarray(KROW, dtype=np.int64)
    rr = np.asarray([r if r < 0 else KROW[r] for r in (record_rows or (0,))], dtype=np.int64)
    rec = np.empty((n, tg.size, rr.size), dtype=np.float32)
    pr = np.empty((max(len(probe_times), 1), n, N_STATES))
    z_end = np.empty((n, N_STATES))
    keep_slot = np.full(n, -1, dtype=np.int64)
    nk = 0 if keep is None else len(keep)
    if nk:
        keep_slot[np.asarray(keep)] = np.arange(nk)
    full = np.empty((max(nk, 1), tg.size, N_STATES))
    run_kernel(np.ascontiguousarray(z0.T), P, Q, broadcast_coefs(co), step_co, lev, wins,
               node_dose, node_y, node_probe, ds, rr, rec, pr, z_end, keep_slot, full,
               bool(in_vitro), _switch_off(p, SWITCH), krow, int(grid.resect_at),
               np.ones(n) if rho is None else np.ascontiguousarray(rho, dtype=float))  # fmt: skip
    z = np.ascontiguousarray(z_end.T)
    if check_finite and not np.all(np.isfinite(z)):
        raise ConvergenceError("the model integration produced non-finite values; check parameters")
    return Solution(
        z_end=z,
        t=tg,
        rec=rec if record_rows else None,
        full=np.ascontiguousarray(full[:nk].transpose(1, 2, 0)) if nk else None,
        probes={t: np.ascontiguousarray(pr[k].T) for k, t in enumerate(probe_times)},
    )


# False: always the full forcing (tests compare the two kernels on cohorts without the switch)
USE_SWITCH_OFF = True


def _switch_off(p: Mapping[str, float], switch: str) -> bool:
    """Whether the kernel may integrate without the states the switch parameter at 0 holds.

    ``second_lesion`` = 0: the second lesion's clonogens are held at their start value and read
    by nothing else, so ``_force_off`` leaves them (and their kill rate) out.
    """
    return bool(USE_SWITCH_OFF and switch and float(p[switch]) == 0.0)


def solve_reference(
    z0: np.ndarray,
    p: dict[str, float],
    q: dict,
    schedule: Schedule,
    drive: Drive,
    t0: float,
    t_end: float,
    t_eval: np.ndarray,
    *,
    method: str = "Radau",
    rtol: float = 1e-8,
    atol: float = 1e-12,
    in_vitro: bool = False,
    resection: tuple[float, float] | None = None,
) -> np.ndarray:
    """One tumour with scipy ``solve_ivp`` in natural variables (the test reference).

    Integrates segment by segment between jumps (the same jump rules as :func:`integrate`).
    ``resection``: ``(time, rho)``, the resection of pre-operative radiotherapy at ``time``
    leaving the fraction ``rho`` of the tumour's cells (before a fraction at the same time).
    Returns the states at ``t_eval`` (row 0 is ``N``, not ``ln N``), shape
    ``(len(t_eval), n_states)``; at a jump time the value after the jump is returned.
    """
    c = decay_rates(p)
    q1 = {
        k: (np.asarray(v, dtype=float).reshape(-1)[:1] if np.ndim(v) else v) for k, v in q.items()
    }
    y = np.array(z0[:, :1], dtype=float)
    lr = list(LOG_ROWS)  # the reference solves in natural variables (N, not ln N)
    y[lr] = np.exp(y[lr])
    fr = {float(t): float(d) for t, d in zip(schedule.days, schedule.doses, strict=False) if d > 0}
    fr_in = sorted(t for t in fr if t <= t_end)
    if len(fr_in) > 1:
        from ifnexus.model._radiobiology import unrepaired_dose

        ys = unrepaired_dose(fr_in, [fr[t] for t in fr_in], p["T_rep"])
        y_at = dict(zip(fr_in, ys.tolist(), strict=True))
    else:
        y_at = dict.fromkeys(fr_in, 0.0)
    ff = [drive.first_fraction] if drive.first_fraction is not None else []
    t_res = None if resection is None else float(resection[0])
    rs = [t_res] if t_res is not None else []
    breaks = sorted({t0, t_end, *fr,
                     *[b for b in (*drive.breakpoints(), *ff, *rs) if t0 < b < t_end]})  # fmt: skip
    t_eval = np.asarray(t_eval, dtype=float)
    out = np.full((t_eval.size, N_STATES), np.nan)

    def to_log(v):
        w = v.reshape(N_STATES, -1).copy()
        w[lr] = np.log(np.maximum(w[lr], 1e-300))
        return w

    def jump(t, v):
        if t == t_res:
            w = to_log(v)
            apply_resection(w, np.array([resection[1]]))  # type: ignore[index]
            w[lr] = np.exp(w[lr])
            v = w
        if t in fr:
            w = to_log(v)
            apply_fraction(w, fr[t], p, q1, prior=y_at.get(t, 0.0))
            w[lr] = np.exp(w[lr])
            v = w
        return v

    y = jump(t0, y)
    for a, b in zip(breaks[:-1], breaks[1:], strict=False):
        blk, jak, amp, hblk, hjak = drive.all_window_factors(0.5 * (a + b))
        grow = drive.growth(0.5 * (a + b))
        ifb = float(drive.ifnb_level(0.5 * (a + b)))

        def rhs(t, v, a=a, blk=blk, jak=jak, amp=amp, grow=grow, hblk=hblk, hjak=hjak, ifb=ifb):
            w = to_log(v)
            lv = {k: float(x[0]) for k, x in drive.dosed_levels(a, t).items()}
            F = forcing(w, p, q1, block=blk, jak=jak, amp=amp, in_vitro=in_vitro, grow=grow,
                        host_block=hblk, host_jak=hjak, ifnb=ifb, **lv)  # fmt: skip
            dv = F - c[:, None] * w
            dv[lr] = F[lr] * v.reshape(N_STATES, -1)[lr]
            return dv.ravel()

        sel = (t_eval > a) & (t_eval < b)
        sol = solve_ivp(rhs, (a, b), y.ravel(), method=method, rtol=rtol, atol=atol,
                        t_eval=np.r_[t_eval[sel], b])  # fmt: skip
        if not sol.success:
            raise ConvergenceError(f"reference solver failed on [{a:g}, {b:g}]: {sol.message}")
        if sel.any():
            out[sel] = sol.y[:, :-1].T
        y = sol.y[:, -1].reshape(N_STATES, 1)
        y = jump(b, y)
        hit = t_eval == b
        if hit.any():
            out[hit] = y.ravel()
    hit0 = t_eval == t0
    if hit0.any():
        w = np.array(z0[:, :1], dtype=float)
        w[lr] = np.exp(w[lr])
        out[hit0] = jump(t0, w).ravel()
    return out
