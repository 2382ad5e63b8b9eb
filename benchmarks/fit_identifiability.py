"""One irradiated arm vs four arms: which parameters a mouse growth study identifies.

The same truth as ``benchmarks/fit_speed.py`` (r = 0.25 /d, n0 = 2e7 cells, alpha = 0.12 /Gy,
e_kill = 3 /d, omega_n0 = 0.3, sigma = 0.1), fitted from ONE arm of 10 irradiated animals
(8 Gy on day 10, measured every 3 days to day 30) with the same four fixed effects. The
four-arm study adds untreated, nude-host and STING-deficient arms. Profiles that do not reach
the 90% threshold inside the bounds (1000-fold around the model's value) are open: the
parameter is not identifiable from that design.

Run::

    .venv/bin/python benchmarks/fit_identifiability.py

Writes ``docs/fit/one_arm.csv`` and ``docs/fit/one_arm.md``, and the profiles figure
``docs/fit/one_arm_profiles.png``. About a minute of CPU.
"""

from __future__ import annotations

import time
from pathlib import Path

from ifnexus._figures import new_figure, save_figure
from ifnexus.fit import Arm, fit_growth, plot_profile, simulate_growth_study

TRUTH = {"r": 0.25, "n0": 2e7, "alpha": 0.12, "e_kill": 3.0}
OUT = Path(__file__).resolve().parents[1] / "docs" / "fit"


def main() -> None:
    study = simulate_growth_study([Arm("RT", "10:8")], animals=10, days=range(0, 31, 3),
                                  params=TRUTH, omega={"n0": 0.3}, sigma=0.1, rng=7)  # fmt: skip
    c0 = time.process_time()
    fit = fit_growth(study, free=tuple(TRUTH), random=("n0",), posterior=False)
    cpu = time.process_time() - c0
    e = fit.estimates.copy()
    e.insert(1, "truth", e["parameter"].map({**TRUTH, "omega_n0": 0.3, "sigma": 0.1}))
    OUT.mkdir(parents=True, exist_ok=True)
    e.to_csv(OUT / "one_arm.csv", index=False)
    lines = ["| quantity | truth | estimate | 90% profile interval |", "| --- | --- | --- | --- |"]
    for _, r in e.iterrows():
        ci = (f"{r['profile_lower']:.4g} - {r['profile_upper']:.4g}"
              if r["parameter"] in TRUTH else "not profiled")  # fmt: skip
        lines.append(f"| {r['parameter']} | {r['truth']:g} | {r['estimate']:.4g} | {ci} |")
    lines.append("")
    lines.append(f"One arm, 10 animals; converged: {fit.converged}; {cpu:.0f} s CPU.")
    (OUT / "one_arm.md").write_text("\n".join(lines) + "\n")
    fig = new_figure((12, 2.6))
    for ax, n in zip(fig.subplots(1, 4), TRUTH, strict=True):
        plot_profile(fit.profiles, n, ax=ax)
        ax.axvline(TRUTH[n], color="tab:green", lw=1)
    save_figure(fig, OUT / "one_arm_profiles.png")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
