"""``ifnexus report`` on corrupted or incomplete study folders: an error naming the file, always.

One small study is generated once; each case copies the files the report reads and damages
one of them: ``study.json`` cut short, not an object, a seed that is missing, negative, text
or a float; every table empty, header-only, with a byte that is not UTF-8 or a NUL, removed,
with each column the report reads dropped, and with text or infinity in each numeric column
it reads. Each case expects an :class:`ifnexus.errors.InputFormatError` whose message names the
damaged file and matches a pattern (the line, the column, what was wrong); no report file is
written. A folder whose numbers are missing gives an error, never "n/a%" or "nan-fold" as a
finding, and the page never says "seed None".
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from ifnexus.cli import main
from ifnexus.errors import InputFormatError
from ifnexus.report import build_report
from ifnexus.report._build import _COLUMNS, _REQUIRED

FILES = sorted({*_REQUIRED, *_COLUMNS} - {"study.json"})


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The files of a small generated study that the report reads (tables and study.json)."""
    from ifnexus.study import analyse_study, compare_with_truth, generate_study

    d = tmp_path_factory.mktemp("study")
    # seed 4: with the calibrated tumour IFN state, 60 patients of seed 3 leave a Fine-Gray level
    # of the study's outcome step separated (the library rightly refuses); seed 4 does not
    generate_study(
        d, n_patients=60, seed=4, trial_patients=40, ablation_patients=40, cells_per_sample=250
    )
    analyse_study(d)
    compare_with_truth(d)
    keep = tmp_path_factory.mktemp("base")
    for rel in ["study.json", *FILES, "analysis/sc/samples.csv", "analysis/sc/cells.csv",
                "analysis/tumour/tumours.csv"]:  # fmt: skip
        if (d / rel).is_file():
            (keep / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(d / rel, keep / rel)
    return keep


def _manifest_cases() -> list[tuple[str, object, str]]:
    """(id, new study.json content: bytes, or a function of the manifest dict, pattern)."""
    cases: list[tuple[str, object, str]] = [
        ("empty", b"", "not valid JSON"),
        ("not-json", b"seed: 3\n", r"line 1, column 1: not valid JSON"),
        ("array", b"[3]\n", "expected a JSON object, got list"),
        ("string", b'"x"\n', "expected a JSON object, got str"),
        ("not-utf8", b'{"seed": 3, "x": "\xff"}', "not UTF-8"),
        ("nul", b'{"seed": 3}\0', "NUL byte"),
        ("missing", None, "missing study.json"),
    ]
    for label, value in (("none", None), ("negative", -1), ("text", "3"), ("float", 1.5),
                         ("bool", True), ("list", [3])):  # fmt: skip
        cases.append(
            (f"seed-{label}", lambda m, v=value: {**m, "seed": v}, "'seed' must be a whole number")
        )
    cases.append(("seed-absent", lambda m: {k: v for k, v in m.items() if k != "seed"}, "'seed'"))
    cases.append(
        ("schedule-number", lambda m: {**m, "cohort_schedule": 5}, "'cohort_schedule' must be")
    )
    for cut in (1, 10, 50, 200):
        cases.append((f"cut-{cut}", cut, "not valid JSON"))
    return cases


MANIFEST_CASES = _manifest_cases()


def _table_cases() -> list[tuple[str, str, str, str]]:
    """(id, file, damage, pattern)."""
    out = []
    for rel in FILES:
        required = rel in _REQUIRED or rel == "inputs/clinical.csv"
        out += [
            (f"{rel}-empty", rel, "empty", "the file is empty"),
            (f"{rel}-header-only", rel, "header", "a header but no data rows"),
            (f"{rel}-xff", rel, "xff", r"line 2, byte \d+: not UTF-8"),
            (f"{rel}-nul", rel, "nul", r"line 2, byte \d+: a NUL byte"),
        ]
        if required:
            out.append((f"{rel}-gz-name", rel, "gz", "not found|missing"))
            out.append((f"{rel}-removed", rel, "remove", "missing|not found"))
        text_cols, num_cols = _COLUMNS.get(rel, ((), ()))
        for col in (*text_cols, *num_cols):
            out.append(
                (f"{rel}-drop-{col}", rel, f"drop:{col}", rf"missing column\(s\) \['{col}'\]")
            )
        for col in num_cols:
            for v in ("abc", "inf"):
                out.append(
                    (f"{rel}-{col}-{v}", rel, f"set:{col}:{v}",
                     rf"line 2, column '{re.escape(col)}': '{v}' is not a finite number")
                )  # fmt: skip
    return out


TABLE_CASES = _table_cases()


def _copy(base: Path, tmp_path: Path) -> Path:
    d = tmp_path / "study"
    shutil.copytree(base, d)
    return d


def _check_error(d: Path, damaged: Path, pattern: str, before: dict[Path, bytes]) -> None:
    with pytest.raises(InputFormatError) as info:
        build_report(d, d / "out" / "report.html")
    msg = str(info.value)
    assert str(damaged.relative_to(d)) in msg and str(d) in msg, msg  # names the file
    assert re.search(pattern, msg), msg
    assert not (d / "out").exists()
    after = {p: p.read_bytes() for p in d.rglob("*") if p.is_file()}
    assert after == before  # nothing modified, nothing written


@pytest.mark.parametrize(
    ("cid", "content", "pattern"), MANIFEST_CASES, ids=[c[0] for c in MANIFEST_CASES]
)
def test_manifest_corpus(cid, content, pattern, base, tmp_path):
    d = _copy(base, tmp_path)
    path = d / "study.json"
    if content is None:
        path.unlink()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, int):
        path.write_bytes(path.read_bytes()[:content])
    else:
        path.write_text(json.dumps(content(json.loads(path.read_text()))))
    before = {p: p.read_bytes() for p in d.rglob("*") if p.is_file()}
    _check_error(d, path, pattern, before)


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    lines = data.split(b"\n")
    if how == "empty":
        path.write_bytes(b"")
    elif how == "header":
        path.write_bytes(lines[0] + b"\n")
    elif how in ("xff", "nul"):
        lines[1] = lines[1][:1] + (b"\xff" if how == "xff" else b"\0") + lines[1][1:]
        path.write_bytes(b"\n".join(lines))
    elif how in ("gz", "remove"):
        if how == "gz":
            path.rename(path.with_name(path.name + ".gz"))
        else:
            path.unlink()
    elif how.startswith("drop:"):
        col = how.split(":", 1)[1]
        import pandas as pd

        df = pd.read_csv(path)
        df.drop(columns=[col]).to_csv(path, index=False)
    elif how.startswith("set:"):
        _, col, v = how.split(":")
        import pandas as pd

        df = pd.read_csv(path).astype({col: object})
        df.loc[0, col] = v
        df.to_csv(path, index=False)


