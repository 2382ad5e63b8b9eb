"""The IFN-state caller's mixture search: which starts reach the best fit, at what cost.

``singlecell._mixture.fit_mixture`` fits 1-3 component Gaussian mixtures by EM and keeps the
lowest BIC. EM stops in local optima; this compares four searches, each a switch of that one
function (the same code with parts turned off):

- ``kmeans2``: two seeded k-means starts (scikit-learn's ``n_init=2``; the caller before
  the fix);
- ``kmeans10``: ten seeded k-means starts;
- ``kmeans10+split``: and the ``k - 1`` starts that split one component of the best
  ``(k - 1)``-component fit;
- ``kmeans10+split+smem`` (the caller now): and merge-and-split moves at ``k = 3``.

Data, all with a planted truth:

1. The demo study's single cells (``ifnexus demo``, seed 0: the generator's single-cell stream
   and the model values of ``tests/study/test_singlecell_recovery.py``): the malignant cells'
   standardised scores as the caller fits them, for ten caller seeds; the BIC of each
   component count and the acute share the study recovers vs the planted one.
2. Planted 2-D mixtures (resting 85-88%, chronic 10%: only the sustained axis raised, acute
   2-5%: both raised; correlation 0.5; 3,000 cells; 30 data seeds each): how often each search
   misses the best fit that any of them found (BIC more than 1 above it) and how often it
   recovers the planted acute share within 1 point (``call_ifn_state`` on the scores).

CPU seconds per ``fit_mixture`` call are medians over the calls. Also times ``profile`` on the
demo's single cells and on pbmc68k_reduced with the old and the new search, alternating,
medians of ``--repeats``.

Run::

    .venv/bin/python benchmarks/sc_mixture_search.py

Writes ``docs/sc_ifn_state/mixture_search.csv`` and ``docs/sc_ifn_state/mixture_search.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import scanpy as sc

import ifnexus.singlecell._ifn_state as ist
import ifnexus.singlecell._mixture as mx
from ifnexus._rng import seed_entropy
from ifnexus.errors import IfnexusWarning
from ifnexus.singlecell import call_ifn_state, profile
from ifnexus.study._singlecell import singlecell_dataset

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "sc_ifn_state"
#: generate_study(seed=0)'s single-cell inputs (tests/study/test_singlecell_recovery.py).
DEMO_SC = {
    "cd8_fold_change": 4.8520836899005735,
    "acute_fraction_rt": 0.0856355805097332,
    "chronic_fraction": 0.09704519518324525,
}
SEARCHES = ("kmeans2", "kmeans10", "kmeans10+split", "kmeans10+split+smem")
A, S = "ifn_isgf3_acute", "ifn_u_isgf3"


@contextlib.contextmanager
def search(name: str) -> Iterator[None]:
    """Turn parts of fit_mixture's search off for the duration."""
    saved = (mx.N_INIT, mx._split_starts, mx.MAX_SMEM_ROUNDS)
    mx.N_INIT = 2 if name == "kmeans2" else 10
    if "split" not in name:
        mx._split_starts = lambda prev: []
    if "smem" not in name:
        mx.MAX_SMEM_ROUNDS = 0
    try:
        yield
    finally:
        mx.N_INIT, mx._split_starts, mx.MAX_SMEM_ROUNDS = saved


def bic(z: np.ndarray, comps: list[mx.Gaussian2]) -> float:
    """BIC of a fitted full-covariance mixture (scikit-learn's parameter count)."""
    dens = sum(
        c.weight
        * np.exp(-0.5 * np.einsum("ij,jk,ik->i", z - c.mean, np.linalg.inv(c.cov), z - c.mean))
        / (2 * np.pi * np.sqrt(np.linalg.det(c.cov)))
        for c in comps
    )
    k = len(comps)
    return float(-2 * np.log(dens).sum() + (6 * k - 1) * np.log(len(z)))


def demo_data() -> tuple[ad.AnnData, pd.DataFrame]:
    stream = np.random.SeedSequence(seed_entropy(0, name="seed")).spawn(10)[6]
    return singlecell_dataset(**DEMO_SC, rng=stream)


def demo_malignant_z(adata: ad.AnnData) -> np.ndarray:
    """The malignant cells' standardised scores, as the caller passes them to fit_mixture."""
    seen: list[np.ndarray] = []
    orig = ist.fit_mixture

    def record(z: np.ndarray, **kw):  # type: ignore[no-untyped-def]
        seen.append(np.array(z))
        return orig(z, **kw)

    ist.fit_mixture = record
    try:
        res = profile(adata, species="mouse", sample_key="sample", condition_key="condition",
                      rng=0, key_added=None)  # fmt: skip
    finally:
        ist.fit_mixture = orig
    scored = res.cells[[A, S]].notna().all(axis=1)
    n_mal = int((res.cells["cell_type"].astype(str).str.startswith("malignant") & scored).sum())
    (z,) = [z for z in seen if len(z) == n_mal]
    return z


def demo_rows(adata: ad.AnnData, truth: pd.DataFrame) -> list[dict]:
    z = demo_malignant_z(adata)
    rows = []
    for name in SEARCHES:
        with search(name):
            for seed in range(10):
                c = time.process_time()
                comps = mx.fit_mixture(z, seed=seed)
                cpu = time.process_time() - c
                rows.append({"data": "demo malignant cells", "search": name, "seed": seed,
                             "n": len(z), "k": len(comps), "bic": bic(z, comps),
                             "cpu_s": cpu})  # fmt: skip
    # the study's recovery (caller seed 0) with each search: samples.csv's column
    t = truth.set_index("sample")["acute_fraction_malignant"]
    for name in SEARCHES:
        with search(name):
            res = profile(adata, species="mouse", sample_key="sample", condition_key="condition",
                          rng=0, key_added=None)  # fmt: skip
        got = res.samples["frac_acute_malignant"].reindex(t.index)
        rows.append({"data": "demo study, acute share per sample", "search": name, "seed": 0,
                     "max_abs_error": float((got - t).abs().max()),
                     "recovered": "; ".join(f"{s} {got[s]:.3f} (truth {t[s]:.3f})"
                                            for s in t.index)})  # fmt: skip
    return rows


