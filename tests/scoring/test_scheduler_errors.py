"""Dask ``--scheduler``: an unreachable address or a cluster without workers is a clear error.

Both used to fail badly: an unreachable address raised a raw ``OSError`` (simulate) and a
scheduler without workers made simulate and score wait for ever. The wait is bounded by
``IFNEXUS_DASK_TIMEOUT`` (seconds), set short here to keep the tests fast.
"""

from __future__ import annotations

import socket
import time

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from ifnexus import RunOptions
from ifnexus._optional import DASK_TIMEOUT_ENV, dask_client, dask_timeout
from ifnexus.cli import main
from ifnexus.errors import IfnexusError, ValidationError
from ifnexus.genesets import get_set
from ifnexus.scoring import score_sets

distributed = pytest.importorskip("distributed")


@pytest.fixture
def short_timeout(monkeypatch):
    monkeypatch.setenv(DASK_TIMEOUT_ENV, "1.5")


@pytest.fixture
def closed_port_address():
    """A ``tcp://127.0.0.1:<port>`` nobody listens on (bound, read, released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def no_worker_cluster():
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def matrix():
    rng = np.random.default_rng(5)
    genes = list(get_set("IFNA").genes) + [f"FILL{i}" for i in range(200)]
    x = sparse.csr_matrix(np.log1p(rng.poisson(1.0, size=(30, len(genes))).astype(np.float64)))
    return x, genes


@pytest.fixture
def h5ad(tmp_path, matrix):
    x, genes = matrix
    path = tmp_path / "in.h5ad"
    ad.AnnData(
        x,
        obs=pd.DataFrame(index=[f"c{i}" for i in range(x.shape[0])]),
        var=pd.DataFrame(index=genes),
    ).write_h5ad(path)
    return path


def test_timeout_default_and_env(monkeypatch):
    monkeypatch.delenv(DASK_TIMEOUT_ENV, raising=False)
    assert dask_timeout() == 30.0
    monkeypatch.setenv(DASK_TIMEOUT_ENV, "2.5")
    assert dask_timeout() == 2.5


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "inf", "nan"])
def test_timeout_env_must_be_positive(monkeypatch, bad):
    monkeypatch.setenv(DASK_TIMEOUT_ENV, bad)
    with pytest.raises(ValidationError, match=DASK_TIMEOUT_ENV):
        dask_timeout()


def test_unreachable_address_is_a_clear_error(short_timeout, closed_port_address):
    t0 = time.monotonic()
    with pytest.raises(ValidationError, match=r"scheduler .*cannot reach") as info:
        with dask_client(closed_port_address, purpose="scoring"):
            pass  # pragma: no cover - never reached
    assert closed_port_address in str(info.value)
    assert time.monotonic() - t0 < 20


def test_no_workers_times_out(short_timeout, no_worker_cluster):
    t0 = time.monotonic()
    with pytest.raises(IfnexusError, match="no Dask worker joined within 1.5 s") as info:
        with dask_client(no_worker_cluster.scheduler_address, purpose="scoring"):
            pass  # pragma: no cover - never reached
    assert no_worker_cluster.scheduler_address in str(info.value)
    assert DASK_TIMEOUT_ENV in str(info.value)
    assert time.monotonic() - t0 < 20


def test_not_a_scheduler():
    with pytest.raises(ValidationError, match="scheduler must be a Dask scheduler address"):
        with dask_client(3.5, purpose="scoring"):
            pass  # pragma: no cover - never reached


def test_score_sets_no_workers(short_timeout, no_worker_cluster, matrix):
    x, genes = matrix
    opts = RunOptions(scheduler=no_worker_cluster.scheduler_address)
    with pytest.raises(IfnexusError, match="no Dask worker joined"):
        score_sets(x, "IFNA", var_names=genes, options=opts)


def test_score_sets_with_a_client_without_workers(short_timeout, no_worker_cluster, matrix):
    x, genes = matrix
    with distributed.Client(no_worker_cluster, set_as_default=False) as client:
        with pytest.raises(IfnexusError, match="no Dask worker joined"):
            score_sets(x, "IFNA", var_names=genes, options=RunOptions(scheduler=client))


def _cli(args, capsys):
    rc = main(args)
    return rc, capsys.readouterr().err


def test_score_cli_unreachable(short_timeout, closed_port_address, h5ad, tmp_path, capsys):
    out = tmp_path / "o"
    rc, err = _cli(
        [
            "score",
            str(h5ad),
            "--sets",
            "IFNA",
            "--scheduler",
            closed_port_address,
            "--out",
            str(out),
        ],  # fmt: skip
        capsys,
    )
    assert rc == 2
    assert err.startswith("error: --scheduler ") and closed_port_address in err
    assert "Traceback" not in err
    assert not (out / "scores.csv").exists()


def test_score_cli_no_workers(short_timeout, no_worker_cluster, h5ad, tmp_path, capsys):
    addr = no_worker_cluster.scheduler_address
    rc, err = _cli(
        ["score", str(h5ad), "--sets", "IFNA", "--scheduler", addr, "--out", str(tmp_path / "o")],
        capsys,
    )
    assert rc == 2
    assert "no Dask worker joined" in err and addr in err


def test_sc_profile_cli_unreachable(short_timeout, closed_port_address, tmp_path, capsys):
    import importlib.util
    from pathlib import Path

    here = Path(__file__).parents[1] / "singlecell" / "test_profile.py"
    spec = importlib.util.spec_from_file_location("sc_profile_data", here)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    path = tmp_path / "sc.h5ad"
    mod.make_data(seed=1, n_per_sample=5).write_h5ad(path)
    rc, err = _cli(
        [
            "sc",
            "profile",
            str(path),
            "--scheduler",
            closed_port_address,
            "--no-figures",
            "--out",
            str(tmp_path / "o"),
        ],  # fmt: skip
        capsys,
    )
    assert rc == 2
    assert err.startswith("error: --scheduler ") and closed_port_address in err


def test_simulate_cli_unreachable(short_timeout, closed_port_address, tmp_path, capsys):
    rc, err = _cli(
        [
            "simulate",
            "--schedule",
            "8Gy x3",
            "--patients",
            "20",
            "--scheduler",
            closed_port_address,
            "--out",
            str(tmp_path / "o"),
        ],  # fmt: skip
        capsys,
    )
    assert rc == 2, err
    assert err.startswith("error: --scheduler ") and closed_port_address in err
    assert "Traceback" not in err


def test_simulate_cli_no_workers(short_timeout, no_worker_cluster, tmp_path, capsys):
    addr = no_worker_cluster.scheduler_address
    rc, err = _cli(
        [
            "simulate",
            "--schedule",
            "8Gy x3",
            "--patients",
            "20",
            "--scheduler",
            addr,
            "--out",
            str(tmp_path / "o"),
        ],
        capsys,
    )
    assert rc == 2, err
    assert "no Dask worker joined" in err and addr in err
