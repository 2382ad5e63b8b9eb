"""TCD50 logistic fit and dose grids."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from ifnexus.errors import ValidationError
from ifnexus.model import fit_logistic, parse_dose_grid, tcd50


def test_fit_recovers_exact_logistic():
    d = np.arange(10.0, 71.0, 5.0)
    b0, b1 = -6.0, 0.2  # TCD50 = 30 Gy
    f = expit(b0 + b1 * d)
    fb0, fb1 = fit_logistic(d, f, np.full(d.size, 100.0))
    assert fb0 == pytest.approx(b0, rel=1e-4) and fb1 == pytest.approx(b1, rel=1e-4)
    assert -fb0 / fb1 == pytest.approx(30.0, rel=1e-4)


def test_parse_dose_grid():
    np.testing.assert_allclose(parse_dose_grid("10:20:5"), [10, 15, 20])
    np.testing.assert_allclose(parse_dose_grid("10,20,30"), [10, 20, 30])
    for bad in ("10:5:1", "10:20:0", "a:b:c", "10,20"):
        with pytest.raises(ValidationError, match="dose"):
            parse_dose_grid(bad)


def test_grid_must_cross_half():
    with pytest.raises(ValidationError, match="widen"):
        tcd50([1, 2, 3], setting="mouse", n_patients=10, host="nude")


def test_summary_table_options_and_seed_forms():
    import pandas as pd

    from ifnexus import RunOptions
    from ifnexus._rng import seed_entropy

    kw = dict(setting="mouse", n_patients=40, days=60)
    grid = np.arange(10.0, 81.0, 10.0)
    res = tcd50(grid, rng=5, **kw)
    t = res.summary
    assert isinstance(t, pd.DataFrame) and list(t.columns) == ["value", "unit"]
    assert t.loc["tcd50", "value"] == res.tcd50_gy == pytest.approx(-res.b0 / res.b1)
    assert t.loc["gamma50", "value"] == pytest.approx(res.b1 * res.tcd50_gy / 4)
    assert t.loc["tcd50", "unit"] == "Gy" and res.seed == 5
    with pytest.warns(FutureWarning, match="to_dict"):
        old_dict = res.summary()  # the old method's dict: the fit only
    assert set(old_dict) == {"tcd50_gy", "logit_intercept", "logit_slope_per_gy", "gamma50",
                             "doses", "control"}  # fmt: skip
    assert old_dict.items() <= res.to_dict().items()
    run = {k: res.to_dict()[k] for k in ("setting", "fractions", "n_patients", "genotype", "host")}
    assert run == {"setting": "mouse", "fractions": 1, "n_patients": 40,
                   "genotype": "wild-type", "host": "immunocompetent"}  # fmt: skip
    # run options never change the numbers; the old keyword warns
    same = tcd50(grid, rng=5, options=RunOptions(n_jobs=-1, chunk_size=1024), **kw)
    pd.testing.assert_frame_equal(same.table, res.table)
    with pytest.warns(FutureWarning, match="options="):
        old = tcd50(grid, rng=5, n_jobs=2, **kw)
    pd.testing.assert_frame_equal(old.table, res.table)
    # a SeedSequence is turned once into the entropy every dose uses
    ss = tcd50(grid, rng=np.random.SeedSequence(9), **kw)
    ref = tcd50(grid, rng=seed_entropy(np.random.SeedSequence(9)), **kw)
    pd.testing.assert_frame_equal(ss.table, ref.table)
    with pytest.raises(ValidationError, match="seed"):
        tcd50(grid, rng=-2, **kw)
