"""Count-table, library and sample-label parsing, including every bad-input case of issue 4."""

from __future__ import annotations

import pandas as pd
import pytest

from ifnexus.screen import as_count_table, parse_samples, read_counts, read_library


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_reads_tsv_and_csv(tmp_path):
    t = _write(tmp_path, "c.txt", "sgRNA\tGene\tA\tB\ns1\tG1\t1\t2\ns2\tG2\t0\t5\n")
    c = _write(tmp_path, "c.csv", "sgRNA,Gene,A,B\ns1,G1,1,2\ns2,G2,0,5\n")
    a, b = read_counts(t), read_counts(c)
    assert a.index.tolist() == ["s1", "s2"] and a["Gene"].tolist() == ["G1", "G2"]
    assert a[["A", "B"]].to_numpy().tolist() == [[1, 2], [0, 5]]
    assert b[["A", "B"]].to_numpy().tolist() == [[1, 2], [0, 5]]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("sgRNA\tGene\tA\ns1\tG\t1\ns1\tG\t2\n", "line 3: duplicated sgRNA id 's1'"),
        ("sgRNA\tGene\tA\ns1\tG\t1\ns2\tG\tx\n", "line 3, column 'A'.*'x'"),
        ("sgRNA\tGene\tA\ns1\tG\t-1\n", "line 2, column 'A'.*negative"),
        ("sgRNA\tGene\tA\ns1\t\t1\n", "line 2: empty gene"),
        ("sgRNA\tGene\n", "at least one sample"),
        ("sgRNA\tGene\tA\ns1\tG\t1\t4\n", "ragged|line"),
    ],
)
def test_bad_count_tables(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        read_counts(_write(tmp_path, "bad.txt", text))


def test_missing_file_names_path(tmp_path):
    with pytest.raises(ValueError, match="file not found"):
        read_counts(tmp_path / "absent.txt")


def test_parse_samples_labels_and_indices():
    s = ["T0", "U", "X"]
    assert parse_samples("U,X", s) == [1, 2]
    assert parse_samples("0,2", s) == [0, 2]
    assert parse_samples(["X", 0], s) == [2, 0]
    with pytest.raises(KeyError, match="'Y' is not in the count table header"):
        parse_samples("Y", s)
    with pytest.raises(KeyError, match="out of range"):
        parse_samples("7", s)


def test_as_count_table_validates_in_memory():
    df = pd.DataFrame({"sgRNA": ["a", "b"], "Gene": ["g", "g"], "S": [1, -2]})
    with pytest.raises(ValueError, match="'b'.*negative"):
        as_count_table(df)
    df = pd.DataFrame({"sgRNA": ["a", "a"], "Gene": ["g", "g"], "S": [1, 2]})
    with pytest.raises(ValueError, match="duplicated sgRNA id 'a'"):
        as_count_table(df)


def test_read_library_mageck_rules(tmp_path):
    p = _write(
        tmp_path, "lib.txt",
        "id\tseq\tgene\ns1\tacgt\tG1\ns2\tACGT\tG2\ns3\tTTTT\tG3\n",
    )  # fmt: skip
    with pytest.warns(UserWarning, match="already listed"):
        lib = read_library(p)
    assert lib["sgRNA"].tolist() == ["s1", "s3"]  # header skipped, repeated sequence skipped
    assert lib["sequence"].tolist() == ["ACGT", "TTTT"]
    rc = read_library(_write(tmp_path, "l2.txt", "s1\tAACG\tG\n"), reverse_complement=True)
    assert rc["sequence"].tolist() == ["CGTT"]


def test_g5_chars_equals_python_format():
    # MAGeCK writes sgRNA tables with "{:.5g}"; the vectorised formatter must match it byte
    # for byte, including rounding ties, powers of ten, subnormals, zeros and non-finite values
    import numpy as np

    from ifnexus.screen._io import g5_chars

    rng = np.random.default_rng(11)
    special_vals = [0.0, -0.0, 1.0, 10.0, 1e5, 99999.5, 99995.0, 9999.95, 0.00012345, 1.2345e-5,
                    123456.0, 1e-300, 5e-324, 1.7976931348623157e308, np.nan, np.inf, -np.inf,
                    0.5, 2.5, 12345.5, 1234.55, 0.1, 1 / 3, 1e-4, 9.99995e-5, 1e16, 1e22, 1e23]  # fmt: skip
    v = np.concatenate([
        np.array(special_vals),
        rng.lognormal(0, 6, 20000) * rng.choice([-1, 1], 20000),
        rng.integers(0, 2**63, 20000, dtype=np.uint64).view(np.float64),  # any bit pattern
        (rng.integers(10000, 100000, 20000) + 0.5) * 10.0 ** rng.integers(-12, 12, 20000),
        rng.integers(0, 5000, 20000) / 16.0,
    ])  # fmt: skip
    got = g5_chars(v)
    text = [bytes(r[r != 0]).decode() for r in got]
    assert text == [f"{x:.5g}" for x in v.tolist()]


def test_text_block_is_utf8_zero_padded():
    from ifnexus.screen._mageck_files import _text_block

    for vals in (["ab", "c", ""], ["β-cat", "x"]):
        block = _text_block(vals)
        assert [bytes(r[r != 0]).decode("utf-8") for r in block] == vals
