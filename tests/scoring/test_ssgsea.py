"""ESTIMATE-form ssGSEA kernel: hand-worked cases, the R running-sum loop, and estimate 1.0.13."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

from ifnexus.errors import ValidationError
from ifnexus.scoring._ssgsea import ssgsea


def _loop_es(values: np.ndarray, genes: list[str], gene_set: list[str], alpha: float) -> np.ndarray:
    """Direct transcription of estimate 1.0.13 ``estimateScore``'s per-sample loop."""
    n = len(genes)
    m = np.column_stack([rankdata(values[:, j], method="average") for j in range(values.shape[1])])
    m = 10000 * m / n
    overlap = [g for g in dict.fromkeys(gene_set) if g in genes]
    hit_rows = {genes.index(g) for g in overlap}
    out = []
    for s in range(m.shape[1]):
        gene_list = np.argsort(-m[:, s], kind="stable")  # R order(decreasing=TRUE) is stable
        tag = np.array([1.0 if i in hit_rows else 0.0 for i in gene_list])
        correl = np.abs(m[gene_list, s]) ** alpha
        p0 = (1 - tag) / (n - len(overlap))
        pn = tag * correl / correl[tag == 1].sum()
        out.append(np.sum(np.cumsum(pn) - np.cumsum(p0)))
    return np.array(out)


def test_hand_worked_three_genes():
    # ranks 3,2,1 -> r = 10000, 6666.7, 3333.3; running sums worked by hand
    expr = pd.DataFrame({"s": [3.0, 2.0, 1.0]}, index=["a", "b", "c"])
    res = ssgsea(expr, {"top": ["a"], "bottom": ["c"], "ac": ["a", "c"]})
    assert res.loc["s", "top"] == pytest.approx(1.5)  # RES = 1, 0.5, 0
    assert res.loc["s", "bottom"] == pytest.approx(-1.5)  # RES = -0.5, -1, 0
    wa, wc = 10000**0.25, (10000 / 3) ** 0.25
    assert res.loc["s", "ac"] == pytest.approx(2 * wa / (wa + wc) - 1)  # RES = wa/S, wa/S - 1, 0


def test_ties_keep_input_row_order():
    # a and b tie; R's stable order puts the earlier row first
    expr = pd.DataFrame({"s": [1.0, 1.0, 0.0]}, index=["a", "b", "c"])
    assert ssgsea(expr, {"b": ["b"]}).loc["s", "b"] == pytest.approx(0.0)  # miss, hit, miss
    flipped = expr.loc[["b", "a", "c"]]
    assert ssgsea(flipped, {"b": ["b"]}).loc["s", "b"] == pytest.approx(1.5)  # hit, miss, miss


def test_matches_running_sum_loop_with_ties():
    rng = np.random.default_rng(0)
    genes = [f"g{i}" for i in range(300)]
    values = rng.integers(0, 40, size=(300, 7)).astype(float)  # many ties
    sets = {"A": genes[:25] + ["absent"], "B": genes[100:160:3], "C": ["g5", "g5", "g299"]}
    expr = pd.DataFrame(values, index=genes, columns=[f"s{j}" for j in range(7)])
    res = ssgsea(expr, sets, block_size=3)
    for name, members in sets.items():
        ref = _loop_es(values, genes, members, 0.25)
        np.testing.assert_allclose(res[name].to_numpy(), ref, rtol=1e-10, atol=1e-9)
    assert res.attrs["n_genes"] == {"A": 25, "B": 20, "C": 2}
    alt = ssgsea(expr, {"A": sets["A"]}, alpha=1.0)
    np.testing.assert_allclose(
        alt["A"].to_numpy(), _loop_es(values, genes, sets["A"], 1.0), rtol=1e-10
    )


def test_estimate_reference(shared):
    from ifnexus.genesets import estimate_common_genes, get_set

    x = pd.read_csv(shared("reference", "estimate", "sample_input.txt"), sep="\t", index_col=0)
    ref = pd.read_csv(
        shared("reference", "estimate", "ov_estimate_reference_scores.csv"), index_col=0
    )
    sub = x.loc[x.index.isin(estimate_common_genes())].sort_index()
    sets = {
        "StromalScore": get_set("ESTIMATE_STROMAL").genes,
        "ImmuneScore": get_set("ESTIMATE_IMMUNE").genes,
    }
    res = ssgsea(sub, sets)
    for col in sets:
        np.testing.assert_allclose(
            res[col].to_numpy(), ref.loc[res.index, col].to_numpy(), rtol=1e-9
        )


def test_sets_without_genes_are_nan_and_input_unchanged():
    expr = pd.DataFrame({"s1": [1.0, 2.0, 3.0], "s2": [3.0, 1.0, 2.0]}, index=["a", "b", "c"])
    before = expr.copy()
    res = ssgsea(expr, {"none": ["zz"], "few": ["a"]}, min_genes=1)
    assert res["none"].isna().all() and res["few"].notna().all()
    assert ssgsea(expr, {"few": ["a"]}, min_genes=2)["few"].isna().all()
    pd.testing.assert_frame_equal(expr, before)


@pytest.mark.parametrize(
    ("expr", "match"),
    [
        (pd.DataFrame({"s": [1.0, 2.0]}, index=["a", "a"]), "duplicated gene symbols"),
        (pd.DataFrame({"s": [1.0, "x"]}, index=["a", "b"]), "sample 's', gene 'b'"),
        (pd.DataFrame({"s": [1.0, np.nan]}, index=["a", "b"]), "sample 's', gene 'b'"),
        (pd.DataFrame({"s": [1.0]}, index=["a"]), "at least 2 genes"),
    ],
)
def test_bad_input(expr, match):
    with pytest.raises(ValidationError, match=match):
        ssgsea(expr, {"A": ["a"]})


def test_bad_gene_sets():
    expr = pd.DataFrame({"s": [1.0, 2.0]}, index=["a", "b"])
    with pytest.raises(ValidationError, match="single string"):
        ssgsea(expr, {"A": "a"})
    with pytest.raises(ValidationError, match="non-empty mapping"):
        ssgsea(expr, {})
