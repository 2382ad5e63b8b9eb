"""Fit the model to the Morisada et al. 2018 growth data (MOC1 or MC38) and predict held-out arms.

Fit set (``tests/data/morisada2018_<line>/growth_fit.csv``): control, anti-PD-1, RT 8 Gy x 2,
RT 2 Gy x 10. Held out (decided before fitting, never used in the fit): both RT + anti-PD-1
arms (``growth_heldout.csv``). Writes ``docs/fit_real/<line>/`` (estimates, VPC tables,
figures, held-out prediction) and ``docs/fit_real/params/morisada2018_<line>.toml``.

Run: ``.venv/bin/python benchmarks/fit_real_morisada.py moc1`` (or ``mc38``; a few minutes of
CPU each). The fit itself gives Wald intervals only (``profile_params=()``, to keep it short on
shared cores); the profile-likelihood intervals are a second step:

- ``... moc1 profiles``: re-runs the MLE from the committed estimates (``estimates.csv``), checks
  that it lands on the committed optimum (-2 log L within 0.05 of ``run.json``'s), profiles the
  four fixed effects and writes ``profile_intervals.csv``, ``profile.csv``, ``profile.png`` and
  ``profile_run.json``.
- ``... moc1 stamp COMMIT``: adds the model record (commit, ifnexus version, the parameter
  table's sha256 of :func:`ifnexus.fit.model_stamp`) to an existing ``run.json``.
- ``... moc1 params``: rewrites the ``--params`` file from ``estimates.csv``.

Every ``run.json`` written here carries that model record. Run from a ``git archive COMMIT src``
copy (``PYTHONPATH=/tmp/src/src``) so that uncommitted edits of a shared tree cannot enter, and
name the commit in ``IFNEXUS_MODEL_COMMIT``; run from the checkout itself, the commit is
``git rev-parse HEAD`` (with ``+dirty`` when ``src/`` has uncommitted changes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

import ifnexus
from ifnexus._figures import new_figure, save_figure
from ifnexus.fit import (
    ArmSimulator,
    fit_growth,
    model_stamp,
    plot_arm_fit,
    plot_profile,
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


def model_record(commit: str | None = None) -> dict:
    """The model a run used: commit, ifnexus version, parameter-table sha256 (``model_stamp``)."""
    rec: dict = {"commit": commit or os.environ.get("IFNEXUS_MODEL_COMMIT", "")}
    if not rec["commit"]:
        here = Path(ifnexus.__file__).resolve()
        if not here.is_relative_to(ROOT):
            sys.exit(f"ifnexus is imported from {here.parent}, not this checkout: name the "
                     "commit it was unpacked from in IFNEXUS_MODEL_COMMIT")  # fmt: skip
        git = ["git", "-C", str(ROOT)]
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()  # fmt: skip
        dirty = subprocess.run([*git, "status", "--porcelain", "src"], capture_output=True,
                               text=True, check=True).stdout.strip()  # fmt: skip
        rec["commit"] = head + ("+dirty" if dirty else "")
    rec.update(model_stamp())
    return rec


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


def _end_text(row: pd.Series, side: str) -> str:
    """One profile end for a comment: its value, or why there is none (``profile_ends``)."""
    status = row.get(f"{side}_status", "crossed")
    if status == "crossed":
        return f"{row[f'profile_{side}']:.4g}"
    far = f"{row[f'{side}_reached']:.4g}"
    if status == "bound":
        return f"{'<=' if side == 'lower' else '>='} {far} (box bound)"
    return f"{'<' if side == 'lower' else '>'} {far} (not found: likelihood failed)"


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
    prof_path = OUT / "profile_intervals.csv"
    prof = pd.read_csv(prof_path).set_index("parameter") if prof_path.is_file() else None
    for name in FREE:
        lo, hi = wald_interval(est.loc[name])
        note = f"MLE; 90% Wald interval [{lo:.4g}, {hi:.4g}]"
        if prof is not None:
            ends = [_end_text(prof.loc[name], side) for side in ("lower", "upper")]
            note += f"; 90% profile interval [{ends[0]}, {ends[1]}]"
        lines.append(f"{name} = {est.loc[name, 'estimate']:.6g}  # {note}")
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
                "model": model_record(),
                "diagnostics": fit.diagnostics,
            },
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    print(fit.estimates.to_string())
    print(held.to_string())


def stamp(commit: str) -> None:
    """Add the model record to an existing ``run.json`` (fits written before it was recorded)."""
    path = OUT / "run.json"
    run = json.loads(path.read_text(encoding="utf-8"))
    rec = model_record(commit)
    rec["recorded"] = ("added after the fit by 'fit_real_morisada.py LINE stamp COMMIT'; the "
                       "version and sha256 are those of the named commit's model")  # fmt: skip
    out = {k: v for k, v in run.items() if k != "diagnostics"}
    out["model"] = rec
    out["diagnostics"] = run["diagnostics"]
    path.write_text(json.dumps(out, indent=2, default=str) + "\n", encoding="utf-8")


def profile_ends(fit) -> dict[str, dict[str, object]]:
    """Each fixed effect's profile end statuses as the fit reports them, by parameter.

    ``{side}_status`` is the fit's ``profile_{side}_status``: ``crossed`` (-2 log L rose by
    chi2_1(level)), ``bound`` (the search box was reached below the threshold; the end is 0 or
    inf) or ``failed`` (the likelihood could not be evaluated reliably before the threshold; the
    end is NaN). ``{side}_reached`` is the farthest value evaluated reliably on that side (for a
    crossed end, the end itself) and ``{side}_reached_delta`` its rise
    (``fit.diagnostics["profiles"]``).
    """
    est = fit.estimates.set_index("parameter")
    out: dict[str, dict[str, object]] = {}
    for n in FREE:
        out[n] = {}
        for side in ("lower", "upper"):
            end = fit.diagnostics["profiles"][n][side]
            out[n][f"{side}_status"] = est.loc[n, f"profile_{side}_status"]
            out[n][f"{side}_reached"] = float(end["reached"])
            out[n][f"{side}_reached_delta"] = float(end["reached_delta"])
    return out


def profile_figure(points: pd.DataFrame, level: float = 0.9) -> None:
    """``profile.png``: each fixed effect's profile (failed evaluations marked along the top by
    ``plot_profile``; log axis where the points span more than 10-fold)."""
    fig = new_figure((4.0 * len(FREE), 3.2))
    for ax, n in zip(fig.subplots(1, len(FREE), squeeze=False)[0], FREE, strict=True):
        plot_profile(points, n, level=level, ax=ax)
        v = points.loc[points["parameter"] == n, "value"]
        if v.max() > 10 * v.min():
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())
    save_figure(fig, OUT / "profile.png")


def profiles() -> None:
    """Profile-likelihood intervals of the fixed effects at the committed optimum."""
    arms = read_arms(DATA / "arms.csv")
    data = read_growth(DATA / "growth_fit.csv", arms)
    committed = pd.read_csv(OUT / "estimates.csv").set_index("parameter")
    run = json.loads((OUT / "run.json").read_text(encoding="utf-8"))
    start = {n: float(committed.loc[n, "estimate"]) for n in FREE}
    t0, c0 = time.perf_counter(), time.process_time()
    fit = fit_growth(data, free=FREE, random=RANDOM, posterior=False, profile_params=FREE,
                     rng=1, start=start, progress=print)  # fmt: skip
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    shift = float(fit.objective) - float(run["objective"])
    if not fit.converged or abs(shift) > 0.05:
        sys.exit(f"the MLE from the committed estimates did not land on the committed optimum "
                 f"(-2logL {fit.objective:.4f} vs {run['objective']:.4f}); re-fit first")  # fmt: skip
    est = fit.estimates.set_index("parameter")
    ends = profile_ends(fit)
    rows = []
    for n in FREE:
        lo, hi = wald_interval(committed.loc[n])
        rows.append({
            "parameter": n,
            "estimate": float(est.loc[n, "estimate"]),
            "committed_estimate": float(committed.loc[n, "estimate"]),
            "profile_lower": float(est.loc[n, "profile_lower"]),
            "profile_upper": float(est.loc[n, "profile_upper"]),
            "wald_lower": lo,
            "wald_upper": hi,
        } | ends[n])  # fmt: skip
    table = pd.DataFrame(rows)
    table.to_csv(OUT / "profile_intervals.csv", index=False)
    fit.profiles.to_csv(OUT / "profile.csv", index=False)
    profile_figure(fit.profiles, fit.level)
    (OUT / "profile_run.json").write_text(
        json.dumps(
            {
                "objective": float(fit.objective),
                "committed_objective": float(run["objective"]),
                "level": fit.level,
                "wall_s": round(wall, 1),
                "cpu_s": round(cpu, 1),
                "model": model_record(),
                "diagnostics": fit.diagnostics,
            },
            indent=2,
            default=str,
        )
        + "\n",
        encoding="utf-8",
    )
    print(table.to_string())


if __name__ == "__main__":
    mode = sys.argv[2] if len(sys.argv) > 2 else "fit"
    if mode == "params":  # rewrite the TOML from estimates.csv
        write_params(pd.read_csv(OUT / "estimates.csv"), PARAMS)
    elif mode == "stamp":
        stamp(sys.argv[3])
    elif mode == "profiles":
        profiles()
    elif mode == "profile-figure":  # redraw profile.png from profile.csv
        profile_figure(pd.read_csv(OUT / "profile.csv"))
    else:
        main()
