"""FASTQ counting against `mageck count` outputs (demo2) and hand-built FASTQs."""

from __future__ import annotations

import gzip
import warnings

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import InputFormatError
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
    for kind in ("count", "count_normalized"):  # and MAGeCK's files byte for byte
        assert (tmp_path / f"demo.{kind}.txt").read_bytes() == (
            base / f"demo.{kind}.txt"
        ).read_bytes(), kind
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
    assert s["reads"].tolist() == [12, 2, 12]
    assert s["mapped"].tolist() == [10, 2, 10]
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


def test_unmapped_to_file_follows_mageck(tmp_path):
    # MAGeCK (mageckCountIO.mageckcount_search_trim_and_sglen): a read that matches no guide
    # adds its first --sgrna-len bases after the trim to the table, unless they contain N
    # (without --count-n) or the read is too short; PREFIX.unmapped.txt lists them as
    # "seq<TAB>seq<TAB>counts" per sample, in order of first detection, without a header.
    s1 = ["ACGTACGTACAA", "CCCCCCCCCCCC", "CCCCCCCCCCCC", "GGGGNGGGGGGG", "AAAAAAA",
          "TTTTTTTTTTTT"]  # fmt: skip
    s2 = ["TTTTTTTTTTTT", "CCCCCCCCAAAA", "GATTACAGATCC"]
    f1, f2 = tmp_path / "a.fastq", tmp_path / "b.fastq"
    f1.write_text(_fastq(s1))
    f2.write_text(_fastq(s2))
    res = count_fastq([str(f1), str(f2)], LIB, trim_5=0, unmapped_to_file=True, sgrna_len=8)
    assert res.unmapped == [("CCCCCCCC", [2, 1]), ("TTTTTTTT", [1, 1])]
    assert res.counts.loc["a"].tolist()[1:] == [1, 0]
    paths = res.write(tmp_path / "out")
    text = (tmp_path / "out.unmapped.txt").read_text()
    assert text == "CCCCCCCC\tCCCCCCCC\t2\t1\nTTTTTTTT\tTTTTTTTT\t1\t1\n"
    assert tmp_path / "out.unmapped.txt" in paths
    with_n = count_fastq([str(f1), str(f2)], LIB, trim_5=0, count_n=True,
                         unmapped_to_file=True, sgrna_len=8)  # fmt: skip
    assert [w for w, _ in with_n.unmapped] == ["CCCCCCCC", "GGGGNGGG", "TTTTTTTT"]
    f3 = tmp_path / "c.fastq"
    f3.write_text(_fastq([*s1, "CCGATTACAGAT"]))
    shifted = count_fastq([str(f3)], LIB, trim_5=2, unmapped_to_file=True, sgrna_len=8)
    assert ("GTACGTAC", [1]) in shifted.unmapped  # window after the trim


def test_unmapped_to_file_needs_one_trim_length(tmp_path):
    f1 = tmp_path / "a.fastq"
    f1.write_text(_fastq(["ACGTACGTACAA"] * 3))
    with pytest.raises(ValueError, match="single 5' trim length"):
        count_fastq([str(f1)], LIB, trim_5="0,3", unmapped_to_file=True)


def test_long_and_n_guides_match_exactly(tmp_path):
    # guides longer than 32 bases are matched as bytes; guides with N only with count_n
    long = "ACGT" * 9  # 36 bases
    lib = pd.DataFrame({"sgRNA": ["L", "N"], "sequence": [long, "ACGNACGT"],
                        "Gene": ["g", "g"]})  # fmt: skip
    f = tmp_path / "x.fastq"
    f.write_text(_fastq([long, long + "A", "ACGNACGT", "ACGUACGT", "ACGTACGT"]))
    res = count_fastq([str(f)], lib, trim_5=0)
    c = res.counts["sample1"]
    assert c["L"] == 2 and c["N"] == 0  # N-guides need count_n
    res_n = count_fastq([str(f)], lib, trim_5=0, count_n=True)
    assert res_n.counts["sample1"]["N"] == 1


