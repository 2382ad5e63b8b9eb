"""In-vitro mode: tumour cells only, clonogenic surviving fraction after graded single doses.

The setting of a CRISPRi radiation screen: no host cells, no immune layer, no carrying
capacity. Cells are irradiated once at day 0 and counted after ``days`` (colony assay); the
surviving fraction is the ratio of clonogens to an unirradiated plate of the same genotype, so
growth cancels. It is the LQ survival times the extra death from the autocrine IFN-I loop
(cGAS/STING -> IRF3 -> IFN-I -> IFNAR1/STAT1), which is why STING, IRF3, IFNAR1 and STAT1
loss raise survival (Zhu et al., JCI 2026).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ifnexus.errors import ValidationError
from ifnexus.model._limits import MAX_DOSE_POINTS, check_days
from ifnexus.model._solver import integrate
from ifnexus.model._system import IDX
from ifnexus.model._tumour import tumour_model
from ifnexus.model._variants import Intervention

__all__ = ["in_vitro_curves", "in_vitro_survival"]


def _doses(doses: ArrayLike) -> np.ndarray:
    try:
        d = np.atleast_1d(np.asarray(doses, dtype=float))
    except (TypeError, ValueError):  # e.g. the string '2,4': parse_dose_grid reads those
        raise ValidationError(
            f"doses must be a non-empty list of numbers (Gy), got {doses!r}"
        ) from None
    if d.ndim != 1 or d.size == 0:
        raise ValidationError("doses must be a non-empty list of numbers (Gy)")
    if np.any(~np.isfinite(d)) or np.any(d < 0):
        raise ValidationError(f"doses must be finite and >= 0 Gy, got {d.tolist()}")
    return d


def in_vitro_survival(
    doses: ArrayLike,
    *,
    genotype: str | Sequence[str] | None = None,
    setting: str = "patient",
    days: float = 14.0,
    interventions: str | Intervention | Sequence[str | Intervention] = (),
    params: dict[str, float] | None = None,
) -> np.ndarray:
    """Clonogenic surviving fraction after one dose of each of ``doses`` Gy.

    Parameters
    ----------
    doses
        Single doses in Gy (>= 0).
    genotype
        Tumour genotype (e.g. ``"sting-loss"``); default wild type.
    setting
        Whose tumour-cell parameters to use (``patient``: human MPNST cells; ``mouse``).
    days
        Colony-assay duration.
    interventions, params
        As in :func:`simulate_cohort` (e.g. a JAK inhibitor window in the dish).

    Returns
    -------
    numpy.ndarray
        Surviving fraction per dose.
    """
    return in_vitro_curves(doses, genotypes=[genotype], setting=setting, days=days,
                           interventions=interventions, params=params)["surviving_fraction"].to_numpy()  # fmt: skip


def in_vitro_curves(
    doses: ArrayLike,
    *,
    genotypes: Sequence[str | Sequence[str] | None] = (None,),
    setting: str = "patient",
    days: float = 14.0,
    interventions: str | Intervention | Sequence[str | Intervention] = (),
    params: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Survival curves of several genotypes.

    Parameters
    ----------
    doses
        Single doses in Gy (>= 0).
    genotypes
        One genotype per curve (e.g. ``["sting-loss", None]``; ``None`` is wild type).
    setting
        Whose tumour-cell parameters to use (``patient``: human MPNST cells; ``mouse``).
    days
        Colony-assay duration.
    interventions, params
        As in :func:`simulate_cohort` (e.g. a JAK inhibitor window in the dish).

    Returns
    -------
    pandas.DataFrame
        Columns ``genotype``, ``dose``, ``surviving_fraction``, ``lq_surviving_fraction`` (the
        LQ part alone, with the IRDS state at the time of irradiation) and ``ifn_kill`` (the
        extra log-kill of the IFN-I loop, ``ln(SF_LQ / SF)``).
    """
    d = _doses(doses)
    if d.size > MAX_DOSE_POINTS:
        raise ValidationError(f"{d.size} doses, over the limit of {MAX_DOSE_POINTS}")
    days = check_days(days, "days of the colony assay")
    rows = []
    for g in genotypes:
        m = tumour_model("0:1", setting=setting, genotype=g, interventions=interventions,
                         days=days, params=params, n0=1e6, in_vitro=True)  # fmt: skip
        n = d.size + 1
        q = {k: (np.full(n, v) if np.ndim(v) == 0 else v) for k, v in m.q.items()}
        z0 = np.repeat(m.initial_state(), n, axis=1)
        scale = np.r_[0.0, d]
        sol = integrate(z0, m.p, q, m.schedule, m.drive, m.t0, m.t_end, grid=m.grid(),
                        dose_scale=scale, in_vitro=True)  # fmt: skip
        ln_n = sol.z_end[IDX["N"]]
        sf = np.exp(ln_n[1:] - ln_n[0])
        r0 = z0[IDX["irds"], 0]
        fac = 1.0 - m.p["rho_R"] * r0
        ln_lq = -(m.q["alpha"] * d + m.q["beta"] * d * d) * fac
        lq = np.exp(ln_lq)
        # ln(SF_LQ / SF) as a difference of logs (the solver integrates ln N): finite where
        # both survivals underflow to 0 (hundreds of Gy), where the ratio would be 0/0
        kill = ln_lq - (ln_n[1:] - ln_n[0])
        rows.append(pd.DataFrame({"genotype": m.genotype, "dose": d, "surviving_fraction": sf,
                                  "lq_surviving_fraction": lq, "ifn_kill": kill}))  # fmt: skip
    return pd.concat(rows, ignore_index=True)
