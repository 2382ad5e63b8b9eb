"""Several mageck test comparisons in one run: the library function, and the CLI equal to it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.cli import main
from ifnexus.errors import ValidationError
from ifnexus.screen import (
    Comparison,
    mageck_test,
    mageck_test_comparisons,
    parse_comparisons,
    read_counts,
)

LEUKEMIA = ("reference", "crispr", "mageck-demo", "demo3_mle_with_cnv_correction",
            "leukemia.new.csv")  # fmt: skip
SAMPLES = ["HL60.initial", "KBM7.initial", "HL60.final", "KBM7.final"]


def test_parse_comparisons_as_mageck_reads_its_flags():
    assert parse_comparisons(SAMPLES, "HL60.final") == [Comparison("HL60.final")]
    assert parse_comparisons(SAMPLES, ["2", "3"], ["0", "1"]) == [
        Comparison("2", "0"), Comparison("3", "1"),
    ]  # fmt: skip
    day0 = parse_comparisons(SAMPLES, day0_label="HL60.initial,KBM7.initial")
    assert [c.label for c in day0] == [
        "HL60.final_vs_HL60.initial,KBM7.initial", "KBM7.final_vs_HL60.initial,KBM7.initial",
    ]  # fmt: skip
    assert Comparison("A").label == "A_vs_rest"
    with pytest.raises(ValidationError, match="one -c per -t"):
        parse_comparisons(SAMPLES, ["HL60.final", "KBM7.final"], ["HL60.initial"])
    with pytest.raises(ValidationError, match="'nope' is not a sample"):
        parse_comparisons(SAMPLES, day0_label="nope")
    with pytest.raises(ValidationError, match="give the treatment samples"):
        parse_comparisons(SAMPLES)


@pytest.mark.parametrize(
    "args",
    [
        ["-t", "HL60.final", "-c", "HL60.initial", "-t", "KBM7.final", "-c", "KBM7.initial"],
        ["--day0-label", "HL60.initial,KBM7.initial"],
        ["-t", "HL60.final,KBM7.final", "-c", "HL60.initial,KBM7.initial"],
    ],
    ids=["two-pairs", "day0", "one-pair"],
)
def test_cli_files_equal_the_library_files(shared, tmp_path, capsys, args):
    k = shared(*LEUKEMIA)
    (tmp_path / "cli").mkdir()
    (tmp_path / "lib").mkdir()
    rc = main(["screen", "test", "-k", str(k), "-n", str(tmp_path / "cli" / "x"),
               "--normcounts-to-file", *args])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    tr = [args[i + 1] for i, a in enumerate(args) if a == "-t"]
    ct = [args[i + 1] for i, a in enumerate(args) if a == "-c"]
    day0 = args[1] if args[0] == "--day0-label" else None
    res = mageck_test_comparisons(read_counts(k), tr or None, ct or None, day0_label=day0)
    written = res.write(tmp_path / "lib" / "x", normcounts_to_file=True)
    # the CLI's run manifest (PREFIX.run.json) is the command's own record, not a result
    cli = sorted(p.name for p in (tmp_path / "cli").iterdir() if not p.name.endswith("run.json"))
    assert cli == sorted(p.name for p in written)
    for name in cli:
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "lib" / name).read_bytes()


def test_each_comparison_is_a_mageck_test_run_and_summary_stacks_them(shared):
    counts = read_counts(shared(*LEUKEMIA))
    res = mageck_test_comparisons(counts, ["HL60.final", "KBM7.final"],
                                  ["HL60.initial", "KBM7.initial"])  # fmt: skip
    assert list(res) == ["HL60.final_vs_HL60.initial", "KBM7.final_vs_KBM7.initial"]
    assert res.separate_files and len(res) == 2
    one = mageck_test(counts, "KBM7.final", "KBM7.initial")
    pd.testing.assert_frame_equal(res["KBM7.final_vs_KBM7.initial"].genes, one.genes)
    s = res.summary
    assert list(s.columns) == ["comparison", *one.summary.columns]
    part = s[s["comparison"] == "KBM7.final_vs_KBM7.initial"].drop(columns="comparison")
    pd.testing.assert_frame_equal(part.reset_index(drop=True), one.summary)
    with pytest.raises(ValidationError, match="no comparison 'x'"):
        res["x"]


def test_bad_options_and_repeated_comparisons():
    counts = pd.DataFrame(
        {"Gene": ["A", "B"] * 6, "c": np.arange(12.0) + 1, "t": np.arange(12.0) + 3},
        index=[f"s{i}" for i in range(12)],
    )
    with pytest.raises(ValidationError, match="unknown mageck_test option"):
        mageck_test_comparisons(counts, "t", "c", norm="median")
    with pytest.raises(ValidationError, match="given twice"):
        mageck_test_comparisons(counts, ["t", "t"], ["c", "c"])
