"""Calibration checks against the published targets listed in design/MODEL.md.

Each test is one check; the numbers are the published values (or their direction), not model
output. Cohorts are small to keep the suite fast; the seed is fixed.
"""

from __future__ import annotations

import numpy as np

from ifnexus.model import in_vitro_survival, simulate_cohort, tcd50

MOUSE = dict(setting="mouse", n_patients=300, rng=0)


def _tcp(**kw):
    return simulate_cohort("20Gy x1", **{**MOUSE, **kw}).patients["tcp"].mean()


def test_zhu_in_vitro_knockouts_are_less_radiosensitive():
    """Zhu et al. (JCI 2026): loss of STING, IRF3, IFNAR1 or STAT1 lowers radiosensitivity."""
    doses = np.array([2.0, 4.0, 6.0, 8.0])
    wt = in_vitro_survival(doses)
    for g in ("sting-loss", "irf3-loss", "ifnar1-loss", "stat1-loss"):
        assert np.all(in_vitro_survival(doses, genotype=g) > wt * 1.1), g


def test_zhu_in_vivo_directions_and_cd8_rise():
    """Tumour IFNAR1 (and STING) loss attenuates control in immunocompetent hosts; T-cell-
    deficient hosts lose the durable benefit; CD8+ infiltration rises after radiotherapy."""
    wt = simulate_cohort("20Gy x1", **MOUSE).patients
    assert _tcp(genotype="ifnar1-loss") < wt["tcp"].mean() - 0.03
    assert _tcp(genotype="sting-loss") < wt["tcp"].mean() - 0.03
    assert _tcp(host="nude") < 0.02
    assert wt["cd8_fold_change_day7"].mean() > 1.5


def test_lee2009_ablative_20gy():
    """Lee et al. 2009: 20 Gy cured about 60% of immunocompetent and no nude mice."""
    wt = simulate_cohort("20Gy x1", **MOUSE).patients["local_control"].mean()
    nude = simulate_cohort("20Gy x1", host="nude", **MOUSE).patients["local_control"].mean()
    assert 0.4 <= wt <= 0.8
    assert nude <= 0.1


def test_stone1979_tcd50_ratio():
    """Stone, Peters & Milas 1979: T-cell-deprived hosts need 2.1x the single dose (64.5/30.4)."""
    kw = dict(setting="mouse", n_patients=150, rng=0)
    normal = tcd50(np.arange(4.0, 61.0, 4.0), **kw).tcd50_gy
    deprived = tcd50(np.arange(4.0, 61.0, 4.0), host="t-cell-deficient", **kw).tcd50_gy
    assert 1.7 <= deprived / normal <= 2.6


def test_paradox_chronic_resists_acute_burst_helps():
    """Chronic low-level IFN (IRDS-high) is more radioresistant; an acute burst improves control."""
    doses = np.array([4.0, 6.0, 8.0])
    assert np.all(in_vitro_survival(doses, genotype="chronic-ifn") > in_vitro_survival(doses))
    base = _tcp()
    assert _tcp(genotype="chronic-ifn") < base - 0.05
    assert _tcp(interventions=["sting-agonist:day=1,dose=1"]) > base
    assert _tcp(interventions=["ifn-amplifier:start=0,end=14"]) > base
    # host IFNAR and host STING are needed (Burnette 2011; Deng 2014)
    assert _tcp(host="ifnar-loss") < 0.5 * base
    assert _tcp(host="sting-loss") < 0.5 * base


def test_kepka2005_unresected_sarcoma_local_control():
    """Kepka et al. 2005 (112 unresected soft-tissue sarcomas, median 64 Gy): 5-year local
    control 45% overall and 22% below 63 Gy."""
    kw = dict(setting="patient", disease="gross", n_patients=2000, days=5 * 365.0, rng=0)
    lc64 = simulate_cohort("64Gy/32fx", **kw).patients["local_control"].mean()
    lc50 = simulate_cohort("50Gy/25fx", **kw).patients["local_control"].mean()
    assert 0.35 <= lc64 <= 0.55
    assert 0.12 <= lc50 <= 0.32


def test_vanpouille_box2017_trex1_caps_ifn_above_12_18_gy():
    """Vanpouille-Box et al. 2017: 8 Gy x3 induces more IFN-I than 20 Gy x1, and raising a
    single dose above the TREX1 threshold (12-18 Gy) brings no more IFN-I."""
    auc = {
        s: simulate_cohort(s, **MOUSE).patients["ifn_auc_30d"].mean()
        for s in ("8Gy x3", "20Gy x1", "30Gy x1")
    }
    assert auc["8Gy x3"] > 1.3 * auc["20Gy x1"]
    assert auc["30Gy x1"] <= 1.05 * auc["20Gy x1"]
