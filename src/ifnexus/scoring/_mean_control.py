"""Binned-control mean score (Seurat ``AddModuleScore`` / ``scanpy.tl.score_genes``).

score = mean(set genes in the cell) - mean(control genes in the cell), where the controls
are drawn, for every expression bin that holds a set gene, ``ctrl_size`` genes from that bin
(all of them when the bin is smaller), minus the set genes (``ctrl_as_ref=True``, scanpy's
default) and pooled as a union. This module reproduces scanpy 1.11 step by step:

- bins from :func:`ifnexus.scoring.prepare` (scanpy's cut);
- the bins visited in increasing order; the candidates of a bin in gene-pool order;
- sampling with ``numpy.random.RandomState(seed).choice(n, ctrl_size, replace=False)``, which is
  what ``Series.sample`` draws after scanpy's ``np.random.seed(random_state)``. An int seed
  therefore gives, set by set, exactly scanpy's controls for ``random_state=seed``, without
  touching numpy's global state. A ``numpy.random.Generator`` instead spawns one child stream
  per set (adding a set never changes another set's controls).

Own code rather than a loop over ``score_genes`` because scanpy recomputes the gene means for
every set, refuses backed data, and cannot score several sets in one pass; here all sets
become one genes x sets weight matrix ``W`` (``+1/n_set`` on set genes, ``-1/n_ctrl`` on
controls) and every chunk needs one product ``X_chunk @ W``.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ifnexus._rng import check_seed
from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.scoring._background import ScoringBackground

logger = logging.getLogger(__name__)

SeedLike = int | np.integer | np.random.Generator | np.random.SeedSequence | None


def _sampler(rng: SeedLike, n_sets: int) -> list[np.random.RandomState | np.random.Generator]:
    """One random stream per set: legacy RandomState(seed) for ints, spawned Generators else."""
    if isinstance(rng, bool | np.bool_ | int | np.integer):
        seed = check_seed(rng)  # the package's one seed check: bools and negatives refused
        return [np.random.RandomState(seed) for _ in range(n_sets)]
    if rng is None or isinstance(rng, np.random.SeedSequence | np.random.Generator):
        base = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        return list(base.spawn(n_sets))
    raise ValidationError(
        f"rng must be an int seed, a numpy Generator or None, got {type(rng).__name__}"
    )


def control_genes(
    background: ScoringBackground,
    genes: Sequence[str],
    *,
    ctrl_size: int = 50,
    ctrl_as_ref: bool = True,
    rng: SeedLike | np.random.RandomState = 0,
) -> pd.Index:
    """Draw the control genes of one set, as ``scanpy.tl.score_genes`` does.

    Parameters
    ----------
    background
        Means and bins from :func:`ifnexus.scoring.prepare`.
    genes
        The set's genes as named in the data.
    ctrl_size
        Controls drawn per bin (scanpy: 50).
    ctrl_as_ref
        scanpy's default ``True``: set genes may be drawn and are removed afterwards;
        ``False`` excludes them before drawing.
    rng
        An int seed (scanpy-identical draws), a ``RandomState`` or a ``Generator``.

    Returns
    -------
    pandas.Index
        The union of the controls over bins (sorted).
    """
    if ctrl_size < 1:
        raise ValidationError(f"ctrl_size must be >= 1, got {ctrl_size}")
    bins = background.bins
    stream = _sampler(rng, 1)[0] if not isinstance(rng, np.random.RandomState) else rng
    gene_index = pd.Index(list(genes))
    in_pool = gene_index[gene_index.isin(bins.index)]
    if len(in_pool) == 0:
        raise ValidationError("none of the set's genes are in the gene pool; no bins to draw from")
    keep_out = np.zeros(len(bins), dtype=bool) if ctrl_as_ref else bins.index.isin(gene_index)
    values = bins.to_numpy()
    control = pd.Index([], dtype=object)
    for cut in np.unique(bins.loc[in_pool].to_numpy()):
        cand = bins.index[(values == cut) & ~keep_out]
        if len(cand) == 0:
            warnings.warn(
                f"no control genes in expression bin {cut:g}", IfnexusWarning, stacklevel=2
            )
        if ctrl_size < len(cand):
            cand = cand[stream.choice(len(cand), size=ctrl_size, replace=False)]
        if ctrl_as_ref:
            cand = cand.difference(gene_index)
        control = control.union(cand)
    if len(control) == 0:
        raise ValidationError(
            "no control genes found in any bin"
            + (" (try ctrl_as_ref=False)" if ctrl_as_ref else "")
        )
    return control


def weight_matrix(
    background: ScoringBackground,
    sets: Mapping[str, Sequence[str]],
    *,
    ctrl_size: int = 50,
    ctrl_as_ref: bool = True,
    rng: SeedLike = 0,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Genes x sets weights so that ``X @ W`` is every set's mean-control score.

    Parameters
    ----------
    background
        Means and bins from :func:`ifnexus.scoring.prepare` (its genes are the rows of ``W``).
    sets
        Set name -> genes as named in the data (e.g. from
        :func:`~ifnexus.scoring.resolve_sets`).
    ctrl_size, ctrl_as_ref
        As in :func:`control_genes`.
    rng
        An int seed (per set, scanpy's draws for ``random_state=seed``) or a ``Generator``
        (one spawned stream per set).

    Returns
    -------
    (numpy.ndarray, pandas.DataFrame)
        ``W`` (n_genes x n_sets, float64) and a table with one row per set: ``set``,
        ``n_set_genes``, ``n_control_genes``, ``control_genes`` (``;``-joined).
    """
    var_index = background.var_names
    names = list(sets)
    w = np.zeros((len(var_index), len(names)))
    rows = []
    for j, (name, stream) in enumerate(zip(names, _sampler(rng, len(names)), strict=True)):
        genes = pd.Index(list(dict.fromkeys(sets[name])))
        pos = var_index.get_indexer(genes)
        if (pos < 0).any():
            raise ValidationError(
                f"set {name!r}: genes not in the data: {list(genes[pos < 0][:5])}"
            )
        ctrl = control_genes(
            background, genes, ctrl_size=ctrl_size, ctrl_as_ref=ctrl_as_ref, rng=stream
        )
        cpos = var_index.get_indexer(ctrl)
        w[pos, j] += 1.0 / len(pos)
        w[cpos, j] -= 1.0 / len(cpos)
        rows.append(
            {
                "set": name,
                "n_set_genes": len(pos),
                "n_control_genes": len(cpos),
                "control_genes": ";".join(ctrl),
            }
        )
    return w, pd.DataFrame(rows)
