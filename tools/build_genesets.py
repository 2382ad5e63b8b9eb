"""Transcribe ../shared/genesets into ifnexus' own gene-set resource (package data).

Run from the repository root: ``python tools/build_genesets.py``. Each shipped set becomes
``src/ifnexus/genesets/data/sets/<NAME>.tsv`` with ``# key: value`` metadata lines (name,
species, source, licence, version, description) followed by one gene per line. The script
is kept as the provenance of the shipped files; ifnexus never reads ../shared at run time.
"""

from __future__ import annotations

import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "genesets"
OUT = Path(__file__).resolve().parents[1] / "src" / "ifnexus" / "genesets" / "data"


def genes_from_txt(name: str) -> list[str]:
    """Genes of a one-gene-per-line file, comments dropped."""
    out = []
    for line in (SHARED / name).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line.split("\t")[0])
    return out


def gmt(name: str) -> dict[str, list[str]]:
    """Sets of a GMT file."""
    sets = {}
    for line in (SHARED / name).read_text().splitlines():
        parts = [p for p in line.rstrip("\n").split("\t")]
        if len(parts) >= 3:
            sets[parts[0]] = [g for g in parts[2:] if g]
    return sets


def write(name, genes, *, source, licence, version, description, species="human", role="score"):
    """Write one set in the ifnexus format."""
    seen, uniq = set(), []
    for g in genes:
        if g not in seen:
            seen.add(g)
            uniq.append(g)
    lines = [
        f"# name: {name}",
        f"# species: {species}",
        f"# role: {role}",
        f"# n_genes: {len(uniq)}",
        f"# source: {source}",
        f"# licence: {licence}",
        f"# version: {version}",
        f"# description: {description}",
        *uniq,
    ]
    (OUT / "sets" / f"{name}.tsv").write_text("\n".join(lines) + "\n")
    return uniq


