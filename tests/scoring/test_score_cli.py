"""``ifnexus score`` on h5ad and genes x samples tables."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from ifnexus.cli import main
from ifnexus.genesets import get_set
from ifnexus.scoring import score_sets, ssgsea


@pytest.fixture(scope="module")
def adata():
    rng = np.random.default_rng(2)
    ifna = list(get_set("IFNA").genes)
    genes = ifna + [f"FILL{i}" for i in range(400)]
    x = np.log1p(rng.poisson(rng.gamma(0.5, 1.0, len(genes)), size=(80, len(genes)))).astype(
        np.float32
    )
    a = ad.AnnData(
        sparse.csr_matrix(x),
        obs=pd.DataFrame(index=[f"c{i}" for i in range(80)]),
        var=pd.DataFrame(index=genes),
    )
    a.layers["counts"] = sparse.csr_matrix(np.expm1(x).round())
    return a


def test_score_h5ad(adata, tmp_path, capsys):
    path = tmp_path / "in.h5ad"
    adata.write_h5ad(path)
    out, rep = tmp_path / "scores.csv", tmp_path / "genes.csv"
    rc = main(
        [
            "score",
            str(path),
            "--sets",
            "IFNA,ISG.RS",
            "--seed",
            "4",
            "--chunk-size",
            "30",
            "--out",
            str(out),
            "--report",
            str(rep),
        ]
    )
    assert rc == 0, capsys.readouterr().err
    got = pd.read_csv(out, index_col=0)
    assert got.index.name == "cell" and list(got.index) == list(adata.obs_names)
    expect = score_sets(adata, ["IFNA", "ISG.RS"], rng=4)
    np.testing.assert_allclose(got.to_numpy(), expect.to_numpy(), atol=1e-12)
    report = pd.read_csv(rep)
    assert report.set_index("set").loc["HALLMARK_INTERFERON_ALPHA_RESPONSE", "n_found"] == len(
        get_set("IFNA")
    )


def test_score_table_ssgsea_and_gmt(tmp_path, capsys):
    rng = np.random.default_rng(0)
    genes = [f"G{i}" for i in range(300)]
    table = pd.DataFrame(
        rng.gamma(2.0, 2.0, size=(300, 6)), index=genes, columns=[f"s{i}" for i in range(6)]
    )
    table.index.name = "gene"
    tpath = tmp_path / "expr.tsv"
    table.to_csv(tpath, sep="\t")
    gmt = tmp_path / "sets.gmt"
    gmt.write_text(
        "up\tdesc\t" + "\t".join(genes[:20]) + "\nother\tdesc\t" + "\t".join(genes[100:130]) + "\n"
    )
    out = tmp_path / "s.csv"
    rc = main(["score", str(tpath), "--gmt", str(gmt), "--method", "ssgsea", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    got = pd.read_csv(out, index_col=0)
    assert got.index.name == "sample"
    expect = ssgsea(table, {"up": genes[:20], "other": genes[100:130]})
    np.testing.assert_allclose(got[["up", "other"]].to_numpy(), expect.to_numpy(), rtol=1e-10)


def test_score_cli_bad_input(adata, tmp_path, capsys):
    path = tmp_path / "in.h5ad"
    adata.write_h5ad(path)
    out = tmp_path / "o.csv"
    assert main(["score", str(path), "--sets", "IFNA", "--layer", "nope", "--out", str(out)]) == 2
    assert "no layer 'nope'; its layers are: 'counts'" in capsys.readouterr().err
    assert main(["score", str(path), "--sets", "SCHWANN_LINEAGE", "--out", str(out)]) == 2
    assert "0 of 21 genes found" in capsys.readouterr().err
    assert (
        main(["score", str(path), "--sets", "IFNA", "--species", "mouse", "--out", str(out)]) == 2
    )
    assert "look human" in capsys.readouterr().err
    assert main(["score", str(path), "--out", str(out)]) == 2
    assert "exactly one of --sets" in capsys.readouterr().err
    assert not out.exists()
