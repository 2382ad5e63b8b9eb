"""Run the shipped example trial design at full size; regenerate the tables and figures of docs/trial/.

Run::

    .venv/bin/python benchmarks/trial_example.py

Writes ``docs/trial/{arms,by_state,comparisons,normal_tissue,power}.csv``, the figures
``docs/trial/{local_control,cumulative_incidence,differences}.png`` and
``docs/trial/summary.md`` (the tables pasted into docs/trial.md). The design is
``src/ifnexus/trial/data/example_trial.toml`` with 1,000 patients per arm and 400 simulated
trials per sample size. Takes about a minute on one core.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pandas as pd

from ifnexus._figures import save_figure
from ifnexus.trial import (
    example_design_path,
    plot_differences,
    plot_trial_curves,
    read_design,
    run_trial,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "trial"


def main() -> None:
    design = read_design(example_design_path())
    design = dataclasses.replace(
        design,
        patients_per_arm=1000,
        power=dataclasses.replace(design.power, simulations=400),
    )
    t0 = time.perf_counter()
    res = run_trial(design)
    took = time.perf_counter() - t0
    OUT.mkdir(parents=True, exist_ok=True)
    res.arms.to_csv(OUT / "arms.csv", index=False)
    res.by_state.to_csv(OUT / "by_state.csv", index=False)
    res.comparisons.to_csv(OUT / "comparisons.csv", index=False)
    res.normal_tissue.to_csv(OUT / "normal_tissue.csv", index=False)
    pd.DataFrame(res.power["simulation"]).to_csv(OUT / "power.csv", index=False)
    t = design.endpoint.local_control_years
    save_figure(plot_trial_curves(res.curves, "local_control_km", endpoint_years=t),
                OUT / "local_control.png")  # fmt: skip
    save_figure(plot_trial_curves(res.curves, "cif_local_failure", endpoint_years=t),
                OUT / "cumulative_incidence.png")  # fmt: skip
    save_figure(plot_differences(res.comparisons, endpoint_years=t), OUT / "differences.png")

    def md(df: pd.DataFrame) -> str:
        def cell(v: object) -> str:
            return f"{v:.3g}" if isinstance(v, float) else str(v)

        rows = [list(df.columns), ["---"] * df.shape[1]]
        rows += [[cell(v) for v in r] for r in df.itertuples(index=False)]
        return "\n".join("| " + " | ".join(r) + " |" for r in rows)

    pw = res.power
    lines = [
        f"Example design, {design.patients_per_arm} patients per arm, seed {design.seed}; "
        f"run in {took:.0f} s.",
        "",
        "### Arms (local control at 2 years)",
        md(
            res.arms[
                [
                    "arm",
                    "local_control_net",
                    "net_lower",
                    "net_upper",
                    "local_control_km",
                    "cif_local_failure",
                    "cif_death",
                    "lymphocyte_loss",
                    "ntcp_max",
                    "over_ntcp_limit",
                ]
            ]
        ),  # fmt: skip
        "",
        "### Paired differences and hazard ratios against RT alone",
        md(
            res.comparisons[
                [
                    "arm",
                    "ifn_state",
                    "n_pairs",
                    "difference",
                    "ci_lower",
                    "ci_upper",
                    "mcnemar_p",
                    "hr",
                    "hr_lower",
                    "hr_upper",
                ]
            ]
        ),  # fmt: skip
        "",
        "### Normal tissue",
        md(
            res.normal_tissue[
                ["arm", "organ", "max_physical_dose", "max_eqd2", "geud_eqd2", "ntcp", "over_limit"]
            ]
        ),  # fmt: skip
        "",
        "### Sample size (RT + anti-PD-1 vs RT alone)",
        f"HR {pw['hazard_ratio']:.3f} (95% CI {pw['hazard_ratio_ci'][0]:.3f}-"
        f"{pw['hazard_ratio_ci'][1]:.3f}); P(event) experimental "
        f"{pw['event_probability']['experimental']:.3f}, reference "
        f"{pw['event_probability']['reference']:.3f}; Schoenfeld {pw['schoenfeld']['events']:.1f} "
        f"events, {pw['schoenfeld']['n_total']} patients; Freedman {pw['freedman']['events']:.1f} "
        f"events, {pw['freedman']['n_total']} patients; simulation {pw['simulated_n_total']} "
        "patients.",
        "",
        md(pd.DataFrame(pw["simulation"])),
        "",
    ]
    (OUT / "summary.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
