"""Early vs late IFN-alpha exposure in a single-cell time course, at the programme level.

Reference: Bouman et al. 2024 (Life Sci Alliance 7:e202302309), mouse haematopoietic stem and
progenitor cells after one IFN-alpha injection in vivo (10x, 4 hashtag replicates per time; PBS,
3 h, 24 h, 72 h). The authors' per-cluster pseudobulk edgeR tests against PBS, kept by them
where |log2 FC| >= 1 and adjusted p <= 0.05, restricted to the ifnexus programme genes in
tests/data/bouman2024_hspc_ifna (README there). Libra reports the reference level first, so an
induced gene has a negative ``avg_logFC`` (Libra issues #18, #42).

What is checked (plan in docs/singlecell.md, "Fifth round", written before the rows were
read): after a burst the acute-only (pISGF3) programme falls back while the U-ISGF3 programme
stays induced (Cheon 2013). No cells are in the source, so the per-cell caller is not run; the
programmes it rests on (``programme_sets("mouse")``) are. Nothing is tuned on this set.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ifnexus.singlecell import programme_sets

DATA = Path(__file__).resolve().parents[1] / "data" / "bouman2024_hspc_ifna"
TIMES = ("3h", "24h", "72h")
ACUTE, SUSTAINED = "ifn_isgf3_acute", "ifn_u_isgf3"


def _rows() -> pd.DataFrame:
    return pd.read_csv(DATA / "de_rows.tsv", sep="\t")


def _clusters() -> list[str]:
    return (DATA / "clusters.txt").read_text().split("\n")[:-1]


def _induced(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[rows["avg_logFC"] <= -1.0]


def induced_fractions() -> pd.DataFrame:
    """Per programme and time: induced (gene, cluster) pairs over responding genes x clusters."""
    induced = _induced(_rows())
    n_clusters = len(_clusters())
    out = []
    for column, gene_set in programme_sets("mouse").items():
        mine = induced[induced["gene"].isin(gene_set.genes)]
        responding = mine["gene"].nunique()
        for time in TIMES:
            pairs = mine.loc[mine["time"] == time, ["gene", "cell_type"]].drop_duplicates()
            out.append(
                {
                    "programme": column,
                    "time": time,
                    "responding_genes": responding,
                    "induced_pairs": len(pairs),
                    "fraction": len(pairs) / (responding * n_clusters),
                }
            )
    return pd.DataFrame(out).set_index(["programme", "time"])


def test_derived_rows_match_their_description():
    rows = _rows()
    requested = set((DATA / "programme_genes.txt").read_text().split())
    programme_genes = {g for gs in programme_sets("mouse").values() for g in gs.genes}
    assert programme_genes <= requested  # re-derive if the programmes change
    assert set(rows["gene"]) <= requested
    assert set(rows["time"]) <= set(TIMES)
    assert len(_clusters()) == 12 and set(rows["cell_type"]) <= set(_clusters())
    # the authors' filter: |log2 FC| >= 1 and adjusted p <= 0.05
    assert (rows["avg_logFC"].abs() >= 1).all() and (rows["p_val_adj"] <= 0.05).all()


def test_both_programmes_are_induced_at_3h():
    f = induced_fractions()["fraction"]
    assert f[(ACUTE, "3h")] > 0 and f[(SUSTAINED, "3h")] > 0


MISSED_72H = pytest.mark.xfail(
    strict=True,
    reason=(
        "72 h after one injection in vivo both programmes are back to baseline at the source's "
        "2-fold filter (acute-only 1 of 168 pairs induced, sustained 0 of 204; Ifit1, Ifit3, "
        "Isg15, Oas3 and Cxcl10 below PBS in some clusters): no sustained phase is visible at "
        "72 h in this set (docs/singlecell.md, fifth round)"
    ),
)
LATE = ["24h", pytest.param("72h", marks=MISSED_72H)]


@pytest.mark.parametrize("time", LATE)
def test_acute_only_programme_falls_back_more_than_the_sustained(time):
    f = induced_fractions()["fraction"]
    retained_acute = f[(ACUTE, time)] / f[(ACUTE, "3h")]
    retained_sustained = f[(SUSTAINED, time)] / f[(SUSTAINED, "3h")]
    assert retained_acute < retained_sustained


@pytest.mark.parametrize("time", LATE)
def test_more_sustained_than_acute_only_pairs_induced_late(time):
    f = induced_fractions()["fraction"]
    assert f[(SUSTAINED, time)] > f[(ACUTE, time)]
