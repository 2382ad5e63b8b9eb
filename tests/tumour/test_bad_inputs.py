"""Malformed inputs for ``ifnexus tumour profile``: each ends in a clear error or a right result.

Generated from a small valid segment file (DNAcopy headers) and a small expression matrix by
mechanical damage: empty and header-only files, a plain file named ``.gz``, a byte that is not
UTF-8 or a NUL on every line, every required column dropped, every numeric cell replaced in
turn by text, infinity, a negative or a fractional or an absurd value. Each case carries its
expected outcome: an :class:`ifnexus.errors.InputFormatError` naming the file and matching a
pattern (the line, the column or sample), or the result the test works out from the source
data. Scale detection is checked to be robust: one extreme cell does not flip a cohort's
scale, and the evidence is recorded.
"""

from __future__ import annotations

import gzip
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ifnexus.cli import main
from ifnexus.errors import IfnexusError, InputFormatError
from ifnexus.tumour import detect_scale, read_expression, read_segments

SEG_HEADER = ["ID", "chrom", "loc.start", "loc.end", "num.mark", "seg.mean"]
SEG_ROWS = [
    ["T1", "9", "100", "20000000", "50", "-0.1"],
    ["T1", "9", "20000001", "22000000", "10", "-1.5"],
    ["T2", "9", "100", "30000000", "80", "0.05"],
    ["T2", "1", "5", "900000", "12", "0.3"],
]


def _seg_text(rows=SEG_ROWS, header=SEG_HEADER) -> str:
    return "".join("\t".join(r) + "\n" for r in [header, *rows])


GENES = [f"G{i}" for i in range(8)]
SAMPLES = ["s1", "s2", "s3"]
EXPR = [[f"{(i * 3 + j) % 11 + 0.5:.2f}" for j in range(3)] for i in range(8)]


def _expr_text(cells=EXPR) -> str:
    lines = ["gene\t" + "\t".join(SAMPLES)]
    lines += [g + "\t" + "\t".join(r) for g, r in zip(GENES, cells, strict=True)]
    return "\n".join(lines) + "\n"


def _seg_cases() -> list[tuple[str, str, bytes, str]]:
    """(id, file name, bytes, error pattern)."""
    text = _seg_text()
    lines = text.encode().split(b"\n")[:-1]
    cases = [
        ("empty", "s.tsv", b"", "empty"),
        ("header-only", "s.tsv", lines[0] + b"\n", "no segments"),
        ("gz-not-gzip", "s.tsv.gz", text.encode(), "not gzip"),
        ("gzip-cut", "s.tsv.gz", gzip.compress(text.encode())[:20], "gzip"),
        ("utf16", "s.tsv", text.encode("utf-16"), "not UTF-8"),
    ]
    for k in range(len(lines)):
        for label, byte, pat in (("xff", b"\xff", "not UTF-8"), ("nul", b"\0", "NUL byte")):
            bad = list(lines)
            bad[k] = bad[k][:1] + byte + bad[k][1:]
            cases.append(
                (f"{label}-line{k + 1}", "s.tsv", b"\n".join(bad) + b"\n", rf"line {k + 1}.*{pat}")
            )
    for j, col in enumerate(SEG_HEADER):
        if col == "num.mark":
            continue
        rows = [[c for i, c in enumerate(r) if i != j] for r in SEG_ROWS]
        hdr = [c for i, c in enumerate(SEG_HEADER) if i != j]
        cases.append((f"drop-{col}", "s.tsv", _seg_text(rows, hdr).encode(), "missing column"))
    values = {
        "loc.start": [("abc", "is not a number"), ("inf", "infinite|not a number|beyond any chromosome"),
                      ("-5", "start is negative"), ("1.5", "not a whole number"),
                      ("1e20", "beyond any chromosome"), ("", "start is empty")],
        "loc.end": [("abc", "is not a number"), ("-5", "end is negative|ends before"),
                    ("2.5", "not a whole number|ends before"), ("1e20", "beyond any chromosome"),
                    ("", "end is empty"), ("1", "ends before it starts")],
        "seg.mean": [("abc", "is not a number"), ("inf", "infinite"), ("-inf", "infinite"),
                     ("1,5", "is not a number")],
        "num.mark": [("-3", "num_mark is negative"), ("inf", "infinite"), ("x", "not a number")],
        "ID": [("", "sample name is empty")],
    }  # fmt: skip
    for col, bad_values in values.items():
        j = SEG_HEADER.index(col)
        for k in range(len(SEG_ROWS)):
            for v, pat in bad_values:
                rows = [list(r) for r in SEG_ROWS]
                rows[k][j] = v
                cases.append(
                    (f"{col}-row{k + 2}-{v or 'empty'}", "s.tsv", _seg_text(rows).encode(),
                     rf"line {k + 2}\b.*({pat})")
                )  # fmt: skip
    return cases


SEG_CASES = _seg_cases()


@pytest.mark.parametrize(
    ("cid", "name", "data", "pattern"), SEG_CASES, ids=[c[0] for c in SEG_CASES]
)
def test_segment_corpus(cid, name, data, pattern, tmp_path: Path):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputFormatError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read_segments(path)
    msg = str(info.value)
    assert str(path) in msg and re.search(pattern, msg), msg
    assert path.read_bytes() == data


