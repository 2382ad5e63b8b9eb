"""Why the Morisada 2018 held-out RT + anti-PD-1 arms are missed: fit, schedule or model?

Design (written into ``docs/fit_real.md`` before this ran): the held-out arms are only
*reported*, never used to choose anything.

1. Prediction profile. Around the committed MLE of each line
   (``docs/fit_real/<line>/estimates.csv``), a grid over ``e_kill`` (T-cell kill) and
   ``l_E`` (PD-L1/exhaustion per unit primed effector density: the adaptive resistance that
   anti-PD-1 relieves; fixed at its mouse default in the fit), the other fitted values kept.
   Per grid point: the rise of ``-2 log L`` on the fit set (one Laplace evaluation; keeping the
   other parameters fixed over-states the profile rise, so a point under 2.71 is certainly
   compatible with the fit set at 90%) and the predicted complete-response (CR, < 1 mm^3)
   fraction of every arm on the last day the held-out arm has >= 3 mice.
2. Schedule sensitivity. At the MLE, the two RT + anti-PD-1 arms under alternative plausible
   schedules (8 Gy on days 0+1, 0+3, 0+7; anti-PD-1 from day 0, 3 or 7; 3 or 5 doses; dose 1
   or 2), with the fit-set rise of ``-2 log L`` when the fit arms get the same schedule.

Writes ``docs/fit_real/heldout_analysis/$IFNEXUS_MODEL_TAG/`` (CSV tables, ``summary.json``,
``grid.png``). The committed estimates belong to the model of the commit that fitted them, so
the analysis runs that model version, unpacked beside the tree (the model has changed since)::

    git archive 8482229 src | tar -x -C /tmp/src_fit
    IFNEXUS_MODEL_TAG=model_8482229 PYTHONPATH=/tmp/src_fit/src \
        nice -n 10 .venv/bin/python benchmarks/fit_real_morisada_heldout.py

(about 35 s of CPU); the same with a later commit shows how far that model has moved. After
the re-fits at ``91b221c`` the estimates belong to that model: unpack it instead and use
``IFNEXUS_MODEL_TAG=model_91b221c``.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ifnexus._figures import new_figure, save_figure
from ifnexus.fit import ArmSimulator, GrowthProblem, growth_data, read_arms, read_growth
from ifnexus.model import parameters

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "fit_real" / "heldout_analysis" / os.environ.get("IFNEXUS_MODEL_TAG", "")
FREE = ("r", "n0", "alpha", "e_kill")
RANDOM = ("n0", "r")
CR_MM3 = 1.0
THRESHOLD = 2.706  # chi2_1(0.9)
E_KILL_X = (0.1, 0.3, 1.0, 3.0, 10.0)  # multiples of the line's fitted e_kill
L_E = (0.5, 2.0, 8.0, 32.0)  # absolute; mouse default 2
REPS = 100  # simulated animals per observed animal


def _x_hat(prob: GrowthProblem, estimates: pd.DataFrame) -> np.ndarray:
    est = estimates.set_index("parameter")["estimate"]
    return prob.transformed(np.array([float(est[n]) for n in prob.names]))


def _warm(prob: GrowthProblem, base: GrowthProblem) -> None:
    """Start the inner problem from ``base``'s individual modes (where the version has it)."""
    if hasattr(prob, "set_modes") and hasattr(base, "mode_state"):
        prob.set_modes(base.mode_state())


def _eta_sd(prob: GrowthProblem, x: np.ndarray) -> tuple[np.ndarray, float]:
    v = prob.natural(x)
    nf, k = len(prob.free), len(prob.random)
    return v[nf : nf + k], float(v[-1])


def _cr_day(obs: pd.DataFrame) -> dict[str, float]:
    """Last day on which each held-out arm still has >= 3 mice (the day CR is scored)."""
    out = {}
    for arm, d in obs.groupby("arm"):
        n = d.groupby("day")["animal"].nunique()
        out[str(arm)] = float(n[n >= 3].index.max())
    return out


