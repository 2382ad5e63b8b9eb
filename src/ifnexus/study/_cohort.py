"""The hidden truth of a virtual MPNST cohort, taken from the mechanistic model's patients.

The model draws each tumour's IFN competence (9p21 IFN-cluster loss, STING silencing), tonic
chronic IFN, T-cell infiltration ability and radiobiology, and simulates its course under
the schedule. Here that table is joined with what the model does not carry: the CDKN2A copy
number (assumed frequencies: CDKN2A/9p21 loss is frequent in MPNST, and smaller deletions
spare the IFN cluster), tumour purity (lower where T-cell infiltration is higher), age, sex and
disease extent. The true IFN state follows the tumour module's categories: ``ifn-deficient``
(IFN cluster homozygously lost or STING silenced), ``chronic`` (tonic IFN), else
``acute-competent``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ifnexus._ifn_state import true_ifn_state
from ifnexus._rng import RngLike, as_generator


def cohort_truth(model_patients: pd.DataFrame, *, rng: RngLike = 0) -> pd.DataFrame:
    """Derive the per-patient truth from a :func:`ifnexus.model.simulate_cohort` patient table.

    Returns the model's columns plus ``patient_id``, ``ifn_state_true``, ``cdkn2a_cn``,
    ``ifn_cluster_cn``, ``purity``, ``immune_infiltration``, ``age`` and ``sex``.

    Parameters
    ----------
    model_patients
        The ``patients`` table of a simulated cohort.
    rng
        Seed (int >= 0, 0 is valid), SeedSequence, Generator or None.

    Returns
    -------
    pandas.DataFrame
        One row per patient (the columns listed above).
    """
    g = as_generator(rng)
    p = model_patients.reset_index(drop=True).copy()
    n = len(p)
    cluster_loss = p["ifn_cluster_loss"].to_numpy(bool)
    cdkn2a = g.choice([0.0, 1.0, 2.0], size=n, p=[0.35, 0.30, 0.35])
    cdkn2a[cluster_loss] = 0.0  # the cluster is lost with CDKN2A (a large 9p21 deletion)
    cluster = np.full(n, 2.0)
    cluster[cluster_loss] = 0.0
    u = g.uniform(size=n)
    cluster[~cluster_loss & (cdkn2a < 2) & (u < 0.4)] = 1.0  # hemizygous co-loss keeps competence
    infil = p["infiltration"].to_numpy(float)
    infil_rel = infil / np.median(infil)
    purity = np.clip(g.beta(7, 3, n) - 0.12 * np.log(infil_rel), 0.25, 0.97)
    p.insert(0, "patient_id", [f"P{i + 1:04d}" for i in range(n)])
    p["ifn_state_true"] = true_ifn_state(p)
    p["cdkn2a_cn"] = cdkn2a
    p["ifn_cluster_cn"] = cluster
    p["purity"] = purity.round(4)
    p["immune_infiltration"] = infil_rel.round(4)
    p["age"] = np.clip(g.normal(42, 15, n), 18, 85).round(0)
    p["sex"] = g.choice(["F", "M"], size=n)
    return p
