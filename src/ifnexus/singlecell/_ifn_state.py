"""Per-cell IFN state, calibrated within each dataset: ``acute``, ``chronic``, ``none``, ``undetermined``.

Biology of the call (Cheon et al. 2013, EMBO J 32:2751; Cheon & Stark 2009, PNAS 106:9373).
A burst of type I IFN activates tyrosine-phosphorylated ISGF3 (pSTAT1/pSTAT2/IRF9), which
switches on the whole ISG response within hours and is shut down within a day. It also raises
the levels of unphosphorylated STAT1, STAT2 and IRF9, which form U-ISGF3 and keep a subset of
ISGs (IFI27, BST2, OAS1-3, MX1/2, IFI44, IFI6, STAT1, IRF7, ISG15, ...) expressed for days;
continuous low-level IFN-beta, as in many tumours (the IRDS), gives steady expression of only
that U-ISGF3 subset "with no sustained increase in other IFNbeta-induced proteins" (Cheon 2013).
Two programmes are therefore scored:

- ``ifn_isgf3_acute`` (:data:`ACUTE_PROGRAMME`): ISGs of the first, pISGF3-driven phase that
  U-ISGF3 does not sustain (IFIT1/2/3, RSAD2, CXCL10/11, OASL, CMPK2, HERC5, IFIH1, RIGI,
  ISG20), the transient group of Cheon 2013 and the classical early ISGs;
- ``ifn_u_isgf3`` (:data:`SUSTAINED_PROGRAMME`): the U-ISGF3 / U-STAT1 genes of Cheon & Stark
  2009 and Cheon 2013 that stay up under chronic signalling.

A cell is ``acute`` when the acute-only programme is raised (the sustained genes are then up
too), ``chronic`` when only the sustained programme is raised, ``none`` otherwise.

Calibration (no global threshold; see :mod:`ifnexus.singlecell._mixture`):

(a) **against controls** (``condition`` and ``control`` given): each cell's two scores are
    standardised by the control cells of its cell type (median and MAD) when that type has at
    least ``min_control_cells`` control cells, else by all control cells; the reference
    ("none") is the robust (minimum covariance determinant) Gaussian of the standardised
    control cells, so a minority of IFN-active control cells does not widen it; the other cells are fitted by a
    1-3 component Gaussian mixture (BIC) whose components are labelled by their shift from the
    reference; the posterior of every cell under the combined mixture gives the
    probabilities.
(b) **mixture only** (no control): within each cell type with at least ``min_type_cells``
    cells (the remaining cells are fitted together with all cells), a 1-3 component mixture is
    fitted; the reference is the least IFN-active component holding at least 10% of the cells;
    the others are labelled by their shift from it. With one component, or none shifted by
    ``min_shift`` reference SDs, every cell is ``none`` ("no second component"). Without
    controls a population that is uniformly stimulated cannot be told from rest: give a
    control group.

In both modes a component counts as raised only if its shift is also at least ``min_effect``
(default :data:`MIN_EFFECT`, ln 2) in the units of the score itself, the mean-control score on
natural-log expression: the programme's genes at least about twice their expression-matched
control genes relative to the reference. The shift in reference SDs alone is scale-free and
splits a skewed but unimodal resting distribution: in resting human PBMCs (10x pbmc3k, the
tuning set of ``docs/singlecell.md``) the monocytes' acute score is right-skewed, and a two-
component fit put 40% of them 3.8 reference SDs (about 0.4 score units, a 1.5-fold difference)
above the rest, calling 11% of resting blood acute. An IFN burst raises the acute-only genes
tens of fold (Cheon 2013; Schoggins 2011), far above the floor.

**Evidence floor** (issue #14, fourth round). The mean-control score compares a programme with
expression-matched control genes; in a cell that detects few genes at all, the controls are
near zero too, so its score is near zero whatever the programme does, which can sit several
reference SDs above resting cells whose programme genes are below their controls (held-out
Shalek 2014 BMDCs: unstimulated cells with 443-1,866 of 5,323 genes detected, expressing 0-2 of
12 acute-only genes, were called acute). A state therefore needs positive evidence from its
programme's own genes in the cell (:func:`programme_detection`): with ``D`` the programme genes
the cell expresses (value > 0) and ``p_g`` the fraction of the other genes of gene ``g``'s
expression bin (the scoring background's bins) that the cell expresses, the programme is
evidenced when ``D >= min_detected`` (2; a call needs at least 5 measured genes anyway)
and ``D`` is not significantly below what the cell's own detection rate predicts for genes of that expression
level: ``P(X <= D) >= detection_alpha`` (0.05) for ``X`` Poisson-binomial with the ``p_g``.
A low-complexity cell is thus held to the lower expectation of its own depth (it is not
penalised for depth), but must still express the programme. ``acute`` needs the acute-only
programme evidenced and ``chronic`` the sustained one. A state that fails it is removed from
the cell's mixture (its posterior is recomputed from the other components). When the state
removed is the one the scores pointed to, the cell is ``none`` (or ``chronic``) if its
programme is expressed by *fewer* genes than its depth predicts (evidence against), and
``undetermined`` (probabilities NaN) if it is merely too shallow to tell (fewer than
``min_detected`` genes, but not fewer than its depth predicts); ``ifn_state_reason`` gives the
numbers either way. The defaults were set on simulations with pbmc3k's gene profile and
library sizes (``docs/singlecell.md``, fourth round), not on the held-out sets. Without the
detection columns in ``scores`` (a direct call on scores alone) the floor is not applied and
``settings["evidence_floor"]["applied"]`` says so; :func:`~ifnexus.singlecell.profile`
always computes them.

``undetermined`` (with ``ifn_state_reason``): fewer than ``min_genes`` genes of a programme
measured in the data (an :class:`~ifnexus.errors.IfnexusWarning` gives the numbers), a cell
without both scores, or evidence too weak (the largest posterior below ``min_probability``).
Probabilities are NaN when the call cannot be made at all and sum to 1 otherwise.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from ifnexus._runoptions import RunOptions
from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.genesets import GeneSet, convert_set
from ifnexus.scoring import ExpressionSource, ScoringBackground
from ifnexus.scoring._chunks import map_chunks
from ifnexus.singlecell._mixture import (
    LABELS,
    MIN_SD,
    Gaussian2,
    fit_mixture,
    label_components,
    posteriors,
    robust_gaussian,
    robust_scale,
)

IFN_STATES: tuple[str, ...] = ("acute", "chronic", "none", "undetermined")

#: Per-cell columns written by :func:`call_ifn_state` (and into ``Profile.cells``).
STATE_COLUMNS: tuple[str, ...] = (
    "ifn_state",
    "ifn_p_acute",
    "ifn_p_chronic",
    "ifn_p_none",
    "ifn_state_reason",
    "ifn_reference",
    "ifn_z_acute",
    "ifn_z_sustained",
)

_CHEON = (
    "Cheon H et al. 2013 EMBO J 32:2751 (IFNbeta-dependent increases in STAT1, STAT2 and IRF9: "
    "pISGF3 drives the first, transient phase; U-ISGF3 sustains a subset); Cheon H & Stark GR "
    "2009 PNAS 106:9373 (U-STAT1 target genes)"
)

#: ISGs of the first, tyrosine-phosphorylated ISGF3 phase that U-ISGF3 does not sustain.
ACUTE_PROGRAMME = GeneSet(
    name="IFN_ISGF3_ACUTE",
    genes=(
        "IFIT1",
        "IFIT2",
        "IFIT3",
        "RSAD2",
        "CXCL10",
        "CXCL11",
        "OASL",
        "CMPK2",
        "HERC5",
        "IFIH1",
        "RIGI",
        "ISG20",
    ),
    species="human",
    source=_CHEON,
    licence="published scientific data (cite the papers)",
    version="ifnexus curated 2026 from Cheon 2013",
    description="Acute-only ISGs: the pSTAT1/ISGF3 burst programme not sustained by U-ISGF3.",
)

#: U-ISGF3 / U-STAT1 genes that stay up for days after IFN and under chronic low-level IFN.
SUSTAINED_PROGRAMME = GeneSet(
    name="IFN_U_ISGF3_SUSTAINED",
    genes=(
        "IFI27",
        "BST2",
        "OAS1",
        "OAS2",
        "OAS3",
        "MX1",
        "MX2",
        "IFI44",
        "IFI44L",
        "IFI6",
        "STAT1",
        "STAT2",
        "IRF9",
        "IRF7",
        "ISG15",
        "USP18",
        "PLSCR1",
        "LGALS3BP",
    ),
    species="human",
    source=_CHEON,
    licence="published scientific data (cite the papers)",
    version="ifnexus curated 2026 from Cheon 2013",
    description="U-ISGF3 programme: ISGs sustained after an IFN burst and under chronic IFN.",
)

#: Score column -> programme.
PROGRAMMES: Mapping[str, GeneSet] = MappingProxyType(
    {"ifn_isgf3_acute": ACUTE_PROGRAMME, "ifn_u_isgf3": SUSTAINED_PROGRAMME}
)

#: Smallest shift of a raised component in score units (mean-control score, natural log).
MIN_EFFECT = float(np.log(2.0))
#: Fewest genes of a programme that must be measured for a call (else ``undetermined``).
MIN_PROGRAMME_GENES = 5
#: Fewest control cells for a calibration (overall, and per cell type for a per-type one).
MIN_CONTROL_CELLS = 30
#: Fewest cells of a type for its own mixture (mixture mode).
MIN_TYPE_CELLS = 200
#: A reference ("none") component in mixture mode holds at least this share of the cells.
MIN_REFERENCE_WEIGHT = 0.1


#: Fewest genes of a programme a cell must express for that programme's state (evidence floor).
MIN_DETECTED = 2
#: Smallest lower-tail probability of a cell's programme detection count under its own
#: detection rate of expression-matched genes (evidence floor; below it: under-detected).
DETECTION_ALPHA = 0.05
#: Per-cell detection columns of :func:`programme_detection` (read by :func:`call_ifn_state`).
DETECTION_COLUMNS: tuple[str, ...] = tuple(
    f"{col}_{what}" for col in PROGRAMMES for what in ("detected", "expected", "p_fewer")
)
_STATE_PROGRAMME = {"acute": "ifn_isgf3_acute", "chronic": "ifn_u_isgf3"}


#: Message of the keywords and flags removed with the fixed thresholds (kept one release).
REMOVED_THRESHOLDS = (
    "{name} was removed in 0.2 (the fixed IFN-state thresholds did not transfer across "
    "platforms, depths and gene panels; the state is now calibrated within the dataset); "
    "use {control} (with {condition}) to calibrate against control cells, and "
    "{min_probability} for the smallest posterior of a call. {name} will be gone in 0.3."
)


def refuse_removed_thresholds(
    acute_threshold: object = None, chronic_threshold: object = None, *, cli: bool = False
) -> None:
    """Refuse the removed fixed-threshold keywords (or flags) with what replaces them.

    Parameters
    ----------
    acute_threshold, chronic_threshold
        The values given for the removed keywords; ``None`` means not given.
    cli
        Name the command-line flags (``--acute-threshold``, ``--control``, ...) instead of the
        keywords.

    Raises
    ------
    ValidationError
        Either keyword was given (any value).
    """
    for kw, flag, value in (
        ("acute_threshold=", "--acute-threshold", acute_threshold),
        ("chronic_threshold=", "--chronic-threshold", chronic_threshold),
    ):
        if value is not None:
            names = ("--control", "--condition", "--min-probability") if cli else (
                "control=", "condition=", "min_probability=")  # fmt: skip
            raise ValidationError(
                REMOVED_THRESHOLDS.format(name=flag if cli else kw, control=names[0],
                                          condition=names[1], min_probability=names[2])
            )  # fmt: skip


def programme_sets(species: str = "human") -> dict[str, GeneSet]:
    """Return the two IFN programmes as gene sets of ``species`` (mouse: by orthology).

    Parameters
    ----------
    species
        ``"human"`` or ``"mouse"``.

    Returns
    -------
    dict of str to GeneSet
        Score column (``ifn_isgf3_acute``, ``ifn_u_isgf3``) -> gene set.

    Examples
    --------
    >>> sorted(programme_sets())
    ['ifn_isgf3_acute', 'ifn_u_isgf3']
    """
    if species == "human":
        return dict(PROGRAMMES)
    if species != "mouse":
        raise ValidationError(f"species must be 'human' or 'mouse', got {species!r}")
    return {col: convert_set(gs, "mouse") for col, gs in PROGRAMMES.items()}


def _detection_kernel(
    block: Any, prog_idx: np.ndarray, bin_matrix: sparse.csr_matrix
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: which programme genes are expressed, and how many genes of each bin are."""
    det = sparse.csr_matrix(block, copy=True) if sparse.issparse(block) else sparse.csr_matrix(
        np.asarray(block))  # fmt: skip
    det.data = (det.data > 0).astype(np.float64)
    prog = np.asarray(det[:, prog_idx].toarray() > 0)
    per_bin = np.asarray((det @ bin_matrix).toarray())
    return prog, per_bin


