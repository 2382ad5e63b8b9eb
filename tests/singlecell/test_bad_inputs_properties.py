"""Property-based tests of ``sc profile`` on arbitrary values (hypothesis).

A valid small dataset has its values transformed by hypothesis (scaled, rounded or not,
logged or not, with NaN, infinite or negative entries dropped in at random places, stored CSR
or dense, read in memory or backed): ``sc profile`` exits 0 with one row per cell, or 2 with
an ``error:`` line naming the file; never a traceback. Few examples (each profiles 30 cells).
"""

from __future__ import annotations

import importlib.util
import io
import tempfile
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from ifnexus.cli import main

_spec = importlib.util.spec_from_file_location(
    "sc_profile_data", Path(__file__).with_name("test_profile.py")
)
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
BASE = _mod.make_data(seed=2, n_per_sample=5)
COUNTS = np.asarray(BASE.X.toarray() if sparse.issparse(BASE.X) else BASE.X, dtype=np.float64)
_TMP = tempfile.TemporaryDirectory(prefix="ifnexus-sc-prop-")  # removed when the run ends


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    scale=st.sampled_from([1e-6, 0.01, 1.0, 3.7, 1e6]),
    form=st.sampled_from(["counts", "round", "log1p", "raw"]),
    bad=st.lists(
        st.tuples(st.integers(0, COUNTS.size - 1), st.sampled_from([np.nan, np.inf, -np.inf, -2])),
        max_size=2,
    ),
    dense=st.booleans(),
    backed=st.booleans(),
)
def test_sc_profile_on_any_values(scale, form, bad, dense, backed):
    x = COUNTS * scale
    if form == "round":
        x = np.round(x)
    elif form == "log1p":
        x = np.log1p(x / np.maximum(x.sum(axis=1, keepdims=True), 1e-300) * 1e4)
    elif form == "counts":
        x = COUNTS.copy()
    flat = x.ravel()
    for i, v in bad:
        flat[i] = v
    x = flat.reshape(COUNTS.shape)
    a = BASE.copy()
    a.X = x if dense else sparse.csr_matrix(x)
    d = Path(tempfile.mkdtemp(dir=_TMP.name))
    path = d / "in.h5ad"
    a.write_h5ad(path)
    err = io.StringIO()
    args = ["sc", "profile", str(path), "--sample-key", "sample", "--no-figures",
            "--out", str(d / "o")] + (["--backed"] if backed else [])  # fmt: skip
    with redirect_stderr(err), redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = main(args)
    msg = err.getvalue()
    assert "Traceback" not in msg
    assert rc in (0, 2), msg
    if not np.isfinite(x).all() or (x < 0).any():
        assert rc == 2 and str(path) in msg, msg
    if rc == 0:
        cells = pd.read_csv(d / "o" / "cells.csv", index_col=0)
        assert len(cells) == a.n_obs
        assert np.isfinite(cells["ifn_acute"]).all()
    else:
        assert "error: " in msg
