"""Benchmark: ifnexus many-sets-in-one-pass scoring vs scanpy.tl.score_genes looped over sets.

Builds a seeded log-normalised CSR matrix (cells x genes, ``--nnz`` non-zeros per cell: one
gene drawn from each of ``--nnz`` equal gene strata, values log1p(Exp(1) * gene scale), float32),
and scores ``--sets`` random 50-gene sets with both tools, alternately, ``--repeats`` times,
each run in a fresh subprocess (so peak memory is that run's own). Prints wall and CPU seconds,
peak RSS during scoring and the ratio; checks the scores agree (max |diff|).

Also: ``--backed N`` writes an N-cell h5ad chunk by chunk and scores it backed (scanpy refuses
backed data); ``--cluster`` additionally scores that file on a dask LocalCluster and checks
the result equals the in-process backed run.

    python benchmarks/score_vs_scanpy.py --cells 1000000 --repeats 3 --jobs -1 --backed 2000000
    python benchmarks/score_vs_scanpy.py --cells 100000 --repeats 3      # laptop-sized
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from scipy import sparse

SEED = 20260101


STEP = 50_000  # rows per generated block (each block has its own seeded stream)


def _scale(seed: int, n_genes: int) -> np.ndarray:
    return np.random.default_rng(seed).gamma(0.5, 4.0, size=n_genes).astype(np.float32)


def make_chunk(seed: int, block: int, n: int, n_genes: int, nnz: int, scale: np.ndarray):
    """Block ``block`` of the matrix: one gene from each of ``nnz`` equal strata per cell
    (sorted column indices) and values log1p(Exp(1) * gene scale), in float32."""
    rng = np.random.default_rng([seed, block])
    width = n_genes // nnz
    idx = rng.integers(0, width, size=(n, nnz), dtype=np.int32)
    idx += (np.arange(nnz, dtype=np.int32) * width)[None, :]
    idx = idx.ravel()
    vals = rng.standard_exponential(n * nnz, dtype=np.float32)
    vals *= scale[idx]
    np.log1p(vals, out=vals)
    return idx, vals


def _blocks(n_cells: int) -> list[tuple[int, int, int]]:
    return [(k, a, min(a + STEP, n_cells)) for k, a in enumerate(range(0, n_cells, STEP))]


def make_matrix(n_cells: int, n_genes: int, nnz: int, seed: int = SEED) -> sparse.csr_matrix:
    """The seeded CSR matrix, generated block by block on all cores straight into its arrays."""
    from concurrent.futures import ThreadPoolExecutor

    scale = _scale(seed, n_genes)
    data = np.empty(n_cells * nnz, dtype=np.float32)
    indices = np.empty(n_cells * nnz, dtype=np.int32)

    def fill(blk: tuple[int, int, int]) -> None:
        k, a, b = blk
        i, v = make_chunk(seed, k, b - a, n_genes, nnz, scale)
        indices[a * nnz : b * nnz] = i
        data[a * nnz : b * nnz] = v

    with ThreadPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(fill, _blocks(n_cells)))
    indptr = np.arange(0, (n_cells + 1) * nnz, nnz, dtype=np.int64)
    if indptr[-1] < 2**31:
        indptr = indptr.astype(np.int32)
    m = sparse.csr_matrix((n_cells, n_genes), dtype=np.float32)  # no copy, no re-check
    m.data, m.indices, m.indptr = data, indices, indptr
    return m


def write_backed(path: Path, n_cells: int, n_genes: int, nnz: int, seed: int = SEED + 1) -> None:
    """Write an h5ad in anndata's CSR layout chunk by chunk (never the whole matrix in memory)."""
    import h5py
    import pandas as pd
    from anndata.io import write_elem

    scale = _scale(seed, n_genes)
    with h5py.File(path, "w") as f:
        f.attrs["encoding-type"] = "anndata"
        f.attrs["encoding-version"] = "0.1.0"
        write_elem(f, "obs", pd.DataFrame(index=[f"c{i}" for i in range(n_cells)]))
        write_elem(f, "var", pd.DataFrame(index=[f"G{i}" for i in range(n_genes)]))
        g = f.create_group("X")
        g.attrs["encoding-type"] = "csr_matrix"
        g.attrs["encoding-version"] = "0.1.0"
        g.attrs["shape"] = (n_cells, n_genes)
        total = n_cells * nnz
        d = g.create_dataset("data", shape=(total,), dtype=np.float32, chunks=(1 << 20,))
        ix = g.create_dataset("indices", shape=(total,), dtype=np.int32, chunks=(1 << 20,))
        g.create_dataset("indptr", data=np.arange(0, (n_cells + 1) * nnz, nnz, dtype=np.int64))
        for k, a, b in _blocks(n_cells):
            i, v = make_chunk(seed, k, b - a, n_genes, nnz, scale)
            ix[a * nnz : b * nnz] = i
            d[a * nnz : b * nnz] = v


