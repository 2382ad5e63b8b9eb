"""Fit the model to the Morisada et al. 2018 growth data (MOC1 or MC38) and predict held-out arms.

Fit set (``tests/data/morisada2018_<line>/growth_fit.csv``): control, anti-PD-1, RT 8 Gy x 2,
RT 2 Gy x 10. Held out (decided before fitting, never used in the fit): both RT + anti-PD-1
arms (``growth_heldout.csv``). Writes ``docs/fit_real/<line>/`` (estimates, VPC tables,
figures, held-out prediction) and ``docs/fit_real/params/morisada2018_<line>.toml``.

Run: ``.venv/bin/python benchmarks/fit_real_morisada.py moc1`` (or ``mc38``; a few minutes of
CPU each).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus._figures import new_figure, save_figure
from ifnexus.fit import (
    ArmSimulator,
    fit_growth,
    plot_arm_fit,
    plot_vpc,
    read_arms,
    read_growth,
    vpc_table,
)
from ifnexus.model import read_params

ROOT = Path(__file__).resolve().parents[1]
LINE = sys.argv[1] if len(sys.argv) > 1 else "moc1"
DATA = ROOT / "tests" / "data" / f"morisada2018_{LINE}"
OUT = ROOT / "docs" / "fit_real" / LINE
PARAMS = ROOT / "docs" / "fit_real" / "params" / f"morisada2018_{LINE}.toml"
FREE = ("r", "n0", "alpha", "e_kill")
RANDOM = ("n0", "r")
CR_MM3 = 1.0  # a tumour below 1 mm^3 counts as a complete response (calipers read 0)


def _grid(items: list[str], plot, table: pd.DataFrame, path: Path) -> None:
    fig = new_figure((4.0 * len(items), 3.4))
    axes = fig.subplots(1, len(items), squeeze=False)[0]
    for ax, arm in zip(axes, items, strict=True):
        plot(table, arm, ax=ax)
        ax.set_yscale("log")
    save_figure(fig, path)


def heldout_prediction(fit, arms, seed: int = 7, reps: int = 200) -> pd.DataFrame:
    """Simulate each held-out arm (population + random effects + residual) and compare."""
    obs = pd.read_csv(DATA / "growth_heldout.csv")
    prob = fit.problem
    v = prob.natural(fit.x)
    nf, k = len(prob.free), len(prob.random)
    omega, sigma = v[nf : nf + k], v[-1]
    p = prob.model_params(fit.x)
    g = np.random.default_rng(seed)
    rows = []
    for arm, d in obs.groupby("arm"):
        days = np.sort(d["day"].unique())
        sim = ArmSimulator(arms[arm], days)
        n = reps * d["animal"].nunique()
        traits = {name: np.exp(g.normal(0.0, omega[i], n)) for i, name in enumerate(prob.random)}
        vol = sim.volumes(p, traits)
        noisy = vol * np.exp(g.normal(0.0, sigma, vol.shape))
        for j, day in enumerate(sim.days):
            o = d.loc[d["day"] == day, "volume"].to_numpy()
            s = noisy[:, j][np.isfinite(noisy[:, j])]
            rows.append(
                {
                    "arm": arm,
                    "day": int(day),
                    "n": len(o),
                    "obs_median": float(np.median(o)),
                    "obs_cr_fraction": float(np.mean(o < CR_MM3)),
                    "sim_lower": float(np.quantile(s, 0.05)),
                    "sim_median": float(np.median(s)),
                    "sim_upper": float(np.quantile(s, 0.95)),
                    "sim_cr_fraction": float(np.mean(s < CR_MM3)),
                    "obs_within_90": float(
                        np.mean((o >= np.quantile(s, 0.05)) & (o <= np.quantile(s, 0.95)))
                    ),
                }
            )
    return pd.DataFrame(rows)


def wald_interval(row: pd.Series, z: float = 1.6449) -> tuple[float, float]:
    """90% Wald interval on the log scale (the fit's ``wald_se_log``)."""
    est, se = float(row["estimate"]), float(row["wald_se_log"])
    return est * float(np.exp(-z * se)), est * float(np.exp(z * se))


def write_params(estimates: pd.DataFrame, path: Path) -> None:
    """The fitted fixed effects as a ``--params`` file (``[mouse]`` table)."""
    est = estimates.set_index("parameter")
    lines = [
        f"# Alternative mouse parameter set fitted to Morisada et al. 2018 ({LINE.upper()}, "
        "RT +/- anti-PD-1)",
        "# by benchmarks/fit_real_morisada.py (ifnexus fit growth, Laplace/FOCE-I MLE);",
        "# see docs/fit_real.md. Use: ifnexus simulate --setting mouse --params THIS_FILE",
        "# (treatment schedules of the fit were assumed; see tests/data/morisada2018_*/README.md)",
        "",
        "[mouse]",
    ]
    for name in FREE:
        lo, hi = wald_interval(est.loc[name])
        lines.append(
            f"{name} = {est.loc[name, 'estimate']:.6g}  # MLE; 90% Wald interval [{lo:.4g}, {hi:.4g}]"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read_params(path, "mouse")  # the model's reader accepts it


def main() -> None:
    """Run the fit, the VPC and the held-out prediction; write tables, figures and params."""
    OUT.mkdir(parents=True, exist_ok=True)
    arms = read_arms(DATA / "arms.csv")
    data = read_growth(DATA / "growth_fit.csv", arms)
    t0, c0 = time.perf_counter(), time.process_time()
    fit = fit_growth(data, free=FREE, random=RANDOM, posterior=False, profile_params=(), rng=1)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    fit.estimates.to_csv(OUT / "estimates.csv", index=False)
    pred = fit.predictions()
    pred.to_csv(OUT / "predictions.csv", index=False)
    vpc = vpc_table(fit, rng=3)
    vpc.to_csv(OUT / "vpc.csv", index=False)
    fit_arms = sorted(data.arms)
    _grid(fit_arms, plot_arm_fit, pred, OUT / "fit.png")
    _grid(fit_arms, plot_vpc, vpc, OUT / "vpc.png")
    held = heldout_prediction(fit, arms)
    held.to_csv(OUT / "heldout.csv", index=False)
    fig = new_figure((8.0, 3.4))
    axes = fig.subplots(1, 2)
    obs = pd.read_csv(DATA / "growth_heldout.csv")
    for ax, (arm, h) in zip(axes, held.groupby("arm"), strict=True):
        ax.fill_between(h["day"], h["sim_lower"], h["sim_upper"], alpha=0.3, label="predicted 90%")
        ax.plot(h["day"], h["sim_median"], label="predicted median")
        o = obs[obs["arm"] == arm]
        for _, a in o.groupby("animal"):
            ax.plot(a["day"], a["volume"].clip(lower=0.5), color="k", lw=0.6, alpha=0.6)
        ax.set_yscale("log")
        ax.set_title(f"held out: {arm}", fontsize=9)
        ax.set_xlabel("study day")
        ax.set_ylabel("volume (mm^3; 0 drawn at 0.5)")
        ax.legend(fontsize=7)
    save_figure(fig, OUT / "heldout.png")
    write_params(fit.estimates, PARAMS)
    (OUT / "run.json").write_text(
        json.dumps(
            {
                "converged": bool(fit.converged),
                "objective": float(fit.objective),
                "wall_s": round(wall, 1),
                "cpu_s": round(cpu, 1),
                "free": list(FREE),
                "random": list(RANDOM),
                "diagnostics": fit.diagnostics,
            },
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    print(fit.estimates.to_string())
    print(held.to_string())


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[2] == "params":  # rewrite the TOML from estimates.csv
        write_params(pd.read_csv(OUT / "estimates.csv"), PARAMS)
    else:
        main()
