"""Alpha robust rank aggregation (alpha-RRA), MAGeCK's gene test, vectorised in numpy.

This is a re-implementation of MAGeCK's C++ ``RRA`` helper (v0.5.9, Li et al. 2014, Genome
Biology 15:554) written for speed: MAGeCK runs it as a separate process on text files and
evaluates every permutation in a scalar loop; here the permutations are evaluated in blocks.
The arithmetic follows the C++ code step by step so the outputs agree with MAGeCK's:

* percentile of an sgRNA = (i1 + i2 + 1) / (2N), where i1/i2 are the positions of the nearest
  list values to score -/+ 1e-9 (mid-rank for ties);
* lo-value of a gene with sorted percentiles p(1..n) = min of BetaCDF(p(k); k, n-k+1) over the
  leading k with p(k) <= alpha (k = 1 is always evaluated); ``goodsgrna`` counts those k;
* p-value: separately for each sgRNA count n, ``(rounds + 1) x genes`` random genes of n uniform
  percentiles (or percentiles drawn from the control sgRNAs), p = (j1 + j2 + 1) / (2M) with j
  the nearest positions of lo -/+ 1e-9 in the sorted null; the rounds are raised to
  100000 / genes + 1 when rounds x genes < 100000; genes with more sgRNAs than
  ``max_sgrna_per_gene_permutation`` reuse the null of the largest permuted size, as MAGeCK does;
* FDR: Benjamini-Hochberg over genes passing the good-sgRNA filters.

With ``rng="mageck"`` (the default) the uniforms come from MAGeCK's own generator (the Lehmer
generator of Park & Miller, multiplier 48271, seeded 123456 for every call) consumed in MAGeCK's
order, so the permutation p-values equal MAGeCK's, not just agree within Monte-Carlo error. Any
numpy seed or Generator gives an independent permutation instead.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special

from ifnexus._rng import RngLike, as_generator
from ifnexus.errors import ValidationError
from ifnexus.screen._fdr import bh_adjust
from ifnexus.screen._lehmer import _LehmerStream

logger = logging.getLogger(__name__)

__all__ = [
    "RraGroups",
    "RraOptions",
    "rra",
    "rra_fdr",
    "rra_groups",
    "rra_lo_values",
    "rra_percentiles",
    "rra_permutation_p",
]


def _nearest_index(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``bTreeSearchingF`` of MAGeCK: index of the element of sorted ``a`` nearest to ``w``."""
    n = a.shape[0]
    j = np.searchsorted(a, w, side="right")
    lo = np.clip(j - 1, 0, n - 1)
    hi = np.clip(j, 0, n - 1)
    res = np.where(np.abs(a[hi] - w) > np.abs(a[lo] - w), lo, hi)
    res = np.where(w <= a[0], 0, res)
    res = np.where(w >= a[n - 1], n - 1, res)
    return res


