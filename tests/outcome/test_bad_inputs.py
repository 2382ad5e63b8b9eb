"""Malformed inputs for the outcome commands: each ends in a clear error or a right result.

The corpus is generated from one small valid clinical table by mechanical damage: truncation
after every line and inside every data line, a byte that is not UTF-8 or a NUL on every line,
other encodings, a BOM, CRLF line ends, empty and header-only files, a plain file named
``.gz``, a gzip stream cut short, wrong delimiters, missing, empty-named and repeated columns,
short and long rows, and every time and event cell replaced in turn by a bad value. Each case
states its expected outcome:

* ``("error", pattern)``: an :class:`ifnexus.errors.IfnexusError` whose message names the file
  and matches ``pattern`` (the line or column, what was expected);
* ``("ok", rows)``: the table read equals ``rows``, parsed here with the csv module (for the
  reader) or the analysis runs (for the value cases).

Any other exception fails the case. The property tests feed arbitrary bytes and near-valid
text to the reader: a table or an ``IfnexusError``, never another exception.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ifnexus.cli import main
from ifnexus.errors import IfnexusError, InputFormatError, ValidationError
from ifnexus.outcome import cumulative_incidence, join_features, kaplan_meier
from ifnexus.outcome._table import read_outcome_table

HEADER = ["id", "time", "event", "group", "age"]
ROWS = [
    ["p1", "5.0", "1", "a", "61"],
    ["p2", "8.5", "0", "b", "55"],
    ["p3", "12.0", "2", "a", "70"],
    ["p4", "3.25", "1", "b", "48"],
    ["p5", "20.0", "0", "a", "66"],
    ["p6", "7.0", "1", "b", "59"],
]


def _text(rows=ROWS, header=HEADER, sep=",", end="\n") -> str:
    return "".join(sep.join(r) + end for r in [header, *rows])


VALID = _text().encode()


@dataclass(frozen=True)
class Case:
    """One damaged file: its name, bytes and expected outcome."""

    id: str
    name: str
    data: bytes
    expect: tuple


def _parse(text: str, sep: str) -> list[list[str]]:
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep)]
    return [r for r in rows if r and not (len(r) == 1 and not r[0].strip())]


def _ok_from_text(text: str, sep: str = ",") -> tuple:
    rows = _parse(text, sep)
    return ("ok", rows)


def _cases() -> list[Case]:
    cases: list[Case] = []
    lines = VALID.split(b"\n")[:-1]
    n_lines = len(lines)
    # truncation after every line
    for k in range(0, n_lines + 1):
        data = b"".join(line + b"\n" for line in lines[:k])
        if k == 0:
            exp = ("error", "empty")
        elif k == 1:
            exp = ("error", "a header .* but no data rows")
        else:
            exp = _ok_from_text(data.decode())
        cases.append(Case(f"cut-after-line-{k}", "c.csv", data, exp))
    # truncation inside every data line (no final newline)
    for k in range(1, n_lines):
        line = lines[k].decode()
        for j in range(1, len(line)):
            part = line[:j]
            data = b"".join(x + b"\n" for x in lines[:k]) + part.encode()
            nf = len(part.split(","))
            if nf != len(HEADER):
                exp = ("error", rf"line {k + 1}: {nf} fields, expected {len(HEADER)}")
            else:
                exp = _ok_from_text(data.decode())
            cases.append(Case(f"cut-line{k + 1}-at-{j}", "c.csv", data, exp))
    # a bad byte on every line
    for k in range(n_lines):
        for label, byte, pat in (
            ("xff", b"\xff", rf"line {k + 1}, byte \d+: not UTF-8"),
            ("latin1", "é".encode("latin-1"), rf"line {k + 1}, byte \d+: not UTF-8"),
            ("nul", b"\0", rf"line {k + 1}, byte \d+: a NUL byte"),
        ):
            bad = list(lines)
            bad[k] = bad[k][:2] + byte + bad[k][2:]
            cases.append(
                Case(f"{label}-line{k + 1}", "c.csv", b"\n".join(bad) + b"\n", ("error", pat))
            )
    text = _text()
    cases += [
        Case("utf16", "c.csv", text.encode("utf-16"), ("error", "not UTF-8")),
        Case("bom", "c.csv", b"\xef\xbb\xbf" + VALID, _ok_from_text(text)),
        Case("crlf", "c.csv", _text(end="\r\n").encode(), _ok_from_text(text)),
        Case("blank", "c.csv", b"\n\n  \n", ("error", "empty")),
        Case("gz-not-gzip", "c.csv.gz", VALID, ("error", "not gzip")),
        Case("gzip-ok", "c.csv.gz", gzip.compress(VALID), _ok_from_text(text)),
        Case("tsv", "c.tsv", _text(sep="\t").encode(), _ok_from_text(text)),
        Case("tsv-named-csv", "c.csv", _text(sep="\t").encode(), ("error", "1 column")),
        Case("semicolon-csv", "c.csv", _text(sep=";").encode(), ("error", "1 column")),
        Case("semicolon-dat", "c.dat", _text(sep=";").encode(), _ok_from_text(text)),
        Case("comma-tsv", "c.tsv", VALID, ("error", "1 column")),
        Case("one-column", "c.csv", b"id\np1\np2\n", ("error", "1 column")),
        Case("unterminated-quote", "c.csv", VALID + b'"p7,1,1,a,5\n', ("error", "line")),
    ]
    for cut in (10, 20, len(gzip.compress(VALID)) - 4):
        cases.append(
            Case(f"gzip-cut-{cut}", "c.csv.gz", gzip.compress(VALID)[:cut], ("error", "gzip"))
        )
    # header damage: an empty name, a repeated name, per column
    for j in range(len(HEADER)):
        h = list(HEADER)
        h[j] = HEADER[(j + 1) % len(HEADER)]
        cases.append(
            Case(
                f"repeated-col{j}", "c.csv", _text(header=h).encode(),
                ("error", r"line 1: repeated column name"),
            )
        )  # fmt: skip
        if j:
            h = list(HEADER)
            h[j] = ""
            cases.append(
                Case(
                    f"empty-name-col{j}", "c.csv", _text(header=h).encode(),
                    ("error", rf"line 1: column {j + 1} has no name"),
                )
            )  # fmt: skip
    # short and long rows
    for k, _row in enumerate(ROWS):
        short = [list(r) for r in ROWS]
        short[k] = short[k][:-1]
        cases.append(
            Case(
                f"short-row{k + 2}", "c.csv", _text(rows=short).encode(),
                ("error", rf"line {k + 2}: 4 fields, expected 5"),
            )
        )  # fmt: skip
        long = [list(r) for r in ROWS]
        long[k] = [*long[k], "x"]
        cases.append(
            Case(
                f"long-row{k + 2}", "c.csv", _text(rows=long).encode(),
                ("error", rf"line {k + 2}: 6 fields, expected 5"),
            )
        )  # fmt: skip
    return cases


CASES = _cases()


def _same(df: pd.DataFrame, rows: list[list[str]]) -> None:
    header, body = rows[0], rows[1:]
    assert [str(c) for c in df.columns] == [h.strip() for h in header]
    assert len(df) == len(body)
    for i, r in enumerate(body):
        for j, cell in enumerate(r):
            got = df.iat[i, j]
            if cell.strip() == "":
                assert pd.isna(got), (i, j, got)
                continue
            try:
                want = float(cell)
            except ValueError:
                assert str(got) == cell, (i, j, got, cell)
            else:
                assert float(got) == want or (math.isnan(want) and pd.isna(got)), (i, j)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_reader_corpus(case: Case, tmp_path: Path):
    path = tmp_path / case.name
    path.write_bytes(case.data)
    kind, what = case.expect
    if kind == "error":
        with pytest.raises(InputFormatError) as info:
            read_outcome_table(path, what="clinical table")
        msg = str(info.value)
        assert str(path) in msg and "\n" not in msg
        assert re.search(what, msg), msg
    else:
        _same(read_outcome_table(path, what="clinical table"), what)
    assert path.read_bytes() == case.data  # the input is never modified
    assert sorted(p.name for p in tmp_path.iterdir()) == [case.name]


# -- value damage: every time and event cell replaced by a bad value, through the analysis --

TIME_BAD = {
    "-1": r"negative times .*line {line}",
    "abc": r"must be numeric; .*line {line}",
    "inf": r"infinite values .*line {line}",
    "": r"missing values .*line {line}",
    "nan": r"missing values .*line {line}",
}
EVENT_BAD = {
    "1.5": r"whole-number event codes .*line {line}",
    "inf": r"whole-number event codes .*line {line}",
    "-inf": r"whole-number event codes .*line {line}",
    "abc": r"must be numeric; .*line {line}",
    "": r"missing values .*line {line}",
    "7": r"code\(s\) \[7.0\] not among the declared codes .*line {line}",
}


def _value_cases() -> list[tuple[str, str, str, str]]:
    out = []
    for k in range(len(ROWS)):
        for v, pat in TIME_BAD.items():
            out.append((f"time-row{k + 2}-{v or 'empty'}", "time", v, pat.format(line=k + 2)))
        for v, pat in EVENT_BAD.items():
            out.append((f"event-row{k + 2}-{v or 'empty'}", "event", v, pat.format(line=k + 2)))
    return out


VALUE_CASES = _value_cases()


@pytest.mark.parametrize(
    ("cid", "col", "value", "pattern"), VALUE_CASES, ids=[c[0] for c in VALUE_CASES]
)
def test_value_corpus(cid, col, value, pattern, tmp_path: Path):
    k = int(re.search(r"row(\d+)", cid).group(1)) - 2
    rows = [list(r) for r in ROWS]
    rows[k][HEADER.index(col)] = value
    path = tmp_path / "c.csv"
    path.write_text(_text(rows=rows))
    df = read_outcome_table(path, what="clinical table")
    with pytest.raises(ValidationError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cumulative_incidence(df, "time", "event", cause=1, event_codes=[0, 1, 2], source=str(path))
    msg = str(info.value)
    assert str(path) in msg and re.search(pattern, msg), msg


def test_undeclared_codes_are_competing_or_errors(tmp_path: Path):
    """Without declared codes, code 2 counts as censored for Kaplan-Meier with cause 1 (the
    documented cause-specific rule): the estimate equals the one with code 2 recoded to 0."""
    df = pd.DataFrame([r[:3] for r in ROWS], columns=HEADER[:3]).astype(
        {"time": float, "event": int}
    )
    recoded = df.assign(event=df["event"].replace({2: 0}))
    a = kaplan_meier(df, "time", "event", cause=1)
    b = kaplan_meier(recoded, "time", "event", cause=1)
    pd.testing.assert_frame_equal(a, b)


def test_duplicated_patient_in_clinical_table():
    clin = pd.DataFrame({"id": ["a", "b", "a"], "time": [1.0, 2, 3], "event": [1, 0, 1]})
    feat = pd.DataFrame({"id": ["a", "b"], "x": [1.0, 2.0]})
    with pytest.raises(ValidationError, match=r"'id' is duplicated in clin.csv .*'a', line\(s\) 4"):
        join_features(clin, feat, clinical_source="clin.csv")


def test_repeated_columns_in_joined_tables():
    clin = pd.DataFrame([["a", 1.0, 1], ["b", 2.0, 0]], columns=["id", "time", "time"])
    feat = pd.DataFrame({"id": ["a", "b"], "x": [1.0, 2.0]})
    with pytest.raises(ValidationError, match=r"repeated column name\(s\) \['time'\] in clin.csv"):
        join_features(clin, feat, clinical_source="clin.csv")


# -- through the CLI: exit code 2 and one line naming the file, for every outcome command --

COMMANDS = {
    "km": ["outcome", "km", "{f}", "--time", "time", "--event", "event"],
    "logrank": ["outcome", "logrank", "{f}", "--time", "time", "--event", "event", "--group",
                "group", "--cause", "1"],
    "cox": ["outcome", "cox", "{f}", "--time", "time", "--event", "event", "--covariates", "age",
            "--cause", "1"],
    "cif": ["outcome", "cif", "{f}", "--time", "time", "--event", "event", "--cause", "1",
            "--codes", "0,1,2"],
    "finegray": ["outcome", "finegray", "{f}", "--time", "time", "--event", "event", "--cause",
                 "1", "--covariates", "age"],
    "features": ["outcome", "features", "--clinical", "{f}", "--features", "{g}", "--time",
                 "time", "--event", "event", "--id", "id", "--columns", "x"],
}  # fmt: skip
CLI_FILES = {
    "empty": (b"", "empty"),
    "header-only": (b"id,time,event,group,age\n", "no data rows"),
    "not-utf8": (VALID.replace(b"p3", b"p\xe93"), r"line 4, byte \d+: not UTF-8"),
    "short-row": (VALID.replace(b"p2,8.5,0,b,55", b"p2,8.5,0"), r"line 3: 3 fields"),
    "event-1.5": (VALID.replace(b"p2,8.5,0", b"p2,8.5,1.5"), r"whole-number event codes"),
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("kind", list(CLI_FILES))
def test_cli_outcome_errors(command, kind, tmp_path: Path, capsys):
    data, pattern = CLI_FILES[kind]
    f = tmp_path / "c.csv"
    f.write_bytes(data)
    out = tmp_path / "out"
    g = tmp_path / "features.csv"
    g.write_text("id,x\n" + "".join(f"p{i},{i % 3}\n" for i in range(1, 8)))
    argv = [a.format(f=f, g=g) for a in COMMANDS[command]] + ["--out", str(out)]
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2, err
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    assert str(f) in err and re.search(pattern, err), err
    assert not out.exists()
    assert f.read_bytes() == data


OPTION_CASES = [
    (["km", "--cause", "1", "--times", "nan"], r"--times must be finite numbers >= 0"),
    (["km", "--cause", "1", "--times", "inf,-1"], r"--times must be finite numbers >= 0"),
    (["cif", "--cause", "1", "--times", "-1"], r"--times must be finite numbers >= 0"),
    (["km", "--cause", "1.5"], r"--cause must be a whole-number event code"),
    (["km", "--cause", "nan"], r"--cause must be a whole-number event code"),
    (["km", "--cause", "1", "--censor-code", "nan"], r"--censor-code must be a whole-number"),
    (["logrank", "--group", "group", "--cause", "1", "--rho", "nan"], r"--rho must be a finite"),
    (["logrank", "--group", "group", "--cause", "1", "--trend-scores", "1,inf"],
     r"--trend-scores must be finite"),
    (["cif", "--cause", "1", "--codes", "0,1,2,nan"], r"event codes .* must be whole numbers"),
    (["km", "--times", "1,x"], r"--times must be comma-separated numbers"),
    (["cox", "--cause", "1", "--covariates", "age,age"], r"--covariates \['age'\] are listed more"),
    (["finegray", "--cause", "1", "--covariates", "age,age"], r"\['age'\] are listed more"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "pattern"), OPTION_CASES, ids=range(len(OPTION_CASES)))
def test_cli_outcome_option_errors(args, pattern, tmp_path: Path, capsys):
    f = tmp_path / "c.csv"
    f.write_bytes(VALID)
    rc = main(["outcome", args[0], str(f), "--time", "time", "--event", "event", *args[1:]])
    err = capsys.readouterr().err.strip()
    assert rc == 2, err
    assert err.startswith("error: ") and "\n" not in err and re.search(pattern, err), err


def test_corpus_size():
    """The numbers in docs/reliability.md (outcome section)."""
    n_cli = len(COMMANDS) * len(CLI_FILES)
    assert (len(CASES), len(VALUE_CASES), n_cli, len(OPTION_CASES)) == (141, 66, 30, 12)


# -- properties --

_ALPHABET = st.sampled_from(list("ab01.,;\t\n\r\"' -e") + ["\xe9", "\0", "inf", "nan"])


@settings(
    max_examples=80, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.lists(_ALPHABET, max_size=80).map(lambda x: "".join(x).encode("utf-8", "surrogatepass")),
    ),
    name=st.sampled_from(["t.csv", "t.tsv", "t.txt", "t.dat", "t.csv.gz"]),
    gz=st.booleans(),
)
def test_reader_property(data, name, gz, tmp_path_factory):
    d = tmp_path_factory.mktemp("prop")
    path = d / name
    path.write_bytes(gzip.compress(data) if gz else data)
    try:
        df = read_outcome_table(path, what="clinical table")
    except IfnexusError as exc:
        assert "\n" not in str(exc).strip() or "line" in str(exc)
        return
    assert len(df) >= 1 and df.shape[1] >= 2
    names = [str(c) for c in df.columns]
    assert len(set(names)) == len(names) and all(names)


@settings(max_examples=60, deadline=5000)
@given(
    times=st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=3)),
                   min_size=2, max_size=8),
    events=st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                              st.integers(-3, 3), st.text(max_size=2)), min_size=2, max_size=8),
)  # fmt: skip
def test_prepare_property(times, events):
    n = min(len(times), len(events))
    df = pd.DataFrame({"time": times[:n], "event": events[:n]})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = kaplan_meier(df, "time", "event", cause=1)
    except IfnexusError:
        return
    t = pd.to_numeric(df["time"], errors="coerce").to_numpy(float)
    assert np.isfinite(t).all() and (t >= 0).all()
    e = pd.to_numeric(df["event"], errors="coerce").to_numpy(float)
    assert np.isfinite(e).all() and (e == np.round(e)).all()
    assert res["survival"].between(0, 1).all()
