"""Per-cell IFN state: ``acute``, ``chronic`` or ``none``, by two documented thresholds.

Scores are mean-control scores on log-normalised expression: the mean log-expression of the
set over that of expression-matched control genes (0: no excess).

Rules, in order:

1. ``acute``: ``ifn_acute_specific`` (the Hallmark IFN-alpha genes outside ISG.RS) >=
   ``acute_threshold``. An acute burst of type I IFN (pSTAT1/ISGF3) switches on the broad,
   strongly induced ISG programme, including the genes that chronic U-ISGF3 signalling does
   not sustain (Cheon 2013 EMBO J 32:2751); the IRDS genes shared with the Hallmark set are
   left out so that a strong chronic state is not read as acute. When that column is absent
   or empty, ``ifn_acute`` (the whole Hallmark set) is used instead.
2. ``chronic``: not acute, and ``ifn_chronic`` (ISG.RS, the IRDS programme) >=
   ``chronic_threshold``. Chronic low-level signalling (U-STAT1/U-ISGF3) keeps the IRDS subset
   moderately elevated without the full acute programme (Cheon 2013; Benci 2016).
3. ``none`` otherwise.

The defaults (0.5 and 0.25) mean an average excess of about 1.6-fold (e^0.5) over matched
controls across the Hallmark genes, and about 1.3-fold across ISG.RS; they are parameters
because depth and platform shift the scale, and the values used are written to the output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ifnexus.errors import ValidationError

IFN_STATES: tuple[str, ...] = ("acute", "chronic", "none")


def call_ifn_state(
    scores: pd.DataFrame, *, acute_threshold: float = 0.5, chronic_threshold: float = 0.25
) -> pd.Series:
    """Call ``acute`` / ``chronic`` / ``none`` per row from ``ifn_acute`` and ``ifn_chronic``.

    Parameters
    ----------
    scores
        One row per cell (or sample) with ``ifn_acute`` and ``ifn_chronic`` (and optionally
        ``ifn_acute_specific``, used for the acute call when it has values).
    acute_threshold
        Smallest acute score called ``acute``.
    chronic_threshold
        Smallest ``ifn_chronic`` called ``chronic`` (when not acute).

    Returns
    -------
    pandas.Series
        Categorical ``ifn_state`` indexed like ``scores``.

    Raises
    ------
    ValidationError
        A missing score column or a non-finite threshold.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"ifn_acute": [0.6, 0.1, 0.0], "ifn_chronic": [0.0, 0.3, 0.1]})
    >>> call_ifn_state(s).tolist()
    ['acute', 'chronic', 'none']
    """
    missing = [c for c in ("ifn_acute", "ifn_chronic") if c not in scores.columns]
    if missing:
        raise ValidationError(f"IFN state needs columns {missing} (scores of IFNA and ISG.RS)")
    if not np.isfinite(acute_threshold) or not np.isfinite(chronic_threshold):
        raise ValidationError("IFN-state thresholds must be finite numbers")
    acute_col = "ifn_acute"
    if "ifn_acute_specific" in scores.columns and scores["ifn_acute_specific"].notna().any():
        acute_col = "ifn_acute_specific"
    acute = scores[acute_col].to_numpy() >= acute_threshold
    chronic = ~acute & (scores["ifn_chronic"].to_numpy() >= chronic_threshold)
    state = np.where(acute, "acute", np.where(chronic, "chronic", "none"))
    return pd.Series(
        pd.Categorical(state, categories=list(IFN_STATES)), index=scores.index, name="ifn_state"
    )
