"""``ifnexus score``: signature scores per cell (h5ad) or per sample (genes x samples table)."""

from __future__ import annotations

import enum
import logging
from pathlib import Path

import typer

from ifnexus.cli._files import open_h5ad
from ifnexus.cli._options import SPECIES_DETECTED, SpeciesChoice
from ifnexus.errors import ValidationError

logger = logging.getLogger(__name__)


class MethodChoice(enum.StrEnum):
    mean_control = "mean-control"
    ssgsea = "ssgsea"


def _load_input(path: Path, layer: str | None):
    """An h5ad opened backed (read-only, chunk by chunk) or a genes x samples table, transposed."""
    if not path.exists():
        raise ValidationError(f"input not found: {path}")
    if path.suffix.lower() == ".h5ad":
        return open_h5ad(path, backed=True), "cell"
    if layer is not None:
        raise ValidationError("--layer applies to h5ad input only")
    from ifnexus.tumour import read_expression

    return read_expression(path).T, "sample"


def score_cmd(
    input: Path = typer.Argument(
        ..., help="h5ad (cells x genes) or a genes x samples table (CSV/TSV/GCT)."
    ),
    sets: str | None = typer.Option(
        None, "--sets", help="Shipped set names, comma-separated (e.g. IFNA,ISG.RS)."
    ),
    gmt: Path | None = typer.Option(
        None, "--gmt", help="Gene sets from a GMT (or long TSV/CSV) file."
    ),
    method: MethodChoice = typer.Option(
        MethodChoice.mean_control, "--method", help="Scoring method."
    ),
    layer: str | None = typer.Option(
        None, "--layer", help="h5ad layer to score (default: .raw if present, else X)."
    ),
    use_raw: bool | None = typer.Option(
        None, "--use-raw/--no-raw", help="Score .raw (default: when present)."
    ),
    seed: int = typer.Option(
        0, "--seed", help="Seed of the control-gene draws (0: scanpy's default)."
    ),
    species: SpeciesChoice | None = SPECIES_DETECTED,
    min_genes: int = typer.Option(3, "--min-genes", help="Refuse a set with fewer genes found."),
    lognorm: bool = typer.Option(
        False, "--lognorm", help="Input is counts: normalise to 1e4 per row and log1p."
    ),
    chunk_size: int = typer.Option(20_000, "--chunk-size", help="Rows per chunk."),
    jobs: int = typer.Option(1, "--jobs", help="Threads for in-memory chunks (-1: all cores)."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address: score chunks on that cluster."
    ),
    out: Path = typer.Option(
        ..., "--out", help="Scores CSV: one row per cell/sample, one column per set."
    ),
    report: Path | None = typer.Option(
        None, "--report", help="Also write the per-set gene report (CSV)."
    ),
) -> None:
    """Score cells or samples for gene sets; ids first, one column per set."""
    from ifnexus import RunOptions
    from ifnexus._io import write_table
    from ifnexus.genesets import read_gene_sets
    from ifnexus.scoring import gene_report, score_sets

    if (sets is None) == (gmt is None):
        raise ValidationError("give exactly one of --sets NAME,... or --gmt FILE")
    sp = species.value if species is not None else None
    if gmt is not None:
        chosen = read_gene_sets(gmt, species=sp or "human")
    else:
        chosen = [s.strip() for s in sets.split(",") if s.strip()]  # type: ignore[union-attr]
        if not chosen:
            raise ValidationError("--sets is empty; give shipped set names separated by commas")
    data, id_name = _load_input(input, layer)
    try:
        scores = score_sets(
            data,
            chosen,
            method=method.value,
            rng=seed,
            species=sp,
            layer=layer,
            use_raw=use_raw,
            min_genes=min_genes,
            transform="lognorm" if lognorm else "none",
            options=RunOptions(chunk_size=chunk_size, n_jobs=jobs, scheduler=scheduler),
        )
    finally:
        if getattr(data, "isbacked", False):
            data.file.close()
    scores.index.name = id_name
    write_table(scores, out, index=True)
    rep = gene_report(scores)
    if report is not None:
        write_table(rep, report)
    for _, row in rep.iterrows():
        typer.echo(f"{row['set']}: {row['n_found']}/{row['n_genes']} genes found", err=True)
    typer.echo(f"wrote {len(scores)} {id_name}s x {scores.shape[1]} sets to {out}")
