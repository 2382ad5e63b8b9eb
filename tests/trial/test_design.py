"""The trial design TOML: the example, every key checked, errors naming key and line."""

from __future__ import annotations

import math
import tomllib

import pytest

from ifnexus.errors import InputFormatError, UnknownNameError, ValidationError
from ifnexus.trial import (
    IFN_STATES,
    design_from_dict,
    example_design_path,
    ifn_mix_parameters,
    read_design,
)

GOOD = """\
[trial]
name = "t"
reference = "A"
patients_per_arm = 50
followup_years = 3
seed = 1

[population]
ifn_mix = { acute-competent = 0.5, chronic = 0.2, ifn-deficient = 0.3 }

[[arms]]
name = "A"
schedule = "50Gy/25fx"

[[arms]]
name = "B"
schedule = "50Gy/25fx"
interventions = ["anti-pd1:day=0,dose=1,repeat=3,every=14"]
"""


def _write(tmp_path, text, name="design.toml"):
    f = tmp_path / name
    f.write_text(text)
    return f


def test_example_design_reads():
    d = read_design(example_design_path())
    assert d.reference == "RT alone"
    assert len(d.arms) >= 3
    assert d.power is not None and d.power.arm in {a.name for a in d.arms}
    assert d.normal_tissue is not None and d.normal_tissue.organs
    assert d.to_dict()["trial"]["reference"] == "RT alone"


def test_good_design(tmp_path):
    d = read_design(_write(tmp_path, GOOD))
    assert [a.name for a in d.arms] == ["A", "B"]
    assert d.arms[1].interventions == ("anti-pd1:day=0,dose=1,repeat=3,every=14",)
    assert dict(d.population.ifn_mix) == {"acute-competent": 0.5, "chronic": 0.2,
                                          "ifn-deficient": 0.3}  # fmt: skip
    # the dict form gives the same design
    assert design_from_dict(tomllib.loads(GOOD)).arms == d.arms


@pytest.mark.parametrize(
    ("old", "new", "err", "match"),
    [
        # unknown key: the close name and the TOML line
        (
            "patients_per_arm = 50",
            "patients_per_armm = 50",
            ValidationError,
            r"design.toml, line 4: unknown key 'patients_per_armm'.*did you mean 'patients_per_arm'",
        ),
        (
            'schedule = "50Gy/25fx"\n\n[[arms]]\nname = "B"',
            'shedule = "50Gy/25fx"\n\n[[arms]]\nname = "B"',
            ValidationError,
            r"line 13: unknown key 'shedule' in \[\[arms\]\] #1; did you mean 'schedule'",
        ),
        (
            "[population]",
            "[populaton]",
            ValidationError,
            r"line 8: unknown table or key 'populaton'.*'population'",
        ),
        (
            'reference = "A"',
            'reference = "C"',
            ValidationError,
            r"line 3: reference arm 'C' does not exist \(arms: A, B\)",
        ),
        (
            'name = "B"\nschedule = "50Gy/25fx"\n',
            'name = "B"\n',
            ValidationError,
            r"line 15: arm 'B' \(\[\[arms\]\] #2\) has no 'schedule'",
        ),
        ("chronic = 0.2", "chronic = 0.3", ValidationError, "must sum to 1"),
        ("chronic = 0.2", "chronik = 0.2", UnknownNameError, "did you mean 'chronic'"),
        (
            'schedule = "50Gy/25fx"\n\n[[arms]]',
            'schedule = "50Gy/2fx5"\n\n[[arms]]',
            ValidationError,
            r"line 13: arm 'A': cannot parse schedule",
        ),
        ("repeat=3", "repaet=3", ValidationError, r"arm 'B'.*unknown key 'repaet'"),
        (
            "followup_years = 3",
            "followup_years = -1",
            ValidationError,
            r"line 5: 'followup_years' must be > 0",
        ),
        ("seed = 1", "seed = 1.5", ValidationError, "'seed' must be a whole number"),
        (
            "[population]",
            '[population]\nmargin = "R1"',
            ValidationError,
            r"'margin' must be \"R0\" or \"R1\" and needs disease = \"postop\"",
        ),
    ],
)
def test_bad_designs_name_key_and_line(tmp_path, old, new, err, match):
    assert old in GOOD
    with pytest.raises(err, match=match):
        read_design(_write(tmp_path, GOOD.replace(old, new)))


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ("[power]\npower = 1.2\n", r"line 2\d: 'power' must be > 0 and < 1, got 1.2"),
        ("[power]\npower = 0\n", r"'power' must be > 0 and < 1"),
        ("[power]\nalpha = 0\n", r"'alpha' must be > 0 and < 1"),
        ('[power]\narm = "A"\n', r"\[power\] arm 'A' is not an arm other than the reference"),
        ("[power]\npowr = 0.9\n", r"unknown key 'powr'.*did you mean 'power'"),
        (
            "[power]\naccrual_years = 2\nfollowup_years = 2\n",
            r"exceeds \[trial\] followup_years \(3\)",
        ),
        ('[normal_tissue]\n[[normal_tissue.organs]]\norgan = "skin"\n', "exactly one of"),
        (
            '[normal_tissue]\nntcp_limit = 2\n[[normal_tissue.organs]]\norgan = "skin"\nrelative_dose = 1\n',
            "'ntcp_limit' must be",
        ),
    ],
)
def test_bad_power_and_normal_tissue_tables(tmp_path, table, match):
    with pytest.raises(ValidationError, match=match):
        read_design(_write(tmp_path, GOOD + "\n" + table))


