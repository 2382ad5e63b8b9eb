"""``ifnexus score``: a corpus of malformed inputs, each with its expected class of outcome.

Every case is one distinct bad input (a genes x samples table, a gene-set file or an option
value) run through the CLI. The expected outcome is either ``error``: exit code 2, one
``error: ...`` line matching a pattern that names the file or the option, no traceback and no
scores written; or ``ok``: exit code 0 and the documented result. The h5ad corpus is in
``tests/singlecell/test_bad_inputs.py`` (it runs ``score`` and ``sc profile`` alike). Resource
failures (out of memory, a chunk too large) are tested at the end; property-based tests of the
table reader are in ``test_bad_inputs_properties.py``.
"""

from __future__ import annotations

import gzip
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ifnexus import RunOptions
from ifnexus.cli import main
from ifnexus.errors import IfnexusError, ValidationError
from ifnexus.genesets import get_set
from ifnexus.scoring import score_sets

IFNA = list(get_set("IFNA").genes)


def _table() -> pd.DataFrame:
    """A valid log-scale genes x samples table: 40 IFNA genes, 60 fillers, 6 samples."""
    rng = np.random.default_rng(11)
    genes = IFNA[:40] + [f"FILL{i}" for i in range(60)]
    values = np.round(rng.gamma(1.0, 1.5, size=(len(genes), 6)), 4) + 0.0001
    df = pd.DataFrame(values, index=genes, columns=[f"S{i}" for i in range(6)])
    df.index.name = "gene"
    return df


TABLE = _table()
GOOD = TABLE.to_csv()
LINES = GOOD.splitlines()
CELL = TABLE.iloc[3, 2]  # line 5 of the file, sample S2
CELL_TEXT = f"{CELL:g}" if f"{CELL:g}" in LINES[4] else str(CELL)


def _with_cell(token: str) -> str:
    """The table with the value of line 5, sample S2 replaced by ``token``."""
    fields = LINES[4].split(",")
    fields[3] = token
    return "\n".join([*LINES[:4], ",".join(fields), *LINES[5:]]) + "\n"


@dataclass(frozen=True)
class Case:
    """One bad input: the file's name and bytes, extra options, the expected outcome."""

    id: str
    name: str
    content: bytes | None
    expect: str  # "ok" or "error"
    pattern: str = ""
    options: tuple[str, ...] = ("--sets", "IFNA")


def _b(text: str) -> bytes:
    return text.encode()


NON_NUMBERS = ["abc", "1,5", "1e", "--1", "0x10", "1.2.3", "one", "#", "TRUE", "1/2", "[1]", "Ø"]
MISSING = ["", " ", "NaN", "nan", "NA", "null", "None", "N/A", "-"]
NON_FINITE = ["inf", "-inf", "Infinity", "1e400", "-1e400"]
NEGATIVE = ["-3", "-0.5", "-1e-9"]

CASES: list[Case] = []
for i, tok in enumerate(NON_NUMBERS):
    CASES.append(Case(f"non-number-{i}", "t.csv", _b(_with_cell(f'"{tok}"')), "error", r"t\.csv"))
for i, tok in enumerate(MISSING):
    CASES.append(Case(f"missing-{i}", "t.csv", _b(_with_cell(tok)), "error", r"t\.csv"))
for i, tok in enumerate(NON_FINITE):
    CASES.append(Case(f"non-finite-{i}", "t.csv", _b(_with_cell(tok)), "error", r"t\.csv.*"))
for i, tok in enumerate(NEGATIVE):
    CASES.append(Case(f"negative-{i}", "t.csv", _b(_with_cell(tok)), "error", r"t\.csv.*negative"))