def gene_sets(n_genes: int, n_sets: int, size: int = 50) -> dict[str, list[str]]:
    rng = np.random.default_rng(SEED + 7)
    return {
        f"set{k}": [f"G{i}" for i in rng.choice(n_genes, size, replace=False)]
        for k in range(n_sets)
    }


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRSS:
    """Sample this process's RSS every 20 ms; ``peak`` is the highest seen."""

    def __enter__(self):
        self.peak = _rss()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, _rss())


def run_one(args: argparse.Namespace) -> dict:
    """One timed run in this process (called in a subprocess by main)."""
    import anndata as ad
    import pandas as pd

    sets = gene_sets(args.genes, args.sets)
    if args.tool == "ifnexus-backed" or args.tool == "ifnexus-cluster":
        adata = ad.read_h5ad(args.path, backed="r")
        matrix_bytes = 0
    else:
        x = make_matrix(args.cells, args.genes, args.nnz)
        matrix_bytes = x.data.nbytes + x.indices.nbytes + x.indptr.nbytes
        adata = ad.AnnData(x, var=pd.DataFrame(index=[f"G{i}" for i in range(args.genes)]))
    import scanpy as sc  # imports outside the timed block

    from ifnexus import RunOptions
    from ifnexus.scoring import score_sets

    if args.tool != "scanpy":  # load the compiled kernels (numba cache) outside the timing
        score_sets(
            sparse.random(50, 200, density=0.3, format="csr", dtype=np.float32, random_state=0),
            {"w": [f"G{i}" for i in range(10)]},
            var_names=[f"G{i}" for i in range(200)],
            n_bins=5,
        )
    base = _rss()
    cluster = None
    if args.tool == "ifnexus-cluster":
        from distributed import LocalCluster

        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None)
    w0, c0 = time.perf_counter(), time.process_time()
    with PeakRSS() as mem:
        if args.tool == "scanpy":
            out = {}
            for name, genes in sets.items():
                sc.tl.score_genes(adata, genes, score_name=name, random_state=0)
                out[name] = adata.obs[name].to_numpy()
            scores = pd.DataFrame(out)
        else:
            opts = RunOptions(
                chunk_size=args.chunk_size,
                n_jobs=args.jobs,
                scheduler=cluster.scheduler_address if cluster is not None else None,
            )
            scores = score_sets(adata, sets, rng=0, options=opts).reset_index(drop=True)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    if cluster is not None:
        cluster.close()
    if args.save:
        np.save(args.save, scores.to_numpy())
    return {
        "tool": args.tool,
        "load_avg_1min": os.getloadavg()[0],  # other jobs on the machine (cores busy)
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_gb": mem.peak / 1e9,
        "rss_before_gb": base / 1e9,
        "matrix_gb": matrix_bytes / 1e9,
    }


