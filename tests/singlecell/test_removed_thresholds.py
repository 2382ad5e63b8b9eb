"""The fixed IFN-state thresholds removed in 0.2 fail clearly for one release (CLI and API)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ifnexus.cli import main
from ifnexus.errors import ValidationError
from ifnexus.singlecell import call_ifn_state, cell_table, profile


@pytest.mark.parametrize("flag", ["--acute-threshold", "--chronic-threshold"])
def test_cli_flags_refused_before_any_work(flag, tmp_path, capsys):
    out = tmp_path / "out"
    missing = tmp_path / "missing.h5ad"  # never read: the flag is refused first
    assert main(["sc", "profile", str(missing), flag, "0.5", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{flag} was removed in 0.2" in err
    assert "--control" in err and "--min-probability" in err and "0.3" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_cli_flags_hidden_from_help(capsys):
    assert main(["sc", "profile", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--min-probability" in out and "threshold" not in out


@pytest.mark.parametrize("kw", ["acute_threshold", "chronic_threshold"])
def test_library_keywords_refused(kw):
    scores = pd.DataFrame({"ifn_isgf3_acute": np.zeros(40), "ifn_u_isgf3": np.zeros(40)})
    with pytest.raises(
        ValidationError, match=rf"{kw}= was removed in 0.2.*control=.*min_probability="
    ):
        call_ifn_state(scores, **{kw: 0.5})
    with pytest.raises(ValidationError, match=rf"{kw}= was removed in 0.2"):
        cell_table(pd.DataFrame(), scores, samples=["s"] * 40, **{kw: 0.5})
    with pytest.raises(ValidationError, match=rf"{kw}= was removed in 0.2"):
        profile(object(), **{kw: 0.25})  # refused before the input is looked at
