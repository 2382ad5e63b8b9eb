"""Bad sizes for ``generate_study`` and ``ifnexus demo``: refused up front, nothing written.

Sizes below what the report can estimate (too few patients or cells: the report printed
"n/a-fold") and above what fits in memory are an error naming the size and the limit, before
any folder is created.
"""

from __future__ import annotations

import re

import pytest

from ifnexus.cli import main
from ifnexus.errors import ValidationError
from ifnexus.study import generate_study
from ifnexus.study._generate import MAX_SIZES, MIN_CELLS_PER_SAMPLE, MIN_PATIENTS

BAD = [
    ({"n_patients": MIN_PATIENTS - 1}, "n_patients must be at least 20"),
    ({"n_patients": MAX_SIZES["n_patients"] + 1}, "n_patients 20001 is over the limit of 20000"),
    ({"n_patients": 10**9}, "over the limit of 20000 .*30 kB per patient"),
    ({"cells_per_sample": MIN_CELLS_PER_SAMPLE - 1}, "cells_per_sample must be at least 100"),
    ({"cells_per_sample": 2}, "cells_per_sample must be at least 100"),
    ({"cells_per_sample": 20_001}, "cells_per_sample 20001 is over the limit of 20000"),
    ({"trial_patients": 100_001}, "trial_patients 100001 is over the limit"),
    ({"ablation_patients": 10**7}, "ablation_patients 10000000 is over the limit"),
    ({"trial_patients": 0}, "trial_patients must be a positive integer"),
    ({"ablation_patients": 1.5}, "ablation_patients must be a positive integer"),
]


@pytest.mark.parametrize(("kw", "pattern"), BAD, ids=range(len(BAD)))
def test_generate_study_refuses(kw, pattern, tmp_path):
    with pytest.raises(ValidationError, match=pattern):
        generate_study(tmp_path / "s", **kw)
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["--patients", "5"], "--patients must be at least 20"),
        (["--patients", "1000000000"], "--patients 1000000000 is over the limit of 20000"),
        (["--cells-per-sample", "2"], "--cells-per-sample must be at least 100"),
        (["--cells-per-sample", "10000000"], "over the limit of 20000"),
    ],
)
def test_demo_refuses_sizes(args, pattern, tmp_path, capsys):
    out = tmp_path / "demo"
    rc = main(["demo", "--out", str(out), "--quiet", *args])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.startswith("error: ") and re.search(pattern, err), err
    assert not out.exists()
