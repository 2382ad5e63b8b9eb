"""9p21 copy-number calls: header styles, builds, thresholds, purity, gene-level input, bad rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import IfnexusWarning, InputFormatError, ValidationError
from ifnexus.genesets import chr9p21_genes
from ifnexus.tumour import adjust_for_purity, call_9p21, classify_log2, read_segments, region_genes

# hg38 (GENCODE v27) CDKN2A 21967753-21995301; IFN cluster 21077105 (IFNB1) .. 21482313 (IFNE)
ROWS = [
    ("homdel", "9", 1, 21000000, 100, 0.02),
    ("homdel", "9", 21000001, 22100000, 40, -1.6),  # IFN cluster + MTAP + CDKN2A/B
    ("homdel", "9", 22100001, 141000000, 900, -0.02),
    ("hemi", "chr9", 1, 21900000, 100, -0.3),  # cluster hemizygous
    ("hemi", "chr9", 21900001, 141000000, 900, -1.2),  # CDKN2A homozygous, MTAP partly
    ("neutral", "9", 1, 141000000, 1000, 0.05),
    ("neutral", "1", 1, 249000000, 2000, 0.0),
]


def _write(tmp_path, style: str):
    cols = {
        "dnacopy": ["ID", "chrom", "loc.start", "loc.end", "num.mark", "seg.mean"],
        "tcga": ["Sample", "Chromosome", "Start", "End", "Num_Probes", "Segment_Mean"],
    }[style]
    df = pd.DataFrame(ROWS, columns=cols)
    path = tmp_path / f"{style}.seg"
    df.to_csv(path, sep="\t", index=False)
    return path


def test_header_styles_agree(tmp_path):
    a = call_9p21(read_segments(_write(tmp_path, "dnacopy")), build="hg38")
    b = call_9p21(read_segments(_write(tmp_path, "tcga")), build="hg38")
    pd.testing.assert_frame_equal(a, b)
    assert a.loc["homdel", "cdkn2a_status"] == "homozygous"
    assert a.loc["homdel", "ifn_cluster_status"] == "homozygous"
    assert a.loc["homdel", "ifn_cluster_n_homozygous"] == 16
    assert bool(a.loc["homdel", "ifn_codeleted_with_cdkn2a"]) is True
    assert a.loc["hemi", "ifn_cluster_status"] == "hemizygous"
    assert a.loc["hemi", "cdkn2a_status"] == "homozygous"
    assert a.loc["hemi", "mtap_status"] == "homozygous"  # lowest overlapping segment wins
    assert bool(a.loc["hemi", "ifn_codeleted_with_cdkn2a"]) is True
    assert a.loc["neutral", "cdkn2a_status"] == "neutral"
    assert bool(a.loc["neutral", "ifn_codeleted_with_cdkn2a"]) is False
    assert a.loc["homdel", "CDKN2A_log2"] == pytest.approx(-1.6)
    genes = a.attrs["genes"]
    assert set(genes.loc[genes["ifn_cluster"], "gene"]) == {
        "IFNB1",
        "IFNW1",
        "IFNE",
        *[g for g in chr9p21_genes()["symbol"] if g.startswith("IFNA")],
    }


def test_builds_differ_by_one_base():
    hg38 = region_genes("hg38").set_index("symbol")
    hg19 = region_genes("GRCh37").set_index("symbol")
    assert (hg38["start"] - hg19["start"] == 1).all() and (hg38["end"] - hg19["end"] == 1).all()
    # NCBI Gene CDKN2A on GRCh37 (NC_000009.11): 21967751..21995300
    assert (
        abs(hg19.loc["CDKN2A", "start"] - 21967751) <= 1 and hg19.loc["CDKN2A", "end"] == 21995300
    )
    # a deletion ending one base before the hg38 CDKN2A start touches CDKN2A only on hg19
    seg = pd.DataFrame(
        {
            "ID": ["s"] * 2,
            "chrom": ["9"] * 2,
            "loc.start": [21900000, 21967753],
            "loc.end": [21967752, 30000000],
            "seg.mean": [-2.0, 0.0],
        }
    )
    assert call_9p21(seg, build="hg38").loc["s", "cdkn2a_status"] == "neutral"
    assert call_9p21(seg, build="hg19").loc["s", "cdkn2a_status"] == "homozygous"
    with pytest.raises(ValidationError, match="genome build"):
        region_genes("hg18")


def test_thresholds_inclusive_and_configurable():
    v = np.array([-1.1, -1.0999, -0.25, -0.2499, np.nan])
    assert classify_log2(v).tolist() == [
        "homozygous",
        "hemizygous",
        "hemizygous",
        "neutral",
        "no-data",
    ]
    assert (
        classify_log2(v, homozygous=-0.9, hemizygous=-0.1).tolist()[:4]
        == ["homozygous"] * 2 + ["hemizygous"] * 2
    )
    with pytest.raises(ValidationError, match="homozygous < hemizygous < 0"):
        classify_log2(v, homozygous=-0.1, hemizygous=-0.5)


def test_purity_rescaling_matches_cnvkit_formula():
    # CNVkit call --purity: ncopies = (2 * 2**l - 2 * (1 - p)) / p for a diploid genome
    obs = pd.DataFrame({"CDKN2A": [-0.4, -0.4, -0.4, -3.0]}, index=["a", "b", "c", "d"])
    pur = pd.Series({"a": 0.5, "b": 0.1, "c": np.nan, "d": 0.5})
    adj = adjust_for_purity(obs, pur)
    ncopies = (2 * 2**-0.4 - 2 * (1 - 0.5)) / 0.5
    assert adj.loc["a", "CDKN2A"] == pytest.approx(np.log2(ncopies / 2))
    assert adj.loc["b", "CDKN2A"] == -0.4 and adj.loc["c", "CDKN2A"] == -0.4  # too low / unknown
    assert adj.loc["d", "CDKN2A"] == -10.0  # below what a full loss gives: floored
    seg = pd.DataFrame(
        {
            "ID": ["a"],
            "chrom": ["9"],
            "loc.start": [20000000],
            "loc.end": [23000000],
            "seg.mean": [-0.8],
        }
    )
    assert call_9p21(seg, build="hg38").loc["a", "cdkn2a_status"] == "hemizygous"
    called = call_9p21(seg, build="hg38", purity=0.6)  # 2**-0.8 = 0.574 < 1 - 0.6 + 0.6 * 2**-1.1
    assert called.loc["a", "cdkn2a_status"] == "homozygous"
    assert called.loc["a", "purity_cn"] == 0.6
    with pytest.raises(ValidationError, match="purity must lie in"):
        adjust_for_purity(obs, pd.Series(1.5, index=obs.index))


def test_gene_level_input_log2_and_gistic():
    genes = ["CDKN2A", "MTAP", "IFNB1", "IFNA1", "IFNE", "TP53"]
    log2 = pd.DataFrame(
        {"t1": [-1.5, -1.5, -1.4, -1.3, -1.2, 0.0], "t2": [-0.5, 0, 0, 0, 0, 0]}, index=genes
    )
    res = call_9p21(gene_cn=log2)
    assert res.loc["t1", "cn_source"] == "gene-level log2"
    assert res.loc["t1", "ifn_cluster_status"] == "homozygous"
    assert res.loc["t1", "ifn_cluster_n_assessed"] == 3  # only the cluster genes in the table
    assert (
        res.loc["t2", "cdkn2a_status"] == "hemizygous"
        and res.loc["t2", "ifn_cluster_status"] == "neutral"
    )
    gistic = pd.DataFrame({"t1": [-2, -1, -2, -2, 0, 1], "t2": [0, 0, -1, -1, -1, 2]}, index=genes)
    res = call_9p21(gene_cn=gistic, purity=0.5)
    assert res.loc["t1", "cn_source"] == "gene-level gistic"
    assert (
        res.loc["t1", "mtap_status"] == "hemizygous"
        and res.loc["t1", "cdkn2a_status"] == "homozygous"
    )
    assert res.loc["t1", "ifn_cluster_status"] == "homozygous"  # 2 of 3 assessed
    assert res.loc["t2", "ifn_cluster_status"] == "hemizygous"
    assert res["purity_cn"].isna().all()  # calls are not rescaled
    with pytest.raises(ValidationError, match="none of the 9p21 genes"):
        call_9p21(gene_cn=gistic.rename(index=lambda g: g + "_x"))


def test_gene_table_without_cluster_genes():
    t = pd.DataFrame({"t1": [-2.0]}, index=["CDKN2A"])
    assert call_9p21(gene_cn=t).loc["t1", "ifn_cluster_status"] == "no-data"


def test_bad_segment_rows(tmp_path):
    p = tmp_path / "bad.seg"
    p.write_text(
        "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nA\t9\t10\t100\t5\t0.1\nB\t9\t500\t400\t5\t0\n"
    )
    with pytest.raises(
        InputFormatError, match=r"line 3, sample 'B': segment ends before it starts"
    ):
        read_segments(p)
    p.write_text("ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nA\t9\tten\t100\t5\t0.1\n")
    with pytest.raises(InputFormatError, match=r"line 2, sample 'A': start 'ten' is not a number"):
        read_segments(p)
    p.write_text("ID\tchrom\tstart\tend\tmean_log\nA\t9\t1\t2\t0\n")
    with pytest.raises(InputFormatError, match=r"missing column\(s\) \['seg_mean'\]"):
        read_segments(p)
    p.write_text(
        "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean\nA\tchrUn_gl000220\t1\t100\t5\t0.1\n"
        "A\t23\t1\t100\t5\t0\nA\t9\t1\t100\t5\tNA\n"
    )
    with pytest.warns(IfnexusWarning) as rec:
        seg = read_segments(p)
    msgs = " ".join(str(w.message) for w in rec)
    assert (
        "line 2 (A: 'chrUn_gl000220')" in msgs and "without seg.mean dropped, e.g. line 4" in msgs
    )
    assert seg["chrom"].tolist() == ["X"]


def test_call_arguments():
    with pytest.raises(ValidationError, match="exactly one of segments or gene_cn"):
        call_9p21()
    seg = pd.DataFrame(
        {"ID": ["a"], "chrom": ["9"], "loc.start": [1], "loc.end": [2], "seg.mean": [0.0]}
    )
    with pytest.raises(ValidationError, match="cluster_fraction"):
        call_9p21(seg, cluster_fraction=0)
    res = call_9p21(seg)  # the segment covers no 9p21 gene
    assert res.loc["a", "cdkn2a_status"] == "no-data" and pd.isna(
        res.loc["a", "ifn_codeleted_with_cdkn2a"]
    )