CASES += [
    # the file as a whole
    Case("empty", "t.csv", b"", "error", r"t\.csv"),
    Case("whitespace", "t.csv", b"   \n \n", "error", r"t\.csv"),
    Case("blank-lines", "t.csv", b"\n\n\n", "error", r"t\.csv"),
    Case("header-only", "t.csv", _b(LINES[0] + "\n"), "error", r"t\.csv"),
    Case("header-only-tsv", "t.tsv", _b(LINES[0].replace(",", "\t") + "\n"), "error", r"t\.tsv"),
    Case("one-column", "t.csv", _b("gene\n" + "\n".join(TABLE.index) + "\n"), "error", r"t\.csv"),
    Case("not-gzip", "t.csv.gz", _b(GOOD), "error", r"t\.csv\.gz"),
    Case("truncated-gzip", "t.csv.gz", gzip.compress(_b(GOOD))[:200], "error", r"t\.csv\.gz"),
    Case("gzip-of-nothing", "t.csv.gz", gzip.compress(b""), "error", r"t\.csv\.gz"),
    Case(
        "latin1-gene",
        "t.csv",
        GOOD.replace("FILL1,", "FILLé,", 1).encode("latin-1"),
        "error",
        r"t\.csv",
    ),  # fmt: skip
    Case(
        "latin1-sample", "t.csv", GOOD.replace("S3", "Sé", 1).encode("latin-1"), "error", r"t\.csv"
    ),  # fmt: skip
    Case("utf16", "t.csv", GOOD.encode("utf-16"), "error", r"t\.csv"),
    Case("binary", "t.csv", bytes(range(256)) * 4, "error", r"t\.csv"),
    Case("ragged-long", "t.csv", _b(GOOD.replace("\n", ",1\n", 3)), "error", r"t\.csv"),
    Case(
        "ragged-short",
        "t.csv",
        _b("\n".join([*LINES[:6], LINES[6].rsplit(",", 2)[0], *LINES[7:]]) + "\n"),
        "error",
        r"t\.csv",
    ),  # fmt: skip
    Case(
        "duplicate-sample",
        "t.csv",
        _b(GOOD.replace("S5", "S4", 1)),
        "error",
        r"t\.csv.*duplicated sample",
    ),  # fmt: skip
    Case(
        "no-matching-genes",
        "t.csv",
        _b(TABLE.set_axis([f"X{i}" for i in range(len(TABLE))]).to_csv()),
        "error",
        r"too few genes",
    ),  # fmt: skip
    Case(
        "mouse-genes-for-human-sets",
        "t.csv",
        _b(TABLE.set_axis([g.capitalize() for g in TABLE.index]).to_csv()),
        "ok",
    ),  # fmt: skip
    Case(
        "log-values-with-lognorm",
        "t.csv",
        _b(GOOD),
        "error",
        r"t\.csv.*non-integer with max .*log-normalised.*--lognorm",
        ("--sets", "IFNA", "--lognorm"),
    ),  # fmt: skip
    Case("directory", "dir.csv", None, "error", r"dir\.csv"),
    Case("missing-file", "absent.csv", None, "error", r"not found.*absent\.csv"),
    # accepted, with the documented result
    Case("valid-csv", "t.csv", _b(GOOD), "ok"),
    Case("valid-tsv", "t.tsv", _b(TABLE.to_csv(sep="\t")), "ok"),
    Case("valid-gzip", "t.csv.gz", gzip.compress(_b(GOOD)), "ok"),
    Case("crlf-line-ends", "t.csv", _b(GOOD.replace("\n", "\r\n")), "ok"),
    Case("utf8-bom", "t.csv", b"\xef\xbb\xbf" + _b(GOOD), "ok"),
    Case("duplicate-gene-collapsed", "t.csv", _b(GOOD + LINES[5] + "\n"), "ok"),
    Case("one-sample", "t.csv", _b(TABLE.iloc[:, :1].to_csv()), "ok"),
]

