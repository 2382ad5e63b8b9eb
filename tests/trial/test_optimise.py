"""``ifnexus trial optimise``: the closed-form LQ optimum, seeds, exported designs, bad spaces.

The closed-form case: with the immune and IFN kill switched off (``k_T = e_kill = k_A = rho_R =
0``), identical tumour alpha/beta (``ab_gsd = 1``) and a fixed overall time, local control only
grows with the tumour's LQ effect ``n d (1 + d / (a/b)_t)``. Under a skin EQD2 limit ``E``
(alpha/beta 3 Gy, full dose) each number of fractions ``n`` allows at most
``d(n) = 1.5 (sqrt(1 + 4 E (1 + 2/3) / (3 n)) - 1)``; the tumour effect at that dose rises with
``n`` when ``(a/b)_t > 3`` and falls when ``(a/b)_t < 3`` (Fowler 1989; Withers 1983), so the
optimum is the most fractions for an alpha/beta of 10 Gy and the fewest for 1 Gy. With E = 60 Gy:
30 x 2.00 Gy, and 5 x 6.39 Gy.
"""

from __future__ import annotations

import json
import math

import pytest

from ifnexus.cli import main
from ifnexus.errors import UnknownNameError, ValidationError
from ifnexus.trial import optimise_design, read_design, run_trial, space_from_dict

IMMUNE_OFF = {"k_T": 0.0, "e_kill": 0.0, "k_A": 0.0, "rho_R": 0.0, "ab_gsd": 1.0,
              "alpha_cv": 0.0, "n0_sigma": 0.0, "r_sigma": 0.0}  # fmt: skip


def _space(alpha_beta: float, alpha: float, n0: float, dose, fractions, **opt):
    return {
        "optimise": {"seed": 3, "patients": 10, "followup_years": 2, "generations": 6,
                     "population_size": 4, "top": 2, "states": ["population"],
                     "robustness_draws": 0, **opt},
        "population": {"ifn_mix": {"ifn-deficient": 1.0},
                       "params": {**IMMUNE_OFF, "alpha_beta": alpha_beta, "alpha": alpha,
                                  "n0": n0}},
        "endpoint": {"local_control_years": 1.5},
        "schedule": {"dose_per_fraction": dose, "fractions": fractions, "overall_days": 35},
        "constraint": {"organ": "skin", "max_eqd2": 60.0},
    }  # fmt: skip


def _dmax(n: int, eqd2: float = 60.0, ab: float = 3.0) -> float:
    bed = eqd2 * (1 + 2 / ab)
    return ab / 2 * (math.sqrt(1 + 4 * bed / (n * ab)) - 1)


@pytest.mark.parametrize(
    ("ab", "alpha", "n0", "n_best"), [(10.0, 0.2, 1e5, 30), (1.0, 0.05, 2e4, 5)]
)
def test_iso_toxic_search_finds_the_lq_optimum(ab, alpha, n0, n_best):
    res = optimise_design(space_from_dict(_space(ab, alpha, n0, "iso-toxic", [5, 30])))
    best = res.best.iloc[0]
    assert best["fractions"] == n_best
    assert best["total_dose"] / n_best == pytest.approx(_dmax(n_best), abs=0.011)
    assert best["skin_eqd2"] <= 60.0 + 1e-9


def test_free_dose_search_runs_up_to_the_constraint():
    sp = _space(10.0, 0.2, 1e5, [1.0, 4.0], 30, generations=12)
    best = optimise_design(space_from_dict(sp)).best.iloc[0]
    assert best["fractions"] == 30
    assert best["total_dose"] / 30 == pytest.approx(_dmax(30), abs=0.06)  # 2.00 Gy
    assert best["skin_eqd2"] <= 60.0 + 1e-9


SPACE = {
    "optimise": {"seed": 1, "patients": 20, "generations": 1, "population_size": 2, "top": 2,
                 "states": ["chronic"], "robustness_draws": 2, "followup_years": 2},
    "population": {"ifn_mix": {"acute-competent": 0.5, "chronic": 0.3, "ifn-deficient": 0.2}},
    "schedule": {"dose_per_fraction": [2, 8], "fractions": [3, 20]},
    "interventions": {"sting-agonist": {"optional": True, "day": [-7, 14]},
                      "ifnar-block": {"start": [0, 14], "length": 14}},
    "constraint": {"organ": "skin", "relative_dose": 0.9, "max_ntcp": 0.05},
}  # fmt: skip


