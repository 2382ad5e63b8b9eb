"""Immune contexture of bulk tumours: Danaher 2017 cell scores, cytolytic activity, M1/M2.

All scores are means of log2 expression (see :func:`ifnexus.tumour.log2_expression`) over the
marker genes present, as defined by their authors:

* Danaher et al. 2017 (J Immunother Cancer 5:18): a cell type's score is the average of the
  log2-normalised expression of its marker genes (14 cell types, 60 genes);
* cytolytic activity (Rooney et al. 2015, Cell 160:48) is the geometric mean of GZMA and PRF1;
  reported on the log2 scale, i.e. the mean of their log2 values;
* M1 and M2 macrophage polarisation (Azizi et al. 2018, Cell 174:1293): mean log2 of the M1 and M2
  gene sets, and ``M1_M2_log2ratio = M1 - M2``.

Marker symbols are matched through the alias table (``ifnexus.genesets.resolve_genes``) so
legacy names in older arrays still count. Scores with no marker present are NaN (a warning names
them). Mean-of-markers needs no background model, so it is the same for one tumour or thousands.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

from ifnexus.errors import IfnexusWarning
from ifnexus.genesets import get_set, resolve_genes

logger = logging.getLogger(__name__)

# output column -> shipped gene set (read-only: it steers the profile)
CONTEXTURE_SETS: Mapping[str, str] = MappingProxyType(
    {
        "danaher_B_cells": "DANAHER2017_B_CELLS",
        "danaher_CD45": "DANAHER2017_CD45",
        "danaher_CD8_T_cells": "DANAHER2017_CD8_T_CELLS",
        "danaher_cytotoxic_cells": "DANAHER2017_CYTOTOXIC_CELLS",
        "danaher_DC": "DANAHER2017_DC",
        "danaher_exhausted_CD8": "DANAHER2017_EXHAUSTED_CD8",
        "danaher_macrophages": "DANAHER2017_MACROPHAGES",
        "danaher_mast_cells": "DANAHER2017_MAST_CELLS",
        "danaher_neutrophils": "DANAHER2017_NEUTROPHILS",
        "danaher_NK_CD56dim": "DANAHER2017_NK_CD56DIM",
        "danaher_NK_cells": "DANAHER2017_NK_CELLS",
        "danaher_Th1_cells": "DANAHER2017_TH1_CELLS",
        "danaher_Treg": "DANAHER2017_TREG",
        "danaher_T_cells": "DANAHER2017_T_CELLS",
        "cytolytic_activity": "CYTOLYTIC_ROONEY2015",
        "M1": "M1_AZIZI2018",
        "M2": "M2_AZIZI2018",
    }
)


def mean_log2_scores(log2expr: pd.DataFrame, sets: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """Mean log2 expression of each gene set's genes present (aliases resolved), per sample.

    Returns samples x sets; ``.attrs["n_genes"]`` gives the genes used per set.

    Parameters
    ----------
    log2expr
        log2 expression, genes x samples (see :func:`ifnexus.tumour.log2_expression`).
    sets
        Output column -> gene symbols.

    Returns
    -------
    pandas.DataFrame
        Samples x sets; ``.attrs["n_genes"]`` gives the genes used per set (NaN column and a
        warning for a set with none present).
    """
    universe = [str(g) for g in log2expr.index]
    out = pd.DataFrame(index=log2expr.columns.copy())
    used: dict[str, int] = {}
    empty: list[str] = []
    for col, genes in sets.items():
        found = list(dict.fromkeys(resolve_genes(genes, universe).mapping.values()))
        used[col] = len(found)
        if not found:
            out[col] = np.nan
            empty.append(col)
            continue
        out[col] = log2expr.loc[found].mean(axis=0).to_numpy()
    if empty:
        warnings.warn(
            f"no marker genes in the expression data for {', '.join(empty)}; those scores are NaN",
            IfnexusWarning,
            stacklevel=3,
        )
    out.attrs["n_genes"] = used
    return out


def immune_contexture(log2expr: pd.DataFrame) -> pd.DataFrame:
    """Danaher 2017 immune cell scores, cytolytic activity and M1/M2 for each sample.

    Parameters
    ----------
    log2expr
        Genes x samples on a log2 scale (:func:`ifnexus.tumour.log2_expression`).

    Returns
    -------
    pandas.DataFrame
        One row per sample with ``danaher_<cell type>`` (14 columns), ``cytolytic_activity``,
        ``M1``, ``M2`` and ``M1_M2_log2ratio``; ``.attrs["n_genes"]`` gives the markers used.
    """
    sets = {col: get_set(name).genes for col, name in CONTEXTURE_SETS.items()}
    out = mean_log2_scores(log2expr, sets)
    out["M1_M2_log2ratio"] = out["M1"] - out["M2"]
    out.index.name = "sample"
    return out
