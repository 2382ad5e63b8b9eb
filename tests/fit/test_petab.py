"""PEtab export of a growth problem: the petab library lints it, libroadrunner simulates its
SBML to ifnexus's own volumes, and the PEtab likelihood at the nominal values is ifnexus's
pooled objective."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from ifnexus.errors import UnknownNameError, ValidationError
from ifnexus.fit import Arm, ArmSimulator, GrowthProblem, growth_data, to_petab
from ifnexus.model import parameters

petab = pytest.importorskip("petab.v1")
libsbml = pytest.importorskip("libsbml")
roadrunner = pytest.importorskip("roadrunner")

FREE = ("r", "n0", "alpha", "e_kill")
# four arms covering what the export has to state per condition: a fractionated schedule, a
# host without T cells, a tumour knockout with three interventions (impulses and a host-only
# window), and tonic IFN with a JAK-inhibitor window; measurements on fraction days too
ARMS = [
    Arm("control", "none"),
    Arm("RT 3x8", "10:8,11:8,12:8"),
    Arm("RT nude", "10:8,11:8,12:8", host="nude"),
    Arm(
        "RT+pd1, ifnar1 loss",
        "10:12",
        genotype="ifnar1-loss",
        interventions=(
            "anti-pd1:day=10,repeat=3,every=3",
            "ifnar-block:start=9,end=14,compartment=host",
            "sting-agonist:day=11",
        ),
    ),
    Arm(
        "chronic RT",
        "10:8",
        genotype="chronic-ifn",
        interventions=("jak-inhibitor:start=8,end=20",),
    ),
]
DAYS = (0.0, 4.0, 8.0, 10.0, 11.5, 14.0, 17.0, 21.0)


def _data():
    # two animals per arm with made-up (not simulated) volumes: the checks below compare two
    # computations of the same problem, so the values only need to be positive
    rng = np.random.default_rng(3)
    rows = [
        {
            "animal": f"{a.name}#{i}",
            "arm": a.name,
            "day": d,
            "volume": float(20 * np.exp(rng.normal(d / 8, 0.3))),
        }
        for a in ARMS
        for i in range(2)
        for d in DAYS
    ]
    return growth_data(pd.DataFrame(rows), {a.name: a for a in ARMS})


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    data = _data()
    out = tmp_path_factory.mktemp("petab")
    return data, to_petab(data, free=FREE, out=out, sigma=0.3)


def test_export_loads_and_lints(export):
    data, ex = export
    prob = petab.Problem.from_yaml(str(ex.files["yaml"]))
    assert petab.lint.lint_problem(prob) is False  # False: no error found
    assert len(prob.measurement_df) == len(data.table)
    assert set(prob.condition_df.index) == set(ex.conditions["conditionId"])
    est = prob.parameter_df[prob.parameter_df["estimate"] == 1]
    assert sorted(est.index) == sorted([*FREE, "sigma_volume"])
    assert set(est["parameterScale"]) == {"log10"}
    assert prob.observable_df.loc["volume", "observableTransformation"] == "log"
    assert "random effects" in ex.files["yaml"].read_text()


@pytest.fixture(scope="module")
def simulated(export):
    """Volumes (mm^3) of the exported SBML per condition, simulated by libroadrunner.

    The model is compiled once; each condition sets its parameters and ``reset()`` re-applies
    the initial assignments (checked against ifnexus's initial state below).
    """
    roadrunner.Logger.setLevel(roadrunner.Logger.LOG_ERROR)
    data, ex = export
    rr = roadrunner.RoadRunner(ex.sbml)
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-8
    out = {}
    for _, cond in ex.conditions.iterrows():
        for k, v in cond.items():
            if k not in ("conditionId", "conditionName"):
                rr.setValue(k, float(v))
        rr.reset()
        start = {s: rr.getValue(s) for s in ("N", "P", "T", "Eb", "Es", "L", "U", "R", "X", "F")}
        days = np.unique(data.table.loc[data.table["arm"] == cond["conditionName"], "day"])
        grid = np.unique(np.r_[0.0, days])
        res = rr.simulate(times=list(grid), selections=["time", "N", "D1", "D2", "D3", "D4"])
        vol = res[:, 1:].sum(axis=1)[np.searchsorted(grid, days)] / 1e6
        out[cond["conditionId"]] = (days, vol, start)
    return out


def test_initial_state_is_ifnexus_initial_state(export, simulated):
    from ifnexus.model._sbml import _SYM
    from ifnexus.model._system import STATE_NAMES, initial_state
    from ifnexus.model._variants import parse_genotype, parse_host

    data, ex = export
    p = parameters("mouse")
    for _, cond in ex.conditions.iterrows():
        arm = data.arms[cond["conditionName"]]
        q = {"alpha": p["alpha"], "beta": p["alpha"] / p["alpha_beta"], "n0": p["n0"], "tau": 1.0,
             "r_g": p["r"], **parse_genotype(arm.genotype), **parse_host(arm.host)}  # fmt: skip
        z0 = initial_state(p, q, 1)[:, 0]
        z0[0] = np.exp(z0[0])
        ref = {_SYM[s]: z0[i] for i, s in enumerate(STATE_NAMES)}
        for s, v in simulated[cond["conditionId"]][2].items():
            assert v == pytest.approx(ref[s], rel=1e-9, abs=1e-12), (cond["conditionName"], s)


def test_sbml_reproduces_ifnexus_volumes(export, simulated):
    # closed loop: CVODE (rtol 1e-10) on the exported SBML against ifnexus's kernel for the
    # same arm at the nominal parameters; the kernel's own error (fixed grid) is ~1e-5
    data, ex = export
    p = parameters("mouse")
    for _, cond in ex.conditions.iterrows():
        days, theirs, _ = simulated[cond["conditionId"]]
        ours = ArmSimulator(data.arms[cond["conditionName"]], days).volumes(p, {"n0": np.ones(1)})[
            0
        ]
        np.testing.assert_allclose(theirs, ours, rtol=1e-4, err_msg=cond["conditionName"])


def test_petab_likelihood_is_the_pooled_objective(export, simulated):
    data, ex = export
    rows = []
    for cid, (days, vol, _) in simulated.items():
        rows += [{"observableId": "volume", "simulationConditionId": cid, "time": d, "simulation": v}
                 for d, v in zip(days, vol, strict=True)]  # fmt: skip
    sim = ex.measurements.merge(
        pd.DataFrame(rows), on=["observableId", "simulationConditionId", "time"]
    )
    sim = sim.drop(columns="measurement")
    assert len(sim) == len(ex.measurements)
    llh = petab.calculate_llh(ex.measurements, sim, ex.observables.set_index("observableId"),
                              ex.parameters.set_index("parameterId"))  # fmt: skip
    # by hand from the tables: log-normal density of each measurement
    y = ex.measurements["measurement"].to_numpy()
    h = sim["simulation"].to_numpy()
    s = 0.3
    by_hand = float(
        np.sum(
            -0.5 * np.log(2 * np.pi * s * s) - np.log(y) - 0.5 * ((np.log(y) - np.log(h)) / s) ** 2
        )
    )
    assert llh == pytest.approx(by_hand, rel=1e-9)
    # ifnexus's pooled objective (-2 log L of the log volumes, no random effects) at the same
    # values: -2 llh = objective + 2 sum log y (the Jacobian of the log transform)
    prob = GrowthProblem(data, free=FREE, random=())
    x = prob.transformed(np.array([*(prob.base[n] for n in FREE), s]))
    assert -2 * llh == pytest.approx(prob(x) + 2 * np.sum(np.log(y)), rel=1e-5)


def test_refuses_what_petab_cannot_state(tmp_path):
    early = Arm("pre", "10:8", interventions=("anti-pd1:day=-3",))
    d = growth_data(pd.DataFrame({"animal": ["a", "a"], "arm": ["pre", "pre"], "day": [0, 5],
                                  "volume": [10.0, 20.0]}), {"pre": early})  # fmt: skip
    with pytest.raises(ValidationError, match=r"arm 'pre'.*before day 0.*time 0"):
        to_petab(d, out=tmp_path / "x")
    assert not (tmp_path / "x").exists()
    ok = growth_data(pd.DataFrame({"animal": ["a", "a"], "arm": ["c", "c"], "day": [0, 5],
                                   "volume": [10.0, 20.0]}), {"c": Arm("c", "none")})  # fmt: skip
    with pytest.raises(UnknownNameError, match="alpah"):
        to_petab(ok, free=("alpah",), out=tmp_path / "y")
    with pytest.raises(ValidationError, match="log10"):
        to_petab(ok, free=("r",), params={"r": 0.0}, out=tmp_path / "z")
    with pytest.raises(ValidationError, match="sigma"):
        to_petab(ok, sigma=0.0, out=tmp_path / "w")
    cens = growth_data(pd.DataFrame({"animal": ["a", "a"], "arm": ["c", "c"], "day": [0, 5],
                                     "volume": [10.0, 0.0]}), {"c": Arm("c", "none")},
                       lloq=5.0)  # fmt: skip
    with pytest.raises(ValidationError, match=r"detection limit.*animal 'a', day 5.*censored"):
        to_petab(cens, out=tmp_path / "v")
    assert not any(tmp_path.iterdir())


def test_nominal_values_follow_params(tmp_path):
    d = growth_data(pd.DataFrame({"animal": ["a", "a"], "arm": ["c", "c"], "day": [0, 5],
                                  "volume": [10.0, 20.0]}), {"c": Arm("c", "none")})  # fmt: skip
    ex = to_petab(d, free=("r",), params={"r": 0.31}, out=tmp_path)
    row = ex.summary.set_index("parameterId").loc["r"]
    assert row["nominalValue"] == 0.31
    assert row["lowerBound"] == pytest.approx(0.31e-3) and row["upperBound"] == pytest.approx(310.0)
    assert ex.to_dict()["measurements"] == 2
    assert math.isclose(
        ex.summary.set_index("parameterId").loc["sigma_volume", "nominalValue"], 0.2
    )


def test_per_animal_variant_lints(tmp_path):
    # one condition per animal, n0 estimated per animal: still a valid PEtab problem, and the
    # animals' conditions carry their arm's doses
    data = _data()
    ex = to_petab(data, free=FREE, per_animal=True, individual=("n0",), out=tmp_path)
    prob = petab.Problem.from_yaml(str(ex.files["yaml"]))
    assert petab.lint.lint_problem(prob) is False
    assert len(ex.conditions) == len(data.animals)
    assert ex.measurements.groupby(["simulationConditionId", "time"]).size().max() == 1
    est = set(ex.summary["parameterId"])
    assert "n0" not in est and len([e for e in est if e.startswith("n0__")]) == len(data.animals)
    rt = ex.conditions[ex.conditions["conditionName"].str.startswith("RT 3x8 / ")]
    assert len(rt) == 2 and set(rt["fraction_1_dose"]) == {8.0}
    with pytest.raises(ValidationError, match="per_animal"):
        to_petab(data, individual=("n0",), out=tmp_path / "no")


def test_cli_fit_petab(tmp_path, capsys):
    from ifnexus.cli import main

    data = _data()
    data.table.to_csv(tmp_path / "growth.csv", index=False)
    arms = pd.DataFrame({"arm": [a.name for a in ARMS], "schedule": [a.schedule for a in ARMS],
                         "genotype": [a.genotype or "" for a in ARMS],
                         "host": [a.host or "" for a in ARMS],
                         "interventions": [";".join(a.interventions) for a in ARMS]})  # fmt: skip
    arms.to_csv(tmp_path / "arms.csv", index=False)
    out = tmp_path / "petab"
    argv = ["fit", "petab", str(tmp_path / "growth.csv"), "--arms", str(tmp_path / "arms.csv")]
    rc = main([*argv, "--out", str(out), "--free", "r,alpha", "--per-animal", "--json"])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["conditions"] == len(data.animals)
    assert {r["parameterId"] for r in summary["estimated"]} == {"r", "alpha", "sigma_volume"}
    assert (out / "problem.yaml").is_file() and (out / "run.json").is_file()
    # bad input: exit 2, a one-line message naming the option, nothing written
    rc = main([*argv, "--out", str(tmp_path / "bad"), "--free", "alpah"])
    assert rc == 2
    assert "alpah" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize("name", FREE)
def test_a_changed_parameter_acts_after_a_reset(tmp_path, name):
    """What pyPESTO's roadrunner objective does (set a parameter, reset, simulate) gives the
    model exported at that value: no trait or initial value is left at the nominal one."""
    arms = [Arm("RT", "10:8,11:8,12:8")]
    rows = [{"animal": "a", "arm": "RT", "day": d, "volume": 20.0 + d} for d in (0.0, 9.0, 20.0)]
    data = growth_data(pd.DataFrame(rows), {a.name: a for a in arms})
    nominal = to_petab(data, free=FREE, out=tmp_path / "nominal")
    rr = roadrunner.RoadRunner(nominal.sbml)
    moved = 1.3 * rr[name]
    rr[name] = moved
    rr.reset()
    got = rr.simulate(0, 20, 21)
    direct = to_petab(data, free=FREE, params={name: moved}, out=tmp_path / "moved")
    want = roadrunner.RoadRunner(direct.sbml).simulate(0, 20, 21)
    assert got.colnames == want.colnames
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6, atol=1e-9)


def test_a_lethal_fraction_simulates(tmp_path):
    """At alpha on the upper bound of the box (where a line search goes) the fraction kills
    every clonogen; libroadrunner at pyPESTO's default tolerances still simulates the export,
    to the volumes of ifnexus's kernel (the dead cells being cleared)."""
    arm = Arm("RT", "10:8")
    days = np.array([0.0, 9.0, 12.0, 20.0])
    rows = [{"animal": "a", "arm": "RT", "day": d, "volume": 20.0 + d} for d in days]
    data = growth_data(pd.DataFrame(rows), {"RT": arm})
    box = to_petab(data, free=("alpha",), out=tmp_path / "box").summary.set_index("parameterId")
    alpha = float(box.loc["alpha", "upperBound"])
    ex = to_petab(data, free=("alpha",), params={"alpha": alpha}, out=tmp_path / "lethal")
    assert "Lam" not in ex.sbml  # the Zaider-Minerbo integral, infinite here, is left out
    rr = roadrunner.RoadRunner(ex.sbml)
    rr.integrator.relative_tolerance = 1e-6  # pyPESTO's defaults
    rr.integrator.absolute_tolerance = 1e-12
    for k, v in ex.conditions.iloc[0].items():  # the arm's condition: the fraction's dose
        if k not in ("conditionId", "conditionName"):
            rr.setValue(k, float(v))
    rr.reset()
    res = rr.simulate(times=list(days), selections=["time", "N", "D1", "D2", "D3", "D4"])
    theirs = np.asarray(res)[:, 1:].sum(axis=1) / 1e6
    p = parameters("mouse", alpha=alpha)
    ours = ArmSimulator(arm, days).volumes(p, {"n0": np.ones(1)})[0]
    assert np.asarray(res)[-1, 1] < 1e-100  # no clonogen left
    np.testing.assert_allclose(theirs, ours, rtol=1e-3)
