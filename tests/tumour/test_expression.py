"""Expression input: formats, duplicate collapse, bad cells, scale detection, log2."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import IfnexusWarning, InputFormatError, ValidationError
from ifnexus.tumour import collapse_duplicates, detect_scale, log2_expression, read_expression

EXPR = pd.DataFrame(
    {"t1": [1.5, 2.0, 3.25], "t2": [4.0, 5.5, 6.0]}, index=pd.Index(["A", "B", "C"], name="gene")
)


def test_formats_round_trip(tmp_path):
    EXPR.to_csv(tmp_path / "x.csv")
    EXPR.to_csv(tmp_path / "x.tsv", sep="\t")
    EXPR.to_parquet(tmp_path / "x.parquet")
    with gzip.open(tmp_path / "x.tsv.gz", "wt") as fh:
        EXPR.to_csv(fh, sep="\t")
    # R write.table style: header has one field fewer than the rows
    (tmp_path / "r.txt").write_text("t1\tt2\nA\t1.5\t4\nB\t2\t5.5\nC\t3.25\t6\n")
    # GCT 1.2 as estimate writes it
    (tmp_path / "x.gct").write_text(
        "#1.2\n3\t2\nNAME\tDescription\tt1\tt2\nA\tA\t1.5\t4\nB\tB\t2\t5.5\nC\tC\t3.25\t6\n"
    )
    for name in ("x.csv", "x.tsv", "x.parquet", "x.tsv.gz", "r.txt", "x.gct"):
        got = read_expression(tmp_path / name)
        pd.testing.assert_frame_equal(got, EXPR, check_names=False)


def test_tcga_identifiers_and_annotation_columns(tmp_path):
    (tmp_path / "t.tsv").write_text(
        "gene_id\tEntrez_Gene_Id\tS1\nA|1\t1\t2\n?|100\t100\t3\nB|2\t2\t4\n"
    )
    got = read_expression(tmp_path / "t.tsv")
    assert got.index.tolist() == ["A", "B"] and got.columns.tolist() == ["S1"]


def test_duplicates_keep_highest_mean(tmp_path):
    df = pd.DataFrame(
        {"s1": [1.0, 5.0, 2.0, 9.0], "s2": [1.0, 5.0, 2.0, 0.0]}, index=["A", "A", "B", "A"]
    )
    with pytest.warns(IfnexusWarning, match="1 duplicated gene symbols collapsed .*highest mean"):
        out = collapse_duplicates(df)
    assert out.index.tolist() == ["A", "B"]
    assert out.loc["A"].tolist() == [5.0, 5.0]  # mean 5 beats 4.5 and 1
    df.to_csv(tmp_path / "d.csv")
    with pytest.raises(InputFormatError, match="duplicated gene symbols"):
        read_expression(tmp_path / "d.csv", collapse="error")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("gene,s1,s2\nA,1,2\nB,x,3\n", r"line 3, sample 's1', gene 'B': 'x' is not a number"),
        ("gene,s1,s2\nA,1,2\nB,3,\n", r"line 3, sample 's2', gene 'B': an empty cell"),
        ("gene,s1,s1\nA,1,2\n", "duplicated sample names"),
        ("gene\nA\n", "no samples"),
    ],
)
def test_bad_cells(tmp_path, text, match):
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(InputFormatError, match=match):
        read_expression(tmp_path / "bad.csv")


def test_missing_file(tmp_path):
    with pytest.raises(InputFormatError, match="not found"):
        read_expression(tmp_path / "nope.tsv")


def test_detect_scale():
    rng = np.random.default_rng(0)
    counts = pd.DataFrame(rng.poisson(50, size=(200, 4)).astype(float))
    tpm = counts / counts.sum() * 1e6
    tpm.iloc[:5] = 0.0
    assert detect_scale(counts)[0] == "counts"
    assert detect_scale(tpm)[0] == "tpm"
    assert detect_scale(np.log2(tpm + 1))[0] == "log"
    assert detect_scale(np.log2(tpm + 1) - 5)[0] == "log"  # negative values
    assert detect_scale(tpm + 20.5)[0] == "intensity"  # linear, no zeros, not integers


def test_log2_expression_closed_form():
    counts = pd.DataFrame({"s": [1.0, 3.0, 0.0]}, index=["a", "b", "c"])
    np.testing.assert_allclose(
        log2_expression(counts, "counts")["s"], np.log2(np.array([0.25e6, 0.75e6, 0.0]) + 1)
    )
    np.testing.assert_allclose(log2_expression(counts, "tpm")["s"], np.log2(counts["s"] + 1))
    pd.testing.assert_frame_equal(log2_expression(counts, "log"), counts)
    with pytest.raises(ValidationError, match="negative values"):
        log2_expression(counts - 1, "tpm")
    with pytest.raises(ValidationError, match="scale must be one of"):
        log2_expression(counts, "fpkm")


def test_side_tables_share_one_reader(tmp_path):
    """Segments and clinical tables: missing, empty and unparsable files are named errors."""
    from ifnexus.tumour import read_clinical, read_segments

    for reader, what in ((read_segments, "segment"), (read_clinical, "clinical")):
        with pytest.raises(InputFormatError, match=f"{what} file not found"):
            reader(tmp_path / "nope.tsv")
    (tmp_path / "empty.csv").write_text("ID,chrom,loc.start,loc.end,num.mark,seg.mean\n")
    with pytest.raises(InputFormatError, match="no segments"):
        read_segments(tmp_path / "empty.csv")
    (tmp_path / "clin.csv").write_text("sample,age\n")
    with pytest.raises(InputFormatError, match="no rows"):
        read_clinical(tmp_path / "clin.csv")
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(InputFormatError, match="cannot read as a clinical table"):
        read_clinical(tmp_path / "bad.parquet")
    (tmp_path / "c.tsv").write_text("ID\tpurity\nT1\t0.5\n")
    got = read_clinical(tmp_path / "c.tsv")
    assert got.index.tolist() == ["T1"] and got.loc["T1", "purity"] == 0.5
