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
cells) is a state. The QSS quantities are returned as observables by :func:`signals`. The equations are listed in
:data:`EQUATIONS` and rendered into ``docs/model.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["EQUATIONS", "STATES", "StateSpec", "decay_rates", "forcing", "initial_state"]


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


STATES: tuple[StateSpec, ...] = (
    StateSpec("N", "N", "cells", "viable clonogenic tumour cells (carried as ln N by the solver)"),
    StateSpec(
        "D1", "D_1", "cells", "doomed cells, stage 1 of 4 (lethally damaged, dying over days)"
    ),
    StateSpec("D2", "D_2", "cells", "doomed cells, stage 2"),
    StateSpec("D3", "D_3", "cells", "doomed cells, stage 3"),
    StateSpec("D4", "D_4", "cells", "doomed cells, stage 4 (release DNA and antigen on death)"),
    StateSpec(
        "dna_pending", "M", "1", "damaged cells yet to pass mitosis (micronucleus precursors)"
    ),
    StateSpec("dna", "S", "a.u.", "cytosolic DNA (micronuclei) per tumour cell"),
    StateSpec("trex1", "X", "a.u.", "TREX1 induction"),
    StateSpec("feedback", "F", "1", "SOCS1/USP18 negative feedback on IFNAR signalling"),
    StateSpec("ustat1", "U", "a.u.", "U-STAT1/U-ISGF3 (slow, chronic arm)"),
    StateSpec("irds", "R", "1", "IRDS programme (0-1): radioresistance, Serpinb9, PD-L1"),
    StateSpec(
        "dc", "P", "a.u.", "DC activation / priming (needs host IFNAR; antigen from dying cells)"
    ),
    StateSpec("tpool", "T", "a.u.", "primed tumour-specific CD8+ T cells outside the tumour"),
    StateSpec("cd8_bystander", "E_b", "rel.", "non-specific CD8+ T cells in the tumour"),
    StateSpec("cd8_effector", "E_s", "rel.", "tumour-specific CD8+ effector T cells in the tumour"),
    StateSpec("pdl1", "L", "1", "PD-L1 / T-cell exhaustion"),
    StateSpec(
        "zm_lambda",
        "\\Lambda",
        "1",
        "Zaider-Minerbo integral of the birth rate over the expected clonogen fraction",
    ),
    StateSpec("ifn_auc", "A_I", "EC50 d", "time integral of IFN-I since the start"),
    StateSpec(
        "memory",
        "M_m",
        "a.u.",
        "tumour-specific memory CD8+ T cells formed since the start (outlast the tumour)",
    ),
    StateSpec(
        "alc",
        "C",
        "1",
        "circulating lymphocytes relative to before treatment (absolute count / ALC_0)",
    ),
    StateSpec(
        "node",
        "V",
        "1",
        "lymphocytes of the tumour-draining lymph node relative to before treatment "
        "(its priming capacity)",
    ),
    StateSpec(
        "serpinb9",
        "Z",
        "1",
        "ISG-encoded inhibitors of T-cell kill in tumour cells (Serpinb9-like, 0-1): induced "
        "by acute tumour IFNAR signalling, sustained by the IRDS state",
    ),
)
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
PATIENT_KEYS: tuple[str, ...] = (
    "alpha",
    "beta",
    "n0",
    "tau",
    "chronic",
    "t_cgas",
    "t_sting",
    "t_irf3",
    "t_cluster",
    "t_ifnar",
    "t_stat1",
    "h_T",
    "h_ifnar",
    "h_sting",
    "r_g",
)

