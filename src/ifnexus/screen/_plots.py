"""Screen figures: volcano (IFN axis labelled), rank plot, replicate agreement, one gene's sgRNAs.

Each function draws on a given matplotlib Axes (``ax=``) or on a new pyplot-free Figure's Axes
and returns the Axes, lifelines style; nothing is shown or saved here (``write_figures`` or
:func:`ifnexus._figures.save_figure` save). The IFN-axis genes labelled by default are the
cGAS-STING-IFN-I core of :mod:`ifnexus.genesets`, matched through symbol aliases.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ifnexus._figures import new_axes, save_figure
from ifnexus._textfile import safe_file_stem
from ifnexus.errors import ValidationError
from ifnexus.genesets import get_set, resolve_genes
from ifnexus.screen._phenotype import PHENOTYPES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "phenotype_figures",
    "rank_plot",
    "replicate_plot",
    "sgrna_plot",
    "volcano_plot",
    "write_figures",
]


def _axes(ax: Axes | None) -> Axes:
    return new_axes(ax, (5.5, 4.5))


def _require(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise a ValidationError naming the first missing column and the available ones."""
    for c in columns:
        if c not in table.columns:
            raise ValidationError(
                f"{what}: column {c!r} not in the table; available columns: "
                + ", ".join(map(str, table.columns))
            )


def _label_set(genes: Sequence[str], label: Sequence[str] | None) -> dict[str, str]:
    wanted = list(label) if label is not None else list(get_set("CGAS_STING_IFNI_CORE").genes)
    return {v: k for k, v in resolve_genes(wanted, [str(g) for g in genes]).mapping.items()}


def _label_points(ax: Axes, x: np.ndarray, y: np.ndarray, texts: Sequence[str]) -> None:
    """Name points with labels stacked downwards where they would overlap, linked by a line."""
    if not len(texts):
        return
    ax.autoscale_view()
    px = ax.transData.transform(np.c_[x, y])
    pt = ax.figure.dpi / 72.0  # pixels per point
    line, char = 9.0 * pt, 7 * 0.62 * pt  # label height and mean character width (7 pt font)
    placed: list[tuple[float, float, float]] = []  # left, bottom and width of placed labels
    for i in np.argsort(-px[:, 1], kind="stable"):
        width = len(texts[i]) * char
        dy = 3.0
        while any(
            abs(px[i, 1] + dy * pt - b) < line
            and px[i, 0] + 3 * pt < left + w
            and left < px[i, 0] + 3 * pt + width
            for left, b, w in placed
        ):
            dy -= 9.0
        placed.append((px[i, 0] + 3 * pt, px[i, 1] + dy * pt, width))
        ax.annotate(texts[i], (x[i], y[i]), fontsize=7, xytext=(3, dy), textcoords="offset points",
                    arrowprops=None if dy == 3.0 else {"arrowstyle": "-", "lw": 0.4, "color": "0.5"})  # fmt: skip


