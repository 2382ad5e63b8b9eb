"""Gene-set resolution, species checks and refusals of bad input."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from ifnexus.errors import UnknownNameError, ValidationError
from ifnexus.genesets import get_set
from ifnexus.scoring import detect_species, gene_report, resolve_sets, score_sets


def _adata(genes, n=60, seed=0):
    rng = np.random.default_rng(seed)
    x = np.log1p(rng.poisson(1.0, size=(n, len(genes)))).astype(np.float32)
    return ad.AnnData(sparse.csr_matrix(x), var=pd.DataFrame(index=genes))


FILLER = [f"FILL{i}" for i in range(200)]


def test_report_counts_found_and_missing():
    ifna = get_set("IFNA")
    present = list(ifna.genes[:10])
    resolved, report = resolve_sets("IFNA", present + FILLER)
    row = report.iloc[0]
    assert row["n_found"] == 10 and row["n_genes"] == len(ifna.genes)
    assert row["fraction_found"] == pytest.approx(10 / len(ifna.genes))
    assert resolved["HALLMARK_INTERFERON_ALPHA_RESPONSE"] == present
    assert set(row["missing"].split(";")) == set(ifna.genes[10:])


def test_alias_and_case_resolution():
    # TMEM173 is the legacy symbol of STING1 (curated alias table)
    resolved, report = resolve_sets(
        {"s": ["STING1", "stat1", "IRF3"]}, ["TMEM173", "STAT1", "IRF3"] + FILLER
    )
    assert resolved["s"] == ["TMEM173", "STAT1", "IRF3"]
    assert report.loc[0, "n_alias"] == 2


def test_refuses_too_few_genes_with_count():
    with pytest.raises(ValidationError, match=r"'s' \(2 of 5 genes found, need 3\)"):
        resolve_sets({"s": ["A1", "A2", "X", "Y", "Z"]}, ["A1", "A2"] + FILLER)
    # a 2-gene set (cytolytic activity) is fine when both genes are there
    resolved, _ = resolve_sets(["CYTOLYTIC_ROONEY2015"], ["GZMA", "PRF1"] + FILLER)
    assert resolved["CYTOLYTIC_ROONEY2015"] == ["GZMA", "PRF1"]
    # skip mode keeps going and says why
    adata = _adata(["A1", "A2"] + FILLER)
    out = score_sets(
        adata, {"s": ["A1", "A2", "X", "Y", "Z"], "t": FILLER[:10]}, on_too_few="skip", n_bins=10
    )
    assert out["s"].isna().all() and out["t"].notna().all()
    assert gene_report(out).set_index("set").loc["s", "status"] == "too_few"


def test_species_detection_and_mismatch():
    mouse = get_set("IFNA", species="mouse")
    assert detect_species(list(mouse.genes)) == "mouse"
    assert detect_species(list(get_set("IFNA").genes)) == "human"
    mouse_genes = list(mouse.genes) + [f"Gm{i}" for i in range(200)]
    with pytest.raises(ValidationError, match="look mouse"):
        resolve_sets(["IFNA"], mouse_genes, species="human")
    resolved, report = resolve_sets(["IFNA"], mouse_genes, species="mouse")
    assert report.loc[0, "species"] == "mouse"
    assert len(resolved["HALLMARK_INTERFERON_ALPHA_RESPONSE"]) == len(mouse.genes)
    # detected when not given
    _, report = resolve_sets(["IFNA"], mouse_genes)
    assert report.loc[0, "species"] == "mouse"


def test_unknown_set_name():
    with pytest.raises(UnknownNameError, match="unknown gene set"):
        resolve_sets(["NOT_A_SET"], FILLER)


def test_bad_values_refused():
    genes = [f"G{i}" for i in range(100)]
    x = np.abs(np.random.default_rng(0).normal(size=(20, 100)))
    neg = x.copy()
    neg[3, 4] = -1.5
    with pytest.raises(ValidationError, match=r"negative values \(minimum -1.5\)"):
        score_sets(neg, {"s": genes[:5]}, var_names=genes, n_bins=5)
    nan = x.copy()
    nan[2, 7] = np.nan
    with pytest.raises(ValidationError, match=r"non-finite.*\['G7'\]"):
        score_sets(nan, {"s": genes[:5]}, var_names=genes, n_bins=5)
    inf = sparse.csr_matrix(x)
    inf.data[0] = np.inf
    with pytest.raises(ValidationError, match="non-finite"):
        score_sets(inf, {"s": genes[:5]}, var_names=genes, n_bins=5)
    with pytest.raises(ValidationError, match="needs var_names"):
        score_sets(x, {"s": genes[:5]})
    adata = ad.AnnData(x, var=pd.DataFrame(index=genes))
    with pytest.raises(ValidationError, match="no layer 'counts'; its layers are: none"):
        score_sets(adata, {"s": genes[:5]}, layer="counts")
    with pytest.raises(ValidationError, match="no .raw"):
        score_sets(adata, {"s": genes[:5]}, use_raw=True)
    with pytest.raises(ValidationError, match="method must be"):
        score_sets(adata, {"s": genes[:5]}, method="aucell")
    with pytest.raises(ValidationError, match="single string"):
        score_sets(adata, {"s": "G1"})
    # the input is never modified
    before = x.copy()
    score_sets(adata, {"s": genes[:5]}, n_bins=5)
    np.testing.assert_array_equal(adata.X, before)


def test_low_coverage_is_a_warning_with_the_numbers():
    """Below LOW_COVERAGE (50 %) of a set's genes found: scored, with a warning giving numbers."""
    import warnings

    from ifnexus.errors import IfnexusWarning
    from ifnexus.scoring._sets import LOW_COVERAGE

    assert LOW_COVERAGE == 0.5
    genes = [f"G{i}" for i in range(10)]
    with pytest.warns(IfnexusWarning, match=r"gene set 's': only 4 of 10 genes \(40%\) found"):
        resolved, report = resolve_sets({"s": genes}, genes[:4] + FILLER)
    assert resolved["s"] == genes[:4] and report.loc[0, "status"] == "ok"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # half found: no warning
        resolve_sets({"s": genes}, genes[:5] + FILLER)


def test_below_min_genes_no_score_and_a_warning_when_skipped():
    from ifnexus.errors import IfnexusWarning

    genes = [f"G{i}" for i in range(10)]
    with pytest.raises(ValidationError, match=r"'s' \(2 of 10 genes found, need 3\)"):
        resolve_sets({"s": genes}, genes[:2] + FILLER)
    with pytest.warns(IfnexusWarning, match=r"gene set 's' not scored: 2 of 10 genes \(20%\)"):
        resolved, report = resolve_sets(
            {"s": genes}, genes[:2] + FILLER, on_too_few="skip", min_genes=3
        )
    assert "s" not in resolved and report.loc[0, "status"] == "too_few"
    a = _adata(genes[:2] + FILLER)
    with pytest.warns(IfnexusWarning, match="not scored"):
        out = score_sets(a, {"s": genes, "t": FILLER[:20]}, on_too_few="skip", n_bins=5)
    assert out["s"].isna().all() and out["t"].notna().all()
