"""Single-cell counts of irradiated and sham mouse tumours whose biology follows the model.

Cell-type proportions per sample follow the model's CD8+ T-cell response (RT multiplies the
CD8 share by the model's fold change at day 7), malignant cells carry a true IFN state
(acute, chronic or none) drawn from the model's fractions, and counts are negative-binomial
draws around cell-type profiles with per-cell library sizes, as UMI data are.

The IFN states follow Cheon et al. 2013 (EMBO J 32:2751), as the caller
(:mod:`ifnexus.singlecell._ifn_state`) reads them: an acute burst (pSTAT1/ISGF3) raises the whole
IFN-alpha response, the acute-only programme included; chronic low-level signalling (U-ISGF3)
raises only the sustained U-ISGF3 programme (``ifn_u_isgf3``) and leaves the acute-only genes at
rest, "with no sustained increase in other IFNbeta-induced proteins".
"""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ifnexus._rng import RngLike, as_generator
from ifnexus.genesets import get_set
from ifnexus.singlecell._ifn_state import programme_sets

# Canonical mouse markers per cell type (MGI symbols; standard scRNA-seq literature).
MARKERS: dict[str, tuple[str, ...]] = {
    "malignant": ("Sox10", "S100b", "Ngfr", "Plp1", "Mpz", "Pmp22", "Cdh19", "Mki67", "Top2a"),
    "CD8 T": ("Cd3e", "Cd3d", "Cd3g", "Cd8a", "Cd8b1", "Gzmb", "Prf1", "Nkg7"),
    "CD4 T": ("Cd3e", "Cd3d", "Cd3g", "Cd4", "Il7r", "Cd40lg", "Foxp3"),
    "NK": ("Ncr1", "Klrb1c", "Nkg7", "Gzma", "Klrd1"),
    "monocyte/macrophage": ("Cd68", "Adgre1", "Lyz2", "C1qa", "C1qb", "Csf1r", "Cd14", "Fcgr1"),
    "DC": ("Itgax", "Flt3", "Xcr1", "H2-Ab1", "Ccr7", "Clec9a"),
    "B": ("Cd79a", "Cd79b", "Cd19", "Ms4a1"),
    "fibroblast": ("Col1a1", "Col1a2", "Dcn", "Pdgfra", "Lum"),
    "endothelial": ("Pecam1", "Cdh5", "Kdr", "Cldn5", "Emcn"),
}
_SHAM_PROPORTIONS = {
    "malignant": 0.55,
    "CD8 T": 0.04,
    "CD4 T": 0.05,
    "NK": 0.02,
    "monocyte/macrophage": 0.16,
    "DC": 0.02,
    "B": 0.02,
    "fibroblast": 0.09,
    "endothelial": 0.05,
}


