"""The GeneSet record: genes plus the facts a user must cite (source, licence, version)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ifnexus.errors import ValidationError


@dataclass(frozen=True)
class GeneSet:
    """A named gene set with provenance.

    Parameters
    ----------
    name
        The set's name (not empty).
    genes
        Gene symbols; blanks and repeats are dropped, order is kept; at least one is needed.
    species
        ``"human"`` or ``"mouse"``.
    source, licence, version
        What a user must cite: where the set comes from, under which licence, which release.
    description
        One line on what the set measures.
    role
        What the set is for: ``score`` (expression signature), ``region`` (a genomic region's
        genes) or ``annotation`` (loci to annotate, not to score).
    notes
        Per-gene remarks, for example how a human gene was mapped to mouse.
    """

    name: str
    genes: tuple[str, ...]
    species: str = "human"
    source: str = "user"
    licence: str = "unknown"
    version: str = ""
    description: str = ""
    role: str = "score"
    notes: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.name or not str(self.name).strip():
            raise ValidationError("a gene set needs a non-empty name")
        genes = tuple(dict.fromkeys(g.strip() for g in self.genes if g and g.strip()))
        if not genes:
            raise ValidationError(
                f"gene set {self.name!r} has no genes; an empty gene list is refused"
            )
        if self.species not in ("human", "mouse"):
            raise ValidationError(
                f"gene set {self.name!r}: species must be 'human' or 'mouse', got {self.species!r}"
            )
        object.__setattr__(self, "genes", genes)

    def __len__(self) -> int:
        """Return the number of genes."""
        return len(self.genes)

    def __iter__(self) -> Iterator[str]:
        """Iterate over the genes, in order."""
        return iter(self.genes)
