"""The compiled CSR kernels against scipy's own sparse arithmetic (bit for bit)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from ifnexus.errors import InputFormatError
from ifnexus.scoring._kernels import column_sums, compact_weights, csr_times_weights


@pytest.fixture(scope="module")
def csr():
    rng = np.random.default_rng(5)
    x = sparse.random(3000, 400, density=0.05, format="csr", random_state=rng, dtype=np.float32)
    x.data = np.log1p(x.data * 50).astype(np.float32)
    return x


def test_column_sums_equal_scipy_float32(csr):
    total, lo, hi = column_sums(csr.data, csr.indices, csr.shape[1], None)
    ref = np.asarray(csr.sum(axis=0)).ravel()  # scipy sums float32 data in float32
    assert total.dtype == np.float32
    np.testing.assert_array_equal(total, ref)
    assert lo == float(csr.data.min()) and hi == float(csr.data.max())
    # carried over chunks: the same as one pass (row order kept)
    half = csr[:1500], csr[1500:]
    t1, _, _ = column_sums(half[0].data, half[0].indices, 400, None)
    t2, _, _ = column_sums(half[1].data, half[1].indices, 400, t1)
    np.testing.assert_array_equal(t2, ref)


def test_column_sums_integer_data_in_float64():
    x = sparse.csr_matrix(np.array([[1, 0, 2], [0, 3, 4]], dtype=np.int64))
    total, lo, hi = column_sums(x.data, x.indices, 3, None)
    assert total.dtype == np.float64
    np.testing.assert_array_equal(total, [1.0, 3.0, 6.0])
    assert (lo, hi) == (1.0, 4.0)


def test_weighted_rows_equal_scipy_product(csr):
    rng = np.random.default_rng(2)
    w = np.zeros((400, 7))
    for s in range(7):  # sparse weights, some genes in several sets, one set empty
        if s == 3:
            continue
        w[rng.choice(400, 30, replace=False), s] = 1 / 30
        w[rng.choice(400, 60, replace=False), s] -= 1 / 60
    out = csr_times_weights(csr.data, csr.indices, csr.indptr, compact_weights(w), 7)
    np.testing.assert_array_equal(out, csr @ w)  # same products, same order of addition


def test_out_of_range_index_is_refused():
    data = np.array([1.0, 2.0], dtype=np.float32)
    indices = np.array([0, 9], dtype=np.int32)
    with pytest.raises(InputFormatError, match="outside"):
        column_sums(data, indices, 5, None)
    with pytest.raises(InputFormatError, match="outside"):
        csr_times_weights(data, indices, np.array([0, 2]), compact_weights(np.ones((5, 1))), 1)
