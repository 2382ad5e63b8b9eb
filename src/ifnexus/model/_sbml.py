"""SBML Level 3 Version 2 export of one tumour (for libroadrunner, COPASI, tellurium, AMICI).

The model is written with states as non-constant parameters under rate rules (``N`` in cells,
not ``ln N``), the quasi-steady quantities as assignment rules, interventions as ``piecewise``
functions of time and each fraction as an event applied at its time with values from the
trigger time. Formulas are written once as infix strings here and turned into MathML by a small
converter (:func:`_mathml`), so no libSBML is needed to write the file.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

import numpy as np

from ifnexus.errors import ValidationError
from ifnexus.model._radiobiology import unrepaired_dose
from ifnexus.model._solver import _PD1_K
from ifnexus.model._system import STATE_NAMES

if TYPE_CHECKING:
    from ifnexus.model._tumour import TumourModel

__all__ = ["to_sbml"]

_SYM = {
    "N": "N", "D1": "D1", "D2": "D2", "D3": "D3", "D4": "D4", "dna_pending": "M", "dna": "S",
    "trex1": "X", "feedback": "F", "ustat1": "U", "irds": "R", "dc": "P", "tpool": "T",
    "cd8_bystander": "Eb", "cd8_effector": "Es", "pdl1": "L", "zm_lambda": "Lam",
    "ifn_auc": "Iauc", "memory": "Mm", "alc": "Alc", "node": "Nd",
    "serpinb9": "Zsb",
}  # fmt: skip

# quasi-steady quantities, in dependency order (infix, SBML function names)
_ASSIGN = (
    ("B", "N + D1 + D2 + D3 + D4"),
    ("G", "S / (K_G + S)"),
    ("inp", "c_cgas * q_t_cgas * S + g_ag"),
    ("sting", "q_t_sting * inp / (1 + inp)"),
    ("sig", "(1 - blk) * (1 - jak)"),
    ("hsig", "(1 - hblk) * (1 - hjak)"),
    ("ca", "q_t_ifnar * q_t_stat1 * sig / (1 + F + w_U * U)"),
    ("prod_t", "p_tum * (1 + amp) * q_t_cluster * q_t_irf3 * sting"),
    ("J", "k_D * D4"),
    ("phi", "IN_VIVO * J / (J + K_J)"),
    ("Jp", "J + w_b * d0 * N"),
    ("phi_p", "IN_VIVO * Jp / (Jp + K_J)"),
    ("p0", "prod_t + tonic * q_chronic + IN_VIVO * p_host * q_h_sting * (phi + g_ag / (1 + g_ag))"),
    ("bq", "k_I - p0 - prod_t * a_7 * ca"),
    ("sq", "sqrt(bq * bq + 4 * k_I * p0)"),
    ("ifn", "piecewise(2 * p0 / (bq + sq), gt(bq, 0), (sq - bq) / (2 * k_I))"),
    ("hill", "ifn / (1 + ifn)"),
    ("s_r", "q_t_ifnar * q_t_stat1 * sig * hill"),
    ("A", "ca * hill"),
    ("lam", "q_r_g * (1 - IN_VIVO * B / K)"),
    (
        "y",
        "e_kill / kappa_max * Es * (1 + m_A * A) * (1 - theta_S * Zsb) / ((1 + L * (1 - o_pd1))"
        " * (1 + (B / B_h) ^ (2 / 3)))",
    ),
    ("kill", "IN_VIVO * kappa_max * y / (1 + y)"),
    ("ifn_death", "k_A * A * G"),
)
_RATES = {
    "N": "grow * (lam - d0 - kill - ifn_death) * N",
    "D1": "grow * ifn_death * N - k_D * D1",
    "D2": "k_D * (D1 - D2)",
    "D3": "k_D * (D2 - D3)",
    "D4": "k_D * (D3 - D4)",
    "M": "-k_mit * M",
    "S": "k_mit * M - (k_S + k_TX * X) * S",
    "X": "k_XA * A - k_Xd * X",
    "F": "k_F * (w_F * A - F)",
    "U": "k_U * s_r + k_UD * q_t_stat1 * G - k_Ud * U",
    "R": "k_R * (U * U / (K_U * K_U + U * U) - R)",
    "P": "IN_VIVO * k_P * phi_p * (eps_P + (1 - eps_P) * hsig * q_h_ifnar * hill) - k_Pd * P",
    "T": "IN_VIVO * k_T * q_h_T * P * Nd - k_Tel * T",
    "Eb": "IN_VIVO * k_Ed * q_h_T * q_tau * (1 + c_X * A) - k_Ed * Eb",
    "Es": "IN_VIVO * k_ET * T * q_h_T * q_tau * (1 + c_X * A) - k_Ed * Es",
    "L": "IN_VIVO * k_pdl * (l_E * Es / (1 + Es) + l_A * A + l_R * R) - k_pdl * L",
    "Lam": "grow * lam * q_n0 / N",
    "Iauc": "ifn",
    "Mm": "IN_VIVO * f_mem * k_Tel * T - k_mem * Mm",
    "Alc": "k_alc * (1 - Alc)",
    "Nd": "k_alc * (1 - Nd)",
    "Zsb": "k_sb * (A + R - A * R - Zsb)",
}
_FRACTION = (
    ("N", "N * SFk"),
    ("D1", "D1 + N * (1 - SFk)"),
    ("M", "M + 1 - SFk"),
    ("X", "X + DOSE ^ n_T / (D_T ^ n_T + DOSE ^ n_T)"),
    ("Eb", "Eb * SFL"),
    ("Es", "Es * SFL"),
    ("T", "T * (1 - f_circ * (1 - SFL)) * (1 - dln_in_field * (1 - SFC))"),
    ("Alc", "Alc * (1 - f_circ * (1 - SFC))"),
    ("Nd", "Nd * (1 - dln_in_field * (1 - SFC))"),
)
_SF = "exp(-(1 - rho_R * R) * (q_alpha * DOSE + q_beta * DOSE * (DOSE + 2 * PRIOR)))"
_SFL = "exp(-alpha_l * DOSE - beta_l * DOSE * (DOSE + 2 * PRIOR))"
_SFC = "exp(-DOSE / D0_c)"  # resting (circulating, nodal) lymphocytes: exponential survival

_OPS = {ast.Add: "plus", ast.Sub: "minus", ast.Mult: "times", ast.Div: "divide", ast.Pow: "power",
        ast.BitXor: "power"}  # fmt: skip
_FUNCS = {"exp": "exp", "sqrt": "root", "ln": "ln", "gt": "gt", "geq": "geq", "lt": "lt",
          "and_": "and"}  # fmt: skip
_TIME = '<csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol>'


def _m(node) -> str:
    if isinstance(node, ast.Expression):
        return _m(node.body)
    if isinstance(node, ast.BinOp):
        return f"<apply><{_OPS[type(node.op)]}/>{_m(node.left)}{_m(node.right)}</apply>"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return f"<apply><minus/>{_m(node.operand)}</apply>"
    if isinstance(node, ast.Constant):
        return f"<cn>{float(node.value)!r}</cn>"  # type: ignore[arg-type]  # numeric literals only
    if isinstance(node, ast.Name):
        return _TIME if node.id == "time" else f"<ci>{node.id}</ci>"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name = node.func.id
        args = [_m(a) for a in node.args]
        if name == "piecewise":  # piecewise(value, condition, otherwise)
            return f"<piecewise><piece>{args[0]}{args[1]}</piece><otherwise>{args[2]}</otherwise></piecewise>"
        return f"<apply><{_FUNCS[name]}/>{''.join(args)}</apply>"
    raise ValidationError(f"cannot write {ast.dump(node)} as MathML")  # pragma: no cover


def _mathml(expr: str) -> str:
    """MathML of an infix formula (``+ - * / ^``, exp, sqrt, ln, piecewise, comparisons)."""
    return (
        '<math xmlns="http://www.w3.org/1998/Math/MathML">'
        + _m(ast.parse(expr.replace("^", "**"), mode="eval"))
        + "</math>"
    )


def _sum_decay(pairs, k: str) -> str:
    terms = [
        f"piecewise({dose!r} * exp(-{k} * (time - {day!r})), geq(time, {day!r}), 0)"
        for day, dose in pairs
    ]
    return " + ".join(terms) if terms else "0"


def _window(ivs, name: str, compartment: str = "tumour") -> str:
    ws = [
        iv
        for iv in ivs
        if iv.name == name and (iv.name == "ifn-amplifier" or iv.acts_on(compartment))
    ]
    if not ws:
        return "0"
    if name == "ifn-amplifier":
        return " + ".join(
            f"piecewise({w.dose!r}, and_(geq(time, {w.start!r}), lt(time, {w.end!r})), 0)"
            for w in ws
        )
    keep = " * ".join(
        f"(1 - piecewise({w.dose!r}, and_(geq(time, {w.start!r}), lt(time, {w.end!r})), 0))"
        for w in ws
    )
    return f"1 - {keep}"


def to_sbml(model: TumourModel) -> str:
    """SBML L3V2 text of a :class:`~ifnexus.model.TumourModel`.

    Time is in days from the start of the simulation (``model.t0``); fraction events and
    intervention times are shifted accordingly. Species-free: every state is a parameter with
    a rate rule, so amounts are plain numbers (cells, or dimensionless signalling units).

    Parameters
    ----------
    model
        The tumour to export (:func:`ifnexus.model.tumour_model`).

    Returns
    -------
    str
        The SBML document (libroadrunner, COPASI and tellurium read it).
    """
    p, q = model.p, model.q
    t0 = model.t0
    first = float(model.schedule.first_day)
    z0 = model.initial_state()[:, 0].copy()
    z0[0] = np.exp(z0[0])
    params: list[tuple[str, float, bool]] = [(k, float(v), True) for k, v in p.items()]
    params += [(f"q_{k}", float(v), True) for k, v in q.items()]
    params.append(("IN_VIVO", 0.0 if model.in_vitro else 1.0, True))
    for name, v in zip(STATE_NAMES, z0, strict=True):
        params.append((_SYM[name], float(v), False))
    names = [a for a, _ in _ASSIGN] + ["g_ag", "o_pd1", "blk", "jak", "amp", "grow", "hblk", "hjak"]
    params += [(a, 0.0, False) for a in names]
    ivs = model.interventions
    ag = [(d - t0, iv.dose) for iv in ivs if iv.name == "sting-agonist" for d in iv.days]
    pd = [(d - t0, iv.dose) for iv in ivs if iv.name == "anti-pd1" for d in iv.days]
    shifted = [
        type(iv)(
            name=iv.name,
            dose=iv.dose,
            start=iv.start - t0,
            end=iv.end - t0,
            compartment=iv.compartment,
        )  # fmt: skip
        for iv in ivs
        if iv.is_window
    ]
    spd = _sum_decay(pd, "k_pd1")
    drive = (
        ("g_ag", _sum_decay(ag, "k_ag")),
        ("o_pd1", f"({spd}) / ({spd} + {_PD1_K!r})"),
        ("blk", _window(shifted, "ifnar-block")),
        ("jak", _window(shifted, "jak-inhibitor")),
        ("amp", _window(shifted, "ifn-amplifier")),
        ("hblk", _window(shifted, "ifnar-block", "host")),
        ("hjak", _window(shifted, "jak-inhibitor", "host")),
        # time zero: clonogens held at their sampled number until the first fraction
        ("grow", f"piecewise(0, lt(time, {first - t0!r}), 1)" if first > t0 else "1"),
    )
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">',
        f'<model id="ifnexus_tumour" name="{escape(f"ifnexus {model.setting} tumour, {model.genotype}, {model.host}, {model.schedule}")}" '
        'timeUnits="dimensionless">',
        '<listOfCompartments><compartment id="tumour" size="1" constant="true" '
        'spatialDimensions="3"/></listOfCompartments>',
        "<listOfParameters>",
    ]
    for name, v, const in params:
        out.append(f'<parameter id="{name}" value="{v!r}" constant="{str(const).lower()}"/>')
    out.append("</listOfParameters><listOfRules>")
    for var, expr in (*drive, *_ASSIGN):
        out.append(f'<assignmentRule variable="{var}">{_mathml(expr)}</assignmentRule>')
    for var, expr in _RATES.items():
        out.append(f'<rateRule variable="{var}">{_mathml(expr)}</rateRule>')
    out.append("</listOfRules><listOfEvents>")
    given = [(k, float(t), float(d)) for k, (t, d) in
             enumerate(zip(model.schedule.days, model.schedule.doses, strict=True))
             if d > 0 and t <= model.t_end]  # fmt: skip
    # the unrepaired dose of earlier fractions at each fraction (Lea-Catcheside)
    ys = (unrepaired_dose([t for _, t, _ in given], [d for _, _, d in given], p["T_rep"])
          if given else np.zeros(0))  # fmt: skip
    for (k, day, dose), y in zip(given, ys, strict=True):
        sf = _SF.replace("PRIOR", repr(float(y)))
        sfl = _SFL.replace("PRIOR", repr(float(y)))
        sub = {"DOSE": repr(float(dose)), "SFk": f"({sf})", "SFL": f"({sfl})",
               "SFC": f"({_SFC})"}  # fmt: skip
        out.append(
            f'<event id="fraction_{k}" useValuesFromTriggerTime="true">'
            f'<trigger initialValue="false" persistent="true">'
            f"{_mathml(f'geq(time, {float(day) - t0!r})')}</trigger><listOfEventAssignments>"
        )
        for var, expr in _FRACTION:
            e = expr
            for a, b in sub.items():
                e = e.replace(a, b.replace("DOSE", sub["DOSE"]))
            out.append(f'<eventAssignment variable="{var}">{_mathml(e)}</eventAssignment>')
        out.append("</listOfEventAssignments></event>")
    out.append("</listOfEvents></model></sbml>")
    return "\n".join(out)
