"""``ifnexus sc``: single-cell IFN / immune profiling of an h5ad."""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from ifnexus.cli._files import open_h5ad
from ifnexus.cli._options import NO_FIGURES, SPECIES_DETECTED, SpeciesChoice

app = typer.Typer(
    help="Single-cell IFN / immune profiling (h5ad in, tables + figures out).", no_args_is_help=True
)


class KindChoice(enum.StrEnum):
    counts = "counts"
    lognorm = "lognorm"


@app.command("profile")
def profile_cmd(
    input: Path = typer.Argument(..., help="AnnData .h5ad (cells x genes)."),
    species: SpeciesChoice | None = SPECIES_DETECTED,
    sample_key: str | None = typer.Option(None, "--sample-key", help=".obs column of the sample."),
    condition_key: str | None = typer.Option(
        None, "--condition-key", help=".obs column of the condition (e.g. RT vs sham)."
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
    acute: float = typer.Option(
        0.5, "--acute-threshold", help="ifn_acute score for the acute state."
    ),
    chronic: float = typer.Option(
        0.25, "--chronic-threshold", help="ifn_chronic score for the chronic state."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the control-gene draws."),
    backed: bool = typer.Option(
        False, "--backed", help="Read the h5ad backed (chunk by chunk) instead of into memory."
    ),
    chunk_size: int = typer.Option(20_000, "--chunk-size", help="Cells per chunk."),
    jobs: int = typer.Option(1, "--jobs", help="Threads (-1: all cores)."),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Dask scheduler address (e.g. tcp://host:8786): score the chunks on that cluster "
        "(same results as in process). With --backed the workers read the file themselves.",
    ),
    no_figures: bool = NO_FIGURES,
    out: Path = typer.Option(..., "--out", help="Output folder."),
) -> None:
    """Per-cell scores, cell types, IFN states; per-sample summaries, comparisons, pseudobulk."""
    from ifnexus import RunOptions
    from ifnexus.singlecell import profile, write_profile

    adata = open_h5ad(input, backed=backed)
    try:
        result = profile(
            adata,
            species=species.value if species else None,
            sample_key=sample_key,
            condition_key=condition_key,
            reference=reference,
            input_kind=input_kind.value if input_kind else None,
            layer=layer,
            acute_threshold=acute,
            chronic_threshold=chronic,
            rng=seed,
            options=RunOptions(chunk_size=chunk_size, n_jobs=jobs, scheduler=scheduler),
        )
        paths = write_profile(result, adata, out, figures=not no_figures)
    finally:
        if adata.isbacked:
            adata.file.close()
    s = result.settings
    typer.echo(
        f"input: {s['input_kind']} ({s['input_kind_reason']}); species {s['species']}", err=True
    )
    counts = result.cells["cell_type"].value_counts()
    typer.echo("cell types: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v), err=True)
    typer.echo(f"wrote {len(paths)} outputs to {out}")
