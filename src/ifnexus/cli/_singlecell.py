"""``ifnexus sc``: single-cell IFN / immune profiling of an h5ad."""

from __future__ import annotations

import enum
import math
from pathlib import Path

import typer

from ifnexus._runfolder import run_output
from ifnexus.cli._files import echo_json, naming_input, open_h5ad
from ifnexus.cli._options import (
    JOBS,
    JSON,
    NO_FIGURES,
    QUIET,
    SPECIES_DETECTED,
    SpeciesChoice,
    chunk_size_option,
    run_options,
    scheduler_option,
    seed_option,
)
from ifnexus.cli._progress import progress

app = typer.Typer(
    help="Single-cell IFN / immune profiling (h5ad in, tables + figures out).", no_args_is_help=True
)


class KindChoice(enum.StrEnum):
    counts = "counts"
    lognorm = "lognorm"


@app.command("profile")
@run_output()
def profile_cmd(
    input: Path = typer.Argument(..., metavar="INPUT", help="AnnData .h5ad (cells x genes)."),
    species: SpeciesChoice | None = SPECIES_DETECTED,
    sample_key: str | None = typer.Option(None, "--sample-key", help=".obs column of the sample."),
    condition_key: str | None = typer.Option(
        None,
        "--condition-key",
        "--condition",
        help=".obs column of the condition (e.g. RT vs sham, IFN vs control).",
    ),
    reference: str | None = typer.Option(
        None, "--reference", help="Baseline condition of the comparisons."
    ),
    input_kind: KindChoice | None = typer.Option(
        None, "--input-kind", help="counts or lognorm (default: detected)."
    ),
    layer: str | None = typer.Option(
        None, "--layer", help="Layer to use (default: .raw if present, else X)."
    ),
    control: str | None = typer.Option(
        None,
        "--control",
        help="Control label of --condition: calibrate the IFN state against those cells "
        "(default: a mixture model of the score distribution).",
    ),
    min_control_cells: int = typer.Option(
        30, "--min-control-cells", min=3, help="Fewest control cells (overall and per cell type)."
    ),
    min_probability: float = typer.Option(
        0.8,
        "--min-probability",
        min=0.5,
        max=1.0,
        help="Smallest posterior of an IFN-state call; below it the cell is 'undetermined'.",
    ),
    min_effect: float = typer.Option(
        math.log(2.0),  # singlecell._ifn_state.MIN_EFFECT, without importing it at start-up
        "--min-effect",
        help="Smallest shift of a raised IFN-state mixture component, in score units "
        "(natural-log mean-control score); a finite number >= 0.",
        show_default="ln 2 = 0.693",
    ),
    min_detected: int = typer.Option(
        2,  # singlecell._ifn_state.MIN_DETECTED, without importing it at start-up
        "--min-detected",
        min=0,
        help="Evidence floor: fewest genes of a programme a cell must express for that "
        "programme's IFN state.",
    ),
    detection_alpha: float = typer.Option(
        0.05,  # singlecell._ifn_state.DETECTION_ALPHA
        "--detection-alpha",
        min=0.0,
        max=1.0,
        help="Evidence floor: a programme detected this improbably rarely for the cell's own "
        "detection rate of expression-matched genes is not evidenced (0: the count only).",
    ),
    cluster_key: str | None = typer.Option(
        None,
        "--cluster-key",
        help=".obs column of clusters (e.g. leiden): call cell types per cluster, on the cluster "
        "means of the marker scores (default: per cell).",
    ),
    acute_threshold: float | None = typer.Option(
        None, "--acute-threshold", hidden=True, help="Removed in 0.2 (refused)."
    ),
    chronic_threshold: float | None = typer.Option(
        None, "--chronic-threshold", hidden=True, help="Removed in 0.2 (refused)."
    ),
    seed: int = seed_option("Seed of the control-gene draws."),
    backed: bool = typer.Option(
        False, "--backed", help="Read the h5ad backed (chunk by chunk) instead of into memory."
    ),
    chunk_size: int | None = chunk_size_option("Cells"),
    jobs: int = JOBS,
    scheduler: str | None = scheduler_option("With --backed the workers read the file themselves."),
    key_added: str = typer.Option(
        "ifnexus",
        "--key-added",
        help="Prefix of the results in profiled.h5ad: .obs['<key>_cell_type'], ..., "
        ".obsm['<key>_marker_scores'], .uns['<key>']. The input's own columns are kept.",
    ),
    overwrite: bool = typer.Option(
        False,
        "--overwrite",
        help="Replace results already in the input under the same --key-added (else refused).",
    ),
    no_figures: bool = NO_FIGURES,
    out: Path = typer.Option(..., "--out", help="Output directory (created)."),
    as_json: bool = JSON,
    quiet: bool = QUIET,
) -> None:
    """Per-cell scores, cell types, IFN states; per-sample summaries, comparisons, pseudobulk."""
    from ifnexus.cli._app import usage_error
    from ifnexus.errors import ValidationError
    from ifnexus.singlecell import profile, write_profile
    from ifnexus.singlecell._ifn_state import refuse_removed_thresholds
    from ifnexus.singlecell._profile import _check_min_effect

    try:  # the removed fixed thresholds: refused, with what replaces them, before any work
        refuse_removed_thresholds(acute_threshold, chronic_threshold, cli=True)
        _check_min_effect(min_effect)
    except ValidationError as exc:
        raise usage_error(str(exc)) from None
    opts = run_options(jobs=jobs, chunk_size=chunk_size, scheduler=scheduler)
    with progress(f"profiling {input.name}", total=3, quiet=quiet) as step:
        step(f"reading {input.name}" + (" (backed)" if backed else ""))
        adata = open_h5ad(input, backed=backed, layer=layer)
        try:
            step(f"scoring, annotating and summarising cells ({opts.workers} thread(s))")
            with naming_input(input):
                result = _profile(
                    profile, adata, opts, species=species.value if species else None,
                    sample_key=sample_key, condition_key=condition_key, reference=reference,
                    input_kind=input_kind.value if input_kind else None, layer=layer,
                    control=control, min_control_cells=min_control_cells,
                    min_probability=min_probability, min_effect=min_effect,
                    min_detected=min_detected, detection_alpha=detection_alpha,
                    cluster_key=cluster_key, rng=seed,
                    key_added=key_added, overwrite=overwrite,
                )  # fmt: skip
            step("writing tables and figures")
            paths = write_profile(result, adata, out, figures=not no_figures)
        finally:
            if adata.isbacked:
                adata.file.close()
    s = result.settings
    files = list(paths.values()) if isinstance(paths, dict) else list(paths)
    counts = result.cells["cell_type"].value_counts()
    if as_json:
        echo_json({"command": "sc profile", "n_cells": len(result.cells), "settings": s,
                   "cell_types": {str(k): int(v) for k, v in counts.items() if v},
                   "ifn_states": {str(k): int(v)
                                  for k, v in result.cells["ifn_state"].value_counts().items()},
                   "files": [str(p) for p in files]})  # fmt: skip
        return
    typer.echo(
        f"input: {s['input_kind']} ({s['input_kind_reason']}); species {s['species']}", err=True
    )
    typer.echo("cell types: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v), err=True)
    states = result.cells["ifn_state"].value_counts()
    typer.echo(
        f"IFN state ({s['ifn_state'].get('mode', '')} calibration): "
        + ", ".join(f"{k} {v}" for k, v in states.items() if v),
        err=True,
    )
    typer.echo(f"wrote {len(paths)} outputs to {out}")


def _profile(profile, adata, opts, **kw):
    """``profile`` with the run options in the form its signature takes."""
    return profile(adata, **kw, options=opts)
