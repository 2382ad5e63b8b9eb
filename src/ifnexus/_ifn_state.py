"""The IFN state of model tumours, in the tumour module's categories.

Shared by ``ifnexus.study`` (the virtual cohort's truth) and ``ifnexus.trial`` (the IFN state
of each trial patient), which both classify :func:`ifnexus.model.simulate_cohort` patients.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["true_ifn_state"]


def true_ifn_state(patients: pd.DataFrame) -> np.ndarray:
    """Return the IFN state of model tumours, in the tumour module's categories.

    ``ifn-deficient`` when the IFN cluster is lost or STING silenced (sampled by the model or
    set by a genotype: ifn-cluster-loss, sting-loss, cgas-loss), ``chronic`` with tonic IFN
    (sampled, or the chronic-ifn genotype), else ``acute-competent``.

    Parameters
    ----------
    patients
        The ``patients`` table of :func:`ifnexus.model.simulate_cohort` (``ifn_cluster_loss``,
        ``sting_silenced``, ``chronic_ifn``; ``genotype`` when present).

    Returns
    -------
    numpy.ndarray
        One state per patient.
    """
    deficient = patients["ifn_cluster_loss"].to_numpy(bool) | patients["sting_silenced"].to_numpy(
        bool
    )
    chronic = patients["chronic_ifn"].to_numpy(float) > 0
    if "genotype" in patients:
        # the few distinct genotypes are read, not every patient's (a trial's 2,000 patients
        # per arm carry a handful: 15 ms of the designer's Run otherwise)
        codes, kinds = pd.factorize(patients["genotype"].astype(str))
        kinds = pd.Series(kinds, dtype=object).str
        lost = kinds.contains("ifn-cluster-loss|sting-loss|cgas-loss").to_numpy(bool)
        deficient |= lost[codes]
        chronic |= kinds.contains("chronic-ifn").to_numpy(bool)[codes]
    return np.where(deficient, "ifn-deficient", np.where(chronic, "chronic", "acute-competent"))
