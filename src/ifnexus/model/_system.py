"""States, equations and right-hand side of the IFN-radiotherapy model (one tumour per column).

The state of a cohort is a float array of shape ``(n_states, n_patients)`` (one row per state,
so each state is a contiguous vector over patients). The right-hand side is split into a
diagonal linear decay ``-c * z`` (constant per setting, integrated exactly by the exponential
solver) and a nonlinear forcing :func:`forcing`. The viable clonogens are carried as ``ln N``,
so that kill and growth rates of any size are integrated in log space.

Fast signalling is taken at quasi-steady state (QSS): STING/IRF3 activity and the acute
pSTAT1/ISGF3 signal (hours), and IFN-I in the tumour microenvironment (half-life about 2 h,
against dynamics of days; with the IRF7 loop the QSS is the positive root of a quadratic, so it
is exact and cheap). Everything slower (feedback with its 8-h delay, U-STAT1, IRDS, immune
cells) is a state. The QSS quantities are returned as observables by :func:`signals`.

The equations are declared once, in :mod:`ifnexus.model._equations`; the functions here wrap
the numpy code generated from that declaration (``_generated_reference.py``), and
:data:`STATES` and :data:`EQUATIONS` come from it too (rendered into ``docs/model.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ifnexus.model import _generated_exports as _exports
from ifnexus.model import _generated_reference as _ref

__all__ = [
    "EQUATIONS",
    "STATES",
    "StateSpec",
    "apply_resection",
    "decay_rates",
    "forcing",
    "initial_state",
]


@dataclass(frozen=True)
class StateSpec:
    """One state of the model: name, symbol, unit and meaning.

    Parameters
    ----------
    name
        Column name in time courses (e.g. ``"cd8_effector"``).
    symbol
        LaTeX symbol in ``docs/model.md``.
    unit
        Unit of the state (cells, or the dimensionless unit it is measured in).
    meaning
        What the state stands for.
    """

    name: str
    symbol: str
    unit: str
    meaning: str


STATES: tuple[StateSpec, ...] = tuple(StateSpec(*row) for row in _ref.STATE_TABLE)
STATE_NAMES: tuple[str, ...] = tuple(s.name for s in STATES)
N_STATES = len(STATES)
IDX = {name: i for i, name in enumerate(STATE_NAMES)}

OBSERVABLES: tuple[StateSpec, ...] = (
    StateSpec("sting", "\\sigma", "1", "STING/IRF3 activity in tumour cells (QSS)"),
    StateSpec(
        "ifn", "I", "EC50", "IFN-I in the tumour microenvironment, tumour- and host-made (QSS)"
    ),
    StateSpec("acute", "A", "1", "acute pSTAT1/ISGF3 signal in tumour cells (QSS)"),
    StateSpec("kill", "\\kappa", "1/d", "T-cell kill rate per clonogen"),
    StateSpec("burden", "B", "cells", "tumour burden N + D"),
    StateSpec("cd8", "E", "rel.", "CD8+ T-cell density in the tumour, E_b + E_s"),
)

# per-patient quantities (arrays of shape (n,) or scalars)
PATIENT_KEYS: tuple[str, ...] = _ref.TRAIT_NAMES

EQUATIONS: tuple[tuple[str, str], ...] = _exports.EQUATIONS

LOG_ROWS: tuple[int, ...] = _ref.LOG_ROWS  # states carried as ln (N, the second lesion)
ZM_LN_CAP = _ref.ZM_LN_CAP  # N0/N in the Zaider-Minerbo integrand is at most exp(ZM_LN_CAP)


def decay_rates(p: dict[str, float]) -> np.ndarray:
    """Return the diagonal linear decay rates ``c`` (1/d), one per state."""
    return _ref.decay_rates(p)


def signals(
    z: np.ndarray,
    p: dict[str, float],
    q: dict,
    g=0.0,
    o=0.0,
    block=0.0,
    jak=0.0,
    amp=0.0,
    in_vitro: bool = False,
    grow=1.0,
    host_block=None,
    host_jak=None,
    ctla=0.0,
    ifnb=0.0,
    ox40=0.0,
) -> dict[str, np.ndarray]:
    """Compute the quasi-steady quantities for state ``z`` (rows = states).

    Returns
    -------
    dict
        Every signal of the declaration by its identifier (``B`` burden, ``G`` damage gate,
        ``sting``, ``phi`` death signal, ``ifn``, ``A`` acute signal, ``kill``, ``lam`` birth
        rate, ...), plus ``N``, ``s`` (receptor signal, ``s_r``) and ``acute`` (``A``).
    """
    hb = block if host_block is None else host_block
    hj = jak if host_jak is None else host_jak
    imm = 0.0 if in_vitro else 1.0
    v = _ref.signals(z, p, q, g, o, block, jak, amp, grow, imm, hb, hj, ctla, ifnb, ox40)
    v["N"] = np.exp(z[0])
    v["s"] = v["s_r"]
    v["acute"] = v["A"]
    return v


def forcing(
    z: np.ndarray,
    p: dict[str, float],
    q: dict,
    g: float,
    o: float,
    block: float,
    jak: float,
    amp: float,
    in_vitro: bool = False,
    grow: float = 1.0,
    host_block: float | None = None,
    host_jak: float | None = None,
    ctla: float = 0.0,
    ifnb: float = 0.0,
    ox40: float = 0.0,
) -> np.ndarray:
    """Nonlinear forcing ``F`` with ``dz/dt = -c z + F`` (``c`` from :func:`decay_rates`).

    Parameters
    ----------
    z
        State, shape ``(n_states, n)``; row 0 is ``ln N``.
    p
        Scalar parameters of the setting.
    q
        Per-patient arrays (see ``PATIENT_KEYS``).
    g, o
        STING-agonist level and anti-PD-1 occupancy at this time.
    block, jak, amp
        Window factors of ifnar-block, jak-inhibitor and ifn-amplifier.
    in_vitro
        Tumour cells in a dish: no carrying capacity, host or immune layer.
    grow
        1 once radiotherapy has started; 0 before the first fraction, where the clonogens
        (``ln N``, their death into ``D_1`` and the Zaider-Minerbo integral) are held at the
        sampled size while interventions act on the other states (the time-zero rule).
    host_block, host_jak
        Window factors of ifnar-block and jak-inhibitor on host immune cells (IFN-I
        licensing of dendritic-cell priming); ``block`` and ``jak`` act on tumour cells.
        Default (None): the same as ``block`` / ``jak`` (a blockade of both compartments).
    ctla
        Anti-CTLA-4 occupancy at this time (Treg depletion, priming enhancement).
    ifnb
        Window dose of exogenous IFN-beta at this time (delivery ``p_ifnb * ifnb`` into the
        tumour's IFN-I).
    ox40
        Agonist anti-OX40 occupancy at this time (co-stimulation of newly primed T cells).
    """
    hb = block if host_block is None else host_block
    hj = jak if host_jak is None else host_jak
    imm = 0.0 if in_vitro else 1.0
    return _ref.forcing(z, p, q, g, o, block, jak, amp, grow, imm, hb, hj, ctla, ifnb, ox40)


def apply_fraction(z: np.ndarray, dose, p: dict[str, float], q: dict, prior=0.0) -> None:
    """Apply one fraction of ``dose`` Gy (scalar or per patient) to ``z`` in place.

    ``prior`` is the dose of earlier fractions still unrepaired (Gy, ``Y_j`` of
    :func:`ifnexus.model.unrepaired_dose`): it adds ``2 beta d Y`` to the log-kill of
    clonogens and lymphocytes in the field (Lea-Catcheside incomplete repair, the same
    repair half-time).
    """
    if np.ndim(dose) == 0 and dose <= 0:
        return
    _ref.apply_fraction(z, np.asarray(dose, dtype=float), prior, p, q)


def apply_resection(z: np.ndarray, rho) -> None:
    """Resect the tumours of ``z`` in place (pre-operative radiotherapy).

    Tumour ``i`` keeps the fraction ``rho[i]`` (scalar or per tumour, in [0, 1]) of its
    clonogens and doomed cells; the other states are unchanged (the reasons are in the
    declaration, :mod:`ifnexus.model._equations`). ``rho`` 0 leaves no clonogens (``ln N`` is
    floored at ``exp(-ZM_LN_CAP)`` of its value, numerically none, so that it stays finite).
    """
    _ref.apply_resection(z, np.asarray(rho, dtype=float))


def initial_state(p: dict[str, float], q: dict, n: int, in_vitro: bool = False) -> np.ndarray:
    """Pre-treatment state: N = N0, no damage, signalling and immune layers at steady state.

    In vivo the antigen of clonogens dying spontaneously (``w_b delta_0 N0``) reaches DCs
    (``Phi_P0 = w_b delta_0 N0 / (w_b delta_0 N0 + K_J)``), so an untreated tumour carries a
    pre-existing tumour-specific T-cell response (Woo et al. 2014; Fuertes et al. 2011),
    absent without T cells (``h_T = 0``). With tonic IFN the IFN-I level is
    ``I0 = p_ton c_hr / k_I`` (no damage, so no STING-driven production), the receptor signal
    ``s0 = I0/(1+I0)``, U-STAT1 sits at ``k_U s0 / k_Ud`` and the acute signal solves
    ``w_F A^2 + (1 + w_U U0) A = s0`` (F at its steady state), so with tonic IFN
    (``chronic``) U-STAT1 and the IRDS state start raised while pSTAT1 stays low (Cheon et al.
    2013). DC activation, the primed pool, the effectors and PD-L1 sit at their steady states
    on ``Phi0``; memory starts at 0 (memory formed since the start). In vitro the immune layer
    is 0.
    """
    return _ref.initial_state(p, q, n, 0.0 if in_vitro else 1.0)
