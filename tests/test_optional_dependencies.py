"""Optional dependencies: each optional path names the ifnexus extra that installs what it needs.

The missing package is simulated with ``sys.modules[name] = None``, which makes ``import name``
raise ``ImportError`` as it does when the package is not installed.
"""

from __future__ import annotations

import inspect
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import ifnexus
from ifnexus._optional import import_optional, require_parquet
from ifnexus.errors import IfnexusError, MissingDependencyError


def _hide(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    for name in names:
        monkeypatch.setitem(sys.modules, name, None)


def test_missing_dependency_error_is_an_import_error_and_an_ifnexus_error():
    assert issubclass(MissingDependencyError, ImportError)
    assert issubclass(MissingDependencyError, IfnexusError)


def test_import_optional_names_module_purpose_and_extra(monkeypatch):
    _hide(monkeypatch, "distributed")
    with pytest.raises(MissingDependencyError) as info:
        import_optional("distributed", extra="dask", purpose="running on a cluster")
    msg = str(info.value)
    assert "'distributed'" in msg
    assert "running on a cluster" in msg
    assert "pip install 'ifnexus[dask]'" in msg
    assert info.value.name == "distributed"


def test_import_optional_returns_the_module_when_present():
    assert import_optional("json", extra="none", purpose="x") is sys.modules["json"]


def test_require_parquet_accepts_fastparquet_alone(monkeypatch):
    _hide(monkeypatch, "pyarrow")
    monkeypatch.setitem(sys.modules, "fastparquet", type(sys)("fastparquet"))
    require_parquet("x.parquet")  # pandas can use fastparquet: no error


def test_parquet_input_without_pyarrow_names_the_parquet_extra(monkeypatch, tmp_path):
    from ifnexus.tumour import read_expression

    path = tmp_path / "expr.parquet"
    pd.DataFrame({"s1": [1.0, 2.0], "s2": [3.0, 4.0]}, index=["STAT1", "IRF1"]).to_parquet(path)
    _hide(monkeypatch, "pyarrow", "fastparquet")
    with pytest.raises(MissingDependencyError, match=r"pip install 'ifnexus\[parquet\]'") as info:
        read_expression(path)
    assert "expr.parquet" in str(info.value)


def _scheduler_kwargs(func, address: str) -> dict:
    """``options=RunOptions(scheduler=...)`` where the function takes it, else ``scheduler=``."""
    if "options" in inspect.signature(func).parameters:
        return {"options": ifnexus.RunOptions(scheduler=address)}
    return {"scheduler": address}


# An address nothing listens on: the error must come before any connection is tried.
_ADDRESS = "tcp://127.0.0.1:9"


def test_scoring_on_a_cluster_without_distributed_names_the_dask_extra(monkeypatch):
    from ifnexus.scoring import score_sets

    rng = np.random.default_rng(0)
    genes = [f"G{i}" for i in range(60)]
    x = rng.poisson(2.0, size=(30, 60)).astype(float)
    _hide(monkeypatch, "distributed")
    with pytest.raises(MissingDependencyError, match=r"pip install 'ifnexus\[dask\]'"):
        score_sets(
            x,
            {"set": genes[:10]},
            var_names=genes,
            ctrl_size=5,
            n_bins=5,
            **_scheduler_kwargs(score_sets, _ADDRESS),
        )


def test_scoring_a_dask_scheduler_without_dask_names_the_dask_extra(monkeypatch):
    from ifnexus.scoring import score_sets

    genes = [f"G{i}" for i in range(60)]
    x = np.ones((30, 60))
    _hide(monkeypatch, "dask", "distributed")
    with pytest.raises(MissingDependencyError, match=r"'dask'.*pip install 'ifnexus\[dask\]'"):
        score_sets(
            x,
            {"set": genes[:10]},
            var_names=genes,
            ctrl_size=5,
            n_bins=5,
            **_scheduler_kwargs(score_sets, _ADDRESS),
        )


def test_simulating_on_a_cluster_without_distributed_names_the_dask_extra(monkeypatch):
    from ifnexus.model import simulate_cohort

    _hide(monkeypatch, "distributed")
    with pytest.raises(MissingDependencyError, match=r"pip install 'ifnexus\[dask\]'"):
        simulate_cohort(
            "50Gy/25fx", n_patients=4, rng=0, **_scheduler_kwargs(simulate_cohort, _ADDRESS)
        )


def test_cli_names_the_parquet_extra_and_exits_2(monkeypatch, tmp_path, capsys):
    from ifnexus.cli import main

    path = tmp_path / "expr.parquet"
    pd.DataFrame({"s1": [1.0, 2.0], "s2": [3.0, 4.0]}, index=["STAT1", "IRF1"]).to_parquet(path)
    _hide(monkeypatch, "pyarrow", "fastparquet")
    code = main(["tumour", "profile", "--expression", str(path), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "pip install 'ifnexus[parquet]'" in err
    assert "Traceback" not in err


def test_every_module_imports_without_the_optional_packages():
    # What `pip install ifnexus` (no extras) gives: scanpy, dask, distributed and pyarrow absent.
    code = (
        "import sys, pkgutil, importlib\n"
        "for name in ('scanpy', 'dask', 'distributed', 'pyarrow', 'fastparquet'):\n"
        "    sys.modules[name] = None\n"
        "import ifnexus\n"
        "skip = {'ifnexus.__main__', 'ifnexus.tumor'}\n"
        "mods = [m.name for m in pkgutil.walk_packages(ifnexus.__path__, 'ifnexus.')]\n"
        "for name in mods:\n"
        "    if name not in skip:\n"
        "        importlib.import_module(name)\n"
        "print(len(mods))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert int(out.stdout.strip()) > 50
