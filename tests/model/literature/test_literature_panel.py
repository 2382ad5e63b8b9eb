"""The literature panel: every published result of ``panel.toml`` as one test.

Each test runs the model's public API on the entry's arms (cohorts of 300 mice or 400
patients, the same seed in every arm) and asserts the published direction, and the published
size band where one was checked. Entries the current model gets wrong are listed, with what
the model is missing, in ``known_disagreements.toml`` and run as ``xfail(strict=True)``: the
suite passes, and a model change that fixes one turns it into a failure to be recorded.
The agreement rates are written to ``docs/model_literature.md`` by
``tools/literature_panel.py``.
"""

from __future__ import annotations

import ifnexus_literature_panel as panel  # panel.py, loaded by conftest.py
import pytest

from ifnexus.errors import IfnexusError

META, ENTRIES = panel.load_panel()
KNOWN = panel.load_known()


def _param(entry):
    marks = []
    known = KNOWN.get(entry["id"])
    if known is not None:
        raises = (
            (IfnexusError, panel.NotExpressible)
            if known["kind"] == "not expressible"
            else AssertionError
        )
        marks.append(
            pytest.mark.xfail(
                strict=True, raises=raises, reason=f"{known['kind']}: {known['reason']}"
            )
        )
    return pytest.param(entry, id=entry["id"], marks=marks)


def test_panel_is_well_formed():
    """At least 25 results, at least 12 validation results, unique ids, checks name real arms,
    and every recorded disagreement names a panel entry."""
    ids = [e["id"] for e in ENTRIES]
    assert len(ids) == len(set(ids))
    assert len(ENTRIES) >= 25
    assert sum(e["set"] == "validation" for e in ENTRIES) >= 12
    assert {e["set"] for e in ENTRIES} == {"calibration", "validation"}
    for e in ENTRIES:
        for key in ("citation", "experiment", "published", "source_checked", "kind", "readout"):
            assert e.get(key), (e["id"], key)
        for c in e["checks"]:
            for arm in [c.get("a"), c.get("b"), *c.get("arms", [])]:
                assert arm is None or arm in e["arms"], (e["id"], arm)
        for name in e["arms"]:
            assert panel.cli_command(e, META, name).startswith("ifnexus simulate")
    assert set(KNOWN) <= set(ids)
    for k in KNOWN.values():
        assert k["reason"].strip()


def test_checks_against_closed_form():
    """The check arithmetic on hand-made values (no model): ratios, bands, ordering."""
    entry = {
        "id": "x",
        "readout": "r",
        "checks": [
            {"op": "greater", "a": "p", "b": "q", "margin": 0.1},
            {"op": "ratio_between", "a": "p", "b": "q", "low": 1.9, "high": 2.1},
            {"op": "decreasing", "arms": ["p", "q", "z"], "margin": 0.05},
            {"op": "close", "a": "q", "b": "z", "tol": 0.1},
        ],
    }
    res = panel.evaluate(entry, {"p": {"r": 0.6}, "q": {"r": 0.3}, "z": {"r": 0.28}})
    assert [c.ok for c in res] == [True, True, False, True]
    assert panel.pulses_schedule(45.0, 3, 1.0) == "0.0000:15,0.0417:15,0.0833:15"


@pytest.mark.parametrize("entry", [_param(e) for e in ENTRIES])
def test_published_result(entry):
    """The model reproduces the published direction (and size band, where checked)."""
    result = panel.run_entry(entry, META, catch=False)
    failed = [f"{c.text} [{c.values}]" for c in result.checks if not c.ok]
    assert not failed, f"{entry['id']} ({entry['published']}): " + "; ".join(failed)


def test_cli_command_is_the_api_call(capsys):
    """The ``ifnexus simulate`` line the report prints for an arm gives the API's numbers."""
    import json
    import shlex

    from ifnexus.cli import main

    entry = next(e for e in ENTRIES if e["id"] == "dovedi2014_concurrent_vs_sequential")
    argv = shlex.split(panel.cli_command(entry, META, "concurrent"))[1:] + ["--json", "-q"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    res = panel.run_arm({**entry, "readout": "local_control", "checks": []}, META, "concurrent")
    assert out["local_control"] == pytest.approx(res["local_control"], abs=1e-12)
