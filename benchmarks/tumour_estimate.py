"""Benchmark: ESTIMATE scores, ifnexus.tumour vs the R package estimate 1.0.13, side by side.

Both sides run end to end in their own process on the same input file (read the matrix, keep the
10,412 common genes, ssGSEA on the two signatures, purity, write the scores), alternating order,
several repeats; we report median wall and CPU time (the child process's user + system) and the
ratio, and check that the two outputs agree.

The peer: the R package ``estimate`` is not on CRAN (R-Forge only), so the script sources its
``R/estimateScore.R`` (functions ``filterCommonGenes``, ``estimateScore``, ``outputGCT``; give the
path with ``--estimate-r``, e.g. from the estimate_1.0.13 source tarball) and builds the package
data ``SI_geneset`` and ``common_genes`` from ../shared/reference/estimate. Needs ``Rscript``
(Debian: ``apt-get install r-base-core``). Without ``--estimate-r`` only ifnexus is timed.

Inputs: the package's ovarian sample input (17,256 genes x 10 tumours) and larger cohorts made by
resampling its tumours with Gaussian noise (sd 0.25 on the log2 scale, fixed seed).

    python benchmarks/tumour_estimate.py --estimate-r /path/to/estimate/R/estimateScore.R \
        --sizes 10,200,1000 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("IFNEXUS_SHARED", ROOT.parent / "shared")) / "reference" / "estimate"

R_DRIVER = r"""
args <- commandArgs(trailingOnly=TRUE)
source(args[1])
cg <- read.delim(args[2], stringsAsFactors=FALSE)
common_genes <- cg
lines <- strsplit(readLines(args[3]), "\t")
SI_geneset <- as.data.frame(do.call(rbind, lapply(lines, function(f) f[-1])), stringsAsFactors=FALSE)
rownames(SI_geneset) <- sapply(lines, `[`, 1)
t0 <- proc.time()
filterCommonGenes(args[4], args[5], id="GeneSymbol")
estimateScore(args[5], args[6], platform="affymetrix")
cat("compute_s", (proc.time() - t0)[["elapsed"]], "\n")
"""

PY_DRIVER = r"""
import sys, time
t0 = time.perf_counter()
from ifnexus.tumour import read_expression, estimate_scores
from ifnexus._io import write_table
x = read_expression(sys.argv[1])
r = estimate_scores(x, platform="affymetrix", ifn_aware=False)
write_table(r.drop(columns="purity_calibration"), sys.argv[2], index=True)
print("compute_s", time.perf_counter() - t0)
"""


def _run(cmd: list[str]) -> tuple[float, float, float]:
    """Run a command; return (wall s, child CPU s, compute s reported by the driver)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed:\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    compute = next(
        (
            float(line.split()[1])
            for line in proc.stdout.splitlines()
            if line.startswith("compute_s")
        ),
        float("nan"),
    )
    return wall, cpu, compute


def _make_input(base: pd.DataFrame, n: int, path: Path, seed: int = 0) -> None:
    if n == base.shape[1]:
        data = base
    else:
        rng = np.random.default_rng(seed)
        cols = rng.integers(0, base.shape[1], size=n)
        data = base.iloc[:, cols] + rng.normal(0, 0.25, size=(base.shape[0], n))
        data.columns = [f"t{i}" for i in range(n)]
    # the estimate input format: tab-separated, header without a name for the gene column
    data.to_csv(path, sep="\t", index_label=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--estimate-r", type=Path, help="estimate's R/estimateScore.R (peer side)")
    ap.add_argument("--sizes", default="10,200", help="cohort sizes (comma-separated)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    base = pd.read_csv(SHARED / "sample_input.txt", sep="\t", index_col=0)
    rscript = shutil.which("Rscript")
    peer = args.estimate_r is not None and rscript is not None
    if args.estimate_r is not None and rscript is None:
        print("Rscript not found: timing ifnexus only", file=sys.stderr)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "driver.R").write_text(R_DRIVER)
        for n in [int(s) for s in args.sizes.split(",")]:
            inp = t / f"in_{n}.txt"
            _make_input(base, n, inp)
            times: dict[str, list[tuple[float, float, float]]] = {"ifnexus": [], "estimate": []}
            for rep in range(args.repeats):
                order = ["estimate", "ifnexus"] if rep % 2 == 0 else ["ifnexus", "estimate"]
                for who in order:
                    if who == "ifnexus":
                        cmd = [sys.executable, "-c", PY_DRIVER, str(inp), str(t / f"py_{n}.csv")]
                        times[who].append(_run(cmd))
                    elif peer:
                        cmd = [
                            rscript,
                            str(t / "driver.R"),
                            str(args.estimate_r),
                            str(SHARED / "common_genes.txt"),
                            str(SHARED / "SI_geneset.gmt"),
                            str(inp),
                            str(t / f"r_{n}.gct"),
                            str(t / f"r_{n}_scores.gct"),
                        ]
                        times[who].append(_run(cmd))
            row = {"n_tumours": n, "n_genes": int(base.shape[0])}
            for who, ts in times.items():
                if ts:
                    row[f"{who}_wall_s"] = statistics.median(x[0] for x in ts)
                    row[f"{who}_cpu_s"] = statistics.median(x[1] for x in ts)
                    row[f"{who}_compute_s"] = statistics.median(x[2] for x in ts)
            if peer:
                ours = pd.read_csv(t / f"py_{n}.csv", index_col=0)
                theirs = pd.read_csv(t / f"r_{n}_scores.gct", sep="\t", skiprows=2, index_col=0)
                theirs = theirs.drop(columns="Description").T.astype(float)
                theirs.index = ours.index  # R's check.names may alter sample names
                rel = ((ours - theirs[ours.columns]) / theirs[ours.columns]).abs().max().max()
                row["max_rel_diff"] = float(rel)
                row["wall_ratio_estimate_over_ifnexus"] = (
                    row["estimate_wall_s"] / row["ifnexus_wall_s"]
                )
                row["cpu_ratio_estimate_over_ifnexus"] = (
                    row["estimate_cpu_s"] / row["ifnexus_cpu_s"]
                )
            results.append(row)
            print(json.dumps(row), flush=True)
    r_version = None
    if rscript:
        r_version = subprocess.run(
            [rscript, "--version"], capture_output=True, text=True
        ).stderr.strip()
    import ifnexus

    meta = {
        "machine": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
        "n_cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "ifnexus": ifnexus.__version__,
        "R": r_version.splitlines()[0] if r_version else None,
        "repeats": args.repeats,
    }
    print(json.dumps({"meta": meta}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
