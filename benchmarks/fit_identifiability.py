"""One irradiated arm vs four arms: which parameters a mouse growth study identifies.

The same truth as ``benchmarks/fit_speed.py`` (r = 0.25 /d, n0 = 2e7 cells, alpha = 0.12 /Gy,
e_kill = 3 /d, omega_n0 = 0.3, sigma = 0.1), fitted from ONE arm of 10 irradiated animals
(8 Gy on day 10, measured every 3 days to day 30) with the same four fixed effects. The
four-arm study adds untreated, nude-host and STING-deficient arms. Profiles that do not reach
the 90% threshold inside the bounds (1000-fold around the model's value) are open: the
parameter is not identifiable from that design.

Run::

    .venv/bin/python benchmarks/fit_identifiability.py

Then the same study with the cGAS-STING input ``c_cgas`` free as well (five fixed effects).
Writes ``docs/fit/one_arm.csv`` and ``docs/fit/one_arm.md``, and the profiles of the second
fit ``docs/fit/one_arm_profiles.png``. A few minutes of CPU.
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
    # B: the same study with the cGAS-STING input c_cgas free too (truth: the model's 2.0)
    c0 = time.process_time()
    fit_b = fit_growth(study, free=(*TRUTH, "c_cgas"), random=("n0",), posterior=False)
    cpu_b = time.process_time() - c0
    eb = fit_b.estimates.set_index("parameter")
    lines += ["", "Same study, `c_cgas` (truth 2, the model's value) free as well:", "",
              "| quantity | truth | estimate | 90% profile interval |", "| --- | --- | --- | --- |"]  # fmt: skip
    for n, true in {**TRUTH, "c_cgas": 2.0}.items():
        lo, hi = eb.loc[n, "profile_lower"], eb.loc[n, "profile_upper"]
        lines.append(f"| {n} | {true:g} | {eb.loc[n, 'estimate']:.4g} | {lo:.4g} - {hi:.4g} |")
    lines.append("")
    lines.append(f"converged: {fit_b.converged}; {cpu_b:.0f} s CPU.")
    (OUT / "one_arm.md").write_text("\n".join(lines) + "\n")
    fig = new_figure((15, 2.6))
    for ax, n in zip(fig.subplots(1, 5), [*TRUTH, "c_cgas"], strict=True):
        plot_profile(fit_b.profiles, n, ax=ax)
        ax.axvline({**TRUTH, "c_cgas": 2.0}[n], color="tab:green", lw=1)
    save_figure(fig, OUT / "one_arm_profiles.png")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