def _cr_fraction(prob, x, p, arm, day, n_animals, seed) -> tuple[float, float]:
    """Predicted CR fraction and median volume of ``arm`` at ``day`` (random + residual)."""
    omega, sigma = _eta_sd(prob, x)
    g = np.random.default_rng(seed)
    n = REPS * n_animals
    traits = {name: np.exp(g.normal(0.0, omega[i], n)) for i, name in enumerate(prob.random)}
    vol = ArmSimulator(arm, np.array([0.0, day])).volumes(p, traits)[:, -1]
    vol = vol[np.isfinite(vol)] * np.exp(g.normal(0.0, sigma, np.isfinite(vol).sum()))
    return float(np.mean(vol < CR_MM3)), float(np.median(vol))


def _observed(obs: pd.DataFrame, arm: str, day: float) -> tuple[float, int]:
    o = obs[(obs["arm"] == arm) & (obs["day"] == day)]["volume"].to_numpy()
    return float(np.mean(o < CR_MM3)), len(o)


def grid(line: str) -> tuple[pd.DataFrame, dict]:
    """The e_kill x l_E prediction profile of one line."""
    data_dir = ROOT / "tests" / "data" / f"morisada2018_{line}"
    arms = read_arms(data_dir / "arms.csv")
    fit_df = pd.read_csv(data_dir / "growth_fit.csv")
    data = read_growth(data_dir / "growth_fit.csv", arms)
    held = pd.read_csv(data_dir / "growth_heldout.csv")
    est = pd.read_csv(ROOT / "docs" / "fit_real" / line / "estimates.csv")
    committed = json.loads((ROOT / "docs" / "fit_real" / line / "run.json").read_text())
    days = _cr_day(held)
    n_held = held.groupby("arm")["animal"].nunique().to_dict()
    n_fit = fit_df.groupby("arm")["animal"].nunique().to_dict()
    base = GrowthProblem(data, free=FREE, random=RANDOM)
    x0 = _x_hat(base, est)
    f0 = base(x0)
    e_hat = float(est.set_index("parameter").loc["e_kill", "estimate"])
    i_e = base.free.index("e_kill")
    rows = []
    for le in L_E:
        prob = base if le == 2.0 else GrowthProblem(data, free=FREE, random=RANDOM,
                                                    params={"l_E": le})  # fmt: skip
        _warm(prob, base)
        for m in E_KILL_X:
            x = x0.copy()
            x[i_e] = np.log(e_hat * m)
            f = prob(x)
            p = prob.model_params(x)
            row: dict[str, Any] = {"line": line, "l_E": le, "e_kill": e_hat * m, "e_kill_x": m,
                   "delta_m2ll": f - f0}  # fmt: skip
            for k, arm in enumerate(sorted(arms)):
                n = n_held.get(arm, n_fit.get(arm, 10))
                day = days.get(arm, max(days.values()))
                cr, med = _cr_fraction(prob, x, p, arms[arm], day, n, seed=11 + k)
                row[f"cr[{arm}]"] = cr
                row[f"median[{arm}]"] = med
            rows.append(row)
            print(line, le, m, round(f - f0, 2), {k: round(v, 2) for k, v in row.items()
                                                   if k.startswith("cr[")})  # fmt: skip
    obs = {arm: _observed(held, arm, day) for arm, day in days.items()}
    meta = {
        "objective_at_committed_mle_now": f0,
        "objective_committed": committed["objective"],
        "scored_day": max(days.values()),
        "scored_day_by_arm": days,
        "observed_cr": {a: {"fraction": v[0], "n": v[1]} for a, v in obs.items()},
    }
    return pd.DataFrame(rows), meta


def _rt(days_rt: tuple[int, ...], gy: float) -> str:
    return ",".join(f"{d}:{gy:g}" for d in days_rt)