def singlecell_dataset(
    *,
    cd8_fold_change: float,
    acute_fraction_rt: float,
    chronic_fraction: float,
    n_samples_per_arm: int = 3,
    cells_per_sample: int = 2000,
    n_background: int = 600,
    ambient: float = 0.03,
    doublet_rate: float = 0.04,
    rng: RngLike = 0,
) -> tuple[ad.AnnData, pd.DataFrame]:
    """Return (AnnData of raw counts, per-sample truth).

    ``obs`` holds ``sample``, ``condition`` (RT or sham), ``true_cell_type``,
    ``true_ifn_state`` and ``true_doublet``; ``ambient`` is the share of each cell's reads from
    the sample's ambient RNA and ``doublet_rate`` the share of droplets holding two cells; the
    truth table has per-sample CD8 share among immune cells and the malignant IFN-state
    fractions that generated the data.

    Parameters
    ----------
    cd8_fold_change
        CD8+ T-cell share of RT over sham (the model's day-7 fold change).
    acute_fraction_rt
        Fraction of malignant cells in the acute IFN state after RT.
    chronic_fraction
        Fraction of malignant cells in the chronic IFN state (both arms).
    n_samples_per_arm
        Samples per arm (RT, sham).
    cells_per_sample
        Cells per sample.
    n_background
        Background genes beside the marker and signature genes.
    ambient
        Share of each cell's reads from the sample's ambient RNA.
    doublet_rate
        Share of droplets holding two cells.
    rng
        Seed (int >= 0, 0 is valid), SeedSequence, Generator or None.

    Returns
    -------
    (anndata.AnnData, pandas.DataFrame)
        Raw counts (cells x genes) and the per-sample truth.
    """
    g = as_generator(rng)
    ifna = get_set("HALLMARK_INTERFERON_ALPHA_RESPONSE", species="mouse").genes
    isg = get_set("ISG.RS", species="mouse").genes
    m1 = get_set("M1_AZIZI2018", species="mouse").genes
    programmes = programme_sets("mouse")
    acute_only = programmes["ifn_isgf3_acute"].genes  # pISGF3 burst, not sustained
    sustained = programmes["ifn_u_isgf3"].genes  # U-ISGF3: up after the burst and when chronic
    burst = set(ifna) | set(acute_only)
    marker_genes = {x for ms in MARKERS.values() for x in ms}
    programme_genes = set(ifna) | set(isg) | set(m1) | set(acute_only) | set(sustained)
    pool = [
        x
        for x in get_set("ESTIMATE_STROMAL", species="mouse").genes
        + get_set("HALLMARK_INTERFERON_GAMMA_RESPONSE", species="mouse").genes
        if x not in marker_genes | programme_genes
    ]
    background = [f"Bg{i:04d}" for i in range(n_background)]
    genes = (
        sorted(marker_genes)
        + sorted(programme_genes - marker_genes)
        + sorted(set(pool))
        + background
    )
    idx = {x: i for i, x in enumerate(genes)}
    types = list(MARKERS)

    base = g.lognormal(mean=-0.5, sigma=1.0, size=len(genes))
    profiles = {}
    for t in types:
        prof = base * g.lognormal(0, 0.3, len(genes))
        for x in MARKERS[t]:
            prof[idx[x]] = base[idx[x]] * 25 + 3.0
        profiles[t] = prof

    # One normalised expression profile per (cell type, IFN state, M1 shift) variant.
    burst_idx = [idx[x] for x in sorted(burst)]
    isg_only_idx = [idx[x] for x in isg if x not in burst]
    sustained_idx = [idx[x] for x in sustained]
    m1_idx = [idx[x] for x in m1]
    variants: dict[tuple[str, str, bool], np.ndarray] = {}
    for t in types:
        for state in ("acute", "chronic", "none") if t == "malignant" else ("none",):
            for m1_shift in (False, True) if t == "monocyte/macrophage" else (False,):
                mu = profiles[t].copy()
                if state == "acute":  # pSTAT1/ISGF3 burst: the whole ISG response
                    mu[burst_idx] *= 6.0
                    mu[isg_only_idx] *= 2.0
                elif state == "chronic":  # U-ISGF3: the sustained programme only (Cheon 2013)
                    mu[sustained_idx] *= 5.0
                if m1_shift:  # macrophages polarise towards M1 after RT
                    mu[m1_idx] *= 3.0
                variants[(t, state, m1_shift)] = mu / mu.sum()
    keys = list(variants)
    key_pos = {k: i for i, k in enumerate(keys)}
    profile_matrix = np.vstack([variants[k] for k in keys])

    cells: list[np.ndarray] = []
    obs: list[dict[str, str]] = []
    truth_rows = []
    for arm in ("sham", "RT"):
        for rep in range(n_samples_per_arm):
            sample = f"{arm}_{rep + 1}"
            props = dict(_SHAM_PROPORTIONS)
            if arm == "RT":
                props["CD8 T"] *= cd8_fold_change
                props["malignant"] *= 0.8
            w = np.array([props[t] for t in types]) * g.lognormal(0, 0.15, len(types))
            w /= w.sum()
            ct = g.choice(len(types), size=cells_per_sample, p=w)
            p_acute = acute_fraction_rt if arm == "RT" else 0.02
            p_chronic = chronic_fraction
            states = g.choice(
                ["acute", "chronic", "none"],
                size=cells_per_sample,
                p=[p_acute, p_chronic, 1 - p_acute - p_chronic],
            )
            lib = g.lognormal(np.log(3000), 0.35, cells_per_sample)
            cell_types = [types[i] for i in ct]
            cell_states = [
                str(st) if t == "malignant" else "none"
                for t, st in zip(cell_types, states, strict=True)
            ]
            rows = [
                key_pos[(t, st, t == "monocyte/macrophage" and arm == "RT")]
                for t, st in zip(cell_types, cell_states, strict=True)
            ]
            cells.append(lib[:, None] * profile_matrix[rows])
            obs.extend(
                {"sample": sample, "condition": arm, "true_cell_type": t, "true_ifn_state": st}
                for t, st in zip(cell_types, cell_states, strict=True)
            )
            immune = np.isin(
                ct,
                [
                    types.index(t)
                    for t in ("CD8 T", "CD4 T", "NK", "monocyte/macrophage", "DC", "B")
                ],
            )
            malignant = ct == types.index("malignant")
            truth_rows.append(
                {
                    "sample": sample,
                    "condition": arm,
                    "cd8_among_immune": float(
                        (ct == types.index("CD8 T")).sum() / max(immune.sum(), 1)
                    ),
                    "acute_fraction_malignant": float((states[malignant] == "acute").mean()),
                    "chronic_fraction_malignant": float((states[malignant] == "chronic").mean()),
                }
            )
    mu = np.vstack(cells)
    obs_df = pd.DataFrame(obs)
    obs_df["true_doublet"] = False
    # Droplet artefacts: ambient RNA (a share of each cell's reads from the sample's soup) and
    # heterotypic doublets (two cells in one droplet), at rates typical of 10x data.
    samples = obs_df["sample"].to_numpy()
    for s_name in np.unique(samples):
        in_sample = np.flatnonzero(samples == s_name)
        soup = mu[in_sample].mean(axis=0)
        soup /= soup.sum()
        mu[in_sample] = (1 - ambient) * mu[in_sample] + ambient * mu[in_sample].sum(
            axis=1, keepdims=True
        ) * soup
        n_dbl = int(round(doublet_rate * len(in_sample)))
        first = g.choice(in_sample, size=n_dbl, replace=False)
        mu[first] += mu[g.choice(in_sample, size=n_dbl)]
        obs_df.loc[first, "true_doublet"] = True
    # Negative binomial with dispersion 0.2 (shape 5): gamma-Poisson mixture.
    counts = g.poisson(g.gamma(5.0, mu / 5.0)).astype(np.float32)
    obs_df.index = [f"cell{i:06d}" for i in range(len(obs_df))]
    adata = ad.AnnData(X=sp.csr_matrix(counts), obs=obs_df, var=pd.DataFrame(index=genes))
    adata.uns["ifnexus_truth"] = {
        "species": "mouse",
        "generator": "ifnexus.study.singlecell_dataset",
    }
    return adata, pd.DataFrame(truth_rows)
