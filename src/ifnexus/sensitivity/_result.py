"""The result of a sensitivity analysis: the index table, the ranges, and what the answer hinges on."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ifnexus._version import __version__
from ifnexus.errors import ValidationError
from ifnexus.sensitivity._ranges import ParameterRange

__all__ = ["COLUMNS", "SensitivityResult"]

#: the columns of :attr:`SensitivityResult.table`
COLUMNS: tuple[str, ...] = ("output", "parameter", "S1", "S1_conf", "ST", "ST_conf", "mu_star",
                            "mu_star_conf", "mu", "sigma")  # fmt: skip


def _f(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


@dataclass
class SensitivityResult:
    """Sensitivity indices of one or more outputs over parameter ranges.

    Attributes
    ----------
    table
        One row per output and parameter: ``output``, ``parameter``, ``S1``, ``S1_conf``,
        ``ST``, ``ST_conf`` (Sobol first and total order, with bootstrap half-widths),
        ``mu_star``, ``mu_star_conf``, ``mu``, ``sigma`` (Morris); the columns of the method
        not run are NaN.
    ranges
        The sampled range of each parameter.
    method
        ``"sobol"`` or ``"morris"``.
    outputs
        The outputs analysed.
    samples
        Base samples (Sobol) or trajectories (Morris).
    n_evaluations
        Model evaluations.
    seed
        The seed entropy (sampling and bootstrap; same seed, same table).
    conf_level
        Level of the bootstrap intervals.
    threshold
        Sobol: a parameter matters when ``ST > threshold``; Morris: when ``mu_star`` exceeds
        ``threshold`` x the largest ``mu_star`` of the output.
    evaluations
        The sample points (one column per parameter) and the outputs at each.
    context
        Facts of the run (schedule, setting, cohort size, follow-up, ...).
    """

    table: pd.DataFrame
    ranges: tuple[ParameterRange, ...]
    method: str
    outputs: tuple[str, ...]
    samples: int
    n_evaluations: int
    seed: int
    conf_level: float
    threshold: float
    evaluations: pd.DataFrame
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> pd.DataFrame:
        """The index table (:attr:`table`), with the run's facts in ``.attrs``.

        Returns
        -------
        pandas.DataFrame
            The columns of :attr:`table`; ``.attrs`` holds ``method``, ``samples``,
            ``n_evaluations``, ``seed``, ``conf_level`` and the context.
        """
        out = self.table.copy()
        out.attrs.update({"method": self.method, "samples": self.samples,
                          "n_evaluations": self.n_evaluations, "seed": self.seed,
                          "conf_level": self.conf_level, **self.context})  # fmt: skip
        return out

    def _output(self, output: str | None) -> str:
        if output is None:
            return self.outputs[0]
        if output not in self.outputs:
            raise ValidationError(
                f"output {output!r} was not analysed; analysed: {', '.join(self.outputs)}"
            )
        return output

    def hinges_on(self, output: str | None = None) -> list[str]:
        """Return the parameters the output hinges on, most influential first.

        Parameters
        ----------
        output
            One of :attr:`outputs` (default the first).

        Returns
        -------
        list of str
            Sobol: parameters with ``ST > threshold``, by ``ST``; Morris: parameters with
            ``mu_star`` above ``threshold`` x the largest ``mu_star``, by ``mu_star``.
        """
        t = self.table[self.table["output"] == self._output(output)]
        if self.method == "sobol":
            keep = t[t["ST"] > self.threshold].sort_values("ST", ascending=False)
        else:
            top = t["mu_star"].max()
            if not np.isfinite(top) or top <= 0:
                return []
            keep = t[t["mu_star"] > self.threshold * top]
            keep = keep.sort_values("mu_star", ascending=False)
        return keep["parameter"].tolist()

    def statement(self, output: str | None = None) -> str:
        """One plain sentence: which parameters the output hinges on.

        Parameters
        ----------
        output
            One of :attr:`outputs` (default the first).

        Returns
        -------
        str
            The sentence, with the rule used.
        """
        out = self._output(output)
        names = self.hinges_on(out)
        t = self.table[self.table["output"] == out].set_index("parameter")
        if self.method == "sobol":
            rule = f"total-order Sobol index ST > {self.threshold:g}"
            parts = [f"{n} (ST {t.at[n, 'ST']:.2f} ± {t.at[n, 'ST_conf']:.2f})" for n in names]
            s1 = t["S1"].clip(lower=0).sum()
            tail = (f"; the first-order indices add up to {s1:.2f}, so "
                    f"{'interactions carry a large share' if s1 < 0.8 else 'the parameters act mostly alone'}")  # fmt: skip
        else:
            rule = f"Morris mu* above {self.threshold:g} x the largest"
            parts = [f"{n} (mu* {t.at[n, 'mu_star']:.3g})" for n in names]
            tail = ""
        if not names:
            return f"{out}: no parameter passes the rule ({rule}) over the sampled ranges."
        return f"{out} hinges on {', '.join(parts)} [{rule}]{tail}."

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-ready dict (what ``--json`` prints and ``summary.json`` holds).

        Returns
        -------
        dict
            ``method``, ``outputs``, ``samples``, ``n_evaluations``, ``seed``, ``conf_level``,
            ``threshold``, ``context``, ``hinges_on`` and ``statement`` per output,
            ``indices`` (the table's rows; NaN as null) and ``ranges``.
        """
        rows = [{k: (_f(v) if isinstance(v, float) else v) for k, v in r.items()}
                for r in self.table.to_dict(orient="records")]  # fmt: skip
        return {
            "method": self.method,
            "outputs": list(self.outputs),
            "samples": self.samples,
            "n_evaluations": self.n_evaluations,
            "seed": self.seed,
            "conf_level": self.conf_level,
            "threshold": self.threshold,
            "context": self.context,
            "hinges_on": {o: self.hinges_on(o) for o in self.outputs},
            "statement": {o: self.statement(o) for o in self.outputs},
            "indices": rows,
            "ranges": [r.to_dict() for r in self.ranges],
            "ifnexus_version": __version__,
        }

    def ranges_table(self) -> pd.DataFrame:
        """Return the sampled ranges as a table.

        Returns
        -------
        pandas.DataFrame
            Columns ``name``, ``lower``, ``upper``, ``value``, ``scale``, ``basis``, ``note``,
            ``unit``.
        """
        return pd.DataFrame([r.to_dict() for r in self.ranges])

    def write(self, out_dir: str | os.PathLike[str], *, figures: bool = True) -> list[Path]:
        """Write the tables and the figure as ``ifnexus simulate sensitivity --out DIR`` does.

        Parameters
        ----------
        out_dir
            Output folder (created).
        figures
            Also draw ``sensitivity.png``.

        Returns
        -------
        list of pathlib.Path
            ``sensitivity.csv`` (:attr:`table`), ``ranges.csv``, ``evaluations.csv``,
            ``sensitivity.png`` and ``summary.json`` (:meth:`to_dict`), written atomically.
        """
        from ifnexus._io import write_table, write_text
        from ifnexus._json import dumps

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files = [
            write_table(self.table, out / "sensitivity.csv"),
            write_table(self.ranges_table(), out / "ranges.csv"),
            write_table(self.evaluations, out / "evaluations.csv"),
        ]
        if figures:
            from ifnexus._figures import new_figure, save_figure
            from ifnexus.sensitivity._plots import plot_sensitivity

            k = len(self.outputs)
            n = len(self.ranges)
            fig = new_figure((5.0 * k, 1.2 + 0.28 * min(n, 25)))
            axes = fig.subplots(1, k, squeeze=False)[0]
            for ax, o in zip(axes, self.outputs, strict=True):
                plot_sensitivity(self.table, output=o, ax=ax)
            files.append(save_figure(fig, out / "sensitivity.png"))
        files.append(write_text(out / "summary.json", dumps(self.to_dict())))
        return files
