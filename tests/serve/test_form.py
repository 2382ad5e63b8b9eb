"""The designer's form -> design -> TOML path, its messages, the address check and the CLI."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from ifnexus.errors import ValidationError
from ifnexus.serve import check_address, design_from_form, ifn_timecourses, results_table

FORM = {
    "trial_name": "form trial", "patients": 80, "seed": 3, "followup": 3, "endpoint": 2,
    "disease": "gross", "mix_acute": 0.5, "mix_chronic": 0.3, "mix_deficient": 0.2,
    "reference": "", "arm1_name": "A", "arm1_schedule": "50Gy/25fx", "arm1_interventions": "",
    "arm2_name": "B", "arm2_schedule": "8Gy x3",
    "arm2_interventions": "anti-pd1:day=0,dose=1,repeat=2,every=14; ifnar-block:start=0,end=7",
    "arm3_name": "", "arm3_schedule": "", "arm3_interventions": "",
}  # fmt: skip


def test_form_design_round_trips_through_the_toml_ifnexus_trial_reads(tmp_path):
    from ifnexus.trial import design_to_toml, read_design

    d = design_from_form(FORM)
    assert [a.name for a in d.arms] == ["A", "B"]
    assert d.reference == "A"  # empty reference: the first arm
    assert list(d.arms[1].interventions) == [
        "anti-pd1:day=0,dose=1,repeat=2,every=14",
        "ifnar-block:start=0,end=7",
    ]
    path = tmp_path / "d.toml"
    path.write_text(design_to_toml(d))
    assert read_design(path).to_dict() == d.to_dict()


def test_numbers_given_as_text_are_read():
    d = design_from_form({**FORM, "patients": "80", "seed": "3", "followup": "3.0"})
    assert d.patients_per_arm == 80 and d.seed == 3 and d.followup_years == 3.0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"patients": None}, "Patients per arm: enter a number"),
        ({"seed": 2.5}, "Seed: expected a whole number"),
        ({"followup": "abc"}, "Follow-up (years): expected a number"),
        ({"mix_acute": float("nan")}, "Acute-competent fraction: expected a finite number"),
        ({"patients": 20_001}, "at most 20,000"),
        ({"arm2_name": ""}, "Arm 2: give the arm a name"),
        ({"arm1_schedule": " "}, "Arm 1 ('A'): enter a schedule"),
        ({"arm1_name": "", "arm1_schedule": "", "arm2_name": "", "arm2_schedule": "",
          "arm2_interventions": ""}, "name at least two (got 0)"),
        ({"arm2_name": "", "arm2_schedule": "", "arm2_interventions": ""},
         "Arms: a trial compares two or more arms; name at least two (got 1)"),
        ({"reference": "C"}, "Reference arm: reference arm 'C' does not exist"),
        ({"followup": 0}, "Follow-up (years): 'followup_years' must be > 0"),
        ({"endpoint": 9}, "Local control at (years): 'local_control_years' must be > 0 and <= 3"),
        ({"seed": -1}, "Seed: 'seed' must be >= 0"),
        ({"disease": "bulky"}, "Disease: 'disease' must be"),
        ({"mix_chronic": 0.5}, "IFN-state fractions: the 'ifn_mix' fractions must sum to 1"),
    ],
)  # fmt: skip
def test_bad_fields_are_named(change, expected):
    with pytest.raises(ValidationError) as err:
        design_from_form({**FORM, **change})
    assert expected in str(err.value)


def test_results_table_is_the_trial_result():
    from ifnexus.trial import run_trial

    d = design_from_form({**FORM, "patients": 60})
    r = run_trial(d, hazard_ratios="overall")
    t = results_table(r)
    assert len(t) == 2 * 4  # arms x (all + three IFN states)
    got = t.set_index(["arm", "ifn_state"])
    want = r.by_state.set_index(["arm", "ifn_state"])
    np.testing.assert_array_equal(
        got.loc[want.index, "local_control_net"], want["local_control_net"]
    )
    comp = r.comparisons.set_index(["arm", "ifn_state"])
    np.testing.assert_array_equal(got.loc[comp.index, "difference"], comp["difference"])
    assert np.isnan(got.loc[("A", "all"), "difference"])  # the reference has none


def test_timecourse_without_perturbation_is_flat_and_shared_by_identical_arms():
    # no radiation and no drug: the model sits at its steady state (closed form: nothing moves);
    # two identical arms see the same sampled patients (common random numbers)
    form = {**FORM, "arm1_schedule": "none", "arm2_name": "A2", "arm2_schedule": "none",
            "arm2_interventions": ""}  # fmt: skip
    tc = ifn_timecourses(design_from_form(form), n_patients=4, days=10)
    assert set(tc["arm"]) == {"A", "A2"} and tc["day"].max() == 10
    for _, g in tc.groupby("arm"):
        med = g["median"].to_numpy()
        assert np.ptp(med) <= 1e-6 * max(1.0, abs(med).max())
    a, b = (tc[tc["arm"] == k].reset_index(drop=True) for k in ("A", "A2"))
    np.testing.assert_array_equal(a[["median", "lower", "upper"]], b[["median", "lower", "upper"]])


def test_timecourse_bad_arguments():
    d = design_from_form(FORM)
    with pytest.raises(ValidationError, match="n_patients"):
        ifn_timecourses(d, n_patients=0)
    with pytest.raises(ValidationError, match="days"):
        ifn_timecourses(d, days=0)


def test_port_in_use_is_named():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(ValidationError, match=f"--port {port}: the port is in use"):
            check_address("127.0.0.1", port)


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [("127.0.0.1", 0, "--port must be in 1-65535"), ("127.0.0.1", 70000, "--port must be"),
     ("no-such-host.invalid", 8050, "--host 'no-such-host.invalid'")],
)  # fmt: skip
def test_bad_address(host, port, expected):
    with pytest.raises(ValidationError, match=expected):
        check_address(host, port)


def test_cli_port_in_use_exits_2_before_starting(capsys):
    from ifnexus.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code = main(["serve", "--port", str(port), "--no-browser"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"error: --port {port}: the port is in use" in err
    assert "Traceback" not in err and "starting" not in err


def test_serve_listens_on_localhost_unless_told_otherwise():
    import inspect

    from ifnexus.cli._serve import serve_cmd
    from ifnexus.serve import serve

    assert inspect.signature(serve_cmd).parameters["host"].default.default == "127.0.0.1"
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


def test_every_intervention_form_of_the_help_is_accepted():
    """The forms the designer's help (and docs/serve.md) quote are interventions it runs."""
    import re

    from ifnexus.serve._app import INTERVENTION_HELP

    forms = re.findall(r"[a-z0-9-]+:[a-z0-9=,.]+", INTERVENTION_HELP)
    assert {f.split(":")[0] for f in forms} >= {"anti-ctla4", "anti-ox40", "ifn-beta"}
    for form in forms:
        d = design_from_form({**FORM, "arm2_interventions": form})
        assert list(d.arms[1].interventions) == [form]
