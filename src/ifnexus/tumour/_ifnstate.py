"""The IFN state of each tumour: acute-competent, chronic (IRDS-high) or IFN-deficient.

The radiotherapy response turns on whether a tumour can mount an acute type I IFN burst
(cGAS/STING -> IFNB1 -> ISGs, DC and CD8 priming) or is locked in chronic, low-level signalling
(the IRDS / ISG.RS programme driven by unphosphorylated STAT1, which confers resistance), or cannot
make IFN at all. Signals per tumour:

* ``ifna_score``: ssGSEA (ESTIMATE form) of MSigDB Hallmark IFN-alpha response - the acute arm;
* ``isgrs_score``: ssGSEA of ISG.RS (Benci et al. 2016/2019), the tumour IRDS programme;
* ``ifng_score``: ssGSEA of the Ayers 2017 6-gene IFN-gamma signature, the immune arm (Benci et
  al. 2019 contrast ISG.RS with the immune IFNG.GS: ISG.RS high *relative* to IFN-gamma marks the
  resistant, chronic state);
* ``CGAS_log2``, ``STING1_log2``: expression of the DNA sensor and adaptor (aliases MB21D1,
  TMEM173 resolved);
* ``ifn_cluster_status`` from copy number (:func:`ifnexus.tumour.call_9p21`).

Each signal is turned into a robust z score against the cohort (or a reference cohort the user
gives): ``(x - median) / (1.4826 * MAD)`` (the SD when the MAD is 0). Rules, first match wins, all
thresholds are parameters:

1. ``ifn-deficient``: the IFN cluster is homozygously deleted, or ``z(CGAS) <= -2`` or
   ``z(STING1) <= -2`` (silenced relative to the cohort);
2. ``chronic``: ``z(ISG.RS) >= 1`` and ``z(ISG.RS) - z(IFNG) >= 1`` (IRDS-high, not explained by
   an immune IFN-gamma response);
3. ``acute-competent``: otherwise (pathway intact and not locked in the chronic state).

Without expression only rule 1's copy-number part can be applied: such tumours are
``ifn-deficient`` or NA. Every call comes with ``ifn_state_rule`` and a readable
``ifn_state_evidence`` listing the values behind it.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.genesets import get_set, resolve_genes
from ifnexus.scoring._ssgsea import ssgsea

logger = logging.getLogger(__name__)

IFN_STATES = ("acute-competent", "chronic", "ifn-deficient")
_MAD_NORMAL = 1.482602218505602  # 1 / Phi^-1(3/4): MAD -> SD for normal data
_SIGNAL_SETS = {
    "ifna_score": "HALLMARK_INTERFERON_ALPHA_RESPONSE",
    "isgrs_score": "ISG.RS",
    "ifng_score": "IFNG6_AYERS2017",
}
_Z_COLUMNS = {
    "isgrs_score": "isgrs_z",
    "ifng_score": "ifng_z",
    "ifna_score": "ifna_z",
    "CGAS_log2": "cgas_z",
    "STING1_log2": "sting1_z",
}


def ifn_signals(expr: pd.DataFrame, log2expr: pd.DataFrame) -> pd.DataFrame:
    """IFN-axis signals per sample (ssGSEA scores and CGAS/STING1 expression).

    Parameters
    ----------
    expr
        Genes x samples, any monotone scale (ssGSEA uses ranks over all genes).
    log2expr
        The same on a log2 scale (for CGAS and STING1 expression).

    Returns
    -------
    pandas.DataFrame
        ``ifna_score``, ``isgrs_score``, ``ifng_score``, ``CGAS_log2``, ``STING1_log2`` per
        sample; NaN where no gene of a signal is present (with a warning).
    """
    universe = [str(g) for g in expr.index]
    sets: dict[str, list[str]] = {}
    for col, name in _SIGNAL_SETS.items():
        sets[col] = list(resolve_genes(get_set(name).genes, universe).mapping.values())
    nonempty = {k: v for k, v in sets.items() if v}
    out = pd.DataFrame(index=expr.columns.copy())
    scored = ssgsea(expr, nonempty) if nonempty else pd.DataFrame(index=expr.columns)
    for col in _SIGNAL_SETS:
        out[col] = scored[col] if col in scored else np.nan
    for gene in ("CGAS", "STING1"):
        m = resolve_genes([gene], [str(g) for g in log2expr.index]).mapping
        out[f"{gene}_log2"] = log2expr.loc[m[gene]].to_numpy() if m else np.nan
    missing = [c for c in out.columns if out[c].isna().all()]
    if missing:
        warnings.warn(
            f"IFN signals without any gene in the expression data: {', '.join(missing)}",
            IfnexusWarning,
            stacklevel=2,
        )
    out.index.name = "sample"
    return out


def robust_z(values: pd.Series, reference: pd.Series | None = None) -> pd.Series:
    """``(x - median(ref)) / (1.4826 * MAD(ref))``, the SD when the MAD is 0, 0 when both are.

    The MAD is scaled by ``1 / Phi^-1(3/4)`` (scipy ``median_abs_deviation(scale="normal")``);
    ``ref`` defaults to ``values`` itself (the cohort).

    Parameters
    ----------
    values
        The values to standardise.
    reference
        The reference distribution; default ``values`` itself.

    Returns
    -------
    pandas.Series
        Robust z scores indexed like ``values`` (NaN when the reference is empty).
    """
    ref = (values if reference is None else reference).dropna().astype(np.float64)
    if ref.empty:
        return pd.Series(np.nan, index=values.index)
    med = float(ref.median())
    scale = _MAD_NORMAL * float((ref - med).abs().median())
    if scale <= 0:
        scale = float(ref.std(ddof=1)) if len(ref) > 1 else 0.0
    if not scale > 0:
        return (values - med) * 0.0
    return (values - med) / scale


def _fmt(x: float) -> str:
    return "NA" if pd.isna(x) else f"{x:.2f}"


def call_ifn_state(
    signals: pd.DataFrame | None,
    *,
    copy_number: pd.DataFrame | None = None,
    reference: pd.DataFrame | None = None,
    silenced_z: float = -2.0,
    chronic_z: float = 1.0,
    chronic_margin: float = 1.0,
) -> pd.DataFrame:
    """Call each tumour's IFN state with the evidence behind it.

    Parameters
    ----------
    signals
        Output of :func:`ifn_signals` (None when there is no expression).
    copy_number
        Output of :func:`ifnexus.tumour.call_9p21` (``ifn_cluster_status`` and counts), optional.
    reference
        Signals of a reference cohort (same columns as ``signals``); z scores are computed against
        it instead of against the tumours themselves.
    silenced_z
        CGAS or STING1 at or below this robust z -> IFN-deficient.
    chronic_z, chronic_margin
        ISG.RS robust z at or above ``chronic_z`` and at least ``chronic_margin`` above the IFN-gamma
        z -> chronic.

    Returns
    -------
    pandas.DataFrame
        Index ``sample`` (union of both inputs): ``isgrs_z``, ``ifng_z``, ``ifna_z``, ``cgas_z``,
        ``sting1_z`` (NaN without expression), ``ifn_state`` (one of ``acute-competent``,
        ``chronic``, ``ifn-deficient``; NA when it cannot be called), ``ifn_state_rule`` (the rule
        that decided it) and ``ifn_state_evidence`` (the values, as text).
    """
    if signals is None and copy_number is None:
        raise ValidationError("call_ifn_state needs expression signals, copy number, or both")
    for name, value in (("silenced_z", silenced_z), ("chronic_z", chronic_z),
                        ("chronic_margin", chronic_margin)):  # fmt: skip
        if not np.isfinite(float(value)):
            raise ValidationError(f"{name} must be a finite number, got {value!r}")
    if signals is not None and reference is not None:
        miss = [c for c in _Z_COLUMNS if c in signals and c not in reference]
        if miss:
            raise ValidationError(f"reference signals lack column(s) {miss}")
    idx = pd.Index([], name="sample")
    if signals is not None:
        idx = idx.append(signals.index)
    if copy_number is not None:
        idx = idx.append(copy_number.index.difference(idx, sort=False))
    out = pd.DataFrame(index=pd.Index(idx, name="sample"))
    if signals is not None:
        if reference is None and len(signals) < 10:
            logger.warning(
                "IFN state: z scores against a cohort of only %d tumours are unstable; "
                "give a reference cohort",
                len(signals),
            )
        for col, z in _Z_COLUMNS.items():
            ref = None if reference is None else reference[col]
            out[z] = robust_z(signals[col], ref).reindex(out.index)
    else:
        for z in _Z_COLUMNS.values():
            out[z] = np.nan
    has_expr = (
        pd.Series(out.index.isin(signals.index), index=out.index)
        if signals is not None
        else pd.Series(False, index=out.index)
    )
    cluster = (
        copy_number["ifn_cluster_status"].reindex(out.index)
        if copy_number is not None
        else pd.Series(np.nan, index=out.index, dtype=object)
    )
    states: list[object] = []
    rules: list[str] = []
    evidence: list[str] = []
    for s in out.index:
        r = out.loc[s]
        cs = cluster.loc[s]
        ev = []
        if copy_number is not None and s in copy_number.index:
            c = copy_number.loc[s]
            ev.append(
                f"IFN cluster {cs} ({c['ifn_cluster_n_homozygous']}/{c['ifn_cluster_n_assessed']} "
                "genes homozygous)"
            )
        else:
            ev.append("IFN cluster not assessed (no copy number)")
        if has_expr.loc[s]:
            diff = r["isgrs_z"] - r["ifng_z"]
            ev.append(
                f"CGAS z={_fmt(r['cgas_z'])}; STING1 z={_fmt(r['sting1_z'])}; "
                f"ISG.RS z={_fmt(r['isgrs_z'])}; IFNG z={_fmt(r['ifng_z'])}; "
                f"ISG.RS-IFNG={_fmt(diff)}; IFN-alpha z={_fmt(r['ifna_z'])}"
            )
        else:
            ev.append("no expression")
        if cs == "homozygous":
            state, rule = "ifn-deficient", "IFN cluster homozygously deleted"
        elif has_expr.loc[s] and r["cgas_z"] <= silenced_z:
            state, rule = "ifn-deficient", f"CGAS silenced (z <= {silenced_z:g})"
        elif has_expr.loc[s] and r["sting1_z"] <= silenced_z:
            state, rule = "ifn-deficient", f"STING1 silenced (z <= {silenced_z:g})"
        elif not has_expr.loc[s]:
            state, rule = pd.NA, "not callable: no expression and the IFN cluster is not lost"
        elif pd.isna(r["isgrs_z"]):
            state, rule = pd.NA, "not callable: ISG.RS genes absent"
        elif r["isgrs_z"] >= chronic_z and (
            pd.isna(r["ifng_z"]) or r["isgrs_z"] - r["ifng_z"] >= chronic_margin
        ):
            state = "chronic"
            rule = f"ISG.RS z >= {chronic_z:g} and >= {chronic_margin:g} above IFN-gamma z"
        else:
            state, rule = "acute-competent", "pathway intact, not IRDS-high"
        states.append(state)
        rules.append(rule)
        evidence.append("; ".join(ev))
    out["ifn_state"] = pd.Series(states, index=out.index, dtype="string")
    out["ifn_state_rule"] = rules
    out["ifn_state_evidence"] = evidence
    out.attrs["thresholds"] = {
        "silenced_z": silenced_z,
        "chronic_z": chronic_z,
        "chronic_margin": chronic_margin,
    }
    return out