def test_negative_seg_mean_is_a_deletion_not_an_error(tmp_path: Path):
    """seg.mean is a log2 ratio: negative values are valid (deletions)."""
    path = tmp_path / "s.tsv"
    path.write_text(_seg_text())
    seg = read_segments(path)
    assert seg["seg_mean"].tolist() == [-0.1, -1.5, 0.05, 0.3]
    assert seg["start"].tolist() == [100, 20000001, 100, 5]


def _expr_cases() -> list[tuple[str, str, bytes, str]]:
    text = _expr_text()
    lines = text.encode().split(b"\n")[:-1]
    cases = [
        ("empty", "e.tsv", b"", "empty"),
        ("header-only", "e.tsv", lines[0] + b"\n", "no samples or no genes"),
        ("gz-not-gzip", "e.tsv.gz", text.encode(), "not gzip"),
        ("dup-sample", "e.tsv", text.replace("s2", "s1", 1).encode(), "duplicated sample"),
        ("utf16", "e.tsv", text.encode("utf-16"), "not UTF-8"),
    ]
    for k in range(len(lines)):
        for label, byte, pat in (("xff", b"\xff", "not UTF-8"), ("nul", b"\0", "NUL byte")):
            bad = list(lines)
            bad[k] = bad[k][:1] + byte + bad[k][1:]
            cases.append(
                (f"{label}-line{k + 1}", "e.tsv", b"\n".join(bad) + b"\n", rf"line {k + 1}.*{pat}")
            )
    for i in range(len(GENES)):
        for j, s in enumerate(SAMPLES):
            for v, pat in (("abc", "'abc' is not a number"), ("inf", "is infinite"),
                           ("-inf", "is infinite"), ("", "an empty cell"), ("NA", "not a number")):  # fmt: skip
                cells = [list(r) for r in EXPR]
                cells[i][j] = v
                cases.append(
                    (f"cell-{GENES[i]}-{s}-{v or 'empty'}", "e.tsv", _expr_text(cells).encode(),
                     rf"line {i + 2}, sample '{s}', gene '{GENES[i]}': .*{pat}")
                )  # fmt: skip
    return cases


EXPR_CASES = _expr_cases()


@pytest.mark.parametrize(
    ("cid", "name", "data", "pattern"), EXPR_CASES, ids=[c[0] for c in EXPR_CASES]
)
def test_expression_corpus(cid, name, data, pattern, tmp_path: Path):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputFormatError) as info:
        read_expression(path)
    msg = str(info.value)
    assert str(path) in msg and re.search(pattern, msg), msg
    assert path.read_bytes() == data


def test_expression_gzip_and_bom_read_like_plain(tmp_path: Path):
    want = pd.DataFrame([[float(x) for x in r] for r in EXPR], index=GENES, columns=SAMPLES)
    for name, data in (("a.tsv.gz", gzip.compress(_expr_text().encode())),
                       ("b.tsv", b"\xef\xbb\xbf" + _expr_text().encode())):  # fmt: skip
        (tmp_path / name).write_bytes(data)
        got = read_expression(tmp_path / name)
        np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
        assert list(got.index) == GENES and list(got.columns) == SAMPLES


# -- robust scale detection --


def _log_cohort(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.uniform(0, 14, size=(500, 6)))


@pytest.mark.parametrize("extreme", [60.0, 1e3, 1e6, 1e12])
def test_one_extreme_cell_does_not_flip_log_scale(extreme):
    x = _log_cohort()
    x.iloc[7, 2] = extreme
    scale, reason = detect_scale(x)
    assert scale == "log"
    assert "1 value(s) over 50 taken as outliers" in reason and "gene 7, sample 2" in reason


@pytest.mark.parametrize("k", [1, 2])
def test_a_few_negative_cells_do_not_make_counts_log(k):
    rng = np.random.default_rng(1)
    counts = pd.DataFrame(rng.poisson(300, size=(500, 6)).astype(float))
    counts.iloc[:k, 0] = -4.0
    scale, reason = detect_scale(counts)
    assert scale == "counts" and f"{k} negative value(s)" in reason


def test_many_negative_cells_mean_log():
    x = _log_cohort() - 5
    assert detect_scale(x)[0] == "log"


def test_detect_scale_refuses_non_finite():
    x = _log_cohort()
    x.iloc[3, 1] = np.inf
    with pytest.raises(IfnexusError, match="non-finite value .* gene 3, sample 1"):
        detect_scale(x)


