"""Property-based tests of the readers ``score`` and ``sc profile`` use (hypothesis).

Whatever the bytes or values, a reader returns a valid result or raises an
:class:`~ifnexus.errors.IfnexusError`; never another exception, never a hang. The number of
examples is modest and each has a deadline, so that the suite stays fast.
"""

from __future__ import annotations

import gzip
import io
import tempfile
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from ifnexus import RunOptions
from ifnexus.cli import main
from ifnexus.cli._files import check_h5ad
from ifnexus.cli._scoring import _load_input
from ifnexus.errors import IfnexusError, InputFormatError
from ifnexus.genesets import get_set
from ifnexus.scoring import score_sets

SETTINGS = settings(
    max_examples=40,
    deadline=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
IFNA = list(get_set("IFNA").genes)

# text that looks like a table: gene-like names, numbers and the odd bad token
TOKENS = st.one_of(
    st.sampled_from(
        [
            *IFNA[:30],
            "FILL1",
            "FILL2",
            "gene",
            "S1",
            "S2",
            "",
            "NA",
            "nan",
            "inf",
            "-1",
            "0",
            "1e309",
            "x",
            '"',
            "\t",
            ",",
            "é",
            "\x00",
        ]
    ),  # fmt: skip
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.text(max_size=6),
)
LINE = st.lists(TOKENS, min_size=0, max_size=8).map(",".join)
TABLE_TEXT = st.lists(LINE, min_size=0, max_size=12).map("\n".join)


_TMP = tempfile.TemporaryDirectory(prefix="ifnexus-prop-")  # removed when the run ends


def _tmp() -> Path:
    return Path(tempfile.mkdtemp(dir=_TMP.name))


def _read(path: Path):
    """Read ``path`` the way ``score`` does; return the table or the IfnexusError raised."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _load_input(path, None)[0]
        except IfnexusError as exc:
            return exc


@SETTINGS
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".tsv", ".csv.gz", ".txt"]))
def test_any_bytes_give_a_table_or_an_ifnexus_error(data, suffix):
    path = _tmp() / f"t{suffix}"
    path.write_bytes(data)
    got = _read(path)
    if not isinstance(got, IfnexusError):
        assert isinstance(got, pd.DataFrame)
        assert got.shape[0] >= 1 and got.shape[1] >= 1
        assert np.isfinite(got.to_numpy(dtype=np.float64)).all()


@SETTINGS
@given(text=TABLE_TEXT, gz=st.booleans())
def test_table_like_text_gives_a_table_or_an_ifnexus_error(text, gz):
    path = _tmp() / ("t.csv.gz" if gz else "t.csv")
    raw = text.encode("utf-8", errors="surrogatepass")
    path.write_bytes(gzip.compress(raw) if gz else raw)
    got = _read(path)
    if not isinstance(got, IfnexusError):
        values = got.to_numpy(dtype=np.float64)
        assert np.isfinite(values).all()
        assert not got.index.has_duplicates  # samples are rows after the transpose
        assert not got.columns.has_duplicates  # duplicated genes are collapsed


@settings(max_examples=25, deadline=10000, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(
        st.one_of(
            st.floats(min_value=0, max_value=1e6, allow_nan=False),
            st.sampled_from([np.nan, np.inf, -1.0, 0.0]),
        ),
        min_size=40 * 3,
        max_size=40 * 3,
    ),
    lognorm=st.booleans(),
)
def test_score_cli_on_any_values_exits_0_or_2(values, lognorm):
    """The whole ``score`` command on a 40 genes x 3 samples table of arbitrary values."""
    d = _tmp()
    table = pd.DataFrame(
        np.asarray(values).reshape(40, 3), index=IFNA[:40], columns=["A", "B", "C"]
    )
    table.to_csv(d / "t.csv")
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = main(["score", str(d / "t.csv"), "--sets", "IFNA", "--out", str(d / "o")]
                  + (["--lognorm"] if lognorm else []))  # fmt: skip
    assert rc in (0, 2), err.getvalue()
    finite = np.isfinite(table.to_numpy()).all() and (table.to_numpy() >= 0).all()
    if not finite:
        assert rc == 2 and "error:" in err.getvalue()
    if rc == 0:
        scores = pd.read_csv(d / "o" / "scores.csv", index_col=0)
        assert list(scores.index) == ["A", "B", "C"]
        assert np.isfinite(scores.to_numpy()).all()


@SETTINGS
@given(data=st.binary(max_size=4000))
def test_check_h5ad_on_any_bytes(data):
    path = _tmp() / "x.h5ad"
    path.write_bytes(data)
    with pytest.raises(InputFormatError, match="x.h5ad"):
        check_h5ad(path)


def _valid_h5ad(path: Path) -> None:
    import anndata as ad

    rng = np.random.default_rng(0)
    genes = IFNA[:40] + [f"FILL{i}" for i in range(60)]
    x = sparse.csr_matrix(rng.poisson(2.0, size=(12, len(genes))).astype(np.float32))
    ad.AnnData(
        x, obs=pd.DataFrame(index=[f"c{i}" for i in range(12)]), var=pd.DataFrame(index=genes)
    ).write_h5ad(path)


@pytest.fixture(scope="module")
def valid_h5ad(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("valid") / "v.h5ad"
    _valid_h5ad(path)
    return path


def _mutated(valid: Path, key: str, values) -> Path:
    import shutil

    path = _tmp() / "m.h5ad"
    shutil.copy(valid, path)
    with h5py.File(path, "r+") as f:
        if key == "shape":
            f["X"].attrs["shape"] = values
        else:
            attrs = dict(f[key].attrs)
            del f[key]
            f[key] = values
            f[key].attrs.update(attrs)
    return path


def _score_or_error(path: Path):
    """``score`` on the file: the scores, or an IfnexusError (anything else fails the test)."""
    try:
        check_h5ad(path)
        data, _ = _load_input(path, None)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return score_sets(data, "IFNA", options=RunOptions(chunk_size=5))
        finally:
            data.file.close()
    except IfnexusError as exc:
        return exc


@SETTINGS
@given(shape=st.lists(st.integers(-5, 200), min_size=0, max_size=3))
def test_any_shape_attribute(valid_h5ad, shape):
    got = _score_or_error(_mutated(valid_h5ad, "shape", np.asarray(shape, dtype=np.int64)))
    if list(shape) == [12, 100]:
        assert isinstance(got, pd.DataFrame)
    else:
        assert isinstance(got, InputFormatError)


@SETTINGS
@given(data=st.data())
def test_any_indptr(valid_h5ad, data):
    with h5py.File(valid_h5ad, "r") as f:
        good = f["X/indptr"][()]
    nnz = int(good[-1])
    indptr = data.draw(
        st.one_of(
            st.lists(st.integers(-3, nnz + 3), min_size=0, max_size=15).map(np.asarray),
            st.permutations(list(good)).map(np.asarray),
            st.just(good),
        )
    )
    got = _score_or_error(_mutated(valid_h5ad, "X/indptr", np.asarray(indptr, dtype=np.int64)))
    ok = (len(indptr) == 13 and int(indptr[0]) == 0 and int(indptr[-1]) == nnz
          and bool((np.diff(indptr) >= 0).all()))  # fmt: skip
    if ok:
        assert isinstance(got, pd.DataFrame)
    else:
        assert isinstance(got, InputFormatError)


@SETTINGS
@given(data=st.data())
def test_any_indices(valid_h5ad, data):
    with h5py.File(valid_h5ad, "r") as f:
        good = f["X/indices"][()]
    i = data.draw(st.integers(0, len(good) - 1))
    v = data.draw(st.integers(-(2**31), 2**31 - 1))
    indices = good.copy()
    indices[i] = v
    got = _score_or_error(_mutated(valid_h5ad, "X/indices", indices))
    if 0 <= v < 100:
        # a valid column index (possibly unsorted or duplicated within a row: scipy sums them)
        assert isinstance(got, pd.DataFrame | IfnexusError)
    else:
        assert isinstance(got, InputFormatError)


@SETTINGS
@given(sets=st.text(max_size=40))
def test_any_sets_option(valid_h5ad, sets):
    d = _tmp()
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = main(["score", str(valid_h5ad), "--sets", sets, "--out", str(d / "o")])
    assert rc in (0, 2), err.getvalue()
    assert "Traceback" not in err.getvalue()