def test_same_seed_same_designs_and_the_exported_trial_reproduces_them(tmp_path):
    a = optimise_design(space_from_dict(SPACE))
    b = optimise_design(space_from_dict(SPACE))
    assert a.best.equals(b.best) and a.robustness.equals(b.robustness)
    assert set(a.robustness["source"]) == {"perturbation", "patients"}
    assert (a.best["skin_ntcp"] <= 0.05).all()
    assert all("ifnar-block" in s for s in a.best["interventions"])  # not optional: always in
    a.write(tmp_path, figures=False)
    design = read_design(tmp_path / "designs" / "chronic_rank1.toml")
    tr = run_trial(design, hazard_ratios="none")
    lc = tr.arms.set_index("arm")["local_control_net"]
    assert lc["optimised"] == pytest.approx(a.best.iloc[0]["local_control"])
    assert lc["reference"] == pytest.approx(a.best.iloc[0]["reference_local_control"])


def _bad(**changes):
    d = json.loads(json.dumps(SPACE))
    for path, v in changes.items():
        *head, last = path.split("__")
        t = d
        for k in head:
            t = t.setdefault(k, {})
        if v is None:
            t.pop(last, None)
        else:
            t[last] = v
    return d


@pytest.mark.parametrize(
    ("changes", "err", "words"),
    [
        ({"schedule__fractions": [20, 3]}, ValidationError, ["'fractions'", "empty range"]),
        ({"schedule__fractons": 5}, ValidationError, ["fractons", "did you mean 'fractions'"]),
        ({"optimise__generation": 5}, ValidationError, ["did you mean 'generations'"]),
        ({"interventions__sting": {"day": 0}}, UnknownNameError, ["did you mean 'sting-agonist'"]),
        ({"interventions__anti-pd1": {"start": 0}}, ValidationError, ["'start'", "day"]),
        ({"constraint__max_ntcp": None, "constraint__max_eqd2": 1.0}, ValidationError,
         ["max_eqd2", "infeasible"]),
        ({"constraint": {}}, ValidationError, ["[constraint]"]),
        ({"optimise__states": ["chronic", "acute"]}, UnknownNameError, ["did you mean"]),
        ({"schedule__dose_per_fraction": [2, 80]}, ValidationError, ["'dose_per_fraction'"]),
    ],
)  # fmt: skip
def test_bad_spaces_name_the_key(changes, err, words):
    with pytest.raises(err) as e:
        space_from_dict(_bad(**changes))
    for w in words:
        assert w in str(e.value)


TOML = """\
[optimise]
seed = 2
patients = 15
generations = 1
population_size = 2
top = 1
states = ["ifn-deficient"]
robustness_draws = 1
followup_years = 2

[schedule]
dose_per_fraction = "iso-toxic"
fractions = [5, 15]

[constraint]
organ = "skin"
max_eqd2 = 60
"""


def test_cli_optimise_writes_designs_that_trial_runs(tmp_path, capsys):
    f = tmp_path / "space.toml"
    f.write_text(TOML)
    out = tmp_path / "out"
    assert main(["trial", "optimise", str(f), "--out", str(out), "--json", "--quiet",
                 "--no-figures"]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    assert summary["robustness_source"] == "perturbation"
    for name in ("best_designs.csv", "robustness.csv", "history.csv", "summary.json", "run.json",
                 "designs/ifn-deficient_rank1.toml"):  # fmt: skip
        assert (out / name).is_file(), name
    # both spellings of the trial run: the default subcommand and 'run'
    assert main(["trial", str(out / "designs" / "ifn-deficient_rank1.toml"), "--quiet"]) == 0
    assert main(["trial", "run", str(out / "designs" / "ifn-deficient_rank1.toml"), "--quiet"]) == 0


def test_cli_bad_space_exits_2_and_writes_nothing(tmp_path, capsys):
    f = tmp_path / "space.toml"
    f.write_text(TOML.replace("fractions = [5, 15]", "fractions = [15, 5]"))
    out = tmp_path / "out"
    assert main(["trial", "optimise", str(f), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "fractions" in err and "line 13" in err
    assert not out.exists()


def test_robustness_under_a_posterior_file(tmp_path):
    post = tmp_path / "posterior.csv"
    post.write_text("alpha,n0\n0.18,2.0e9\n0.22,3.0e9\n0.20,2.5e9\n")
    f = tmp_path / "space.toml"
    f.write_text(
        TOML.replace("[schedule]", f'[population]\nposterior = "{post.name}"\n\n[schedule]')
    )
    from ifnexus.trial import read_space

    res = optimise_design(read_space(f))
    rob = res.robustness
    assert set(rob["source"]) == {"posterior", "patients"}
    assert set(rob.loc[rob["source"] == "posterior", "draw"]) <= {1, 2, 3}
    assert res.to_dict()["robustness_source"] == "posterior"
