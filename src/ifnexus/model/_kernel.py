"""Compiled (numba) ETDRK4 kernel: the same equations as :mod:`ifnexus.model._system`.

Why a second implementation: the numpy right-hand side allocates a temporary per operation, so a
cohort step costs about 2 us per tumour. The kernel integrates tumours in blocks of ``W`` lanes
held in one flat buffer, with every state and stage at a compile-time offset, so that LLVM turns
the lane loops into SIMD instructions (separate arrays, or offsets known only at run time, make
it give up on alias checks); blocks run in parallel threads.

Why our own ``exp``/``log``: numba's ``math.exp`` is a scalar libm call that stops the lane loop
from vectorising (the PyPI llvmlite has no vector maths library). :func:`_exp` and :func:`_log`
are branch-free range reductions with Taylor/atanh series, accurate to 2-4 ulp (tested against
numpy over the whole range used).

Each tumour follows the same instruction sequence whatever its lane, block or chunk (the last
block is padded with copies), so results do not depend on chunking or thread count. The numpy
version stays the readable specification and the input of the reference solver
(``solve_reference``); ``tests/model/test_solver.py`` checks the two against each other through
scipy's Radau.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ifnexus.model._system import ZM_LN_CAP

__all__ = ["P_NAMES", "Q_NAMES", "W", "broadcast_coefs", "force_one", "run_kernel"]

P_NAMES = (
    "r", "K", "d0", "k_D", "K_G", "c_cgas", "w_U", "p_tum", "a_7", "tonic", "K_J", "p_host",
    "k_I", "e_kill", "kappa_max", "m_A", "theta_S", "B_h", "k_A", "eps_P", "k_P", "k_T", "k_Ed",
    "k_ET", "c_X", "k_pdl", "l_E", "l_A", "l_R", "k_mit", "k_TX", "k_XA", "k_F", "w_F", "k_U",
    "k_UD", "k_R", "K_U", "rho_R", "n_T", "D_T", "alpha_l", "beta_l", "f_circ", "f_mem", "k_Tel", "w_b", "k_alc", "D0_c", "dln_in_field", "k_sb",
)  # fmt: skip
Q_NAMES = (
    "alpha", "beta", "n0", "tau", "chronic", "t_cgas", "t_sting", "t_irf3", "t_cluster",
    "t_ifnar", "t_stat1", "h_T", "h_ifnar", "h_sting", "r_g",
)  # fmt: skip

# parameter and per-patient column indices (compile-time constants for numba)
(_r, _K, _d0, _kD, _KG, _ccgas, _wU, _ptum, _a7, _tonic, _KJ, _phost, _kI, _ekill, _kmax, _mA,
 _thS, _Bh, _kA, _epsP, _kP, _kT, _kEd, _kET, _cX, _kpdl, _lE, _lA, _lR, _kmit, _kTX, _kXA, _kF,
 _wF, _kU, _kUD, _kR, _KU, _rhoR, _nT, _DT, _al, _bl, _fc, _fmem, _kTel, _wb, _kalc, _D0c,
 _dln, _ksb) = range(len(P_NAMES))  # fmt: skip
(_alpha, _beta, _n0, _tau, _chronic, _tcgas, _tsting, _tirf3, _tcl, _tifnar, _tstat1, _hT,
 _hifnar, _hsting, _rg) = range(len(Q_NAMES))  # fmt: skip
# state rows (the order of _system.STATES)
(_LNN, _D1, _D2, _D3, _D4, _M, _S, _X, _F, _U, _R, _P, _T, _EB, _ES, _L, _ZM,
 _AI, _MEM, _ALC, _NODE, _SB) = range(22)  # fmt: skip

W = 16  # lanes per block (a multiple of the widest SIMD width, 8 doubles)
NS = 22
NQ = len(Q_NAMES)
# layout of the block buffer (row r of a part at offset + r * W): state, three stage states,
# four forcings, then the traits and the IFN-I level (rows _QR.., _IFR)
_Z, _A, _B, _C, _FU, _FA, _FB, _FC = (k * NS * W for k in range(8))  # element offsets
_QR = 8 * NS
_IFR = _QR + NQ
_ROWS = _IFR + 1
_ZM_FLOOR = math.exp(-ZM_LN_CAP)  # N / N0 below which the Zaider-Minerbo integrand is capped
G = 16  # blocks advancing together (256 tumours, about 400 kB of buffers)
# offsets of E, E2, Q, f1, f2, f3 in a step's lane-broadcast coefficients
_CE, _CE2, _CQ, _C1, _C2, _C3 = (k * NS * W for k in range(6))

_LOG2E = 1.4426950408889634
_LN2_HI = 0.6931471803691238  # ln 2 split in two parts for an exact k * ln 2
_LN2_LO = 1.9082149292705877e-10
_SQRT2 = 1.4142135623730951
# The two series below are written out term by term on purpose: a shared Horner helper looping
# over a coefficient tuple made the forcing 1.6x slower (numba does not fold the tuple loop).


@nb.njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _exp(x):
    """``exp(x)`` for ``x`` clamped to [-700, 700] (below, the model clamps N at 1e-300)."""
    x = min(max(x, -700.0), 700.0)
    k = math.floor(x * _LOG2E + 0.5)
    r = (x - k * _LN2_HI) - k * _LN2_LO  # |r| <= ln(2)/2: Taylor to r^13 is exact to 1 ulp
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    return p * np.int64((np.int64(k) + 1023) << 52).view(np.float64)  # p * 2^k


@nb.njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _log(x):
    """``log(x)`` for normal ``x > 0``: exponent from the bits, mantissa by the atanh series."""
    bits = np.float64(x).view(np.int64)
    e = np.float64((bits >> 52) - 1023)
    m = np.int64((bits & 0xFFFFFFFFFFFFF) | 0x3FF0000000000000).view(np.float64)  # in [1, 2)
    big = m > _SQRT2
    m = 0.5 * m if big else m
    e = e + 1.0 if big else e
    s = (m - 1.0) / (m + 1.0)  # |s| <= 0.172
    s2 = s * s
    p = 1.0 / 21.0
    p = p * s2 + 1.0 / 19.0
    p = p * s2 + 1.0 / 17.0
    p = p * s2 + 1.0 / 15.0
    p = p * s2 + 1.0 / 13.0
    p = p * s2 + 1.0 / 11.0
    p = p * s2 + 1.0 / 9.0
    p = p * s2 + 1.0 / 7.0
    p = p * s2 + 1.0 / 5.0
    p = p * s2 + 1.0 / 3.0
    p = p * s2 + 1.0
    return e * _LN2_HI + (2.0 * s * p + e * _LN2_LO)


@nb.njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _force(buf, zr, fr, P, g, o, blk, jak, amp, grow, imm, hblk, hjak):
    """Compute the forcing of the ``W`` tumours of a block: state rows ``zr``, forcing rows ``fr``.

    Same equations as ``_system.forcing``; ``imm`` is 1 in vivo and 0 in vitro (no carrying
    capacity, host or immune layer); ``grow`` is 0 before the first fraction (clonogens held at
    their sampled size); ``blk``/``jak`` act on tumour cells, ``hblk``/``hjak`` on the host's
    dendritic-cell licensing. Also stores the QSS IFN-I level in row ``_IFR``.
    """
    p_Bh = P[_Bh]
    p_K = P[_K]
    p_KG = P[_KG]
    p_KJ = P[_KJ]
    p_KU = P[_KU]
    p_a7 = P[_a7]
    p_cX = P[_cX]
    p_ccgas = P[_ccgas]
    p_d0 = P[_d0]
    p_ekill = P[_ekill]
    p_epsP = P[_epsP]
    p_kA = P[_kA]
    p_kD = P[_kD]
    p_kET = P[_kET]
    p_kEd = P[_kEd]
    p_kF = P[_kF]
    p_kI = P[_kI]
    p_kP = P[_kP]
    p_kR = P[_kR]
    p_kT = P[_kT]
    p_kTX = P[_kTX]
    p_kU = P[_kU]
    p_kUD = P[_kUD]
    p_kXA = P[_kXA]
    p_kmax = P[_kmax]
    p_kmit = P[_kmit]
    p_kpdl = P[_kpdl]
    p_lA = P[_lA]
    p_lE = P[_lE]
    p_lR = P[_lR]
    p_mA = P[_mA]
    p_phost = P[_phost]
    p_ptum = P[_ptum]
    p_thS = P[_thS]
    p_tonic = P[_tonic]
    p_wF = P[_wF]
    p_wU = P[_wU]
    p_mem = P[_fmem] * P[_kTel]
    p_kalc = P[_kalc]
    p_ksb = P[_ksb]
    p_jb = imm * P[_wb] * P[_d0]  # antigen of spontaneous death per clonogen (baseline priming)
    inv_K = 1.0 / p_K
    ln_Bh = math.log(p_Bh)
    gh = g / (1.0 + g)
    sig = (1.0 - blk) * (1.0 - jak)
    hsig = (1.0 - hblk) * (1.0 - hjak)
    # divisions dominate the cost of a lane: pairs of Hill terms share one reciprocal,
    # a/(a+K) = a * d2 / (d1 * d2) (all denominators are positive and far from overflow)
    for lane in range(W):
        N = _exp(buf[zr + _LNN * W + lane])
        S = buf[zr + _S * W + lane]
        J = p_kD * buf[zr + _D4 * W + lane]
        Jp = J + p_jb * N
        phi_p = Jp / (Jp + p_KJ)  # antigen reaching DCs, doomed and spontaneous death
        dG = p_KG + S
        dJ = J + p_KJ
        inp = p_ccgas * buf[(_QR + _tcgas) * W + lane] * S + g
        d_in = 1.0 + inp
        d_ca = 1.0 + buf[zr + _F * W + lane] + p_wU * buf[zr + _U * W + lane]
        Es = buf[zr + _ES * W + lane]
        u = buf[zr + _U * W + lane]
        u2 = u * u
        dE = 1.0 + Es
        dU = p_KU * p_KU + u2
        # three independent pairs share one division: 1/(m1 m2 m4) times the other two
        m1 = dG * dJ
        m2 = d_in * d_ca
        m4 = dE * dU
        r124 = 1.0 / (m1 * m2 * m4)
        r1 = r124 * (m2 * m4)
        r2 = r124 * (m1 * m4)
        r4 = r124 * (m1 * m2)
        G = S * dJ * r1  # S / (K_G + S)
        phi = imm * J * dG * r1  # J / (J + K_J)
        sting = buf[(_QR + _tsting) * W + lane] * inp * d_ca * r2
        ca = buf[(_QR + _tifnar) * W + lane] * buf[(_QR + _tstat1) * W + lane] * sig * d_in * r2
        prod_t = (
            p_ptum
            * (1.0 + amp)
            * (buf[(_QR + _tcl) * W + lane] * buf[(_QR + _tirf3) * W + lane])
            * sting
        )
        p0 = prod_t + p_tonic * buf[(_QR + _chronic) * W + lane]
        B = (
            N
            + buf[zr + _D1 * W + lane]
            + buf[zr + _D2 * W + lane]
            + buf[zr + _D3 * W + lane]
            + buf[zr + _D4 * W + lane]
        )
        p0 += imm * p_phost * buf[(_QR + _hsting) * W + lane] * (phi + gh)
        lam = buf[(_QR + _rg) * W + lane] * (1.0 - imm * B * inv_K)  # per-tumour growth rate
        b = p_kI - p0 - prod_t * p_a7 * ca
        sq = math.sqrt(b * b + 4.0 * p_kI * p0)
        # the positive root of k_I I^2 + b I - p0 = 0 as num/den, in its cancellation-free form
        pos = b > 0
        num = 2.0 * p0 if pos else sq - b
        den = b + sq if pos else 2.0 * p_kI
        r3 = 1.0 / (den * (den + num))
        ifn = num * (den + num) * r3
        hill = num * den * r3  # I / (1 + I)
        s_r = buf[(_QR + _tifnar) * W + lane] * buf[(_QR + _tstat1) * W + lane] * sig * hill
        A = ca * hill
        y = (p_ekill / p_kmax * Es) * (1.0 + p_mA * A) * (1.0 - p_thS * buf[zr + _SB * W + lane])
        # (B/B_h)^(2/3) with B >= 0: a solver stage of a nearly extinct tumour can dip below 0
        bh = _exp((_log(max(B, 1e-300)) - ln_Bh) * (2.0 / 3.0))
        dy = (1.0 + buf[zr + _L * W + lane] * (1.0 - o)) * (1.0 + bh)
        kill = imm * p_kmax * y / (dy + y)  # kappa_max y' / (1 + y'), y' = y / dy
        hE = Es * dU * r4  # Es / (1 + Es)
        hU = u2 * dE * r4  # U^2 / (K_U^2 + U^2)
        buf[fr + _P * W + lane] = (
            imm
            * p_kP
            * phi_p
            * (p_epsP + (1.0 - p_epsP) * hsig * buf[(_QR + _hifnar) * W + lane] * hill)
        )
        buf[fr + _T * W + lane] = (
            imm
            * p_kT
            * buf[(_QR + _hT) * W + lane]
            * buf[zr + _P * W + lane]
            * buf[zr + _NODE * W + lane]
        )
        infl = buf[(_QR + _hT) * W + lane] * buf[(_QR + _tau) * W + lane] * (1.0 + p_cX * A)
        buf[fr + _EB * W + lane] = imm * p_kEd * infl
        buf[fr + _ES * W + lane] = imm * p_kET * buf[zr + _T * W + lane] * infl
        buf[fr + _MEM * W + lane] = imm * p_mem * buf[zr + _T * W + lane]
        buf[fr + _L * W + lane] = (
            imm * p_kpdl * (p_lE * hE + p_lA * A + p_lR * buf[zr + _R * W + lane])
        )
        ifn_death = p_kA * A * G
        buf[fr + _LNN * W + lane] = grow * (lam - p_d0 - kill - ifn_death)
        buf[fr + _D1 * W + lane] = grow * ifn_death * N
        buf[fr + _D2 * W + lane] = p_kD * buf[zr + _D1 * W + lane]
        buf[fr + _D3 * W + lane] = p_kD * buf[zr + _D2 * W + lane]
        buf[fr + _D4 * W + lane] = p_kD * buf[zr + _D3 * W + lane]
        buf[fr + _M * W + lane] = 0.0
        buf[fr + _S * W + lane] = (
            p_kmit * buf[zr + _M * W + lane] - p_kTX * buf[zr + _X * W + lane] * S
        )
        buf[fr + _X * W + lane] = p_kXA * A
        buf[fr + _F * W + lane] = p_kF * p_wF * A
        buf[fr + _U * W + lane] = p_kU * s_r + p_kUD * buf[(_QR + _tstat1) * W + lane] * G
        buf[fr + _R * W + lane] = p_kR * hU
        n0 = buf[(_QR + _n0) * W + lane]
        buf[fr + _ZM * W + lane] = (
            grow * lam * n0 / max(N, n0 * _ZM_FLOOR)
        )  # N0/N <= exp(ZM_LN_CAP)
        buf[fr + _AI * W + lane] = ifn
        buf[fr + _ALC * W + lane] = p_kalc
        buf[fr + _NODE * W + lane] = p_kalc
        r_irds = buf[zr + _R * W + lane]
        buf[fr + _SB * W + lane] = p_ksb * (A + r_irds - A * r_irds)  # ISG inhibitors of kill
        buf[_IFR * W + lane] = ifn


# One compiled copy of the forcing per (state, forcing) pair: the offsets must be compile-time
# constants for the lane loop to vectorise, and four separate functions compile in a fraction of
# the time that four copies inlined into the parallel kernel take.
@nb.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _force_u(buf, P, g, o, blk, jak, amp, grow, imm, hblk, hjak):
    _force(buf, _Z, _FU, P, g, o, blk, jak, amp, grow, imm, hblk, hjak)


@nb.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _force_a(buf, P, g, o, blk, jak, amp, grow, imm, hblk, hjak):
    _force(buf, _A, _FA, P, g, o, blk, jak, amp, grow, imm, hblk, hjak)


@nb.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _force_b(buf, P, g, o, blk, jak, amp, grow, imm, hblk, hjak):
    _force(buf, _B, _FB, P, g, o, blk, jak, amp, grow, imm, hblk, hjak)


@nb.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _force_c(buf, P, g, o, blk, jak, amp, grow, imm, hblk, hjak):
    _force(buf, _C, _FC, P, g, o, blk, jak, amp, grow, imm, hblk, hjak)


@nb.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _fraction(buf, lane, dose, prior, P):
    """Apply one fraction of ``dose`` Gy to lane ``lane`` of a block (``_system.apply_fraction``).

    ``prior``: unrepaired dose of earlier fractions (Lea-Catcheside, adds ``2 beta d Y``).
    """
    fac = 1.0 - P[_rhoR] * buf[_Z + _R * W + lane]
    a = buf[(_QR + _alpha) * W + lane]
    b = buf[(_QR + _beta) * W + lane]
    ln_sf = -(a * dose + b * dose * (dose + 2.0 * prior)) * fac
    N = math.exp(buf[_Z + _LNN * W + lane])
    killed = -math.expm1(ln_sf)
    buf[_Z + _LNN * W + lane] += ln_sf
    buf[_Z + _D1 * W + lane] += N * killed
    buf[_Z + _M * W + lane] += killed
    dn = dose ** P[_nT]
    buf[_Z + _X * W + lane] += dn / (P[_DT] ** P[_nT] + dn)
    sfl = math.exp(-P[_al] * dose - P[_bl] * dose * (dose + 2.0 * prior))
    buf[_Z + _EB * W + lane] *= sfl
    buf[_Z + _ES * W + lane] *= sfl
    sfc = math.exp(-dose / P[_D0c])  # circulating and nodal (resting) lymphocytes
    node = 1.0 - P[_dln] * (1.0 - sfc)
    buf[_Z + _T * W + lane] *= (1.0 - P[_fc] * (1.0 - sfl)) * node
    buf[_Z + _ALC * W + lane] *= 1.0 - P[_fc] * (1.0 - sfc)
    buf[_Z + _NODE * W + lane] *= node


@nb.njit(cache=True, parallel=True, error_model="numpy", fastmath={"contract"})
def run_kernel(z0, P, Q, coefs, step_co, lev, wins, node_dose, node_y, node_probe, dose_scale,
               rec_rows, rec, probes, z_end, keep_slot, full, in_vitro):  # fmt: skip
    """Integrate every tumour (rows of ``z0``) over the shared grid; write outputs in place.

    ``coefs[step_co[k]]`` holds E, E2, Q, f1, f2, f3 of step ``k``, each state's value repeated
    over the ``W`` lanes (``broadcast_coefs``; one row per distinct step size); ``lev[k]`` the agonist level and anti-PD-1 occupancy at
    the three stage times, ``wins[k]`` the window factors and growth switch;
    ``node_dose``/``node_y``/``node_probe`` the fraction doses, their unrepaired earlier dose
    (Lea-Catcheside) and probe slots at each grid node. ``rec`` is ``(n, n_nodes, len(rec_rows))`` (row
    -1: the QSS IFN-I level). The ``G`` blocks of a group advance together, so each step's
    coefficients are read once per group.
    """
    n = z0.shape[0]
    n_steps = step_co.shape[0]
    nr = rec_rows.shape[0]
    imm = 0.0 if in_vitro else 1.0
    n_blocks = (n + W - 1) // W
    for gi in nb.prange((n_blocks + G - 1) // G):
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
                    bufs[g, _Z + s * W + lane] = z0[i, s]
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
                            probes[node_probe[k], idx[g, lane], s] = buf[_Z + s * W + lane]
                if node_dose[k] > 0.0:
                    for lane in range(W):
                        sc = dose_scale[idx[g, lane]]
                        d = node_dose[k] * sc
                        if d > 0.0:
                            _fraction(buf, lane, d, node_y[k] * sc, P)
                _force_u(buf, P, lev[kk, st, 0], lev[kk, st, 1], wins[kk, 0],
                         wins[kk, 1], wins[kk, 2], wins[kk, 3], imm, wins[kk, 4],
                         wins[kk, 5])  # fmt: skip
                for lane in range(live[g]):
                    i = idx[g, lane]
                    for j in range(nr):
                        r = rec_rows[j]
                        rec[i, k, j] = buf[_IFR * W + lane] if r < 0 else buf[_Z + r * W + lane]
                    if keep_slot[i] >= 0:
                        for s in range(NS):
                            full[keep_slot[i], k, s] = buf[_Z + s * W + lane]
                if k < n_steps:
                    _step(buf, co, P, lev[k], wins[k], imm)
        for g in range(nbk):
            for lane in range(live[g]):
                for s in range(NS):
                    z_end[idx[g, lane], s] = bufs[g, _Z + s * W + lane]


@nb.njit(cache=True, error_model="numpy", fastmath={"contract"})
def _step(buf, co, P, lev, win, imm):
    """One ETDRK4 step of a block from the forcing at its start (``_FU``, already computed).

    ``co`` holds the lane-broadcast coefficients E, E2, Q, f1, f2, f3 (each ``NS * W`` long);
    flat loops over ``NS * W`` elements at constant offsets vectorise without gathers.
    """
    blk = win[0]
    jak = win[1]
    amp = win[2]
    grow = win[3]
    hblk = win[4]
    hjak = win[5]
    for i in range(NS * W):
        buf[_A + i] = co[_CE2 + i] * buf[_Z + i] + co[_CQ + i] * buf[_FU + i]
    _force_a(buf, P, lev[1, 0], lev[1, 1], blk, jak, amp, grow, imm, hblk, hjak)
    for i in range(NS * W):
        buf[_B + i] = co[_CE2 + i] * buf[_Z + i] + co[_CQ + i] * buf[_FA + i]
    _force_b(buf, P, lev[1, 0], lev[1, 1], blk, jak, amp, grow, imm, hblk, hjak)
    for i in range(NS * W):
        buf[_C + i] = co[_CE2 + i] * buf[_A + i] + co[_CQ + i] * (2.0 * buf[_FB + i] - buf[_FU + i])
    _force_c(buf, P, lev[2, 0], lev[2, 1], blk, jak, amp, grow, imm, hblk, hjak)
    for i in range(NS * W):
        buf[_Z + i] = (
            co[_CE + i] * buf[_Z + i]
            + co[_C1 + i] * buf[_FU + i]
            + co[_C2 + i] * (buf[_FA + i] + buf[_FB + i])
            + co[_C3 + i] * buf[_FC + i]
        )


def broadcast_coefs(coefs: np.ndarray) -> np.ndarray:
    """``(n_steps, 6, NS)`` ETD coefficients -> ``(n_steps, 6 * NS * W)``, repeated over lanes."""
    c = np.ascontiguousarray(coefs, dtype=float)
    return np.ascontiguousarray(np.repeat(c[..., None], W, axis=-1).reshape(c.shape[0], -1))


def force_one(z, P, Q, g=0.0, o=0.0, blk=0.0, jak=0.0, amp=0.0, in_vitro=False, grow=1.0,
              hblk=None, hjak=None):  # fmt: skip
    """Compute the forcing of one tumour with the compiled equations (``z`` and ``Q`` 1-D).

    ``hblk``/``hjak`` (host compartment) default to ``blk``/``jak`` (a blockade of both).
    """
    hblk = blk if hblk is None else hblk
    hjak = jak if hjak is None else hjak
    buf = np.zeros(_ROWS * W)
    for s in range(NS):
        buf[_Z + s * W : _Z + (s + 1) * W] = z[s]
    for j in range(NQ):
        buf[(_QR + j) * W : (_QR + j + 1) * W] = Q[j]
    _force_u(buf, P, float(g), float(o), float(blk), float(jak), float(amp), float(grow),
             0.0 if in_vitro else 1.0, float(hblk), float(hjak))  # fmt: skip
    return buf[_FU : _FU + NS * W : W].copy()