# option values: each a bad value of one option, on a valid table
OPTION_CASES: list[Case] = [
    Case("sets-empty", "t.csv", _b(GOOD), "error", r"--sets is empty", ("--sets", " , ")),
    Case(
        "sets-unknown", "t.csv", _b(GOOD), "error", r"unknown gene set 'NOPE'", ("--sets", "NOPE")
    ),
    Case(
        "sets-and-gmt",
        "t.csv",
        _b(GOOD),
        "error",
        r"exactly one of --sets",
        ("--sets", "IFNA", "--gmt", "x.gmt"),
    ),  # fmt: skip
    Case("neither-sets-nor-gmt", "t.csv", _b(GOOD), "error", r"exactly one of --sets", ()),
    Case(
        "min-genes-zero",
        "t.csv",
        _b(GOOD),
        "error",
        r"--min-genes",
        ("--sets", "IFNA", "--min-genes", "0"),
    ),  # fmt: skip
    Case(
        "min-genes-negative",
        "t.csv",
        _b(GOOD),
        "error",
        r"--min-genes",
        ("--sets", "IFNA", "--min-genes", "-4"),
    ),  # fmt: skip
    Case(
        "min-genes-too-many",
        "t.csv",
        _b(GOOD),
        "error",
        r"too few genes",
        ("--sets", "IFNA", "--min-genes", "500"),
    ),  # fmt: skip
    Case(
        "chunk-size-zero",
        "t.csv",
        _b(GOOD),
        "error",
        r"--chunk-size",
        ("--sets", "IFNA", "--chunk-size", "0"),
    ),  # fmt: skip
    Case(
        "chunk-size-negative",
        "t.csv",
        _b(GOOD),
        "error",
        r"--chunk-size",
        ("--sets", "IFNA", "--chunk-size", "-5"),
    ),  # fmt: skip
    Case(
        "chunk-size-text",
        "t.csv",
        _b(GOOD),
        "error",
        r"--chunk-size",
        ("--sets", "IFNA", "--chunk-size", "many"),
    ),  # fmt: skip
    Case("jobs-zero", "t.csv", _b(GOOD), "error", r"--jobs", ("--sets", "IFNA", "--jobs", "0")),
    Case(
        "seed-negative", "t.csv", _b(GOOD), "error", r"--seed", ("--sets", "IFNA", "--seed", "-1")
    ),
    Case("seed-text", "t.csv", _b(GOOD), "error", r"--seed", ("--sets", "IFNA", "--seed", "x")),
    Case(
        "method-unknown",
        "t.csv",
        _b(GOOD),
        "error",
        r"--method",
        ("--sets", "IFNA", "--method", "gsva"),
    ),  # fmt: skip
    Case(
        "species-unknown",
        "t.csv",
        _b(GOOD),
        "error",
        r"--species",
        ("--sets", "IFNA", "--species", "rat"),
    ),  # fmt: skip
    Case(
        "species-contradicted",
        "t.csv",
        _b(GOOD),
        "error",
        r"look human",
        ("--sets", "IFNA", "--species", "mouse"),
    ),  # fmt: skip
    Case(
        "layer-on-a-table",
        "t.csv",
        _b(GOOD),
        "error",
        r"--layer",
        ("--sets", "IFNA", "--layer", "counts"),
    ),  # fmt: skip
    Case(
        "scheduler-not-an-address",
        "t.csv",
        _b(GOOD),
        "error",
        r"--scheduler",
        ("--sets", "IFNA", "--scheduler", "tcp://"),
    ),  # fmt: skip
]

# gene-set files given with --gmt
GMT_OK = "IFN_TEST\tdesc\t" + "\t".join(IFNA[:12]) + "\n"
GMT_CASES: list[Case] = [
    Case("gmt-empty", "t.csv", _b(GOOD), "error", r"s\.gmt", ("--gmt", "s.gmt:")),
    Case("gmt-blank", "t.csv", _b(GOOD), "error", r"s\.gmt", ("--gmt", "s.gmt:\n\n")),
    Case("gmt-header-only", "t.csv", _b(GOOD), "error", r"s\.gmt", ("--gmt", "s.gmt:set\tdesc\n")),
    Case(
        "gmt-latin1",
        "t.csv",
        _b(GOOD),
        "error",
        r"s\.gmt.*UTF-8",
        ("--gmt", "s.gmt:" + GMT_OK.replace("desc", "d\xe9sc"), "latin-1"),
    ),  # fmt: skip
    Case(
        "gmt-utf16", "t.csv", _b(GOOD), "error", r"s\.gmt", ("--gmt", "s.gmt:" + GMT_OK, "utf-16")
    ),
    Case(
        "gmt-not-gzip", "t.csv", _b(GOOD), "error", r"s\.gmt\.gz", ("--gmt", "s.gmt.gz:" + GMT_OK)
    ),
    Case("gmt-binary", "t.csv", _b(GOOD), "error", r"s\.gmt", ("--gmt", "s.gmt:\x00\x01\x02\xff")),
    Case("gmt-missing", "t.csv", _b(GOOD), "error", r"absent\.gmt", ("--gmt", "absent.gmt")),
    Case(
        "gmt-no-genes-found",
        "t.csv",
        _b(GOOD),
        "error",
        r"too few genes",
        ("--gmt", "s.gmt:NOPE\tdesc\tAAA1\tBBB2\tCCC3\n"),
    ),  # fmt: skip
    Case("gmt-valid", "t.csv", _b(GOOD), "ok", "", ("--gmt", "s.gmt:" + GMT_OK)),
]

ALL = CASES + OPTION_CASES + GMT_CASES


