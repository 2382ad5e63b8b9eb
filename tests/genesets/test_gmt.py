"""Users' own GMT/TSV gene sets."""

from __future__ import annotations

import pytest

from ifnexus.errors import InputFormatError
from ifnexus.genesets import read_gene_sets, read_gmt


def test_read_gmt(tmp_path):
    p = tmp_path / "mine.gmt"
    p.write_text("A\tdesc\tSTAT1\tIRF7\n\nB\thttp://x\tCXCL10\n")
    sets = read_gmt(p)
    assert list(sets) == ["A", "B"]
    assert sets["A"].genes == ("STAT1", "IRF7")
    assert sets["B"].description == "http://x"


def test_malformed_gmt_line_reports_line_number(tmp_path):
    p = tmp_path / "bad.gmt"
    p.write_text("A\tdesc\tSTAT1\nB only-two-fields\n")
    with pytest.raises(InputFormatError, match=r"bad.gmt, line 2"):
        read_gmt(p)


def test_gmt_set_without_genes_refused(tmp_path):
    p = tmp_path / "empty.gmt"
    p.write_text("A\tdesc\tSTAT1\nB\tdesc\t\t\n")
    with pytest.raises(InputFormatError, match=r"line 2: gene set 'B' lists no genes"):
        read_gmt(p)


def test_duplicate_set_name(tmp_path):
    p = tmp_path / "dup.gmt"
    p.write_text("A\td\tSTAT1\nA\td\tIRF7\n")
    with pytest.raises(InputFormatError, match="line 2: gene set 'A' appears twice"):
        read_gmt(p)


def test_long_tsv(tmp_path):
    p = tmp_path / "sets.tsv"
    p.write_text("set\tgene\nA\tSTAT1\nA\tIRF7\nB\tCXCL10\n")
    sets = read_gene_sets(p)
    assert sets["A"].genes == ("STAT1", "IRF7")


def test_tsv_missing_columns(tmp_path):
    p = tmp_path / "sets.tsv"
    p.write_text("foo\tbar\nA\tSTAT1\n")
    with pytest.raises(InputFormatError, match="expected columns 'set' and 'gene'"):
        read_gene_sets(p)