def volcano_plot(
    genes: pd.DataFrame,
    phenotype: str = "rho",
    *,
    p_column: str | None = None,
    hit_column: str | None = None,
    gene_column: str = "gene",
    label: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Phenotype against -log10 p; hits highlighted; IFN-axis genes (or ``label``) named.

    Parameters
    ----------
    genes
        Gene table (e.g. ``PhenotypeResult.genes``).
    phenotype
        Column of the phenotype drawn on x.
    p_column
        Column of p-values (default ``<phenotype>_p``).
    hit_column
        Boolean column of hits (default ``<phenotype>_hit``; ignored when absent).
    gene_column
        Column of gene symbols.
    label
        Genes to name (matched through symbol aliases); default the cGAS-STING-IFN-I core.
    ax
        Axes to draw on; a new Figure's Axes when None.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    p_column = p_column or f"{phenotype}_p"
    hit_column = hit_column if hit_column is not None else f"{phenotype}_hit"
    _require(genes, (phenotype, p_column, gene_column), "volcano plot")
    ax = _axes(ax)
    x = genes[phenotype].to_numpy(dtype=float)
    y = -np.log10(np.clip(genes[p_column].to_numpy(dtype=float), 1e-300, 1))
    hit = genes[hit_column].to_numpy(dtype=bool) if hit_column in genes.columns else None
    ax.scatter(x, y, s=4, c="0.7", lw=0, rasterized=True)
    if hit is not None and hit.any():
        ax.scatter(x[hit], y[hit], s=8, c="tab:red", lw=0, label="hit")
    names = genes[gene_column].astype(str).to_numpy()
    lab = _label_set(names, label)
    idx = np.flatnonzero(np.isin(names, list(lab)))
    ax.scatter(x[idx], y[idx], s=18, facecolor="none", edgecolor="tab:blue")
    texts = [lab[n] if lab[n] == n else f"{n} ({lab[n]})" for n in names[idx]]
    _label_points(ax, x[idx], y[idx], texts)
    ax.axvline(0, color="0.5", lw=0.5)
    ax.set_xlabel(f"{phenotype} phenotype")
    ax.set_ylabel("-log10 p")
    ax.set_title(f"{phenotype}: {int(hit.sum()) if hit is not None else 0} hits")
    return ax


def rank_plot(
    genes: pd.DataFrame,
    score: str,
    *,
    gene_column: str = "gene",
    label: Sequence[str] | None = None,
    ascending: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Genes ordered by ``score``; the IFN-axis genes (or ``label``) marked and named.

    Parameters
    ----------
    genes
        Gene table.
    score
        Column the genes are ranked by.
    gene_column
        Column of gene symbols.
    label
        Genes to name (matched through symbol aliases); default the cGAS-STING-IFN-I core.
    ascending
        Rank the smallest score first.
    ax
        Axes to draw on; a new Figure's Axes when None.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    _require(genes, (score, gene_column), "rank plot")
    ax = _axes(ax)
    t = genes[[gene_column, score]].dropna().sort_values(score, ascending=ascending)
    r = np.arange(1, t.shape[0] + 1)
    v = t[score].to_numpy(dtype=float)
    ax.plot(r, v, color="0.4", lw=1)
    names = t[gene_column].astype(str).to_numpy()
    lab = _label_set(names, label)
    idx = np.flatnonzero(np.isin(names, list(lab)))
    ax.scatter(r[idx], v[idx], s=16, c="tab:blue", zorder=3)
    _label_points(ax, r[idx].astype(float), v[idx], list(names[idx]))
    ax.set_xlabel("rank")
    ax.set_ylabel(score)
    return ax


def replicate_plot(sgrnas: pd.DataFrame, phenotype: str = "rho", *, ax: Axes | None = None) -> Axes:
    """Replicate 1 against replicate 2 sgRNA phenotypes, with the Pearson r in the title.

    Parameters
    ----------
    sgrnas
        sgRNA table with ``<phenotype>_r1``, ``<phenotype>_r2`` and optionally ``control``.
    phenotype
        Phenotype drawn.
    ax
        Axes to draw on; a new Figure's Axes when None.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    c1, c2 = f"{phenotype}_r1", f"{phenotype}_r2"
    if c1 not in sgrnas.columns or c2 not in sgrnas.columns:
        raise ValidationError(f"replicate plot needs two replicates of {phenotype}")
    ax = _axes(ax)
    x = sgrnas[c1].to_numpy(dtype=float)
    y = sgrnas[c2].to_numpy(dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    ctrl = sgrnas["control"].to_numpy(dtype=bool) if "control" in sgrnas else np.zeros_like(ok)
    ax.scatter(x[ok & ~ctrl], y[ok & ~ctrl], s=3, c="0.5", lw=0, rasterized=True, label="genes")
    ax.scatter(x[ok & ctrl], y[ok & ctrl], s=3, c="tab:orange", lw=0, label="non-targeting")
    r = float(np.corrcoef(x[ok], y[ok])[0, 1]) if ok.sum() > 2 else float("nan")
    ax.set_xlabel(f"{phenotype} replicate 1")
    ax.set_ylabel(f"{phenotype} replicate 2")
    ax.set_title(f"replicate agreement: r = {r:.3f}")
    ax.legend(fontsize=7, markerscale=3)
    return ax


def sgrna_plot(
    sgrnas: pd.DataFrame, gene: str, phenotype: str = "rho", *, ax: Axes | None = None
) -> Axes:
    """Mark the sgRNAs of one gene against the distribution of the non-targeting sgRNAs.

    Parameters
    ----------
    sgrnas
        sgRNA table with ``sgRNA``, ``Gene``, ``control`` and the phenotype column.
    gene
        Gene whose sgRNAs are marked.
    phenotype
        Phenotype drawn.
    ax
        Axes to draw on; a new Figure's Axes when None.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    if phenotype not in sgrnas.columns:
        raise ValidationError(f"sgRNA plot: column {phenotype!r} not in the sgRNA table")
    sel = sgrnas["Gene"].astype(str) == gene
    if not sel.any():
        raise ValidationError(f"gene {gene!r} has no sgRNAs in the table")
    ax = _axes(ax)
    ctrl = sgrnas.loc[sgrnas["control"].astype(bool), phenotype].dropna().to_numpy()
    if ctrl.size:
        ax.hist(ctrl, bins=40, color="0.8", density=True, label="non-targeting")
    v = sgrnas.loc[sel, phenotype].to_numpy(dtype=float)
    ids = sgrnas.loc[sel, "sgRNA"].astype(str).to_numpy()
    for k, (val, sid) in enumerate(zip(v, ids, strict=True)):
        if np.isfinite(val):
            ax.axvline(val, color="tab:red", lw=1)
            ax.annotate(sid, (val, 0), rotation=90, fontsize=6, xytext=(2, 5 + 4 * k),
                        textcoords="offset points")  # fmt: skip
    ax.set_xlabel(f"{phenotype} phenotype")
    ax.set_ylabel("density (non-targeting)")
    ax.set_title(f"{gene}: {int(np.isfinite(v).sum())} of {v.size} sgRNAs scored")
    return ax


def phenotype_figures(
    genes: pd.DataFrame,
    sgrnas: pd.DataFrame,
    *,
    plot_genes: Sequence[str] = (),
) -> dict[str, Axes]:
    """Draw the figures of a CRISPRi phenotype screen, by file stem, as ``screen phenotype`` writes.

    Parameters
    ----------
    genes, sgrnas
        ``PhenotypeResult.genes`` and ``PhenotypeResult.sgrnas`` of :func:`ifnexus.screen.phenotypes`.
    plot_genes
        Genes whose sgRNAs are drawn against the non-targeting ones (``sgrnas_<gene>``, rho).

    Returns
    -------
    dict of str to matplotlib.axes.Axes
        ``volcano_<p>`` and ``rank_<p>`` for each phenotype ``p`` in gamma, tau, rho,
        ``replicates_<p>`` where two replicates were given, then ``sgrnas_<gene>`` per gene in
        ``plot_genes``; each on its own new Figure. Save them with :func:`write_figures`.
    """
    figs: dict[str, Axes] = {}
    for p in PHENOTYPES:
        figs[f"volcano_{p}"] = volcano_plot(genes, p)
        figs[f"rank_{p}"] = rank_plot(genes, f"{p}_score")
        if f"{p}_r2" in sgrnas.columns:
            figs[f"replicates_{p}"] = replicate_plot(sgrnas, p)
    for g in plot_genes:
        figs[f"sgrnas_{g}"] = sgrna_plot(sgrnas, g, "rho")
    return figs


def write_figures(
    out_dir: str | os.PathLike[str],
    figures: Mapping[str, Figure | Axes],
    *,
    fmt: str = "png",
) -> list[Path]:
    """Save figures as ``out_dir/<name>.<fmt>`` atomically (through ``save_figure``).

    Names often come from data (``sgrnas_<gene>``): each is made one safe path component
    first (:func:`ifnexus._textfile.safe_file_stem`: separators and leading dots become
    ``_``), so no figure is written outside ``out_dir``.

    Parameters
    ----------
    out_dir
        Output folder (created).
    figures
        Name to Figure, or to an Axes whose figure is saved (as the plot functions return).
    fmt
        File format and suffix.

    Returns
    -------
    list of pathlib.Path
        The written paths, in the order of ``figures``.
    """
    out = Path(out_dir)
    stems = [safe_file_stem(name, what="figure name") for name in figures]
    if len(set(stems)) != len(stems):
        dup = next(x for x in stems if stems.count(x) > 1)
        raise ValidationError(
            f"two figures would both be written as {dup}.{fmt} once their names are made safe"
        )
    return [
        save_figure(fig, out / f"{stem}.{fmt}")
        for stem, fig in zip(stems, figures.values(), strict=True)
    ]
