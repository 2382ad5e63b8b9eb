"""Gene sets to dataset genes: names, species, aliases, and the refusal of sparse matches.

A set may be a shipped set's name (looked up with :func:`ifnexus.genesets.get_set` in the
dataset's species), a :class:`~ifnexus.genesets.GeneSet`, or a plain list of symbols. Symbols
are matched through :func:`ifnexus.genesets.resolve_genes` (exact, case, HGNC alias), and a
set with fewer than ``min_genes`` genes found is refused with the count, because a score from
one or two genes is noise passed off as a signature. A set scored from less than
:data:`LOW_COVERAGE` of its genes gets an :class:`~ifnexus.errors.IfnexusWarning` with the
numbers, and so does a set left out (``on_too_few="skip"``).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import pandas as pd

from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.genesets import GeneSet, get_set, resolve_genes

Species = Literal["human", "mouse"]
SetsLike = str | GeneSet | Mapping[str, Any] | Sequence[Any]

#: A set scored from less than this fraction of its genes is warned about (the score rests on
#: the genes found); below ``min_genes`` genes found it is not scored at all.
LOW_COVERAGE = 0.5

_HUMAN = re.compile(r"^[A-Z0-9][A-Z0-9\-\.]*[A-Z0-9]?$")
_MOUSE = re.compile(r"^([A-Z][a-z0-9][a-z0-9\-\.]*|mt-[A-Z][a-z0-9]+)$")


def detect_species(var_names: Iterable[str]) -> Species | None:
    """Guess human or mouse from gene naming (``STAT1`` vs ``Stat1``; ENSG vs ENSMUSG ids).

    Parameters
    ----------
    var_names
        The dataset's gene names (symbols or Ensembl ids).

    Returns
    -------
    str or None
        ``"human"`` or ``"mouse"``; ``None`` when fewer than 70 % of the classifiable names
        agree (or none can be classified).

    Examples
    --------
    >>> detect_species(["STAT1", "IRF7", "MX1"]), detect_species(["Stat1", "Irf7", "Mx1"])
    ('human', 'mouse')
    """
    names = [str(v) for v in var_names]
    if not names:
        return None
    ens_h = sum(n.startswith("ENSG0") for n in names)
    ens_m = sum(n.startswith("ENSMUSG") for n in names)
    if ens_h + ens_m > len(names) / 2:
        return "human" if ens_h > ens_m else "mouse"
    human = sum(bool(_HUMAN.match(n)) and any(c.isalpha() for c in n) for n in names)
    mouse = sum(bool(_MOUSE.match(n)) for n in names)
    total = human + mouse
    if total == 0:
        return None
    if human / total >= 0.7:
        return "human"
    if mouse / total >= 0.7:
        return "mouse"
    return None


def check_species(var_names: Iterable[str], species: str | None) -> Species:
    """Return the species to use; refuse one that contradicts the gene names.

    Parameters
    ----------
    var_names
        The dataset's gene names.
    species
        ``"human"``, ``"mouse"`` or ``None`` (detected with :func:`detect_species`; human when
        the names do not tell).

    Returns
    -------
    str
        ``"human"`` or ``"mouse"``.

    Raises
    ------
    ValidationError
        An unknown species, or one the gene names contradict (the message shows examples).
    """
    if species is not None and species not in ("human", "mouse"):
        raise ValidationError(f"species must be 'human' or 'mouse', got {species!r}")
    names = list(var_names)
    detected = detect_species(names)
    if species is None:
        return detected or "human"
    if detected is not None and detected != species:
        looks = "Stat1-style (capitalised)" if detected == "mouse" else "STAT1-style (upper-case)"
        example = [n for n in names if (_MOUSE if detected == "mouse" else _HUMAN).match(n)][:4]
        raise ValidationError(
            f"species={species!r} but the data's gene names look {detected} ({looks}, e.g. "
            f"{', '.join(example)}); pass species={detected!r} or check the input"
        )
    return species  # type: ignore[return-value]


def _as_named_sets(sets: SetsLike, species: Species) -> dict[str, GeneSet]:
    """Normalise the accepted forms of ``sets`` into name -> GeneSet (in the target species)."""
    out: dict[str, GeneSet] = {}

    def add(name: str, value: Any) -> None:
        if isinstance(value, GeneSet):
            gs = value
        elif isinstance(value, str):
            gs = get_set(value, species=species)
        else:
            genes = [str(g) for g in value]
            if not genes:
                raise ValidationError(f"gene set {name!r} is empty")
            gs = GeneSet(name=name, genes=tuple(genes), species=species)
        if name in out:
            raise ValidationError(f"gene set name {name!r} is given twice")
        out[name] = gs

    if isinstance(sets, str | GeneSet):
        sets = [sets]
    if isinstance(sets, Mapping):
        if not sets:
            raise ValidationError("no gene sets given")
        for name, value in sets.items():
            if isinstance(value, str):
                raise ValidationError(
                    f"gene set {name!r} is a single string {value!r}; give a list of gene symbols"
                )
            add(str(name), value)
        return out
    items = list(sets)
    if not items:
        raise ValidationError("no gene sets given")
    for item in items:
        if isinstance(item, GeneSet):
            add(item.name, item)
        elif isinstance(item, str):
            gs = get_set(item, species=species)
            add(gs.name, gs)
        else:
            raise ValidationError(
                f"gene sets must be names, GeneSet objects or a mapping name -> genes; got {type(item).__name__}"
            )
    return out


def resolve_sets(
    sets: SetsLike,
    var_names: Iterable[str],
    *,
    species: str | None = None,
    min_genes: int = 3,
    on_too_few: Literal["raise", "skip"] = "raise",
) -> tuple[dict[str, list[str]], pd.DataFrame]:
    """Match gene sets to a dataset's genes and report what was found.

    Parameters
    ----------
    sets
        A shipped set name, a :class:`~ifnexus.genesets.GeneSet`, a list of those, or a
        mapping name -> list of symbols (or name -> shipped set name is refused as ambiguous).
    var_names
        The dataset's gene names.
    species
        ``"human"`` or ``"mouse"``; ``None`` detects it from the names. Shipped sets are
        mapped to mouse through the ortholog table. A species that contradicts the names is
        refused.
    min_genes
        A set is refused when fewer than ``min(min_genes, set size)`` of its genes are found.
    on_too_few
        ``"raise"`` (default) or ``"skip"`` (the set is left out, its report row says so and an
        :class:`~ifnexus.errors.IfnexusWarning` gives the numbers). A set found at less than
        :data:`LOW_COVERAGE` (50 %) is scored with an ``IfnexusWarning`` giving the numbers.

    Returns
    -------
    (dict, pandas.DataFrame)
        Set name -> dataset gene names found (request order), and the report with one row per
        set: ``set``, ``species``, ``n_genes`` (requested), ``n_found``, ``fraction_found``,
        ``n_alias`` (matched by case or alias), ``status`` (``ok`` or ``too_few``),
        ``found`` and ``missing`` (``;``-joined).

    Raises
    ------
    ValidationError
        A set below the minimum (with how many genes were found), species mismatch, bad sets.
    UnknownNameError
        An unknown shipped set name.
    """
    if min_genes < 1:
        raise ValidationError(f"min_genes must be >= 1, got {min_genes}")
    universe = [str(v) for v in var_names]
    sp = check_species(universe, species)
    named = _as_named_sets(sets, sp)
    resolved: dict[str, list[str]] = {}
    rows = []
    refused = []
    for name, gs in named.items():
        res = resolve_genes(gs.genes, universe)
        n_found = len(res.mapping)
        need = min(min_genes, len(gs.genes))
        ok = n_found >= need
        n_alias = int(res.report["status"].isin(["case", "alias"]).sum())
        rows.append(
            {
                "set": name,
                "species": gs.species,
                "n_genes": len(gs.genes),
                "n_found": n_found,
                "fraction_found": n_found / len(gs.genes),
                "n_alias": n_alias,
                "status": "ok" if ok else "too_few",
                "found": ";".join(res.found),
                "missing": ";".join(res.missing),
            }
        )
        if ok:
            resolved[name] = res.found
        else:
            refused.append(f"{name!r} ({n_found} of {len(gs.genes)} genes found, need {need})")
    report = pd.DataFrame(rows)
    for row in report.to_dict(orient="records"):
        pct = f"{100 * row['fraction_found']:.0f}%"
        if row["status"] == "ok" and row["fraction_found"] < LOW_COVERAGE:
            warnings.warn(
                f"gene set {row['set']!r}: only {row['n_found']} of {row['n_genes']} genes "
                f"({pct}) found in the data (species {sp}); the score rests on those",
                IfnexusWarning,
                stacklevel=2,
            )
        elif row["status"] != "ok" and on_too_few == "skip":
            need = min(min_genes, row["n_genes"])
            warnings.warn(
                f"gene set {row['set']!r} not scored: {row['n_found']} of {row['n_genes']} "
                f"genes ({pct}) found in the data (species {sp}), need {need}",
                IfnexusWarning,
                stacklevel=2,
            )
    if refused and on_too_few == "raise":
        raise ValidationError(
            f"gene set(s) with too few genes in the data: {'; '.join(refused)}. "
            f"Check the species ({sp}) and gene identifiers, or lower min_genes"
        )
    return resolved, report
