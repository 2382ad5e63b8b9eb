"""``ifnexus tumour``: per-tumour purity, immune contexture, 9p21 status and IFN state."""

from __future__ import annotations

import logging
from enum import StrEnum
from pathlib import Path

import typer

from ifnexus._runfolder import run_output
from ifnexus.cli._options import JSON, NO_FIGURES
from ifnexus.errors import ValidationError

logger = logging.getLogger(__name__)

app = typer.Typer(
    help="Bulk tumour profiling: purity, contexture, 9p21, IFN state.", no_args_is_help=True
)


class BuildChoice(StrEnum):
    hg19 = "hg19"
    hg38 = "hg38"


class ScaleChoice(StrEnum):
    counts = "counts"
    tpm = "tpm"
    log = "log"
    intensity = "intensity"


class PlatformChoice(StrEnum):
    affymetrix = "affymetrix"
    agilent = "agilent"
    illumina = "illumina"
    rnaseq = "rnaseq"


class CnPurityChoice(StrEnum):
    auto = "auto"
    clinical = "clinical"
    estimate = "estimate"
    estimate_ifnaware = "estimate_ifnaware"
    none = "none"


@app.command("profile")
@run_output()
def profile_cmd(
    expression_arg: Path | None = typer.Argument(
        None,
        metavar="EXPRESSION",
        help="Genes x samples: TSV, CSV, GCT or parquet (optional with --segments/--gene-cn).",
        show_default=False,
    ),
    out: Path = typer.Option(..., "--out", help="Output directory (created)."),
    expression: Path | None = typer.Option(
        None, "--expression", help="Same as EXPRESSION (the older spelling)."
    ),
    segments: Path | None = typer.Option(
        None, "--segments", help="Copy-number segments (DNAcopy or TCGA headers)."
    ),
    gene_cn: Path | None = typer.Option(
        None, "--gene-cn", help="Gene-level copy number (log2 or GISTIC -2..2)."
    ),
    build: BuildChoice | None = typer.Option(None, "--build", help="Genome build of the segments."),
    clinical: Path | None = typer.Option(
        None, "--clinical", help="Clinical table (a 'purity' column is used)."
    ),
    reference: Path | None = typer.Option(
        None, "--reference", help="Baseline samples (untreated, sham) to calibrate the IFN state."
    ),
    scale: ScaleChoice | None = typer.Option(
        None, "--scale", help="Expression scale (detected when omitted)."
    ),
    platform: PlatformChoice | None = typer.Option(
        None, "--platform", help="Expression platform (purity calibration)."
    ),
    cn_purity: CnPurityChoice = typer.Option(
        CnPurityChoice.auto, "--cn-purity", help="Purity for 9p21 calls."
    ),
    homozygous: float = typer.Option(
        -1.1, "--homozygous", help="log2 at or below: homozygous deletion."
    ),
    hemizygous: float = typer.Option(
        -0.25, "--hemizygous", help="log2 at or below: hemizygous deletion."
    ),
    cluster_fraction: float = typer.Option(
        0.5, "--cluster-fraction", help="Fraction of IFN-cluster genes deleted."
    ),
    silenced_z: float = typer.Option(
        -2.0, "--silenced-z", help="CGAS/STING1 robust z for 'silenced'."
    ),
    controls: str | None = typer.Option(
        None,
        "--controls",
        help="Baseline samples for the IFN state: comma-separated ids, or COLUMN=VALUE of the "
        "clinical table (e.g. arm=sham). Default: a mixture model of the cohort.",
    ),
    min_probability: float = typer.Option(
        0.8, "--min-probability", help="IFN state called at or above this probability."
    ),
    min_effect: float = typer.Option(
        1.0, "--min-effect", help="Median log2 ISG induction that counts as IFN-induced."
    ),
    min_coverage: float = typer.Option(
        0.5, "--min-coverage", help="Fewest fraction of each IFN set's genes measured."
    ),
    chronic_z: float | None = typer.Option(
        None, "--chronic-z", hidden=True, help="Removed in 0.2 (refused)."
    ),
    chronic_margin: float | None = typer.Option(
        None, "--chronic-margin", hidden=True, help="Removed in 0.2 (refused)."
    ),
    no_figures: bool = NO_FIGURES,
    as_json: bool = JSON,
) -> None:
    """Profile tumours; write DIR/tumours.csv, DIR/genes_9p21.csv, figures and DIR/run.json."""
    from ifnexus.cli._app import usage_error
    from ifnexus.tumour import (
        profile_tumours,
        read_clinical,
        read_expression,
        read_numeric_matrix,
        read_segments,
        write_tumour_profile,
    )
    from ifnexus.tumour._profile import refuse_removed_chronic_rule

    if expression_arg is not None and expression is not None:
        raise usage_error("give the expression file once: EXPRESSION or --expression, not both")
    expression = expression_arg if expression_arg is not None else expression
    if expression is None and segments is None and gene_cn is None:
        raise ValidationError("give EXPRESSION, --segments or --gene-cn (at least one)")
    refuse_removed_chronic_rule(chronic_z, chronic_margin, cli=True)
    expr = read_expression(expression) if expression is not None else None
    seg = read_segments(segments) if segments is not None else None
    gcn = (
        read_numeric_matrix(gene_cn, what="gene-level copy number") if gene_cn is not None else None
    )
    clin = read_clinical(clinical) if clinical is not None else None
    ref = read_expression(reference) if reference is not None else None
    ctrl = _controls(controls, clin) if controls is not None else None
    prof = profile_tumours(
        expression=expr,
        segments=seg,
        gene_cn=gcn,
        build=build.value if build is not None else None,
        clinical=clin,
        platform=platform.value if platform is not None else None,  # type: ignore[arg-type]
        scale=scale.value if scale is not None else None,
        reference=ref,
        cn_purity=cn_purity.value,  # type: ignore[arg-type]
        homozygous=homozygous,
        hemizygous=hemizygous,
        cluster_fraction=cluster_fraction,
        silenced_z=silenced_z,
        controls=ctrl,
        min_effect=min_effect,
        min_probability=min_probability,
        min_coverage=min_coverage,
    )
    inputs = {"expression": expression, "segments": segments, "gene_cn": gene_cn,
              "build": build.value if build else None, "clinical": clinical,
              "reference": reference}  # fmt: skip
    written = write_tumour_profile(prof, out, figures=not no_figures, inputs=inputs)
    if as_json:  # the run record the command wrote, as one object
        import json

        typer.echo(json.dumps(json.loads(Path(written[-1]).read_text()), indent=1))
        return
    files = written[:-1]
    if "scale_reason" in prof.attrs and "expression_scale" in prof.columns:
        scale_used = prof["expression_scale"].dropna()
        if len(scale_used):
            typer.echo(f"expression scale: {scale_used.iloc[0]} ({prof.attrs['scale_reason']})")
    typer.echo(
        f"{len(prof)} tumours profiled; wrote {', '.join(Path(f).name for f in files)}, run.json"
    )


def _controls(spec: str, clinical: object) -> list[str]:
    """Parse ``--controls``: comma-separated sample ids, or COLUMN=VALUE of the clinical table."""
    import pandas as pd

    if "=" in spec:
        col, _, value = spec.partition("=")
        col, value = col.strip(), value.strip()
        if not isinstance(clinical, pd.DataFrame):
            raise ValidationError(f"--controls {spec!r} names a clinical column; give --clinical")
        if col not in clinical.columns:
            raise ValidationError(
                f"--controls: the clinical table has no column {col!r} "
                f"(columns: {', '.join(map(str, clinical.columns[:10]))})"
            )
        vals = clinical[col].astype(str).str.strip()
        ids = [str(s) for s in clinical.index[vals == value]]
        if not ids:
            seen = ", ".join(sorted(vals.unique())[:10])
            raise ValidationError(
                f"--controls: no sample has {col} = {value!r} in the clinical table "
                f"(values: {seen})"
            )
        return ids
    ids = [x.strip() for x in spec.split(",") if x.strip()]
    if not ids:
        raise ValidationError("--controls is empty; give sample ids or COLUMN=VALUE")
    return ids