def schedules(line: str) -> pd.DataFrame:
    """Held-out CR fraction at the MLE under alternative schedules (fit-set rise beside it)."""
    data_dir = ROOT / "tests" / "data" / f"morisada2018_{line}"
    arms = read_arms(data_dir / "arms.csv")
    fit_df = pd.read_csv(data_dir / "growth_fit.csv")
    held = pd.read_csv(data_dir / "growth_heldout.csv")
    est = pd.read_csv(ROOT / "docs" / "fit_real" / line / "estimates.csv")
    days = _cr_day(held)
    base = GrowthProblem(read_growth(data_dir / "growth_fit.csv", arms), free=FREE, random=RANDOM)
    x0 = _x_hat(base, est)
    f0 = base(x0)
    p = base.model_params(x0)
    hypo = {"0+1": (0, 1), "0+3": (0, 3), "0+7": (0, 7)}
    daily = {"d0-4,7-11": (0, 1, 2, 3, 4, 7, 8, 9, 10, 11), "d0-9": tuple(range(10))}
    pd1s = ((0, 5, 1), (3, 5, 1), (7, 5, 1), (0, 3, 1), (0, 5, 2))  # start, doses, dose
    combos = [(h, "d0-4,7-11", q) for h in hypo for q in pd1s] + [("0+3", "d0-9", pd1s[0])]
    rows = []
    for hk, dk, (start, reps, dose) in combos:
        hd, dd = hypo[hk], daily[dk]
        pd1 = f"anti-pd1:day={start},dose={dose},repeat={reps},every=3"
        alt = {
            "control": arms["control"],
            "RT 8Gyx2": replace(arms["RT 8Gyx2"], schedule=_rt(hd, 8)),
            "RT 2Gyx10": replace(arms["RT 2Gyx10"], schedule=_rt(dd, 2)),
            "anti-PD-1": replace(arms["anti-PD-1"], interventions=(pd1,)),
            "RT 8Gyx2 + anti-PD-1": replace(arms["RT 8Gyx2 + anti-PD-1"],
                                            schedule=_rt(hd, 8), interventions=(pd1,)),
            "RT 2Gyx10 + anti-PD-1": replace(arms["RT 2Gyx10 + anti-PD-1"],
                                             schedule=_rt(dd, 2), interventions=(pd1,)),
        }  # fmt: skip
        prob = GrowthProblem(growth_data(fit_df, alt), free=FREE, random=RANDOM)
        _warm(prob, base)
        row: dict[str, Any] = {"line": line, "rt_8gy_days": hk, "rt_2gy_days": dk, "pd1_start": start,
               "pd1_doses": reps, "pd1_dose": dose, "delta_m2ll_fit_set": prob(x0) - f0}  # fmt: skip
        for k, arm in enumerate(("RT 8Gyx2 + anti-PD-1", "RT 2Gyx10 + anti-PD-1")):
            cr, med = _cr_fraction(base, x0, p, alt[arm], days[arm], 10, seed=31 + k)
            row[f"cr[{arm}]"] = cr
            row[f"median[{arm}]"] = med
        rows.append(row)
        print(line, hk, dk, pd1, round(row["delta_m2ll_fit_set"], 2),
              {k: round(v, 2) for k, v in row.items() if k.startswith("cr[")})  # fmt: skip
    return pd.DataFrame(rows)


