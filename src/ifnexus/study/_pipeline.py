"""Analyse a generated study with the library functions a user would call, on the study's files.

Each stage reads the study's input files, calls the public functions of one domain (the same
functions the ``ifnexus`` commands call) and writes their outputs with the domain's own writers,
so ``study/analysis/`` holds the files the commands would write. No subprocess is started.
``analysis/commands.json`` logs every step: the library function, its parameters and outputs
(no timings, so two studies of one seed are byte-identical; each step's seconds go to the
``ifnexus.study`` logger at INFO level).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from ifnexus._io import write_table, write_text
from ifnexus._json import dumps, json_safe
from ifnexus.errors import IfnexusError

_LOG = logging.getLogger("ifnexus.study")

__all__ = ["ANALYSE_STEPS", "PipelineError", "analyse_study"]

Progress = Callable[[str], None]

ANALYSE_STEPS: tuple[str, ...] = (
    "tumour profile (purity, 9p21, IFN state)",
    "outcome features / cumulative incidence / Fine-Gray (local control by tumour features)",
    "screen test / phenotype (CRISPRi radiation screen)",
    "single-cell profile (IFN and immune states)",
)
"""The progress messages, one per stage, in order."""

CAUSE = 1.0
"""Event code of local failure in the study's clinical table (2: death without local failure)."""
FEATURES = ("ifn_state", "TumorPurity", "ifn_cluster_status", "cdkn2a_status")
REFERENCE = {
    "ifn_state": "acute-competent",
    "ifn_cluster_status": "neutral",
    "cdkn2a_status": "neutral",
}
CIF_TIMES = (12.0, 24.0, 36.0, 48.0)
DOUBLINGS = {"gamma": [8.0], "tau": [6.0], "rho": [3.0]}


class PipelineError(IfnexusError, RuntimeError):
    """An analysis step of the study pipeline failed."""


