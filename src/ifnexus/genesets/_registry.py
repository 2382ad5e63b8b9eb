"""The shipped gene-set resource: list, get (by name, any case), and species conversion."""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

from ifnexus.errors import UnknownNameError
from ifnexus.genesets._geneset import GeneSet

_DATA = resources.files("ifnexus.genesets") / "data"


def _parse(text: str) -> GeneSet:
    meta: dict[str, str] = {}
    genes: list[str] = []
    for line in text.splitlines():
        if line.startswith("# ") and ":" in line:
            key, _, value = line[2:].partition(":")
            meta[key.strip()] = value.strip()
        elif line.strip() and not line.startswith("#"):
            genes.append(line.strip())
    return GeneSet(
        name=meta["name"],
        genes=tuple(genes),
        species=meta.get("species", "human"),
        source=meta.get("source", ""),
        licence=meta.get("licence", ""),
        version=meta.get("version", ""),
        description=meta.get("description", ""),
        role=meta.get("role", "score"),
    )


@cache
def _shipped() -> dict[str, GeneSet]:
    out = {}
    for entry in sorted((_DATA / "sets").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".tsv"):
            gs = _parse(entry.read_text(encoding="utf-8"))
            out[gs.name] = gs
    return out


# Short names people use for the same sets.
_SYNONYMS = {
    "IFNA": "HALLMARK_INTERFERON_ALPHA_RESPONSE",
    "IFN_ALPHA": "HALLMARK_INTERFERON_ALPHA_RESPONSE",
    "IFNG": "HALLMARK_INTERFERON_GAMMA_RESPONSE",
    "IFN_GAMMA": "HALLMARK_INTERFERON_GAMMA_RESPONSE",
    "ISGRS": "ISG.RS",
    "ISG_RS": "ISG.RS",
    "IRDS": "ISG.RS",
    "CYT": "CYTOLYTIC_ROONEY2015",
    "M1": "M1_AZIZI2018",
    "M2": "M2_AZIZI2018",
    "STROMALSIGNATURE": "ESTIMATE_STROMAL",
    "IMMUNESIGNATURE": "ESTIMATE_IMMUNE",
}


def available_sets() -> list[str]:
    """List the names of the shipped gene sets.

    Returns
    -------
    list of str
        The names, as :func:`get_set` accepts them.
    """
    return list(_shipped())


def list_sets() -> pd.DataFrame:
    """Describe the shipped gene sets, one row per set.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``n_genes``, ``species``, ``role``, ``source``, ``licence``,
        ``version``, ``description``.
    """
    rows = [
        {
            "name": g.name,
            "n_genes": len(g),
            "species": g.species,
            "role": g.role,
            "source": g.source,
            "licence": g.licence,
            "version": g.version,
            "description": g.description,
        }
        for g in _shipped().values()
    ]
    return pd.DataFrame(rows)


def _canonical(name: str) -> str:
    sets = _shipped()
    if name in sets:
        return name
    key = name.strip().upper()
    by_upper = {n.upper(): n for n in sets}
    if key in by_upper:
        return by_upper[key]
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    hall = "HALLMARK_" + key
    if hall in by_upper:
        return by_upper[hall]
    raise UnknownNameError(
        f"unknown gene set {name!r}; known sets: {', '.join(sets)} "
        f"(short names: {', '.join(sorted(_SYNONYMS))})"
    )


def get_set(name: str, *, species: str = "human") -> GeneSet:
    """Return a shipped set by name (case-insensitive, short names allowed), in ``species``.

    Mouse sets are mapped through the offline ortholog table; ``notes`` on the returned
    set says how each non-one-to-one gene was mapped.

    Parameters
    ----------
    name
        A name from :func:`available_sets`, in any case, or a short name (``HALLMARK_``
        may be left out).
    species
        ``"human"`` (as shipped) or ``"mouse"`` (mapped through the ortholog table).

    Returns
    -------
    GeneSet
        The set, with its source, licence and version.

    Raises
    ------
    UnknownNameError
        ``name`` is not a shipped set; the message lists the known names.
    """
    gs = _shipped()[_canonical(name)]
    if species == "human":
        return gs
    from ifnexus.genesets._orthologs import convert_set

    return convert_set(gs, species)


def estimate_common_genes() -> tuple[str, ...]:
    """Return the 10,412 ESTIMATE common genes (estimate 1.0.13 ``common_genes``), in its order.

    Returns
    -------
    tuple of str
        The gene symbols.
    """
    text = (_DATA / "estimate_common_genes.txt").read_text(encoding="utf-8")
    return tuple(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def chr9p21_genes() -> pd.DataFrame:
    """Return the 9p21 genes with GRCh38 spans and class (IFN-I, co-deleted locus, flank).

    Returns
    -------
    pandas.DataFrame
        One row per gene, with its GRCh38 span (1-based, inclusive) and class, as in the
        shipped ``chr9p21_region_grch38.tsv``.
    """
    with (_DATA / "chr9p21_region_grch38.tsv").open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, sep="\t", comment="#")