def planted(seed: int, acute: float, n: int = 3000) -> tuple[pd.DataFrame, np.ndarray]:
    r = np.random.default_rng(seed)
    n_a, n_c = round(acute * n), round(0.10 * n)
    truth = np.array(["none"] * (n - n_a - n_c) + ["chronic"] * n_c + ["acute"] * n_a)
    x = r.multivariate_normal([0.0, 0.0], 0.09 * np.array([[1, 0.5], [0.5, 1]]), n)
    x[truth == "chronic"] += (0.0, 1.0)
    x[truth == "acute"] += (1.3, 1.4)
    return pd.DataFrame(x, columns=[A, S]), truth


def planted_rows(n_data: int) -> list[dict]:
    rows = []
    for acute in (0.02, 0.03, 0.05):
        for ds in range(n_data):
            scores, truth = planted(ds, acute)
            loc, scale = mx.robust_scale(scores.to_numpy())
            z = (scores.to_numpy() - loc) / scale
            got = {}
            for name in SEARCHES:
                with search(name):
                    c = time.process_time()
                    comps = mx.fit_mixture(z, seed=0)
                    cpu = time.process_time() - c
                    states = call_ifn_state(scores, rng=0).cells["ifn_state"].astype(str)
                got[name] = {"data": f"planted, {acute:.0%} acute", "search": name, "seed": ds,
                             "n": len(z), "k": len(comps), "bic": bic(z, comps), "cpu_s": cpu,
                             "acute_share": float((states == "acute").mean()),
                             "planted_share": acute}  # fmt: skip
            best = min(r["bic"] for r in got.values())
            for r in got.values():
                r["missed_best"] = bool(r["bic"] > best + 1.0)
                r["share_within_1pt"] = bool(abs(r["acute_share"] - acute) <= 0.01)
                rows.append(r)
    return rows


def timing_rows(adata: ad.AnnData, repeats: int) -> list[dict]:
    """CPU and wall of profile(), the old search and the new one alternating."""
    sets = {"demo sc (12,000 cells)": (adata, dict(species="mouse", sample_key="sample",
                                                     condition_key="condition", rng=0)),
            "pbmc68k_reduced (700 cells)": (sc.datasets.pbmc68k_reduced(), {})}  # fmt: skip
    rows = []
    for label, (a, kw) in sets.items():
        t: dict[str, list[tuple[float, float]]] = {"kmeans2": [], "kmeans10+split+smem": []}
        for _ in range(repeats):
            for name in t:
                with search(name):
                    w, c = time.perf_counter(), time.process_time()
                    profile(a, key_added=None, **kw)
                    t[name].append((time.process_time() - c, time.perf_counter() - w))
        for name, v in t.items():
            cpu, wall = np.median(np.array(v), axis=0)
            rows.append({"data": f"profile(), {label}", "search": name, "n": a.n_obs,
                         "cpu_s": float(cpu), "wall_s": float(wall), "repeats": repeats})  # fmt: skip
    return rows


def summary(df: pd.DataFrame) -> str:
    lines = ["| data | search | fits | missed the best BIC | acute share within 1 point | "
             "median CPU per fit (s) |", "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    fits = df[df["bic"].notna()]
    for (data, name), g in fits.groupby(["data", "search"], sort=False):
        if data == "demo malignant cells":
            best = fits.loc[fits["data"] == data, "bic"].min()
            missed = int((g["bic"] > best + 1.0).sum())
            share = "see below"
        else:
            missed = int(g["missed_best"].sum())
            share = f"{int(g['share_within_1pt'].sum())}/{len(g)}"
        lines.append(
            f"| {data} | {name} | {len(g)} | {missed}/{len(g)} | {share} | "
            f"{g['cpu_s'].median():.3f} |"
        )
    lines += ["", "| demo study (caller seed 0) | acute share of malignant cells per sample |",
              "| --- | --- |"]  # fmt: skip
    for _, r in df[df["data"] == "demo study, acute share per sample"].iterrows():
        lines.append(f"| {r['search']} | {r['recovered']} |")
    lines += ["", "| profile() | search | CPU s (median) | wall s (median) |",
              "| --- | --- | --- | --- |"]  # fmt: skip
    for _, r in df[df["data"].str.startswith("profile()")].iterrows():
        lines.append(f"| {r['data']} | {r['search']} | {r['cpu_s']:.2f} | {r['wall_s']:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data-seeds", type=int, default=30)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    warnings.simplefilter("ignore", IfnexusWarning)
    warnings.simplefilter("ignore", FutureWarning)
    OUT.mkdir(parents=True, exist_ok=True)
    adata, truth = demo_data()
    rows = demo_rows(adata, truth) + planted_rows(args.data_seeds)
    rows += timing_rows(adata, args.repeats)
    df = pd.DataFrame(rows)
    df.to_csv(OUT / "mixture_search.csv", index=False, float_format="%.6g")
    md = summary(df)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if os.path.exists(
        "/proc/loadavg") else "n/a"  # fmt: skip
    md += f"\nload average at the end: {load}\n"
    (OUT / "mixture_search.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
