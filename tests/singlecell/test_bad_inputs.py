"""Corrupt h5ad files and bad options for ``score`` and ``sc profile``: each a clear error.

A valid small h5ad is written with anndata, then each variant damages one internal with h5py
(a wrong ``shape`` attribute, a missing ``X``, an unknown encoding type, an ``obs`` column that
does not match ``X``, a bad CSR ``indptr`` or ``indices``, non-finite values, an empty matrix,
...). Every variant is run through ``score`` (which opens h5ad backed), ``sc profile`` (in
memory) and ``sc profile --backed``; the expected outcome is the same for the three: exit code 2
and one ``error: ...`` line that names the file and the element at fault, no traceback, no
output written; or, for the valid controls, success.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import anndata as ad
import h5py
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from ifnexus.cli import main

_spec = importlib.util.spec_from_file_location(
    "sc_profile_data", Path(__file__).with_name("test_profile.py")
)
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)

N_PER_SAMPLE = 5
N_OBS = 6 * N_PER_SAMPLE


def _base() -> ad.AnnData:
    a = _mod.make_data(seed=1, n_per_sample=N_PER_SAMPLE)
    a.X = sparse.csr_matrix(a.X, dtype=np.float32)
    a.layers["counts"] = a.X.copy()
    return a


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("h5ad") / "base.h5ad"
    _base().write_h5ad(path)
    return path


def _set_attr(key: str, name: str, value) -> Callable[[h5py.File], None]:
    def edit(f: h5py.File) -> None:
        f[key].attrs[name] = value

    return edit


def _del_attr(key: str, name: str) -> Callable[[h5py.File], None]:
    def edit(f: h5py.File) -> None:
        del f[key].attrs[name]

    return edit


def _delete(key: str) -> Callable[[h5py.File], None]:
    def edit(f: h5py.File) -> None:
        del f[key]

    return edit


def _replace(key: str, fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[h5py.File], None]:
    """Replace dataset ``key`` by ``fn(its values)``, keeping its attributes."""

    def edit(f: h5py.File) -> None:
        old = f[key]
        attrs = dict(old.attrs)
        values = fn(old[()])
        del f[key]
        f[key] = values
        for k, v in attrs.items():
            f[key].attrs[k] = v

    return edit


def _at(values: np.ndarray, i: int, v) -> np.ndarray:
    out = values.copy()
    out[i] = v
    return out


def _swap_middle(values: np.ndarray) -> np.ndarray:
    out = values.copy()
    k = len(out) // 2
    out[k], out[k + 1] = out[k + 1], out[k]
    if out[k] == out[k + 1]:  # equal neighbours: make the dip explicit
        out[k] = out[k + 1] + 1
    return out


@dataclass(frozen=True)
class Variant:
    """One damaged h5ad: how it is made, and the pattern its error must match."""

    id: str
    edit: Callable[[h5py.File], None] | None
    pattern: str
    expect: str = "error"
    build: Callable[[Path, Path], None] | None = None  # writes the file itself


def _write(adata_fn: Callable[[], ad.AnnData]) -> Callable[[Path, Path], None]:
    def build(base: Path, path: Path) -> None:
        adata_fn().write_h5ad(path)

    return build


def _bytes(fn: Callable[[bytes], bytes]) -> Callable[[Path, Path], None]:
    def build(base: Path, path: Path) -> None:
        path.write_bytes(fn(base.read_bytes()))

    return build


def _mkdir(base: Path, path: Path) -> None:
    path.mkdir()


def _cells_only() -> ad.AnnData:
    a = _base()
    return a[:0].copy()


def _genes_only() -> ad.AnnData:
    a = _base()
    return a[:, :0].copy()


def _duplicated_cells() -> ad.AnnData:
    a = _base()
    a.obs_names = [f"c{i // 2}" for i in range(a.n_obs)]
    return a


def _duplicated_genes() -> ad.AnnData:
    a = _base()
    names = list(a.var_names)
    names[5] = names[6]
    a.var_names = names
    return a


def _csc() -> ad.AnnData:
    a = _base()
    a.X = sparse.csc_matrix(a.X)
    return a


def _dense() -> ad.AnnData:
    a = _base()
    a.X = a.X.toarray()
    del a.layers["counts"]
    return a


def _with_raw_mismatch(f: h5py.File) -> None:
    """Add a raw/X (a copy of X) whose raw/var lists only 7 genes."""
    raw = f.create_group("raw")
    raw.attrs.update({"encoding-type": "raw", "encoding-version": "0.1.0"})
    f.copy("X", "raw/X")
    var = raw.create_group("var")
    var.attrs.update({"_index": "_index", "column-order": np.array([], dtype=np.float64),
                      "encoding-type": "dataframe", "encoding-version": "0.2.0"})  # fmt: skip
    var.create_dataset("_index", data=[f"G{i}" for i in range(7)], dtype=h5py.string_dtype())
    var["_index"].attrs.update({"encoding-type": "string-array", "encoding-version": "0.2.0"})


STR = h5py.string_dtype()

VARIANTS: list[Variant] = [
    # the shape attribute
    Variant("shape-wrong", _set_attr("X", "shape", np.array([5, 7])), r"X has shape \(5, 7\)"),
    Variant(
        "shape-swapped",
        lambda f: f["X"].attrs.__setitem__("shape", f["X"].attrs["shape"][::-1].copy()),
        r"X has shape",
    ),  # fmt: skip
    Variant(
        "shape-3d",
        lambda f: f["X"].attrs.__setitem__("shape", np.array([*f["X"].attrs["shape"], 1])),
        r"X has a shape attribute",
    ),  # fmt: skip
    Variant("shape-text", _set_attr("X", "shape", "abc"), r"X has a shape attribute"),
    Variant("shape-missing", _del_attr("X", "shape"), r"X has a shape attribute None"),
    Variant(
        "shape-negative",
        lambda f: f["X"].attrs.__setitem__("shape", np.array([-1, f["X"].attrs["shape"][1]])),
        r"X has a shape attribute",
    ),  # fmt: skip
    Variant(
        "shape-fractional",
        lambda f: f["X"].attrs.__setitem__(
            "shape", np.array([N_OBS + 0.5, f["X"].attrs["shape"][1]])
        ),
        r"X has a shape attribute",
    ),  # fmt: skip
    # the matrix itself
    Variant("x-missing", _delete("X"), r"X is missing"),
    Variant(
        "encoding-unknown",
        _set_attr("X", "encoding-type", "zarr_matrix"),
        r"X has the unknown encoding type 'zarr_matrix'",
    ),  # fmt: skip
    Variant(
        "encoding-dataframe",
        _set_attr("X", "encoding-type", "dataframe"),
        r"unknown encoding type 'dataframe'",
    ),  # fmt: skip
    Variant(
        "encoding-coo",
        _set_attr("X", "encoding-type", "coo_matrix"),
        r"unknown encoding type 'coo_matrix'",
    ),  # fmt: skip
    Variant("encoding-missing", _del_attr("X", "encoding-type"), r"unknown encoding type None"),
    Variant(
        "dense-strings",
        lambda f: (
            _delete("X")(f),
            f.create_dataset("X", data=np.full((N_OBS, 4), "a", dtype=object), dtype=STR),
        ),
        r"X holds .* values, not numbers",
    ),  # fmt: skip
    Variant(
        "dense-wrong-shape",
        lambda f: (
            _delete("X")(f),
            f.create_dataset("X", data=np.ones((N_OBS, 3), dtype=np.float32)),
        ),
        r"X has shape \(30, 3\)",
    ),  # fmt: skip
    Variant(
        "dense-1d",
        lambda f: (_delete("X")(f), f.create_dataset("X", data=np.ones(N_OBS, dtype=np.float32))),
        r"X has shape \(30,\)",
    ),  # fmt: skip
    Variant(
        "dense-encoding-wrong",
        lambda f: (
            _delete("X")(f),
            f.create_dataset("X", data=np.ones((N_OBS, 3), dtype=np.float32)),
            f["X"].attrs.__setitem__("encoding-type", "string-array"),
        ),
        r"X has the unknown encoding type 'string-array'",
    ),  # fmt: skip
    # obs and var
    Variant(
        "obs-index-short",
        _replace("obs/_index", lambda v: v[:-3]),
        r"obs column '\w+' has 30 rows but the obs index has 27",
    ),  # fmt: skip
    Variant(
        "obs-index-long",
        _replace("obs/_index", lambda v: np.concatenate([v, v[:2]])),
        r"obs column '\w+' has 30 rows but the obs index has 32",
    ),  # fmt: skip
    Variant(
        "obs-codes-short",
        _replace("obs/sample/codes", lambda v: v[:-1]),
        r"obs column 'sample' has 29 rows",
    ),  # fmt: skip
    Variant(
        "obs-codes-long",
        _replace("obs/condition/codes", lambda v: np.concatenate([v, v])),
        r"obs column 'condition' has 60 rows",
    ),  # fmt: skip
    Variant(
        "obs-all-short",
        lambda f: (
            [_replace(f"obs/{k}", lambda v: v[:-2])(f) for k in ("_index",)]
            and [
                _replace(f"obs/{c}/codes", lambda v: v[:-2])(f)
                for c in ("sample", "condition", "true_type", "true_state")
            ]
        ),
        r"X has shape \(30, \d+\) but obs x var is \(28, \d+\)",
    ),  # fmt: skip
    Variant(
        "var-index-short",
        _replace("var/_index", lambda v: v[:-1]),
        r"X has shape \(30, \d+\) but obs x var",
    ),  # fmt: skip
    Variant("obs-missing", _delete("obs"), r"obs is missing"),
    Variant("var-missing", _delete("var"), r"var is missing"),
    Variant("obs-index-missing", _delete("obs/_index"), r"obs has no index"),
    # CSR internals
    Variant(
        "indptr-reversed", _replace("X/indptr", lambda v: v[::-1].copy()), r"X/indptr runs from"
    ),  # fmt: skip
    Variant("indptr-dip", _replace("X/indptr", _swap_middle), r"X/indptr decreases at entry"),
    Variant(
        "indptr-short",
        _replace("X/indptr", lambda v: v[:-5]),
        r"X/indptr has 26 entries; expected 31",
    ),  # fmt: skip
    Variant(
        "indptr-long",
        _replace("X/indptr", lambda v: np.concatenate([v, v[-1:]])),
        r"X/indptr has 32 entries; expected 31",
    ),  # fmt: skip
    Variant(
        "indptr-start", _replace("X/indptr", lambda v: _at(v, 0, 1)), r"X/indptr runs from 1"
    ),  # fmt: skip
    Variant(
        "indptr-end",
        _replace("X/indptr", lambda v: _at(v, -1, v[-1] - 1)),
        r"X/indptr runs from 0 to",
    ),  # fmt: skip
    Variant(
        "indptr-float",
        _replace("X/indptr", lambda v: v.astype(np.float64)),
        r"X/indptr is not a 1-d integer array",
    ),  # fmt: skip
    Variant(
        "indptr-2d",
        _replace("X/indptr", lambda v: np.stack([v, v])),
        r"X/indptr is not a 1-d integer array",
    ),  # fmt: skip
    Variant(
        "indices-too-large",
        lambda f: _replace("X/indices", lambda v: _at(v, 3, f["X"].attrs["shape"][1]))(f),
        r"X/indices holds column indices outside",
    ),  # fmt: skip
    Variant(
        "indices-negative",
        _replace("X/indices", lambda v: _at(v, 3, -1)),
        r"X/indices holds column indices outside",
    ),  # fmt: skip
    Variant(
        "indices-short",
        _replace("X/indices", lambda v: v[:-1]),
        r"X/indices has \d+ entries but X/data has",
    ),  # fmt: skip
    Variant(
        "indices-float",
        _replace("X/indices", lambda v: v.astype(np.float32)),
        r"X/indices holds float32 values, not integers",
    ),  # fmt: skip
    Variant(
        "data-short",
        _replace("X/data", lambda v: v[:-1]),
        r"X/indices has \d+ entries but X/data has",
    ),  # fmt: skip
    Variant("data-missing", _delete("X/data"), r"X \(csr_matrix\) lacks data"),
    Variant("indices-missing", _delete("X/indices"), r"lacks indices"),
    Variant("indptr-missing", _delete("X/indptr"), r"lacks indptr"),
    Variant(
        "data-strings",
        _replace("X/data", lambda v: np.array(["x"] * len(v), dtype=object)),
        r"X/data holds .* values, not numbers",
    ),  # fmt: skip
    Variant(
        "layer-indptr",
        _replace("layers/counts/indptr", lambda v: v[:-2]),
        r"layers/counts/indptr has 29 entries",
    ),  # fmt: skip
    Variant(
        "layer-shape",
        _set_attr("layers/counts", "shape", np.array([2, 2])),
        r"layers/counts has shape \(2, 2\)",
    ),  # fmt: skip
    Variant(
        "raw-var-mismatch",
        _with_raw_mismatch,
        r"raw/X has shape \(30, \d+\) but obs x var "
        r"is \(30, 7\)",
    ),  # fmt: skip
    # values
    Variant(
        "data-nan",
        _replace("X/data", lambda v: _at(v, 2, np.nan)),
        r"non-finite values \(NaN or infinity\)",
    ),  # fmt: skip
    Variant("data-inf", _replace("X/data", lambda v: _at(v, 2, np.inf)), r"non-finite values"),
    Variant(
        "data-neg-inf", _replace("X/data", lambda v: _at(v, 2, -np.inf)), r"non-finite values"
    ),  # fmt: skip
    Variant("data-negative", _replace("X/data", lambda v: _at(v, 2, -4.0)), r"negative values"),
    Variant(
        "data-all-nan", _replace("X/data", lambda v: np.full_like(v, np.nan)), r"non-finite values"
    ),  # fmt: skip
    # the file as a whole
    Variant("empty-cells", None, r"empty \(0 cells x \d+ genes\)", build=_write(_cells_only)),
    Variant("empty-genes", None, r"empty \(30 cells x 0 genes\)", build=_write(_genes_only)),
    Variant(
        "not-hdf5", None, r"not an HDF5 file", build=lambda b, p: p.write_text("gene,S1\nMX1,1\n")
    ),  # fmt: skip
    Variant("empty-file", None, r"not an HDF5 file", build=lambda b, p: p.write_bytes(b"")),
    Variant(
        "truncated", None, r"not an HDF5 file|cannot read", build=_bytes(lambda d: d[: len(d) // 2])
    ),  # fmt: skip
    Variant(
        "zeroed-header", None, r"not an HDF5 file", build=_bytes(lambda d: b"\0" * 512 + d[512:])
    ),  # fmt: skip
    Variant("directory", None, r"is a directory", build=_mkdir),
    Variant(
        "duplicated-cell-ids",
        None,
        r"obs_names \(cell ids\) has 15 duplicated id\(s\)",
        build=_write(_duplicated_cells),
    ),  # fmt: skip
    Variant(
        "duplicated-gene-names", None, r"duplicated gene names", build=_write(_duplicated_genes)
    ),  # fmt: skip
    # valid controls
    Variant("valid-csr", lambda f: None, "", expect="ok"),
    Variant("valid-csc", None, "", expect="ok", build=_write(_csc)),
    Variant("valid-dense", None, "", expect="ok", build=_write(_dense)),
]

COMMANDS = {
    "score": lambda p, o: ["score", str(p), "--sets", "IFNA", "--out", str(o)],
    "sc-profile": lambda p, o: ["sc", "profile", str(p), "--no-figures", "--out", str(o)],
    "sc-profile-backed": lambda p, o: [
        "sc",
        "profile",
        str(p),
        "--backed",
        "--no-figures",
        "--out",
        str(o),
    ],  # fmt: skip
}
OUTPUT = {"score": "scores.csv", "sc-profile": "cells.csv", "sc-profile-backed": "cells.csv"}


def make_variant(v: Variant, base: Path, path: Path) -> Path:
    """Write variant ``v`` of ``base`` to ``path``."""
    if v.build is not None:
        v.build(base, path)
        return path
    shutil.copy(base, path)
    with h5py.File(path, "r+") as f:
        assert v.edit is not None
        v.edit(f)
    return path


def _run(args: list[str], capsys) -> tuple[int, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = main(args)
    return rc, capsys.readouterr().err


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_corrupt_h5ad(variant, command, base, tmp_path, capsys):
    path = make_variant(variant, base, tmp_path / f"{variant.id}.h5ad")
    before = None if path.is_dir() else path.read_bytes()
    out = tmp_path / "out"
    rc, err = _run(COMMANDS[command](path, out), capsys)
    assert "Traceback" not in err
    if variant.expect == "ok":
        assert rc == 0, err
        assert (out / OUTPUT[command]).exists()
    else:
        assert rc == 2, f"{variant.id} / {command}: rc={rc}\n{err}"
        line = [ln for ln in err.splitlines() if ln.startswith("error: ")]
        assert line, err
        assert str(path) in line[-1], f"the message does not name the file: {line[-1]}"
        assert re.search(variant.pattern, line[-1]), f"{variant.id}: {line[-1]!r}"
        assert not (out / OUTPUT[command]).exists()
    if before is not None:
        assert path.read_bytes() == before, "the input was modified"


def test_valid_variants_give_the_same_scores(base, tmp_path, capsys):
    """CSR, CSC and dense storage of the same values score identically."""
    got = {}
    for v in [x for x in VARIANTS if x.expect == "ok"]:
        path = make_variant(v, base, tmp_path / f"{v.id}.h5ad")
        out = tmp_path / v.id
        rc, err = _run(COMMANDS["score"](path, out), capsys)
        assert rc == 0, err
        got[v.id] = pd.read_csv(out / "scores.csv", index_col=0)
    pd.testing.assert_frame_equal(got["valid-csr"], got["valid-csc"])
    pd.testing.assert_frame_equal(got["valid-csr"], got["valid-dense"], rtol=1e-6)


# bad options of sc profile, on a valid file


@pytest.fixture(scope="module")
def lognorm_h5ad(tmp_path_factory) -> Path:
    a = _base()
    x = a.X.toarray()
    x = np.log1p(x / x.sum(axis=1, keepdims=True) * 1e4)
    a.X = sparse.csr_matrix(x)
    del a.layers["counts"]
    path = tmp_path_factory.mktemp("log") / "log.h5ad"
    a.write_h5ad(path)
    return path


OPTION_CASES = [
    ("sample-key-unknown", ["--sample-key", "donor"], r"sample key 'donor' is not a column"),
    ("condition-without-sample", ["--condition-key", "condition"], r"needs a sample key"),
    (
        "condition-key-unknown",
        ["--sample-key", "sample", "--condition-key", "arm"],
        r"condition key 'arm'",
    ),  # fmt: skip
    (
        "reference-unknown",
        ["--sample-key", "sample", "--condition-key", "condition", "--reference", "placebo"],
        r"placebo",
    ),  # fmt: skip
    (
        "input-kind-lognorm-on-counts",
        ["--input-kind", "lognorm"],
        r"--input-kind 'lognorm' but .*whole numbers, up to \d+.*look like raw counts",
    ),  # fmt: skip
    ("input-kind-unknown", ["--input-kind", "tpm"], r"--input-kind"),
    ("layer-unknown", ["--layer", "spliced"], r"no layer 'spliced'.*'counts'"),
    ("chunk-size-zero", ["--chunk-size", "0"], r"--chunk-size"),
    ("chunk-size-text", ["--chunk-size", "lots"], r"--chunk-size"),
    ("seed-negative", ["--seed", "-3"], r"--seed"),
    ("jobs-zero", ["--jobs", "0"], r"--jobs"),
    ("species-contradicted", ["--species", "mouse"], r"look human"),
    ("species-unknown", ["--species", "rat"], r"--species"),
    ("scheduler-malformed", ["--scheduler", "tcp://"], r"--scheduler"),
    ("min-probability-text", ["--min-probability", "high"], r"--min-probability"),
    ("min-probability-low", ["--min-probability", "0.2"], r"--min-probability"),
    ("min-control-cells-zero", ["--min-control-cells", "0"], r"--min-control-cells"),
    (
        "control-unknown",
        ["--sample-key", "sample", "--condition", "condition", "--control", "nope"],
        r"control label 'nope' is not a condition; conditions: 'RT' \(15 cells\), 'sham' \(15 cells\)",
    ),
    (
        "control-too-few",
        ["--sample-key", "sample", "--condition", "condition", "--control", "sham"],
        r"control group 'sham' has 15 cells; at least 30 are needed",
    ),
    (
        "control-without-condition",
        ["--control", "sham"],
        r"control 'sham' needs a condition column",
    ),
]


@pytest.mark.parametrize("backed", [False, True], ids=["memory", "backed"])
@pytest.mark.parametrize(("case", "options", "pattern"), OPTION_CASES,
                         ids=[c[0] for c in OPTION_CASES])  # fmt: skip
def test_sc_profile_bad_option(case, options, pattern, backed, base, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["sc", "profile", str(base), *options, "--no-figures", "--out", str(out)]
    rc, err = _run(args + (["--backed"] if backed else []), capsys)
    assert rc == 2, err
    assert "Traceback" not in err
    assert re.search(pattern, err, flags=re.S), err
    assert not (out / "cells.csv").exists()


@pytest.mark.parametrize("backed", [False, True], ids=["memory", "backed"])
def test_input_kind_counts_on_log_data_is_refused(lognorm_h5ad, backed, tmp_path, capsys):
    args = ["sc", "profile", str(lognorm_h5ad), "--input-kind", "counts", "--no-figures",
            "--out", str(tmp_path / "o")]  # fmt: skip
    rc, err = _run(args + (["--backed"] if backed else []), capsys)
    assert rc == 2, err
    assert re.search(r"--input-kind 'counts' but .*non-integer values with max \d.*"
                     r"looks log-normalised", err), err  # fmt: skip
    assert str(lognorm_h5ad) in err


def test_lognorm_data_detected_and_accepted(lognorm_h5ad, tmp_path, capsys):
    rc, err = _run(["sc", "profile", str(lognorm_h5ad), "--no-figures", "--out",
                    str(tmp_path / "o")], capsys)  # fmt: skip
    assert rc == 0, err
    assert "input: lognorm" in err


def test_score_lognorm_on_log_h5ad_is_refused(lognorm_h5ad, tmp_path, capsys):
    rc, err = _run(["score", str(lognorm_h5ad), "--sets", "IFNA", "--lognorm", "--out",
                    str(tmp_path / "o")], capsys)  # fmt: skip
    assert rc == 2
    assert re.search(r"non-integer with max .*looks log-normalised.*drop --lognorm", err), err
    assert str(lognorm_h5ad) in err


def test_out_is_an_existing_file(base, tmp_path, capsys):
    target = tmp_path / "result"
    target.write_text("keep")
    rc, err = _run(["sc", "profile", str(base), "--out", str(target)], capsys)
    assert rc == 2 and "--out" in err and "existing file" in err
    assert target.read_text() == "keep"


def test_memory_error_reading_in_memory_suggests_backed(base, tmp_path, capsys, monkeypatch):
    def boom(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(ad, "read_h5ad", boom)
    rc, err = _run(["sc", "profile", str(base), "--out", str(tmp_path / "o")], capsys)
    assert rc == 2 and "not enough memory" in err and "--backed" in err


def test_corpus_size():
    """At least 150 distinct bad inputs for score and sc profile across this file."""
    bad = [v for v in VARIANTS if v.expect == "error"]
    n = len(bad) * len(COMMANDS) + 2 * len(OPTION_CASES) + 2 + 1 + 1
    assert len({v.id for v in VARIANTS}) == len(VARIANTS)
    assert n >= 150


def test_memory_error_scoring_a_backed_file_suggests_chunk_size_only(
    base, tmp_path, capsys, monkeypatch
):
    import ifnexus.scoring._score as score_mod

    def boom(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(score_mod, "weighted_sums", boom)
    rc, err = _run(["score", str(base), "--sets", "IFNA", "--out", str(tmp_path / "o")], capsys)
    assert rc == 2 and "out of memory" in err and "--chunk-size" in err
    assert "--backed" not in err  # score reads h5ad backed already


def test_sample_names_never_leave_the_output_folder(base, tmp_path, capsys):
    """Sample and condition labels such as ``../../x`` are table values, never file names."""
    a = _base()
    a.obs["sample"] = a.obs["sample"].astype(str).replace({a.obs["sample"].iloc[0]: "../../x"})
    a.obs["condition"] = a.obs["condition"].astype(str).replace({"RT": "../../../RT"})
    path = tmp_path / "in" / "trav.h5ad"
    path.parent.mkdir()
    a.write_h5ad(path)
    out = tmp_path / "deep" / "er" / "out"
    before = {p for p in tmp_path.rglob("*")}
    rc, err = _run(["sc", "profile", str(path), "--sample-key", "sample", "--condition-key",
                    "condition", "--reference", "sham", "--out", str(out)], capsys)  # fmt: skip
    assert rc == 0, err
    new = {p for p in tmp_path.rglob("*")} - before
    assert new and all(p == out or out in p.parents or p in out.parents for p in new), new
    samples = pd.read_csv(out / "samples.csv", index_col=0)
    assert "../../x" in samples.index
