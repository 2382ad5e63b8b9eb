"""Compiled (numba) ETDRK4 kernel: the same equations as :mod:`ifnexus.model._system`.

Why a second implementation: the numpy right-hand side allocates a temporary per operation, so a
cohort step costs about 2 us per tumour; the compiled kernel evaluates each tumour's step in
registers (about 10x faster) and runs tumours in parallel threads. Each tumour is integrated
independently on the shared grid, so results do not depend on thread count or chunking. The
numpy version stays the readable specification and the input of the reference solver
(``solve_reference``); ``tests/model/test_solver.py`` checks the two against each other through
scipy's Radau.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

__all__ = ["P_NAMES", "Q_NAMES", "run_kernel"]

P_NAMES = (
    "r", "K", "d0", "k_D", "K_G", "c_cgas", "w_U", "p_tum", "a_7", "tonic", "K_J", "p_host",
    "k_I", "e_kill", "kappa_max", "m_A", "theta_S", "B_h", "k_A", "eps_P", "k_P", "k_T", "k_Ed",
    "k_ET", "c_X", "k_pdl", "l_E", "l_A", "l_R", "k_mit", "k_TX", "k_XA", "k_F", "w_F", "k_U",
    "k_UD", "k_R", "K_U", "rho_R", "n_T", "D_T", "alpha_l", "beta_l", "f_circ",
)  # fmt: skip
Q_NAMES = (
    "alpha", "beta", "n0", "tau", "chronic", "t_cgas", "t_sting", "t_irf3", "t_cluster",
    "t_ifnar", "t_stat1", "h_T", "h_ifnar", "h_sting",
)  # fmt: skip

# parameter and per-patient column indices (compile-time constants for numba)
(_r, _K, _d0, _kD, _KG, _ccgas, _wU, _ptum, _a7, _tonic, _KJ, _phost, _kI, _ekill, _kmax, _mA,
 _thS, _Bh, _kA, _epsP, _kP, _kT, _kEd, _kET, _cX, _kpdl, _lE, _lA, _lR, _kmit, _kTX, _kXA, _kF,
 _wF, _kU, _kUD, _kR, _KU, _rhoR, _nT, _DT, _al, _bl, _fc) = range(len(P_NAMES))  # fmt: skip
(_alpha, _beta, _n0, _tau, _chronic, _tcgas, _tsting, _tirf3, _tcl, _tifnar, _tstat1, _hT,
 _hifnar, _hsting) = range(len(Q_NAMES))  # fmt: skip


@nb.njit(cache=True, inline="always")
def _force(z, out, P, Q, g, o, blk, jak, amp, in_vitro):
    """Forcing of one tumour (see ``_system.forcing``); returns the QSS IFN-I level."""
    N = math.exp(z[0])
    S = z[6]
    G = S / (P[_KG] + S)
    inp = P[_ccgas] * Q[_tcgas] * S + g
    sting = Q[_tsting] * inp / (1.0 + inp)
    sig = (1.0 - blk) * (1.0 - jak)
    ca = Q[_tifnar] * Q[_tstat1] * sig / (1.0 + z[8] + P[_wU] * z[9])
    prod_t = P[_ptum] * (1.0 + amp) * (Q[_tcl] * Q[_tirf3]) * sting
    p0 = prod_t + P[_tonic] * Q[_chronic]
    B = N + z[1] + z[2] + z[3] + z[4]
    if in_vitro:
        phi = 0.0
        lam = P[_r]
    else:
        J = P[_kD] * z[4]
        phi = J / (J + P[_KJ])
        p0 += P[_phost] * Q[_hsting] * (phi + g / (1.0 + g))
        lam = P[_r] * (1.0 - B / P[_K])
    kI = P[_kI]
    b = kI - p0 - prod_t * P[_a7] * ca
    sq = math.sqrt(b * b + 4.0 * kI * p0)
    if b > 0:
        ifn = 2.0 * p0 / (b + sq)
    else:
        ifn = (sq - b) / (2.0 * kI)
    hill = ifn / (1.0 + ifn)
    s_r = Q[_tifnar] * Q[_tstat1] * sig * hill
    A = ca * hill
    if in_vitro:
        kill = 0.0
        for k in range(11, 16):
            out[k] = 0.0
    else:
        Es = z[14]
        y = (P[_ekill] / P[_kmax] * Es) * (1.0 + P[_mA] * A) * (1.0 - P[_thS] * z[10])
        # (B/B_h)^(2/3) with B >= 0: an intermediate stage of a nearly extinct tumour can dip
        # below 0 (its log would be NaN)
        bh = math.exp(math.log(max(B, 1e-300) / P[_Bh]) * (2.0 / 3.0))
        y = y / ((1.0 + z[15] * (1.0 - o)) * (1.0 + bh))
        kill = P[_kmax] * y / (1.0 + y)
        eps = P[_epsP]
        out[11] = P[_kP] * phi * (eps + (1.0 - eps) * sig * Q[_hifnar] * hill)
        out[12] = P[_kT] * Q[_hT] * z[11]
        infl = Q[_hT] * Q[_tau] * (1.0 + P[_cX] * A)
        out[13] = P[_kEd] * infl
        out[14] = P[_kET] * z[12] * infl
        out[15] = P[_kpdl] * (P[_lE] * Es / (1.0 + Es) + P[_lA] * A + P[_lR] * z[10])
    ifn_death = P[_kA] * A * G
    out[0] = lam - P[_d0] - kill - ifn_death
    out[1] = ifn_death * N
    out[2] = P[_kD] * z[1]
    out[3] = P[_kD] * z[2]
    out[4] = P[_kD] * z[3]
    out[5] = 0.0
    out[6] = P[_kmit] * z[5] - P[_kTX] * z[7] * S
    out[7] = P[_kXA] * A
    out[8] = P[_kF] * P[_wF] * A
    out[9] = P[_kU] * s_r + P[_kUD] * Q[_tstat1] * G
    u2 = z[9] * z[9]
    out[10] = P[_kR] * u2 / (P[_KU] * P[_KU] + u2)
    out[16] = lam * Q[_n0] / max(N, 1e-300)
    out[17] = ifn
    return ifn


@nb.njit(cache=True, inline="always")
def _fraction(z, dose, P, Q):
    if dose <= 0.0:
        return
    fac = 1.0 - P[_rhoR] * z[10]
    ln_sf = -(Q[_alpha] * dose + Q[_beta] * dose * dose) * fac
    N = math.exp(z[0])
    killed = -math.expm1(ln_sf)
    z[0] += ln_sf
    z[1] += N * killed
    z[5] += killed
    dn = dose ** P[_nT]
    z[7] += dn / (P[_DT] ** P[_nT] + dn)
    sfl = math.exp(-P[_al] * dose - P[_bl] * dose * dose)
    z[13] *= sfl
    z[14] *= sfl
    z[12] *= 1.0 - P[_fc] * (1.0 - sfl)


@nb.njit(cache=True, parallel=True)
def run_kernel(z0, P, Q, coefs, lev, wins, node_dose, node_probe, dose_scale, rec_rows, rec,
               probes, z_end, keep_slot, full, in_vitro):  # fmt: skip
    """Integrate every tumour (rows of ``z0``) over the shared grid; write outputs in place.

    ``coefs[k]`` holds E, E2, Q, f1, f2, f3 of step ``k`` (one row per state), ``lev[k]`` the
    agonist level and anti-PD-1 occupancy at the three stage times, ``wins[k]`` the window
    factors; ``node_dose``/``node_probe`` the jumps and probe slots at each grid node.
    """
    n, ns = z0.shape
    n_steps = coefs.shape[0]
    nr = rec_rows.shape[0]
    for i in nb.prange(n):
        Qi = Q[i]
        z = z0[i].copy()
        a = np.empty(ns)
        bb = np.empty(ns)
        cc = np.empty(ns)
        Fu = np.empty(ns)
        Fa = np.empty(ns)
        Fb = np.empty(ns)
        Fc = np.empty(ns)
        ifn_node = 0.0
        for k in range(n_steps + 1):
            # jumps at node k (probe before the fraction), then record
            if node_probe[k] >= 0:
                for s in range(ns):
                    probes[node_probe[k], i, s] = z[s]
            d = node_dose[k] * dose_scale[i]
            if d > 0.0:
                _fraction(z, d, P, Qi)
            if k < n_steps:
                ifn_node = _force(z, Fu, P, Qi, lev[k, 0, 0], lev[k, 0, 1], wins[k, 0],
                                  wins[k, 1], wins[k, 2], in_vitro)  # fmt: skip
            else:
                ifn_node = _force(z, Fa, P, Qi, lev[k - 1, 2, 0], lev[k - 1, 2, 1],
                                  wins[k - 1, 0], wins[k - 1, 1], wins[k - 1, 2], in_vitro)  # fmt: skip
            for j in range(nr):
                r = rec_rows[j]
                rec[i, k, j] = ifn_node if r < 0 else z[r]
            if keep_slot[i] >= 0:
                for s in range(ns):
                    full[keep_slot[i], k, s] = z[s]
            if k == n_steps:
                break
            E = coefs[k, 0]
            E2 = coefs[k, 1]
            Qh = coefs[k, 2]
            f1 = coefs[k, 3]
            f2 = coefs[k, 4]
            f3 = coefs[k, 5]
            blk = wins[k, 0]
            jak = wins[k, 1]
            amp = wins[k, 2]
            for s in range(ns):
                a[s] = E2[s] * z[s] + Qh[s] * Fu[s]
            _force(a, Fa, P, Qi, lev[k, 1, 0], lev[k, 1, 1], blk, jak, amp, in_vitro)
            for s in range(ns):
                bb[s] = E2[s] * z[s] + Qh[s] * Fa[s]
            _force(bb, Fb, P, Qi, lev[k, 1, 0], lev[k, 1, 1], blk, jak, amp, in_vitro)
            for s in range(ns):
                cc[s] = E2[s] * a[s] + Qh[s] * (2.0 * Fb[s] - Fu[s])
            _force(cc, Fc, P, Qi, lev[k, 2, 0], lev[k, 2, 1], blk, jak, amp, in_vitro)
            for s in range(ns):
                z[s] = E[s] * z[s] + f1[s] * Fu[s] + f2[s] * (Fa[s] + Fb[s]) + f3[s] * Fc[s]
        for s in range(ns):
            z_end[i, s] = z[s]