EQUATIONS: tuple[tuple[str, str], ...] = (
    (
        "burden and growth (r_g: the tumour's clonogen growth rate, median r)",
        "B = N + D_1 + D_2 + D_3 + D_4,\\quad \\lambda = r_g\\,(1 - B/K)",
    ),
    ("damage gate", "G = S / (K_G + S)"),
    (
        "STING/IRF3 activity (QSS)",
        "\\sigma = t_{STING}\\,\\frac{c_{cGAS} t_{cGAS} S + g(t)}{1 + c_{cGAS} t_{cGAS} S + g(t)}",
    ),
    (
        "death signal (immunogenic death of irradiated cells) and antigen reaching DCs (plus "
        "spontaneous clonogen death, weight w_b: the pre-existing T-cell response)",
        "J = k_D D_4,\\quad \\Phi = J/(J + K_J),\\quad "
        "\\Phi_P = (J + w_b \\delta_0 N)/(J + w_b \\delta_0 N + K_J)",
    ),
    (
        "IFNAR-JAK-STAT1 receptor signal (QSS)",
        "s = t_{IFNAR} t_{STAT1} (1-b(t))(1-j(t))\\, I/(1+I)",
    ),
    ("acute pSTAT1/ISGF3 (QSS)", "A = s / (1 + F + w_U U)"),
    (
        "IFN-I (QSS of k_I I = production)",
        "k_I I = p_{tum} t_{9p21} t_{IRF3} \\sigma (1 + a(t))(1 + a_7 A) + p_{host} h_{STING} "
        "(\\Phi + g/(1+g)) + p_{ton} c_{hr}",
    ),
    (
        "T-cell kill per clonogen",
        "y = \\frac{e\\, E_s (1 + m_A A)(1 - \\theta_S Z)}{\\kappa_{max}(1 + L (1 - o(t)))(1 + (B/B_h)^{2/3})},"
        "\\quad \\kappa = \\kappa_{max}\\, y / (1 + y)",
    ),
    (
        "viable clonogens (time zero: \\gamma = 0 before the first fraction, 1 after)",
        "\\dot N = \\gamma(t)\\,(\\lambda - \\delta_0 - \\kappa - k_A A G)\\, N",
    ),
    (
        "doomed cells",
        "\\dot D_1 = \\gamma k_A A G N - k_D D_1,\\quad \\dot D_i = k_D (D_{i-1} - D_i)",
    ),
    ("micronucleus precursors", "\\dot M = -k_{mit} M"),
    ("cytosolic DNA", "\\dot S = k_{mit} M - (k_S + k_{TX} X) S"),
    ("TREX1", "\\dot X = k_{XA} A - k_{Xd} X"),
    ("SOCS1/USP18 feedback", "\\dot F = k_F (w_F A - F)"),
    ("U-STAT1", "\\dot U = k_U s + t_{STAT1} k_{UD} G - k_{Ud} U"),
    ("IRDS", "\\dot R = k_R (U^2/(K_U^2 + U^2) - R)"),
    (
        "ISG-encoded inhibitors of T-cell kill (Serpinb9-like; PD-L1-independent)",
        "\\dot Z = k_{sb} (A + R - A R - Z)",
    ),
    (
        "DC activation",
        "\\dot P = k_P \\Phi_P (\\epsilon_P + (1-\\epsilon_P) h_{IFNAR} (1-b_h)(1-j_h) "
        "I/(1+I)) - k_{Pd} P",
    ),
    ("primed CD8+ pool (V: the draining node's lymphocytes)", "\\dot T = h_T k_T P V - k_{Tel} T"),
    ("bystander CD8+", "\\dot E_b = h_T \\tau k_{Ed} (1 + c_X A) - k_{Ed} E_b"),
    ("effector CD8+", "\\dot E_s = h_T \\tau k_{ET} T (1 + c_X A) - k_{Ed} E_s"),
    ("PD-L1/exhaustion", "\\dot L = k_{pdl} (l_E E_s/(1+E_s) + l_A A + l_R R - L)"),
    ("Zaider-Minerbo integral", "\\dot \\Lambda = \\gamma \\lambda N_0 / N"),
    ("IFN-I exposure", "\\dot A_I = I"),
    ("memory CD8+", "\\dot M_m = f_{mem} k_{Tel} T - k_{mem} M_m"),
    (
        "circulating lymphocytes and draining node (recovery)",
        "\\dot C = k_{alc} (1 - C),\\quad \\dot V = k_{alc} (1 - V)",
    ),
    (
        "fraction of dose d at t_k (Y_k: unrepaired dose of earlier fractions, repair "
        "half-time T_rep)",
        "N \\to N\\,SF,\\ SF = e^{-(1-\\rho_R R)(\\alpha d + \\beta d (d + 2 Y_k))},\\ "
        "Y_k = \\sum_{i<k} d_i e^{-\\ln 2 (t_k - t_i)/T_{rep}};\\ D_1 \\to D_1 + N(1-SF);\\ "
        "M \\to M + 1 - SF;\\ X \\to X + d^{n_T}/(D_T^{n_T} + d^{n_T});\\ "
        "E_{b,s} \\to E_{b,s} SF_l;\\ T \\to T (1 - f_c (1 - SF_l))(1 - f_{DLN} (1 - SF_c)),\\ "
        "SF_l = e^{-\\alpha_l d - \\beta_l d (d + 2 Y_k)};\\ C \\to C (1 - f_c (1 - SF_c)),\\ "
        "V \\to V (1 - f_{DLN} (1 - SF_c)),\\ SF_c = e^{-d/D_0^c}",
    ),
    (
        "interventions",
        "g(t) = \\sum_k g_k e^{-k_{ag}(t-t_k)};\\ o(t) = s/(s+0.1),\\ s = \\sum_k o_k e^{-k_{pd1}(t-t_k)};\\ "
        "b, j, a: window doses of ifnar-block, jak-inhibitor, ifn-amplifier on tumour cells "
        "(compartment=tumour or both); b_h, j_h: of ifnar-block, jak-inhibitor on host "
        "immune cells (compartment=host or both)",
    ),
)

