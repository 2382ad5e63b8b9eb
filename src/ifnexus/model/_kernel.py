"""Compiled (numba) ETDRK4 kernel: the equations generated from :mod:`ifnexus.model._equations`.

Why a second implementation: the numpy right-hand side allocates a temporary per operation, so a
cohort step costs about 2 us per tumour. The kernel integrates tumours in blocks of ``W`` lanes
held in one flat buffer, with every state and stage at a compile-time offset, so that LLVM turns
the lane loops into SIMD instructions (separate arrays, or offsets known only at run time, make
it give up on alias checks); blocks run in parallel threads.

The forcing of a block (``_force``) and the fraction jump of a lane (``_fraction``) are printed
from the model's declaration into ``_generated_kernel.py`` by ``tools/generate_model.py``
(hoisted invariants, one shared division per wave of independent denominators, our own
vectorisable ``_exp``/``_log`` from ``_kernel_math.py``); the stepping, the buffer layout and
the parallel loop are here.

Each tumour follows the same instruction sequence whatever its lane, block or chunk (the last
block is padded with copies), so results do not depend on chunking or thread count. The numpy
version (``_generated_reference.py``, from the same declaration) stays the readable
specification and the input of the reference solver (``solve_reference``);
``tests/model/test_solver.py`` checks the two against each other through scipy's Radau.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba.core import types
from numba.extending import intrinsic

from ifnexus.model._generated_kernel import (
    _A,
    _B,
    _C,
    _FA,
    _FB,
    _FC,
    _FU,
    _IFR,
    _QR,
    _ROWS,
    _Z,
    KROW,
    NQ,
    NS,
    NS_OFF,
    P_NAMES,
    Q_NAMES,
    SWITCH,
    _force,
    _force_off,
    _fraction,
    _resection,
)
from ifnexus.model._kernel_math import W
from ifnexus.model._kernel_math import _exp as _exp  # re-exported (tests)
from ifnexus.model._kernel_math import _log as _log

__all__ = [
    "KROW",
    "P_NAMES",
    "Q_NAMES",
    "SWITCH",
    "W",
    "broadcast_coefs",
    "force_one",
    "run_kernel",
]

# numba's cache of a function is invalidated by changes to its own file only, not to the files of
# the functions it inlines (_generated_kernel.py, _kernel_math.py): tools/generate_model.py
# writes their digest here (_codegen.CACHE_DEPENDENCIES), so that a regenerated forcing or an
# edited _kernel_math.py also changes this file and recompiles the stepping functions
# (tests/model/test_codegen.py checks the digest is current)
_CACHE_DIGEST = "ba09a3d605f38906"

_PREFER_512 = '"prefer-vector-width"="512"'


@intrinsic
def _wide_vectors(typingctx):
    """Let LLVM use 512-bit vectors in the calling function (a no-op without AVX-512).

    LLVM's x86 tuning for Intel server and client cores with AVX-512 prefers 256-bit vectors
    (``prefer-256-bit``), so the lane loops run on ymm registers; the function attribute
    ``prefer-vector-width`` (clang's ``-mprefer-vector-width=512``) lifts that for the calling
    function only, unlike numba's process-wide ``NUMBA_CPU_FEATURES``. On a CPU without AVX-512
    the widest vectors stay 256 bits. The same operations run per lane in either width, so the
    results are the same bits. llvmlite's attribute set (a ``set``, printed as is into the IR)
    accepts only attributes without a value in ``add``, hence ``set.add``.
    """

    def codegen(context, builder, signature, args):
        attrs = builder.function.attributes
        if isinstance(attrs, set):
            set.add(attrs, _PREFER_512)
        return context.get_dummy_value()

    return types.none(), codegen


G = 16  # blocks advancing together (G * W tumours; a block is _ROWS * W doubles, 29 kB at W = 16)
# offsets of E, E2, Q, f1, f2, f3 in a step's lane-broadcast coefficients
_CE, _CE2, _CQ, _C1, _C2, _C3 = (k * NS * W for k in range(6))


# One compiled copy of the forcing per (state, forcing) pair: the offsets must be compile-time
# constants for the lane loop to vectorise, and four separate functions compile in a fraction of
# the time that four copies inlined into the parallel kernel take.
@nb.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _force_u(buf, P, g, o, blk, jak, amp, grow, imm, hblk, hjak, ctla, ifnb, ox40):
    _wide_vectors()
    _force(buf, _Z, _FU, P, g, o, blk, jak, amp, grow, imm, hblk, hjak, ctla, ifnb, ox40)


@nb.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _force_a(buf, P, g, o, blk, jak, amp, grow, imm, hblk, hjak, ctla, ifnb, ox40):
    _wide_vectors()
    _force(buf, _A, _FA, P, g, o, blk, jak, amp, grow, imm, hblk, hjak, ctla, ifnb, ox40)


@nb.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _force_b(buf, P, g, o, blk, jak, amp, grow, imm, hblk, hjak, ctla, ifnb, ox40):
    _wide_vectors()
    _force(buf, _B, _FB, P, g, o, blk, jak, amp, grow, imm, hblk, hjak, ctla, ifnb, ox40)


@nb.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _force_c(buf, P, g, o, blk, jak, amp, grow, imm, hblk, hjak, ctla, ifnb, ox40):
    _wide_vectors()
    _force(buf, _C, _FC, P, g, o, blk, jak, amp, grow, imm, hblk, hjak, ctla, ifnb, ox40)


# the same with the switch parameter (second_lesion) at 0: rows NS_OFF.. are held states
@nb.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _force_u_off(buf, P, g, o, blk, jak, amp, grow, imm, hblk, hjak, ctla, ifnb, ox40):
    _wide_vectors()
    _force_off(buf, _Z, _FU, P, g, o, blk, jak, amp, grow, imm, hblk, hjak, ctla, ifnb, ox40)


@nb.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _force_a_off(buf, P, g, o, blk, jak, amp, grow, imm, hblk, hjak, ctla, ifnb, ox40):
    _wide_vectors()
    _force_off(buf, _A, _FA, P, g, o, blk, jak, amp, grow, imm, hblk, hjak, ctla, ifnb, ox40)


@nb.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _force_b_off(buf, P, g, o, blk, jak, amp, grow, imm, hblk, hjak, ctla, ifnb, ox40):
    _wide_vectors()
    _force_off(buf, _B, _FB, P, g, o, blk, jak, amp, grow, imm, hblk, hjak, ctla, ifnb, ox40)


@nb.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _force_c_off(buf, P, g, o, blk, jak, amp, grow, imm, hblk, hjak, ctla, ifnb, ox40):
    _wide_vectors()
    _force_off(buf, _C, _FC, P, g, o, blk, jak, amp, grow, imm, hblk, hjak, ctla, ifnb, ox40)


@nb.njit(cache=True, parallel=True, error_model="numpy", fastmath={"contract"})
def run_kernel(z0, P, Q, coefs, step_co, lev, wins, node_dose, node_y, node_probe, dose_scale,
               rec_rows, rec, probes, z_end, keep_slot, full, in_vitro, off, krow, node_resect,
               resect):  # fmt: skip
    """Integrate every tumour (rows of ``z0``) over the shared grid; write outputs in place.

    ``coefs[step_co[k]]`` holds E, E2, Q, f1, f2, f3 of step ``k``, each state's value repeated
    over the ``W`` lanes, in kernel row order (``broadcast_coefs``; one row per distinct step
    size); ``lev[k]`` the agonist level, anti-PD-1, anti-CTLA-4 and anti-OX40 occupancy at the
    three stage times, ``wins[k]`` the window factors, growth switch and IFN-beta dose;
    ``node_dose``/``node_y``/``node_probe`` the fraction doses, their unrepaired earlier dose
    (Lea-Catcheside) and probe slots at each grid node. ``z0``, ``z_end``, ``probes`` and
    ``full`` are in declaration order, ``krow[s]`` the kernel row of state ``s``; ``rec`` is
    ``(n, n_nodes, len(rec_rows))`` with ``rec_rows`` kernel rows (-1: the QSS IFN-I level).
    ``off``: the switch parameter is 0 (``_force_off``; the held rows NS_OFF.. keep their start
    values). ``node_resect``: the node of the resection of pre-operative radiotherapy (-1: none),
    where tumour ``i`` keeps the fraction ``resect[i]`` of its cells (``_resection``, after the
    probe, before a fraction at the same node). The
    ``G`` blocks of a group advance together, so each step's coefficients are read once per
    group.
    """
    n = z0.shape[0]
    n_steps = step_co.shape[0]
    nr = rec_rows.shape[0]
    imm = 0.0 if in_vitro else 1.0
    n_blocks = (n + W - 1) // W
    for gi in nb.prange((n_blocks + G - 1) // G):
        _wide_vectors()
        b0 = gi * G
        nbk = min(G, n_blocks - b0)
        bufs = np.empty((nbk, _ROWS * W))
        idx = np.empty((nbk, W), dtype=np.int64)
        live = np.empty(nbk, dtype=np.int64)
        for g in range(nbk):
            bi = b0 + g
            live[g] = min(W, n - bi * W)
            for lane in range(W):
                i = min(bi * W + lane, n - 1)  # the last block is padded with copies
                idx[g, lane] = i
                for s in range(NS):
                    bufs[g, _Z + krow[s] * W + lane] = z0[i, s]
                for j in range(NQ):
                    bufs[g, (_QR + j) * W + lane] = Q[i, j]
        for k in range(n_steps + 1):
            kk = min(k, n_steps - 1)
            st = 0 if k < n_steps else 2  # the last node takes the drive of the end of its step
            co = coefs[step_co[kk]]
            for g in range(nbk):
                buf = bufs[g]
                # jumps at node k (probe before the fraction), then record
                if node_probe[k] >= 0:
                    for lane in range(live[g]):
                        for s in range(NS):
                            probes[node_probe[k], idx[g, lane], s] = buf[_Z + krow[s] * W + lane]
                if k == node_resect:
                    for lane in range(W):
                        _resection(buf, lane, resect[idx[g, lane]], P)
                if node_dose[k] > 0.0:
                    for lane in range(W):
                        sc = dose_scale[idx[g, lane]]
                        d = node_dose[k] * sc
                        if d > 0.0:
                            _fraction(buf, lane, d, node_y[k] * sc, P)
                if off:
                    _force_u_off(buf, P, lev[kk, st, 0], lev[kk, st, 1], wins[kk, 0],
                                 wins[kk, 1], wins[kk, 2], wins[kk, 3], imm, wins[kk, 4],
                                 wins[kk, 5], lev[kk, st, 2], wins[kk, 6],
                                 lev[kk, st, 3])  # fmt: skip
                else:
                    _force_u(buf, P, lev[kk, st, 0], lev[kk, st, 1], wins[kk, 0],
                             wins[kk, 1], wins[kk, 2], wins[kk, 3], imm, wins[kk, 4],
                             wins[kk, 5], lev[kk, st, 2], wins[kk, 6],
                             lev[kk, st, 3])  # fmt: skip
                for lane in range(live[g]):
                    i = idx[g, lane]
                    for j in range(nr):
                        r = rec_rows[j]
                        rec[i, k, j] = buf[_IFR * W + lane] if r < 0 else buf[_Z + r * W + lane]
                    if keep_slot[i] >= 0:
                        for s in range(NS):
                            full[keep_slot[i], k, s] = buf[_Z + krow[s] * W + lane]
                if k < n_steps:
                    if off:
                        _step_off(buf, co, P, lev[k], wins[k], imm)
                    else:
                        _step(buf, co, P, lev[k], wins[k], imm)
        for g in range(nbk):
            for lane in range(live[g]):
                for s in range(NS):
                    z_end[idx[g, lane], s] = bufs[g, _Z + krow[s] * W + lane]


@nb.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _step(buf, co, P, lev, win, imm):
    """One ETDRK4 step of a block from the forcing at its start (``_FU``, already computed).

    ``co`` holds the lane-broadcast coefficients E, E2, Q, f1, f2, f3 (each ``NS * W`` long);
    flat loops over ``NS * W`` elements at constant offsets vectorise without gathers.
    """
    _wide_vectors()
    blk = win[0]
    jak = win[1]
    amp = win[2]
    grow = win[3]
    hblk = win[4]
    hjak = win[5]
    ifnb = win[6]
    for i in range(NS * W):
        buf[_A + i] = co[_CE2 + i] * buf[_Z + i] + co[_CQ + i] * buf[_FU + i]
    _force_a(buf, P, lev[1, 0], lev[1, 1], blk, jak, amp, grow, imm, hblk, hjak,
             lev[1, 2], ifnb, lev[1, 3])  # fmt: skip
    for i in range(NS * W):
        buf[_B + i] = co[_CE2 + i] * buf[_Z + i] + co[_CQ + i] * buf[_FA + i]
    _force_b(buf, P, lev[1, 0], lev[1, 1], blk, jak, amp, grow, imm, hblk, hjak,
             lev[1, 2], ifnb, lev[1, 3])  # fmt: skip
    for i in range(NS * W):
        buf[_C + i] = co[_CE2 + i] * buf[_A + i] + co[_CQ + i] * (2.0 * buf[_FB + i] - buf[_FU + i])
    _force_c(buf, P, lev[2, 0], lev[2, 1], blk, jak, amp, grow, imm, hblk, hjak,
             lev[2, 2], ifnb, lev[2, 3])  # fmt: skip
    for i in range(NS * W):
        buf[_Z + i] = (
            co[_CE + i] * buf[_Z + i]
            + co[_C1 + i] * buf[_FU + i]
            + co[_C2 + i] * (buf[_FA + i] + buf[_FB + i])
            + co[_C3 + i] * buf[_FC + i]
        )


@nb.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _step_off(buf, co, P, lev, win, imm):
    """``_step`` with the switch parameter at 0: rows ``0..NS_OFF-1`` only (the rest are held).

    The stage values of the held rows are never written: ``_force_off`` reads a held state
    from ``_Z`` (its stage values would equal it).
    """
    _wide_vectors()
    blk = win[0]
    jak = win[1]
    amp = win[2]
    grow = win[3]
    hblk = win[4]
    hjak = win[5]
    ifnb = win[6]
    for i in range(NS_OFF * W):
        buf[_A + i] = co[_CE2 + i] * buf[_Z + i] + co[_CQ + i] * buf[_FU + i]
    _force_a_off(buf, P, lev[1, 0], lev[1, 1], blk, jak, amp, grow, imm, hblk, hjak,
                 lev[1, 2], ifnb, lev[1, 3])  # fmt: skip
    for i in range(NS_OFF * W):
        buf[_B + i] = co[_CE2 + i] * buf[_Z + i] + co[_CQ + i] * buf[_FA + i]
    _force_b_off(buf, P, lev[1, 0], lev[1, 1], blk, jak, amp, grow, imm, hblk, hjak,
                 lev[1, 2], ifnb, lev[1, 3])  # fmt: skip
    for i in range(NS_OFF * W):
        buf[_C + i] = co[_CE2 + i] * buf[_A + i] + co[_CQ + i] * (2.0 * buf[_FB + i] - buf[_FU + i])
    _force_c_off(buf, P, lev[2, 0], lev[2, 1], blk, jak, amp, grow, imm, hblk, hjak,
                 lev[2, 2], ifnb, lev[2, 3])  # fmt: skip
    for i in range(NS_OFF * W):
        buf[_Z + i] = (
            co[_CE + i] * buf[_Z + i]
            + co[_C1 + i] * buf[_FU + i]
            + co[_C2 + i] * (buf[_FA + i] + buf[_FB + i])
            + co[_C3 + i] * buf[_FC + i]
        )


def broadcast_coefs(coefs: np.ndarray) -> np.ndarray:
    """``(n_steps, 6, NS)`` ETD coefficients -> ``(n_steps, 6 * NS * W)``, repeated over lanes.

    The states are put in kernel row order (``KROW``).
    """
    c = np.ascontiguousarray(np.asarray(coefs, dtype=float)[..., np.argsort(KROW)])
    return np.ascontiguousarray(np.repeat(c[..., None], W, axis=-1).reshape(c.shape[0], -1))


def force_one(z, P, Q, g=0.0, o=0.0, blk=0.0, jak=0.0, amp=0.0, in_vitro=False, grow=1.0,
              hblk=None, hjak=None, ctla=0.0, ifnb=0.0, ox40=0.0):  # fmt: skip
    """Compute the forcing of one tumour with the compiled equations (``z`` and ``Q`` 1-D).

    ``hblk``/``hjak`` (host compartment) default to ``blk``/``jak`` (a blockade of both).
    """
    hblk = blk if hblk is None else hblk
    hjak = jak if hjak is None else hjak
    buf = np.zeros(_ROWS * W)
    for s in range(NS):
        buf[_Z + KROW[s] * W : _Z + (KROW[s] + 1) * W] = z[s]
    for j in range(NQ):
        buf[(_QR + j) * W : (_QR + j + 1) * W] = Q[j]
    _force_u(buf, P, float(g), float(o), float(blk), float(jak), float(amp), float(grow),
             0.0 if in_vitro else 1.0, float(hblk), float(hjak), float(ctla), float(ifnb),
             float(ox40))  # fmt: skip
    return buf[_FU : _FU + NS * W : W][list(KROW)]
