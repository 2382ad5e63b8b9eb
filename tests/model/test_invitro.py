"""In-vitro clonogenic mode: knockouts follow the LQ closed form; the IFN loop adds kill."""

from __future__ import annotations

import numpy as np
import pytest

from ifnexus.errors import ValidationError
from ifnexus.model import in_vitro_curves, in_vitro_survival, parameters

DOSES = np.array([1.0, 2.0, 4.0, 6.0, 8.0])


@pytest.mark.parametrize(
    "genotype",
    ["sting-loss", "irf3-loss", "ifnar1-loss", "stat1-loss", "cgas-loss", "ifn-cluster-loss"],
)
def test_ifn_dead_cells_follow_lq(genotype):
    p = parameters("patient")
    sf = in_vitro_survival(DOSES, genotype=genotype)
    lq = np.exp(-p["alpha"] * DOSES - p["alpha"] / p["alpha_beta"] * DOSES**2)
    np.testing.assert_allclose(sf, lq, rtol=1e-8)


def test_curves_table():
    df = in_vitro_curves(DOSES, genotypes=[None, "stat1-loss"])
    assert list(df.columns) == [
        "genotype",
        "dose",
        "surviving_fraction",
        "lq_surviving_fraction",
        "ifn_kill",
    ]
    wt = df[df.genotype == "wild-type"]
    assert (wt["ifn_kill"] > 0).all()
    assert np.all(np.diff(wt["surviving_fraction"]) < 0)


def test_bad_doses():
    with pytest.raises(ValidationError, match=">= 0 Gy"):
        in_vitro_survival([2, -1])


def test_ifn_kill_is_finite_where_both_survivals_underflow():
    """Found by tools/fuzz_model.py: at 400-1000 Gy (accepted doses) both surviving fractions
    underflow to 0 and ifn_kill was ln(0/0) = NaN with a RuntimeWarning. Without the IFN loop
    (sting-loss) the model's survival is the LQ survival, so ifn_kill = ln(SF_LQ/SF) = 0."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = in_vitro_curves([400.0, 1000.0], genotypes=["sting-loss", None], setting="patient")
    assert (df["surviving_fraction"] == 0).all()  # the underflow the fix is about
    kill = df["ifn_kill"].to_numpy()
    assert np.isfinite(kill).all()
    assert np.allclose(kill[df["genotype"] == "sting-loss"], 0.0, atol=1e-6)


def test_doses_that_are_not_numbers_are_refused_naming_doses():
    """Found by tools/fuzz_model.py: in_vitro_survival('2,4') raised numpy's bare ValueError."""
    with pytest.raises(ValidationError, match=r"doses must be a non-empty list of numbers .*'2,4'"):
        in_vitro_survival("2,4", setting="mouse")
