"""``ifnexus genesets`` through the CLI entry point."""

from __future__ import annotations

from ifnexus.cli import main


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("ifnexus ")


def test_list(capsys):
    assert main(["genesets", "list"]) == 0
    out = capsys.readouterr().out
    assert "ISG.RS" in out and "CC BY 4.0" in out


def test_show_mouse_has_mapping_notes(capsys):
    assert main(["genesets", "show", "ISG.RS", "--species", "mouse"]) == 0
    out = capsys.readouterr().out
    assert "Stat1" in out
    assert "Ifi27l2a" in out  # IFI27 has no 1:1 mouse ortholog
    assert "mapping notes" in out


def test_unknown_set_exit_code_and_message(capsys):
    assert main(["genesets", "show", "NOPE"]) == 2
    err = capsys.readouterr().err
    assert "unknown gene set 'NOPE'" in err and "ISG.RS" in err


def test_help_everywhere(capsys):
    for args in (["--help"], ["genesets", "--help"], ["genesets", "show", "--help"]):
        assert main(args) == 0


def test_export_roundtrip(tmp_path):
    from ifnexus.genesets import get_set, read_gmt

    out = tmp_path / "mouse.gmt"
    assert main(["genesets", "export", "--species", "mouse", "--out", str(out)]) == 0
    sets = read_gmt(out, species="mouse")
    assert sets["ISG.RS"].genes == get_set("ISG.RS", species="mouse").genes


def test_export_role_filter_and_unknown_role(tmp_path, capsys):
    from ifnexus.genesets import list_sets, read_gmt

    out = tmp_path / "region.gmt"
    assert main(["genesets", "export", "--role", "region", "--out", str(out)]) == 0
    table = list_sets()
    assert set(read_gmt(out)) == set(table.loc[table["role"] == "region", "name"])
    # a misspelt role is an error, not an empty GMT
    bad = tmp_path / "bad.gmt"
    assert main(["genesets", "export", "--role", "regoin", "--out", str(bad)]) == 2
    assert "unknown --role 'regoin'" in capsys.readouterr().err
    assert not bad.exists()
