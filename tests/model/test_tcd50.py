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