def main() -> int:
    if not SHARED.is_dir():
        print(f"need {SHARED}", file=sys.stderr)
        return 1
    (OUT / "sets").mkdir(parents=True, exist_ok=True)
    msig = "Liberzon A et al. 2015 Cell Syst 1:417 (MSigDB Hallmark); Broad Institute/UCSD MSigDB"
    hall = gmt("h.all.v7.5.1.symbols.gmt")
    ifna = write(
        "HALLMARK_INTERFERON_ALPHA_RESPONSE",
        hall["HALLMARK_INTERFERON_ALPHA_RESPONSE"],
        source=msig,
        licence="CC BY 4.0",
        version="MSigDB v7.5.1",
        description="Genes up-regulated in response to IFN-alpha; the acute type I IFN response.",
    )
    ifng = write(
        "HALLMARK_INTERFERON_GAMMA_RESPONSE",
        hall["HALLMARK_INTERFERON_GAMMA_RESPONSE"],
        source=msig,
        licence="CC BY 4.0",
        version="MSigDB v7.5.1",
        description="Genes up-regulated in response to IFN-gamma.",
    )
    isgrs = genes_from_txt("ISG_RS_Benci_38genes.txt")
    benci = (
        "Benci JL et al. 2016 Cell 167:1540; Benci JL et al. 2019 Cell 178:933 "
        "(tumour ISG resistance signature, subset of the IRDS of Weichselbaum RR et al. 2008 PNAS 105:18490)"
    )
    write(
        "ISG.RS",
        isgrs,
        source=benci,
        licence="published scientific data (cite the papers)",
        version="Benci 2016/2019, 38 genes",
        description="Chronic IFN / IRDS signature: tumour-expressed IFN-related DNA-damage resistance genes.",
    )
    hallmark = set(ifna) | set(ifng)
    write(
        "IRDS_SPECIFIC",
        [g for g in isgrs if g not in hallmark],
        source=benci + "; minus MSigDB v7.5.1 Hallmark IFN-alpha/gamma",
        licence="published scientific data (cite the papers)",
        version="derived: ISG.RS minus Hallmark IFN sets",
        description="The ISG.RS genes in neither Hallmark IFN set: the IRDS-specific part of the chronic signature.",
    )
    write(
        "IFNA_ACUTE_SPECIFIC",
        [g for g in ifna if g not in set(isgrs)],
        source=msig + "; minus ISG.RS (Benci 2016/2019)",
        licence="CC BY 4.0",
        version="derived: Hallmark IFN-alpha (v7.5.1) minus ISG.RS",
        description="Hallmark IFN-alpha genes outside the IRDS: induced by an acute pSTAT1/ISGF3 burst, not by chronic U-ISGF3 signalling.",
    )
    core = []
    for line in (SHARED / "cGAS_STING_IFNI_core.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            core.append(line.split("\t")[0])
    write(
        "CGAS_STING_IFNI_CORE",
        core,
        source="curated canonical pathway (CGAS->STING1->TBK1->IRF3/7->IFNB1->IFNAR1/2->JAK1/TYK2->STAT1/2/IRF9); coordinates GENCODE v27",
        licence="facts (no licence needed)",
        version="ifnexus curated 2026",
        description="Core genes of cytosolic DNA sensing to type I IFN signalling.",
    )
    region = []
    for line in (SHARED / "chr9p21_IFN_cluster_GRCh38.tsv").read_text().splitlines():
        if line and not line.startswith("#"):
            sym, chrom, start, end, cls = line.split("\t")[:5]
            region.append((sym, chrom, int(start), int(end), cls))
    src9 = "GENCODE v27 gene spans (GRCh38), via the inferCNV/Trinity-CTAT gene-order file hg38_gencode_v27.txt"
    write(
        "CHR9P21_IFN_CLUSTER",
        [r[0] for r in region if r[4] == "IFN-I" and r[0] != "IFNK"],
        source=src9,
        licence="facts (no licence needed)",
        version="GENCODE v27",
        role="region",
        description="The type I IFN gene cluster at 9p21.3 (IFNB1, IFNW1, 13 IFNA genes, IFNE).",
    )
    write(
        "CHR9P21_REGION",
        [r[0] for r in region],
        source=src9,
        licence="facts (no licence needed)",
        version="GENCODE v27",
        role="region",
        description="9p21 region: IFN-I cluster, CDKN2A/CDKN2B/MTAP/DMRTA1/KLHL9 and flanks.",
    )
    rows = ["symbol\tchrom\tstart_grch38\tend_grch38\tclass"] + [
        f"{s}\t{c}\t{a}\t{b}\t{k}" for s, c, a, b, k in region
    ]
    (OUT / "chr9p21_region_grch38.tsv").write_text(
        "# 9p21 genes, GRCh38 1-based inclusive spans; source: "
        + src9
        + "\n"
        + "\n".join(rows)
        + "\n"
    )
    est = "Yoshihara K et al. 2013 Nat Commun 4:2612 (ESTIMATE); R package estimate 1.0.13"
    si = gmt("ESTIMATE_SI_geneset.gmt")
    write(
        "ESTIMATE_STROMAL",
        si["StromalSignature"],
        source=est,
        licence="gene list: published data (package GPL-2)",
        version="estimate 1.0.13",
        description="ESTIMATE stromal signature (141 genes, legacy HGNC symbols as released).",
    )
    write(
        "ESTIMATE_IMMUNE",
        si["ImmuneSignature"],
        source=est,
        licence="gene list: published data (package GPL-2)",
        version="estimate 1.0.13",
        description="ESTIMATE immune signature (141 genes, legacy HGNC symbols as released).",
    )
    common = []
    for line in (SHARED / "ESTIMATE_common_genes_10412.tsv").read_text().splitlines():
        if line.startswith("#") or line.startswith("EntrezID"):
            continue
        parts = line.split("\t")
        common.append(parts[1])
    (OUT / "estimate_common_genes.txt").write_text(
        "# ESTIMATE common genes ("
        + str(len(common))
        + " symbols shared by Affymetrix, Agilent and Illumina); "
        + est
        + " inst/extdata/common_genes.txt; GPL-2 package data\n"
        + "\n".join(common)
        + "\n"
    )
    dan = "Danaher P et al. 2017 J Immunother Cancer 5:18, Table 1"
    for name, genes in gmt("Danaher2017_immune_cell_markers.gmt").items():
        write(
            name.upper(),
            genes,
            source=dan,
            licence="published scientific data (CC BY 4.0 article)",
            version="Danaher 2017",
            description=f"Danaher 2017 immune cell-type markers: {name.split('_', 1)[1].replace('_', ' ')}.",
        )
    az = "Azizi E et al. 2018 Cell 174:1293, as used by Cheng S et al. 2021 Cell 184:792"
    write(
        "M1_AZIZI2018",
        genes_from_txt("Macrophage_M1_Azizi2018.txt"),
        source=az,
        licence="published scientific data",
        version="16-gene form",
        description="M1 (inflammatory) macrophage polarisation; shares CXCL9/10/11, IDO1, IRF1 with IFN-gamma response.",
    )
    write(
        "M2_AZIZI2018",
        genes_from_txt("Macrophage_M2_Azizi2018.txt"),
        source=az,
        licence="published scientific data",
        version="34-gene form",
        description="M2 (alternative) macrophage polarisation.",
    )
    write(
        "CYTOLYTIC_ROONEY2015",
        genes_from_txt("Cytolytic_activity_Rooney2015.txt"),
        source="Rooney MS et al. 2015 Cell 160:48",
        licence="published scientific data",
        version="2015",
        description="Cytolytic activity (CYT): GZMA and PRF1 (the published score is their geometric mean).",
    )
    ay = "Ayers M et al. 2017 J Clin Invest 127:2930"
    write(
        "IFNG6_AYERS2017",
        genes_from_txt("IFNG_6gene_Ayers2017.txt"),
        source=ay,
        licence="published scientific data",
        version="6-gene",
        description="IFN-gamma 6-gene signature.",
    )
    write(
        "GEP18_AYERS2017",
        genes_from_txt("Tcell_inflamed_GEP18_Ayers2017.txt"),
        source=ay,
        licence="published scientific data",
        version="18-gene unweighted",
        description="T cell-inflamed gene expression profile (unweighted).",
    )
    write(
        "SCHWANN_LINEAGE",
        genes_from_txt("Schwann_neural_crest_markers_curated.txt"),
        source="curated from the Schwann-cell and MPNST literature (SOX10/S100B lineage, myelin and repair-Schwann genes)",
        licence="facts (no licence needed)",
        version="ifnexus curated 2026",
        description="Schwann-cell lineage / neural-crest markers: the malignant lineage of MPNST.",
    )
    write(
        "MPNST_CONTEXT",
        genes_from_txt("MPNST_neurofibroma_context_genes_curated.txt"),
        source="curated: NF1, 9p21 (CDKN2A/B, MTAP), PRC2 (EED, SUZ12) and pNF context genes",
        licence="facts (no licence needed)",
        version="ifnexus curated 2026",
        role="annotation",
        description="MPNST driver and context loci, for mutation/CNV annotation rather than expression scores.",
    )
    tex = "curated compilation (Guo X et al. 2018 Nat Med; Zheng C et al. 2017 Cell)"
    write(
        "TCELL_EXHAUSTION",
        genes_from_txt("Tcell_exhaustion_12genes.txt"),
        source=tex,
        licence="published scientific data",
        version="12-gene",
        description="CD8 T-cell exhaustion markers.",
    )
    write(
        "TCELL_EFFECTOR_MEMORY",
        genes_from_txt("Tcell_effector_memory_12genes.txt"),
        source=tex,
        licence="published scientific data",
        version="12-gene",
        description="Effector-memory T-cell markers.",
    )
    write(
        "TCELL_ACTIVATION",
        genes_from_txt("Tcell_activation_curated.txt"),
        source="curated: early/late activation and co-stimulation markers (CD69, IL2RA, TNFRSF9, ICOS, ...)",
        licence="facts (no licence needed)",
        version="ifnexus curated 2026",
        description="T-cell activation markers.",
    )
    print("wrote", len(list((OUT / "sets").glob("*.tsv"))), "sets")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
