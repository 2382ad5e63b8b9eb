"""A pooled CRISPRi radiation-screen count table whose gene effects come from the in-vitro model.

Design (as in the seed's screen): T0, untreated and irradiated arms in replicate. Each
sgRNA has a knock-down efficacy (CRISPRi guides vary; many are weak), each gene a growth
effect (essential genes drop out) and a radiation effect: the log2 ratio of clonogenic
survival with and without the knock-down per irradiation round, taken from the model's
in-vitro mode. Counts are negative-binomial draws around the expected abundances at a
realistic depth, with a skewed library at T0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ifnexus._rng import RngLike, as_generator
from ifnexus.genesets import estimate_common_genes

# Ribosome, proteasome, RNA polymerase II, spliceosome and replication genes: the kind of core-essential
# genes that drop out of every CRISPR screen (Hart et al. 2015 Cell 163:1515); growth-phenotype controls.
ESSENTIAL = (
    "RPL3",
    "RPL4",
    "RPL7",
    "RPL11",
    "RPS3",
    "RPS6",
    "RPS11",
    "PSMA1",
    "PSMA3",
    "PSMB2",
    "POLR2A",
    "POLR2B",
    "SF3B1",
    "SF3B3",
    "EEF2",
    "CDC20",
    "PCNA",
    "RPA1",
    "SNRPD1",
    "NUP93",
)


def screen_counts(
    radiation_log2_effect: dict[str, float],
    *,
    n_neutral: int = 400,
    guides_per_gene: int = 5,
    n_nontargeting: int = 300,
    doublings_untreated: float = 8.0,
    doublings_treated: float = 6.0,
    rounds: int = 3,
    reads_per_guide: float = 500.0,
    rng: RngLike = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (count table in MAGeCK layout, per-gene truth).

    ``radiation_log2_effect`` maps genes to the log2 survival ratio (knock-down over wild type)
    per irradiation round at full knock-down; positive means the knock-down confers
    radioresistance. The count table has columns sgRNA, Gene, T0_1, T0_2, untreated_1,
    untreated_2, treated_1, treated_2; non-targeting guides have Gene ``non-targeting``.
    Truth columns: gene, class (radiation, essential, neutral), gamma_true (log2 growth effect per
    doubling) and rho_true (log2 enrichment irradiated over untreated at full knock-down).

    Parameters
    ----------
    radiation_log2_effect
        Gene -> log2 survival ratio per irradiation round at full knock-down.
    n_neutral
        Genes without an effect.
    guides_per_gene
        sgRNAs per gene.
    n_nontargeting
        Non-targeting sgRNAs.
    doublings_untreated, doublings_treated
        Population doublings from T0 to the untreated and the irradiated endpoint.
    rounds
        Irradiation rounds of the treated arm.
    reads_per_guide
        Mean sequencing depth per sgRNA and sample.
    rng
        Seed (int >= 0, 0 is valid), SeedSequence, Generator or None.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The count table and the per-gene truth (columns above).
    """
    g = as_generator(rng)
    planted = dict(radiation_log2_effect)
    pool = [x for x in estimate_common_genes() if x not in planted and x not in ESSENTIAL]
    neutral = list(g.choice(pool, size=n_neutral, replace=False))
    genes = list(planted) + list(ESSENTIAL) + neutral
    rows, truth = [], []
    for gene in genes:
        gamma = -g.uniform(0.3, 0.6) if gene in ESSENTIAL else g.normal(0, 0.01)
        rad = planted.get(gene, 0.0)
        cls = "radiation" if gene in planted else ("essential" if gene in ESSENTIAL else "neutral")
        truth.append({"gene": gene, "class": cls, "gamma_true": gamma, "rho_true": rad * rounds})
        for k in range(guides_per_gene):
            eff = g.beta(4, 1.6)  # CRISPRi efficacy: most guides work, some are weak
            rows.append((f"{gene}_sg{k + 1}", gene, eff * gamma, eff * rad))
    for k in range(n_nontargeting):
        rows.append((f"NT_{k + 1:04d}", "non-targeting", 0.0, 0.0))
    lib = pd.DataFrame(rows, columns=["sgRNA", "Gene", "gamma", "rad"])
    n = len(lib)
    a0 = g.lognormal(0, 0.5, n)
    a0 /= a0.sum()
    untreated = a0 * 2.0 ** (lib["gamma"].to_numpy() * doublings_untreated)
    treated = a0 * 2.0 ** (
        lib["gamma"].to_numpy() * doublings_treated + lib["rad"].to_numpy() * rounds
    )
    out = lib[["sgRNA", "Gene"]].copy()
    depth = reads_per_guide * n
    for label, abund in (("T0", a0), ("untreated", untreated), ("treated", treated)):
        for rep in (1, 2):
            mu = depth * g.lognormal(0, 0.05) * abund / abund.sum()
            mu = mu * g.lognormal(0, 0.08, n)  # replicate-level biological noise
            out[f"{label}_{rep}"] = g.poisson(g.gamma(20.0, mu / 20.0)).astype(np.int64)
    return out, pd.DataFrame(truth)
