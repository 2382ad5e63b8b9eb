"""The ranges a sensitivity analysis samples the model's parameters over, and where each comes from.

The parameter table (:data:`ifnexus.model.PARAMETERS`) gives each parameter a value per setting,
a source and hard limits (``lower``/``upper``: the values an override may take), but no
plausible range. A range here is, per parameter:

* ``documented``: a range stated in the parameter's own source text (:data:`DOCUMENTED`, e.g.
  the 0.5-1.5 h repair half-time usually taken for tumours), uniform, or log-uniform when its
  ends differ by more than a factor of 10;
* ``factor``: log-uniform from ``value / factor`` to ``value x factor`` (default factor 2)
  around the setting's value, clipped to the hard limits: used where the table has only hard
  limits (most ``assumed:`` values);
* ``given``: a range the caller gives (``ranges=``, ``--range NAME=LOW:HIGH``), uniform, or
  log-uniform when its ends differ by more than a factor of 10.

"Uncertain" parameters (the default set) are those whose source for the setting says
``assumed`` or ``calibrated``; interventions' pharmacokinetics only when interventions are
given, the outcome-label thresholds and the failure definition (``outcome`` group) never, and
the post-operative parameters only for post-operative disease.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from ifnexus.errors import UnknownNameError, ValidationError

__all__ = [
    "DOCUMENTED",
    "ParameterRange",
    "parameter_ranges",
    "uncertain_parameters",
]

Scale = Literal["linear", "log"]

#: parameter -> (setting or ``"both"``, low, high, the words of its source that give the range)
DOCUMENTED: Mapping[str, tuple[str, float, float, str]] = MappingProxyType(
    {
        "T_rep": (
            "both",
            0.5,
            1.5,
            "the 0.5-1.5 h usually taken for tumours (Thames & Hendry 1987; Fowler 1989)",
        ),
        "D_T": (
            "both",
            12.0,
            18.0,
            "TREX1 induced above 12-18 Gy (Vanpouille-Box et al. 2017 Nat Commun 8:15618)",
        ),
        "alpha_beta": (
            "patient",
            0.4,
            14.0,
            "soft-tissue sarcoma alpha/beta of 0.4-14 Gy used by Thames 1990, Cho 2023 and "
            "Gonzalez-Crespo 2021",
        ),
    }
)
#: used only for resected disease (``disease="postop"`` or ``"preop"``)
_POSTOP = frozenset({"n0_postop", "p_r1", "p_residual_r0", "p_residual_r1", "n_detect"})
_UNCERTAIN_WORDS = ("assumed", "calibrated")


@dataclass(frozen=True)
class ParameterRange:
    """The range one parameter is sampled over.

    Attributes
    ----------
    name
        Parameter name (:data:`ifnexus.model.PARAMETERS`).
    lower, upper
        The sampled range, ``lower < upper``, within the parameter's hard limits.
    value
        The parameter's value in the analysed setting (with any ``params`` override).
    scale
        ``"log"`` (log-uniform) or ``"linear"`` (uniform).
    basis
        ``"documented"``, ``"factor"`` or ``"given"``.
    note
        Where the range comes from, in words.
    unit
        The parameter's unit.
    """

    name: str
    lower: float
    upper: float
    value: float
    scale: Scale
    basis: str
    note: str
    unit: str = "1"

    def to_dict(self) -> dict[str, object]:
        """Return the range as a JSON-ready dict.

        Returns
        -------
        dict
            ``name``, ``lower``, ``upper``, ``value``, ``scale``, ``basis``, ``note``, ``unit``.
        """
        return {
            "name": self.name,
            "lower": self.lower,
            "upper": self.upper,
            "value": self.value,
            "scale": self.scale,
            "basis": self.basis,
            "note": self.note,
            "unit": self.unit,
        }


def _source(p, setting: str) -> str:
    return p.source_patient if setting == "patient" and p.source_patient else p.source


def uncertain_parameters(
    *, setting: str = "patient", disease: str = "gross", interventions: bool = False
) -> tuple[str, ...]:
    """Names of the parameters whose value in ``setting`` is assumed or calibrated.

    Parameters
    ----------
    setting
        ``"patient"`` or ``"mouse"``.
    disease
        ``"gross"``, ``"postop"`` or ``"preop"``: the resection parameters (``n0_postop``,
        ``p_r1``, ``p_residual_r0``, ``p_residual_r1``, ``n_detect``) count only for
        ``"postop"`` and ``"preop"``, the gross tumour's ``n0`` for ``"gross"`` and ``"preop"``,
        ``t_surgery`` only for ``"preop"``.
    interventions
        Include the interventions' pharmacokinetic parameters (``k_ag``, ``k_pd1``).

    Returns
    -------
    tuple of str
        In the order of the parameter table. Left out: the ``outcome`` group (label
        thresholds, the failure definition) and parameters whose value is 0 in the setting
        (nothing to scale; give a range to vary them).
    """
    from ifnexus.model import PARAMETERS

    out = []
    for p in PARAMETERS:
        if p.group == "outcome" or (p.group == "intervention" and not interventions):
            continue
        if (p.name in _POSTOP and disease not in ("postop", "preop")) or (
            p.name == "n0" and disease == "postop"
        ):
            continue
        if p.name == "t_surgery" and disease != "preop":
            continue
        if p.value(setting) == 0:
            continue
        src = _source(p, setting).lower()
        if any(w in src for w in _UNCERTAIN_WORDS):
            out.append(p.name)
    return tuple(out)


def _unknown(name: str, known: Sequence[str], option: str) -> UnknownNameError:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    return UnknownNameError(
        f"{option} names an unknown model parameter {name!r}; {hint}"
        "'ifnexus simulate params' lists them all"
    )


def parameter_ranges(
    names: Sequence[str] | None = None,
    *,
    setting: str = "patient",
    disease: str = "gross",
    factor: float = 2.0,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    params: Mapping[str, float] | None = None,
    interventions: bool = False,
) -> tuple[ParameterRange, ...]:
    """Return the sampled range of each analysed parameter.

    Parameters
    ----------
    names
        Parameters to vary (default: :func:`uncertain_parameters` of the setting); the names
        of ``ranges`` are added when not listed.
    setting
        ``"patient"`` or ``"mouse"``.
    disease
        ``"gross"``, ``"postop"`` or ``"preop"`` (for the default set).
    factor
        Where no range is documented or given: log-uniform over ``value / factor`` to
        ``value x factor``, clipped to the parameter's hard limits; ``factor > 1``.
    ranges
        Ranges given by name, ``(low, high)``: uniform, or log-uniform when
        ``high / low > 10``.
    params
        Parameter values replacing the setting's own (a ``--params`` file): the centre of factor
        ranges and the fixed value of every parameter not varied.
    interventions
        The run has interventions (their parameters join the default set).

    Returns
    -------
    tuple of ParameterRange
        One per parameter, in the order asked.

    Raises
    ------
    UnknownNameError
        An unknown parameter name (with the closest names).
    ValidationError
        ``factor <= 1``; an empty range (``low >= high``, or a factor range around a value of
        0); a range outside the parameter's hard limits; no parameter to vary; a name twice.
    """
    from ifnexus.model import PARAMETERS, parameters

    by_name = {p.name: p for p in PARAMETERS}
    try:
        fac = float(factor)
    except (TypeError, ValueError):
        raise ValidationError(f"factor must be a number > 1, got {factor!r}") from None
    if not math.isfinite(fac) or fac <= 1:
        raise ValidationError(f"factor must be a finite number > 1, got {factor!r}")
    given = dict(ranges or {})
    for k in given:
        if k not in by_name:
            raise _unknown(k, list(by_name), "ranges")
    if names is None:
        chosen = list(uncertain_parameters(setting=setting, disease=disease,
                                           interventions=interventions))  # fmt: skip
    else:
        chosen = [str(n).strip() for n in names]
        for n in chosen:
            if n not in by_name:
                raise _unknown(n, list(by_name), "vary")
        dup = sorted({n for n in chosen if chosen.count(n) > 1})
        if dup:
            raise ValidationError(f"vary names a parameter twice: {', '.join(dup)}")
    chosen += [k for k in given if k not in chosen]
    if not chosen:
        raise ValidationError("vary names no parameter")
    values = parameters(setting, **dict(params or {}))
    out = []
    for name in chosen:
        p = by_name[name]
        v = values[name]
        if name in given:
            try:
                lo, hi = (float(x) for x in given[name])
            except (TypeError, ValueError):
                raise ValidationError(
                    f"ranges needs two numbers (low, high) for {name!r}, got {given[name]!r}"
                ) from None
            scale: Scale = "log" if lo > 0 and hi / lo > 10 else "linear"
            basis, note = "given", f"given: {lo:g} to {hi:g}"
        elif name in DOCUMENTED and DOCUMENTED[name][0] in ("both", setting):
            _, lo, hi, words = DOCUMENTED[name]
            scale = "log" if hi / lo > 10 else "linear"
            basis, note = "documented", f"documented: {words}"
        else:
            if v <= 0:
                raise ValidationError(
                    f"params includes {name!r}, {v:g} in the {setting} setting, so a x/÷ {fac:g} range "
                    f"around it is empty; give one with --range {name}=LOW:HIGH"
                )
            lo, hi = max(v / fac, p.lower), min(v * fac, p.upper)
            scale, basis = "log", "factor"
            note = f"value x/÷ {fac:g} (log-uniform), within the accepted range {p.range_text}"
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise ValidationError(
                f"ranges gives an empty range for {name!r} ({lo:g} to {hi:g}); give low < high"
            )
        for end in (lo, hi):
            try:
                p.check(end)
            except ValidationError as exc:
                raise ValidationError(f"ranges gives {name!r} {lo:g} to {hi:g}: {exc}") from None
        if scale == "log" and lo <= 0:
            scale = "linear"
        out.append(ParameterRange(name=name, lower=lo, upper=hi, value=v, scale=scale,
                                  basis=basis, note=note, unit=p.unit))  # fmt: skip
    return tuple(out)
