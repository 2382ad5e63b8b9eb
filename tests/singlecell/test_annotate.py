"""Cell-type annotation on seeded counts with planted truth, and its bad inputs.

The planted profiles follow the biology the rules encode: a CD8 effector T cell carries the
cytotoxic genes of an NK cell (GNLY, NKG7, PRF1, GZMB) plus CD3/CD8; an NK cell lacks CD3; a B
cell (mouse) carries as much MHC-II as an MHC-II-high macrophage but none of its core genes.
"""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from ifnexus.errors import IfnexusWarning, ValidationError
from ifnexus.scoring import expression_source, prepare
from ifnexus.singlecell import CELL_TYPES, annotate_cells, cell_type_markers, marker_table

HUMAN = {
    "cd8_t": "CD3D CD3E CD3G CD8A CD8B GNLY NKG7 PRF1 GZMB",
    "cd4_t": "CD3D CD3E CD3G CD4 CD40LG",
    "nk": "KLRF1 NCAM1 FCGR3A GNLY NKG7 PRF1 GZMB",
    "b": "CD79A CD79B MS4A1 CD19",
    "classical_mono": "CD14 VCAN FCN1 S100A8 S100A9 LYZ",
    "nonclassical_mono": "FCGR3A MS4A7 CDKN1C LST1 CSF1R",
    "cdc2": "CD1C FCER1A CLEC10A HLA-DRA",
    "pdc": "LILRA4 CLEC4C IL3RA GZMB",
    "neutrophil": "CSF3R FCGR3B CXCR2 FPR1",
    "platelet": "PPBP PF4 GP9",
    "fibroblast": "COL1A1 COL1A2 DCN LUM",
    "endothelial": "PECAM1 VWF CDH5 CLDN5",
    "malignant_schwann": "SOX10 S100B PLP1 MPZ",
    "none": "",
}
MOUSE = {
    "cd8_t": "Cd3d Cd3e Cd3g Cd8a Cd8b1 Nkg7 Gzma Prf1",
    "nk": "Ncr1 Klrb1c Klra8 Nkg7 Gzma Prf1",
    "b": "Cd79a Cd79b Ms4a1 Cd19 H2-Aa H2-Ab1 H2-Eb1 Cd74",
    "macrophage_m1like": "C1qa C1qb C1qc Adgre1 Cd68 H2-Aa H2-Ab1 H2-Eb1 Cd74 Nos2",
    "macrophage_m2like": "C1qa C1qb C1qc Adgre1 Cd68 Arg1 Mrc1 Retnla",
    "neutrophil": "S100a8 S100a9 Retnlg Csf3r Cxcr2 Ngp H2-Aa",
    "fibroblast": "Col1a1 Col1a2 Dcn Lum Pdgfra",
    "endothelial": "Pecam1 Cdh5 Kdr Cldn5 Emcn",
    "malignant_schwann": "Sox10 S100b Plp1 Mpz Ngfr",
}
EXPECT_COARSE = {
    "classical_mono": "mono_macro",
    "nonclassical_mono": "mono_macro",
    "macrophage_m1like": "mono_macro",
    "macrophage_m2like": "mono_macro",
    "cdc2": "dc",
    "pdc": "dc",
    "none": "unassigned",
}


def planted(profiles: dict[str, str], species: str, n: int = 30, seed: int = 0) -> ad.AnnData:
    """Poisson counts: filler genes ~1,200 counts a cell, marker genes off (rate 0.005) unless
    planted (rate 8)."""
    rng = np.random.default_rng(seed)
    table = marker_table(species)
    filler = [f"FILL{i}" if species == "human" else f"Fill{i}" for i in range(400)]
    marker_genes = list(dict.fromkeys([*table["gene"], *" ".join(profiles.values()).split()]))
    genes = [*marker_genes, *filler]
    col = {g: i for i, g in enumerate(genes)}
    base = rng.gamma(1.0, 3.0, size=len(genes))  # ~1,200 counts per cell from the filler
    base[: len(marker_genes)] = 0.005  # markers are off unless planted
    rows, truth = [], []
    for t, prof in profiles.items():
        lam = base.copy()
        lam[[col[g] for g in prof.split()]] = 8.0
        rows.append(rng.poisson(lam, size=(n, len(genes))))
        truth += [t] * n
    x = sparse.csr_matrix(np.vstack(rows).astype(np.float32))
    obs = pd.DataFrame({"truth": truth}, index=[f"c{i}" for i in range(len(truth))])
    return ad.AnnData(x, obs=obs, var=pd.DataFrame(index=genes))


