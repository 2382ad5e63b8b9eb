"""Malformed inputs for ``simulate``, ``simulate tcd50`` and the model's parsers.

Schedule strings, intervention strings, dose grids, parameter overrides and sizes: each bad
input ends in an :class:`ifnexus.errors.IfnexusError` whose message matches the expected
pattern (naming the token, the option or the limit), in milliseconds, before any simulation.
Near-valid inputs that are right give the result worked out here by hand. Property tests
(hypothesis) feed arbitrary text to the three parsers: a valid object or an ``IfnexusError``.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ifnexus.cli import main
from ifnexus.errors import IfnexusError, UnknownNameError, ValidationError
from ifnexus.model import parameters, parse_dose_grid, parse_intervention, simulate_cohort, tcd50
from ifnexus.model._limits import MAX_DAYS, MAX_DOSE_POINTS, MAX_FRACTIONS, MAX_PATIENTS
from ifnexus.model._radiobiology import parse_schedule

BAD_SCHEDULES = [
    "", " ", "50", "Gy", "50Gy", "50Gy/", "/25fx", "50Gy/0fx", "50Gy/-5fx", "-50Gy/25fx",
    "50Gy/25", "50/25fx", "50Gy/25.5fx", "50Gy/25fxx", "abcGy/25fx", "50Gy/abcfx",
    "8Gy x0", "8Gy x", "x3", "8Gy x-3", "8Gy x3.5", "8 x 3", "8Gyx", "Gy x3",
    "0:8,0:8", "0:8,,1:8:2", "0:8,1", "0:8,1:", ":8", "a:8", "0:b", "0:-8", "-1:8",
    "0:inf", "inf:8", "nan:8", "0:nan", "0:8;1:8", "0:8 1:8", "0=8", "0:8,1:8,1:8",
    "50Gy/501fx", "2Gy x501", "2Gy x1000000000", "4000:2", "0:2,3651:2",
    "1" * 20000, "0:8," * 3000, "\0", "50Gy\n/25", "🙂", "none please", "sham:1",
]  # fmt: skip

BAD_INTERVENTIONS = [
    ("", UnknownNameError, "unknown intervention"),
    ("sting", UnknownNameError, "unknown intervention"),
    ("anti-pd2:day=0", UnknownNameError, "unknown intervention"),
    ("sting-agonist:day", ValidationError, "not key=value"),
    ("sting-agonist:day=abc", ValidationError, "day must be a number"),
    ("sting-agonist:day=inf", ValidationError, "day must be finite"),
    ("sting-agonist:day=nan", ValidationError, "day must be finite"),
    ("sting-agonist:dose=-1", ValidationError, "dose must be >= 0"),
    ("sting-agonist:start=0", ValidationError, "unknown key 'start'"),
    ("sting-agonist:colour=red", ValidationError, "unknown key .colour.; sting-agonist accepts"),
    ("sting-agonist:colour=1", ValidationError, "unknown key 'colour'"),
    ("anti-pd1:repeat=0", ValidationError, "repeat must be a whole number"),
    ("anti-pd1:repeat=1.5", ValidationError, "repeat must be a whole number"),
    ("anti-pd1:repeat=-2", ValidationError, "repeat must be a whole number"),
    ("anti-pd1:repeat=1000000000", ValidationError, "over the limit of 500"),
    ("anti-pd1:every=0,repeat=2", ValidationError, "every must be > 0"),
    ("anti-pd1:every=-1,repeat=2", ValidationError, "every must be > 0"),
    ("anti-pd1:day=1e9", ValidationError, "beyond the limit of 3650"),
    ("ifnar-block", ValidationError, "needs start= and end="),
    ("ifnar-block:start=0", ValidationError, "needs start= and end="),
    ("ifnar-block:start=5,end=5", ValidationError, "ends .* before it starts"),
    ("ifnar-block:start=5,end=1", ValidationError, "ends .* before it starts"),
    ("ifnar-block:start=0,end=7,dose=2", ValidationError, "blocked fraction"),
    ("jak-inhibitor:start=0,end=7,dose=1.5", ValidationError, "blocked fraction"),
    ("jak-inhibitor:start=0,end=1e12", ValidationError, "beyond the limit"),
    ("jak-inhibitor:start=0,end=7,day=1", ValidationError, "unknown key 'day'"),
    ("ifn-amplifier:start=a,end=7", ValidationError, "start must be a number"),
    ("ifn-amplifier:start=0,end=7,,", None, None),  # empty tokens are skipped: valid
    ("anti-pd1:day=0,dose=1,repeat=4,every=3", None, None),
]

BAD_GRIDS = [
    ("", "needs at least"), ("abc", "cannot parse"), ("1,2,abc", "cannot parse"),
    ("10:5:1", "cannot parse"), ("0:10:0", "cannot parse"), ("0:10:-1", "cannot parse"),
    ("0:10", "cannot parse"), ("0:10:1:2", "cannot parse"), ("1;2;3", "cannot parse"),
    ("-1,2,3", ">= 0 Gy"), ("1,2", "at least 3"), ("1", "at least 3"), (",,,", "at least 3"),
    ("1,2,inf", "finite"), ("1,2,nan", "finite"), ("1,2,-inf", "finite"),
    ("0:1000000:1", "over the limit of 1000"), ("0:1000:0.5", "over the limit of 1000"),
    (",".join(["1"] * 1001), "over the limit of 1000"), ("1,2,1e6", "over the limit of 1000 Gy"),
    ("1," * 60000, "characters"), ("1e3:2e3:1", "cannot parse"), ("0x10,2,3", "cannot parse"),
]  # fmt: skip

BAD_SIZES = [
    (dict(n_patients=0), "n_patients must be >= 1"),
    (dict(n_patients=-5), "n_patients must be >= 1"),
    (dict(n_patients=MAX_PATIENTS + 1), r"over the limit of 5000000 tumours .* GB"),
    (dict(n_patients=10**12), r"over the limit of 5000000 tumours"),
    (dict(days=0), "must be > 0"),
    (dict(days=-3), "must be > 0"),
    (dict(days=float("nan")), "must be > 0"),
    (dict(days=float("inf")), "must be > 0"),
    (dict(days=1e9), "over the limit of 3650 days"),
    (dict(days=MAX_DAYS + 1), "over the limit of 3650 days"),
    (dict(days="abc"), "must be a number"),
    (dict(record=-1), "record must be >= 0"),
    (dict(record=201), "over the limit of 200"),
    (dict(record=10**9), "over the limit of 200"),
    (dict(params={"no_such_parameter": 1.0}), "no_such_parameter"),
    (dict(setting="rat"), "rat"),
    (dict(disease="metastatic"), "metastatic"),
    (dict(genotype="sting-gain"), "sting-gain"),
    (dict(host="cat"), "cat"),
]


@pytest.mark.parametrize("text", BAD_SCHEDULES, ids=range(len(BAD_SCHEDULES)))
def test_bad_schedules(text):
    t0 = time.perf_counter()
    with pytest.raises(ValidationError, match="schedule"):
        parse_schedule(text)
    assert time.perf_counter() - t0 < 1.0


def test_good_schedules_by_hand():
    s = parse_schedule("50Gy/25fx")
    assert s.doses.tolist() == [2.0] * 25 and s.days[:6].tolist() == [0, 1, 2, 3, 4, 7]
    s = parse_schedule(" 0:8, 2:4 ,1:6 ")
    assert s.days.tolist() == [0, 1, 2] and s.doses.tolist() == [8, 6, 4]
    assert parse_schedule(f"2Gy x{MAX_FRACTIONS}").doses.size == MAX_FRACTIONS


@pytest.mark.parametrize(
    ("text", "error", "pattern"), BAD_INTERVENTIONS, ids=range(len(BAD_INTERVENTIONS))
)
def test_bad_interventions(text, error, pattern):
    if error is None:
        iv = parse_intervention(text)
        assert iv.name == text.split(":")[0]
        return
    with pytest.raises(error, match=pattern):
        parse_intervention(text)


@pytest.mark.parametrize(("text", "pattern"), BAD_GRIDS, ids=range(len(BAD_GRIDS)))
def test_bad_dose_grids(text, pattern):
    t0 = time.perf_counter()
    with pytest.raises(ValidationError, match=pattern):
        parse_dose_grid(text)
    assert time.perf_counter() - t0 < 1.0


def test_dose_grid_by_hand():
    assert parse_dose_grid("10:20:5").tolist() == [10, 15, 20]
    assert parse_dose_grid(" 1, 2 ,3 ").tolist() == [1, 2, 3]
    assert parse_dose_grid(f"0:{MAX_DOSE_POINTS - 1}:1").size == MAX_DOSE_POINTS


@pytest.mark.parametrize(("kw", "pattern"), BAD_SIZES, ids=range(len(BAD_SIZES)))
def test_bad_sizes_refused_up_front(kw, pattern):
    t0 = time.perf_counter()
    with pytest.raises(IfnexusError, match=pattern):
        simulate_cohort("8Gy x3", **{"n_patients": 2, **kw})
    assert time.perf_counter() - t0 < 2.0


def test_tcd50_limits():
    with pytest.raises(ValidationError, match=r"n_patients x doses .* over the limit"):
        tcd50("0:100:1", n_patients=MAX_PATIENTS // 10)
    with pytest.raises(ValidationError, match="finite doses"):
        tcd50(np.array([1.0, 2.0, np.inf]), n_patients=2)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -0.1, "abc", None])
def test_bad_parameter_values(value):
    with pytest.raises(ValidationError, match="parameter 'alpha' must be a"):
        parameters("patient", alpha=value)


CLI_CASES = [
    (["simulate", "--schedule", "50Gy/25fx", "--days", "1e9"], "--days .* 3650"),
    (["simulate", "--schedule", "50Gy/25fx", "--patients", "100000000"], "--patients .* GB"),
    (["simulate", "--schedule", "50Gy/25fx", "--patients", "0"], "--patients"),
    (["simulate", "--schedule", "50Gy/25fx", "--record", "100000"], "--record .* 200"),
    (["simulate", "--schedule", "2Gy x1000000000"], "500"),
    (["simulate", "--schedule", "50Gy/25fx", "--intervention", "anti-pd1:repeat=1e9"], "500"),
    (["simulate", "--in-vitro", "--doses", "0:100000:1"], "1000"),
    (["simulate", "--in-vitro", "--doses", "1,nan"], "finite"),
    (["simulate", "--in-vitro", "--days", "1e9"], "3650"),
    (["simulate", "tcd50", "--doses", "0:1000000:1"], "over the limit of 1000"),
    (["simulate", "tcd50", "--doses", "10,20,inf"], "finite"),
    (["simulate", "tcd50", "--doses", "10:90:10", "--patients", "10000000"], "over the limit"),
    (["simulate", "tcd50", "--doses", "10:90:10", "--days", "-1"], "--days"),
    (["simulate", "tcd50", "--doses", "10:90:10", "--fractions", "1000000000"], "limit of 500"),
    (["simulate", "sbml", "--schedule", "0:8,0:8", "--out", "{tmp}/m"], "listed twice"),
    (["simulate", "sbml", "--schedule", "8Gy x3", "--days", "1e9", "--out", "{tmp}/m"], "3650"),
]


@pytest.mark.parametrize(("argv", "pattern"), CLI_CASES, ids=range(len(CLI_CASES)))
def test_cli_sizes(argv, pattern, tmp_path, capsys):
    out = tmp_path / "o"
    argv = [a.format(tmp=tmp_path) for a in argv]
    if "--out" not in argv:
        argv += ["--out", str(out)]
    t0 = time.perf_counter()
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2, err
    assert err.startswith("error: ") and "Traceback" not in err and re.search(pattern, err), err
    assert time.perf_counter() - t0 < 5.0
    assert not out.exists() and not (tmp_path / "m").exists()


def test_corpus_size():
    """The numbers in docs/reliability.md (model section)."""
    counts = (len(BAD_SCHEDULES), len(BAD_INTERVENTIONS), len(BAD_GRIDS), len(BAD_SIZES),
              len(CLI_CASES))  # fmt: skip
    assert counts == (53, 29, 23, 19, 16)


_SCHED_ALPHABET = st.sampled_from(list("0123456789.:,xX/ -") + ["gy", "fx", "Gy", "e", "inf"])


@settings(max_examples=150, deadline=5000)
@given(st.one_of(st.text(max_size=40), st.lists(_SCHED_ALPHABET, max_size=30).map("".join)))
def test_schedule_property(text):
    try:
        s = parse_schedule(text)
    except IfnexusError:
        return
    assert s.days.size == s.doses.size <= MAX_FRACTIONS
    assert np.isfinite(s.days).all() and np.isfinite(s.doses).all()
    assert (s.days >= 0).all() and (s.doses >= 0).all()
    assert (np.diff(s.days) > 0).all()


_IV_ALPHABET = st.sampled_from(
    ["sting-agonist", "anti-pd1", "ifnar-block", "jak-inhibitor", "ifn-amplifier", ":", ",", "=",
     "day", "dose", "repeat", "every", "start", "end", "0", "1", "7", "-", ".", "e9", "nan", " "]
)  # fmt: skip


@settings(max_examples=150, deadline=5000)
@given(st.one_of(st.text(max_size=40), st.lists(_IV_ALPHABET, max_size=14).map("".join)))
def test_intervention_property(text):
    try:
        iv = parse_intervention(text)
    except IfnexusError:
        return
    assert iv.dose >= 0 and np.isfinite(iv.dose)
    if iv.days:
        assert len(iv.days) <= MAX_FRACTIONS and all(np.isfinite(iv.days))
    else:
        assert iv.end > iv.start


_GRID_ALPHABET = st.sampled_from(list("0123456789.:, -") + ["e", "inf", "nan"])


@settings(max_examples=150, deadline=5000)
@given(st.one_of(st.text(max_size=30), st.lists(_GRID_ALPHABET, max_size=20).map("".join)))
def test_dose_grid_property(text):
    try:
        grid = parse_dose_grid(text, min_doses=1)
    except IfnexusError:
        return
    assert 1 <= grid.size <= MAX_DOSE_POINTS
    assert np.isfinite(grid).all() and (grid >= 0).all()


def test_second_lesion_above_the_carrying_capacity_names_second_lesion():
    """Found by tools/fuzz_model.py: the refusal named only 'K' and 'n0_second'."""
    k = parameters("mouse")["K"]
    with pytest.raises(ValidationError, match=r"^second_lesion=.*'K'.*'n0_second'"):
        simulate_cohort("8Gy x3", setting="mouse", n_patients=1, second_lesion=2 * k)


@pytest.mark.parametrize("text", ["0:1e300", "0:2,1:1001", "2000Gy x1", "5005Gy/5fx"])
def test_a_fraction_over_the_dose_limit_is_refused_naming_the_schedule(text):
    """Found by tools/fuzz_model.py: '0:1e300' reached the kernel and came back as a
    ConvergenceError blaming the parameters; a fraction is at most MAX_DOSE_GY."""
    from ifnexus.model._limits import MAX_DOSE_GY

    with pytest.raises(ValidationError, match=rf"schedule .*over the limit of {MAX_DOSE_GY:g} Gy"):
        parse_schedule(text)
    assert parse_schedule(f"{MAX_DOSE_GY:g}Gy x1").doses.tolist() == [MAX_DOSE_GY]


@pytest.mark.parametrize(
    "text",
    ["sting-agonist:day=0,dose=1e300", "anti-pd1:day=0,dose=101", "anti-ctla4:day=0,dose=1e4",
     "ifn-amplifier:start=0,end=5,dose=1e300"],
)  # fmt: skip
def test_every_agent_dose_is_limited(text):
    """Found by tools/fuzz_model.py: sting-agonist / ifn-amplifier dose=1e300 overflowed the
    integration (ConvergenceError); every agent's dose is at most MAX_AGENT_DOSE, as
    ifn-beta's and anti-ox40's were."""
    from ifnexus.model._variants import MAX_AGENT_DOSE

    with pytest.raises(ValidationError, match=rf"dose .* over the limit of {MAX_AGENT_DOSE:g}"):
        parse_intervention(text)
    at_limit = text.rsplit("dose=", 1)[0] + f"dose={MAX_AGENT_DOSE:g}"
    assert parse_intervention(at_limit).dose == MAX_AGENT_DOSE


@pytest.mark.parametrize(
    ("call", "what"),
    [
        (lambda: simulate_cohort("8Gy x3", setting="mouse", n_patients=2.5), "n_patients"),
        (lambda: simulate_cohort("8Gy x3", setting="mouse", n_patients=2, record=1.5), "record"),
        (lambda: tcd50("10,20,40,80", fractions=2.5, n_patients=2), "fractions"),
    ],
)
def test_counts_that_are_not_whole_numbers_are_refused(call, what):
    """Found by tools/fuzz_model.py: n_patients=2.5 simulated 2 tumours, fractions=2.5 gave
    two fractions labelled '2.5fx'; a count must be a whole number (3.0 is accepted)."""
    with pytest.raises(ValidationError, match=rf"{what} must be a whole number, got (2\.5|1\.5)"):
        call()
    assert len(simulate_cohort("8Gy x3", setting="mouse", n_patients=3.0, days=10).patients) == 3


def test_a_cohort_that_cannot_integrate_names_the_parameters_changed():
    """Found by tools/fuzz_model.py: k_TX at 1000 times its value (in its range, >= 0) makes
    every tumour's integration overflow, and the error said only 'check parameters'; it now
    names the parameters that differ from the setting's values."""
    from ifnexus.errors import ConvergenceError

    k_tx = 1000 * parameters("mouse")["k_TX"]
    with pytest.raises(ConvergenceError, match=rf"'k_TX' = {k_tx:g}") as info:
        simulate_cohort("20Gy x1", setting="mouse", n_patients=2, days=60, rng=1,
                        params={"k_TX": k_tx})  # fmt: skip
    assert "'alpha'" not in str(info.value)  # an unchanged parameter is not listed