@pytest.mark.parametrize(
    ("cid", "rel", "how", "pattern"), TABLE_CASES, ids=[c[0] for c in TABLE_CASES]
)
def test_table_corpus(cid, rel, how, pattern, base, tmp_path):
    d = _copy(base, tmp_path)
    path = d / rel
    _damage(path, how)
    before = {p: p.read_bytes() for p in d.rglob("*") if p.is_file()}
    _check_error(d, path, pattern, before)


def test_missing_number_is_an_error_not_nan_in_a_finding(base, tmp_path, capsys):
    """A table cell a finding quotes is empty: an error naming the table file, no 'n/a%'."""
    import pandas as pd

    d = _copy(base, tmp_path)
    path = d / "recovery" / "singlecell_summary.csv"
    df = pd.read_csv(path)
    df["RT_over_sham"] = float("nan")
    df.to_csv(path, index=False)
    rc = main(["report", str(d), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.startswith("error: ") and "\n" not in err
    assert "singlecell_summary.csv" in err and "missing or not finite" in err
    assert not (tmp_path / "out").exists()


def test_group_followed_less_than_24_months_is_said_not_estimable(base, tmp_path):
    """A called IFN state whose follow-up ends before 24 months has no Aalen-Johansen estimate
    there (cumulative_incidence gives NaN): the report says so in words instead of failing."""
    import pandas as pd

    d = _copy(base, tmp_path)
    path = d / "recovery" / "local_control.csv"
    df = pd.read_csv(path)
    row = df.index[df["labels"] == "called state"][0]
    state = df.at[row, "ifn_state"]
    df.loc[row, ["cif_local_failure_24m", "lower", "upper"]] = float("nan")
    df.to_csv(path, index=False)
    page = build_report(d, tmp_path / "r.html").read_text()
    assert f"{state} not estimable (its follow-up ends before 24 months)" in page
    assert not re.search(r">(nan|n/a)</span>(%|-fold)", page)


def test_complete_folder_reports_its_seed(base, tmp_path):
    d = _copy(base, tmp_path)
    page = build_report(d, tmp_path / "r.html").read_text()
    seed = json.loads((d / "study.json").read_text())["seed"]
    assert f"(seed {seed})" in page and "seed None" not in page
    assert not re.search(r">(nan|n/a)</span>(%|-fold)", page)


def test_corpus_size():
    """The numbers in docs/reliability.md (report section)."""
    assert (len(MANIFEST_CASES), len(TABLE_CASES)) == (19, 203)
