"""Figure and table of ``docs/model.md`` (parameter uncertainty): a synthetic posterior.

A fit folder is written in a temporary directory with 400 draws of the mean radiosensitivity
``alpha`` ~ Normal(0.09, s) per 1/Gy (the mouse default, ``s`` = 0 / 0.005 / 0.01 / 0.02): a
posterior of known spread, not a fit to data. ``simulate_posterior`` then runs the same 400
mouse tumours (8 Gy x 3, seed 1) under 40 draws of each, and the script writes
``docs/model_posterior/intervals.csv`` (local control: parameter, sampling and total intervals
and SDs per spread) and ``docs/model_posterior/local_control.png`` (the local-control band of
the widest posterior). About 20 s of CPU.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ifnexus._figures import new_figure, save_figure
from ifnexus.fit._write import FIT_FORMAT, model_stamp
from ifnexus.model import parameters, plot_posterior_local_control, simulate_posterior

OUT = Path(__file__).resolve().parents[1] / "docs" / "model_posterior"


def _fit_folder(d: Path, values: np.ndarray) -> Path:
    d.mkdir(parents=True)
    info = {"fit_format": FIT_FORMAT, "kind": "growth", "model": model_stamp(),
            "setting": "mouse", "free": ["alpha"], "params": {}}  # fmt: skip
    (d / "diagnostics.json").write_text(json.dumps(info))
    n = values.size
    pd.DataFrame({"walker": np.arange(n) % 8, "step": np.arange(n) // 8, "parameter": "alpha",
                  "value": values}).to_csv(d / "posterior_draws.csv", index=False)  # fmt: skip
    return d


def main() -> None:
    """Write the table and the figure."""
    OUT.mkdir(parents=True, exist_ok=True)
    a0 = parameters("mouse")["alpha"]
    z = np.random.default_rng(0).standard_normal(400)
    rows = []
    last = None
    with tempfile.TemporaryDirectory() as tmp:
        for i, s in enumerate((0.0, 0.005, 0.01, 0.02)):
            d = _fit_folder(Path(tmp) / f"fit{i}", a0 + s * z)
            res = simulate_posterior("8Gy x3", d, draws=40, n_patients=400, rng=1,
                                     bootstrap=400)  # fmt: skip
            r = res.summary.loc["local_control"]
            rows.append({"alpha_sd": s, **{k: r[k] for k in res.summary.columns if k != "unit"}})
            last = res
    tab = pd.DataFrame(rows)
    tab.round(4).to_csv(OUT / "intervals.csv", index=False)
    assert last is not None
    fig = new_figure((4.5, 3.2))
    plot_posterior_local_control(last.curve, title="8 Gy x3, alpha sd 0.02 (synthetic)",
                                 ax=fig.subplots())  # fmt: skip
    save_figure(fig, OUT / "local_control.png")
    print(tab.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