@pytest.mark.parametrize(
    ("kw", "name"),
    [({"infiltration": -1.0}, "infiltration"), ({"growth_rate": -1.0}, "growth_rate"),
     ({"chronic": -1.0}, "chronic"), ({"alpha": float("nan")}, "alpha"),
     ({"n0": float("inf")}, "n0"), ({"infiltration": "x"}, "infiltration")],
)  # fmt: skip
def test_tumour_model_traits_are_checked(kw, name):
    """Found by tools/fuzz_model.py: tumour_model(infiltration=-1, growth_rate=-1) ran, and
    chronic=-1 or alpha=nan ended in a ConvergenceError blaming the parameters."""
    from ifnexus.model import tumour_model

    with pytest.raises(ValidationError, match=rf"^{name} must be a"):
        tumour_model("8Gy x3", setting="mouse", **kw)


@pytest.mark.parametrize(
    ("iv", "error", "pattern"),
    [
        (dict(name="foo", dose=1.0, days=(0.0,)), UnknownNameError, "unknown intervention 'foo'"),
        (dict(name="anti-pd1", dose=-5.0, days=(0.0,)), ValidationError, "dose must be >= 0"),
        (dict(name="anti-pd1", dose=101.0, days=(0.0,)), ValidationError, "over the limit of 100"),
        (dict(name="ifnar-block", dose=2.0, start=0.0, end=7.0), ValidationError, "0-1; got 2"),
        (dict(name="ifn-beta", dose=1.0), ValidationError, "days must be finite"),
        (dict(name="ifn-beta", dose=1.0, start=7.0, end=0.0), ValidationError, "window ends"),
        (dict(name="anti-pd1", dose=1.0), ValidationError, "needs 1 to 500 dose days"),
        (dict(name="anti-pd1", dose=1.0, days=(1e9,)), ValidationError, "within 3650 days"),
        (dict(name="jak-inhibitor", dose=0.5, start=0.0, end=7.0, compartment="stroma"),
         ValidationError, "compartment must be one of"),
    ],
)  # fmt: skip
def test_intervention_objects_built_directly_are_checked(iv, error, pattern):
    """Found by tools/fuzz_model.py: an Intervention built directly (not parsed) was used as
    is: the name 'foo' was silently ignored, dose -5 of anti-PD-1 simulated, a window without
    start/end did nothing. The same checks as a parsed string now apply."""
    from ifnexus.model import Intervention

    with pytest.raises(error, match=pattern):
        simulate_cohort("8Gy x3", setting="mouse", n_patients=1, days=30,
                        interventions=[Intervention(**iv)])  # fmt: skip
    ok = Intervention(name="anti-pd1", dose=1.0, days=(0.0, 3.0))
    assert parse_intervention(ok) is ok


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: simulate_cohort("8Gy x3", setting="mouse", n_patients=1, genotype=5),
         "genotype must be names"),
        (lambda: simulate_cohort("8Gy x3", setting="mouse", n_patients=1, interventions=5),
         "interventions must be intervention strings"),
    ],
)  # fmt: skip
def test_wrong_types_are_refused_naming_the_argument(call, pattern):
    """Found by tools/fuzz_model.py: genotype=5 / interventions=5 raised a bare TypeError."""
    with pytest.raises(ValidationError, match=pattern):
        call()