def test_cli_records_and_prints_the_scale_decision(tmp_path: Path, capsys, shared):
    """ESTIMATE's example (log2 arrays) with one cell set to 1e6 stays 'log', and says why."""
    from ifnexus.tumour import read_numeric_matrix

    x = read_numeric_matrix(shared("reference", "estimate", "sample_input.txt"))
    x.iloc[5, 1] = 1e6
    f = tmp_path / "e.tsv"
    x.rename_axis("gene").to_csv(f, sep="\t")
    rc = main(["tumour", "profile", str(f), "--out", str(tmp_path / "o"), "--no-figures"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert re.search(r"expression scale: log \(.*1 value\(s\) over 50 taken as outliers", cap.out)
    run = (tmp_path / "o" / "run.json").read_text()
    assert '"expression_scale": "log"' in run and "taken as outliers" in run


CLI_FILES = {
    "segments-empty": (["--segments", "{f}", "--build", "hg38"], b"", "empty"),
    "segments-inf": (["--segments", "{f}", "--build", "hg38"],
                     _seg_text([*SEG_ROWS[:1], ["T1", "9", "1", "2", "3", "inf"]]).encode(),
                     "line 3.*infinite"),
    "segments-negative": (["--segments", "{f}", "--build", "hg38"],
                          _seg_text([["T1", "9", "-1", "2", "3", "0.1"]]).encode(),
                          "line 2.*start is negative"),
    "expression-not-utf8": (["{f}"], _expr_text().replace("s2", "s\xe92").encode("latin-1"),
                            r"line 1, byte \d+: not UTF-8"),
    "expression-inf": (["{f}"], _expr_text([["inf", "1", "2"], *EXPR[1:]]).encode(),
                       "line 2.*infinite"),
    "gene-cn-inf": (["--gene-cn", "{f}"], _expr_text([["inf", "1", "2"], *EXPR[1:]]).encode(),
                    "line 2.*infinite"),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(CLI_FILES))
def test_cli_profile_errors(kind, tmp_path: Path, capsys):
    args, data, pattern = CLI_FILES[kind]
    f = tmp_path / "in.tsv"
    f.write_bytes(data)
    out = tmp_path / "o"
    rc = main(["tumour", "profile", *[a.format(f=f) for a in args], "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 2, err
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    assert str(f) in err and re.search(pattern, err), err
    assert not out.exists()


PURITY_BAD = ["65", "-0.1", "1.01", "inf", "abc", "50%"]


@pytest.mark.parametrize("value", PURITY_BAD)
def test_clinical_purity_must_be_a_fraction(value, tmp_path: Path):
    from ifnexus.tumour import read_clinical

    path = tmp_path / "clinical.tsv"
    path.write_text(f"sample\tpurity\nT1\t0.5\nT2\t{value}\nT3\t\n")
    with pytest.raises(InputFormatError, match=rf"line 3, column 'purity', sample 'T2': purity "
                       rf"'{re.escape(value)}' is not a fraction between 0 and 1"):  # fmt: skip
        read_clinical(path)


def test_clinical_purity_read_as_fractions(tmp_path: Path):
    from ifnexus.tumour import read_clinical

    path = tmp_path / "clinical.tsv"
    path.write_text("sample\tpurity\nT1\t0.5\nT2\t1\nT3\t\nT4\tNA\n")
    got = read_clinical(path)["purity"]
    assert got.iloc[:2].tolist() == [0.5, 1.0] and got.iloc[2:].isna().all()


THRESHOLDS = [
    ("--silenced-z", "nan"),
    ("--min-effect", "inf"),
    ("--min-probability", "nan"),
    ("--homozygous", "nan"),
    ("--hemizygous", "inf"),
    ("--cluster-fraction", "nan"),
]


@pytest.mark.parametrize(("option", "value"), THRESHOLDS)
def test_cli_thresholds_must_be_finite(option, value, tmp_path: Path, capsys, shared):
    expr = shared("reference", "estimate", "sample_input.txt")
    seg = tmp_path / "s.tsv"
    seg.write_text(_seg_text())
    out = tmp_path / "o"
    rc = main(["tumour", "profile", str(expr), "--segments", str(seg), "--build", "hg38",
               "--out", str(out), "--no-figures", option, value])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.startswith("error: ") and "\n" not in err, err
    assert option.lstrip("-").replace("-", "_") in err or option in err, err
    assert not out.exists()


def test_corpus_size():
    """The numbers in docs/reliability.md (tumour section)."""
    assert (len(SEG_CASES), len(EXPR_CASES), len(CLI_FILES), len(PURITY_BAD), len(THRESHOLDS)) == (
        100,
        143,
        6,
        6,
        6,
    )


_ALPHABET = st.sampled_from(list('gen\t0123456789.-,\n\r"') + ["\xe9", "\0", "inf", "nan", "NA"])


@settings(
    max_examples=80, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(st.binary(max_size=200),
                   st.lists(_ALPHABET, max_size=60).map(lambda x: "".join(x).encode())),
    reader=st.sampled_from(["expression", "segments"]),
)  # fmt: skip
def test_reader_property(data, reader, tmp_path_factory):
    path = tmp_path_factory.mktemp("prop") / "x.tsv"
    path.write_bytes(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = read_expression(path) if reader == "expression" else read_segments(path)
    except IfnexusError:
        return
    if reader == "expression":
        assert np.isfinite(res.to_numpy()).all() and res.shape[0] >= 0
    else:
        assert (res["start"] >= 0).all() and (res["end"] >= res["start"]).all()
        assert np.isfinite(res["seg_mean"]).all()
