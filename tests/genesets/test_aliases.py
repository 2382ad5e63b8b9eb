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
