"""Normal tissue: BED/EQD2, gEUD and LKB NTCP against closed forms and the published tables."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ifnexus.errors import InputFormatError, UnknownNameError, ValidationError
from ifnexus.trial import (
    ORGANS,
    canonical_organ,
    geud,
    lkb_ntcp,
    lymphocyte_loss,
    organ_dose,
    read_dvh,
)


@pytest.mark.parametrize("organ", sorted(ORGANS))
def test_ntcp_is_one_half_at_td50(organ):
    p = ORGANS[organ]
    assert lkb_ntcp(p.td50, p.td50, p.m) == pytest.approx(0.5, abs=1e-12)


def test_ntcp_is_the_normal_cdf_of_the_standardised_dose():
    # one SD (m TD50) above TD50: Phi(1) = 0.841345
    assert lkb_ntcp(66.5 * 1.175, 66.5, 0.175) == pytest.approx(0.8413447, abs=1e-6)


# Emami et al. 1991 whole-organ tolerance doses TD5/5 and TD50/5 (Gy); Burman et al. 1991 fitted
# the LKB parameters to them, so the fit gives 50% at TD50/5 and about 5% at TD5/5.
EMAMI = {
    "skin": (55.0, 70.0),  # 100 cm2: necrosis / ulceration
    "small-bowel": (40.0, 55.0),
    "brachial-plexus": (60.0, 75.0),
    "lung-emami": (17.5, 24.5),
    "spinal-cord": (47.0, None),  # 20 cm; Emami give no TD50 for 20 cm (Burman: 66.5)
}


@pytest.mark.parametrize("organ", sorted(EMAMI))
def test_burman_parameters_reproduce_emami_tolerance_doses(organ):
    td5, td50 = EMAMI[organ]
    p = ORGANS[organ]
    if td50 is not None:
        assert p.td50 == td50
    assert lkb_ntcp(td5, p.td50, p.m) == pytest.approx(0.05, abs=0.015)


def test_quantec_lung_parameters():
    p = ORGANS["lung"]
    assert (p.td50, p.m, p.n) == (30.8, 0.37, 0.99)  # Marks et al. 2010 (Seppenwoolde 2003)


def test_geud_closed_forms():
    assert geud([60.0], [1.0], 0.05) == pytest.approx(60.0)  # uniform dose
    # a volume fraction v at dose D, the rest none: v^n D
    assert geud([50.0, 0.0], [0.3, 0.7], 0.15) == pytest.approx(0.3**0.15 * 50.0)
    # n = 1: the mean dose
    assert geud([10.0, 20.0, 40.0], [1, 2, 1], 1.0) == pytest.approx((10 + 40 + 40) / 4)
    # small n tends to the maximum dose (serial organ); no overflow
    assert geud([10.0, 70.0], [0.99, 0.01], 0.001) == pytest.approx(70.0, rel=0.01)


def test_partial_volume_td50_is_td50_times_v_to_the_minus_n():
    p = ORGANS["small-bowel"]
    v = 1 / 3
    d50 = p.td50 * v ** (-p.n)  # Burman: TD50(v) = TD50(1) v^-n
    assert lkb_ntcp(geud([d50, 0.0], [v, 1 - v], p.n), p.td50, p.m) == pytest.approx(0.5)


def test_bed_and_eqd2_of_a_schedule():
    # spinal cord (alpha/beta 2) at 0.8 x 2 Gy: 25 x 1.6 Gy = 40 Gy; BED = 40 (1 + 1.6/2) = 72;
    # EQD2 = 72 / (1 + 2/2) = 36
    r = organ_dose("50Gy/25fx", "spinal-cord", relative_dose=0.8)
    assert r["max_physical_dose"] == pytest.approx(40.0)
    assert r["max_bed"] == pytest.approx(72.0)
    assert r["max_eqd2"] == pytest.approx(36.0)
    # 2-Gy fractions: EQD2 equals the physical dose whatever alpha/beta
    assert organ_dose("60Gy/30fx", "skin", relative_dose=1.0)["max_eqd2"] == pytest.approx(60.0)
    # 5 x 6 Gy to the plexus (alpha/beta 2): BED = 30 (1 + 3) = 120, EQD2 = 60 -> NTCP(60)
    r = organ_dose("30Gy/5fx", "peripheral-nerve", relative_dose=1.0)
    assert r["max_eqd2"] == pytest.approx(60.0)
    p = ORGANS["brachial-plexus"]
    assert r["ntcp"] == pytest.approx(0.5 * math.erfc(-(60 - p.td50) / (p.m * p.td50) / 2**0.5))


def test_cumulative_dvh_of_a_uniform_dose_gives_that_dose(tmp_path):
    f = tmp_path / "dvh.csv"
    f.write_text("dose,volume\n0,100\n50,100\n50.5,0\n")
    dvh = read_dvh(f)
    assert dvh["volume"].sum() == pytest.approx(1.0)
    assert geud(dvh["dose"], dvh["volume"], 1.0) == pytest.approx(50.25)
    # with a prescription of 50.25 Gy in 2.01-Gy fractions the organ sees the prescription
    r = organ_dose("50.25Gy/25fx", "lung", dvh=dvh, dvh_prescription=50.25)
    assert r["geud_eqd2"] == pytest.approx(
        organ_dose("50.25Gy/25fx", "lung", relative_dose=1.0)["geud_eqd2"]
    )


def test_differential_dvh(tmp_path):
    f = tmp_path / "dvh.tsv"
    f.write_text("dose\tvolume\n10\t1\n30\t1\n")
    dvh = read_dvh(f, "differential")
    assert dvh["volume"].tolist() == [0.5, 0.5]
    assert geud(dvh["dose"], dvh["volume"], 1.0) == pytest.approx(20.0)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("dose,vol\n0,1\n", "column"),
        ("dose,volume\n0,1\n10,-1\n", "line 3, column 'volume'"),
        ("dose,volume\n0,1\n10,x\n", "line 3, column 'volume'"),
        ("dose,volume\n10,1\n5,0.5\n", "doses must increase"),
        ("dose,volume\n0,0.5\n10,1\n", "cannot increase"),
    ],
)
def test_bad_dvh_names_file_line_and_column(tmp_path, text, match):
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(InputFormatError, match=match):
        read_dvh(f)


def test_unknown_organ_suggests_the_closest():
    with pytest.raises(UnknownNameError, match="spinal-cord"):
        canonical_organ("spinal-chord")
    assert canonical_organ("Small bowel") == "small-bowel"
    with pytest.raises(ValidationError):
        organ_dose("50Gy/25fx", "skin")


def test_lymphocyte_loss_is_the_model_per_fraction_kill_compounded():
    from ifnexus.model import parameters

    p = parameters("patient")
    sf = math.exp(-0.182 * 2 - 0.143 * 4)  # Cho et al. 2023 lymphocyte LQ at 2 Gy
    expected = 1 - (1 - p["f_circ"] * (1 - sf)) ** 25
    assert lymphocyte_loss("50Gy/25fx") == pytest.approx(expected)
    assert lymphocyte_loss("none") == 0.0
    assert lymphocyte_loss("60Gy/30fx") > lymphocyte_loss("50Gy/25fx")
    assert np.isclose(lymphocyte_loss("50Gy/25fx", params={"f_circ": 0.0}), 0.0)


def test_quantec_lung_risk_at_a_mean_lung_dose_of_20_gy():
    # QUANTEC (Marks et al. 2010): a mean lung dose of 20 Gy carries about a 20% risk of
    # symptomatic pneumonitis; with n = 0.99 the gEUD is close to the mean dose
    p = ORGANS["lung"]
    eud = geud([40.0, 0.0], [0.5, 0.5], p.n)  # 20 Gy mean dose
    assert eud == pytest.approx(20.0, rel=0.01)
    assert 0.15 < lkb_ntcp(eud, p.td50, p.m) < 0.21