def test_tumours_that_overflow_are_flagged_not_fatal_and_the_folder_is_written(tmp_path):
    """Found by tools/fuzz_model.py: with r_sigma = 10 (in its range, >= 0) a few tumours grow
    at 1e4-1e9 /d and overflow. The documented contract: such a tumour is flagged
    numerical_failure and left out of the other measures; it never aborts the cohort. Before,
    the unirradiated twin of the day-7 CD8 read-out raised ConvergenceError for the whole
    cohort, and with that fixed CohortResult.write failed in the Kaplan-Meier fit on their NaN
    follow-up after patients.csv was written."""
    import pandas as pd

    res = simulate_cohort("50Gy/25fx", setting="mouse", n_patients=50, days=400, rng=1,
                          params={"r_sigma": 10.0}, record=2)  # fmt: skip
    flagged = res.patients["numerical_failure"].to_numpy(dtype=bool)
    assert 0 < flagged.sum() < len(flagged)
    assert res.patients.loc[flagged, "cd8_fold_change_day7"].isna().all()
    assert np.isfinite(res.patients.loc[~flagged, "cd8_fold_change_day7"]).all()
    names = {p.name for p in res.write(tmp_path, figures=False)}
    assert {"patients.csv", "local_control.csv", "summary.json"} <= names
    lc = pd.read_csv(tmp_path / "local_control.csv")
    assert lc.loc[lc["group"] == "all", "at_risk"].iloc[0] == (~flagged).sum()


def test_the_time_course_figure_leaves_out_flagged_tumours(tmp_path):
    """Found by tools/fuzz_model.py (ifnexus simulate --params with r_sigma 6, n0_sigma 10):
    a flagged tumour's burden reached 1e253 and matplotlib's log axis raised OverflowError
    while timecourses.png was saved, after the tables were written (exit 1)."""
    import pandas as pd

    res = simulate_cohort("60Gy/30fx", setting="mouse", n_patients=8, days=120, rng=405212673,
                          record=8, interventions=["ifn-beta:start=3,end=3.001,dose=10"],
                          params={"r_sigma": 6.0, "n0_sigma": 10.0})  # fmt: skip
    assert res.patients["numerical_failure"].any()
    names = {p.name for p in res.write(tmp_path)}
    assert {"timecourses.csv", "timecourses.png", "local_control.png"} <= names
    tc = pd.read_csv(tmp_path / "timecourses.csv")
    assert tc["patient"].nunique() == 8  # the table keeps every recorded tumour
