"""SBML Level 3 Version 2 export of one tumour (for libroadrunner, COPASI, tellurium, AMICI).

The model is written with states as non-constant parameters under rate rules (``N`` in cells,
not ``ln N``), the quasi-steady quantities as assignment rules, interventions as ``piecewise``
functions of time and each fraction as an event applied at its time with values from the
trigger time. The formulas are infix strings printed from the model's one declaration
(:mod:`ifnexus.model._equations`, into ``_generated_exports.py``) and turned into MathML by a
small converter (:func:`_mathml`), so no libSBML is needed to write the file.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

import numpy as np

from ifnexus.errors import ValidationError
from ifnexus.model import _generated_exports as _exports
from ifnexus.model._radiobiology import unrepaired_dose
from ifnexus.model._solver import _PD1_K
from ifnexus.model._system import LOG_ROWS, STATE_NAMES
from ifnexus.model._variants import DOSED

if TYPE_CHECKING:
    from ifnexus.model._tumour import TumourModel

__all__ = ["to_sbml"]

# every formula is printed from the model's declaration (model/_equations.py) by the generator
_SYM = dict(_exports.SBML_SYMBOLS)  # state name -> SBML identifier
# quasi-steady quantities, in dependency order (infix, SBML function names)
_ASSIGN = _exports.SBML_ASSIGN
_RATES = dict(_exports.SBML_RATES)
# fraction events: values after the fraction from those before, with placeholders DOSE (Gy)
# and PRIOR (unrepaired dose of earlier fractions, Gy)
_FRACTION = _exports.SBML_FRACTION
_FSIG = dict(_exports.SBML_FRACTION_SIGNALS)
_SF = f"exp({_FSIG['ln_sf']})"  # clonogen survival (DOSE, PRIOR and R)
_SFL = _FSIG["SFL"]  # lymphocytes in the field
_SFC = _FSIG["SFC"]  # resting (circulating, nodal) lymphocytes: exponential survival

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


_SUMMED = ("ifn-amplifier", "ifn-beta")


def _window(ivs, name: str, compartment: str = "tumour") -> str:
    ws = [iv for iv in ivs if iv.name == name and (iv.name in _SUMMED or iv.acts_on(compartment))]
    if not ws:
        return "0"
    if name in _SUMMED:  # window doses that add up (not blocked fractions)
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
    z0[list(LOG_ROWS)] = np.exp(z0[list(LOG_ROWS)])
    params: list[tuple[str, float, bool]] = [(k, float(v), True) for k, v in p.items()]
    params += [(f"q_{k}", float(v), True) for k, v in q.items()]
    params.append(("IN_VIVO", 0.0 if model.in_vitro else 1.0, True))
    for name, v in zip(STATE_NAMES, z0, strict=True):
        params.append((_SYM[name], float(v), False))
    drives = ["g_ag", "o_pd1", "blk", "jak", "amp", "grow", "hblk", "hjak", "ctla", "ifnb", "ox40"]
    names = [a for a, _ in _ASSIGN] + drives
    params += [(a, 0.0, False) for a in names]
    ivs = model.interventions
    rules = {}  # the drive's assignment rules, by drive variable
    for name, spec in DOSED.items():  # sums of decaying doses (occupancy s / (s + 0.1))
        s = _sum_decay([(d - t0, iv.dose) for iv in ivs if iv.name == name for d in iv.days],
                       spec.clearance)  # fmt: skip
        rules[spec.drive] = f"({s}) / ({s} + {_PD1_K!r})" if spec.occupancy else s
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
    rules |= {
        "blk": _window(shifted, "ifnar-block"),
        "jak": _window(shifted, "jak-inhibitor"),
        "amp": _window(shifted, "ifn-amplifier"),
        "hblk": _window(shifted, "ifnar-block", "host"),
        "hjak": _window(shifted, "jak-inhibitor", "host"),
        "ifnb": _window(shifted, "ifn-beta"),
        # time zero: clonogens held at their sampled number until the first fraction
        "grow": f"piecewise(0, lt(time, {first - t0!r}), 1)" if first > t0 else "1",
    }
    drive = tuple((v, rules[v]) for v in (*[v for v in drives if v != "grow"], "grow"))
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
        out.append(
            f'<event id="fraction_{k}" useValuesFromTriggerTime="true">'
            f'<trigger initialValue="false" persistent="true">'
            f"{_mathml(f'geq(time, {float(day) - t0!r})')}</trigger><listOfEventAssignments>"
        )
        for var, expr in _FRACTION:
            e = expr.replace("PRIOR", f"({float(y)!r})").replace("DOSE", f"({float(dose)!r})")
            out.append(f'<eventAssignment variable="{var}">{_mathml(e)}</eventAssignment>')
        out.append("</listOfEventAssignments></event>")
    out.append("</listOfEvents></model></sbml>")
    return "\n".join(out)
