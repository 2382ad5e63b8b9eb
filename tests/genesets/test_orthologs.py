"""Human <-> mouse mapping: coverage of the shipped sets, documented families, table integrity.

The family expectations are facts from MGI / HGNC HCOP orthology records (OAS1 -> Oas1a-h,
IFIT3 -> Ifit3/Ifit3b, HLA class I -> H2-K1/H2-D1, STING1 -> Sting1, CGAS -> Cgas, ...).
"""

from __future__ import annotations

import pytest

from ifnexus.errors import InputFormatError, ValidationError
from ifnexus.genesets import (
    GeneSet,
    available_sets,
    convert_set,
    get_set,
    map_genes,
    ortholog_table,
)
from ifnexus.genesets._orthologs import RELATIONS, _parse_ortholog_table


def _orthologs(gene: str, source: str = "human") -> set[str]:
    target = "mouse" if source == "human" else "human"
    return set(map_genes([gene], source=source, target=target)["ortholog"]) - {""}


@pytest.mark.parametrize("name", available_sets())
def test_every_shipped_gene_has_a_curated_row(name):
    gs = get_set(name)
    mapped = map_genes(gs.genes)
    inferred = sorted(mapped.loc[mapped["relation"] == "inferred", "gene"])
    assert inferred == [], f"{name}: genes without a curated ortholog row: {inferred}"
    assert set(mapped["gene"]) == set(gs.genes)


def test_documented_families_human_to_mouse():
    assert {"Oas1a", "Oas1g"} <= _orthologs("OAS1")
    assert _orthologs("OAS1") == {f"Oas1{c}" for c in "abcdefgh"}
    assert _orthologs("IFIT3") == {"Ifit3", "Ifit3b"}
    assert {"H2-K1", "H2-D1"} <= _orthologs("HLA-A")
    assert {"H2-K1", "H2-D1"} <= _orthologs("HLA-B")
    assert _orthologs("STING1") == {"Sting1"}
    assert _orthologs("CGAS") == {"Cgas"}
    assert _orthologs("B2M") == {"B2m"}
    assert "Ifi27l2a" in _orthologs("IFI27")
    assert _orthologs("OASL") == {"Oasl1", "Oasl2"}
    assert _orthologs("HLA-DRA") == {"H2-Ea"}
    assert _orthologs("HLA-DQA1") == {"H2-Aa"}
    assert _orthologs("HLA-E") == {"H2-T23"}
    assert _orthologs("TP53") == {"Trp53"}  # MGI renamed symbols
    assert _orthologs("CA2") == {"Car2"}
    # no mouse ortholog
    for gene in ("GNLY", "GZMH", "IFI6", "IFNW1", "HLA-DPA1", "KIR2DL3", "CDKN2B-AS1", "CXCL8"):
        rows = map_genes([gene])
        assert list(rows["relation"]) == ["none"], gene
        assert list(rows["ortholog"]) == [""], gene
    # IFNA: independent expansions; every human IFNA maps to the mouse Ifna family
    assert {"Ifna1", "Ifna4", "Ifnab"} <= _orthologs("IFNA2")
    assert _orthologs("IFNA2") == _orthologs("IFNA21")


def test_relations_read_from_the_human_side():
    rel = dict(zip(map_genes(["OAS1"])["ortholog"], map_genes(["OAS1"])["relation"], strict=True))
    assert set(rel.values()) == {"one2many"}
    assert set(map_genes(["HLA-A"])["relation"]) == {"many2many"}
    assert set(map_genes(["STAT1"])["relation"]) == {"one2one"}


def test_mouse_to_human_reverse_mapping():
    assert _orthologs("Oas1a", "mouse") == {"OAS1"}
    assert _orthologs("Oas1g", "mouse") == {"OAS1"}
    assert _orthologs("Ifit3b", "mouse") == {"IFIT3"}
    assert _orthologs("Ifit3", "mouse") == {"IFIT3"}
    assert {"HLA-A", "HLA-B", "HLA-C"} <= _orthologs("H2-K1", "mouse")
    assert _orthologs("Sting1", "mouse") == {"STING1"}
    assert _orthologs("Cgas", "mouse") == {"CGAS"}
    assert _orthologs("Ifi27l2a", "mouse") == {"IFI27"}
    # one2many from the human side is many2one from the mouse side
    assert set(map_genes(["Oas1b"], source="mouse", target="human")["relation"]) == {"many2one"}
    # case-insensitive
    assert _orthologs("STING1", "mouse") == {"STING1"}


def test_legacy_human_symbols_map_through_aliases():
    rows = map_genes(["DDX58", "TMEM173", "FYB"])
    got = dict(zip(rows["gene"], rows["ortholog"], strict=True))
    assert got == {"DDX58": "Rigi", "TMEM173": "Sting1", "FYB": "Fyb"}
    note = rows.loc[rows["gene"] == "DDX58", "note"].iloc[0]
    assert note.startswith("DDX58 is HGNC RIGI")


def test_unknown_gene_falls_back_to_capitalisation():
    rows = map_genes(["MADEUP1"])
    assert list(rows["ortholog"]) == ["Madeup1"]
    assert list(rows["relation"]) == ["inferred"]
    back = map_genes(["Madeup1"], source="mouse", target="human")
    assert list(back["ortholog"]) == ["MADEUP1"]


