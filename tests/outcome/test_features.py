"""feature_effects / join_features: joins, encodings and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.outcome import CoxModel, feature_effects, join_features


def _data(n=120, seed=1):
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"id": [f"P{i}" for i in range(n)], "t": rng.exponential(10, n).round(2),
                      "e": rng.integers(0, 2, n), "state": rng.choice(["a", "b"], n),
                      "score": rng.normal(50, 10, n)})  # fmt: skip
    return d


def test_join_and_univariable_cox_equals_direct_fit():
    d = _data()
    cl, ft = d[["id", "t", "e"]], d[["id", "state", "score"]].iloc[:100]
    with pytest.warns(IfnexusWarning, match="20 clinical row"):
        joined, idc = join_features(cl, ft)
    assert idc == "id" and len(joined) == 100
    res = feature_effects(joined, "t", "e", ["state", "score"], model="cox", multivariable=False)
    direct = CoxModel().fit(joined.assign(score=joined["score"] / joined["score"].std()), "t", "e",
                            covariates=["score"])  # fmt: skip
    row = res.effects[res.effects["term"] == "score"]
    assert row["coef"].iloc[0] == pytest.approx(direct.coef_["score"], abs=1e-9)  # per-SD scaling
    assert row["unit"].iloc[0].startswith("per SD")


def test_feature_bad_inputs():
    d = _data()
    with pytest.raises(ValidationError, match="duplicated"):
        join_features(
            d[["id", "t", "e"]], pd.concat([d[["id", "state"]], d[["id", "state"]].iloc[:1]])
        )
    with pytest.raises(ValidationError, match="which column links"):
        join_features(d[["id", "t"]], d[["state"]])
    with pytest.raises(ValidationError, match="reference level 'z'"):
        feature_effects(d, "t", "e", ["state"], reference={"state": "z"})
    with pytest.raises(ValidationError, match="more than 8"):
        feature_effects(
            d.assign(k=[f"l{i % 10}" for i in range(len(d))]), "t", "e", ["k"], categorical=["k"]
        )
    with pytest.raises(ValidationError, match="constant"):
        feature_effects(d.assign(c=1.0), "t", "e", ["c"], categorical=[])
    with pytest.raises(ValidationError, match="not found"):
        feature_effects(d, "t", "e", ["nope"])
