"""The model's equations, declared once: states, quasi-steady signals, rate laws, jumps, start.

Everything the simulator integrates is declared here as sympy expressions, apart from any run
(in the spirit of pysb, where a model is a declaration and simulators and exporters are
generated from it). :mod:`ifnexus.model._codegen` prints from :data:`MODEL`

* the compiled kernel's forcing and fraction (``_generated_kernel.py``, numba),
* the numpy reference right-hand side (``_generated_reference.py``),
* the SBML formulas (:mod:`ifnexus.model._sbml`) and the PEtab export's initial formulas,
* the equations of ``docs/model.md``.

``tools/generate_model.py`` writes the generated modules; ``tests/model/test_codegen.py``
checks that the committed files equal the generator's output. Adding a state is one edit here
(a :class:`StateDecl` with its rate law, optional fraction jump and start value) plus re-running
the generator.

Form of the rate laws: every state obeys ``z' = -c z + F`` with a constant decay ``c`` (a
parameter expression, integrated exactly by the exponential solver) and a forcing ``F``.
States marked ``log`` (the clonogens ``N``) are carried as ``ln N``: their ``F`` is the
per-capita rate and ``c = 0``. Symbols: states by their SBML identifiers (``N``, ``S``, ...),
parameters by their names in :data:`ifnexus.model.PARAMETERS`, per-tumour traits ``q_<name>``,
the drive (interventions at time t) by :data:`DRIVES`; ``IN_VIVO`` is 1 in vivo and 0 for
cells in a dish (no carrying capacity, host or immune layer). The guards of the numerical code
are written with :class:`floor_pos` (``max(x, lo)``), which the exporters (SBML, docs) print
as ``x``. Fraction quantities may use ``DOSE`` (Gy) and ``PRIOR``
(unrepaired dose of earlier fractions, Gy); a state's resection jump (pre-operative
radiotherapy) uses ``RHO``, the per-tumour fraction of the tumour's cells left in the bed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp  # type: ignore[import-untyped]
from sympy.codegen.cfunctions import expm1  # type: ignore[import-untyped]

from ifnexus.model._params import PARAMETERS

__all__ = [
    "DRIVES",
    "MODEL",
    "ModelDecl",
    "SignalDecl",
    "StateDecl",
    "floor_pos",
    "par",
    "trait",
]


class floor_pos(sp.Function):  # noqa: N801  (a sympy function class, named like one)
    """``max(x, lo)``: a guard of the numerical code; the SBML and the docs print ``x``.

    Used where a solver stage can leave the mathematical domain (a burden dipping below 0, a
    clonogen number far below its cap); the exported model is the unguarded formula.
    """

    nargs = 2


def _sym(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


_P = {p.name: _sym(p.name) for p in PARAMETERS}


def par(name: str) -> sp.Symbol:
    """Return the symbol of parameter ``name`` (a :data:`ifnexus.model.PARAMETERS` entry).

    Parameters
    ----------
    name
        The parameter's name.

    Returns
    -------
    sympy.Symbol
        Its symbol.
    """
    return _P[name]


# per-tumour traits (arrays over tumours): name, LaTeX symbol
TRAITS: tuple[tuple[str, str], ...] = (
    ("alpha", "\\alpha"),
    ("beta", "\\beta"),
    ("n0", "N_0"),
    ("tau", "\\tau"),
    ("chronic", "c_{hr}"),
    ("t_cgas", "t_{cGAS}"),
    ("t_sting", "t_{STING}"),
    ("t_irf3", "t_{IRF3}"),
    ("t_cluster", "t_{9p21}"),
    ("t_ifnar", "t_{IFNAR}"),
    ("t_stat1", "t_{STAT1}"),
    ("h_T", "h_T"),
    ("h_ifnar", "h_{IFNAR}"),
    ("h_sting", "h_{STING}"),
    ("r_g", "r_g"),
)
_Q = {name: _sym(f"q_{name}") for name, _ in TRAITS}


def trait(name: str) -> sp.Symbol:
    """Return the symbol ``q_<name>`` of a per-tumour trait.

    Parameters
    ----------
    name
        The trait (``alpha``, ``n0``, ``t_sting``, ...).

    Returns
    -------
    sympy.Symbol
        Its symbol.
    """
    return _Q[name]


# the drive at time t (scalars over a cohort): identifier, argument name, LaTeX, meaning
DRIVES: tuple[tuple[str, str, str, str], ...] = (
    ("g_ag", "g", "g", "STING-agonist level"),
    ("o_pd1", "o", "o", "anti-PD-1 occupancy"),
    ("blk", "blk", "b", "ifnar-block on tumour cells"),
    ("jak", "jak", "j", "jak-inhibitor on tumour cells"),
    ("amp", "amp", "a", "ifn-amplifier"),
    ("grow", "grow", "\\gamma", "1 from the first fraction on, 0 before"),
    ("IN_VIVO", "imm", "\\iota", "1 in vivo, 0 in vitro"),
    ("hblk", "hblk", "b_h", "ifnar-block on host immune cells"),
    ("hjak", "hjak", "j_h", "jak-inhibitor on host immune cells"),
    ("ctla", "ctla", "c_4", "anti-CTLA-4 occupancy"),
    ("ifnb", "ifnb", "e_\\beta", "exogenous IFN-beta (window dose of ifn-beta)"),
    ("ox40", "ox40", "o_{40}", "agonist anti-OX40 occupancy"),
)
_D = {ident: _sym(ident) for ident, *_ in DRIVES}
DOSE = _sym("DOSE")
PRIOR = _sym("PRIOR")
RHO = _sym("RHO")  # resection: fraction of the tumour's cells left in the bed (per tumour)


@dataclass(frozen=True)
class StateDecl:
    """One state: identity, rate law ``z' = -decay z + forcing``, fraction jump, start value.

    Attributes
    ----------
    name
        Column name in time courses (``cd8_effector``).
    ident
        Identifier in formulas and in the SBML (``Es``).
    symbol
        LaTeX symbol in ``docs/model.md``.
    unit, meaning
        Unit and meaning (docs).
    forcing
        ``F`` (per-capita rate for a ``log`` state).
    decay
        ``c``, an expression of parameters only (0 when none).
    jump
        Value just after a fraction from the values just before (None: unchanged).
    resection
        Value just after the resection of pre-operative radiotherapy from the values just
        before and ``RHO`` (None: unchanged).
    initial
        Pre-treatment value (parameters, traits, initial signals and ``IN_VIVO``).
    log
        Carried as ``ln`` of the state by the solvers.
    title
        Heading of its equation in the docs.
    """

    name: str
    ident: str
    symbol: str
    unit: str
    meaning: str
    forcing: sp.Expr
    decay: sp.Expr = sp.Integer(0)
    jump: sp.Expr | None = None
    initial: sp.Expr = sp.Integer(0)
    log: bool = False
    title: str = ""
    resection: sp.Expr | None = None


@dataclass(frozen=True)
class SignalDecl:
    """A named intermediate quantity (quasi-steady signal, fraction or start helper).

    Attributes
    ----------
    ident
        Identifier (the SBML assignment rule's variable).
    expr
        Its formula (earlier signals, states, parameters, traits, drive).
    symbol
        LaTeX symbol (docs).
    meaning
        What it is (docs; empty for pure helpers).
    """

    ident: str
    expr: sp.Expr
    symbol: str = ""
    meaning: str = ""


@dataclass(frozen=True)
class ModelDecl:
    """The whole declaration: states, signals in dependency order, fraction and start helpers.

    Attributes
    ----------
    states
        The states, in solver row order.
    signals
        Quasi-steady quantities in dependency order (the forcing reads them).
    fraction
        Helpers of a fraction's jumps (``DOSE``, ``PRIOR``, states before the fraction).
    start
        Helpers of the pre-treatment state.
    record
        The signal the compiled kernel stores per step for the outcomes (IFN-I).
    notes
        Extra lines of the docs' equation section (interventions' drive).
    switch
        A 0/1 parameter (``second_lesion``) for whose value 0 the kernel gets a second forcing:
        the declaration with the parameter set to 0, where the states it freezes (forcing and
        decay 0, no jump: held at their start) are not integrated and the signals only they
        read are not computed (empty: no such variant).
    """

    states: tuple[StateDecl, ...]
    signals: tuple[SignalDecl, ...]
    fraction: tuple[SignalDecl, ...]
    start: tuple[SignalDecl, ...]
    record: str = "ifn"
    notes: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    switch: str = ""

    def symbol(self, ident: str) -> sp.Symbol:
        """Return the sympy symbol of a state, signal, parameter, trait or drive identifier.

        Parameters
        ----------
        ident
            The identifier.

        Returns
        -------
        sympy.Symbol
            Its symbol.
        """
        return _sym(ident)

    def latex_names(self) -> dict[sp.Symbol, str]:
        """Return the LaTeX symbol of every declared identifier (for ``sympy.latex``).

        Returns
        -------
        dict
            Symbol -> LaTeX.
        """
        out: dict[sp.Symbol, str] = {_P[p.name]: p.symbol for p in PARAMETERS}
        out.update({_Q[n]: s for n, s in TRAITS})
        out.update({_D[i]: s for i, _, s, _ in DRIVES})
        out.update({_sym(s.ident): s.symbol for s in self.states})
        for s in (*self.signals, *self.fraction, *self.start):
            out[_sym(s.ident)] = s.symbol or ("\\mathrm{" + s.ident.replace("_", "\\_") + "}")
        out[DOSE] = "d"
        out[PRIOR] = "Y_k"
        out[RHO] = "\\rho"
        return out


# ------------------------------------------------------------------------------ symbols
p = _P
q = _Q
N, D1, D2, D3, D4 = (_sym(s) for s in ("N", "D1", "D2", "D3", "D4"))
M, S, X, F, U, R = (_sym(s) for s in ("M", "S", "X", "F", "U", "R"))
P_, T, Eb, Es, L = (_sym(s) for s in ("P", "T", "Eb", "Es", "L"))
Lam, Iauc, Mm, Alc, Nd, Zsb = (_sym(s) for s in ("Lam", "Iauc", "Mm", "Alc", "Nd", "Zsb"))
Treg, Mq, N2, Es2 = _sym("Treg"), _sym("Mq"), _sym("N2"), _sym("Es2")
g_ag, o_pd1, blk, jak, amp, grow, IN_VIVO, hblk, hjak, ctla, ifnb, ox40 = (
    _D[i] for i, *_ in DRIVES
)

_S = _sym  # signal symbols by identifier
B, G, inp, sting, sig, hsig, ca, prod_t = (
    _S(s) for s in ("B", "G", "inp", "sting", "sig", "hsig", "ca", "prod_t")
)
J, phi, Jp, phi_p, p0, bq, sq = (_S(s) for s in ("J", "phi", "Jp", "phi_p", "p0", "bq", "sq"))
ifn_num, ifn_den, ifn, hill, s_r, A = (
    _S(s) for s in ("ifn_num", "ifn_den", "ifn", "hill", "s_r", "A")
)
lam, bh, y_num, y_den, kill, ifn_death, infl = (
    _S(s) for s in ("lam", "bh", "y_num", "y_den", "kill", "ifn_death", "infl")
)
ag_death = _S("ag_death")
prime, pol = _S("prime"), _S("pol")
lam2, bh2, y2_num, y2_den, kill2 = (_S(s) for s in ("lam2", "bh2", "y2_num", "y2_den", "kill2"))
fac, ln_sf, killed, SFL, SFC, SFB, node = (
    _S(s) for s in ("fac", "ln_sf", "killed", "SFL", "SFC", "SFB", "node")
)
I0, hill0, s0, U0, b0, A0, R0, Jb, phi0, P0, T0, Eb0, Es0 = (
    _S(s)
    for s in ("I0", "hill0", "s0", "U0", "b0", "A0", "R0", "Jb", "phi0", "P0", "T0", "Eb0", "Es0")
)
pol0 = _S("pol0")

# The Zaider-Minerbo integrand lambda N0/N is evaluated with N0/N at most exp(ZM_LN_CAP): an
# ablative single dose (50-100 Gy) takes ln(N0/N) to several hundred, where N0/N overflows and
# Lambda became infinite (the cohort then failed with "non-finite values"). With the cap,
# Lambda stays finite over any follow-up (exp(600) r t < 1e262 for t <= 3,650 days) and
# TCP = [1 - m/(1 + m Lambda)]^N0 differs from its uncapped value by about N0 exp(-600) < 1e-250,
# so a tumour that falls that far is controlled; ordinary schedules never reach the cap.
ZM_LN_CAP = 600.0
_ZM_FLOOR = sp.Float(sp.exp(-ZM_LN_CAP).evalf(17), 17)
_TINY = sp.Float("1e-300")

# ------------------------------------------------------------------------------ signals
_SIGNALS = (
    SignalDecl("B", N + D1 + D2 + D3 + D4, "B", "tumour burden N + D"),
    SignalDecl("G", S / (p["K_G"] + S), "G", "damage gate"),
    SignalDecl("inp", p["c_cgas"] * q["t_cgas"] * S + g_ag, "u", "input to STING"),
    SignalDecl("sting", q["t_sting"] * inp / (1 + inp), "\\sigma", "STING/IRF3 activity (QSS)"),
    SignalDecl("sig", (1 - blk) * (1 - jak), "\\varsigma", "IFNAR/JAK open on tumour cells"),
    SignalDecl("hsig", (1 - hblk) * (1 - hjak), "\\varsigma_h", "IFNAR/JAK open on host cells"),
    SignalDecl(
        "ca",
        q["t_ifnar"] * q["t_stat1"] * sig / (1 + F + p["w_U"] * U),
        "c_A",
        "acute signal per unit of receptor occupancy",
    ),
    SignalDecl(
        "prod_t",
        p["p_tum"] * (1 + amp) * q["t_cluster"] * q["t_irf3"] * sting,
        "p_t",
        "IFN-I made by tumour cells without the IRF7 loop",
    ),
    SignalDecl("J", p["k_D"] * D4, "J", "death signal (immunogenic death of irradiated cells)"),
    SignalDecl("phi", IN_VIVO * J / (J + p["K_J"]), "\\Phi", "death signal sensed by the host"),
    SignalDecl(
        "Jp",
        J + p["w_b"] * p["d0"] * (N + p["second_lesion"] * N2),
        "J_P",
        "antigen reaching DCs: death signal plus spontaneous clonogen death of both lesions "
        "(weight w_b: the pre-existing T-cell response)",
    ),
    SignalDecl("phi_p", IN_VIVO * Jp / (Jp + p["K_J"]), "\\Phi_P", "antigen signal of DCs"),
    SignalDecl(
        "p0",
        prod_t
        + p["tonic"] * q["chronic"]
        + IN_VIVO * p["p_host"] * q["h_sting"] * (phi + g_ag / (1 + g_ag))
        + p["p_ifnb"] * ifnb,
        "p_0",
        "IFN-I production without the IRF7 loop, plus exogenous IFN-beta delivered into the tumour",
    ),
    SignalDecl(
        "bq",
        p["k_I"] - p0 - prod_t * p["a_7"] * ca,
        "b_I",
        "IFN-I QSS k_I I = p_0 + p_t a_7 A: k_I I^2 + b_I I - p_0 = 0",
    ),
    SignalDecl("sq", sp.sqrt(bq**2 + 4 * p["k_I"] * p0), "\\sqrt{\\Delta}", ""),
    # the positive root as num/den in its cancellation-free form
    SignalDecl("ifn_num", sp.Piecewise((2 * p0, bq > 0), (sq - bq, True)), "I_n", ""),
    SignalDecl("ifn_den", sp.Piecewise((bq + sq, bq > 0), (2 * p["k_I"], True)), "I_d", ""),
    SignalDecl("ifn", ifn_num / ifn_den, "I", "IFN-I in the tumour microenvironment (QSS)"),
    SignalDecl("hill", ifn_num / (ifn_den + ifn_num), "H_I", "IFNAR occupancy I/(1+I)"),
    SignalDecl("s_r", q["t_ifnar"] * q["t_stat1"] * sig * hill, "s", "IFNAR-JAK-STAT1 signal"),
    SignalDecl("A", ca * hill, "A", "acute pSTAT1/ISGF3 signal (QSS)"),
    SignalDecl("lam", q["r_g"] * (1 - IN_VIVO * B / p["K"]), "\\lambda", "clonogen birth rate"),
    SignalDecl("bh", (floor_pos(B, _TINY) / p["B_h"]) ** sp.Rational(2, 3), "\\beta_h", ""),
    SignalDecl(
        "y_num",
        p["e_kill"] / p["kappa_max"] * Es * (1 + p["m_A"] * A) * (1 - p["theta_S"] * Zsb),
        "y_n",
        "",
    ),
    SignalDecl("y_den", (1 + L * (1 - o_pd1)) * (1 + bh), "y_d", ""),
    SignalDecl(
        "kill",
        IN_VIVO * p["kappa_max"] * y_num / (y_den + y_num),
        "\\kappa",
        "T-cell kill rate per clonogen",
    ),
    SignalDecl("ifn_death", p["k_A"] * A * G, "k_{ID}", "IFN-driven death rate of clonogens"),
    SignalDecl(
        "ag_death",
        IN_VIVO * p["k_nec"] * q["h_sting"] * g_ag / (1 + g_ag),
        "k_{AD}",
        "death rate of clonogens by the agonist's host-STING-dependent, T-cell-independent "
        "haemorrhagic necrosis (TNF-alpha; 0 without an agonist)",
    ),
    SignalDecl("infl", q["h_T"] * q["tau"] * (1 + p["c_X"] * A), "\\Psi_E", "CD8+ influx"),
    SignalDecl(
        "prime",
        (1 + p["s_reg"])
        / (1 + p["s_reg"] * Treg)
        * (1 + p["m_ctla"] * ctla)
        * (1 + p["m_ox40"] * ox40),
        "\\pi_T",
        "priming relative to before treatment: Treg suppression, CTLA-4 blockade and OX40 "
        "co-stimulation of the newly primed cells",
    ),
    SignalDecl(
        "lam2",
        q["r_g"] * (1 - IN_VIVO * N2 / p["K"]),
        "\\lambda_2",
        "birth rate in the second (unirradiated) lesion",
    ),
    SignalDecl("bh2", (floor_pos(N2, _TINY) / p["B_h"]) ** sp.Rational(2, 3), "\\beta_{h2}", ""),
    SignalDecl("y2_num", p["e_kill"] / p["kappa_max"] * Es2, "y_{n2}", ""),
    SignalDecl(
        "y2_den",
        (1 + p["l_E"] * Es2 / (1 + Es2) * (1 - o_pd1)) * (1 + bh2),
        "y_{d2}",
        "",
    ),
    SignalDecl(
        "kill2",
        IN_VIVO * p["kappa_max"] * y2_num / (y2_den + y2_num),
        "\\kappa_2",
        "T-cell kill rate per clonogen of the second lesion (no IFN signal, no dose there)",
    ),
    SignalDecl(
        "pol",
        1 - (1 - hsig * q["h_ifnar"] * hill) * (1 - Es / (1 + Es)),
        "\\mu",
        "M1 drive of macrophages: IFN-I on host IFNAR or effector T-cell IFN-gamma",
    ),
)

# ------------------------------------------------------------------------------ fraction
_FRACTION = (
    SignalDecl("fac", 1 - p["rho_R"] * R, "f_R", "IRDS radioresistance factor"),
    SignalDecl(
        "ln_sf",
        -(q["alpha"] * DOSE + q["beta"] * DOSE * (DOSE + 2 * PRIOR)) * fac,
        "\\ln SF",
        "log surviving fraction of clonogens (Lea-Catcheside: PRIOR unrepaired earlier dose)",
    ),
    SignalDecl("killed", -expm1(ln_sf), "\\left(1 - SF\\right)", "fraction of clonogens doomed"),
    SignalDecl(
        "SFL",
        sp.exp(-p["alpha_l"] * DOSE - p["beta_l"] * DOSE * (DOSE + 2 * PRIOR)),
        "SF_l",
        "surviving fraction of lymphocytes in the field",
    ),
    SignalDecl(
        "SFC",
        sp.exp(-DOSE / p["D0_c"]),
        "SF_c",
        "surviving fraction of resting (circulating, nodal) lymphocytes",
    ),
    SignalDecl(
        "SFB",
        1
        - p["blood_exposed"]
        * (1 - sp.exp(-DOSE * p["blood_dose_share"] / (p["blood_exposed"] * p["D0_c"]))),
        "SF_b",
        "surviving fraction of circulating lymphocytes (the share f_b of the blood passing "
        "the field gets d b_D / f_b)",
    ),
    SignalDecl("node", 1 - p["dln_in_field"] * (1 - SFC), "\\nu", "draining-node survival"),
)

# ------------------------------------------------------------------------------ start
_START = (
    SignalDecl("I0", p["tonic"] * q["chronic"] / p["k_I"], "I_0", "tonic IFN-I level"),
    SignalDecl("hill0", I0 / (1 + I0), "H_0", ""),
    SignalDecl("s0", q["t_ifnar"] * q["t_stat1"] * hill0, "s_0", ""),
    SignalDecl("U0", p["k_U"] * s0 / p["k_Ud"], "U_0", ""),
    SignalDecl("b0", 1 + p["w_U"] * U0, "b_0", ""),
    SignalDecl(
        "A0",
        2 * s0 / (b0 + sp.sqrt(b0**2 + 4 * p["w_F"] * s0)),
        "A_0",
        "root of w_F A^2 + b_0 A - s_0 = 0 (F at its steady state)",
    ),
    SignalDecl("R0", U0**2 / (p["K_U"] ** 2 + U0**2), "R_0", ""),
    SignalDecl(
        "Jb",
        p["w_b"] * p["d0"] * (q["n0"] + p["second_lesion"] * p["n0_second"]),
        "J_b",
        "antigen of spontaneous death",
    ),
    SignalDecl("phi0", Jb / (Jb + p["K_J"]), "\\Phi_0", ""),
    SignalDecl(
        "P0",
        IN_VIVO
        * p["k_P"]
        * phi0
        * (p["eps_P"] + (1 - p["eps_P"]) * q["h_ifnar"] * hill0)
        / p["k_Pd"],
        "P_0",
        "",
    ),  # fmt: skip
    SignalDecl("T0", q["h_T"] * p["k_T"] * P0 / p["k_Tel"], "T_0", ""),
    SignalDecl("Eb0", IN_VIVO * q["h_T"] * q["tau"] * (1 + p["c_X"] * A0), "E_{b0}", ""),
    SignalDecl("Es0", p["k_ET"] * T0 * Eb0 / p["k_Ed"], "E_{s0}", ""),
    SignalDecl("pol0", 1 - (1 - q["h_ifnar"] * hill0) * (1 - Es0 / (1 + Es0)), "\\mu_0", ""),
    SignalDecl(
        "Es20", IN_VIVO * q["h_T"] * q["tau"] * p["k_ET"] * T0 / p["k_Ed"], "E_{s0}^{(2)}", ""
    ),
)

_kD = p["k_D"]
# Resection (pre-operative radiotherapy, disease="preop"): the tumour-cell counts (N, D1-D4)
# keep the fraction RHO of the tumour that the bed holds after surgery (0 where surgery left
# no clonogens; N is floored at exp(-ZM_LN_CAP) of itself, numerically none, so that ln N stays
# finite). Every other state is left as it was: the per-cell states of the cells left behind
# (micronucleus precursors, cytosolic DNA, TREX1, feedback, U-STAT1, IRDS, Serpinb9-like
# inhibitors, PD-L1) are those of the tumour they were part of, as they received the same dose
# and IFN-I; the tumour-resident immune states are densities relative to the untreated tumour
# (CD8+ bystanders and effectors, Tregs, the M1 share), which taking tissue away does not change
# in the tissue left, and they relax to what the residual deposit sustains at their own rates
# (k_Ed, k_reg, k_mac); the systemic states (DC activation, primed pool, memory, circulating
# and nodal lymphocytes) are outside the field. The Zaider-Minerbo integral is unchanged:
# keeping each cell with probability RHO (binomial thinning) turns a lineage's survival
# probability m / (1 + m Lambda) into RHO m / (1 + RHO m Lambda), the same formula with m = N/N0
# taken after the jump, so TCP = [1 - m/(1 + m Lambda)]^N0 stays exact after the resection.
_RESECT_N = N * floor_pos(RHO, _ZM_FLOOR)
_STATES = (
    StateDecl(
        "N", "N", "N", "cells",
        "viable clonogenic tumour cells (carried as ln N by the solver)",
        forcing=grow * (lam - p["d0"] - kill - ifn_death - ag_death),
        jump=N * sp.exp(ln_sf),
        initial=q["n0"],
        log=True,
        title="viable clonogens (time zero: \\gamma = 0 before the first fraction, 1 after)",
        resection=_RESECT_N,
    ),
    StateDecl(
        "D1", "D1", "D_1", "cells",
        "doomed cells, stage 1 of 4 (lethally damaged, dying over days)",
        # cells dying of IFN and of the agonist's necrosis enter the doomed-cell chain as
        # irradiated ones do: their death signal J (k_D D_4) feeds host sensing and antigen
        forcing=grow * ifn_death * N + grow * ag_death * N, decay=_kD, jump=D1 + N * killed,
        title="doomed cells",
        resection=RHO * D1,
    ),
    StateDecl("D2", "D2", "D_2", "cells", "doomed cells, stage 2", forcing=_kD * D1, decay=_kD,
              resection=RHO * D2),
    StateDecl("D3", "D3", "D_3", "cells", "doomed cells, stage 3", forcing=_kD * D2, decay=_kD,
              resection=RHO * D3),
    StateDecl(
        "D4", "D4", "D_4", "cells", "doomed cells, stage 4 (release DNA and antigen on death)",
        forcing=_kD * D3, decay=_kD, resection=RHO * D4,
    ),
    StateDecl(
        "dna_pending", "M", "M", "1", "damaged cells yet to pass mitosis (micronucleus precursors)",
        forcing=sp.Integer(0), decay=p["k_mit"], jump=M + killed,
        title="micronucleus precursors",
    ),
    StateDecl(
        "dna", "S", "S", "a.u.", "cytosolic DNA (micronuclei) per tumour cell",
        forcing=p["k_mit"] * M - p["k_TX"] * X * S, decay=p["k_S"], title="cytosolic DNA",
    ),
    StateDecl(
        "trex1", "X", "X", "a.u.", "TREX1 induction",
        forcing=p["k_XA"] * A, decay=p["k_Xd"],
        jump=X + DOSE ** p["n_T"] / (p["D_T"] ** p["n_T"] + DOSE ** p["n_T"]),
        initial=p["k_XA"] * A0 / p["k_Xd"], title="TREX1 (induced by doses above D_T)",
    ),
    StateDecl(
        "feedback", "F", "F", "1", "SOCS1/USP18 negative feedback on IFNAR signalling",
        forcing=p["k_F"] * p["w_F"] * A, decay=p["k_F"], initial=p["w_F"] * A0,
        title="SOCS1/USP18 feedback",
    ),
    StateDecl(
        "ustat1", "U", "U", "a.u.", "U-STAT1/U-ISGF3 (slow, chronic arm)",
        forcing=p["k_U"] * s_r + p["k_UD"] * q["t_stat1"] * G, decay=p["k_Ud"], initial=U0,
        title="U-STAT1",
    ),
    StateDecl(
        "irds", "R", "R", "1", "IRDS programme (0-1): radioresistance, Serpinb9, PD-L1",
        forcing=p["k_R"] * U**2 / (p["K_U"] ** 2 + U**2), decay=p["k_R"], initial=R0,
        title="IRDS",
    ),
    StateDecl(
        "dc", "P", "P", "a.u.",
        "DC activation / priming (needs host IFNAR; antigen from dying cells)",
        forcing=IN_VIVO * p["k_P"] * phi_p
        * (p["eps_P"] + (1 - p["eps_P"]) * hsig * q["h_ifnar"] * hill),
        decay=p["k_Pd"], initial=P0, title="DC activation",
    ),  # fmt: skip
    StateDecl(
        "tpool", "T", "T", "a.u.", "primed tumour-specific CD8+ T cells outside the tumour",
        forcing=IN_VIVO * p["k_T"] * q["h_T"] * P_ * Nd * prime, decay=p["k_Tel"],
        jump=T * (1 - p["f_circ"] * (1 - SFL)) * node, initial=T0,
        title="primed CD8+ pool (V: the draining node's lymphocytes; \\pi_T: Tregs, anti-CTLA-4)",
    ),
    StateDecl(
        "cd8_bystander", "Eb", "E_b", "rel.", "non-specific CD8+ T cells in the tumour",
        forcing=IN_VIVO * p["k_Ed"] * infl, decay=p["k_Ed"], jump=Eb * SFL, initial=Eb0,
        title="bystander CD8+",
    ),
    StateDecl(
        "cd8_effector", "Es", "E_s", "rel.", "tumour-specific CD8+ effector T cells in the tumour",
        forcing=IN_VIVO * p["k_ET"] * T * infl, decay=p["k_Ed"], jump=Es * SFL, initial=Es0,
        title="effector CD8+",
    ),
    StateDecl(
        "pdl1", "L", "L", "1", "PD-L1 / T-cell exhaustion",
        forcing=IN_VIVO * p["k_pdl"] * (p["l_E"] * Es / (1 + Es) + p["l_A"] * A + p["l_R"] * R),
        decay=p["k_pdl"],
        initial=IN_VIVO * (p["l_E"] * Es0 / (1 + Es0) + p["l_A"] * A0 + p["l_R"] * R0),
        title="PD-L1/exhaustion",
    ),
    StateDecl(
        "zm_lambda", "Lam", "\\Lambda", "1",
        "Zaider-Minerbo integral of the birth rate over the expected clonogen fraction",
        # N0/N at most exp(ZM_LN_CAP) (see ZM_LN_CAP)
        forcing=grow * lam * q["n0"] / floor_pos(N, q["n0"] * _ZM_FLOOR),
        title="Zaider-Minerbo integral",
    ),
    StateDecl(
        "ifn_auc", "Iauc", "A_I", "EC50 d", "time integral of IFN-I since the start",
        forcing=ifn, title="IFN-I exposure",
    ),
    StateDecl(
        "memory", "Mm", "M_m", "a.u.",
        "tumour-specific memory CD8+ T cells formed since the start (outlast the tumour)",
        forcing=IN_VIVO * p["f_mem"] * p["k_Tel"] * T, decay=p["k_mem"], title="memory CD8+",
    ),
    StateDecl(
        "alc", "Alc", "C", "1",
        "circulating lymphocytes relative to before treatment (absolute count / ALC_0)",
        forcing=p["k_alc"], decay=p["k_alc"], jump=Alc * SFB,
        initial=sp.Integer(1), title="circulating lymphocytes (recovery)",
    ),
    StateDecl(
        "node", "Nd", "V", "1",
        "lymphocytes of the tumour-draining lymph node relative to before treatment "
        "(its priming capacity)",
        forcing=p["k_alc"], decay=p["k_alc"], jump=Nd * node, initial=sp.Integer(1),
        title="draining-node lymphocytes (recovery)",
    ),
    StateDecl(
        "serpinb9", "Zsb", "Z", "1",
        "ISG-encoded inhibitors of T-cell kill in tumour cells (Serpinb9-like, 0-1): induced "
        "by acute tumour IFNAR signalling, sustained by the IRDS state",
        forcing=p["k_sb"] * (A + R - A * R), decay=p["k_sb"], initial=A0 + R0 - A0 * R0,
        title="ISG-encoded inhibitors of T-cell kill (Serpinb9-like; PD-L1-independent)",
    ),
    StateDecl(
        "treg", "Treg", "T_{reg}", "rel.",
        "regulatory T cells in the tumour relative to before treatment: recruited/expanded "
        "by the death signal of irradiated cells, depleted by anti-CTLA-4; suppress priming",
        forcing=IN_VIVO * q["h_T"] * p["k_reg"] * (1 + p["r_reg"] * phi)
        - p["k_dep"] * ctla * Treg,
        decay=p["k_reg"], initial=IN_VIVO * q["h_T"],
        title="regulatory T cells (RT recruits, anti-CTLA-4 depletes)",
    ),
    StateDecl(
        "m1", "Mq", "m_1", "1",
        "M1-like share of tumour-associated macrophages (0-1; a read-out: it does not feed "
        "back on the tumour)",
        forcing=IN_VIVO * p["k_mac"] * (p["m1_base"] + (1 - p["m1_base"]) * pol),
        decay=p["k_mac"], initial=IN_VIVO * (p["m1_base"] + (1 - p["m1_base"]) * pol0),
        title="macrophage polarisation (M1 share)",
    ),
    StateDecl(
        "lesion2", "N2", "N_2", "cells",
        "viable clonogens of the second, unirradiated lesion (carried as ln; held when "
        "second_lesion = 0)",
        forcing=grow * p["second_lesion"] * (lam2 - p["d0"] - kill2),
        initial=p["n0_second"], log=True,
        title="second lesion (unirradiated; shares the primed pool T)",
    ),
    StateDecl(
        "cd8_effector2", "Es2", "E_{s2}", "rel.",
        "tumour-specific CD8+ effector T cells in the second lesion",
        forcing=IN_VIVO * p["k_ET"] * T * q["h_T"] * q["tau"], decay=p["k_Ed"],
        initial=_S("Es20"), title="effector CD8+ in the second lesion",
    ),
)  # fmt: skip

MODEL = ModelDecl(
    states=_STATES,
    signals=_SIGNALS,
    fraction=_FRACTION,
    start=_START,
    record="ifn",
    # without a second lesion its clonogens N2 are held (forcing and decay 0) and nothing else
    # reads them: the kernel integrates 25 states and skips the second lesion's kill rate
    switch="second_lesion",
    notes=(
        (
            "interventions",
            "g(t) = \\sum_k g_k e^{-k_{ag}(t-t_k)};\\ o(t) = s/(s+0.1),\\ "
            "s = \\sum_k o_k e^{-k_{pd1}(t-t_k)};\\ "
            "b, j, a: window doses of ifnar-block, jak-inhibitor, ifn-amplifier on tumour cells "
            "(compartment=tumour or both); b_h, j_h: of ifnar-block, jak-inhibitor on host "
            "immune cells (compartment=host or both); c_4(t) = s/(s+0.1),\\ "
            "s = \\sum_k c_k e^{-k_{ctla}(t-t_k)} (anti-ctla4); e_\\beta: window dose of "
            "ifn-beta; o_{40}(t) = s/(s+0.1),\\ s = \\sum_k x_k e^{-k_{ox40}(t-t_k)} "
            "(anti-ox40); \\iota = 1 in vivo, 0 in vitro",
        ),
        (
            "unrepaired dose of earlier fractions (Lea-Catcheside, repair half-time T_rep)",
            "Y_k = \\sum_{i<k} d_i e^{-\\ln 2 (t_k - t_i)/T_{rep}}",
        ),
    ),
)
