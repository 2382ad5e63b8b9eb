"""``ifnexus score``: signature scores per cell (h5ad) or per sample (genes x samples table)."""

from __future__ import annotations

import enum
import logging
from pathlib import Path
from typing import Any

import typer

from ifnexus._runfolder import run_output
from ifnexus.cli._files import echo_json, naming_input, open_h5ad
from ifnexus.cli._options import (
    JOBS,
    JSON,
    QUIET,
    SCHEDULER,
    SPECIES_DETECTED,
    SpeciesChoice,
    chunk_size_option,
    run_options,
    seed_option,
)
from ifnexus.cli._progress import progress
from ifnexus.errors import ValidationError

logger = logging.getLogger(__name__)


class MethodChoice(enum.StrEnum):
    mean_control = "mean-control"
    ssgsea = "ssgsea"


#: suffixes with which --out is (deprecated) the scores file itself
_FILE_SUFFIXES = (".csv", ".tsv", ".txt")


def _load_input(path: Path, layer: str | None):
    """Open an h5ad backed (read-only, chunk by chunk) or read a genes x samples table, transposed."""
    if not path.exists():
        raise ValidationError(f"input not found: {path}")
    if path.suffix.lower() == ".h5ad":
        return open_h5ad(path, backed=True, layer=layer), "cell"
    if layer is not None:
        raise ValidationError("--layer applies to h5ad input only")
    from ifnexus.tumour import read_expression

    return read_expression(path).T, "sample"


@run_output(file_suffixes=_FILE_SUFFIXES)
def score_cmd(
    input: Path = typer.Argument(
        ...,
        metavar="INPUT",
        help="h5ad (cells x genes) or a genes x samples table (CSV/TSV/GCT).",
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
    seed: int = seed_option("Seed of the control-gene draws (0: scanpy's default)."),
    species: SpeciesChoice | None = SPECIES_DETECTED,
    min_genes: int = typer.Option(3, "--min-genes", help="Refuse a set with fewer genes found."),
    lognorm: bool = typer.Option(
        False, "--lognorm", help="Input is counts: normalise to 1e4 per row and log1p."
    ),
    chunk_size: int | None = chunk_size_option("Cells or samples"),
    jobs: int = JOBS,
    scheduler: str | None = SCHEDULER,
    out: Path = typer.Option(
        ...,
        "--out",
        help="Output directory: scores.csv (one row per cell/sample, one column per set) and "
        "gene_report.csv. (Deprecated: a path ending in .csv/.tsv/.txt is the scores file.)",
    ),
    report: Path | None = typer.Option(
        None, "--report", hidden=True, help="Deprecated: the gene report is OUT/gene_report.csv."
    ),
    as_json: bool = JSON,
    quiet: bool = QUIET,
) -> None:
    """Score cells or samples for gene sets; ids first, one column per set."""
    from ifnexus._io import write_table
    from ifnexus.genesets import read_gene_sets
    from ifnexus.scoring import gene_report, score_sets

    if (sets is None) == (gmt is None):
        raise ValidationError("give exactly one of --sets NAME,... or --gmt FILE")
    sp = species.value if species is not None else None
    chosen: Any
    if gmt is not None:
        chosen = read_gene_sets(gmt, species=sp or "human")
    else:
        chosen = [s.strip() for s in sets.split(",") if s.strip()]  # type: ignore[union-attr]
        if not chosen:
            raise ValidationError("--sets is empty; give shipped set names separated by commas")
    scores_path, report_path = _outputs(out, report)
    opts = run_options(jobs=jobs, chunk_size=chunk_size, scheduler=scheduler)
    with progress(f"scoring {input.name}", total=3, quiet=quiet) as step:
        step(f"reading {input.name}")
        data, id_name = _load_input(input, layer)
        step(f"scoring {len(chosen)} set(s) ({opts.workers} thread(s))")
        with naming_input(input):
            scores = _score(score_sets, data, chosen, opts, method=method.value, rng=seed,
                            species=sp, layer=layer, use_raw=use_raw, min_genes=min_genes,
                            transform="lognorm" if lognorm else "none")  # fmt: skip
        step("writing scores and the gene report")
        scores.index.name = id_name
        files = [str(write_table(scores, scores_path, index=True))]
        rep = gene_report(scores)
        if report_path is not None:
            files.append(str(write_table(rep, report_path)))
    if as_json:
        echo_json({"command": "score", "unit": id_name, "n": len(scores),
                   "sets": list(scores.columns), "method": method.value, "seed": seed,
                   "gene_report": rep.to_dict(orient="records"), "files": files})  # fmt: skip
        return
    for _, row in rep.iterrows():
        typer.echo(f"{row['set']}: {row['n_found']}/{row['n_genes']} genes found", err=True)
    typer.echo(f"wrote {len(scores)} {id_name}s x {scores.shape[1]} sets to {scores_path}")


def _outputs(out: Path, report: Path | None) -> tuple[Path, Path | None]:
    """Return the scores file and gene-report file (or ``None``) ``--out`` and ``--report`` name.

    ``--out DIR`` writes ``DIR/scores.csv`` and ``DIR/gene_report.csv``. The old meaning, a
    scores file (``--out scores.csv``, with ``--report FILE`` for the report), still works for
    one release with a warning.
    """
    from ifnexus.cli._app import warn

    if out.suffix.lower() in _FILE_SUFFIXES:
        warn(
            f"--out {out} names a file: deprecated, --out is a directory (OUT/scores.csv, "
            "OUT/gene_report.csv); a file path will be an error in 0.3"
        )
        return out, report
    if report is not None:
        warn("--report is deprecated: the gene report is written to OUT/gene_report.csv")
    return out / "scores.csv", report if report is not None else out / "gene_report.csv"


def _score(score_sets, data, chosen, opts, **kw):
    """``score_sets`` on ``data`` with the run options; a backed h5ad is closed afterwards."""
    try:
        return score_sets(data, chosen, **kw, options=opts)
    finally:
        if getattr(data, "isbacked", False):
            data.file.close()