def test_table_integrity():
    t = ortholog_table()
    assert list(t.columns) == ["human", "mouse", "relation", "note"]
    assert set(t["relation"]) <= set(RELATIONS)
    assert not t.duplicated(["human", "mouse"]).any()
    assert ((t["relation"] == "none") == (t["mouse"] == "")).all()
    # relations agree with the row counts on each side
    n_human = t.groupby("human").size()
    n_mouse = t[t["mouse"] != ""].groupby("mouse").size()
    for human, mouse, relation in zip(t["human"], t["mouse"], t["relation"], strict=True):
        if relation == "one2one":
            assert n_human[human] == 1 and n_mouse[mouse] == 1, (human, mouse)
        elif relation == "one2many":
            assert n_human[human] > 1 and n_mouse[mouse] == 1, (human, mouse)
        elif relation in ("many2one", "none"):
            assert n_human[human] == 1, (human, mouse)
    # a one2one row without a note is a same-symbol ortholog; anything else carries a note
    plain = t[(t["relation"] == "one2one") & (t["note"] == "")]
    capitalised = plain["human"].str[:1] + plain["human"].str[1:].str.lower()
    assert (plain["mouse"] == capitalised).all()
    assert (t.loc[t["relation"] != "one2one", "note"] != "").all()
    # the returned frame is the caller's copy
    t.loc[:, "mouse"] = "changed"
    assert _orthologs("STAT1") == {"Stat1"}
    assert (ortholog_table()["mouse"] != "changed").all()


def test_convert_set_notes_and_dedup():
    mouse = get_set("ISG.RS", species="mouse")
    assert mouse.species == "mouse"
    assert {"Stat1", "Ifi27l2a", "Ifit3", "Ifit3b", "Oas1a", "Oas1g", "H2-K1"} <= set(mouse.genes)
    assert "IFI27" in mouse.notes and "Ifi27l2a" in mouse.notes["IFI27"]
    assert mouse.notes["IFI6"].startswith("none: no ortholog")
    assert "STAT1" not in mouse.notes  # plain same-symbol ortholog
    # HLA-A/B/C share H2-K1/H2-D1: listed once
    ifng = get_set("HALLMARK_INTERFERON_GAMMA_RESPONSE", species="mouse")
    assert len(ifng.genes) == len(set(ifng.genes))
    assert ifng.genes.count("H2-K1") == 1


def test_convert_mouse_set_to_human():
    gs = GeneSet("m", ("Oas1a", "Oas1g", "Ifit3", "Ifit3b", "Stat1", "H2-K1"), species="mouse")
    human = convert_set(gs, "human")
    assert human.species == "human"
    assert human.genes[:3] == ("OAS1", "IFIT3", "STAT1")
    assert {"HLA-A", "HLA-B", "HLA-C"} <= set(human.genes)
    assert human.notes["Oas1a"].startswith("many2one: OAS1")
    assert convert_set(human, "human") is human


def test_convert_set_refuses_when_nothing_maps():
    with pytest.raises(ValidationError, match="no mouse orthologs"):
        convert_set(GeneSet("x", ("GNLY", "GZMH")), "mouse")
    with pytest.raises(ValidationError, match="species"):
        convert_set(GeneSet("x", ("STAT1",)), "rat")


def test_map_genes_bad_arguments():
    with pytest.raises(ValidationError, match="human <-> mouse"):
        map_genes(["STAT1"], source="human", target="rat")
    with pytest.raises(ValidationError, match="human <-> mouse"):
        map_genes(["STAT1"], source="human", target="human")
    with pytest.raises(ValidationError, match="not the string"):
        map_genes("STAT1")


_HEADER = "# comment\nhuman\tmouse\trelation\tnote\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("STAT1\tStat1\tone2won\t\n", r"line 3: relation 'one2won'"),
        (
            "STAT1\tStat1\tone2one\t\nSTAT1\tSTAT1\tone2one\t\n",
            r"line 4: pair STAT1-STAT1 repeats line 3",
        ),
        ("GNLY\tGnly\tnone\tx\n", r"line 3: mouse must be empty"),
        ("STAT1\t\tone2one\t\n", r"line 3: mouse must be empty"),
        ("STAT1\tStat1\tone2one\n", r"line 3: expected 4 tab-separated fields"),
        ("\tStat1\tone2one\t\n", r"line 3: the human symbol is empty"),
        ("GNLY\t\tnone\tx\nGNLY\tGzmb\tmany2many\tx\n", r"GNLY has a 'none' row"),
    ],
)
def test_parse_rejects_malformed_rows(body, message):
    with pytest.raises(InputFormatError, match=message):
        _parse_ortholog_table(_HEADER + body, "t.tsv")


def test_parse_rejects_bad_or_missing_header():
    with pytest.raises(InputFormatError, match="t.tsv, line 1: header"):
        _parse_ortholog_table("human\tmouse\tnote\n", "t.tsv")
    with pytest.raises(InputFormatError, match="no header"):
        _parse_ortholog_table("# only a comment\n", "t.tsv")
