"""Symbol resolution against a dataset: exact, case, alias (HGNC previous symbols), missing."""

from __future__ import annotations

from ifnexus.genesets import current_symbol, resolve_genes


def test_legacy_aliases_resolve_to_current():
    # HGNC previous symbols (facts from HGNC records)
    assert current_symbol("TMEM173") == "STING1"
    assert current_symbol("MB21D1") == "CGAS"
    assert current_symbol("G1P2") == "ISG15"
    assert current_symbol("G1P3") == "IFI6"
    assert current_symbol("WARS") == "WARS1"


def test_resolution_report_both_directions():
    # a current-symbol set against a legacy dataset
    res = resolve_genes(["STING1", "CGAS", "stat1", "NOPE"], ["TMEM173", "MB21D1", "STAT1", "ACTB"])
    assert res.mapping == {"STING1": "TMEM173", "CGAS": "MB21D1", "stat1": "STAT1"}
    status = dict(zip(res.report["gene"], res.report["status"], strict=True))
    assert status == {"STING1": "alias", "CGAS": "alias", "stat1": "case", "NOPE": "missing"}
    assert res.missing == ["NOPE"]
    # a legacy set against a current dataset
    res2 = resolve_genes(["G1P2", "WARS"], ["ISG15", "WARS1"])
    assert res2.mapping == {"G1P2": "ISG15", "WARS": "WARS1"}


def test_exact_preferred_over_alias():
    res = resolve_genes(["TMEM173"], ["TMEM173", "STING1"])
    assert res.mapping == {"TMEM173": "TMEM173"}


def test_more_previous_symbols_both_directions():
    # HGNC previous symbols of shipped-set genes (HGNC records)
    assert current_symbol("METTL7B") == "TMT1B"
    assert current_symbol("ISGF3G") == "IRF9"
    assert current_symbol("FIGF") == "VEGFD"
    assert current_symbol("MARCH1") == "MARCHF1"
    assert current_symbol("DDX58") == "RIGI"
    assert current_symbol("ddx58") == "RIGI"
    assert current_symbol("STAT1") == "STAT1"
    # Hallmark v7.5.1 writes METTL7B and DDX58; a 2023+ dataset writes TMT1B and RIGI
    res = resolve_genes(["METTL7B", "DDX58", "MARCHF1"], ["TMT1B", "RIGI", "MARCH1"])
    assert res.mapping == {"METTL7B": "TMT1B", "DDX58": "RIGI", "MARCHF1": "MARCH1"}


def test_alias_table_is_a_clean_fact_table():
    from ifnexus.genesets import alias_table, ortholog_table

    t = alias_table()
    assert list(t.columns) == ["alias", "symbol", "note"]
    assert not t["alias"].str.upper().duplicated().any()
    assert (t["note"] != "").all()
    assert not set(t["symbol"].str.upper()) & set(t["alias"].str.upper())
    # every alias points at a current symbol the ortholog table knows
    assert set(t["symbol"]) <= set(ortholog_table()["human"])


def test_aliases_are_not_synonyms_of_other_genes(shared):
    # NCBI synonyms in the ESTIMATE common-genes table (2013): an alias listed there for a
    # different gene would be ambiguous (e.g. MT2 is both MT2A and MTNR1B, so it is left out)
    import pandas as pd

    from ifnexus.genesets import alias_table

    path = shared("genesets", "ESTIMATE_common_genes_10412.tsv")
    common = pd.read_csv(path, sep="\t", comment="#", dtype=str).fillna("")
    for alias, symbol in zip(alias_table()["alias"], alias_table()["symbol"], strict=True):
        for gene, synonyms in zip(common["GeneSymbol"], common["Synonyms"], strict=True):
            if alias.upper() in {s.upper() for s in synonyms.split("|")}:
                assert current_symbol(gene) == symbol, (alias, symbol, gene)


def test_alias_table_parser_rejects_ambiguity():
    import pytest

    from ifnexus.errors import InputFormatError
    from ifnexus.genesets._aliases import _parse_alias_table

    head = "alias\tsymbol\tnote\n"
    with pytest.raises(InputFormatError, match=r"line 3: alias 'MT2' already listed on line 2"):
        _parse_alias_table(head + "MT2\tMT2A\tx\nMT2\tMTNR1B\tx\n", "a.tsv")
    with pytest.raises(
        InputFormatError, match=r"symbol 'WARS' of alias 'IFI53' is itself an alias"
    ):
        _parse_alias_table(head + "WARS\tWARS1\tx\nIFI53\tWARS\tx\n", "a.tsv")
    with pytest.raises(InputFormatError, match=r"line 2: expected 3"):
        _parse_alias_table(head + "WARS\tWARS1\n", "a.tsv")
    with pytest.raises(InputFormatError, match=r"line 1: header"):
        _parse_alias_table("symbol\talias\tnote\n", "a.tsv")
