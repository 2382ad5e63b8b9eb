"""Real data: the committed Morisada et al. 2018 growth tables (tests/data/morisada2018_*).

The reader accepts the fit and held-out tables as committed, refuses the held-out complete
responses (volume 0) with their line, and a short fit of the untreated arm reproduces the
exponential growth rate that statsmodels' linear mixed model (log volume on day, random
intercept per mouse) estimates from the same measurements.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import InputFormatError
from ifnexus.fit import fit_growth, growth_data, read_arms, read_growth

DATA = Path(__file__).resolve().parents[1] / "data" / "morisada2018_moc1"
MC38 = Path(__file__).resolve().parents[1] / "data" / "morisada2018_mc38"
EARLY = 35  # study days 0-35: control tumours below ~500 mm^3, well under the plateau


@pytest.mark.parametrize("folder", [DATA, MC38], ids=["moc1", "mc38"])
def test_reader_accepts_committed_tables(folder):
    arms = read_arms(folder / "arms.csv")
    assert len(arms) == 6
    data = read_growth(folder / "growth_fit.csv", arms)
    # the paper's Fig. 6: 10 mice per arm; the fit set is the four single-modality arms
    assert sorted(data.arms) == ["RT 2Gyx10", "RT 8Gyx2", "anti-PD-1", "control"]
    assert len(data.animals) == 40


def test_mc38_heldout_table_is_read():
    arms = read_arms(MC38 / "arms.csv")
    held = read_growth(MC38 / "growth_heldout.csv", arms)
    assert sorted(held.arms) == ["RT 2Gyx10 + anti-PD-1", "RT 8Gyx2 + anti-PD-1"]
    assert len(held.animals) == 20


def test_heldout_complete_responses_are_refused_with_their_line():
    arms = read_arms(DATA / "arms.csv")
    held = pd.read_csv(DATA / "growth_heldout.csv")
    first_zero = int(np.flatnonzero(held["volume"].to_numpy() <= 0)[0])
    with pytest.raises(InputFormatError, match="growth_heldout.csv") as err:
        read_growth(DATA / "growth_heldout.csv", arms)
    # header is line 1, the first data row line 2
    assert f"line {first_zero + 2}" in str(err.value)


@pytest.fixture(scope="module")
def control():
    arms = read_arms(DATA / "arms.csv")
    df = pd.read_csv(DATA / "growth_fit.csv")
    df = df[(df["arm"] == "control") & (df["day"] <= EARLY)].reset_index(drop=True)
    return df, growth_data(df, arms, source="control")


def test_untreated_growth_rate_matches_mixed_model_slope(control):
    smf = pytest.importorskip("statsmodels.formula.api")
    df, data = control
    d = df.assign(logv=np.log(df["volume"]))
    ref = smf.mixedlm("logv ~ day", d, groups=d["animal"]).fit(reml=True)
    slope, se = float(ref.params["day"]), float(ref.bse["day"])
    fit = fit_growth(data, free=("r", "n0"), random=("n0",), posterior=False, profile_params=())
    pred = fit.predictions()
    pop = pred.groupby("day")["population"].first()
    days = pop.index.to_numpy(dtype=float)
    fitted_slope = np.polyfit(days, np.log(pop.to_numpy(dtype=float)), 1)[0]
    # the two estimators see the same 10 mice; the model's curve bends slightly (carrying
    # capacity, immune kill), so allow 3 reference SEs
    assert fit.converged
    assert abs(fitted_slope - slope) < 3 * se
