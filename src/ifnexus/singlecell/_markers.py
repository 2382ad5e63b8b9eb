"""Cell-type marker genes (human and mouse) and the signatures of the single-cell profile.

Marker lists are canonical, widely used lineage markers (CellMarker 2.0, PanglaoDB, and the
annotations of Azizi 2018, Zheng 2017 and the Tabula Muris); mouse lists use mouse-specific
markers where the lineages differ (``Ncr1``/``Klrb1c`` for NK cells, ``Adgre1`` (F4/80) and
``Lyz2`` for macrophages, ``Xcr1``/``Cd209a``/``Siglech`` for DC subsets) instead of mapped
human genes. Malignant cells are called by the Schwann/neural-crest lineage of MPNST.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ifnexus.errors import ValidationError

#: Cell types in display order; ``other`` is assigned when no marker set scores.
CELL_TYPES: tuple[str, ...] = (
    "malignant_schwann",
    "cd8_t",
    "cd4_t",
    "nk",
    "mono_macro",
    "dc",
    "b",
    "fibroblast",
    "endothelial",
    "other",
)
#: Immune cell types (the denominator of CD8+ T cells among immune cells).
IMMUNE_TYPES: tuple[str, ...] = ("cd8_t", "cd4_t", "nk", "mono_macro", "dc", "b")

_HUMAN = {
    "malignant_schwann": [
        "SOX10",
        "S100B",
        "NGFR",
        "PLP1",
        "MPZ",
        "CDH19",
        "ERBB3",
        "GAP43",
        "L1CAM",
        "SOX2",
    ],
    "cd8_t": ["CD8A", "CD8B", "CD3D", "CD3E", "CD3G"],
    "cd4_t": ["CD4", "CD3D", "CD3E", "CD3G", "IL7R", "CD40LG"],
    "nk": ["KLRF1", "KLRD1", "NCAM1", "GNLY", "NKG7", "KLRC1"],
    "mono_macro": [
        "CD14",
        "LYZ",
        "CD68",
        "CSF1R",
        "FCGR3A",
        "C1QA",
        "C1QB",
        "AIF1",
        "FCN1",
        "MS4A7",
    ],
    "dc": ["FCER1A", "CD1C", "CLEC10A", "CLEC9A", "XCR1", "LAMP3", "LILRA4", "IL3RA"],
    "b": ["CD79A", "CD79B", "MS4A1", "CD19", "CD22", "BANK1", "PAX5"],
    "fibroblast": ["COL1A1", "COL1A2", "COL3A1", "DCN", "LUM", "PDGFRA", "FAP", "THY1"],
    "endothelial": ["PECAM1", "VWF", "CDH5", "KDR", "CLDN5", "ESAM", "TIE1", "EMCN"],
}
_MOUSE = {
    "malignant_schwann": [
        "Sox10",
        "S100b",
        "Ngfr",
        "Plp1",
        "Mpz",
        "Cdh19",
        "Erbb3",
        "Gap43",
        "L1cam",
        "Sox2",
    ],
    "cd8_t": ["Cd8a", "Cd8b1", "Cd3d", "Cd3e", "Cd3g"],
    "cd4_t": ["Cd4", "Cd3d", "Cd3e", "Cd3g", "Il7r", "Cd40lg"],
    "nk": ["Ncr1", "Klrb1c", "Klrd1", "Nkg7", "Gzma", "Prf1"],
    "mono_macro": [
        "Cd14",
        "Lyz2",
        "Cd68",
        "Csf1r",
        "Adgre1",
        "C1qa",
        "C1qb",
        "Fcgr1",
        "Ms4a7",
        "Aif1",
    ],
    "dc": ["Flt3", "Xcr1", "Clec9a", "Cd209a", "Siglech", "Batf3"],
    "b": ["Cd79a", "Cd79b", "Ms4a1", "Cd19", "Cd22", "Pax5", "Bank1"],
    "fibroblast": ["Col1a1", "Col1a2", "Col3a1", "Dcn", "Lum", "Pdgfra", "Fap"],
    "endothelial": ["Pecam1", "Cdh5", "Kdr", "Cldn5", "Esam", "Tie1", "Emcn", "Vwf"],
}

#: Per-cell signatures of the profile: output column -> shipped gene-set name (read-only).
SIGNATURES: Mapping[str, str] = MappingProxyType(
    {
        "ifn_acute": "HALLMARK_INTERFERON_ALPHA_RESPONSE",
        "ifn_acute_specific": "IFNA_ACUTE_SPECIFIC",
        "ifn_chronic": "ISG.RS",
        "irds_specific": "IRDS_SPECIFIC",
        "ifn_gamma": "HALLMARK_INTERFERON_GAMMA_RESPONSE",
        "cytotoxicity": "DANAHER2017_CYTOTOXIC_CELLS",
        "exhaustion": "TCELL_EXHAUSTION",
        "m1": "M1_AZIZI2018",
        "m2": "M2_AZIZI2018",
        "schwann_lineage": "SCHWANN_LINEAGE",
    }
)
#: Signatures the profile cannot do without.
REQUIRED_SIGNATURES: tuple[str, ...] = ("ifn_acute", "ifn_chronic")


def cell_type_markers(species: str = "human") -> dict[str, list[str]]:
    """Return the marker genes of every cell type (``other`` has none) for ``species``.

    Parameters
    ----------
    species
        ``"human"`` or ``"mouse"``.

    Returns
    -------
    dict
        Cell type -> marker gene symbols (a new dict: changing it changes nothing else).

    Raises
    ------
    ValidationError
        An unknown species.
    """
    if species == "human":
        return {k: list(v) for k, v in _HUMAN.items()}
    if species == "mouse":
        return {k: list(v) for k, v in _MOUSE.items()}
    raise ValidationError(f"species must be 'human' or 'mouse', got {species!r}")