def _options(case: Case, tmp_path: Path) -> list[str]:
    """The case's options, with a ``--gmt NAME:CONTENT[, ENCODING]`` written to ``tmp_path``."""
    opts = list(case.options)
    if "--gmt" in opts:
        k = opts.index("--gmt")
        spec = opts[k + 1]
        encoding = "utf-8"
        if k + 2 < len(opts) and opts[k + 2] in ("latin-1", "utf-16"):
            encoding = opts.pop(k + 2)
        if ":" in spec:
            name, content = spec.split(":", 1)
            (tmp_path / name).write_bytes(content.encode(encoding))
            spec = name
        opts[k + 1] = str(tmp_path / spec)
    return opts


def run_case(case: Case, tmp_path: Path, capsys) -> tuple[int, str, Path]:
    """Write the case's input, run ``ifnexus score`` on it; return (rc, stderr, out dir)."""
    path = tmp_path / case.name
    if case.id == "directory":
        path.mkdir()
    elif case.content is not None:
        path.write_bytes(case.content)
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = main(["score", str(path), *_options(case, tmp_path), "--out", str(out)])
    return rc, capsys.readouterr().err, out


def check_outcome(case: Case, rc: int, err: str, out: Path, scores: str = "scores.csv") -> None:
    """Assert the case's expected class of outcome."""
    assert "Traceback" not in err
    if case.expect == "error":
        assert rc == 2, f"{case.id}: expected an error, got rc={rc}\n{err}"
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert lines and (lines[-1].startswith("error: ") or "Invalid value" in err or
                          "Usage" in err), err  # fmt: skip
        assert re.search(case.pattern, err, flags=re.S), f"{case.id}: {err!r}"
        assert not (out / scores).exists(), f"{case.id}: wrote {scores} despite the error"
    else:
        assert rc == 0, f"{case.id}: expected success, got rc={rc}\n{err}"


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_score_bad_input(case, tmp_path, capsys):
    rc, err, out = run_case(case, tmp_path, capsys)
    check_outcome(case, rc, err, out)
    if case.expect == "ok" and case.id not in ("gmt-valid", "mouse-genes-for-human-sets"):
        got = pd.read_csv(out / "scores.csv", index_col=0)
        # the same scores as the library on the table read by pandas (duplicates: first row
        # kept for this table, whose duplicated row equals the first)
        ref = TABLE if case.id != "one-sample" else TABLE.iloc[:, :1]
        want = score_sets(ref.T, "IFNA")
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12)


def test_corpus_size():
    """The corpus holds at least 80 distinct inputs for score (ids unique)."""
    ids = [c.id for c in ALL]
    assert len(ids) == len(set(ids))
    assert len({(c.name, c.content, c.options) for c in ALL}) == len(ALL)
    assert len(ALL) >= 80


def test_counts_without_lognorm_warn(tmp_path, capsys):
    counts = (TABLE * 40).round()
    path = tmp_path / "counts.csv"
    counts.to_csv(path)
    with pytest.warns(Warning, match=r"whole numbers up to .*raw counts.*--lognorm"):
        rc = main(["score", str(path), "--sets", "IFNA", "--out", str(tmp_path / "o")])
    assert rc == 0
    rc = main(["score", str(path), "--sets", "IFNA", "--lognorm", "--out", str(tmp_path / "o2")])
    assert rc == 0, capsys.readouterr().err


def test_out_is_an_existing_file(tmp_path, capsys):
    path = tmp_path / "t.csv"
    path.write_text(GOOD)
    target = tmp_path / "results"
    target.write_text("keep me")
    rc = main(["score", str(path), "--sets", "IFNA", "--out", str(target)])
    err = capsys.readouterr().err
    assert rc == 2 and "--out" in err and "existing file" in err
    assert target.read_text() == "keep me"


# resources


def _dense(n: int = 200, g: int = 500):
    rng = np.random.default_rng(3)
    genes = IFNA[:40] + [f"FILL{i}" for i in range(g - 40)]
    return np.log1p(rng.poisson(1.0, size=(n, g)).astype(np.float64)), genes


def test_memory_error_in_a_chunk_is_a_clear_error(monkeypatch):
    import ifnexus.scoring._score as score_mod

    def boom(*args, **kwargs):
        raise MemoryError("Unable to allocate 80.0 GiB")

    monkeypatch.setattr(score_mod, "weighted_sums", boom)
    x, genes = _dense()
    with pytest.raises(IfnexusError, match=r"out of memory.*chunk_size.*--backed"):
        score_sets(x, "IFNA", var_names=genes, options=RunOptions(chunk_size=50))


