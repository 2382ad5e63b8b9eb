"""The result of a virtual trial: tables, the JSON summary, the power section and the files."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ifnexus._proportion import wilson_interval
from ifnexus.trial._design import IFN_STATES, TrialDesign

__all__ = ["TrialResult"]

ASSUMPTIONS = (
    "Arms share common random numbers: the same virtual patients (traits, IFN state, failure "
    "draws, ages and background deaths) in every arm.",
    "Local control 'net' is the model's, without deaths; 'km' censors background deaths; "
    "'cif' is the cumulative incidence of local failure with death as a competing event.",
    "Background deaths follow the US SSA 2017 period life table (constant hazard within a year "
    "of age); no disease-related or treatment-related death is simulated.",
    "Intervals: Wilson for a proportion; paired bootstrap (multinomial on the four concordance "
    "cells) for a difference; Cox Wald interval for the hazard ratio, which ignores the pairing "
    "(conservative).",
    "Sampling intervals are for the virtual patients drawn; with a [population] posterior, "
    "param_lower/param_upper are the 2.5-97.5 percentiles over posterior draws of the "
    "parameters (the same patients in every draw); without one the parameters are fixed.",
)


@dataclass
class TrialResult:
    """Result of :func:`ifnexus.trial.run_trial`.

    Attributes
    ----------
    design
        The design run.
    patients
        One row per patient and arm: ``arm``, ``patient``, ``ifn_state``, ``ifn_label``,
        ``age``, ``male``, ``eqd2_tumour``, ``time_to_failure`` (years, NaN without failure in
        the model's follow-up), ``time_to_death`` (years), ``model_followup``, ``time``
        (observed years), ``event`` (1 local failure, 2 death, 0 censored at the end of
        follow-up), ``local_control_net`` (no failure by the endpoint time, deaths ignored),
        ``numerical_failure``.
    model_params
        The model parameter overrides used (including those set by the IFN-state mix).
    arms
        Per arm: ``arm``, ``n``, ``local_control_net`` with ``net_lower``/``net_upper``
        (Wilson 95%), ``local_control_km`` with ``km_lower``/``km_upper`` (deaths censored),
        ``cif_local_failure``, ``cif_death`` (at the endpoint time), ``events_local_failure``,
        ``deaths``, ``lymphocyte_loss``, ``ntcp_max``, ``over_ntcp_limit``.
    by_state
        Per arm and IFN state (``all`` and each state): ``n``, ``local_control_net``,
        ``net_lower``, ``net_upper``.
    comparisons
        Per non-reference arm and IFN state (``all`` and each state): ``difference`` (paired,
        arm minus reference), ``ci_lower``, ``ci_upper``, ``mcnemar_p``, discordant counts,
        and the cause-specific Cox ``hr``, ``hr_lower``, ``hr_upper``, ``hr_p_value`` (NaN
        where it cannot be fitted, e.g. no failure in a state).
    curves
        ``measure`` (``local_control_km``, ``cif_local_failure``, ``cif_death``), ``group``
        (arm), ``time`` (years), ``estimate``, ``lower``, ``upper``.
    normal_tissue
        Per arm and organ (:func:`ifnexus.trial.organ_dose`) plus ``over_limit``.
    power
        The sample-size section (dict) or ``None``.
    hazard_ratios
        Which Cox hazard ratios are fitted: ``"all"`` (overall and per IFN state),
        ``"overall"`` or ``"none"`` (the Cox fits are most of the statistics' time).
    parameter_draws
        With a posterior: ``draw``, ``arm``, ``local_control_net`` and ``difference`` (against
        the reference) for each posterior draw run; ``arms`` then has ``param_lower`` and
        ``param_upper`` and ``comparisons`` (state ``all``) ``diff_param_lower`` and
        ``diff_param_upper``: 2.5 and 97.5 percentiles over the draws (parameter uncertainty).
    """

    design: TrialDesign
    patients: pd.DataFrame
    model_params: dict = field(default_factory=dict)
    arms: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_state: pd.DataFrame = field(default_factory=pd.DataFrame)
    comparisons: pd.DataFrame = field(default_factory=pd.DataFrame)
    curves: pd.DataFrame = field(default_factory=pd.DataFrame)
    normal_tissue: pd.DataFrame = field(default_factory=pd.DataFrame)
    power: dict | None = None
    parameter_draws: pd.DataFrame | None = None
    hazard_ratios: str = "all"

    # ----------------------------------------------------------------------------- compute
    def compute(self) -> TrialResult:
        """Fill the tables from :attr:`patients` (called by ``run_trial``); returns ``self``.

        Returns
        -------
        TrialResult
            ``self``.
        """
        from ifnexus.trial._run import cox_hazard_ratio, paired_difference

        d = self.design
        df = self.patients[~self.patients["numerical_failure"]]
        t_end = d.endpoint.local_control_years
        gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence([d.seed, 0x626F6F74])))
        self.curves = self._curves(df)
        # the sample size needs the overall hazard ratio
        mode = "overall" if self.hazard_ratios == "none" and d.power else self.hazard_ratios
        at_end = self.curves[np.isclose(self.curves["time"], t_end)]
        end_value = {(m, g, col): float(v) for m, g, e, lo, hi in zip(
            at_end["measure"], at_end["group"], at_end["estimate"], at_end["lower"],
            at_end["upper"], strict=True) for col, v in (("estimate", e), ("lower", lo),
                                                         ("upper", hi))}  # fmt: skip
        rows, state_rows, comp_rows = [], [], []
        # per arm, arrays indexed by patient (0..n-1, the same patients in every arm); a
        # patient with a numerical failure in an arm is left out of that arm and its pairs
        n_pat = d.patients_per_arm
        arm_of = df["arm"].to_numpy()
        cols = {c: df[c].to_numpy() for c in ("patient", "ifn_state", "local_control_net",
                                                 "event", "time")}  # fmt: skip

        def by_patient(name: str) -> dict[str, np.ndarray]:
            sel = arm_of == name
            pid = cols["patient"][sel].astype(np.int64)
            present = np.zeros(n_pat, bool)
            present[pid] = True
            out = {"present": present}
            for c in ("ifn_state", "local_control_net", "event", "time"):
                full = np.empty(n_pat, dtype=cols[c].dtype)
                full[pid] = cols[c][sel]
                out[c] = full
            return out

        ref = by_patient(d.reference)
        for arm in d.arms:
            a = ref if arm.name == d.reference else by_patient(arm.name)
            lc = a["local_control_net"][a["present"]].astype(bool)
            k, n = int(lc.sum()), int(lc.size)
            lo, hi = wilson_interval(k, n)

            def pick(measure: str, col: str, name: str = arm.name) -> float:
                return end_value.get((measure, name, col), math.nan)

            events = a["event"][a["present"]]
            rows.append({
                "arm": arm.name, "schedule": arm.schedule,
                "interventions": "; ".join(arm.interventions), "n": n,
                "local_control_net": k / n if n else math.nan, "net_lower": lo, "net_upper": hi,
                "local_control_km": pick("local_control_km", "estimate"),
                "km_lower": pick("local_control_km", "lower"),
                "km_upper": pick("local_control_km", "upper"),
                "cif_local_failure": pick("cif_local_failure", "estimate"),
                "cif_death": pick("cif_death", "estimate"),
                "events_local_failure": int((events == 1).sum()),
                "deaths": int((events == 2).sum()),
            })  # fmt: skip
            for state in ("all", *IFN_STATES):
                in_state = (
                    a["present"] if state == "all" else a["present"] & (a["ifn_state"] == state)
                )
                ks, ns = (
                    int(a["local_control_net"][in_state].astype(bool).sum()),
                    int(in_state.sum()),
                )
                lo_s, hi_s = wilson_interval(ks, ns)
                state_rows.append({"arm": arm.name, "ifn_state": state, "n": ns,
                                   "local_control_net": ks / ns if ns else math.nan,
                                   "net_lower": lo_s, "net_upper": hi_s})  # fmt: skip
                if arm.name == d.reference:
                    continue
                common = np.flatnonzero(in_state & ref["present"])
                pd_ = paired_difference(a["local_control_net"][common].astype(bool),
                                        ref["local_control_net"][common].astype(bool),
                                        rng=gen)  # fmt: skip
                row = {"arm": arm.name, "reference": d.reference, "ifn_state": state,
                       "n_pairs": int(common.size), **pd_}  # fmt: skip
                if mode == "all" or (mode == "overall" and state == "all"):
                    both = pd.DataFrame({
                        "time": np.r_[ref["time"][common], a["time"][common]],
                        "event": np.r_[ref["event"][common], a["event"][common]],
                        "experimental": np.repeat([0, 1], common.size),
                    })  # fmt: skip
                    hr = cox_hazard_ratio(both)
                else:
                    hr = dict.fromkeys(("hr", "hr_lower", "hr_upper", "p_value"), math.nan)
                row.update(hr=hr["hr"], hr_lower=hr["hr_lower"], hr_upper=hr["hr_upper"],
                           hr_p_value=hr["p_value"])  # fmt: skip
                comp_rows.append(row)
        self.arms = pd.DataFrame(rows)
        self.by_state = pd.DataFrame(state_rows)
        self.comparisons = pd.DataFrame(comp_rows)
        self._normal_tissue()
        if self.parameter_draws is not None and not self.parameter_draws.empty:
            g = self.parameter_draws.groupby("arm")
            lo, hi = g["local_control_net"].quantile(0.025), g["local_control_net"].quantile(0.975)
            self.arms["param_lower"] = self.arms["arm"].map(lo)
            self.arms["param_upper"] = self.arms["arm"].map(hi)
            if not self.comparisons.empty:
                dlo, dhi = g["difference"].quantile(0.025), g["difference"].quantile(0.975)
                is_all = self.comparisons["ifn_state"] == "all"
                self.comparisons["diff_param_lower"] = (
                    self.comparisons["arm"].map(dlo).where(is_all)
                )
                self.comparisons["diff_param_upper"] = (
                    self.comparisons["arm"].map(dhi).where(is_all)
                )
        if d.power is not None:
            self.power = self._power(df)
        return self

    def _curves(self, df: pd.DataFrame) -> pd.DataFrame:
        from ifnexus.trial._km import cif_at, km_at

        d = self.design
        grid = curve_times(d.followup_years, d.endpoint.local_control_years)
        arm_of, t = df["arm"].to_numpy(), df["time"].to_numpy(float)
        event = df["event"].to_numpy()
        names = [a.name for a in d.arms]
        present = [a for a in names if (arm_of == a).any()]

        def flat(name: str, est: float) -> pd.DataFrame:
            return pd.DataFrame({"measure": name, "group": np.repeat(names, grid.size),
                                 "time": np.tile(grid, len(names)), "estimate": est,
                                 "lower": est, "upper": est})  # fmt: skip

        # kaplan_meier's and cumulative_incidence's estimates and limits per arm, from arrays
        # (ifnexus.trial._km: the designer), in the table's order: measure, arm, time
        out = {}
        for cause, name in ((1, "cif_local_failure"), (2, "cif_death")):
            if not (event == cause).any():
                out[name] = flat(name, 0.0)
                continue
            ci = pd.concat([cif_at(t[arm_of == a], event[arm_of == a], cause, grid, group=a)
                            for a in present], ignore_index=True)  # fmt: skip
            out[name] = pd.DataFrame({"measure": name, "group": ci["group"], "time": ci["time"],
                                      "estimate": ci["cif"], "lower": ci["lower"],
                                      "upper": ci["upper"]})  # fmt: skip
        if (event == 1).any():
            km = pd.concat([km_at(t[arm_of == a], event[arm_of == a] == 1, grid, group=a)
                            for a in present], ignore_index=True)  # fmt: skip
            out["local_control_km"] = pd.DataFrame({
                "measure": "local_control_km", "group": km["group"], "time": km["time"],
                "estimate": km["survival"], "lower": km["lower"], "upper": km["upper"]})  # fmt: skip
        else:  # no local failure in any arm: every curve is 1
            out["local_control_km"] = flat("local_control_km", 1.0)
        return pd.concat([out[m] for m in sorted(out)], ignore_index=True)

    def _normal_tissue(self) -> None:
        from ifnexus.trial._ntcp import lymphocyte_loss, organ_dose, read_dvh

        d = self.design
        lymph = {a.name: lymphocyte_loss(a.schedule, params=self.model_params) for a in d.arms}
        self.arms["lymphocyte_loss"] = self.arms["arm"].map(lymph)
        if d.normal_tissue is None:
            self.arms["ntcp_max"] = math.nan
            self.arms["over_ntcp_limit"] = False
            return
        limit = d.normal_tissue.ntcp_limit
        rows = []
        dvhs = {o.dvh: read_dvh(o.dvh, o.dvh_kind) for o in d.normal_tissue.organs if o.dvh}  # type: ignore[arg-type]
        for arm in d.arms:
            for o in d.normal_tissue.organs:
                res = organ_dose(arm.schedule, o.organ, relative_dose=o.relative_dose,
                                 volume=o.volume, dvh=dvhs.get(o.dvh) if o.dvh else None,
                                 dvh_prescription=o.dvh_prescription)  # fmt: skip
                rows.append({"arm": arm.name, **res, "dose_given_as":
                             "dvh" if o.dvh else f"{o.relative_dose:g} x prescription over "
                             f"{o.volume:g} of the organ", "ntcp_limit": limit,
                             "over_limit": res["ntcp"] > limit})  # fmt: skip
        self.normal_tissue = pd.DataFrame(rows)
        worst = self.normal_tissue.groupby("arm")["ntcp"].max()
        self.arms["ntcp_max"] = self.arms["arm"].map(worst)
        self.arms["over_ntcp_limit"] = self.arms["ntcp_max"] > limit

    def _power(self, df: pd.DataFrame) -> dict[str, Any]:
        from ifnexus.trial._power import (
            event_probability,
            freedman_sample_size,
            schoenfeld_events,
            simulated_power,
        )

        d = self.design
        spec = d.power
        if spec is None:
            return {}
        exp_name = spec.arm
        comp = self.comparisons
        row = comp[(comp["arm"] == exp_name) & (comp["ifn_state"] == "all")].iloc[0]
        hr = float(row["hr"])
        horizon = spec.accrual_years + spec.followup_years
        out: dict[str, Any] = {
            "reference": d.reference, "experimental": exp_name, "alpha": spec.alpha,
            "power": spec.power, "sides": spec.sides, "allocation": spec.allocation,
            "accrual_years": spec.accrual_years, "followup_years": spec.followup_years,
            "hazard_ratio": hr, "hazard_ratio_ci": [row["hr_lower"], row["hr_upper"]],
            "assumptions": [
                "log-rank test of time to local failure; background death competes and "
                "censors local failure",
                f"uniform accrual over {spec.accrual_years:g} years, analysis "
                f"{spec.followup_years:g} years after the last patient enters",
                "proportional hazards with the virtual trial's cause-specific Cox hazard ratio "
                "(formulas); the simulation makes no such assumption",
                "patients drawn with replacement from the virtual arms, independently per arm",
            ],
        }  # fmt: skip
        if horizon > d.followup_years + 1e-9:
            from ifnexus.errors import ValidationError

            raise ValidationError(
                f"[power] accrual_years + followup_years ({horizon:g}) exceeds [trial] "
                f"followup_years ({d.followup_years:g}); the virtual patients must be followed "
                f"at least as long as the real trial"
            )

        def cif_at(name: str):
            """Return the arm's Aalen-Johansen cumulative incidence of local failure at times."""
            from ifnexus.outcome import cumulative_incidence

            data = df.loc[df["arm"] == name, ["time", "event"]]

            def f(t: np.ndarray) -> np.ndarray:
                if not (data["event"] == 1).any():
                    return np.zeros(len(t))
                ci = cumulative_incidence(data, "time", "event", cause=1, times=list(t),
                                          event_codes=[0, 1, 2])  # fmt: skip
                return ci["cif"].to_numpy(float)

            return f

        p_e = event_probability(cif_at(exp_name), spec.accrual_years, spec.followup_years)  # type: ignore[arg-type]
        p_c = event_probability(cif_at(d.reference), spec.accrual_years, spec.followup_years)
        out["event_probability"] = {"experimental": p_e, "reference": p_c}
        if not (np.isfinite(hr) and hr > 0 and abs(math.log(hr)) > 1e-6) or min(p_e, p_c) <= 0:
            out["note"] = "no effect (hazard ratio 1 or no events): no sample size can be given"
            return out
        ev = schoenfeld_events(hr, alpha=spec.alpha, power=spec.power, allocation=spec.allocation,
                               sides=spec.sides)  # fmt: skip
        p_pool = spec.allocation * p_e + (1 - spec.allocation) * p_c
        n_s = math.ceil(ev / p_pool - 1e-9)
        out["schoenfeld"] = {"events": ev, "events_rounded": math.ceil(ev - 1e-9),
                             "n_total": n_s, "pooled_event_probability": p_pool}  # fmt: skip
        fr = freedman_sample_size(hr, p_e, p_c, alpha=spec.alpha, power=spec.power,
                                  ratio=spec.allocation / (1 - spec.allocation), sides=spec.sides)  # fmt: skip
        out["freedman"] = fr
        if n_s > MAX_SIMULATED_N:
            out["simulation"] = []
            out["simulated_n_total"] = None
            out["note"] = (
                f"the formulas need {n_s} patients, more than the {MAX_SIMULATED_N} "
                "the simulation runs; the effect is too small for a feasible trial"
            )
            return out
        pools = {}
        for name in (d.reference, exp_name):
            s = df[df["arm"] == name].assign(followup=d.followup_years)
            pools[name] = s[["time_to_failure", "time_to_death", "followup"]]
        grid = sorted({max(8, int(round(n_s * f))) for f in (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)})
        sims = []
        for i, n in enumerate(grid):
            r = simulated_power(pools[d.reference], pools[exp_name], n,  # type: ignore[index]
                                accrual=spec.accrual_years, followup=spec.followup_years,
                                alpha=spec.alpha, allocation=spec.allocation, sides=spec.sides,
                                simulations=spec.simulations,
                                rng=np.random.SeedSequence([d.seed, 0x706F77, i]))  # fmt: skip
            sims.append(r)
        out["simulation"] = sims
        pw = np.array([s["power"] for s in sims])
        ns = np.array([s["n_total"] for s in sims], float)
        above = np.flatnonzero(pw >= spec.power)
        if above.size == 0:
            n_sim = None
        elif above[0] == 0:
            n_sim = int(ns[0])
        else:
            j = int(above[0])
            x0, x1, y0, y1 = ns[j - 1], ns[j], pw[j - 1], pw[j]
            n_sim = int(math.ceil(x0 + (spec.power - y0) * (x1 - x0) / max(y1 - y0, 1e-12)))
        out["simulated_n_total"] = n_sim
        return out

    # ---------------------------------------------------------------------------- outputs
    @property
    def summary(self) -> pd.DataFrame:
        """The per-arm table (lifelines-style ``summary``).

        Returns
        -------
        pandas.DataFrame
            :attr:`arms` indexed by ``arm``; ``.attrs`` holds the endpoint time (years),
            the reference arm and the seed.
        """
        out = self.arms.set_index("arm")
        out.attrs.update(endpoint_years=self.design.endpoint.local_control_years,
                         reference=self.design.reference, seed=self.design.seed)  # fmt: skip
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON summary (``ifnexus trial --json``, ``summary.json``).

        Returns
        -------
        dict
            ``name``, ``endpoint`` (what every number measures, with its time point in years),
            ``reference``, ``patients_per_arm``, ``followup_years``, ``seed``, ``design`` (the
            tables read), ``model_params``, ``arms``, ``by_state``, ``comparisons``,
            ``normal_tissue`` (row records), ``power`` (or None), ``parameter_draws`` (row
            records, or None without a posterior) and ``assumptions``.
        """
        d = self.design
        t = d.endpoint.local_control_years

        def records(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [] if df.empty else df.to_dict(orient="records")

        return {
            "name": d.name,
            "endpoint": {
                "local_control_years": t,
                "local_control_net": f"fraction without local failure {t:g} years after the "
                "first fraction, model world without deaths",
                "local_control_km": f"Kaplan-Meier local control at {t:g} years, background "
                "deaths censored",
                "cif_local_failure": f"cumulative incidence of local failure at {t:g} years, "
                "death competing",
                "hazard_ratio": "cause-specific Cox hazard ratio of local failure over the whole "
                f"follow-up ({d.followup_years:g} years)",
            },
            "reference": d.reference, "patients_per_arm": d.patients_per_arm,
            "followup_years": d.followup_years, "seed": d.seed, "design": d.to_dict(),
            "model_params": self.model_params, "arms": records(self.arms),
            "by_state": records(self.by_state), "comparisons": records(self.comparisons),
            "normal_tissue": records(self.normal_tissue), "power": self.power,
            "parameter_draws": None if self.parameter_draws is None
            else records(self.parameter_draws),
            "assumptions": list(ASSUMPTIONS),
        }  # fmt: skip

    def write(self, out_dir: str | os.PathLike[str], *, figures: bool = True) -> list[Path]:
        """Write the tables, figures and ``summary.json`` into ``out_dir`` (atomically).

        Parameters
        ----------
        out_dir
            The output folder (created).
        figures
            Also draw ``local_control.png``, ``cumulative_incidence.png`` and
            ``differences.png``.

        Returns
        -------
        list of pathlib.Path
            ``arms.csv``, ``by_state.csv``, ``comparisons.csv``, ``curves.csv``,
            ``patients.csv.gz``, ``normal_tissue.csv`` (with organs), ``power.csv`` (with a
            power table), the figures and ``summary.json``.
        """
        from ifnexus._io import atomic_path, write_table, write_text
        from ifnexus._json import dumps

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files = [write_table(self.arms, out / "arms.csv"),
                 write_table(self.by_state, out / "by_state.csv"),
                 write_table(self.comparisons, out / "comparisons.csv"),
                 write_table(self.curves, out / "curves.csv")]  # fmt: skip
        with atomic_path(out / "patients.csv.gz") as tmp:  # mtime 0: identical bytes per run
            self.patients.to_csv(tmp, index=False, compression={"method": "gzip", "mtime": 0})
        files.append(out / "patients.csv.gz")
        if not self.normal_tissue.empty:
            files.append(write_table(self.normal_tissue, out / "normal_tissue.csv"))
        if self.parameter_draws is not None:
            files.append(write_table(self.parameter_draws, out / "parameter_draws.csv"))
        if self.power is not None and self.power.get("simulation"):
            files.append(write_table(pd.DataFrame(self.power["simulation"]), out / "power.csv"))
        if figures:
            from ifnexus._figures import save_figure
            from ifnexus.trial._plots import plot_differences, plot_trial_curves

            t = self.design.endpoint.local_control_years
            files.append(save_figure(plot_trial_curves(self.curves, "local_control_km",
                                                       endpoint_years=t),
                                     out / "local_control.png"))  # fmt: skip
            files.append(save_figure(plot_trial_curves(self.curves, "cif_local_failure",
                                                       endpoint_years=t),
                                     out / "cumulative_incidence.png"))  # fmt: skip
            if not self.comparisons.empty:
                files.append(save_figure(plot_differences(self.comparisons, endpoint_years=t),
                                         out / "differences.png"))  # fmt: skip
        files.append(write_text(out / "summary.json", dumps(self.to_dict())))
        return files


CURVE_STEP = 1.0 / 12.0


def curve_times(followup_years: float, endpoint_years: float) -> np.ndarray:
    """Return the times (years) of a trial's curves: each month of the follow-up, the endpoint.

    Parameters
    ----------
    followup_years
        The trial's follow-up.
    endpoint_years
        The endpoint time.

    Returns
    -------
    numpy.ndarray
        Ascending distinct times from 0 to at most ``followup_years``.
    """
    grid = np.unique(np.r_[np.arange(0.0, followup_years + 1e-9, CURVE_STEP), endpoint_years])
    return grid[grid <= followup_years]


#: largest trial (patients) whose power is simulated
MAX_SIMULATED_N = 5000