def poisson_binomial_cdf(p: np.ndarray, k: np.ndarray) -> np.ndarray:
    """``P(X <= k)`` per row, ``X`` the number of successes of independent Bernoulli trials.

    Written here (a dynamic programme over the trials, one row per cell, vectorised): scipy
    has no Poisson-binomial distribution, and the rows have at most a few dozen trials.

    Parameters
    ----------
    p
        Rows x trials success probabilities in [0, 1].
    k
        Per row, the count (integer, 0 to the number of trials).

    Returns
    -------
    numpy.ndarray
        The lower-tail probabilities, one per row.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(poisson_binomial_cdf(np.array([[0.5, 0.5]]), np.array([0]))[0]), 3)
    0.25
    """
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    n, m = p.shape
    dist = np.zeros((n, m + 1))
    dist[:, 0] = 1.0
    for j in range(m):
        pj = p[:, j : j + 1]
        dist[:, 1:] = dist[:, 1:] * (1.0 - pj) + dist[:, :-1] * pj
        dist[:, 0] *= 1.0 - p[:, j]
    cdf = np.cumsum(dist, axis=1)
    kk = np.clip(np.asarray(k, dtype=np.int64), 0, m)
    return np.minimum(cdf[np.arange(n), kk], 1.0)


def programme_detection(
    source: ExpressionSource,
    background: ScoringBackground,
    *,
    species: str = "human",
    options: RunOptions | None = None,
) -> pd.DataFrame:
    """Per cell: programme genes expressed, the number expected at the cell's depth, and a tail.

    For each programme of :func:`programme_sets` and each cell, ``<col>_detected`` is the
    number of the programme's measured genes with a value > 0; ``<col>_expected`` is the
    number expected if each gene ``g`` were detected at the cell's own rate for genes of
    ``g``'s expression bin (``p_g``: the fraction of the non-programme genes of that bin of
    ``background`` that the cell expresses; scanpy's bins of the dataset means);
    ``<col>_p_fewer`` is ``P(X <= detected)`` for ``X`` Poisson-binomial with the ``p_g``:
    small when the cell expresses fewer of the programme's genes than its complexity predicts.
    These are the inputs of the evidence floor of :func:`call_ifn_state`. Detection (> 0) is
    the same on counts and on their log-normalised values, so the raw matrix is read.

    Parameters
    ----------
    source
        The expression matrix (:func:`ifnexus.scoring.expression_source`).
    background
        Its gene means and bins (:func:`ifnexus.scoring.prepare`).
    species
        ``"human"`` or ``"mouse"`` (the programmes' gene names).
    options
        Chunks, threads or cluster (:class:`ifnexus.RunOptions`); results do not depend on it.

    Returns
    -------
    pandas.DataFrame
        One row per cell (index: ``source.obs_names`` when known, else 0..n-1), the
        :data:`DETECTION_COLUMNS`. A programme with no measured gene gives NaN columns.

    Examples
    --------
    >>> import numpy as np
    >>> from ifnexus.scoring import expression_source, prepare
    >>> genes = [*programme_sets()["ifn_isgf3_acute"].genes, *[f"G{i}" for i in range(60)]]
    >>> x = np.ones((2, len(genes)))
    >>> x[1, :12] = 0          # the second cell expresses no acute-only gene
    >>> src = expression_source(x, var_names=genes)
    >>> d = programme_detection(src, prepare(src, n_bins=3))
    >>> d["ifn_isgf3_acute_detected"].tolist()
    [12.0, 0.0]
    """
    sets = programme_sets(species)
    var = pd.Index(source.var_names)
    bins = background.bins.reindex(var)
    in_pool = bins.notna().to_numpy()
    measured = {
        col: [g for g in gs.genes if g in var and bool(in_pool[var.get_loc(g)])]
        for col, gs in sets.items()
    }
    prog_genes = list(dict.fromkeys(g for gl in measured.values() for g in gl))
    is_prog = var.isin(prog_genes)
    codes, uniq = pd.factorize(bins.to_numpy(), sort=True)  # NaN -> -1
    other = (codes >= 0) & ~is_prog
    rows = np.flatnonzero(other)
    bin_matrix = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, codes[rows])), shape=(len(var), max(len(uniq), 1))
    )
    bin_size = np.asarray(bin_matrix.sum(axis=0)).ravel()
    prog_idx = var.get_indexer(prog_genes) if prog_genes else np.zeros(0, dtype=np.int64)
    _, parts = map_chunks(source, _detection_kernel, prog_idx, bin_matrix, options=options)
    n = source.shape[0]
    prog = np.vstack([pp for pp, _ in parts]) if parts else np.zeros((n, len(prog_genes)), bool)
    per_bin = np.vstack([b for _, b in parts]) if parts else np.zeros((n, len(bin_size)))
    overall = per_bin.sum(axis=1) / max(float(bin_size.sum()), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(bin_size > 0, per_bin / np.maximum(bin_size, 1.0), overall[:, None])
    names = getattr(source, "obs_names", None)
    index = pd.Index(names) if names is not None and len(names) == n else pd.RangeIndex(n)
    out = pd.DataFrame(index=index)
    col_of = {g: j for j, g in enumerate(prog_genes)}
    for col, genes in measured.items():
        if not genes:
            for what in ("detected", "expected", "p_fewer"):
                out[f"{col}_{what}"] = np.nan
            continue
        d = prog[:, [col_of[g] for g in genes]].sum(axis=1).astype(np.float64)
        pg = rate[:, [int(codes[var.get_loc(g)]) for g in genes]]
        out[f"{col}_detected"] = d
        out[f"{col}_expected"] = pg.sum(axis=1)
        out[f"{col}_p_fewer"] = poisson_binomial_cdf(pg, d.astype(np.int64))
    return out


@dataclass
class IfnStateCall:
    """Result of :func:`call_ifn_state`.

    Attributes
    ----------
    cells
        One row per cell (the index of the scores): the :data:`STATE_COLUMNS`. ``ifn_state``
        is categorical in :data:`IFN_STATES`; ``ifn_p_*`` are posterior probabilities (NaN
        where no call could be made); ``ifn_state_reason`` says why a cell is undetermined,
        or how the evidence floor changed its call (empty otherwise); ``ifn_reference`` names its calibration (``control:<type>``,
        ``control:all``, ``mixture:<type>``, ``mixture:all``); ``ifn_z_acute`` and
        ``ifn_z_sustained`` are the programme scores in reference standard deviations.
    components
        The fitted mixture components: ``group``, ``component``, ``label``, ``weight``,
        ``shift_acute``, ``shift_sustained`` (in reference SDs), ``reference`` (True for the
        "none" reference).
    settings
        Mode (``control`` or ``mixture``), parameters, coverage and ``evidence_floor``
        (``applied``, ``min_detected``, ``detection_alpha``).
    """

    cells: pd.DataFrame
    components: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> pd.DataFrame:
        """Cells per state, tidy.

        Returns
        -------
        pandas.DataFrame
            Columns ``ifn_state``, ``n``, ``fraction`` (one row per state of
            :data:`IFN_STATES`).
        """
        n = self.cells["ifn_state"].value_counts().reindex(list(IFN_STATES), fill_value=0)
        total = max(int(n.sum()), 1)
        return pd.DataFrame(
            {"ifn_state": list(IFN_STATES), "n": n.to_numpy(), "fraction": n.to_numpy() / total}
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form: settings, state counts and the components.

        Returns
        -------
        dict
            ``settings``, ``counts`` (state -> n) and ``components`` (list of records).
        """
        return {
            "settings": dict(self.settings),
            "counts": {str(r.ifn_state): int(r.n) for r in self.summary.itertuples()},
            "components": self.components.to_dict(orient="records"),
        }


def _labels(values: pd.Series | Sequence[str] | None, n: int, what: str) -> np.ndarray | None:
    if values is None:
        return None
    arr = np.asarray(values).astype(str)
    if arr.shape != (n,):
        raise ValidationError(f"{what} must give one value per cell ({n} cells), got {arr.size}")
    return arr


def _coverage_reason(
    scores: pd.DataFrame, coverage: Mapping[str, tuple[int, int]] | None, min_genes: int
) -> str:
    """Why no cell can be called (too few programme genes measured), or ''."""
    problems = []
    for col, gs in PROGRAMMES.items():
        found = (coverage or {}).get(col)
        scored = col in scores.columns and bool(scores[col].notna().any())
        if found is not None and int(found[0]) < min_genes:
            problems.append(
                f"{gs.name}: {int(found[0])} of {int(found[1])} genes measured (minimum {min_genes})"
            )
        elif not scored:
            problems.append(f"{col} was not scored")
    return "; ".join(problems)


def _check_params(
    min_genes: int, min_control_cells: int, min_type_cells: int, min_probability: float,
    min_shift: float, max_components: int, min_effect: float = MIN_EFFECT,
    min_detected: int = MIN_DETECTED, detection_alpha: float = DETECTION_ALPHA,
) -> None:  # fmt: skip
    if not (isinstance(detection_alpha, int | float | np.integer | np.floating)
            and not isinstance(detection_alpha, bool) and 0.0 <= detection_alpha < 1.0):  # fmt: skip
        raise ValidationError(f"detection_alpha must be in [0, 1), got {detection_alpha!r}")
    for name, v, lo in (
        ("min_detected", min_detected, 0),
        ("min_genes", min_genes, 1),
        ("min_control_cells", min_control_cells, 3),
        ("min_type_cells", min_type_cells, 20),
        ("max_components", max_components, 1),
    ):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < lo:
            raise ValidationError(f"{name} must be an integer >= {lo}, got {v!r}")
    if not (np.isfinite(min_probability) and 0.5 <= min_probability <= 1.0):
        raise ValidationError(f"min_probability must be in [0.5, 1], got {min_probability!r}")
    if not (np.isfinite(min_shift) and min_shift > 0):
        raise ValidationError(f"min_shift must be a positive number, got {min_shift!r}")
    if not (np.isfinite(min_effect) and min_effect >= 0):
        raise ValidationError(f"min_effect must be a number >= 0, got {min_effect!r}")


def call_ifn_state(
    scores: pd.DataFrame,
    *,
    condition: pd.Series | Sequence[str] | None = None,
    control: str | None = None,
    cell_types: pd.Series | Sequence[str] | None = None,
    coverage: Mapping[str, tuple[int, int]] | None = None,
    min_genes: int = MIN_PROGRAMME_GENES,
    min_control_cells: int = MIN_CONTROL_CELLS,
    min_type_cells: int = MIN_TYPE_CELLS,
    min_probability: float = 0.8,
    min_shift: float = 3.0,
    max_components: int = 3,
    min_effect: float = MIN_EFFECT,
    min_detected: int = MIN_DETECTED,
    detection_alpha: float = DETECTION_ALPHA,
    rng: int = 0,
    acute_threshold: object = None,
    chronic_threshold: object = None,
) -> IfnStateCall:
    """Call each cell's IFN state with probabilities, calibrated within the dataset.

    Parameters
    ----------
    scores
        One row per cell with ``ifn_isgf3_acute`` and ``ifn_u_isgf3`` (mean-control scores of
        :data:`PROGRAMMES`, e.g. from :func:`ifnexus.singlecell.score_signatures`); a missing
        or all-NaN column makes every cell ``undetermined``.
    condition
        Each cell's condition label (in the order of ``scores``); used with ``control``.
    control
        The label of the control cells in ``condition``: calibrate against them (mode a).
        Without it, the mixture-only calibration (mode b) is used.
    cell_types
        Each cell's type: per-type control references (a) or per-type mixtures (b).
    coverage
        Score column -> (genes measured, genes in the programme), from the scoring report.
    min_genes
        Fewest measured genes of each programme for any call.
    min_control_cells
        Fewest control cells overall (fewer is an error) and per cell type for a per-type
        reference (fewer: all controls are the reference of that type).
    min_type_cells
        Fewest cells of a type for its own mixture (mode b).
    min_probability
        Smallest posterior of the winning state; below it the cell is ``undetermined``.
    min_shift
        Shift of a component mean from the reference, in reference SDs, that counts as a
        raised programme.
    max_components
        Largest number of mixture components tried (chosen by BIC).
    min_effect
        Smallest shift of a raised component in score units (natural-log mean-control score;
        default ln 2); a component shifted by ``min_shift`` SDs but less than this is ``none``.
    min_detected
        Evidence floor: fewest genes of a programme the cell must express for that
        programme's state (``acute``: acute-only genes; ``chronic``: sustained genes). Used
        when ``scores`` holds the :data:`DETECTION_COLUMNS`
        (:func:`programme_detection`; :func:`~ifnexus.singlecell.profile` adds them).
    detection_alpha
        Evidence floor: a programme whose detection count is this improbable (lower tail)
        under the cell's own detection rate of expression-matched genes is not evidenced;
        0 keeps only the ``min_detected`` count.
    rng
        Seed of the mixture fits.
    acute_threshold, chronic_threshold
        Removed in 0.2 (kept one release so that old calls fail clearly): giving either is a
        :class:`~ifnexus.errors.ValidationError` that names ``control=`` and
        ``min_probability=``.

    Returns
    -------
    IfnStateCall
        Per-cell states, probabilities and reasons; the fitted components; the settings.

    Raises
    ------
    ValidationError
        ``control`` without ``condition``, a control label that is not among the conditions
        (the message lists them), fewer than ``min_control_cells`` control cells, labels of
        the wrong length, out-of-range parameters, detection columns with missing or
        impossible values, or a removed threshold keyword.

    Warns
    -----
    IfnexusWarning
        A programme with fewer than ``min_genes`` measured genes (all cells undetermined).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = np.random.default_rng(0)
    >>> s = pd.DataFrame({"ifn_isgf3_acute": r.normal(0, 0.1, 400),
    ...                   "ifn_u_isgf3": r.normal(0, 0.1, 400)})
    >>> s.iloc[:100] += 1.0   # 100 cells with both programmes raised
    >>> res = call_ifn_state(s)
    >>> st = res.cells["ifn_state"]
    >>> float((st.iloc[:100] == "acute").mean()), float((st.iloc[100:] == "none").mean())
    (1.0, 1.0)
    """
    refuse_removed_thresholds(acute_threshold, chronic_threshold)
    _check_params(
        min_genes,
        min_control_cells,
        min_type_cells,
        min_probability,
        min_shift,
        max_components,
        min_effect,
        min_detected,
        detection_alpha,
    )
    if not isinstance(scores, pd.DataFrame):
        raise ValidationError(f"scores must be a DataFrame, got {type(scores).__name__}")
    n = len(scores)
    cond = _labels(condition, n, "condition")
    types = _labels(cell_types, n, "cell_types")
    if control is not None and cond is None:
        raise ValidationError(
            f"control={control!r} needs the condition of each cell (condition= / --condition)"
        )
    if control is not None and cond is not None:
        known = sorted(set(cond.tolist()))
        if str(control) not in known:
            raise ValidationError(
                f"control label {control!r} is not a condition of the data; conditions: "
                + ", ".join(map(repr, known))
            )
        n_ctrl = int((cond == str(control)).sum())
        if n_ctrl < min_control_cells:
            raise ValidationError(
                f"control group {control!r} has {n_ctrl} cells; at least {min_control_cells} "
                "are needed to calibrate the IFN state (min_control_cells)"
            )
    out = pd.DataFrame(index=pd.RangeIndex(n))  # positional; the cells' index is set at the end
    out["ifn_p_acute"] = np.nan
    out["ifn_p_chronic"] = np.nan
    out["ifn_p_none"] = np.nan
    out["ifn_state_reason"] = ""
    out["ifn_reference"] = ""
    out["ifn_z_acute"] = np.nan
    out["ifn_z_sustained"] = np.nan
    state = np.full(n, "undetermined", dtype=object)
    mode = "control" if control is not None else "mixture"
    settings: dict[str, Any] = {
        "mode": mode,
        "control": "" if control is None else str(control),
        "min_genes": int(min_genes),
        "min_control_cells": int(min_control_cells),
        "min_type_cells": int(min_type_cells),
        "min_probability": float(min_probability),
        "min_shift": float(min_shift),
        "min_effect": float(min_effect),
        "max_components": int(max_components),
        "seed": int(rng),
        "programmes": {c: ";".join(gs.genes) for c, gs in PROGRAMMES.items()},
        "coverage": {c: list(v) for c, v in (coverage or {}).items()},
    }
    allowed, floor_note = _evidence_floor(scores, min_detected, detection_alpha)
    settings["evidence_floor"] = {
        "applied": allowed is not None,
        "min_detected": int(min_detected),
        "detection_alpha": float(detection_alpha),
    }
    comp_rows: list[dict[str, Any]] = []
    reason = _coverage_reason(scores, coverage, min_genes)
    if reason:
        warnings.warn(
            f"IFN state undetermined for all {n} cells: {reason}", IfnexusWarning, stacklevel=2
        )
        out["ifn_state_reason"] = f"too few programme genes measured: {reason}"
        return _finish(out, state, comp_rows, settings, scores.index)
    x = scores[list(PROGRAMMES)].to_numpy(dtype=np.float64)
    ok = np.isfinite(x).all(axis=1)
    out.loc[~ok, "ifn_state_reason"] = "no IFN programme score for this cell"
    before = np.full(n, "", dtype=object)  # the winning label before the evidence floor
    if control is not None and cond is not None:
        _control_mode(x, ok, cond, str(control), types, out, comp_rows,
                      min_control_cells=min_control_cells, min_shift=min_shift,
                      max_components=max_components, seed=int(rng),
                      min_effect=min_effect, allowed=allowed, before=before)  # fmt: skip
    else:
        _mixture_mode(x, ok, types, out, comp_rows, min_type_cells=min_type_cells,
                      min_shift=min_shift, max_components=max_components, seed=int(rng),
                      min_effect=min_effect, allowed=allowed, before=before)  # fmt: skip
    p = out[["ifn_p_acute", "ifn_p_chronic", "ifn_p_none"]].to_numpy()
    called = ok & np.isfinite(p).all(axis=1)
    best = np.argmax(np.where(np.isfinite(p), p, -1.0), axis=1)
    top = p[np.arange(n), best]
    strong = called & (top >= min_probability)
    state[strong] = np.asarray(LABELS, dtype=object)[best[strong]]
    weak = called & ~strong
    if weak.any():
        out.loc[weak, "ifn_state_reason"] = [
            f"evidence too weak: P({LABELS[b]}) = {t:.2f} < {min_probability:g}"
            for b, t in zip(best[weak], top[weak], strict=True)
        ]
    if allowed is not None:
        # the floor changed the call: say so, with the numbers
        lab_idx = {lab: j for j, lab in enumerate(LABELS)}
        moved = [
            i for i in np.flatnonzero(ok)
            if before[i] in _STATE_PROGRAMME and not allowed[i, lab_idx[before[i]]]
        ]  # fmt: skip
        pcols = [out.columns.get_loc(c) for c in ("ifn_p_acute", "ifn_p_chronic", "ifn_p_none")]
        rcol = out.columns.get_loc("ifn_state_reason")
        for i in moved:
            note, thin = floor_note(i, before[i])
            if thin:
                # too few genes to tell at this depth (not fewer than the depth predicts):
                # no call, rather than a call of the state the scores did not point to
                state[i] = "undetermined"
                for c in pcols:
                    out.iat[i, c] = np.nan
                out.iat[i, rcol] = note
            else:
                prev = str(out.iat[i, rcol])
                out.iat[i, rcol] = note + (f"; {prev}" if prev else "")
    return _finish(out, state, comp_rows, settings, scores.index)


def _evidence_floor(
    scores: pd.DataFrame, min_detected: int, alpha: float
) -> tuple[np.ndarray | None, Any]:
    """Per cell, which of (acute, chronic, none) its programme detection allows; and a note.

    Returns ``(None, None)`` when ``scores`` lacks the :data:`DETECTION_COLUMNS` (the floor is
    then not applied). ``none`` is always allowed.
    """
    if not set(DETECTION_COLUMNS) <= set(scores.columns):
        return None, None
    n = len(scores)
    allowed = np.ones((n, len(LABELS)), dtype=bool)
    info: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, int]] = {}
    for lab, col in _STATE_PROGRAMME.items():
        d = scores[f"{col}_detected"].to_numpy(dtype=np.float64)
        e = scores[f"{col}_expected"].to_numpy(dtype=np.float64)
        q = scores[f"{col}_p_fewer"].to_numpy(dtype=np.float64)
        known = np.isfinite(d)
        if known.any() and (
            (d[known] < 0).any() or not np.isfinite(e[known]).all()
            or not ((q[known] >= 0) & (q[known] <= 1 + 1e-9)).all()
        ):  # fmt: skip
            raise ValidationError(
                f"detection columns of {col} hold impossible values (negative counts, or a "
                "tail probability outside [0, 1]); use programme_detection() to compute them"
            )
        # at least 5 genes of each programme are measured for any call (min_genes), so the
        # count floor never asks for more genes than exist
        ok_lab = known & (d >= min_detected) & (q >= alpha)
        allowed[:, LABELS.index(lab)] = ok_lab
        info[lab] = (d, e, q, int(min_detected))

    def note(i: int, lab: str) -> tuple[str, bool]:
        # the reason, and whether the cell is merely too shallow (count short, not fewer
        # than its depth predicts): then it is undetermined rather than another state
        d, e, q, need = info[lab]
        col = _STATE_PROGRAMME[lab]
        if not np.isfinite(d[i]):
            return f"{lab} excluded by the evidence floor: {col} genes not measured", False
        numbers = (
            f"{int(d[i])} {col} genes expressed (minimum {need}), {e[i]:.1f} expected at this "
            f"cell's detection rate, P(<= {int(d[i])}) = {q[i]:.2g}"
        )
        if q[i] < alpha:
            return (
                f"{lab} excluded by the evidence floor: fewer {col} genes expressed than the "
                f"cell's depth predicts ({numbers} < {alpha:g})",
                False,
            )
        return f"too few {col} genes expressed to call {lab} at this depth ({numbers})", True

    return allowed, note


def _finish(
    out: pd.DataFrame, state: np.ndarray, comp_rows: list[dict[str, Any]],
    settings: dict[str, Any], index: pd.Index,
) -> IfnStateCall:  # fmt: skip
    out.insert(0, "ifn_state", pd.Categorical(state, categories=list(IFN_STATES)))
    out.index = index
    cols = ["group", "component", "label", "weight", "shift_acute", "shift_sustained", "reference"]
    comps = pd.DataFrame(comp_rows, columns=cols)
    return IfnStateCall(cells=out[list(STATE_COLUMNS)], components=comps, settings=settings)


def _record(
    rows: list[dict[str, Any]], group: str, comps: list[Gaussian2], labelled: list[Any],
    ref_index: int,
) -> None:  # fmt: skip
    total = sum(c.weight for c in comps)
    for j, (c, (lab, d_a, d_s)) in enumerate(zip(comps, labelled, strict=True)):
        rows.append({"group": group, "component": j, "label": lab, "weight": c.weight / total,
                     "shift_acute": d_a, "shift_sustained": d_s, "reference": j == ref_index})  # fmt: skip


def _write(out: pd.DataFrame, rows: np.ndarray, z: np.ndarray, ref: Gaussian2,
           comps: list[Gaussian2], labels: list[str], reference: np.ndarray | str,
           allowed: np.ndarray | None = None, before: np.ndarray | None = None) -> None:  # fmt: skip
    post = posteriors(z, comps, labels)
    if allowed is not None and before is not None:
        pos = out.index[rows].to_numpy()
        before[pos] = np.asarray(LABELS, dtype=object)[np.argmax(post.to_numpy(), axis=1)]
        # a state its programme's genes do not evidence is removed from the cell's mixture:
        # the posterior over the remaining components (the reference "none" always remains)
        mask = allowed[pos]
        for pattern in {tuple(r) for r in mask.tolist()}:
            if all(pattern):
                continue
            sel = np.flatnonzero((mask == np.asarray(pattern)).all(axis=1))
            keep = [j for j, lab in enumerate(labels) if pattern[LABELS.index(lab)]]
            sub = posteriors(z[sel], [comps[j] for j in keep], [labels[j] for j in keep])
            post.iloc[sel] = sub.to_numpy()
    sd = np.sqrt(np.maximum(np.diag(ref.cov), MIN_SD**2))
    zr = (z - ref.mean) / sd
    idx = out.index[rows]
    out.loc[idx, "ifn_p_acute"] = post["acute"].to_numpy()
    out.loc[idx, "ifn_p_chronic"] = post["chronic"].to_numpy()
    out.loc[idx, "ifn_p_none"] = post["none"].to_numpy()
    out.loc[idx, "ifn_z_acute"] = zr[:, 0]
    out.loc[idx, "ifn_z_sustained"] = zr[:, 1]
    out.loc[idx, "ifn_reference"] = reference


def _label(
    comps: list[Gaussian2], ref: Gaussian2, scale: np.ndarray, *, min_shift: float,
    min_effect: float,
) -> list[Any]:  # fmt: skip
    """Label components by their shift in reference SDs, then require ``min_effect`` score units.

    ``scale`` converts the standardised scores back to score units (the robust scale the
    scores were divided by). A component raised only in SD units is relabelled: ``acute``
    whose acute-programme effect is below the floor becomes ``chronic`` when its sustained
    shift passes both tests, else ``none``; ``chronic`` below the floor becomes ``none``.
    """
    out: list[Any] = []
    for c, (lab, d_a, d_s) in zip(comps, label_components(comps, ref, min_shift=min_shift),
                                  strict=True):  # fmt: skip
        eff_a, eff_s = (np.asarray(c.mean) - np.asarray(ref.mean)) * np.asarray(scale)
        if lab == "acute" and eff_a < min_effect:
            lab = "chronic" if (d_s >= min_shift and eff_s >= min_effect) else "none"
        elif lab == "chronic" and eff_s < min_effect:
            lab = "none"
        out.append((lab, d_a, d_s))
    return out


def _control_mode(
    x: np.ndarray, ok: np.ndarray, cond: np.ndarray, control: str, types: np.ndarray | None,
    out: pd.DataFrame, comp_rows: list[dict[str, Any]], *, min_control_cells: int,
    min_shift: float, max_components: int, seed: int, min_effect: float,
    allowed: np.ndarray | None = None, before: np.ndarray | None = None,
) -> None:  # fmt: skip
    is_ctrl = (cond == control) & ok
    if int(is_ctrl.sum()) < min_control_cells:
        raise ValidationError(
            f"control group {control!r} has {int(is_ctrl.sum())} cells with IFN scores; at "
            f"least {min_control_cells} are needed (min_control_cells)"
        )
    z = np.full_like(x, np.nan)
    reference = np.full(len(x), "control:all", dtype=object)
    loc_all, scale_all = robust_scale(x[is_ctrl])
    z[ok] = (x[ok] - loc_all) / scale_all
    if types is not None:
        for t in pd.unique(types[ok]):
            sel = ok & (types == t)
            ref_cells = is_ctrl & (types == t)
            if int(ref_cells.sum()) >= min_control_cells:
                loc, scale = robust_scale(x[ref_cells])
                z[sel] = (x[sel] - loc) / scale
                reference[sel] = f"control:{t}"
    ref = robust_gaussian(z[is_ctrl], seed=seed)
    treated = ok & ~is_ctrl
    n_ok = int(ok.sum())
    comps = [Gaussian2(int(is_ctrl.sum()) / n_ok, ref.mean, ref.cov)]
    labelled: list[Any] = [("none", 0.0, 0.0)]
    if int(treated.sum()) >= 20:
        fitted = fit_mixture(z[treated], max_components=max_components, seed=seed)
        share = int(treated.sum()) / n_ok
        comps += [Gaussian2(c.weight * share, c.mean, c.cov) for c in fitted]
        labelled += _label(fitted, ref, scale_all, min_shift=min_shift, min_effect=min_effect)
    _record(comp_rows, "control", comps, labelled, 0)
    _write(out, ok, z[ok], ref, comps, [lab for lab, _, _ in labelled], reference[ok],
           allowed, before)  # fmt: skip


def _mixture_mode(
    x: np.ndarray, ok: np.ndarray, types: np.ndarray | None, out: pd.DataFrame,
    comp_rows: list[dict[str, Any]], *, min_type_cells: int, min_shift: float,
    max_components: int, seed: int, min_effect: float,
    allowed: np.ndarray | None = None, before: np.ndarray | None = None,
) -> None:  # fmt: skip
    groups: list[tuple[str, np.ndarray, np.ndarray]] = []  # name, fit rows, rows to write
    done = np.zeros(len(x), dtype=bool)
    if types is not None:
        for t in pd.unique(types[ok]):
            sel = ok & (types == t)
            if int(sel.sum()) >= min_type_cells:
                groups.append((str(t), sel, sel))
                done |= sel
    rest = ok & ~done
    if rest.any():
        groups.append(("all", ok, rest))
    for name, fit_rows, write_rows in groups:
        loc, scale = robust_scale(x[fit_rows])
        zf = (x[fit_rows] - loc) / scale
        comps = fit_mixture(zf, max_components=max_components, seed=seed)
        total = sum(c.weight for c in comps)
        eligible = [j for j, c in enumerate(comps) if c.weight / total >= MIN_REFERENCE_WEIGHT]
        ref_j = min(eligible or range(len(comps)), key=lambda j: float(comps[j].mean.sum()))
        labelled = _label(comps, comps[ref_j], scale, min_shift=min_shift, min_effect=min_effect)
        labelled[ref_j] = ("none", 0.0, 0.0)
        _record(comp_rows, f"mixture:{name}", comps, labelled, ref_j)
        zw = (x[write_rows] - loc) / scale
        _write(out, write_rows, zw, comps[ref_j], comps, [lab for lab, _, _ in labelled],
               f"mixture:{name}", allowed, before)  # fmt: skip
