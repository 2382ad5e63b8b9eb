"""CRISPRi radiation-screen phenotypes (gamma, tau, rho), as ScreenProcessing computes them.

The Weissman-lab ScreenProcessing pipeline (Horlbeck et al. 2016, eLife 5:e19760;
mhorlbeck/ScreenProcessing).

Per sgRNA and replicate, for a pair of conditions (1 -> 2):

* read filter: the pair is masked when the larger (``either``) or smaller (``both``) count is
  below ``min_reads``;
* pseudocount: added to both counts of rows holding a zero (``zeros only``), to all rows
  (``all values``), or such rows dropped (``filter out``);
* log2 enrichment e = log2((c2 / total2) / (c1 / total1)) minus the median e of the
  non-targeting sgRNAs, divided by the doublings (growth) value of that phenotype.

gamma = T0 -> untreated, tau = T0 -> irradiated, rho = untreated -> irradiated. Replicates are
averaged (NaN in any replicate gives NaN, ScreenProcessing's rule). Per gene: the mean of the
``best_n`` sgRNAs with the largest |phenotype|, and a two-sided Mann-Whitney p against all
non-targeting sgRNAs (normal approximation with tie and continuity correction, as
``scipy.stats.mannwhitneyu(method='asymptotic')`` and ScreenProcessing use). One pseudogene per
gene is drawn from the non-targeting sgRNAs (same size, with replacement); the discriminant
score |phenotype / sd(pseudogenes)| x -log10 p of the pseudogenes gives an empirical FDR:
FDR(t) = (pseudogenes >= t / #pseudogenes) / (genes >= t / #genes), made monotone; hits are
genes with FDR <= ``fdr``.

The gene statistics are computed for all genes at once (sorting and ``searchsorted`` against the
sorted non-targeting phenotypes) instead of one ``mannwhitneyu`` call per gene; the test suite
checks them against scipy gene by gene.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ifnexus._rng import RngLike, as_generator
from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.screen._io import as_count_table, parse_samples

if TYPE_CHECKING:  # pragma: no cover
    from ifnexus.genesets import GeneSet
    from ifnexus.screen._mixture import MixtureResult

logger = logging.getLogger(__name__)

__all__ = ["PHENOTYPES", "PhenotypeResult", "gene_scores", "phenotypes", "sgrna_phenotype"]

PHENOTYPES = ("gamma", "tau", "rho")


def sgrna_phenotype(
    c1: np.ndarray,
    c2: np.ndarray,
    is_control: np.ndarray,
    *,
    growth: float = 1.0,
    min_reads: float = 50,
    filter_type: Literal["either", "both"] = "either",
    pseudocount: float = 1.0,
    pseudocount_behavior: Literal["zeros only", "all values", "filter out"] = "zeros only",
) -> np.ndarray:
    """Compute the phenotype of every sgRNA for one replicate of one comparison (condition 1 -> 2).

    The ScreenProcessing ``computePhenotypeScore`` value: ``log2`` of the sgRNA's depth-
    normalised ratio of condition 2 to condition 1, centred on the median of the non-targeting
    sgRNAs and divided by ``growth``.

    Parameters
    ----------
    c1, c2
        Read counts of every sgRNA in condition 1 and condition 2.
    is_control
        Boolean mask of the non-targeting sgRNAs.
    growth
        Doublings (or growth difference) to divide by (1: the log ratio itself).
    min_reads
        sgRNAs below this count are filtered (NaN).
    filter_type
        ``"either"``: filtered when both counts are below ``min_reads``; ``"both"``: when
        either is.
    pseudocount, pseudocount_behavior
        Count added to ``"zeros only"`` (pairs with a zero), ``"all values"``, or
        ``"filter out"`` (pairs with a zero become NaN).

    Returns
    -------
    numpy.ndarray
        One phenotype per sgRNA; NaN for filtered sgRNAs.

    Raises
    ------
    ValidationError
        An unknown ``filter_type`` or ``pseudocount_behavior``, or no non-targeting sgRNA
        passing the filter.
    """
    a = np.asarray(c1, dtype=np.float64).copy()
    b = np.asarray(c2, dtype=np.float64).copy()
    if filter_type in ("either", "any"):
        fail = np.maximum(a, b) < min_reads
    elif filter_type in ("both", "all"):
        fail = np.minimum(a, b) < min_reads
    else:
        raise ValidationError(f"filter_type must be 'either' or 'both', got {filter_type!r}")
    a[fail] = np.nan
    b[fail] = np.nan
    if pseudocount_behavior in ("zeros only", "default"):
        z = np.minimum(a, b) == 0
        a[z] += pseudocount
        b[z] += pseudocount
    elif pseudocount_behavior == "all values":
        a += pseudocount
        b += pseudocount
    elif pseudocount_behavior == "filter out":
        z = np.minimum(a, b) <= 0
        a[z] = np.nan
        b[z] = np.nan
    else:
        raise ValidationError(
            "pseudocount_behavior must be 'zeros only', 'all values' or 'filter out', "
            f"got {pseudocount_behavior!r}"
        )
    ratio = np.nansum(a) / np.nansum(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.log2(ratio * b / a)
    neg = e[is_control]
    neg = neg[np.isfinite(neg)]
    if neg.size == 0:
        raise ValidationError(
            "no non-targeting sgRNA passes the read filter; the phenotype cannot be centred "
            "(lower min_reads or check the control labels)"
        )
    return (e - np.median(neg)) / growth


def _best_n_mean(v: np.ndarray, g: np.ndarray, ngenes: int, best_n: int) -> np.ndarray:
    order = np.lexsort((-np.abs(v), g))
    gs = g[order]
    cnt = np.bincount(gs, minlength=ngenes)
    start = np.concatenate([[0], np.cumsum(cnt)[:-1]])
    rank = np.arange(gs.shape[0]) - start[gs]
    keep = rank < best_n if best_n > 0 else np.ones(gs.shape[0], dtype=bool)
    s = np.bincount(gs[keep], weights=v[order][keep], minlength=ngenes)
    k = np.bincount(gs[keep], minlength=ngenes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(k > 0, s / np.maximum(k, 1), np.nan)


def _mann_whitney(v: np.ndarray, g: np.ndarray, ngenes: int, ref: np.ndarray) -> np.ndarray:
    """Two-sided asymptotic Mann-Whitney p of each gene's values against ``ref``."""
    y = np.sort(ref)
    m = y.shape[0]
    n1 = np.bincount(g, minlength=ngenes).astype(np.float64)
    lt = np.searchsorted(y, v, side="left")
    le = np.searchsorted(y, v, side="right")
    eq = (le - lt).astype(np.float64)
    u1 = np.bincount(g, weights=lt + 0.5 * eq, minlength=ngenes)
    # tie term of the combined sample
    _, ycnt = np.unique(y, return_counts=True)
    t_ref = float((ycnt.astype(np.float64) ** 3 - ycnt).sum())
    order = np.lexsort((v, g))
    gs, vs, es = g[order], v[order], eq[order]
    new = np.ones(gs.shape[0], dtype=bool)
    new[1:] = (gs[1:] != gs[:-1]) | (vs[1:] != vs[:-1])
    grp = np.cumsum(new) - 1
    mult = np.bincount(grp).astype(np.float64)
    first = np.flatnonzero(new)
    mv = es[first]
    tot = mv + mult
    adj = (tot**3 - tot) - (mv**3 - mv)
    t = t_ref + np.bincount(gs[first], weights=adj, minlength=ngenes)
    n = n1 + m
    u = np.maximum(u1, n1 * m - u1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.sqrt(n1 * m / 12 * ((n + 1) - t / (n * (n - 1))))
        z = (u - n1 * m / 2 - 0.5) / s
    p = np.clip(2 * stats.norm.sf(z), 0.0, 1.0)
    return np.where(n1 > 0, p, np.nan)


def gene_scores(
    values: np.ndarray,
    genes: np.ndarray,
    control_values: np.ndarray,
    *,
    best_n: int = 3,
) -> pd.DataFrame:
    """Gene phenotype (mean of the ``best_n`` strongest sgRNAs) and Mann-Whitney p vs controls.

    Parameters
    ----------
    values
        sgRNA phenotypes (NaN = filtered out).
    genes
        Gene of each sgRNA.
    control_values
        Phenotypes of the non-targeting sgRNAs (NaN ignored).
    best_n
        Number of strongest sgRNAs averaged; 0 or less averages all.

    Returns
    -------
    DataFrame indexed by gene (sorted) with columns ``phenotype``, ``p``, ``n``.
    """
    values = np.asarray(values, dtype=np.float64)
    codes, names = pd.factorize(pd.Index(np.asarray(genes, dtype=object)), sort=True)
    ok = np.isfinite(values)
    v, g = values[ok], codes[ok]
    ref = np.asarray(control_values, dtype=np.float64)
    ref = ref[np.isfinite(ref)]
    if ref.size < 2:
        raise ValidationError(
            f"the Mann-Whitney test needs non-targeting control sgRNAs with phenotypes; found "
            f"{ref.size}"
        )
    ng = len(names)
    return pd.DataFrame(
        {
            "phenotype": _best_n_mean(v, g, ng, best_n),
            "p": _mann_whitney(v, g, ng, ref),
            "n": np.bincount(g, minlength=ng),
        },
        index=pd.Index(names, name="gene"),
    )


def _empirical_fdr(score: np.ndarray, pseudo: np.ndarray) -> np.ndarray:
    s = np.asarray(score, dtype=np.float64)
    ps = np.sort(pseudo[np.isfinite(pseudo)])
    out = np.full(s.shape[0], np.nan)
    ok = np.isfinite(s)
    if not ok.any() or ps.size == 0:
        return out
    sv = s[ok]
    order = np.argsort(-sv, kind="stable")
    ss = sv[order]
    n_gene = ss.shape[0]
    n_ge_gene = np.searchsorted(-ss, -ss, side="right")  # genes with score >= each value
    n_ge_pseudo = ps.size - np.searchsorted(ps, ss, side="left")
    f = (n_ge_pseudo / ps.size) / (n_ge_gene / n_gene)
    f = np.minimum.accumulate(f[::-1])[::-1]
    q = np.empty(n_gene)
    q[order] = np.minimum(f, 1.0)
    out[ok] = q
    return out


@dataclass(frozen=True)
class PhenotypeResult:
    """Result of :func:`phenotypes`.

    Attributes
    ----------
    genes
        One row per gene: ``gene``, then for each of gamma, tau, rho: ``<p>`` (mean of the
        strongest sgRNAs), ``<p>_p`` (Mann-Whitney p), ``<p>_score`` (discriminant score),
        ``<p>_fdr`` (empirical FDR), ``<p>_hit`` (bool), ``<p>_n`` (sgRNAs scored).
    sgrnas
        One row per sgRNA: ``sgRNA``, ``Gene``, ``control`` (bool), per phenotype the replicate
        columns ``<p>_r1``... and the replicate average ``<p>``.
    pseudogenes
        The pseudogenes' gene-level values: ``gene``, then per phenotype ``<p>``, ``<p>_p``,
        ``<p>_score`` and ``<p>_sd_pseudo`` (the sd that scales every discriminant score).
    params
        Options, doublings, seed.
    summary
        Tidy gene x phenotype table (see :attr:`summary`).
    """

    genes: pd.DataFrame
    sgrnas: pd.DataFrame
    pseudogenes: pd.DataFrame
    params: dict = field(default_factory=dict)

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Tidy gene-level results: one row per gene and phenotype.

        Columns: ``gene``; ``test`` (``gamma``, ``tau`` or ``rho``); ``n_sgrnas`` (sgRNAs
        scored); ``effect`` (gene phenotype: mean of the strongest sgRNAs); ``score``
        (discriminant score, large is strong); ``p`` (Mann-Whitney p); ``fdr`` (empirical
        FDR); ``hit`` (fdr <= the ``fdr`` option). The same columns as
        :attr:`MageckResult.summary <ifnexus.screen.MageckResult.summary>` less its
        ``rank`` and ``good_sgrnas``; genes in :attr:`genes` order, phenotype by phenotype.
        """
        parts = []
        g = self.genes
        for p in PHENOTYPES:
            parts.append(
                pd.DataFrame(
                    {
                        "gene": g["gene"].to_numpy(),
                        "test": p,
                        "n_sgrnas": g[f"{p}_n"].to_numpy(),
                        "effect": g[p].to_numpy(),
                        "score": g[f"{p}_score"].to_numpy(),
                        "p": g[f"{p}_p"].to_numpy(),
                        "fdr": g[f"{p}_fdr"].to_numpy(),
                        "hit": g[f"{p}_hit"].to_numpy(dtype=bool),
                    }
                )
            )
        return pd.concat(parts, ignore_index=True)

    def mixture(self, phenotype: str = "rho", **options: Any) -> MixtureResult:
        """Call genes of one phenotype with the guide mixture (robust to inactive guides).

        Parameters
        ----------
        phenotype
            ``gamma``, ``tau`` or ``rho``: the sgRNA scores in :attr:`sgrnas` to model.
        **options
            Keywords of :func:`~ifnexus.screen.mixture_gene_calls` (``direction``, ``null``,
            ``prior``, ``min_guides``, ``fdr``, ...); the non-targeting guides are the
            ``control`` column.

        Returns
        -------
        MixtureResult
            Gene posteriors, local FDR, FDR, active fraction and effect of the active guides.

        Raises
        ------
        ValidationError
            An unknown phenotype, or what :func:`~ifnexus.screen.mixture_gene_calls` raises.
        """
        from ifnexus.screen._mixture import mixture_gene_calls

        if phenotype not in PHENOTYPES:
            raise ValidationError(f"phenotype must be gamma, tau or rho; got {phenotype!r}")
        return mixture_gene_calls(self.sgrnas, phenotype, **options)

    def pathway(
        self, gene_set: str | GeneSet | Sequence[str] = "CGAS_STING_IFNI_CORE"
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Where a gene set ranks by each phenotype's discriminant score, and its enrichment.

        Parameters
        ----------
        gene_set
            A shipped set name, a :class:`~ifnexus.genesets.GeneSet` or a list of genes.

        Returns
        -------
        (ranks, enrichment)
            :func:`~ifnexus.screen.gene_set_ranks` by ``<p>_score`` and the two-sided
            :func:`~ifnexus.screen.rank_enrichment` by ``<p>``, for gamma, tau and rho
            stacked, each with a first column ``phenotype``.
        """
        from ifnexus.screen._pathway import gene_set_ranks, rank_enrichment

        ranks, enr = [], []
        for p in PHENOTYPES:
            r = gene_set_ranks(self.genes, gene_set, score=f"{p}_score", hit_column=f"{p}_hit")
            r.insert(0, "phenotype", p)
            ranks.append(r)
            e = rank_enrichment(self.genes, gene_set, score=p, alternative="two-sided",
                                hit_column=f"{p}_hit")  # fmt: skip
            e.insert(0, "phenotype", p)
            enr.append(e)
        return pd.concat(ranks), pd.concat(enr)

    def write(
        self,
        directory: str | os.PathLike[str],
        *,
        gene_set: str | GeneSet | Sequence[str] = "CGAS_STING_IFNI_CORE",
    ) -> list[Path]:
        """Write the tables of ``ifnexus screen phenotype`` into ``directory`` (created).

        Parameters
        ----------
        directory
            Output folder.
        gene_set
            Gene set of the pathway tables (see :meth:`pathway`).

        Returns
        -------
        list of Path
            ``genes.csv``, ``sgrnas.csv``, ``pseudogenes.csv``, ``pathway_ranks.csv``,
            ``pathway_enrichment.csv`` and ``params.json`` (the options), written atomically.
        """
        import json

        from ifnexus._io import write_table, write_text

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        ranks, enr = self.pathway(gene_set)
        return [
            write_table(self.genes, out / "genes.csv"),
            write_table(self.sgrnas, out / "sgrnas.csv"),
            write_table(self.pseudogenes, out / "pseudogenes.csv"),
            write_table(ranks, out / "pathway_ranks.csv"),
            write_table(enr, out / "pathway_enrichment.csv"),
            write_text(out / "params.json", json.dumps(self.params, indent=1, default=str)),
        ]


def _as_list(x: str | Sequence[str | int], name: str) -> list[str | int]:
    if isinstance(x, str):
        out: list[str | int] = [s.strip() for s in x.split(",") if s.strip()]
    else:
        out = list(x)
    if not out:
        raise ValidationError(f"{name} names no samples")
    return out


def phenotypes(
    counts: pd.DataFrame,
    *,
    t0: str | Sequence[str | int],
    untreated: str | Sequence[str | int],
    treated: str | Sequence[str | int],
    doublings: Mapping[str, float | Sequence[float]] | None = None,
    control_gene: str | Sequence[str] | None = "non-targeting",
    control_sgrna: Sequence[str] | None = None,
    min_reads: float = 50,
    filter_type: Literal["either", "both"] = "either",
    pseudocount: float = 1.0,
    pseudocount_behavior: Literal["zeros only", "all values", "filter out"] = "zeros only",
    best_n: int = 3,
    fdr: float = 0.05,
    rng: RngLike = 0,
) -> PhenotypeResult:
    """Compute the gamma / tau / rho phenotypes of a CRISPRi radiation screen, per sgRNA and gene.

    Parameters
    ----------
    counts
        Count table (index sgRNA, ``Gene``, samples).
    t0, untreated, treated
        Sample labels or indices per arm (comma-separated or lists); replicates are paired by
        their order. A single T0 is shared by all replicates.
    doublings
        ``{"gamma": x, "tau": y, "rho": z}`` growth normalisers (ScreenProcessing's growth
        values: the population doublings each phenotype is divided by; a number, or one per
        replicate). Default ``None`` (no growth values), and any phenotype without an entry:
        divided by 1, i.e. reported as a log2 enrichment rather than per doubling, as
        ScreenProcessing does without growth values ("all phenotypes will be reported as
        log2enrichments"). This is not silent: an :class:`~ifnexus.errors.IfnexusWarning`
        names those phenotypes, and ``params["doublings_assumed"]`` lists them (empty when
        every phenotype has its doublings); ``params["doublings"]`` holds the divisors used.
    control_gene, control_sgrna
        Non-targeting controls by gene label(s) (default ``non-targeting``) or by sgRNA ids.
    min_reads, filter_type
        Read filter per pair of samples (ScreenProcessing's ``minimum_reads``/``filter_type``).
    pseudocount, pseudocount_behavior
        ScreenProcessing's pseudocount settings.
    best_n
        Gene phenotype = mean of this many strongest sgRNAs.
    fdr
        Empirical-FDR threshold for hit calls.
    rng
        Seed or Generator for the pseudogene draw (default 0).

    Returns
    -------
    PhenotypeResult
        ``.genes``, ``.sgrnas``, ``.pseudogenes`` (see :class:`PhenotypeResult`).

    Raises
    ------
    ValidationError
        Unknown samples, unequal replicate numbers, no usable non-targeting controls, an
        all-zero sample, bad options.
    """
    df = as_count_table(counts)
    samples = [c for c in df.columns if c != "Gene"]
    arms = {}
    for name, spec in (("t0", t0), ("untreated", untreated), ("treated", treated)):
        arms[name] = parse_samples(_as_list(spec, name), samples)
    nrep = max(len(v) for v in arms.values())
    for name, idx in arms.items():
        if len(idx) not in (1, nrep) or (name != "t0" and len(idx) != nrep):
            raise ValidationError(
                f"{name} has {len(idx)} sample(s) but other arms have {nrep}; replicates are "
                "paired by order (only T0 may be a single shared sample)"
            )
        if len(idx) == 1:
            arms[name] = idx * nrep
    mat = df[samples].to_numpy(dtype=np.float64)
    used = sorted({i for v in arms.values() for i in v})
    for i in used:
        if mat[:, i].sum() <= 0:
            raise ValidationError(f"sample {samples[i]!r} has zero reads in every sgRNA")
    genes = df["Gene"].to_numpy(dtype=object)
    if control_sgrna is not None:
        is_ctrl = df.index.isin([str(s) for s in control_sgrna])
        what = "the given control sgRNA ids"
    elif control_gene is not None:
        labels = [control_gene] if isinstance(control_gene, str) else list(control_gene)
        is_ctrl = np.isin(genes, labels)
        what = f"gene label(s) {labels}"
    else:
        raise ValidationError("phenotypes need non-targeting controls (control_gene or _sgrna)")
    is_ctrl = np.asarray(is_ctrl, dtype=bool)
    if is_ctrl.sum() < 2:
        raise ValidationError(
            f"found {int(is_ctrl.sum())} non-targeting sgRNA(s) by {what}; the centring and the "
            "Mann-Whitney test need non-targeting controls (use control_gene=<label> or "
            "control_sgrna=<ids>)"
        )
    if not 0 < fdr < 1:
        raise ValidationError(f"fdr must be within 0 and 1, got {fdr}")
    unknown = sorted(str(k) for k in (doublings or {}) if k not in PHENOTYPES)
    if unknown:
        raise ValidationError(
            f"doublings: unknown phenotype(s) {unknown}; the keys are gamma, tau and rho"
        )
    assumed = [p for p in PHENOTYPES if p not in (doublings or {})]
    growth: dict[str, list[float]] = {}
    for p in PHENOTYPES:
        val = (doublings or {}).get(p, 1.0)
        vals = [float(val)] * nrep if np.isscalar(val) else [float(x) for x in val]  # type: ignore[union-attr, arg-type]
        if len(vals) == 1:
            vals = vals * nrep
        if len(vals) != nrep or any(x == 0 or not np.isfinite(x) for x in vals):
            raise ValidationError(
                f"doublings for {p} must be one non-zero number or one per replicate ({nrep}), "
                f"got {val!r}"
            )
        growth[p] = vals
    if assumed:
        warnings.warn(
            f"no doublings given for {', '.join(assumed)}: assumed 1 doubling, so "
            f"{'it is a' if len(assumed) == 1 else 'they are'} log2 enrichment(s), not "
            "phenotypes per doubling (ScreenProcessing's default without growth values); "
            "recorded in params['doublings_assumed']",
            IfnexusWarning,
            stacklevel=2,
        )
    pairs = {
        "gamma": ("t0", "untreated"),
        "tau": ("t0", "treated"),
        "rho": ("untreated", "treated"),
    }
    sg = pd.DataFrame({"sgRNA": df.index.to_numpy(), "Gene": genes, "control": is_ctrl})
    for p, (a1, a2) in pairs.items():
        reps = []
        for r in range(nrep):
            v = sgrna_phenotype(
                mat[:, arms[a1][r]], mat[:, arms[a2][r]], is_ctrl, growth=growth[p][r],
                min_reads=min_reads, filter_type=filter_type, pseudocount=pseudocount,
                pseudocount_behavior=pseudocount_behavior,
            )  # fmt: skip
            sg[f"{p}_r{r + 1}"] = v
            reps.append(v)
        sg[p] = np.mean(np.vstack(reps), axis=0)  # NaN in any replicate -> NaN
    target = ~is_ctrl
    gene_names = np.asarray(genes[target], dtype=object)
    gen = as_generator(rng)
    uniq, sizes = np.unique(gene_names, return_counts=True)
    ctrl_rows = np.flatnonzero(is_ctrl)
    pick = ctrl_rows[gen.integers(0, ctrl_rows.shape[0], int(sizes.sum()))]
    pseudo_names = np.repeat([f"pseudo_{i}" for i in range(uniq.shape[0])], sizes)
    out = pd.DataFrame(index=pd.Index(uniq, name="gene"))
    pout = pd.DataFrame(index=pd.Index(np.unique(pseudo_names), name="gene"))
    for p in PHENOTYPES:
        val = sg[p].to_numpy()
        ctrl_vals = val[is_ctrl]
        gs = gene_scores(val[target], gene_names, ctrl_vals, best_n=best_n)
        ps = gene_scores(val[pick], pseudo_names, ctrl_vals, best_n=best_n)
        sd = float(np.nanstd(ps["phenotype"].to_numpy()))
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.abs(gs["phenotype"] / sd) * -np.log10(gs["p"])
            pscore = np.abs(ps["phenotype"] / sd) * -np.log10(ps["p"])
        # the FDR is computed in gs's gene order and aligned to the output by gene name
        q = pd.Series(_empirical_fdr(score.to_numpy(), pscore.to_numpy()), index=score.index)
        q = q.reindex(out.index).to_numpy(dtype=np.float64)
        gs = gs.reindex(out.index)
        out[p] = gs["phenotype"]
        out[f"{p}_p"] = gs["p"]
        out[f"{p}_score"] = score.reindex(out.index)
        out[f"{p}_fdr"] = q
        out[f"{p}_hit"] = np.nan_to_num(q, nan=1.0) <= fdr
        out[f"{p}_n"] = gs["n"].fillna(0).astype(int)
        pout[p] = ps["phenotype"]
        pout[f"{p}_p"] = ps["p"]
        pout[f"{p}_score"] = pscore
        pout[f"{p}_sd_pseudo"] = sd
    params = {
        "samples": {k: [samples[i] for i in v] for k, v in arms.items()},
        "doublings": growth,
        "doublings_assumed": assumed,
        "min_reads": float(min_reads),
        "filter_type": filter_type,
        "pseudocount": float(pseudocount),
        "pseudocount_behavior": pseudocount_behavior,
        "best_n": best_n,
        "fdr": fdr,
        "rng": rng if isinstance(rng, int) else "Generator",
        "n_controls": int(is_ctrl.sum()),
    }
    genes_df = out.reset_index()
    genes_df.attrs.update(params)
    return PhenotypeResult(genes=genes_df, sgrnas=sg, pseudogenes=pout.reset_index(), params=params)