def reopt(line: str, points: list[tuple[float, float]]) -> pd.DataFrame:
    """Profile points: ``e_kill`` (x fitted) and ``l_E`` fixed, every other estimate re-optimised.

    The grid keeps the other estimates at the MLE, which over-states the rise of ``-2 log L``;
    here they are re-optimised (L-BFGS-B from the MLE, the fit's bounds), so the rise is the
    profile's and the predictions use the re-optimised values.
    """
    from scipy.optimize import minimize

    data_dir = ROOT / "tests" / "data" / f"morisada2018_{line}"
    arms = read_arms(data_dir / "arms.csv")
    data = read_growth(data_dir / "growth_fit.csv", arms)
    held = pd.read_csv(data_dir / "growth_heldout.csv")
    est = pd.read_csv(ROOT / "docs" / "fit_real" / line / "estimates.csv")
    days = _cr_day(held)
    base = GrowthProblem(data, free=FREE, random=RANDOM)
    x0 = _x_hat(base, est)
    f0 = base(x0)
    e_hat = float(est.set_index("parameter").loc["e_kill", "estimate"])
    i_e = base.free.index("e_kill")
    others = [i for i in range(x0.size) if i != i_e]
    rows = []
    for m, le in points:
        prob = GrowthProblem(data, free=FREE, random=RANDOM, params={"l_E": le})
        _warm(prob, base)
        x = x0.copy()
        x[i_e] = np.log(e_hat * m)

        def g(xo: np.ndarray, prob: GrowthProblem = prob, x: np.ndarray = x) -> float:
            y = x.copy()
            y[others] = xo
            v = prob(y)
            return v if np.isfinite(v) else 1e10  # outside the model's range

        t0 = time.process_time()
        f_fixed = g(x0[others])
        bnd = [prob.bounds()[i] for i in others]
        best = minimize(g, x0[others], method="L-BFGS-B", bounds=bnd, options={"maxiter": 60})
        method = "L-BFGS-B"
        if not best.fun < f_fixed - 1e-3:  # no progress (a NaN gradient, a wall): derivative-free
            alt = minimize(g, x0[others], method="Powell", bounds=bnd,
                           options={"maxfev": 400, "xtol": 1e-3})  # fmt: skip
            if alt.fun < best.fun:
                best, method = alt, "Powell"
        if best.fun <= f_fixed:
            xo, fo = np.asarray(best.x, dtype=float), float(best.fun)
        else:  # the optimiser ended worse than it started: keep the start
            xo, fo, method = x0[others], f_fixed, method + " (no improvement)"
        x[others] = xo
        p = prob.model_params(x)
        row: dict[str, Any] = {"line": line, "l_E": le, "e_kill_x": m, "e_kill": e_hat * m,
                               "delta_fixed": f_fixed - f0, "delta_profile": fo - f0,
                               "method": method, "cpu_s": time.process_time() - t0}  # fmt: skip
        row.update(
            {f"{n}_reopt": float(v) for n, v in zip(prob.names, prob.natural(x), strict=True)}
        )
        for k, arm in enumerate(sorted(days)):
            cr, med = _cr_fraction(prob, x, p, arms[arm], days[arm], 10, seed=51 + k)
            row[f"cr[{arm}]"] = cr
            row[f"median[{arm}]"] = med
        rows.append(row)
        print(line, m, le, round(row["delta_fixed"], 2), round(row["delta_profile"], 2),
              {k: round(v, 2) for k, v in row.items() if k.startswith("cr[")})  # fmt: skip
    return pd.DataFrame(rows)


def design(line: str, points: list[tuple[float, float]]) -> pd.DataFrame:
    """Which extra arm would tell ridge points apart: predicted medians of candidate arms.

    At each ``(e_kill multiple, l_E)`` point (the others at the MLE), the population median
    volume (no random effects, no residual) of candidate arms on study days 10, 20 and 30:
    immune-ablated hosts (``nude``) with and without 8 Gy x 2, and the observed arms. An arm
    whose medians differ between points that fit the data equally well would identify them.
    """
    data_dir = ROOT / "tests" / "data" / f"morisada2018_{line}"
    arms = read_arms(data_dir / "arms.csv")
    data = read_growth(data_dir / "growth_fit.csv", arms)
    est = pd.read_csv(ROOT / "docs" / "fit_real" / line / "estimates.csv")
    base = GrowthProblem(data, free=FREE, random=RANDOM)
    x0 = _x_hat(base, est)
    e_hat = float(est.set_index("parameter").loc["e_kill", "estimate"])
    i_e = base.free.index("e_kill")
    pd1 = arms["anti-PD-1"].interventions
    cand = {
        **arms,
        "nude control": replace(arms["control"], host="nude"),
        "nude RT 8Gyx2": replace(arms["RT 8Gyx2"], host="nude"),
        "nude RT 8Gyx2 + anti-PD-1": replace(arms["RT 8Gyx2"], host="nude", interventions=pd1),
    }
    days = np.array([0.0, 10.0, 20.0, 30.0])
    rows = []
    for m, le in points:
        prob = GrowthProblem(data, free=FREE, random=RANDOM, params={"l_E": le})
        x = x0.copy()
        x[i_e] = np.log(e_hat * m)
        p = prob.model_params(x)
        for name, arm in cand.items():
            v = ArmSimulator(arm, days).volumes(p, {"n0": np.ones(1)})[0]
            rows.append({"line": line, "e_kill_x": m, "l_E": le, "arm": name,
                         **{f"day{int(d)}": float(v[j]) for j, d in enumerate(days)}})  # fmt: skip
    return pd.DataFrame(rows)


