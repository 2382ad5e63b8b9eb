"""Baseline bulk expression of a virtual cohort: tumour, stroma and immune compartments mixed by purity.

Signature genes are driven by each tumour's true IFN state (chronic: ISG.RS/IRDS up; acute-
competent: intact STING/cGAS and IFN cluster; IFN-deficient: the 9p21 IFN genes deleted or
STING1 silenced) and by its T-cell infiltration; compartments are mixed in linear space and
returned as log2 Affymetrix-like intensities with multiplicative noise, the scale on which
ESTIMATE's purity formula was calibrated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ifnexus._rng import RngLike, as_generator
from ifnexus.genesets import estimate_common_genes, get_set

# Immune-cell sets beyond ESTIMATE's: their genes are raised in the immune compartment.
_IMMUNE_SETS = (
    "DANAHER2017_CD8_T_CELLS",
    "DANAHER2017_T_CELLS",
    "DANAHER2017_CYTOTOXIC_CELLS",
    "DANAHER2017_MACROPHAGES",
    "DANAHER2017_B_CELLS",
    "DANAHER2017_NK_CELLS",
    "DANAHER2017_DC",
    "CYTOLYTIC_ROONEY2015",
    "GEP18_AYERS2017",
    "M1_AZIZI2018",
)
_SIGNATURES = (
    "HALLMARK_INTERFERON_ALPHA_RESPONSE",
    "HALLMARK_INTERFERON_GAMMA_RESPONSE",
    "ISG.RS",
    "CGAS_STING_IFNI_CORE",
    "CHR9P21_REGION",
    "ESTIMATE_STROMAL",
    "ESTIMATE_IMMUNE",
    "M2_AZIZI2018",
    "SCHWANN_LINEAGE",
    *_IMMUNE_SETS,
)


def bulk_expression(
    truth: pd.DataFrame, *, n_background: int = 3000, rng: RngLike = 0
) -> pd.DataFrame:
    """Return a genes x patients log2 expression matrix for the patients in ``truth``.

    ``truth`` needs columns ``patient_id``, ``purity``, ``immune_infiltration`` (relative T-cell
    infiltration, 1 = typical), ``ifn_state_true`` (acute-competent, chronic, ifn-deficient),
    ``ifn_cluster_cn`` (tumour copy number of the IFN cluster, 0-2) and ``sting_silenced`` (bool).

    Parameters
    ----------
    truth
        The per-patient truth (see above).
    n_background
        Background genes added beside the signature genes.
    rng
        Seed (int >= 0, 0 is valid), SeedSequence, Generator or None.

    Returns
    -------
    pandas.DataFrame
        log2 expression, genes (index ``gene``) x patients (columns: the ``patient_id`` values).
    """
    g = as_generator(rng)
    stromal = set(get_set("ESTIMATE_STROMAL").genes)
    immune = set(get_set("ESTIMATE_IMMUNE").genes)
    for name in _IMMUNE_SETS:
        immune |= set(get_set(name).genes)
    signature = {gene for name in _SIGNATURES for gene in get_set(name).genes}
    common = [x for x in estimate_common_genes() if x not in signature]
    background = list(g.choice(common, size=min(n_background, len(common)), replace=False))
    genes = sorted(signature) + sorted(background)
    n_genes, n = len(genes), len(truth)
    idx = {gene: i for i, gene in enumerate(genes)}

    # Baseline log2 level of each gene in each compartment.
    base = g.normal(7.0, 1.3, n_genes)
    tumour = np.tile(base, (n, 1))
    stroma = base + g.normal(0.0, 0.4, n_genes)
    immune_c = base + g.normal(0.0, 0.4, n_genes)
    for gene in stromal:
        if gene in idx:
            stroma[idx[gene]] += 3.5
            tumour[:, idx[gene]] -= 1.5
    for gene in immune:
        if gene in idx:
            immune_c[idx[gene]] += 3.5
            tumour[:, idx[gene]] -= 1.5
    for gene in get_set("SCHWANN_LINEAGE").genes:
        tumour[:, idx[gene]] += 2.0

    state = truth["ifn_state_true"].to_numpy()
    isg = [idx[x] for x in get_set("ISG.RS").genes]
    ifna = [idx[x] for x in get_set("HALLMARK_INTERFERON_ALPHA_RESPONSE").genes]
    chronic = state == "chronic"
    tumour[np.ix_(chronic, ifna)] += 0.6
    tumour[np.ix_(chronic, isg)] += 2.2 + g.normal(0, 0.3, (chronic.sum(), 1))
    deficient = state == "ifn-deficient"
    tumour[np.ix_(deficient, ifna)] -= 0.4
    tumour[np.ix_(deficient, isg)] -= 0.4
    cluster = [idx[x] for x in get_set("CHR9P21_IFN_CLUSTER").genes]
    cn = truth["ifn_cluster_cn"].to_numpy(float)
    tumour[:, cluster] += np.log2(np.maximum(cn, 0.02) / 2.0)[:, None]
    for locus in ("CDKN2A", "CDKN2B", "MTAP"):
        col = f"{locus.lower()}_cn"
        if col in truth:
            tumour[:, idx[locus]] += np.log2(np.maximum(truth[col].to_numpy(float), 0.02) / 2.0)
    silenced = truth["sting_silenced"].to_numpy(bool)
    tumour[silenced, idx["STING1"]] -= 4.0
    tumour[silenced, idx["CGAS"]] -= 1.5

    purity = truth["purity"].to_numpy(float)[:, None]
    infil = truth["immune_infiltration"].to_numpy(float)[:, None]
    immune_share = np.clip(0.35 * infil, 0.05, 0.85)
    lin = purity * 2.0**tumour + (1 - purity) * (
        (1 - immune_share) * 2.0**stroma + immune_share * 2.0**immune_c
    )
    values = np.log2(lin) + g.normal(0.0, 0.25, lin.shape)
    return pd.DataFrame(
        values.T, index=pd.Index(genes, name="gene"), columns=truth["patient_id"].to_list()
    )