def test_library_sequence_that_is_not_dna_is_refused(tmp_path):
    lib = pd.DataFrame({"sgRNA": ["A", "U"], "sequence": ["ACGTACGT", "ACGUACGT"],
                        "Gene": ["g", "g"]})  # fmt: skip
    f = tmp_path / "x.fastq"
    f.write_text(_fastq(["ACGTACGT"]))
    with pytest.raises(InputFormatError, match=r"library table, row 1: .*'ACGUACGT'.*not DNA.*'U'"):
        count_fastq([str(f)], lib, trim_5=0)


def test_lower_case_reads_are_matched(tmp_path):
    # MAGeCK matches reads as written (a soft-masked read is unmapped); ifnexus folds case
    lib = pd.DataFrame({"sgRNA": ["A", "B"], "sequence": ["ACGTACGTAA", "acgtacgtcc"],
                        "Gene": ["g", "h"]})  # fmt: skip
    f = tmp_path / "x.fastq"
    f.write_text(_fastq(["ACGTACGTAA", "acgtacgtaa", "AcGtAcGtCc", "ACGTACGTGG"]))
    c = count_fastq([str(f)], lib, trim_5=0).counts["sample1"]
    assert c["A"] == 2 and c["B"] == 1


def _reads_of(path, chunk_bytes):
    from ifnexus.screen._fastq import iter_fastq

    out = []
    for ch in iter_fastq(path, chunk_bytes=chunk_bytes):
        assert ch.first_read == len(out)
        b = ch.buf
        out += [bytes(b[s : s + n]).decode() for s, n in zip(ch.start, ch.length, strict=True)]
    return out


def test_fastq_blocks_memory_map_buffer_and_gzip_agree(tmp_path):
    rng = np.random.default_rng(4)
    reads = ["".join(rng.choice(list("ACGTN"), int(k))) for k in rng.integers(1, 90, 3000)]
    text = "".join(f"@read{i} extra\n{s}\n+\n{'I' * len(s)}\n" for i, s in enumerate(reads))
    plain = tmp_path / "r.fastq"
    plain.write_text(text)
    gz = tmp_path / "r.fastq.gz"
    with gzip.open(gz, "wt") as fh:
        fh.write(text)
    crlf = tmp_path / "crlf.fastq"
    crlf.write_bytes(text.replace("\n", "\r\n").encode())
    for cb in (256, 1000, 1 << 22):  # records across block ends, block growth, one block
        assert _reads_of(plain, cb) == reads
        assert _reads_of(gz, cb) == reads
        assert [r.rstrip("\r") for r in _reads_of(crlf, cb)] == reads
    bad = text.split("\n")
    bad[4 * 2000 + 2] = "-"  # record 2001: third line
    (tmp_path / "bad.fastq").write_text("\n".join(bad))
    with pytest.raises(ValueError, match="record 2001: third line"):
        _reads_of(tmp_path / "bad.fastq", 300)


def test_summary_is_tidy_and_old_names_warn(shared):
    base = shared(*DEMO2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = count_fastq(
            [str(base / "test1.fastq"), str(base / "test2.fastq")], base / "library.txt",
            sample_labels=["L1", "CTRL"],
        )  # fmt: skip
    s = res.summary
    assert list(s.columns) == ["sample", "file", "reads", "mapped", "mapped_fraction",
                               "n_sgrnas", "zero_sgrnas", "gini_index"]  # fmt: skip
    ref = pd.read_csv(base / "demo.countsummary.txt", sep="\t")  # MAGeCK's own numbers
    assert s["sample"].tolist() == ref["Label"].tolist()
    for new, old in (("reads", "Reads"), ("mapped", "Mapped"), ("n_sgrnas", "TotalsgRNAs"),
                     ("zero_sgrnas", "Zerocounts")):  # fmt: skip
        assert s[new].tolist() == ref[old].tolist(), new
    np.testing.assert_allclose(s["mapped_fraction"], ref["Percentage"], rtol=1e-3)
    np.testing.assert_allclose(s["gini_index"], ref["GiniIndex"], rtol=1e-3)
    assert list(res.countsummary.columns[:8]) == list(ref.columns[:8])  # MAGeCK's layout
    with pytest.warns(FutureWarning, match="'Reads'.*now 'reads'"):
        old = s["Reads"]
    assert old.tolist() == s["reads"].tolist()