def plot(grids: dict[str, pd.DataFrame], meta: dict, path: Path) -> None:
    """Predicted CR fraction of RT 8 Gy x 2 + anti-PD-1 over the grid; fit-compatible cells."""
    fig = new_figure((4.6 * len(grids), 3.8))
    axes = fig.subplots(1, len(grids), squeeze=False)[0]
    col = "cr[RT 8Gyx2 + anti-PD-1]"
    for ax, (line, g) in zip(axes, grids.items(), strict=True):
        piv = g.pivot(index="l_E", columns="e_kill_x", values=col)
        dl = g.pivot(index="l_E", columns="e_kill_x", values="delta_m2ll")
        im = ax.imshow(piv.to_numpy(), origin="lower", vmin=0, vmax=1, cmap="viridis",
                       aspect="auto")  # fmt: skip
        for (i, j), v in np.ndenumerate(dl.to_numpy()):
            ok = v < THRESHOLD
            ax.text(j, i, f"{piv.to_numpy()[i, j]:.2f}" + ("*" if ok else ""), ha="center",
                    va="center", fontsize=6, color="w" if piv.to_numpy()[i, j] < 0.5 else "k")  # fmt: skip
        ax.set_xticks(range(len(piv.columns)), [f"{c:g}" for c in piv.columns])
        ax.set_yticks(range(len(piv.index)), [f"{c:g}" for c in piv.index])
        ax.set_xlabel("e_kill / fitted e_kill")
        ax.set_ylabel("l_E (default 2)")
        obs = meta[line]["observed_cr"]["RT 8Gyx2 + anti-PD-1"]["fraction"]
        ax.set_title(f"{line.upper()}: predicted CR, 8Gyx2+aPD-1 (observed {obs:.0%})\n"
                     "* = fit-set rise of -2logL < 2.71", fontsize=8)  # fmt: skip
        fig.colorbar(im, ax=ax, fraction=0.046)
    save_figure(fig, path)


def main() -> None:
    """Run both analyses for both lines and write the tables, figure and summary."""
    OUT.mkdir(parents=True, exist_ok=True)
    t0, c0 = time.perf_counter(), time.process_time()
    grids, meta, sched = {}, {}, []
    for line in ("moc1", "mc38"):
        g, m = grid(line)
        grids[line], meta[line] = g, m
        g.to_csv(OUT / f"{line}_grid.csv", index=False)
        s = schedules(line)
        s.to_csv(OUT / f"{line}_schedules.csv", index=False)
        sched.append(s)
    plot(grids, meta, OUT / "grid.png")
    import ifnexus

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT).stdout.strip()  # fmt: skip
    meta["run"] = {
        "script_commit": commit,
        "model_tag": os.environ.get("IFNEXUS_MODEL_TAG", "working tree"),
        "ifnexus_imported_from": str(Path(ifnexus.__file__).parent),
        "wall_s": round(time.perf_counter() - t0, 1),
        "cpu_s": round(time.process_time() - c0, 1),
        "mouse_defaults": {k: parameters("mouse")[k] for k in ("e_kill", "l_E", "k_pd1")},
    }
    (OUT / "summary.json").write_text(json.dumps(meta, indent=2, default=float), "utf-8")
    print(json.dumps(meta, indent=2, default=float))


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["design"]:  # candidate arms along the MOC1 ridge
        OUT.mkdir(parents=True, exist_ok=True)
        ridge = [(1.0, 2.0), (3.0, 8.0), (3.0, 32.0), (10.0, 32.0)]
        design("moc1", ridge).to_csv(OUT / "moc1_design.csv", index=False)
    elif sys.argv[1:] == ["reopt"]:  # MC38 low-kill points, re-optimised (after the grid)
        OUT.mkdir(parents=True, exist_ok=True)
        pts = [(m, le) for m in (0.1, 0.3) for le in (0.5, 2.0, 8.0, 32.0)]
        reopt("mc38", pts).to_csv(OUT / "mc38_reopt.csv", index=False)
    elif sys.argv[1:] == ["reopt", "moc1"]:  # MOC1 cure-predicting points (grid at 91b221c)
        OUT.mkdir(parents=True, exist_ok=True)
        reopt("moc1", [(10.0, 8.0), (10.0, 32.0)]).to_csv(OUT / "moc1_reopt.csv", index=False)
    else:
        main()
