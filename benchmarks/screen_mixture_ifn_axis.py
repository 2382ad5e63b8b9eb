"""The planted cGAS-STING-IFN-I genes of the simulated CRISPRi radiation screen: called or not.

The seeded genome-wide screen of ``benchmarks/screen_vs_mageck.py`` (``build_table``: 20,000
genes x 10 guides, 70% of guides mostly active and 30% mostly inactive, 60 planted
radioresistance genes including the 13 IFN-axis genes). rho (irradiated vs untreated) by four
methods: the guide mixture on rho (``mixture_gene_calls(direction="positive")``), the mixture
on MAGeCK's signed sgRNA z (``sgrna_z_scores``), MAGeCK RRA (``mageck_test``, ``pos``) and
ScreenProcessing's rho discriminant score with its pseudogene FDR (``phenotypes``). Writes each
IFN-axis gene's rank and FDR per method, and the number of hits at FDR 0.05, to
``docs/screen_mixture/ifn_axis_simulated.csv``.

Usage: python benchmarks/screen_mixture_ifn_axis.py
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from screen_vs_mageck import IFN_AXIS, build_table  # noqa: E402

from ifnexus.screen import mageck_test, mixture_gene_calls, phenotypes, sgrna_z_scores  # noqa: E402


def main() -> None:
    counts, _, _ = build_table()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ph = phenotypes(counts, t0="T0_1,T0_2", untreated="untreated_1,untreated_2",
                        treated="irradiated_1,irradiated_2", control_gene="non-targeting")  # fmt: skip
        mix = mixture_gene_calls(
            ph.sgrnas, "rho", direction="positive", fdr_method="model"
        ).genes.set_index("gene")
        res = mageck_test(counts, treatment=["irradiated_1", "irradiated_2"],
                          control=["untreated_1", "untreated_2"])  # fmt: skip
        z = sgrna_z_scores(res.sgrnas)
        z["control"] = z["Gene"] == "non-targeting"
        mz = mixture_gene_calls(z, "z", direction="positive", fdr_method="model").genes.set_index(
            "gene"
        )
    rra = res.genes.set_index("id")
    rho = ph.genes.set_index("gene")
    rows = []
    for gene in IFN_AXIS:
        rows.append({
            "gene": gene,
            "mixture_rank": int((mix["log_odds"] > mix.loc[gene, "log_odds"]).sum()) + 1,
            "mixture_fdr": mix.loc[gene, "fdr"],
            "mixture_z_rank": int((mz["log_odds"] > mz.loc[gene, "log_odds"]).sum()) + 1,
            "mixture_z_fdr": mz.loc[gene, "fdr"],
            "rra_rank": int(rra.loc[gene, "pos|rank"]), "rra_fdr": rra.loc[gene, "pos|fdr"],
            "rho_rank": int((rho["rho_score"] > rho.loc[gene, "rho_score"]).sum()) + 1,
            "rho_fdr": rho.loc[gene, "rho_fdr"],
        })  # fmt: skip
    rows.append({
        "gene": "hits at FDR 0.05 (all genes)", "mixture_fdr": int(mix["hit"].sum()),
        "mixture_z_fdr": int(mz["hit"].sum()), "rra_fdr": int((rra["pos|fdr"] < 0.05).sum()),
        "rho_fdr": int(rho["rho_hit"].sum()),
    })  # fmt: skip
    df = pd.DataFrame(rows)
    df.to_csv(ROOT / "docs" / "screen_mixture" / "ifn_axis_simulated.csv", index=False,
              float_format="%.4g")  # fmt: skip
    print(df.to_string(index=False))


if __name__ == "__main__":
    main()
