"""FASTQ counting against `mageck count` outputs (demo2) and hand-built FASTQs."""

from __future__ import annotations

import gzip
import warnings

import numpy as np
import pandas as pd
import pytest

from ifnexus.screen import count_fastq, gini_index

DEMO2 = ("reference", "crispr", "mageck-demo", "demo2_run_mageck_from_fastq")


def test_demo2_identical_to_mageck_count(shared, tmp_path):
    base = shared(*DEMO2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = count_fastq(
            [str(base / "test1.fastq"), str(base / "test2.fastq")], base / "library.txt",
            sample_labels=["L1", "CTRL"],
        )  # fmt: skip
    res.write(tmp_path / "demo")
    ref = pd.read_csv(base / "demo.count.txt", sep="\t")
    ours = pd.read_csv(tmp_path / "demo.count.txt", sep="\t")
    pd.testing.assert_frame_equal(ours, ref)  # same counts, same row order
    rn = pd.read_csv(base / "demo.count_normalized.txt", sep="\t")
    on = pd.read_csv(tmp_path / "demo.count_normalized.txt", sep="\t")
    pd.testing.assert_frame_equal(on, rn, check_exact=True)
    rs = pd.read_csv(base / "demo.countsummary.txt", sep="\t", dtype=str)
    os_ = pd.read_csv(tmp_path / "demo.countsummary.txt", sep="\t", dtype=str)
    os_["File"] = os_["File"].str.rsplit("/", n=1).str[-1]
    pd.testing.assert_frame_equal(os_, rs)  # Reads, Mapped, Percentage, Zerocounts, Gini
    assert res.trim5 == {str(base / "test1.fastq"): [0], str(base / "test2.fastq"): [0]}


def test_gini_index_closed_form():
    assert gini_index([1, 1, 1, 1]) == pytest.approx(0.0)
    # one non-zero of n: 1 - 2 (n - n) / (n - 1) = 1
    assert gini_index([0, 0, 0, 5]) == pytest.approx(1.0)
    x = np.array([1.0, 2.0, 3.0])
    g = 1 - 2 * (3 - (1 * 1 + 2 * 2 + 3 * 3) / 6) / 2
    assert gini_index(x) == pytest.approx(g)


def _fastq(reads):
    return "".join(f"@r{i}\n{s}\n+\n{'I' * len(s)}\n" for i, s in enumerate(reads))


LIB = pd.DataFrame(
    {"sgRNA": ["a", "b", "c"], "sequence": ["ACGTACGTAC", "TTTTGGGGCC", "GATTACAGAT"],
     "Gene": ["G1", "G1", "G2"]}
)  # fmt: skip


def test_auto_trim_offsets_and_technical_replicates(tmp_path):
    # 7 reads with the guide at offset 3, 3 reads at offset 0, one read with N, one unmapped
    reads = ["NNN" + "ACGTACGTAC" + "AAA"] * 4 + ["CCC" + "TTTTGGGGCC" + "AAA"] * 3
    reads += ["GATTACAGAT" + "CCCCCC"] * 3 + ["CCC" + "ACGTNCGTAC" + "AAA", "C" * 16]
    f1 = tmp_path / "a.fastq"
    f1.write_text(_fastq(reads))
    f2 = tmp_path / "b.fastq.gz"
    with gzip.open(f2, "wt") as fh:
        fh.write(_fastq(["GATTACAGAT"] * 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = count_fastq([f"{f1},{f2}", str(f1)], LIB, sample_labels=["S1", "S2"])
    assert res.trim5[str(f1)] == [3, 0]  # offset 3 holds 7/10 mapped reads, offset 0 3/10
    c = res.counts
    assert c.loc["a", "S1"] == 4 and c.loc["b", "S1"] == 3 and c.loc["c", "S1"] == 5
    assert c.loc["c", "S2"] == 3
    assert list(c.index) == ["a", "b", "c"]  # order of first detection
    s = res.summary
    assert s["Reads"].tolist() == [12, 2, 12]
    assert s["Mapped"].tolist() == [10, 2, 10]
    fixed = count_fastq([str(f1)], LIB, trim_5=0)
    assert fixed.counts.loc["c"].iloc[1] == 3 and fixed.counts.loc["a"].iloc[1] == 0


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("@r0\nACGT\n+\nIIII\n@r1\nACGT\n", "truncated record 2"),
        ("@r0\nACGT\n+\nIII\n", "record 1: sequence and quality lengths differ"),
        ("r0\nACGT\n+\nIIII\n", "record 1: header line"),
        ("@r0\nACGT\n-\nIIII\n", "record 1: third line"),
        ("", "no reads"),
    ],
)
def test_bad_fastq(tmp_path, text, match):
    p = tmp_path / "bad.fastq"
    p.write_text(text)
    with pytest.raises(ValueError, match=match):
        count_fastq([str(p)], LIB, trim_5=0)


def test_no_guides_found_is_an_error(tmp_path):
    p = tmp_path / "x.fastq"
    p.write_text(_fastq(["C" * 20] * 5))
    with pytest.raises(ValueError, match="trimming length"):
        count_fastq([str(p)], LIB)
