"""The study's virtual trial is ``ifnexus trial`` on the design it writes (issue 17 item 6)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ifnexus.cli import main
from ifnexus.trial import read_design


def test_study_trial_table_is_ifnexus_trial_on_its_toml(tmp_path, capsys):
    from ifnexus.study._trial import virtual_trial

    toml = tmp_path / "trial.toml"
    table = virtual_trial(n_patients=30, rng=3, regimens=("50Gy/25fx", "8Gy x3"),
                          design_path=toml)  # fmt: skip
    design = read_design(toml)
    assert design.endpoint.local_control_years == 2.0
    assert len(design.arms) == 8 and design.reference == "50Gy/25fx / RT alone"
    assert main(["trial", str(toml), "--json", "--quiet"]) == 0
    by_state = pd.DataFrame(json.loads(capsys.readouterr().out)["by_state"])
    assert by_state["local_control_net"].tolist() == pytest.approx(table["local_control"].tolist())
    assert by_state["n"].tolist() == table["n"].tolist()
    assert (by_state["arm"] == table["regimen"] + " / " + table["combination"]).all()
