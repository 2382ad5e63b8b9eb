"""``ifnexus screen``: MAGeCK ``count``/``test``, CRISPRi ``phenotype``, ``mixture``, ``pathway``.

``count`` and ``test`` accept ``mageck count`` / ``mageck test`` flags and write MAGeCK's files,
so a pipeline can swap ``mageck`` for ``ifnexus screen``. ``--fastq`` takes several files after
one flag, as MAGeCK's does.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from ifnexus._io import write_table
from ifnexus._runfolder import run_output
from ifnexus.cli._files import echo_json
from ifnexus.cli._options import JSON, NO_FIGURES, QUIET, main_input, seed_option
from ifnexus.cli._progress import progress
from ifnexus.errors import ValidationError

# the count table of 'screen test' and 'screen phenotype': positional, or MAGeCK's -k flag
COUNTS = typer.Argument(
    None, metavar="COUNTS", help="Count table (MAGeCK's count.txt layout).", show_default=False
)
COUNTS_ALIAS = typer.Option(
    None, "-k", "--count-table", help="Same as COUNTS (MAGeCK's flag, kept for pipelines)."
)

app = typer.Typer(
    help="CRISPR screens: MAGeCK-compatible count/test, CRISPRi gamma/tau/rho phenotypes.",
    no_args_is_help=True,
)


class Norm(StrEnum):
    none = "none"
    median = "median"
    total = "total"
    control = "control"


class RemoveZero(StrEnum):
    none = "none"
    control = "control"
    treatment = "treatment"
    both = "both"
    any = "any"


class LfcMethod(StrEnum):
    median = "median"
    alphamedian = "alphamedian"
    mean = "mean"
    alphamean = "alphamean"
    secondbest = "secondbest"


class Adjust(StrEnum):
    fdr = "fdr"
    holm = "holm"
    pounds = "pounds"


class Sort(StrEnum):
    neg = "neg"
    pos = "pos"


_EXTRA = {"allow_extra_args": True, "ignore_unknown_options": False}


@app.command("count", context_settings=_EXTRA)
@run_output(prefix="output_prefix")
def count_cmd(
    ctx: typer.Context,
    list_seq: Path = typer.Option(
        ..., "-l", "--list-seq", help="Library: sgRNA id, sequence, gene."
    ),
    fastq: list[str] = typer.Option(
        ...,
        "--fastq",
        help="FASTQ(.gz) per sample, space-separated after one --fastq (MAGeCK) or one "
        "--fastq per sample; commas join technical replicates.",
    ),
    sample_label: str = typer.Option("", "--sample-label", help="Comma-separated labels."),
    output_prefix: str = typer.Option("sample1", "-n", "--output-prefix", help="Output prefix."),
    trim_5: str = typer.Option(
        "AUTO", "--trim-5", help="5' trim length(s), comma-separated, or AUTO."
    ),
    sgrna_len: int = typer.Option(
        20,
        "--sgrna-len",
        help="Window length written by --unmapped-to-file (guide lengths come from the library).",
    ),
    count_n: bool = typer.Option(False, "--count-n", help="Count guides containing N."),
    reverse_complement: bool = typer.Option(
        False, "--reverse-complement", help="Reverse-complement the library guides."
    ),
    norm_method: Norm = typer.Option(
        Norm.median, "--norm-method", help="Normalisation of the normalised table."
    ),
    control_sgrna: Path | None = typer.Option(
        None, "--control-sgrna", help="Control sgRNA ids, one per line."
    ),
    unmapped_to_file: bool = typer.Option(
        False,
        "--unmapped-to-file",
        help="Also write PREFIX.unmapped.txt: the first --sgrna-len bases of unmapped reads.",
    ),
    as_json: bool = JSON,
    quiet: bool = QUIET,
) -> None:
    """Count guides in FASTQ files (``mageck count``).

    Writes PREFIX.count.txt, PREFIX.count_normalized.txt and PREFIX.countsummary.txt.
    """
    from ifnexus.screen._count import count_fastq

    extra = list(ctx.args)
    bad = [a for a in extra if a.startswith("-")]
    if bad:
        raise ValidationError(f"unknown option(s) {bad}")
    if len(fastq) > 1 and extra:
        raise ValidationError(
            f"give the FASTQ files either after one --fastq (MAGeCK's --fastq A B) or with one "
            f"--fastq each, not both: got --fastq {' --fastq '.join(fastq)} and {extra}"
        )
    files = [*fastq, *extra]
    labels = sample_label.split(",") if sample_label else None
    ctrl = None
    if control_sgrna:
        from ifnexus.screen._io import read_control_list

        ctrl = read_control_list(control_sgrna)
    with progress(f"counting {len(files)} sample(s)", total=2, quiet=quiet) as step:
        step(f"counting guides in {len(files)} sample(s)")
        res = count_fastq(
            files, list_seq, sample_labels=labels, trim_5=trim_5, count_n=count_n,
            reverse_complement=reverse_complement, norm_method=norm_method.value,
            control_sgrna=ctrl, unmapped_to_file=unmapped_to_file, sgrna_len=sgrna_len,
        )  # fmt: skip
        step(f"writing {output_prefix}.*")
        paths = res.write(output_prefix)
    if as_json:
        echo_json({"command": "screen count", "samples": res.summary_rows,
                   "files": [str(p) for p in paths]})  # fmt: skip
        return
    for r in res.summary_rows:
        typer.echo(
            f"{r['Label']}\t{r['File']}\treads {r['Reads']}\tmapped {r['Mapped']} "
            f"({r['Percentage']:.4g})"
        )
    typer.echo("wrote " + ", ".join(str(p) for p in paths))


@app.command("test")
@run_output(prefix="output_prefix")
def test_cmd(
    counts_arg: Path | None = COUNTS,
    count_table: Path | None = COUNTS_ALIAS,
    treatment_id: list[str] | None = typer.Option(
        None,
        "-t",
        "--treatment-id",
        help="Treatment labels or 0-based indices, comma-separated; repeat -t (with as many -c) "
        "for several comparisons.",
    ),
    control_id: list[str] | None = typer.Option(
        None,
        "-c",
        "--control-id",
        help="Control labels or indices (default: the rest); one -c per -t.",
    ),
    day0_label: str | None = typer.Option(
        None,
        "--day0-label",
        help="Day-0 sample label(s), comma-separated: every other sample is compared with them.",
    ),
    output_prefix: str = typer.Option("sample1", "-n", "--output-prefix", help="Output prefix."),
    norm_method: Norm = typer.Option(Norm.median, "--norm-method"),
    control_sgrna: Path | None = typer.Option(
        None, "--control-sgrna", help="Negative-control sgRNA ids."
    ),
    control_gene: Path | None = typer.Option(
        None, "--control-gene", help="Negative-control genes."
    ),
    paired: bool = typer.Option(False, "--paired", help="Paired replicate comparison."),
    remove_zero: RemoveZero = typer.Option(RemoveZero.both, "--remove-zero"),
    remove_zero_threshold: float = typer.Option(0.0, "--remove-zero-threshold"),
    gene_lfc_method: LfcMethod = typer.Option(LfcMethod.median, "--gene-lfc-method"),
    gene_test_fdr_threshold: float = typer.Option(0.25, "--gene-test-fdr-threshold"),
    adjust_method: Adjust = typer.Option(Adjust.fdr, "--adjust-method"),
    variance_estimation_samples: str | None = typer.Option(None, "--variance-estimation-samples"),
    sort_criteria: Sort = typer.Option(Sort.neg, "--sort-criteria"),
    skip_gene: list[str] | None = typer.Option(
        None, "--skip-gene", help="Genes not permuted (repeatable)."
    ),
    normcounts_to_file: bool = typer.Option(False, "--normcounts-to-file"),
    additional_rra_parameters: str | None = typer.Option(None, "--additional-rra-parameters"),
    seed: int | None = seed_option(
        "Permute with numpy and this seed instead of MAGeCK's own generator.", default=None
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Directory for figures (volcano, rank plots)."
    ),
    as_json: bool = JSON,
) -> None:
    """alpha-RRA test (``mageck test``): PREFIX.gene_summary.txt and PREFIX.sgrna_summary.txt.

    Several comparisons (repeated -t/-c, or --day0-label) write one PREFIX.T_vs_C.* pair per
    comparison, copy the first to PREFIX.*, and join the others' gene columns onto
    PREFIX.gene_summary.txt with "T_vs_C|" prefixes, as MAGeCK does.
    """
    from ifnexus.screen import mageck_test_comparisons, read_control_list, read_counts

    count_table = main_input(counts_arg, count_table, metavar="COUNTS", flag="-k/--count-table")
    counts = read_counts(count_table)
    res = mageck_test_comparisons(
        counts, treatment_id, control_id, day0_label=day0_label, norm_method=norm_method.value,
        control_sgrna=read_control_list(control_sgrna) if control_sgrna else None,
        control_gene=read_control_list(control_gene) if control_gene else None,
        paired=paired, remove_zero=remove_zero.value,
        remove_zero_threshold=remove_zero_threshold, gene_lfc_method=gene_lfc_method.value,
        gene_test_fdr_threshold=gene_test_fdr_threshold, adjust_method=adjust_method.value,
        variance_estimation_samples=variance_estimation_samples,
        sort_criteria=sort_criteria.value,
        skip_gene=tuple(skip_gene) if skip_gene else ("NA", "na"),
        rra_options=additional_rra_parameters, rng="mageck" if seed is None else seed,
    )  # fmt: skip
    paths = res.write(output_prefix, normcounts_to_file=normcounts_to_file)
    comparisons: list[dict[str, Any]] = []
    for label, one in res.results.items():
        if out is not None:
            folder = out / res.file_label(label) if res.separate_files else out
            paths += _test_figures(one.genes, folder)
        s = one.summary
        comparisons.append({"comparison": label, "size_factors": list(one.size_factors),
                            "n_negative": int((s["hit"] & (s["test"] == "neg")).sum()),
                            "n_positive": int((s["hit"] & (s["test"] == "pos")).sum())})  # fmt: skip
    if as_json:
        echo_json({"command": "screen test", "fdr_threshold": gene_test_fdr_threshold,
                   "comparisons": comparisons, "files": [str(p) for p in paths]})  # fmt: skip
        return
    for c in comparisons:
        typer.echo(
            f"{c['comparison']}: size factors {' '.join(f'{x:.6g}' for x in c['size_factors'])}; "
            f"genes FDR<{gene_test_fdr_threshold:g}: "
            f"{c['n_negative']} negative, {c['n_positive']} positive"
        )
    typer.echo("wrote " + ", ".join(str(p) for p in paths))


def _test_figures(genes, out: Path) -> list[Path]:
    import numpy as np
    import pandas as pd

    from ifnexus.screen import rank_plot, volcano_plot, write_figures

    g = pd.DataFrame(
        {
            "gene": genes["id"],
            "lfc": genes["neg|lfc"],
            "lfc_p": np.minimum(genes["neg|p-value"], genes["pos|p-value"]),
            "lfc_hit": (genes["neg|fdr"] < 0.25) | (genes["pos|fdr"] < 0.25),
            "neg_lo": -np.log10(genes["neg|score"]),
            "pos_lo": -np.log10(genes["pos|score"]),
        }
    )
    figs = {
        "volcano": volcano_plot(g, "lfc"),
        "rank_neg": rank_plot(g, "neg_lo"),
        "rank_pos": rank_plot(g, "pos_lo"),
    }
    return write_figures(out, figs)


def _parse_doublings(text: str | None) -> dict[str, list[float]] | None:
    if not text:
        return None
    out: dict[str, list[float]] = {}
    for part in text.split(","):
        if "=" not in part:
            raise ValidationError(f"--doublings expects gamma=N,tau=N,rho=N; got {part!r}")
        k, v = part.split("=", 1)
        k = k.strip()
        if k not in ("gamma", "tau", "rho"):
            raise ValidationError(f"--doublings: unknown phenotype {k!r} (gamma, tau or rho)")
        try:
            out[k] = [float(x) for x in v.split("/")]
        except ValueError:
            raise ValidationError(f"--doublings: {v!r} is not a number") from None
    return out


@app.command("phenotype")
@run_output()
def phenotype_cmd(
    counts_arg: Path | None = COUNTS,
    count_table: Path | None = COUNTS_ALIAS,
    t0: str = typer.Option(..., "--t0", help="T0 samples (comma-separated)."),
    untreated: str = typer.Option(..., "--untreated", help="Untreated endpoint samples."),
    treated: str = typer.Option(..., "--treated", help="Irradiated endpoint samples."),
    out: Path = typer.Option(..., "--out", help="Output directory (created)."),
    doublings: str | None = typer.Option(
        None,
        "--doublings",
        help="gamma=N,tau=N,rho=N: population doublings (ScreenProcessing's growth values) each "
        "phenotype is divided by; N may be r1/r2 per replicate. A phenotype left out is "
        "divided by 1 (a log2 enrichment), with a warning, and listed in params.json "
        "(doublings_assumed).",
    ),
    control_gene: str = typer.Option(
        "non-targeting", "--control-gene", help="Gene label of non-targeting sgRNAs."
    ),
    control_sgrna: Path | None = typer.Option(
        None, "--control-sgrna", help="File of non-targeting sgRNA ids."
    ),
    best_n: int = typer.Option(3, "--best-n", help="Average the N strongest sgRNAs."),
    fdr: float = typer.Option(0.05, "--fdr", help="Empirical FDR for hit calls."),
    min_reads: float = typer.Option(50, "--min-reads", help="Read filter per sample pair."),
    filter_type: str = typer.Option("either", "--filter-type", help="either or both."),
    pseudocount: float = typer.Option(1.0, "--pseudocount"),
    seed: int = seed_option("Seed of the pseudogene draw."),
    gene_set: str = typer.Option(
        "CGAS_STING_IFNI_CORE", "--gene-set", help="Gene set for the pathway view."
    ),
    plot_gene: list[str] | None = typer.Option(
        None, "--plot-gene", help="Plot this gene's sgRNAs (repeatable)."
    ),
    no_figures: bool = NO_FIGURES,
    figures: bool = typer.Option(
        False, "--figures", hidden=True, help="Write figures (the default; kept for old scripts)."
    ),
    as_json: bool = JSON,
) -> None:
    """Gamma/tau/rho phenotypes and hits of a CRISPRi radiation screen.

    Writes DIR/genes.csv, sgrnas.csv, pseudogenes.csv, pathway_ranks.csv, pathway_enrichment.csv,
    params.json and figures.
    """
    import warnings

    from ifnexus.cli._app import warn
    from ifnexus.errors import IfnexusWarning
    from ifnexus.screen import (
        phenotype_figures,
        phenotypes,
        read_control_list,
        read_counts,
        write_figures,
    )  # fmt: skip

    count_table = main_input(counts_arg, count_table, metavar="COUNTS", flag="-k/--count-table")
    counts = read_counts(count_table)
    growth = _parse_doublings(doublings)
    with warnings.catch_warnings():
        # the default is said once below, in the CLI's words
        warnings.filterwarnings("ignore", "no doublings given", IfnexusWarning)
        res = phenotypes(
            counts, t0=t0, untreated=untreated, treated=treated, doublings=growth,
            control_gene=None if control_sgrna else control_gene,
            control_sgrna=read_control_list(control_sgrna) if control_sgrna else None,
            min_reads=min_reads, filter_type=filter_type, pseudocount=pseudocount,  # type: ignore[arg-type]
            best_n=best_n, fdr=fdr, rng=seed,
        )  # fmt: skip
    assumed = res.params["doublings_assumed"]
    if assumed:
        warn(
            f"no --doublings for {', '.join(assumed)}: assumed 1 doubling, so "
            f"{'/'.join(assumed)} {'is a' if len(assumed) == 1 else 'are'} log2 enrichment(s), "
            "not phenotype(s) per population doubling, as ScreenProcessing reports them without "
            "growth values; recorded in params.json (doublings_assumed). Give "
            "--doublings gamma=N,tau=N,rho=N (the population doublings each phenotype is "
            "divided by) to normalise them."
        )
    paths = res.write(out, gene_set=gene_set)
    if not no_figures:
        figs = phenotype_figures(res.genes, res.sgrnas, plot_genes=plot_gene or ())
        paths += write_figures(out, figs)
    g = res.genes
    if as_json:
        echo_json({"command": "screen phenotype", "fdr": fdr, "doublings_assumed": assumed,
                   "hits": {p: int(g[f"{p}_hit"].sum()) for p in ("gamma", "tau", "rho")},
                   "files": [str(p) for p in paths]})  # fmt: skip
        return
    typer.echo(
        "hits at FDR "
        + f"{fdr:g}: "
        + ", ".join(f"{p} {int(g[f'{p}_hit'].sum())}" for p in ("gamma", "tau", "rho"))
    )
    typer.echo(f"wrote {len(paths)} files to {out}")


class MixtureDirection(StrEnum):
    negative = "negative"
    positive = "positive"
    both = "both"


class MixtureNull(StrEnum):
    controls = "controls"
    bulk = "bulk"


class MixturePrior(StrEnum):
    estimated = "estimated"
    uniform = "uniform"


class MixtureNullTail(StrEnum):
    robust = "robust"
    fitted = "fitted"


class MixtureFdrMethod(StrEnum):
    null = "null"
    model = "model"


@app.command("mixture")
@run_output()
def mixture_cmd(
    guides: Path = typer.Argument(
        ...,
        metavar="GUIDES",
        help="Guide table: sgrnas.csv of 'screen phenotype', a MAGeCK sgrna_summary.txt (with "
        "--score z), or any CSV/TSV with a gene column, a score column and a control column.",
    ),
    score: str = typer.Option(
        "rho",
        "--score",
        help="Score column (gamma, tau, rho or a guide log fold change); z on a MAGeCK "
        "sgrna_summary takes its signed sgRNA z-scores. Several, comma-separated "
        "(gamma,tau,rho): one sub-folder of DIR each.",
    ),
    out: Path = typer.Option(..., "--out", help="Output directory (created)."),
    gene_column: str = typer.Option("Gene", "--gene-column", help="Column of guide genes."),
    control_column: str = typer.Option(
        "control", "--control-column", help="Boolean column marking non-targeting guides."
    ),
    control_gene: str | None = typer.Option(
        None, "--control-gene", help="Gene label of non-targeting guides (instead of the column)."
    ),
    null: MixtureNull = typer.Option(
        MixtureNull.controls,
        "--null",
        help="controls: skew-t fitted to the non-targeting guides; bulk: a normal fitted to the "
        "targeting guides (no controls, or knockout screens whose controls do not cut).",
    ),
    direction: MixtureDirection = typer.Option(
        MixtureDirection.negative,
        "--direction",
        help="Active guides lower the score (negative: depletion, sensitisers), raise it, or both.",
    ),
    prior: MixturePrior = typer.Option(
        MixturePrior.estimated,
        "--prior",
        help="Gene-level prior over the fraction of active guides: estimated from the screen "
        "(default) or CRISPhieRmix's uniform prior.",
    ),
    min_guides: int = typer.Option(
        2, "--min-guides", help="Genes with fewer scored guides are undetermined."
    ),
    null_tail: MixtureNullTail = typer.Option(
        MixtureNullTail.robust,
        "--null-tail",
        help="robust (default): the controls null carries a uniform outlier part of weight "
        "(k+1)/(n+2), so one guide beyond every control is not taken as strong evidence; "
        "fitted: the skew-t alone (optimistic FDRs with few controls).",
    ),
    min_active: float = typer.Option(
        2.0,
        "--min-active",
        help="Active genes are expected to have at least this many active guides (estimated "
        "prior; 0: any number).",
    ),
    fdr: float = typer.Option(0.05, "--fdr", help="FDR of hit calls."),
    fdr_method: MixtureFdrMethod | None = typer.Option(
        None,
        "--fdr-method",
        help="null (default with --null controls): Benjamini-Hochberg on p-values from the "
        "guides' ranks among the controls (conformal; no assumption about active guides); "
        "model (default with --null bulk): the model's tail-area FDR, as CRISPhieRmix.",
    ),
    seed: int = seed_option("Seed of the simulated null genes of --fdr-method null."),
    no_figures: bool = NO_FIGURES,
    as_json: bool = JSON,
) -> None:
    """Gene calls robust to inactive guides: hierarchical mixture of active and inactive sgRNAs.

    The CRISPhieRmix model: guide scores are a null (inactive guides) plus an active
    component; each gene's posterior integrates over its fraction of active guides. Writes
    DIR/mixture_genes.csv (posterior, local FDR, p-value, FDR, hit, active fraction, effect,
    status and the reason of undetermined genes), mixture_guides.csv, mixture_params.json and figures
    (mixture_fit.png, mixture_posterior.png).
    """
    from ifnexus.screen import mixture_figures, mixture_gene_calls, write_figures
    from ifnexus.screen._pathway import read_gene_table

    table = read_gene_table(guides, what="guide table")
    scores = [x.strip() for x in score.split(",") if x.strip()]
    if not scores or len(set(scores)) != len(scores):
        raise ValidationError(f"--score: expected column name(s), comma-separated; got {score!r}")
    if "z" in scores and "z" not in table.columns and "high_in_treatment" in table.columns:
        from ifnexus.screen import sgrna_z_scores

        table = sgrna_z_scores(table)  # a MAGeCK sgrna_summary: signed sgRNA z-scores
    results = {}
    for sc in scores:  # every score is checked before anything is written
        try:
            results[sc] = mixture_gene_calls(
                table, sc, gene_column=gene_column,
                control_column=None if control_gene else control_column,
                control_gene=control_gene, null=null.value,  # type: ignore[arg-type]
                direction=direction.value, min_guides=min_guides, fdr=fdr,  # type: ignore[arg-type]
                prior=prior.value, null_tail=null_tail.value,  # type: ignore[arg-type]
                min_active=min_active,
                fdr_method=fdr_method.value if fdr_method else None,  # type: ignore[arg-type]
                seed=seed,
            )  # fmt: skip
        except ValidationError as exc:
            msg = str(exc)
            for opt, name in (("--score", sc), ("--gene-column", gene_column),
                              ("--control-column", control_column)):  # fmt: skip
                if f"no column {name!r}" in msg:
                    raise ValidationError(f"{opt}: {msg}") from None
            raise
    paths: list[Path] = []
    summary = {}
    for sc, res in results.items():
        folder = out if len(results) == 1 else out / sc  # several scores: one folder each
        paths += res.write(folder)
        if not no_figures:
            paths += write_figures(folder, mixture_figures(res))
        g = res.genes
        n_und = int((g["status"] == "undetermined").sum())
        summary[sc] = {"hits": int(g["hit"].sum()), "undetermined": n_und,
                       "fit": res.fit.to_dict()}  # fmt: skip
        if not as_json:
            f = res.fit
            comps = ", ".join(
                f"{d}: tau {f.weights[d]:.3f}, mean {f.means[d]:.3g}, sd {f.sds[d]:.3g}"
                for d in f.directions
            )
            typer.echo(f"{sc}: guide mixture ({f.null} null, {f.n_guides} guides): {comps}")
            how = "conformal" if res.params["fdr_method"] == "null" else "model"
            typer.echo(
                f"{sc}: {int(g['hit'].sum())} hits at FDR {fdr:g} ({how} FDR) "
                f"of {len(g) - n_und} genes "
                f"scored; {n_und} undetermined (fewer than {min_guides} scored guides)"
            )
    if as_json:
        one = summary[scores[0]] if len(scores) == 1 else {}
        echo_json({"command": "screen mixture", "score": score, "fdr": fdr, **one,
                   "scores": summary, "files": [str(p) for p in paths]})  # fmt: skip
        return
    typer.echo(f"wrote {len(paths)} files to {out}")


@app.command("pathway")
@run_output()
def pathway_cmd(
    genes: Path = typer.Argument(
        ..., metavar="GENES", help="Gene table (phenotype genes.csv or MAGeCK gene_summary)."
    ),
    score: str = typer.Option(..., "--score", help="Column to rank by."),
    gene_set: str = typer.Option("CGAS_STING_IFNI_CORE", "--gene-set", help="Shipped set name."),
    ascending: bool = typer.Option(False, "--ascending", help="Small values rank first."),
    out: Path | None = typer.Option(
        None, "--out", help="Directory to write ranks.csv and enrichment.csv in."
    ),
    as_json: bool = JSON,
) -> None:
    """Where a gene set ranks in a screen, and its rank-sum enrichment."""
    import pandas as pd

    from ifnexus.screen import gene_set_ranks, rank_enrichment
    from ifnexus.screen._pathway import read_gene_table

    table = read_gene_table(genes)
    ranks = gene_set_ranks(table, gene_set, score=score, ascending=ascending)
    # AUC and the one-sided test follow the ranking: near 1 for a set at its top
    enr = rank_enrichment(table, gene_set, score=score, ascending=ascending,
                          alternative="greater")  # fmt: skip
    files = []
    if out is not None:
        files = [str(write_table(ranks, out / "ranks.csv")),
                 str(write_table(enr, out / "enrichment.csv"))]  # fmt: skip
    if as_json:
        echo_json({"command": "screen pathway", "ranks": ranks.to_dict(orient="records"),
                   "enrichment": enr.to_dict(orient="records"), "files": files})  # fmt: skip
        return
    for r in ranks.itertuples():
        rank = "-" if pd.isna(r.rank) else f"{int(r.rank)}"
        typer.echo(f"{r.set_gene}\t{r.screen_gene or '-'}\trank {rank}")
    e = enr.iloc[0]
    typer.echo(f"{e['set']}: {e['n_found']}/{e['n_set']} found, AUC {e['auc']:.3f}, p {e['p']:.3g}")