def annotate(a: ad.AnnData, species: str, **kw: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    src = expression_source(a)
    bg = prepare(src, transform="lognorm")
    return annotate_cells(src, species=species, background=bg, transform="lognorm", **kw)


@pytest.fixture(scope="module")
def human() -> tuple[ad.AnnData, pd.DataFrame]:
    a = planted(HUMAN, "human")
    return a, annotate(a, "human")[0]


def test_planted_human_types_are_recovered(human):
    a, ann = human
    truth = a.obs["truth"]
    expect = truth.map(lambda t: EXPECT_COARSE.get(t, t))
    acc = (ann["cell_type"].astype(str) == expect).groupby(truth).mean()
    assert (acc >= 0.9).all(), acc[acc < 0.9]
    sub = ann.loc[truth.isin(["classical_mono", "nonclassical_mono", "cdc2", "pdc"])]
    sub_acc = (sub["cell_subtype"] == truth[sub.index]).groupby(truth[sub.index]).mean()
    assert (sub_acc >= 0.9).all(), sub_acc
    assert list(ann["cell_type"].cat.categories) == list(CELL_TYPES)


def test_cd8_effector_with_cytotoxic_genes_is_not_nk(human):
    """CD8 T cells with the NK cytotoxic programme stay T cells (CD3 is an NK negative)."""
    a, ann = human
    cd8 = ann[a.obs["truth"] == "cd8_t"]
    assert (cd8["cell_type"] == "cd8_t").mean() >= 0.9
    nk = ann[a.obs["truth"] == "nk"]
    assert (nk["cell_type"] == "nk").mean() >= 0.9


def test_unassigned_cells_carry_a_reason(human):
    a, ann = human
    none = ann[a.obs["truth"] == "none"]
    assert (none["cell_type"] == "unassigned").all()
    assert none["cell_type_reason"].str.len().gt(0).all()
    assert (none["cell_type_confidence"] == 0).all()
    called = ann[ann["cell_type"] != "unassigned"]
    assert (called["cell_type_reason"] == "").all()
    assert called["cell_type_margin"].ge(0.1).all()
    assert called["cell_type_confidence"].between(0, 1).all()


def test_markers_used_are_the_coarse_types_detected_markers(human):
    a, ann = human
    x = pd.DataFrame(a.X.toarray(), index=a.obs_names, columns=a.var_names)
    markers = cell_type_markers("human")
    for cell in ann.index[::37]:
        t = str(ann.at[cell, "cell_type"])
        expect = [g for g in markers.get(t, []) if g in x and x.at[cell, g] > 0]
        assert ann.at[cell, "cell_type_markers"] == ";".join(expect)


def test_tie_between_two_types_is_unassigned():
    """A doublet of two types (their markers planted at one level, no negative markers) is no
    call and says which two tie; the pure types under the same margin are called. (With the
    built-in markers a B/T doublet is a T cell: CD3 is a B-cell negative.)"""
    table = pd.DataFrame(
        {"cell_type": ["x"] * 4 + ["y"] * 4, "gene": "GA GB GC GD GE GF GG GH".split()}
    )
    a = planted(
        {"doublet": "GA GB GC GD GE GF GG GH", "x": "GA GB GC GD", "y": "GE GF GG GH"},
        "human",
        n=20,
    )
    ann, _ = annotate(a, "human", markers=table, min_margin=0.5)
    truth = a.obs["truth"]
    dbl = ann[truth == "doublet"]
    assert (dbl["cell_type"] == "unassigned").mean() >= 0.8
    tied = dbl.loc[dbl["cell_type"] == "unassigned", "cell_type_reason"]
    assert tied.str.match(r"(?:x|y) \([0-9.]+\) not clearly ahead of (?:y|x)").all()
    assert (ann.loc[truth == "x", "cell_type"] == "x").mean() >= 0.9
    assert (ann.loc[truth == "y", "cell_type"] == "y").mean() >= 0.9


def test_cluster_vote_recovers_cd8_despite_dropout():
    """CD8A/CD8B detected in only some cells: per cell many are 't_cell'; the cluster call
    (mean scores) makes the whole cluster CD8."""
    rng = np.random.default_rng(1)
    a = planted({"cd8_t": HUMAN["cd8_t"], "b": HUMAN["b"]}, "human", n=60, seed=1)
    x = a.X.toarray()
    for g in ("CD8A", "CD8B"):
        j = list(a.var_names).index(g)
        drop = (a.obs["truth"] == "cd8_t").to_numpy() & (rng.random(a.n_obs) < 0.7)
        x[drop, j] = 0
    a.X = sparse.csr_matrix(x)
    per_cell, _ = annotate(a, "human")
    clustered, _ = annotate(a, "human", clusters=a.obs["truth"])
    t = (a.obs["truth"] == "cd8_t").to_numpy()
    assert (per_cell["cell_type"][t] == "cd8_t").mean() < 0.8
    assert (clustered["cell_type"][t] == "cd8_t").all()
    assert (clustered["cell_type"][~t] == "b").all()


def test_mouse_compartments_and_macrophage_states():
    a = planted(MOUSE, "mouse", n=30, seed=2)
    ann, report = annotate(a, "mouse")
    truth = a.obs["truth"]
    expect = truth.map(lambda t: EXPECT_COARSE.get(t, t))
    acc = (ann["cell_type"].astype(str) == expect).groupby(truth).mean()
    assert (acc >= 0.9).all(), acc[acc < 0.9]
    for state in ("macrophage_m1like", "macrophage_m2like"):
        assert (ann.loc[truth == state, "cell_subtype"] == state).mean() >= 0.9
    # MHC-II-high B cells are not macrophages (MHC-II decides the state, never the lineage)
    assert (ann.loc[truth == "b", "cell_type"] == "b").mean() >= 0.9
    assert {"status", "found", "missing"} <= set(report.columns)


def test_custom_table_and_mapping():
    a = planted({"x": "G1 G2 G3", "y": "G4 G5 G6"}, "human", n=20, seed=3)
    table = pd.DataFrame({"cell_type": ["x"] * 3 + ["y"] * 3, "gene": "G1 G2 G3 G4 G5 G6".split()})
    ann, _ = annotate(a, "human", markers=table)
    assert list(ann["cell_type"].cat.categories) == ["x", "y", "unassigned"]
    assert (ann["cell_type"].astype(str) == a.obs["truth"]).mean() >= 0.9
    ann2, _ = annotate(a, "human", markers={"x": ["G1", "G2", "G3"], "y": ["G4", "G5", "G6"]})
    pd.testing.assert_series_equal(ann["cell_type"], ann2["cell_type"])


@pytest.mark.parametrize(
    ("markers", "match"),
    [
        (pd.DataFrame({"cell_type": ["b"], "symbol": ["CD79A"]}), r"lacks column\(s\) \['gene'\]"),
        (
            pd.DataFrame(
                {"cell_type": ["b", "b"], "gene": ["CD79A", "CD3E"], "direction": ["+", "maybe"]}
            ),  # fmt: skip
            r"row 2: direction 'maybe'",
        ),
        (
            pd.DataFrame({"cell_type": ["b"], "gene": ["CD3E"], "direction": ["-"]}),
            "no positive",
        ),
        (pd.DataFrame({"cell_type": ["b", ""], "gene": ["CD79A", "CD19"]}), "row 2: empty"),
        ({"b": "CD79A"}, r"markers\['b'\] must be a list"),
        ({"b": []}, r"markers\['b'\] has no genes"),
        (["CD79A"], "markers must be None, a marker table"),
    ],
)
def test_bad_marker_tables_are_refused(human, markers, match):
    a, _ = human
    with pytest.raises(ValidationError, match=match):
        annotate(a[:5].copy(), "human", markers=markers)


def test_bad_options_are_refused(human):
    a, _ = human
    b = a[:10].copy()
    with pytest.raises(ValidationError, match="clusters has 3 labels for 10 cells"):
        annotate(b, "human", clusters=["a", "b", "c"])
    with pytest.raises(ValidationError, match="min_margin must be >= 0"):
        annotate(b, "human", min_margin=-0.1)
    with pytest.raises(ValidationError, match="min_detected must be >= 0"):
        annotate(b, "human", min_detected=-1)
    with pytest.raises(ValidationError, match="species must be 'human' or 'mouse'"):
        annotate(b, "rat")


def test_no_marker_measured_is_unassigned_with_a_warning():
    """Only filler genes: nothing can be called; every cell says why, and one warning."""
    rng = np.random.default_rng(4)
    genes = [f"FILL{i}" for i in range(300)]
    a = ad.AnnData(
        sparse.csr_matrix(rng.poisson(1.0, size=(40, 300)).astype(np.float32)),
        var=pd.DataFrame(index=genes),
    )
    with pytest.warns(IfnexusWarning, match="no cell-type marker set has enough genes"):
        ann, report = annotate(a, "human")
    assert (ann["cell_type"] == "unassigned").all()
    assert (ann["cell_type_reason"] == "no marker set measured").all()
    assert set(report["status"]) <= {"too_few"}


def test_builtin_table_round_trips():
    """marker_table() given back as markers= gives the built-in result (hierarchy and states)."""
    a = planted(MOUSE, "mouse", n=10, seed=5)
    built, _ = annotate(a, "mouse")
    table, _ = annotate(a, "mouse", markers=marker_table("mouse"))
    pd.testing.assert_frame_equal(built, table)


def test_state_without_subtype_is_refused(human):
    a, _ = human
    bad = pd.DataFrame(
        {
            "cell_type": ["m", "m"],
            "subtype": ["", ""],
            "state": ["", "m1"],
            "gene": ["CD68", "IL1B"],
        }
    )
    with pytest.raises(ValidationError, match="row 2: a 'state' needs a 'subtype'"):
        annotate(a[:5].copy(), "human", markers=bad)


#: the lineage gate (issue #14): cells the two-level rule must not call DC
GATE = {
    # a tumour fibroblast expressing the blood-pDC genes TCF4, SERPINF1, IL3RA (Puram 2017)
    "fibro_pdc": "COL1A1 DCN TCF4 SERPINF1 IL3RA",
    # an endothelial cell with the same genes
    "endo_pdc": "VWF CDH5 TCF4 SERPINF1 IL3RA",
    # a CCR7+ CD4 T cell with CCL22 (mature-DC genes) and CD3
    "t_ccr7": "CD3D CD3E CCR7 CCL22 FSCN1",
    # the same whose CD3 transcripts dropped out: other T-lineage genes (CD28, BCL11B) remain
    "t_ccr7_nocd3": "CD28 BCL11B CCR7 CCL22 FSCN1",
    # true pDC and mature DC, with the pan-leukocyte PTPRC: still DC
    "pdc": "PTPRC LILRA4 CLEC4C IL3RA TCF4 SERPINF1",
    "mreg_dc": "PTPRC LAMP3 FSCN1 CCR7 CCL22 CCL17",
}


@pytest.fixture(scope="module")
def gated() -> tuple[ad.AnnData, pd.DataFrame, pd.DataFrame]:
    a = planted(GATE, "human", n=20, seed=7)
    table = marker_table("human")
    ungated = table[~table["direction"].isin(["requires", "excludes"])]
    return a, annotate(a, "human")[0], annotate(a, "human", markers=ungated)[0]


def test_lineage_gate_stromal_cells_with_pdc_genes_are_not_dc(gated):
    a, ann, before = gated
    truth = a.obs["truth"]
    for t in ("fibro_pdc", "endo_pdc"):
        assert not (ann.loc[truth == t, "cell_type"] == "dc").any()
        # without the gate (the second-round rule) they were called DC: the gate is what stops it
        assert (before.loc[truth == t, "cell_type"] == "dc").mean() >= 0.5
    assert (ann.loc[truth == "fibro_pdc", "cell_type"] == "fibroblast").mean() >= 0.9
    assert (ann.loc[truth == "endo_pdc", "cell_type"] == "endothelial").mean() >= 0.9


def test_lineage_gate_t_cells_with_ccr7_are_not_mature_dc(gated):
    a, ann, before = gated
    sel = a.obs["truth"] == "t_ccr7"
    assert not (ann.loc[sel, "cell_type"] == "dc").any()
    assert ann.loc[sel, "cell_type"].isin(["t_cell", "cd4_t", "cd8_t"]).mean() >= 0.9
    drop = a.obs["truth"] == "t_ccr7_nocd3"
    assert not (ann.loc[drop, "cell_type"] == "dc").any()
    # without the gate (the second-round rule) CD3-dropout T cells were called mature DC
    assert (before.loc[drop, "cell_subtype"] == "mreg_dc").mean() >= 0.5


def test_lineage_gate_keeps_true_dc(gated):
    a, ann, _ = gated
    for t in ("pdc", "mreg_dc"):
        sel = a.obs["truth"] == t
        assert (ann.loc[sel, "cell_subtype"] == t).mean() >= 0.9


def test_gate_rows_round_trip_and_are_listed():
    table = marker_table("human")
    dc = table[(table["lineage"] == "dc") & (table["subtype"] == "")]
    assert {"PTPRC", "LILRA4"} <= set(dc.loc[dc["direction"] == "requires", "gene"])
    assert {"COL1A1", "DCN", "VWF"} <= set(dc.loc[dc["direction"] == "excludes", "gene"])
    assert "PECAM1" not in set(dc["gene"])  # CD31 is also on leukocytes
    mreg = table[table["subtype"] == "mreg_dc"]
    assert {"CD3D", "CD3E"} <= set(mreg.loc[mreg["direction"] == "excludes", "gene"])
    a = planted(GATE, "human", n=5, seed=8)
    pd.testing.assert_frame_equal(annotate(a, "human")[0],
                                  annotate(a, "human", markers=table)[0])  # fmt: skip
