"""Fine-Gray regression: ifnexus ``FineGrayFitter`` against R ``cmprsk::crr`` on seeded cohorts.

For each cohort size (default 1,000, 5,000 and 50,000 patients, 4 covariates, three event
types, tied times) the script fits both tools on the same data, alternating, and reports the
median CPU and wall time of the fit itself (R: ``system.time(crr(...))`` inside one Rscript;
start-up and CSV reading excluded on both sides), their ratio, and the largest absolute
difference in coefficients and robust SEs. When R or cmprsk is missing (``Rscript`` not on
PATH, or ``library(cmprsk)`` fails; Debian: ``apt-get install r-cran-cmprsk``) it times only
ifnexus and says why. R is skipped above ``--r-max`` patients because crr grows faster than
quadratically (hours at 50,000).

crr stops Newton-Raphson at ``gtol=1e-6`` (its default); its coefficients then differ from the
converged optimum by about 1e-5. ``--r-gtol 1e-12`` makes crr converge fully, and the
difference falls to about 1e-8.

Usage::

    python benchmarks/finegray_vs_r.py [--sizes 1000,5000,50000] [--repeats 3] [--r-max 5000]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus.outcome import FineGrayFitter

COVS = ["x1", "x2", "x3", "x4"]

R_SCRIPT = r"""
suppressMessages(library(cmprsk))
a <- commandArgs(TRUE)
d <- read.csv(a[1])
X <- as.matrix(d[, c("x1", "x2", "x3", "x4")])
gt <- as.numeric(a[3])
tm <- system.time(f <- crr(d$time, d$status, X, failcode = 1, cencode = 0, gtol = gt,
                           maxiter = if (gt < 1e-6) 50 else 10))
write.csv(data.frame(coef = f$coef, se = sqrt(diag(f$var)),
                     cpu = tm[["user.self"]] + tm[["sys.self"]], wall = tm[["elapsed"]],
                     converged = f$converged), a[2], row.names = FALSE)
"""


def cohort(n: int, seed: int) -> pd.DataFrame:
    """Seeded competing-risks cohort: cause 1 depends on x1..x3, times rounded (ties)."""
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [rng.normal(size=n), rng.integers(0, 2, n), rng.normal(size=n), rng.uniform(size=n)]
    )
    lp = X @ np.array([0.5, -0.4, 0.25, 0.0])
    t1 = rng.exponential(5 * np.exp(-lp))
    t2 = rng.exponential(12, n)
    c = rng.uniform(1, 15, n)
    t = np.minimum.reduce([t1, t2, c])
    d = pd.DataFrame(X, columns=COVS)
    d["time"] = np.round(t, 2)
    d["status"] = np.select([t == t1, t == t2], [1, 2], 0)
    return d


def r_available() -> tuple[bool, str]:
    exe = shutil.which("Rscript")
    if exe is None:
        return False, "Rscript is not on PATH (install R and r-cran-cmprsk)"
    p = subprocess.run([exe, "-e", "suppressMessages(library(cmprsk)); cat(as.character(packageVersion('cmprsk')))"],
                       capture_output=True, text=True, check=False)  # fmt: skip
    if p.returncode != 0:
        return (
            False,
            f"R cmprsk is not installed ({p.stderr.strip().splitlines()[-1] if p.stderr else 'error'})",
        )
    v = subprocess.run(
        [exe, "-e", "cat(R.version.string)"], capture_output=True, text=True, check=False
    )
    return True, f"{v.stdout.strip()}, cmprsk {p.stdout.strip()}"


def run_ours(d: pd.DataFrame):
    c0, w0 = time.process_time(), time.perf_counter()
    f = FineGrayFitter().fit(d, "time", "status", cause=1, covariates=COVS)
    return time.process_time() - c0, time.perf_counter() - w0, f


def run_r(d: pd.DataFrame, tmp: Path, gtol: float):
    src, dst, scr = tmp / "d.csv", tmp / "r.csv", tmp / "crr.R"
    d.to_csv(src, index=False)
    scr.write_text(R_SCRIPT)
    subprocess.run(
        ["Rscript", str(scr), str(src), str(dst), repr(gtol)], check=True, capture_output=True
    )
    r = pd.read_csv(dst)
    return float(r["cpu"].iloc[0]), float(r["wall"].iloc[0]), r


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,5000,50000")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--r-repeats", type=int, default=2, help="repeats for R (it is slow)")
    ap.add_argument("--r-max", type=int, default=5000, help="largest cohort given to R")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--r-gtol",
        type=float,
        default=1e-6,
        help="crr gtol (its default 1e-6 stops Newton early: coefficients differ by ~1e-5)",
    )
    a = ap.parse_args(argv)
    have_r, why = r_available()
    print(
        f"# machine: {platform.platform()}, {platform.processor() or platform.machine()}, python {sys.version.split()[0]}"
    )
    print(f"# numpy {np.__version__}, pandas {pd.__version__}; R: {why}")
    print("n\ttool\tcpu_median_s\twall_median_s\trepeats\twall_ratio_R/ours\tmax|dcoef|\tmax|dse|")
    for n in (int(x) for x in a.sizes.split(",")):
        d = cohort(n, a.seed + n)
        ours, rres = [], []
        use_r = have_r and n <= a.r_max
        with tempfile.TemporaryDirectory() as tmpd:
            for i in range(max(a.repeats, a.r_repeats if use_r else 0)):
                if i < a.repeats:
                    ours.append(run_ours(d))
                if use_r and i < a.r_repeats:
                    rres.append(run_r(d, Path(tmpd), a.r_gtol))
        oc = statistics.median(x[0] for x in ours)
        ow = statistics.median(x[1] for x in ours)
        print(f"{n}\tifnexus\t{oc:.4f}\t{ow:.4f}\t{len(ours)}\t\t\t")
        if rres:
            rc = statistics.median(x[0] for x in rres)
            rw = statistics.median(x[1] for x in rres)
            f = ours[-1][2]
            rt = rres[-1][2]
            dc = float(np.max(np.abs(f.coef_[COVS].to_numpy() - rt["coef"].to_numpy())))
            ds = float(np.max(np.abs(f.se_[COVS].to_numpy() - rt["se"].to_numpy())))
            print(f"{n}\tR crr\t{rc:.4f}\t{rw:.4f}\t{len(rres)}\t{rw / ow:.1f}\t{dc:.2e}\t{ds:.2e}")
        else:
            reason = (
                why if not have_r else f"skipped R above --r-max {a.r_max} (crr is super-quadratic)"
            )
            print(f"{n}\tR crr\t-\t-\t0\t-\t-\t-\t# {reason}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