def _mid_percentile(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Return MAGeCK's percentile of each ``w`` in sorted ``a``.

    (i1 + i2 + 1) / (2 len(a)), i1 and i2 the nearest positions of w -/+ 1e-9 (mid-rank for
    ties).
    """
    i1 = _nearest_index(a, w - 0.000000001)
    i2 = _nearest_index(a, w + 0.000000001)
    return (i1 + i2 + 1).astype(np.float64) / (2 * a.shape[0])


def _from_controls(control_pct: np.ndarray | None, u: np.ndarray) -> np.ndarray:
    """Turn uniforms ``u`` into null percentiles as MAGeCK does.

    With controls, the percentile of the control sgRNA at index floor(k u) (k controls, sorted
    by id); without, ``u`` itself.
    """
    if control_pct is None:
        return u
    k = control_pct.shape[0]
    return control_pct[np.minimum((k * u).astype(np.int64), k - 1)]


def _beta_tail(x: np.ndarray, i: int, n: int) -> np.ndarray:
    """BetaCDF(x; i + 1, n - i) = P(Binomial(n, x) >= i + 1).

    For x <= 0.5 (n <= 60) the binomial tail is summed by Horner's rule on x / (1 - x); every term
    is positive, so the relative error stays ~1e-14, and it is 2-3 times faster than
    ``scipy.special.betainc``, which handles the rest.
    """
    a = i + 1
    if n > 60:
        return special.betainc(float(a), float(n - i), x)
    out = np.empty_like(x)
    small = x <= 0.5
    xs = x[small]
    if xs.size:
        y = xs / (1.0 - xs)
        acc = np.ones_like(xs)
        for j in range(n - 1, a - 1, -1):
            acc *= y
            acc += _COMB[n][j]
        out[small] = acc * np.exp(a * np.log(xs) + (n - a) * np.log1p(-xs))
    if xs.size < x.size:
        out[~small] = special.betainc(float(a), float(n - i), x[~small])
    return out


_COMB = [[float(math.comb(n, j)) for j in range(n + 1)] for n in range(61)]


def _lo_multi(
    p: np.ndarray, alphas: Sequence[float], minp: float, *, exact: bool = False
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Compute lo-values and good-sgRNA counts of rows of ascending percentiles, per alpha.

    MAGeCK's ``ComputeLoValue`` for several alphas; the Beta CDFs do not depend on alpha and
    are shared.
    """
    r, n = p.shape
    x0 = p[:, 0]
    lo0 = -np.expm1(n * np.log1p(-x0)) if n > 1 else x0.copy()
    amax = max(alphas)
    res = []
    inr = [(p <= a) & (p >= minp) for a in alphas]
    los = [lo0.copy() for _ in alphas]
    goods = [m[:, 0].astype(np.int64) for m in inr]
    acts = [np.ones(r, dtype=bool) for _ in alphas]
    any_act = np.ones(r, dtype=bool)
    inr_max = (p <= amax) & (p >= minp)
    for i in range(1, n):
        any_act &= inr_max[:, i]
        idx = np.flatnonzero(any_act)
        if idx.size == 0:
            break
        xi = p[idx, i]
        f = special.betainc(float(i + 1), float(n - i), xi) if exact else _beta_tail(xi, i, n)
        for k in range(len(alphas)):
            acts[k] &= inr[k][:, i]
            sel = acts[k][idx]
            j = idx[sel]
            goods[k][j] += 1
            los[k][j] = np.minimum(los[k][j], f[sel])
    for k in range(len(alphas)):
        res.append((los[k], goods[k]))
    return res


def _lo_kernel(
    p: np.ndarray, alpha: float, minp: float, *, exact: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Lo-values and good-sgRNA counts of rows of ascending percentiles (``ComputeLoValue``)."""
    return _lo_multi(p, [alpha], minp, exact=exact)[0]


def _quicksort_order(keys: np.ndarray) -> np.ndarray:
    """Return the order MAGeCK's ``QuickSortGroupByLoValue`` leaves (it matters for ties)."""
    k = keys.tolist()
    idx = list(range(len(k)))
    stack = [(0, len(k) - 1)]
    pop, push = stack.pop, stack.append
    while stack:
        lo, hi = pop()
        if hi - lo < 1:
            continue
        seg = k[lo : hi + 1]
        if len(set(seg)) == len(seg):
            continue  # no tied keys inside: its sorted order is unique, the final sort gives it
        x = k[(lo + hi) // 2]
        i, j = lo, hi
        while i <= j:
            while k[i] < x and i <= j:
                i += 1
            while k[j] > x and i <= j:
                j -= 1
            if i <= j:
                k[i], k[j] = k[j], k[i]
                idx[i], idx[j] = idx[j], idx[i]
                i += 1
                j -= 1
        if lo < j:
            push((lo, j))
        if i < hi:
            push((i, hi))
    # ranges left unsorted hold distinct keys and lie between their neighbours' keys, so a
    # stable sort by key completes the order without moving tied keys relative to each other
    fin = sorted(range(len(k)), key=k.__getitem__)
    return np.asarray([idx[j] for j in fin], dtype=np.int64)


@dataclass(frozen=True)
class RraOptions:
    """Options of MAGeCK's ``RRA`` program (``--additional-rra-parameters``).

    Attributes
    ----------
    permutation_rounds
        ``--permutation``: rounds of permutation per gene (default 100).
    permutation_specified
        True when ``--permutation`` was given: MAGeCK then does not raise rounds x genes to
        100,000.
    by_group
        False for ``--no-permutation-by-group`` (one null for all genes, from their own sizes).
    max_sgrna_per_gene_permutation
        ``--max-sgrnapergene-permutation`` (default 100).
    min_number_goodsgrna, min_percentage_goodsgrna
        Genes with fewer good sgRNAs are flagged bad: p kept, FDR reported as NA.
    min_percentile
        ``-P``: percentiles below it do not count as good (default -1, off).
    """

    permutation_rounds: int = 100
    permutation_specified: bool = False
    by_group: bool = True
    max_sgrna_per_gene_permutation: int = 100
    min_number_goodsgrna: int = 0
    min_percentage_goodsgrna: float = 0.0
    min_percentile: float = -1.0

    @classmethod
    def parse(cls, text: str | None) -> RraOptions:
        """Parse an ``--additional-rra-parameters`` string (the options listed above).

        Parameters
        ----------
        text
            MAGeCK's RRA options as one string; ``None`` or empty gives the defaults.

        Returns
        -------
        RraOptions
            The options.
        """
        if not text:
            return cls()
        tok = text.split()
        kw: dict[str, object] = {}
        i = 0
        while i < len(tok):
            t = tok[i]
            if t == "--no-permutation-by-group":
                kw["by_group"] = False
                i += 1
                continue
            if i + 1 >= len(tok):
                raise ValidationError(f"RRA option {t!r} needs a value")
            v = tok[i + 1]
            try:
                if t == "--permutation":
                    kw["permutation_rounds"] = int(v)
                    kw["permutation_specified"] = True
                elif t == "--max-sgrnapergene-permutation":
                    kw["max_sgrna_per_gene_permutation"] = int(v)
                elif t == "--min-number-goodsgrna":
                    kw["min_number_goodsgrna"] = int(v)
                elif t == "--min-percentage-goodsgrna":
                    kw["min_percentage_goodsgrna"] = float(v)
                elif t == "-P":
                    kw["min_percentile"] = float(v)
                else:
                    raise ValidationError(
                        f"unsupported RRA option {t!r}; supported: --permutation, "
                        "--no-permutation-by-group, --max-sgrnapergene-permutation, "
                        "--min-number-goodsgrna, --min-percentage-goodsgrna, -P"
                    )
            except ValueError as exc:
                if isinstance(exc, ValidationError):
                    raise
                raise ValidationError(f"RRA option {t!r}: bad value {v!r}") from None
            i += 2
        return cls(**kw)  # type: ignore[arg-type]


def _draw_null(
    n: int,
    rows: int,
    alphas: Sequence[float],
    minp: float,
    source: _LehmerStream | np.random.Generator,
    control_pct: np.ndarray | None,
) -> list[np.ndarray]:
    """Sorted null lo-values of ``rows`` random genes of ``n`` sgRNAs, one array per alpha."""
    outs = [np.empty(rows, dtype=np.float64) for _ in alphas]
    step = max(1, (1 << 18) // max(n, 1))  # blocks that stay in the CPU cache
    for r0 in range(0, rows, step):
        r = min(step, rows - r0)
        if isinstance(source, _LehmerStream):
            u = source.draw(r * n).reshape(r, n)
        else:
            u = source.random((r, n))
        u = _from_controls(control_pct, u)
        for out, lo in zip(outs, _null_lo(u, alphas, minp), strict=True):
            out[r0 : r0 + r] = lo
    for out in outs:
        out.sort()
    return outs


def _null_lo(u: np.ndarray, alphas: Sequence[float], minp: float) -> list[np.ndarray]:
    """Compute lo-values of rows of unsorted percentiles, one array per alpha.

    As :func:`_lo_multi` on the sorted rows.

    Only rows with at least two values <= max(alphas) go past the first Beta term, so only
    those are sorted; every other row's lo-value is 1 - (1 - min)^n.
    """
    r, n = u.shape
    flat = u.reshape(-1)
    x0 = np.minimum.reduceat(flat, np.arange(0, r * n, n)) if n > 1 else flat.copy()
    lo0 = -np.expm1(n * np.log1p(-x0)) if n > 1 else x0
    outs = [lo0.copy() for _ in alphas]
    if n > 1:
        if n < 256:  # count the values <= alpha per row without materialising positions
            cnt = np.add.reduceat((flat <= max(alphas)).view(np.uint8), np.arange(0, r * n, n))
        else:
            cnt = np.bincount(np.flatnonzero(flat <= max(alphas)) // n, minlength=r)
        rows = np.flatnonzero(cnt >= 2)
        if rows.size:
            sub = np.sort(u[rows], axis=1)
            for out, (lo, _) in zip(outs, _lo_multi(sub, alphas, minp), strict=True):
                out[rows] = lo
    return outs


@dataclass(frozen=True)
class RraGroups:
    """A ranked sgRNA list grouped by gene: the output of :func:`rra_groups`.

    Attributes
    ----------
    names
        Gene per group, in order of first appearance in the ranked list.
    codes
        Group index of each item (an item is one (sgRNA, gene) pair; an sgRNA whose gene field
        holds commas gives one item per gene).
    item_line
        Position in the ranked list of each item.
    percentiles
        Percentile of each item (:func:`rra_percentiles` of its sgRNA).
    sizes
        Number of items per group.
    is_control
        Per item: the sgRNA is a control sgRNA.
    control_percentiles
        Percentiles of the control sgRNAs sorted by sgRNA id (MAGeCK keeps them in a
        ``std::map``), the values the null draws from; None without controls.
    control_only
        Per group: every item is a control sgRNA (such genes are not permuted nor reported).
    """

    names: list[str]
    codes: np.ndarray
    item_line: np.ndarray
    percentiles: np.ndarray
    sizes: np.ndarray
    is_control: np.ndarray
    control_percentiles: np.ndarray | None
    control_only: np.ndarray

    @property
    def sorted_percentiles(self) -> tuple[np.ndarray, np.ndarray]:
        """(percentiles sorted by group then value, start of each group in that array)."""
        order = np.lexsort((self.percentiles, self.codes))
        starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.int64)
        return self.percentiles[order], starts


def rra_percentiles(scores: np.ndarray | Sequence[float]) -> np.ndarray:
    """Stage 1 of :func:`rra`: each sgRNA's percentile in the ranked list.

    Parameters
    ----------
    scores
        One score per sgRNA; small scores rank first.

    Returns
    -------
    numpy.ndarray
        (i1 + i2 + 1) / (2N) per sgRNA, where i1 and i2 are the positions in the sorted scores
        nearest to score - 1e-9 and score + 1e-9 (MAGeCK's mid-rank for ties); without ties
        this is (rank - 1/2) / N.

    Raises
    ------
    ValidationError
        An empty list or a non-finite score.

    Examples
    --------
    >>> from ifnexus.screen import rra_percentiles
    >>> rra_percentiles([3.0, 1.0, 2.0, 2.0]).tolist()
    [0.875, 0.125, 0.5, 0.5]
    """
    sc = np.asarray(scores, dtype=np.float64)
    if sc.shape[0] == 0:
        raise ValidationError("RRA needs at least one sgRNA")
    if not np.all(np.isfinite(sc)):
        raise ValidationError("RRA scores must be finite")
    return _mid_percentile(np.sort(sc), sc)


def rra_groups(
    sgrnas: Sequence[str],
    genes: Sequence[str],
    percentiles: np.ndarray,
    *,
    control_sgrnas: Sequence[str] | None = None,
    gene_index: tuple[np.ndarray, list[str]] | None = None,
) -> RraGroups:
    """Stage 2 of :func:`rra`: group the ranked sgRNAs by gene and mark the controls.

    Parameters
    ----------
    sgrnas, genes
        One entry per sgRNA in ranked order; a gene field with commas assigns the sgRNA to
        several genes.
    percentiles
        :func:`rra_percentiles` of the list.
    control_sgrnas
        Control sgRNA ids (RRA's ``--control``).
    gene_index
        Optional (code per sgRNA, gene names) when the caller has already coded the genes.

    Returns
    -------
    RraGroups

    Raises
    ------
    ValidationError
        Lengths that differ, or control sgRNAs none of which is in the list.
    """
    sg = np.asarray(sgrnas, dtype=object)
    gn = np.asarray(genes, dtype=object)
    pct = np.asarray(percentiles, dtype=np.float64)
    if not (pct.shape[0] == sg.shape[0] == gn.shape[0]):
        raise ValidationError("sgrnas, genes and scores must have the same length")
    nlist = pct.shape[0]
    # items: (line, gene) pairs; genes in order of first appearance
    if gene_index is not None:  # genes already coded by the caller (no multi-gene sgRNAs)
        gcodes, gnames = gene_index
        present, first = np.unique(gcodes, return_index=True)
        present = present[np.argsort(first)]
        remap = np.full(len(gnames), -1, dtype=np.int64)
        remap[present] = np.arange(present.shape[0])
        codes = remap[gcodes]
        names = [gnames[i] for i in present.tolist()]
        item_line_a = np.arange(nlist, dtype=np.int64)
    elif any("," in str(g) for g in pd.unique(gn)):
        item_line: list[int] = []
        item_gene: list[str] = []
        for i, g in enumerate(gn.astype(str)):
            for part in [x for x in g.split(",") if x]:
                item_line.append(i)
                item_gene.append(part)
        item_line_a = np.asarray(item_line, dtype=np.int64)
        item_genes = np.asarray(item_gene, dtype=object)
    else:
        item_genes = gn
        item_line_a = np.arange(nlist, dtype=np.int64)
    if gene_index is None:
        codes, uniq = pd.factorize(item_genes, sort=False)
        names = [str(x) for x in uniq]
    ngroup = len(names)
    sizes = np.bincount(codes, minlength=ngroup)

    is_ctrl_item = np.zeros(item_line_a.shape[0], dtype=bool)
    control_pct = None
    if control_sgrnas is not None:
        cset = {str(c) for c in control_sgrnas}
        is_ctrl_item = np.fromiter(
            (str(sg[i]) in cset for i in item_line_a), dtype=bool, count=item_line_a.shape[0]
        )
        # MAGeCK stores control percentiles in a std::map, i.e. sorted by sgRNA id
        found: dict[str, float] = {}
        for line, c in zip(item_line_a.tolist(), is_ctrl_item.tolist(), strict=True):
            if c:
                found[str(sg[line])] = float(pct[line])
        missing = sorted(cset - set(found))
        if missing:
            logger.warning(
                "%d control sgRNA(s) not in the ranked list, e.g. %s", len(missing), missing[:3]
            )
        if not found:
            raise ValidationError("none of the control sgRNAs is in the ranked list")
        control_pct = np.asarray([found[k] for k in sorted(found)], dtype=np.float64)
    n_ctrl_items = np.bincount(codes, weights=is_ctrl_item.astype(float), minlength=ngroup)
    return RraGroups(
        names=names,
        codes=np.asarray(codes, dtype=np.int64),
        item_line=item_line_a,
        percentiles=pct[item_line_a],
        sizes=sizes,
        is_control=is_ctrl_item,
        control_percentiles=control_pct,
        control_only=(n_ctrl_items >= sizes) & (n_ctrl_items > 0),
    )


def rra_lo_values(
    groups: RraGroups, *, alpha: float, min_percentile: float = -1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Stage 3 of :func:`rra`: the alpha cut and each gene's lo-value (RRA's rho score).

    Parameters
    ----------
    groups
        :func:`rra_groups` of the list.
    alpha
        Largest percentile counted as a good sgRNA (RRA's ``-p``).
    min_percentile
        Percentiles below it do not count as good (RRA's ``-P``; default -1, off).

    Returns
    -------
    (lo_values, good_sgrnas)
        Per group, with p(1) <= ... <= p(n) its sorted percentiles: lo-value =
        min over k in {1} and the leading run of k with min_percentile <= p(k) <= alpha of
        BetaCDF(p(k); k, n - k + 1) (Kolde et al. 2012's rho before its Bonferroni step);
        good_sgrnas = length of that leading run.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValidationError(f"alpha must be within 0 and 1, got {alpha}")
    sorted_pct, starts = groups.sorted_percentiles
    sizes = groups.sizes
    lo = np.ones(sizes.shape[0])
    good = np.zeros(sizes.shape[0], dtype=np.int64)
    for n in np.unique(sizes):
        gidx = np.flatnonzero(sizes == n)
        mat = sorted_pct[starts[gidx][:, None] + np.arange(n)[None, :]]
        lo[gidx], good[gidx] = _lo_kernel(mat, alpha, min_percentile)
    return lo, good


def rra_permutation_p(
    groups: RraGroups,
    lo_values: np.ndarray,
    *,
    alpha: float,
    skip_genes: Sequence[str] = ("NA", "na"),
    options: RraOptions | None = None,
    rng: RngLike | Literal["mageck"] = "mageck",
    null_cache: dict | None = None,
) -> tuple[np.ndarray, dict[int, int]]:
    """Stage 4 of :func:`rra`: permutation p-value of each gene's lo-value.

    Parameters
    ----------
    groups, lo_values
        :func:`rra_groups` and :func:`rra_lo_values` of the list.
    alpha
        The alpha the lo-values were computed with (the null uses the same).
    skip_genes
        Genes not permuted (p-value 1), MAGeCK's ``--skip-gene``.
    options
        :class:`RraOptions` (rounds, by-group nulls, largest permuted size, ``-P``).
    rng
        ``"mageck"`` (default) for MAGeCK's generator and seed, restarted at every call; an int
        seed or a numpy Generator for an independent permutation.
    null_cache
        See :func:`rra`.

    Returns
    -------
    (p, n_permutations)
        p per group = (j1 + j2 + 1) / (2M), j1 and j2 the positions nearest to lo -/+ 1e-9 in
        the M sorted null lo-values of random genes of the same size (uniform percentiles, or
        percentiles of the control sgRNAs); 1 for skipped and control-only genes. The null size
        drawn per sgRNA count (key 0: one null for all genes).
    """
    opt = options or RraOptions()
    sizes = groups.sizes
    ngroup = sizes.shape[0]
    control_pct = groups.control_percentiles
    skip = np.isin(np.asarray(groups.names, dtype=object), list(skip_genes)) | groups.control_only
    rounds = opt.permutation_rounds
    if rounds * ngroup < 100000 and not opt.permutation_specified:
        rounds = 100000 // ngroup + 1
        logger.info("raising the number of permutation rounds to %d", rounds)
    scan = rounds + 1
    nrand = ngroup * scan
    source: _LehmerStream | np.random.Generator
    if isinstance(rng, str):
        if rng != "mageck":
            raise ValidationError(f"rng must be 'mageck', an int seed or a Generator, got {rng!r}")
        source = _LehmerStream(123456)
    else:
        source = as_generator(rng)
    pvals = np.ones(ngroup)
    nperm: dict[int, int] = {}
    if opt.by_group:
        null: np.ndarray | None = None
        for n in np.unique(sizes[~skip]):
            if n <= opt.max_sgrna_per_gene_permutation or null is None:
                # nulls from the same stream position are shared between the two directions
                if (
                    null_cache is not None
                    and isinstance(source, _LehmerStream)
                    and control_pct is None
                ):
                    key = (source.state, int(n), nrand, opt.min_percentile)
                    alphas = sorted(set(null_cache.get("alphas", ())) | {alpha})
                    hit = null_cache.get(key)
                    if hit is not None and alpha in hit:
                        null = hit.pop(alpha)
                        source.jump(int(n) * nrand)
                    else:
                        nulls = _draw_null(int(n), nrand, alphas, opt.min_percentile, source,
                                           None)  # fmt: skip
                        store = dict(zip(alphas, nulls, strict=True))
                        null = store.pop(alpha)
                        null_cache[key] = store
                else:
                    null = _draw_null(
                        int(n), nrand, [alpha], opt.min_percentile, source, control_pct
                    )[0]
            nperm[int(n)] = nrand
            gidx = np.flatnonzero((sizes == n) & ~skip)
            pvals[gidx] = _mid_percentile(null, lo_values[gidx])
    else:
        # one null for all genes: each pass draws every gene at its own size, in gene order
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        total = int(sizes.sum())
        null_vals = np.empty(nrand)
        for k in range(scan):
            if isinstance(source, _LehmerStream):
                flat = source.draw(total)
            else:
                flat = source.random(total)
            flat = _from_controls(control_pct, flat)
            seg = np.empty(ngroup)
            for n in np.unique(sizes):
                gidx = np.flatnonzero(sizes == n)
                mat = np.sort(flat[starts[gidx][:, None] + np.arange(n)[None, :]], axis=1)
                seg[gidx] = _lo_kernel(mat, alpha, opt.min_percentile, exact=False)[0]
            null_vals[k * ngroup : (k + 1) * ngroup] = seg
        null_vals.sort()
        pvals = _mid_percentile(null_vals, lo_values)
        nperm[0] = nrand
    return pvals, nperm


def rra_fdr(
    p: np.ndarray, good_sgrnas: np.ndarray, sizes: np.ndarray, *, options: RraOptions | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Stage 5 of :func:`rra`: good-sgRNA filters and Benjamini-Hochberg FDR.

    Parameters
    ----------
    p, good_sgrnas, sizes
        Per gene: permutation p-value, good sgRNAs (:func:`rra_lo_values`), sgRNA count.
    options
        :class:`RraOptions` (``min_number_goodsgrna``, ``min_percentage_goodsgrna``).

    Returns
    -------
    (fdr, bad)
        ``bad``: the gene has fewer good sgRNAs than the filters ask; ``fdr``: MAGeCK's
        Benjamini-Hochberg over the other genes (ties in input order), NaN for bad genes.
    """
    opt = options or RraOptions()
    p = np.asarray(p, dtype=np.float64)
    good = np.asarray(good_sgrnas)
    sizes = np.asarray(sizes)
    bad = (good / np.maximum(sizes, 1) < opt.min_percentage_goodsgrna) | (
        good < opt.min_number_goodsgrna
    )
    fdr = np.full(p.shape[0], np.nan)
    fdr[~bad] = bh_adjust(p[~bad])
    return fdr, bad


def rra(
    sgrnas: Sequence[str],
    genes: Sequence[str],
    scores: np.ndarray | Sequence[float],
    *,
    alpha: float,
    control_sgrnas: Sequence[str] | None = None,
    skip_genes: Sequence[str] = ("NA", "na"),
    options: RraOptions | None = None,
    rng: RngLike | Literal["mageck"] = "mageck",
    null_cache: dict | None = None,
    gene_index: tuple[np.ndarray, list[str]] | None = None,
) -> pd.DataFrame:
    """Alpha-RRA gene ranking from a ranked sgRNA list (MAGeCK's ``RRA`` program).

    Runs the stages :func:`rra_percentiles` -> :func:`rra_groups` -> :func:`rra_lo_values`
    (alpha cut, lo-values) -> :func:`rra_permutation_p` -> :func:`rra_fdr` and orders the genes
    as MAGeCK does; each stage can be run on its own.

    Parameters
    ----------
    sgrnas, genes, scores
        One entry per sgRNA in the order MAGeCK writes its ``plow``/``phigh`` file (sorted by
        score); small scores are significant. A gene field with commas assigns the sgRNA to
        several genes.
    alpha
        Maximum percentile counted as a good sgRNA (``-p``).
    control_sgrnas
        Control sgRNA ids (``--control``): the null draws their percentiles instead of uniforms,
        and genes made only of controls are neither permuted nor reported.
    skip_genes
        Genes not permuted (p-value 1), MAGeCK's ``--skip-gene`` (default ``NA``, ``na``).
    options
        :class:`RraOptions`.
    rng
        ``"mageck"`` (default) for MAGeCK's generator and seed; an int seed or a numpy
        Generator for an independent permutation.
    null_cache
        A dict shared between calls that use MAGeCK's generator on the same gene sizes (the
        negative and positive tests): nulls drawn from the same stream position are computed
        once. Key ``"alphas"`` lists the alphas to compute in one pass.
    gene_index
        Optional (code per sgRNA, gene names) when the caller has already coded the genes
        (no comma-separated multi-gene entries); saves hashing the gene strings again.

    Returns
    -------
    pandas.DataFrame
        In MAGeCK's output order (by lo-value) with columns ``group_id``, ``items_in_group``,
        ``lo_value``, ``p``, ``FDR`` (NaN for genes failing the good-sgRNA filters),
        ``goodsgrna``, ``bad``; ``attrs`` holds ``n_permutations`` per sgRNA count and
        ``alpha``.
    """
    opt = options or RraOptions()
    if not (len(scores) == len(sgrnas) == len(genes)):
        raise ValidationError("sgrnas, genes and scores must have the same length")
    pct = rra_percentiles(scores)
    groups = rra_groups(sgrnas, genes, pct, control_sgrnas=control_sgrnas, gene_index=gene_index)
    lo, good = rra_lo_values(groups, alpha=alpha, min_percentile=opt.min_percentile)
    pvals, nperm = rra_permutation_p(groups, lo, alpha=alpha, skip_genes=skip_genes, options=opt,
                                     rng=rng, null_cache=null_cache)  # fmt: skip
    fdr, bad = rra_fdr(pvals, good, groups.sizes, options=opt)
    return _rra_table(groups, lo, good, pvals, fdr, bad, nperm, alpha)


def _rra_table(
    groups: RraGroups,
    lo: np.ndarray,
    good: np.ndarray,
    pvals: np.ndarray,
    fdr: np.ndarray,
    bad: np.ndarray,
    nperm: dict[int, int],
    alpha: float,
) -> pd.DataFrame:
    """RRA's output table: genes by lo-value in MAGeCK's quicksort order, controls left out."""
    ngroup = lo.shape[0]
    if np.unique(lo).shape[0] < ngroup and ngroup <= 200000:
        ordr = _quicksort_order(lo)
    else:
        ordr = np.argsort(lo, kind="stable")
    ordr = ordr[~groups.control_only[ordr]]
    out = pd.DataFrame(
        {
            "group_id": np.asarray(groups.names, dtype=object)[ordr],
            "items_in_group": groups.sizes[ordr],
            "lo_value": lo[ordr],
            "p": pvals[ordr],
            "FDR": fdr[ordr],
            "goodsgrna": good[ordr],
            "bad": bad[ordr],
        }
    )
    out.attrs["n_permutations"] = nperm
    out.attrs["alpha"] = alpha
    return out
