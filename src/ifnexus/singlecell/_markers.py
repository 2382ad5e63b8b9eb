"""Cell-type marker genes (human and mouse), their hierarchy, and the profile's signatures.

Annotation is two-level (see :mod:`ifnexus.singlecell._annotate`): **lineages** compete first
(T, NK, B, monocyte/macrophage, DC, neutrophil, platelet, fibroblast, endothelial, malignant
Schwann lineage), then the **subtypes** of the winning lineage (CD8 vs CD4 T; classical vs
non-classical monocyte vs macrophage, and in mouse MHC-II/iNOS-high "M1-like" vs
Arg1/Mrc1-high "M2-like" macrophages; cDC1, cDC2, pDC and mature/migratory DC). Every type has
positive markers and may have **negative** markers: genes of a look-alike lineage that a
true member lacks (an NK cell has the cytotoxic genes of a CD8 effector T cell but no CD3 or
TCR transcripts; a cDC2 has the MHC-II and ``CST3`` of a monocyte but not ``CD14``/``FCN1``;
an endothelial cell shares ``PECAM1`` with leukocytes but lacks ``PTPRC``). Interferon-
stimulated genes are avoided as markers (``BST2``, ``IRF7``, ``LY6A``...), so that an IFN
burst does not move a cell between types.

Sources (every list is a subset of these; none was copied from a tool):

- Zheng GXY et al. Nat Commun 8:14049 (2017): PBMC lineages (``CD3D``, ``CD8A``, ``NKG7``,
  ``MS4A1``, ``CD14``, ``FCGR3A``, ``FCER1A``, ``PPBP``); CD4 T cells also by ``TNFRSF4``
  (OX40) and ``FOXP3`` (regulatory T cells are CD4).
- Villani AC et al. Science 356:eaah4573 (2017): blood DC and monocyte subsets (``CLEC9A``/
  ``XCR1`` cDC1, ``CD1C``/``FCER1A``/``CLEC10A`` cDC2, ``LILRA4``/``CLEC4C``/``IL3RA`` pDC,
  ``CD14``/``VCAN``/``S100A8`` classical and ``FCGR3A``/``CDKN1C``/``MS4A7`` non-classical
  monocytes).
- Crinier A et al. Immunity 49:971 (2018): NK cells of human and mouse (``KLRF1``, ``NCAM1``,
  ``SH2D1B``, ``NCR1``; mouse ``Ncr1``, ``Klrb1c``, ``Klra`` receptors).
- Zilionis R et al. Immunity 50:1317 (2019): mouse and human tumour myeloid cells
  (neutrophil ``Retnlg``/``Csf3r``/``Cxcr2``/``Ngp``; monocyte ``Ly6c2``/``Ccr2``/``Plac8``;
  non-classical ``Ace``/``Treml4``/``Fcgr4``, not the immediate-early ``Nr4a1``; DC ``Xcr1``, ``Cd209a``, ``Siglech``,
  ``Ccr7``/``Fscn1``/``Ccl22`` activated DC).
- Maier B et al. Nature 580:257 (2020): mature regulatory DC (``LAMP3``, ``FSCN1``, ``CCR7``,
  ``CCL22``, ``IL4I1``).
- Murray PJ et al. Immunity 41:14 (2014): macrophage activation nomenclature (``Nos2``, MHC-II
  for M(IFN-gamma/LPS); ``Arg1``, ``Mrc1``, ``Retnla``, ``Chil3`` for M(IL-4)); Azizi E et al.
  Cell 174:1293 (2018) for tumour-macrophage states.
- Xie X et al. Nat Immunol 21:1119 (2020): mouse neutrophils (``Ngp``, ``Camp``, ``Ltf``,
  ``Mmp8``, ``Retnlg``, ``Ly6g``).
- Kalucka J et al. Cell 180:764 (2020): endothelial cells (``Pecam1``, ``Cdh5``, ``Emcn``,
  ``Cldn5``, ``Kdr``); Buechler MB et al. Nature 593:575 (2021): fibroblasts (``Pdgfra``,
  ``Dcn``, ``Col1a1``, ``Lum``).
- Jessen KR, Mirsky R. Nat Rev Neurosci 6:671 (2005) and the MPNST literature: Schwann/neural
  crest lineage (``SOX10``, ``S100B``, ``MPZ``, ``PLP1``, ``NGFR``, ``CDH19``).
- CellMarker 2.0 (Hu C et al. Nucleic Acids Res 51:D870, 2023) and PanglaoDB (Franzen O et
  al. Database 2019:baz046) were used to check that each gene is a recorded marker of its type.

Coarse output types (:data:`CELL_TYPES`) are what the per-sample summaries count; a T cell
whose CD4/CD8 identity is not resolved is ``t_cell`` (not silently counted as CD4), and a cell
no type is clearly ahead for is ``unassigned`` (with the reason).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from ifnexus.errors import ValidationError

#: Coarse cell types in display order; ``unassigned`` when no type is clearly ahead.
CELL_TYPES: tuple[str, ...] = (
    "malignant_schwann",
    "cd8_t",
    "cd4_t",
    "t_cell",
    "nk",
    "mono_macro",
    "dc",
    "neutrophil",
    "b",
    "platelet",
    "fibroblast",
    "endothelial",
    "unassigned",
)
#: Immune (CD45+) cell types: the denominator of CD8+ T cells among immune cells.
IMMUNE_TYPES: tuple[str, ...] = (
    "cd8_t",
    "cd4_t",
    "t_cell",
    "nk",
    "mono_macro",
    "dc",
    "neutrophil",
    "b",
)
#: Columns of a marker table (:func:`marker_table`); ``cell_type`` and ``gene`` are required.
MARKER_COLUMNS: tuple[str, ...] = ("lineage", "subtype", "state", "cell_type", "gene", "direction")


@dataclass(frozen=True)
class _Type:
    """One subtype: its coarse output type, positive / negative markers and its states.

    States (mouse macrophages: MHC-II/iNOS-high vs Arg1/Mrc1-high) are decided only among
    cells already of this subtype, so their genes (MHC-II is also on B cells and DC) never
    compete with other lineages.
    """

    name: str
    coarse: str
    pos: tuple[str, ...]
    neg: tuple[str, ...] = ()
    states: tuple[_Type, ...] = ()
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Lineage:
    """A lineage: its own markers (may be empty), fallback coarse type and subtypes.

    ``requires`` and ``excludes`` are the lineage gate, applied to the lineage and every
    subtype: a cell is a candidate only if it expresses at least one ``requires`` gene (when
    any is measured) and fewer than ``min_detected`` of the ``excludes`` genes (genes of
    lineages it cannot belong to).
    """

    name: str
    coarse: str
    pos: tuple[str, ...] = ()
    neg: tuple[str, ...] = ()
    subtypes: tuple[_Type, ...] = field(default_factory=tuple)
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()


def _t(
    name: str, coarse: str, pos: str, neg: str = "", states: tuple[_Type, ...] = (),
    requires: str = "", excludes: str = "",
) -> _Type:  # fmt: skip
    return _Type(name, coarse, tuple(pos.split()), tuple(neg.split()), states,
                 tuple(requires.split()), tuple(excludes.split()))  # fmt: skip


def _single(name: str, pos: str, neg: str = "") -> _Lineage:
    """Return a lineage of one subtype, both named ``name`` (the coarse type too)."""
    return _Lineage(name, name, subtypes=(_t(name, name, pos, neg),))


_HUMAN_T_NEG = "CD3D CD3E CD3G TRAC TRBC1 TRBC2 CD5 CD6"
#: T-lineage genes that no DC expresses: CCR7 (and CCL22) of mature DC are also on naive /
#: central-memory and activated CD4 T cells, so a mature-DC call is barred in a T cell
_HUMAN_T_GATE = _HUMAN_T_NEG + " CD28 BCL11B CD40LG"
#: Pan-leukocyte (CD45+) genes: PTPRC (CD45), LAPTM5, CORO1A (coronin 1), LCP1 (L-plastin);
#: with the leukocyte-restricted DC genes they are the immune evidence a DC call needs
_HUMAN_LEUKO = "PTPRC LAPTM5 CORO1A LCP1"
#: Stromal lineage genes no DC expresses (fibroblast collagens, DCN, LUM; endothelial VWF,
#: CDH5, CLDN5, EMCN). PECAM1 is left out: CD31 is also on leukocytes.
_HUMAN_STROMA = "COL1A1 COL1A2 COL3A1 DCN LUM VWF CDH5 CLDN5 EMCN"
#: lymphoid lineage genes (T, NK, B): absent from myeloid cells
_HUMAN_LYMPH_NEG = _HUMAN_T_NEG + " KLRF1 NCR1 CD79A CD79B MS4A1"
_HUMAN: tuple[_Lineage, ...] = (
    _single(
        "malignant_schwann",
        "SOX10 S100B NGFR PLP1 MPZ CDH19 ERBB3 GAP43 L1CAM SOX2",
        "PTPRC",
    ),
    _Lineage(
        "t",
        "t_cell",
        pos=tuple("CD3D CD3E CD3G TRAC TRBC1 TRBC2 CD5 CD6 CD28 BCL11B".split()),
        subtypes=(
            _t("cd8_t", "cd8_t", "CD8A CD8B", "CD4 CD40LG"),
            _t("cd4_t", "cd4_t", "CD4 CD40LG TNFRSF4 FOXP3", "CD8A CD8B"),
        ),
    ),
    _single(
        "nk",
        "KLRF1 NCAM1 SH2D1B NCR1 KIR2DL1 KIR2DL3 KIR2DL4 KIR3DL1 KLRC1 CD160 "
        "FCGR3A GNLY NKG7 PRF1 GZMB XCL1 XCL2",
        # pDC share GZMB with NK cells
        _HUMAN_T_NEG + " LILRA4 CLEC4C PLD4 SERPINF1",
    ),
    _single("b", "CD79A CD79B MS4A1 CD19 CD22 BANK1 PAX5 VPREB3 FCRLA", "CD3D CD3E"),
    _Lineage(
        "mono_macro",
        "mono_macro",
        subtypes=(
            _t(
                "classical_mono",
                "mono_macro",
                "CD14 VCAN FCN1 S100A8 S100A9 LYZ CSF3R",
                "FCER1A CD1C CLEC10A " + _HUMAN_LYMPH_NEG,
            ),
            _t(
                "nonclassical_mono",
                "mono_macro",
                "FCGR3A MS4A7 CDKN1C LST1 RHOC LILRB2 CSF1R",
                "GNLY NKG7 PRF1 " + _HUMAN_LYMPH_NEG,
            ),
            _t(
                "macrophage",
                "mono_macro",
                "C1QA C1QB C1QC APOE CD68 MRC1 CD163 MARCO MSR1",
                _HUMAN_LYMPH_NEG,
            ),
        ),
    ),
    _Lineage(
        "dc",
        "dc",
        subtypes=(
            _t("cdc1", "dc", "CLEC9A XCR1 CADM1 BATF3 DNASE1L3"),
            _t("cdc2", "dc", "CD1C FCER1A CLEC10A CD1E", "CD14 FCN1 VCAN S100A8"),
            _t(
                "pdc",
                "dc",
                "LILRA4 CLEC4C IL3RA PTCRA SERPINF1 SCT TCF4 PLD4",
                "NKG7 GNLY " + _HUMAN_T_NEG,
            ),
            _t(
                "mreg_dc",
                "dc",
                "LAMP3 FSCN1 CCL22 CCL17 IL4I1 CCR7",
                _HUMAN_T_NEG,
                excludes=_HUMAN_T_GATE,
            ),
        ),
        # immune evidence: a pan-leukocyte gene or a leukocyte-restricted DC gene (SERPINF1,
        # TCF4, IL3RA, CADM1, DNASE1L3, LAMP3 are also stromal or epithelial, so they are not)
        requires=tuple(
            (_HUMAN_LEUKO + " CLEC9A XCR1 CD1C CD1E FCER1A CLEC10A LILRA4 CLEC4C PLD4").split()
        ),
        excludes=tuple(_HUMAN_STROMA.split()),
    ),
    _single(
        "neutrophil",
        "CSF3R FCGR3B CXCR2 FPR1 CMTM2 PROK2 MME G0S2",
        "HLA-DRA HLA-DRB1 CD74",
    ),
    _single("platelet", "PPBP PF4 GP9 ITGA2B GNG11 TUBB1 GP1BB"),
    _single(
        "fibroblast",
        "COL1A1 COL1A2 COL3A1 DCN LUM PDGFRA FAP FBLN1 MMP2",
        "PTPRC",
    ),
    _single(
        "endothelial",
        "PECAM1 VWF CDH5 KDR CLDN5 ESAM TIE1 EMCN FLT1",
        "PTPRC",
    ),
)

_MOUSE_T_NEG = "Cd3d Cd3e Cd3g Trac Trbc2 Cd5 Cd6"
_MOUSE_T_GATE = _MOUSE_T_NEG + " Cd28 Bcl11b Cd40lg"
_MOUSE_LEUKO = "Ptprc Laptm5 Coro1a Lcp1"
_MOUSE_STROMA = "Col1a1 Col1a2 Col3a1 Dcn Lum Vwf Cdh5 Cldn5 Emcn"
_MOUSE_LYMPH_NEG = _MOUSE_T_NEG + " Ncr1 Klrb1c Cd79a Cd79b Ms4a1"
_MOUSE_NEUT_NEG = "Retnlg Csf3r Cxcr2 Ngp"
_MOUSE: tuple[_Lineage, ...] = (
    _single(
        "malignant_schwann",
        "Sox10 S100b Ngfr Plp1 Mpz Cdh19 Erbb3 Gap43 L1cam Sox2",
        "Ptprc",
    ),
    _Lineage(
        "t",
        "t_cell",
        pos=tuple("Cd3d Cd3e Cd3g Trac Trbc2 Cd5 Cd6 Cd28 Bcl11b".split()),
        subtypes=(
            _t("cd8_t", "cd8_t", "Cd8a Cd8b1", "Cd4 Cd40lg"),
            _t("cd4_t", "cd4_t", "Cd4 Cd40lg Tnfrsf4 Foxp3", "Cd8a Cd8b1"),
        ),
    ),
    _single(
        "nk",
        "Ncr1 Klrb1c Klra4 Klra7 Klra8 Klra9 Klrb1f Prf1 Gzma Nkg7 Klre1",
        _MOUSE_T_NEG,
    ),
    _single("b", "Cd79a Cd79b Ms4a1 Cd19 Cd22 Pax5 Bank1 Vpreb3 Fcrla", "Cd3d Cd3e"),
    _Lineage(
        "mono_macro",
        "mono_macro",
        subtypes=(
            _t(
                "classical_mono",
                "mono_macro",
                "Ly6c2 Ccr2 Plac8 F13a1 Ms4a4c Chil3 Csf1r",
                "Cd209a " + _MOUSE_NEUT_NEG + " " + _MOUSE_LYMPH_NEG,
            ),
            _t(
                "nonclassical_mono",
                "mono_macro",
                "Ace Treml4 Cx3cr1 Adgre4 Cd300e Fcgr4 Csf1r",
                "Ly6c2 Ccr2 " + _MOUSE_NEUT_NEG + " " + _MOUSE_LYMPH_NEG,
            ),
            _t(
                "macrophage",
                "mono_macro",
                "C1qa C1qb C1qc Adgre1 Cd68 Fcgr1 Mertk Apoe",
                _MOUSE_LYMPH_NEG,
                states=(
                    _t("macrophage_m1like", "mono_macro", "H2-Aa H2-Ab1 H2-Eb1 Cd74 Nos2 Il1b"),
                    _t("macrophage_m2like", "mono_macro", "Arg1 Mrc1 Retnla Cd163 Fn1 Ccl24"),
                ),
            ),
        ),
    ),
    _Lineage(
        "dc",
        "dc",
        subtypes=(
            _t("cdc1", "dc", "Xcr1 Clec9a Cadm1 Batf3 Naaa Tlr3"),
            _t("cdc2", "dc", "Cd209a Clec10a Mgl2 Itgax", "Ly6c2 Ccr2 " + _MOUSE_LYMPH_NEG),
            _t("pdc", "dc", "Siglech Ccr9 Cox6a2 Klk1 Ly6d Pacsin1", _MOUSE_T_NEG),
            _t(
                "mreg_dc",
                "dc",
                "Ccr7 Fscn1 Ccl22 Cacnb3 Il4i1 Ccl17",
                _MOUSE_T_NEG,
                excludes=_MOUSE_T_GATE,
            ),
        ),
        requires=tuple((_MOUSE_LEUKO + " Xcr1 Clec9a Cd209a Clec10a Mgl2 Siglech").split()),
        excludes=tuple(_MOUSE_STROMA.split()),
    ),
    _single(
        "neutrophil",
        "S100a8 S100a9 Retnlg Csf3r Cxcr2 Ly6g Il1r2 Mmp8 Mmp9 Ngp Camp Ltf",
        "H2-Aa H2-Ab1 Cd74",
    ),
    _single("platelet", "Ppbp Pf4 Gp9 Itga2b Gp1bb Tubb1"),
    _single(
        "fibroblast",
        "Col1a1 Col1a2 Col3a1 Dcn Lum Pdgfra Fap Fbln1 Mmp2",
        "Ptprc",
    ),
    _single(
        "endothelial",
        "Pecam1 Cdh5 Kdr Cldn5 Esam Tie1 Emcn Vwf Flt1",
        "Ptprc",
    ),
)

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


def _builtin(species: str) -> tuple[_Lineage, ...]:
    if species == "human":
        return _HUMAN
    if species == "mouse":
        return _MOUSE
    raise ValidationError(f"species must be 'human' or 'mouse', got {species!r}")


def cell_type_markers(species: str = "human") -> dict[str, list[str]]:
    """Return the positive marker genes of every coarse cell type for ``species``.

    A coarse type's list is its lineage's own markers followed by its subtypes' positive
    markers (``cd8_t``: the T-lineage genes then ``CD8A``, ``CD8B``); ``t_cell`` (T cells whose
    CD4/CD8 identity is unresolved) has the T-lineage genes; ``unassigned`` has none. The
    negative markers and the hierarchy are in :func:`marker_table`.

    Parameters
    ----------
    species
        ``"human"`` or ``"mouse"``.

    Returns
    -------
    dict
        Coarse cell type -> marker gene symbols, without repeats (a new dict: changing it
        changes nothing else).

    Raises
    ------
    ValidationError
        An unknown species.
    """
    out: dict[str, list[str]] = {}
    for lin in _builtin(species):
        if lin.pos:
            out.setdefault(lin.coarse, []).extend(lin.pos)
        for sub in lin.subtypes:
            out.setdefault(sub.coarse, []).extend([*lin.pos, *sub.pos])
    return {k: list(dict.fromkeys(v)) for k, v in out.items()}


def marker_table(species: str = "human") -> pd.DataFrame:
    """Return the built-in marker hierarchy as a tidy table (one row per gene and type).

    Parameters
    ----------
    species
        ``"human"`` or ``"mouse"``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`MARKER_COLUMNS`: ``lineage`` (the group that competes at the first
        level), ``subtype`` (empty for a lineage's own markers), ``state`` (a state of the
        subtype, decided among its cells only: mouse macrophage M1-/M2-like; else empty),
        ``cell_type`` (the coarse
        output type of the subtype; for a lineage's own rows, the type given when no subtype
        wins), ``gene`` and ``direction`` (``"+"``: expressed by the type; ``"-"``: absent
        from it; ``"requires"``: the lineage gate, a cell must express at least one of
        these genes (when any is measured) to be of the type; ``"excludes"``: a cell that
        expresses ``min_detected`` of these genes (of a lineage it cannot belong to) is not
        of the type). The same layout is accepted by
        :func:`~ifnexus.singlecell.annotate_cells` as ``markers=``.

    Raises
    ------
    ValidationError
        An unknown species.
    """
    rows: list[tuple[str, str, str, str, str, str]] = []
    for lin in _builtin(species):
        rows += [(lin.name, "", "", lin.coarse, g, "+") for g in lin.pos]
        rows += [(lin.name, "", "", lin.coarse, g, "-") for g in lin.neg]
        rows += [(lin.name, "", "", lin.coarse, g, "requires") for g in lin.requires]
        rows += [(lin.name, "", "", lin.coarse, g, "excludes") for g in lin.excludes]
        for sub in lin.subtypes:
            rows += [(lin.name, sub.name, "", sub.coarse, g, "+") for g in sub.pos]
            rows += [(lin.name, sub.name, "", sub.coarse, g, "-") for g in sub.neg]
            rows += [(lin.name, sub.name, "", sub.coarse, g, "requires") for g in sub.requires]
            rows += [(lin.name, sub.name, "", sub.coarse, g, "excludes") for g in sub.excludes]
            for st in sub.states:
                rows += [(lin.name, sub.name, st.name, st.coarse, g, "+") for g in st.pos]
    return pd.DataFrame(rows, columns=list(MARKER_COLUMNS))
