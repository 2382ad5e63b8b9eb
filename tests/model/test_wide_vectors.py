"""The kernel's functions ask LLVM for 512-bit vectors (``_kernel._wide_vectors``).

A lane loop compiled with the request must carry clang's ``prefer-vector-width`` function
attribute, run on zmm registers where the CPU has AVX-512 (on ymm/xmm elsewhere, where the
attribute is a no-op) and give, lane by lane, the numbers numpy gives.
"""

from __future__ import annotations

import llvmlite.binding as llvm
import numba as nb
import numpy as np

from ifnexus.model._kernel import _PREFER_512, _wide_vectors


@nb.njit(error_model="numpy", fastmath={"contract"})
def _axpy(a, x, y, out):
    _wide_vectors()
    for i in range(out.shape[0]):
        out[i] = a * x[i] + y[i] / (1.0 + x[i])


def test_lane_loop_gets_the_attribute_and_the_same_numbers() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.random(64), rng.random(64)
    out = np.empty(64)
    _axpy(1.5, x, y, out)
    # without FMA contraction here: a * x is exact in neither, so compare to 1 ulp
    np.testing.assert_allclose(out, 1.5 * x + y / (1.0 + x), rtol=4e-16, atol=0.0)
    (ir,) = _axpy.inspect_llvm().values()
    assert _PREFER_512 in ir
    (asm,) = _axpy.inspect_asm().values()
    features = nb.config.CPU_FEATURES or llvm.get_host_cpu_features().flatten()
    if "+avx512f" in features.split(","):
        assert "%zmm" in asm
    else:
        assert "%zmm" not in asm