# rows of the linear decay c (z' = -c z + forcing)
_DECAY_PARAM = (
    None,
    "k_D",
    "k_D",
    "k_D",
    "k_D",
    "k_mit",
    "k_S",
    "k_Xd",
    "k_F",
    "k_Ud",
    "k_R",
    "k_Pd",
    "k_Tel",
    "k_Ed",
    "k_Ed",
    "k_pdl",
    None,
    None,
    "k_mem",
    "k_alc",
    "k_alc",
    "k_sb",
)


# The Zaider-Minerbo integrand lambda N0/N is evaluated with N0/N at most exp(ZM_LN_CAP): an
# ablative single dose (50-100 Gy) takes ln(N0/N) to several hundred, where N0/N overflows and
# Lambda became infinite (the cohort then failed with "non-finite values"). With the cap,
# Lambda stays finite over any follow-up (exp(600) r t < 1e262 for t <= 3,650 days) and
# TCP = [1 - m/(1 + m Lambda)]^N0 differs from its uncapped value by about N0 exp(-600) < 1e-250,
# so a tumour that falls that far is controlled; ordinary schedules never reach the cap.
ZM_LN_CAP = 600.0


def decay_rates(p: dict[str, float]) -> np.ndarray:
    """Return the diagonal linear decay rates ``c`` (1/d), one per state."""
    return np.array([0.0 if k is None else p[k] for k in _DECAY_PARAM])


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
) -> dict[str, np.ndarray]:
    """Compute the quasi-steady quantities for state ``z`` (rows = states).

    Returns
    -------
    dict
        ``N``, ``B`` (burden), ``G`` (damage gate), ``sting``, ``phi`` (death signal),
        ``ifn``, ``s`` (receptor signal), ``acute``, ``kill``, ``lam`` (birth rate).
    """
    N = np.exp(z[0])
    S, F, U, Es, L, Z = z[6], z[8], z[9], z[14], z[15], z[21]
    G = S / (p["K_G"] + S)
    inp = (p["c_cgas"] * q["t_cgas"]) * S + g
    sting = q["t_sting"] * inp / (1.0 + inp)
    sig = (1.0 - block) * (1.0 - jak)
    ca = (q["t_ifnar"] * q["t_stat1"] * sig) / (1.0 + F + p["w_U"] * U)
    prod_t = (p["p_tum"] * (1.0 + amp)) * (q["t_cluster"] * q["t_irf3"]) * sting
    p0 = prod_t + p["tonic"] * q["chronic"]
    B = N + z[1] + z[2] + z[3] + z[4]
    if in_vitro:
        phi = phi_p = 0.0 * N
        lam = q["r_g"] + 0.0 * N
    else:
        J = p["k_D"] * z[4]
        phi = J / (J + p["K_J"])
        Jp = J + (p["w_b"] * p["d0"]) * N
        phi_p = Jp / (Jp + p["K_J"])
        p0 = p0 + (p["p_host"] * q["h_sting"]) * (phi + g / (1.0 + g))
        lam = q["r_g"] * (1.0 - B / p["K"])
    # k_I I (1 + I) = p0 (1 + I) + p1 ca I  ->  k_I I^2 + b I - p0 = 0
    kI = p["k_I"]
    b = kI - p0 - (prod_t * p["a_7"]) * ca
    sq = np.sqrt(b * b + 4.0 * kI * p0)
    ifn = np.where(b > 0, 2.0 * p0 / np.where(b + sq > 0, b + sq, 1.0), (sq - b) / (2.0 * kI))
    hill_i = ifn / (1.0 + ifn)
    s_r = (q["t_ifnar"] * q["t_stat1"] * sig) * hill_i
    A = ca * hill_i
    if in_vitro:
        kill = 0.0 * N
    else:
        y = (p["e_kill"] / p["kappa_max"] * Es) * (1.0 + p["m_A"] * A) * (1.0 - p["theta_S"] * Z)
        # (B/B_h)^(2/3) with B >= 0 (intermediate solver stages of a nearly extinct tumour)
        bh = (np.maximum(B, 1e-300) * (1.0 / p["B_h"])) ** (2.0 / 3.0)
        y = y / ((1.0 + L * (1.0 - o)) * (1.0 + bh))
        kill = p["kappa_max"] * y / (1.0 + y)
    return {
        "N": N,
        "B": B,
        "G": G,
        "sting": sting,
        "phi": phi,
        "phi_p": phi_p,
        "ifn": ifn,
        "s": s_r,
        "acute": A,
        "kill": kill,
        "lam": lam,
        "sig": sig,
    }


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
    """
    v = signals(z, p, q, g, o, block, jak, amp, in_vitro)
    out = np.empty_like(z)
    N, G, A, s_r, kill = v["N"], v["G"], v["acute"], v["s"], v["kill"]
    kD = p["k_D"]
    ifn_death = p["k_A"] * A * G
    if in_vitro:
        out[11:16] = 0.0
        out[18] = 0.0
    else:
        eps = p["eps_P"]
        hb = block if host_block is None else host_block
        hj = jak if host_jak is None else host_jak
        hsig = (1.0 - hb) * (1.0 - hj)
        out[11] = (
            p["k_P"]
            * v["phi_p"]
            * (eps + ((1.0 - eps) * hsig) * q["h_ifnar"] * (v["ifn"] / (1.0 + v["ifn"])))
        )
        out[12] = (p["k_T"] * q["h_T"]) * z[11] * z[20]
        infl = (q["h_T"] * q["tau"]) * (1.0 + p["c_X"] * A)
        out[13] = p["k_Ed"] * infl
        out[14] = p["k_ET"] * z[12] * infl
        Es = z[14]
        out[15] = p["k_pdl"] * (p["l_E"] * Es / (1.0 + Es) + p["l_A"] * A + p["l_R"] * z[10])
        out[18] = (p["f_mem"] * p["k_Tel"]) * z[12]
    out[0] = grow * (v["lam"] - p["d0"] - kill - ifn_death)
    out[1] = grow * ifn_death * N
    out[2] = kD * z[1]
    out[3] = kD * z[2]
    out[4] = kD * z[3]
    out[5] = 0.0
    out[6] = p["k_mit"] * z[5] - p["k_TX"] * z[7] * z[6]
    out[7] = p["k_XA"] * A
    out[8] = (p["k_F"] * p["w_F"]) * A
    out[9] = p["k_U"] * s_r + (p["k_UD"] * q["t_stat1"]) * G
    u2 = z[9] * z[9]
    out[10] = p["k_R"] * u2 / (p["K_U"] ** 2 + u2)
    out[16] = grow * v["lam"] * np.exp(np.minimum(np.log(q["n0"]) - z[0], ZM_LN_CAP))
    out[17] = v["ifn"]
    out[19] = p["k_alc"]
    out[20] = p["k_alc"]
    R = z[10]
    out[21] = p["k_sb"] * (A + R - A * R)
    return out


def apply_fraction(z: np.ndarray, dose, p: dict[str, float], q: dict, prior=0.0) -> None:
    """Apply one fraction of ``dose`` Gy (scalar or per patient) to ``z`` in place.

    ``prior`` is the dose of earlier fractions still unrepaired (Gy, ``Y_j`` of
    :func:`ifnexus.model.unrepaired_dose`): it adds ``2 beta d Y`` to the log-kill of
    clonogens and lymphocytes in the field (Lea-Catcheside incomplete repair, the same
    repair half-time).
    """
    if np.ndim(dose) == 0 and dose <= 0:
        return
    fac = 1.0 - p["rho_R"] * z[10]
    ln_sf = -(q["alpha"] * dose + q["beta"] * dose * (dose + 2.0 * prior)) * fac
    N = np.exp(z[0])
    killed = -np.expm1(ln_sf)
    z[0] += ln_sf
    z[1] += N * killed
    z[5] += killed
    dn = np.asarray(dose, dtype=float) ** p["n_T"]
    z[7] += dn / (p["D_T"] ** p["n_T"] + dn)
    sfl = np.exp(-p["alpha_l"] * dose - p["beta_l"] * dose * (dose + 2.0 * prior))
    z[13] *= sfl
    z[14] *= sfl
    sfc = np.exp(-dose / p["D0_c"])  # circulating and nodal (resting) lymphocytes
    node = 1.0 - p["dln_in_field"] * (1.0 - sfc)
    z[12] *= (1.0 - p["f_circ"] * (1.0 - sfl)) * node
    z[19] *= 1.0 - p["f_circ"] * (1.0 - sfc)
    z[20] *= node


def initial_state(p: dict[str, float], q: dict, n: int, in_vitro: bool = False) -> np.ndarray:
    """Pre-treatment state: N = N0, no damage, signalling and immune layers at steady state.

    In vivo the antigen of clonogens dying spontaneously (``w_b delta_0 N0``) reaches DCs
    (``Phi_P0 = w_b delta_0 N0 / (w_b delta_0 N0 + K_J)``), so an untreated tumour carries a
    pre-existing tumour-specific T-cell response (Woo et al. 2014; Fuertes et al. 2011),
    absent without T cells (``h_T = 0``). With tonic IFN the IFN-I level is
    ``I0 = p_ton c_hr / k_I`` (no damage, so no STING-driven production), the receptor signal ``s0 = I0/(1+I0)``, U-STAT1 sits at ``k_U s0 / k_Ud``
    and the acute signal solves ``w_F A^2 + (1 + w_U U0) A = s0`` (F at its steady state), so
    with tonic IFN (``chronic``) U-STAT1 and the IRDS state start raised while pSTAT1 stays low
    (Cheon et al. 2013). DC activation, the primed pool, the effectors and PD-L1 sit at their
    steady states on ``Phi0``; memory starts at 0 (memory formed since the start).
    """
    z = np.zeros((N_STATES, n))
    ones = np.ones(n)
    n0 = q["n0"] * ones
    z[0] = np.log(n0)
    I0 = p["tonic"] * q["chronic"] * ones / p["k_I"]
    hill0 = I0 / (1.0 + I0)
    s0 = q["t_ifnar"] * q["t_stat1"] * hill0
    U0 = p["k_U"] * s0 / p["k_Ud"]
    b = 1.0 + p["w_U"] * U0
    A0 = 2.0 * s0 / (b + np.sqrt(b * b + 4.0 * p["w_F"] * s0))  # root of w_F A^2 + b A - s0 = 0
    z[8] = p["w_F"] * A0
    z[9] = U0
    z[10] = U0 * U0 / (p["K_U"] ** 2 + U0 * U0)
    z[7] = p["k_XA"] * A0 / p["k_Xd"]
    z[19] = 1.0
    z[20] = 1.0
    z[21] = A0 + z[10] - A0 * z[10]
    if not in_vitro:
        Jb = p["w_b"] * p["d0"] * n0
        phi0 = Jb / (Jb + p["K_J"])
        eps = p["eps_P"]
        z[11] = p["k_P"] * phi0 * (eps + (1.0 - eps) * q["h_ifnar"] * hill0) / p["k_Pd"]
        z[12] = q["h_T"] * p["k_T"] * z[11] / p["k_Tel"]
        infl = q["h_T"] * q["tau"] * (1.0 + p["c_X"] * A0) * ones
        z[13] = infl
        z[14] = p["k_ET"] * z[12] * infl / p["k_Ed"]
        Es0 = z[14]
        z[15] = p["l_E"] * Es0 / (1.0 + Es0) + p["l_A"] * A0 + p["l_R"] * z[10]
    return z