def _child(tool: str, args: argparse.Namespace, save: str, path: str = "") -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--tool",
        tool,
        "--cells",
        str(args.cells),
        "--genes",
        str(args.genes),
        "--nnz",
        str(args.nnz),
        "--sets",
        str(args.sets),
        "--jobs",
        str(args.jobs),
        "--chunk-size",
        str(args.chunk_size),
        "--save",
        save,
        "--path",
        path,
        "--workers",
        str(args.workers),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"{tool} run failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--cells", type=int, default=1_000_000)
    p.add_argument("--genes", type=int, default=20_000)
    p.add_argument("--nnz", type=int, default=800)
    p.add_argument("--sets", type=int, default=10)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--chunk-size", type=int, default=50_000)
    p.add_argument("--skip-scanpy", action="store_true")
    p.add_argument("--scanpy-repeats", type=int, default=None)
    p.add_argument("--backed", type=int, default=0, help="cells of the backed h5ad run (0: skip)")
    p.add_argument(
        "--cluster", action="store_true", help="also score the backed file on a LocalCluster"
    )
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--tmp", default=None)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--tool", default="ifnexus", help=argparse.SUPPRESS)
    p.add_argument("--save", default="", help=argparse.SUPPRESS)
    p.add_argument("--path", default="", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(run_one(args)))
        return

    from importlib.metadata import version

    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}, scanpy {version('scanpy')}, "
        f"ifnexus {version('ifnexus')}"
    )
    print(
        f"# {args.cells} cells x {args.genes} genes, {args.nnz} nnz/cell, {args.sets} sets of 50, "
        f"jobs={args.jobs}, chunk={args.chunk_size}"
    )
    tmp = Path(tempfile.mkdtemp(dir=args.tmp))
    results: dict[str, list[dict]] = {"ifnexus": [], "scanpy": []}
    n_sc = args.repeats if args.scanpy_repeats is None else args.scanpy_repeats
    for r in range(args.repeats):
        results["ifnexus"].append(_child("ifnexus", args, str(tmp / "ifx.npy")))
        print(json.dumps(results["ifnexus"][-1]), flush=True)
        if not args.skip_scanpy and r < n_sc:
            results["scanpy"].append(_child("scanpy", args, str(tmp / "sc.npy")))
            print(json.dumps(results["scanpy"][-1]), flush=True)
    summary = {}
    for tool, runs in results.items():
        if runs:
            summary[tool] = {
                k: float(np.median([x[k] for x in runs]))
                for k in ("wall_s", "cpu_s", "peak_rss_gb")
            }
            summary[tool]["matrix_gb"] = runs[0]["matrix_gb"]
            summary[tool]["peak_over_matrix"] = summary[tool]["peak_rss_gb"] / runs[0]["matrix_gb"]
    if results["scanpy"]:
        diff = float(np.abs(np.load(tmp / "ifx.npy") - np.load(tmp / "sc.npy")).max())
        summary["max_abs_diff"] = diff
        summary["wall_ratio_scanpy_over_ifnexus"] = (
            summary["scanpy"]["wall_s"] / summary["ifnexus"]["wall_s"]
        )
        summary["cpu_ratio_scanpy_over_ifnexus"] = (
            summary["scanpy"]["cpu_s"] / summary["ifnexus"]["cpu_s"]
        )
    if args.backed:
        path = tmp / "backed.h5ad"
        t0 = time.perf_counter()
        write_backed(path, args.backed, args.genes, args.nnz)
        print(
            f"# wrote {args.backed}-cell backed h5ad ({path.stat().st_size / 1e9:.1f} GB) in "
            f"{time.perf_counter() - t0:.0f} s",
            flush=True,
        )
        b = _child("ifnexus-backed", args, str(tmp / "backed.npy"), str(path))
        b["cells"] = args.backed
        summary["backed"] = b
        print(json.dumps(b), flush=True)
        if args.cluster:
            c = _child("ifnexus-cluster", args, str(tmp / "cluster.npy"), str(path))
            c["identical_to_backed"] = bool(
                np.array_equal(np.load(tmp / "cluster.npy"), np.load(tmp / "backed.npy"))
            )
            summary["cluster"] = c
            print(json.dumps(c), flush=True)
        path.unlink()
    shutil.rmtree(tmp, ignore_errors=True)
    print("SUMMARY " + json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