class _Log:
    """The step log written to ``analysis/commands.json``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.steps: list[dict[str, Any]] = []

    @contextlib.contextmanager
    def step(self, name: str, **parameters: Any) -> Iterator[list[Path]]:
        """Time one library step; the caller appends the files it wrote to the yielded list."""
        outputs: list[Path] = []
        t0 = time.perf_counter()
        try:
            yield outputs
        except IfnexusError as exc:
            raise PipelineError(f"study step {name} failed: {exc}") from exc
        _LOG.info("study step %s took %.3f s", name, time.perf_counter() - t0)
        self.steps.append(
            {
                "step": name,
                "parameters": json_safe(
                    {k: (self.rel(v) if isinstance(v, Path) else v) for k, v in parameters.items()}
                ),
                "outputs": [self.rel(p) for p in outputs],
            }
        )

    def rel(self, p: Path) -> str:
        try:
            return str(Path(p).relative_to(self.root))
        except ValueError:
            return str(p)


def _tumour(inp: Path, ana: Path, log: _Log) -> None:
    from ifnexus.tumour import (
        profile_tumours,
        read_clinical,
        read_expression,
        read_segments,
        write_tumour_profile,
    )

    expression, segments, clinical = (
        inp / "expression.tsv",
        inp / "segments.tsv",
        inp / "clinical.csv",
    )
    files = {"expression": expression, "segments": segments, "build": "hg38", "clinical": clinical}
    # the run record names the inputs relative to the study, so two studies of one seed agree
    rel_inputs = {k: (log.rel(v) if isinstance(v, Path) else v) for k, v in files.items()}
    with log.step("tumour.profile_tumours", **files, cn_purity="auto") as out:
        prof = profile_tumours(
            expression=read_expression(expression),
            segments=read_segments(segments),
            build="hg38",
            clinical=read_clinical(clinical),
        )
        out += write_tumour_profile(prof, ana / "tumour", inputs=rel_inputs)


def _outcome(inp: Path, ana: Path, log: _Log) -> None:
    from ifnexus.outcome import (
        FineGrayFitter,
        cumulative_incidence,
        cumulative_incidence_dict,
        feature_effects,
        gray_test,
        join_features,
        number_at_risk,
        write_cumulative_incidence,
        write_feature_effects,
    )

    d = ana / "outcome"
    with log.step("study.outcome_cohort", tumours=ana / "tumour" / "tumours.csv") as out:
        tumours = pd.read_csv(ana / "tumour" / "tumours.csv")
        # the study's IFN state is the radiotherapy class of the profile (acute-competent,
        # chronic, ifn-deficient; undetermined -> missing); the profile's ifn_state is the
        # acute/chronic/none call
        cls = tumours["ifn_class"]
        tumours["ifn_state"] = cls.where(cls != "undetermined")
        clinical = pd.read_csv(inp / "clinical.csv")
        keep = ["sample", *FEATURES]
        cohort = clinical.merge(tumours[keep], left_on="patient_id", right_on="sample", how="inner")
        cohort = cohort.drop(columns="sample")
        out.append(write_table(cohort, d / "cohort.csv"))

    with log.step("outcome.feature_effects", id_col="patient_id=sample", features=list(FEATURES),
                  cause=CAUSE, model="finegray", reference=REFERENCE) as out:  # fmt: skip
        data, idc = join_features(clinical, tumours, id_col="patient_id=sample")
        res = feature_effects(
            data, "time_months", "event", list(FEATURES), cause=CAUSE, model="finegray",
            reference=dict(REFERENCE), source=log.rel(inp / "clinical.csv"),
        )  # fmt: skip
        out += write_feature_effects(
            res, d / "features", meta={"command": "features", "id": idc}, time_unit="months"
        )

    with log.step("outcome.cumulative_incidence", group_col="ifn_state", cause=CAUSE,
                  times=list(CIF_TIMES)) as out:  # fmt: skip
        args = (cohort, "time_months", "event")
        tab = cumulative_incidence(*args, cause=CAUSE, group_col="ifn_state", times=CIF_TIMES)
        full = cumulative_incidence(*args, cause=CAUSE, group_col="ifn_state")
        gt = gray_test(*args, "ifn_state", cause=CAUSE)
        risk = number_at_risk(cohort, "time_months", "event", group_col="ifn_state", cause=CAUSE)
        files = write_cumulative_incidence(
            tab, d / "cif", cause=CAUSE, gray=gt, curves=full, meta={"command": "cif"},
            at_risk=risk, time_unit="months",
        )  # fmt: skip
        out += files
        payload = {
            "command": "cif",
            **cumulative_incidence_dict(tab, cause=CAUSE, gray=gt),
            "files": [Path(f).relative_to(d).as_posix() for f in files],
        }
        out.append(write_text(d / "cif.json", dumps(payload) + "\n"))

    # Fine-Gray's reference level of a categorical covariate is its first sorted level.
    with log.step("outcome.FineGrayFitter.fit", covariates=["ifn_state", "TumorPurity"],
                  categorical=["ifn_state"], cause=CAUSE) as out:  # fmt: skip
        fg = FineGrayFitter().fit(
            cohort, "time_months", "event", cause=CAUSE,
            covariates=["ifn_state", "TumorPurity"], categorical=["ifn_state"],
        )  # fmt: skip
        payload = {"command": "finegray", **fg.to_dict()}
        out.append(write_text(d / "finegray.json", dumps(payload) + "\n"))


def _screen(inp: Path, ana: Path, log: _Log) -> None:
    from ifnexus.screen import (
        mageck_test,
        phenotype_figures,
        phenotypes,
        read_counts,
        write_figures,
    )

    counts = read_counts(inp / "screen_counts.txt")
    d = ana / "screen"
    d.mkdir(parents=True, exist_ok=True)
    treated, untreated = "treated_1,treated_2", "untreated_1,untreated_2"
    with log.step("screen.mageck_test", treatment=treated, control=untreated) as out:
        res = mageck_test(counts, treated, untreated)
        out += res.write(d / "mageck")

    with log.step("screen.phenotypes", t0="T0_1,T0_2", untreated=untreated, treated=treated,
                  doublings=DOUBLINGS, control_gene="non-targeting", fdr=0.05, rng=0) as out:  # fmt: skip
        ph = phenotypes(
            counts, t0="T0_1,T0_2", untreated=untreated, treated=treated, doublings=DOUBLINGS,
            control_gene="non-targeting", fdr=0.05, rng=0,
        )  # fmt: skip
        out += ph.write(d / "phenotype", gene_set="CGAS_STING_IFNI_CORE")
        # the figures `ifnexus screen phenotype --out` draws beside its tables
        out += write_figures(d / "phenotype", phenotype_figures(ph.genes, ph.sgrnas))


def _singlecell(inp: Path, ana: Path, log: _Log) -> None:
    import anndata as ad

    from ifnexus.singlecell import profile, write_profile

    path = inp / "sc_tumours.h5ad"
    with log.step("singlecell.profile", input=path, species="mouse", sample_key="sample",
                  condition_key="condition", rng=0) as out:  # fmt: skip
        adata = ad.read_h5ad(path)
        result = profile(
            adata, species="mouse", sample_key="sample", condition_key="condition", rng=0
        )
        out += write_profile(result, adata, ana / "sc").values()


def analyse_study(study: str | Path, *, progress: Progress = lambda _: None) -> list[dict]:
    """Analyse ``study/inputs`` into ``study/analysis`` with the library; return the step log.

    Parameters
    ----------
    study
        A study folder written by :func:`ifnexus.study.generate_study`.
    progress
        Called with one message per stage (:data:`ANALYSE_STEPS`).

    Returns
    -------
    list of dict
        One record per step, also written to ``analysis/commands.json``: ``step`` (the library
        function), ``parameters`` and ``outputs`` (paths relative to the study).

    Raises
    ------
    PipelineError
        A step failed; the message names the step and gives the library's error.
    """
    d = Path(study)
    inp, ana = d / "inputs", d / "analysis"
    if not inp.is_dir():
        raise PipelineError(f"{inp} not found: give a study folder written by generate_study")
    log = _Log(d)
    stages = (_tumour, _outcome, _screen, _singlecell)
    for message, stage in zip(ANALYSE_STEPS, stages, strict=True):
        progress(message)
        stage(inp, ana, log)
    write_text(ana / "commands.json", dumps(log.steps))
    return log.steps