def test_unknown_organ_names_the_line_and_the_closest(tmp_path):
    text = (
        GOOD
        + '\n[normal_tissue]\n[[normal_tissue.organs]]\norgan = "spinal-chord"\nrelative_dose = 1\n'
    )
    with pytest.raises(
        UnknownNameError,
        match=r"line 22: unknown organ 'spinal-chord' \(did you mean 'spinal-cord'\?\)",
    ):
        read_design(_write(tmp_path, text))


def test_unreadable_or_malformed_files(tmp_path):
    with pytest.raises(InputFormatError, match="cannot read"):
        read_design(tmp_path / "absent.toml")
    with pytest.raises(InputFormatError, match="not valid TOML"):
        read_design(_write(tmp_path, "[trial\nname = 1\n"))
    with pytest.raises(ValidationError, match="two or more"):
        read_design(_write(tmp_path, '[[arms]]\nname = "A"\nschedule = "none"\n'))


def test_ifn_mix_parameters_give_the_mix():
    from ifnexus.model import parameters

    mix = {"acute-competent": 0.5, "chronic": 0.2, "ifn-deficient": 0.3}
    p = ifn_mix_parameters(mix)
    base = parameters("patient")
    # the model draws cluster loss and STING silencing independently; either is deficient
    deficient = 1 - (1 - p["p_cluster"]) * (1 - p["p_sting_silenced"])
    assert deficient == pytest.approx(0.3)
    assert p["p_cluster"] / p["p_sting_silenced"] == pytest.approx(
        base["p_cluster"] / base["p_sting_silenced"]
    )
    assert (1 - deficient) * p["p_chronic"] == pytest.approx(0.2)


def test_ifn_mix_is_what_the_model_draws():
    # simulation with known truth: the drawn IFN states follow the mix
    from ifnexus._ifn_state import true_ifn_state
    from ifnexus.model import simulate_cohort

    mix = {"acute-competent": 0.6, "chronic": 0.1, "ifn-deficient": 0.3}
    n = 3000
    res = simulate_cohort("8Gy x1", n_patients=n, days=30, rng=5, params=ifn_mix_parameters(mix))
    states = true_ifn_state(res.patients)
    for s in IFN_STATES:
        f = mix[s]
        assert (states == s).mean() == pytest.approx(f, abs=4 * math.sqrt(f * (1 - f) / n))


def test_design_to_toml_reads_back_to_the_same_design(tmp_path):
    import dataclasses

    from ifnexus.trial import design_to_toml

    d = read_design(example_design_path())
    f = _write(tmp_path, design_to_toml(d), "again.toml")
    assert dataclasses.replace(read_design(f), source=d.source) == d
