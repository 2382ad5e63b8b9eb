"""The shipped gene-set resource: contents match the published lists, names resolve, errors are clear."""

from __future__ import annotations

import pytest

from ifnexus.errors import UnknownNameError, ValidationError
from ifnexus.genesets import GeneSet, available_sets, estimate_common_genes, get_set, list_sets


def _shared_genes(path):
    return [
        ln.split("\t")[0].strip()
        for ln in path.read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]


@pytest.mark.parametrize(
    ("name", "n"),
    [
        ("HALLMARK_INTERFERON_ALPHA_RESPONSE", 97),  # MSigDB v7.5.1 card
        ("HALLMARK_INTERFERON_GAMMA_RESPONSE", 200),
        ("ISG.RS", 38),  # Benci 2016
        ("ESTIMATE_STROMAL", 141),  # Yoshihara 2013
        ("ESTIMATE_IMMUNE", 141),
        ("CYTOLYTIC_ROONEY2015", 2),
        ("IFNG6_AYERS2017", 6),
        ("GEP18_AYERS2017", 18),
        ("M1_AZIZI2018", 16),
        ("M2_AZIZI2018", 34),
    ],
)
def test_published_sizes(name, n):
    assert len(get_set(name)) == n


def test_estimate_common_genes_count():
    genes = estimate_common_genes()
    assert len(genes) == 10412
    assert len(set(genes)) == 10412


def test_sets_match_shared_lists(shared):
    assert set(get_set("ISG.RS").genes) == set(
        _shared_genes(shared("genesets", "ISG_RS_Benci_38genes.txt"))
    )
    assert set(get_set("IFNA").genes) == set(
        _shared_genes(shared("genesets", "HALLMARK_INTERFERON_ALPHA_RESPONSE.txt"))
    )


def test_irds_specific_is_isgrs_minus_hallmark():
    isg = set(get_set("ISG.RS").genes)
    hall = set(get_set("IFNA").genes) | set(get_set("IFNG").genes)
    assert set(get_set("IRDS_SPECIFIC").genes) == isg - hall
    assert "STAT1" not in get_set("IRDS_SPECIFIC").genes


def test_ifn_cluster_is_16_genes():
    cluster = get_set("CHR9P21_IFN_CLUSTER").genes
    assert {"IFNB1", "IFNW1", "IFNE"} <= set(cluster)
    assert sum(g.startswith("IFNA") for g in cluster) == 13  # 13 functional IFNA genes


def test_every_set_has_provenance():
    df = list_sets()
    assert len(df) == len(available_sets())
    assert (df["source"].str.len() > 0).all()
    assert (df["licence"].str.len() > 0).all()
    assert (df["version"].str.len() > 0).all()


def test_name_lookup_is_case_insensitive_and_accepts_short_names():
    assert get_set("isg.rs").name == "ISG.RS"
    assert get_set("interferon_alpha_response").name == "HALLMARK_INTERFERON_ALPHA_RESPONSE"


def test_unknown_name_lists_known_sets():
    with pytest.raises(UnknownNameError, match="known sets: .*ISG.RS"):
        get_set("NOT_A_SET")
    with pytest.raises(KeyError):  # also a KeyError for callers that catch built-ins
        get_set("NOT_A_SET")


def test_empty_gene_list_refused():
    with pytest.raises(ValidationError, match="empty gene list"):
        GeneSet("X", ())
    with pytest.raises(ValueError):
        GeneSet("X", ("", "  "))