def test_numpy_array_memory_error_is_a_clear_error(monkeypatch):
    import ifnexus.scoring._background as bg_mod

    exc_type = np.core._exceptions._ArrayMemoryError  # numpy's own, a MemoryError subclass

    def boom(*args, **kwargs):
        raise exc_type((10**9, 10**6), np.dtype(np.float64))

    monkeypatch.setattr(bg_mod, "accumulate_stats", boom)
    x, genes = _dense()
    with pytest.raises(IfnexusError, match=r"out of memory.*chunk_size"):
        score_sets(x, "IFNA", var_names=genes)


def test_memory_error_on_the_cli_suggests_chunk_size(monkeypatch, tmp_path, capsys):
    import ifnexus.scoring._score as score_mod

    def boom(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(score_mod, "weighted_sums", boom)
    path = tmp_path / "t.csv"
    path.write_text(GOOD)
    rc = main(["score", str(path), "--sets", "IFNA", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err
    assert "out of memory" in err and "--chunk-size" in err and "--backed" in err


def test_dense_chunk_larger_than_memory_is_refused_up_front(monkeypatch):
    import ifnexus.scoring._chunks as chunks

    monkeypatch.setattr(chunks, "available_memory", lambda: 1_000_000)  # 1 MB
    x, genes = _dense()
    # 200 rows x 500 genes x 8 bytes x 3 copies = 2.4 MB > 1 MB: refused, with the limit
    with pytest.raises(ValidationError, match=r"chunk_size 200 rows x 500 genes.*limit here is "
                       r"chunk_size 83"):  # fmt: skip
        score_sets(x, "IFNA", var_names=genes)
    # 80 rows fit (0.96 MB), with the same scores as one chunk with memory to spare
    out = score_sets(x, "IFNA", var_names=genes, options=RunOptions(chunk_size=80))
    monkeypatch.setattr(chunks, "available_memory", lambda: None)
    want = score_sets(x, "IFNA", var_names=genes, options=RunOptions(chunk_size=200))
    pd.testing.assert_frame_equal(out, want)


def test_parallel_chunks_are_counted_once_per_worker(monkeypatch):
    import ifnexus.scoring._chunks as chunks

    monkeypatch.setattr(chunks, "available_memory", lambda: 1_000_000)  # 1 MB
    x, genes = _dense()
    # 80-row chunks fit one at a time (0.96 MB), but 2 threads hold two at once (1.92 MB):
    # the limit is 1e6 // (2 workers x 3 copies x 8 bytes x 500 genes) = 41 rows
    with pytest.raises(ValidationError, match=r"on each of 2 workers at once.*chunk_size 41; "
                       r"use a smaller chunk_size \(or fewer --jobs\)"):  # fmt: skip
        score_sets(x, "IFNA", var_names=genes, options=RunOptions(chunk_size=80, n_jobs=2))
    one = score_sets(x, "IFNA", var_names=genes, options=RunOptions(chunk_size=40, n_jobs=2))
    monkeypatch.setattr(chunks, "available_memory", lambda: None)
    want = score_sets(x, "IFNA", var_names=genes, options=RunOptions(chunk_size=200))
    pd.testing.assert_frame_equal(one, want)


def test_sparse_chunks_are_not_refused_but_ssgsea_densifies(monkeypatch):
    from scipy import sparse

    import ifnexus.scoring._chunks as chunks

    x, genes = _dense()
    xs = sparse.csr_matrix(x)
    monkeypatch.setattr(chunks, "available_memory", lambda: 1_000_000)
    assert score_sets(xs, "IFNA", var_names=genes).shape == (200, 1)
    with pytest.raises(ValidationError, match=r"limit here is"):
        score_sets(xs, "IFNA", var_names=genes, method="ssgsea", allow_negative=True)


def test_chunk_larger_than_the_rows_is_fine():
    x, genes = _dense(n=30)
    a = score_sets(x, "IFNA", var_names=genes, options=RunOptions(chunk_size=10**9))
    b = score_sets(x, "IFNA", var_names=genes)
    pd.testing.assert_frame_equal(a, b)


def test_chunk_too_large_on_the_cli(monkeypatch, tmp_path, capsys):
    import ifnexus.scoring._chunks as chunks

    monkeypatch.setattr(chunks, "available_memory", lambda: 1000)
    path = tmp_path / "t.csv"
    path.write_text(GOOD)
    rc = main(["score", str(path), "--sets", "IFNA", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and "--chunk-size" in err and "limit here is" in err
