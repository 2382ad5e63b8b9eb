"""Copy-number segments (DNAcopy/TCGA layout, GRCh38) for a virtual cohort's 9p21 states.

Each tumour's 9p21 carries the true copy number of the IFN cluster and of CDKN2A/CDKN2B/MTAP;
the segment mean is the log2 ratio a purity-diluted sample shows,
log2((purity * cn + (1 - purity) * 2) / 2), plus probe noise. The other autosomes get
whole-arm-scale segments with occasional gains and losses, so callers see realistic files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ifnexus._rng import RngLike, as_generator

# GRCh38 chromosome lengths (Genome Reference Consortium, GRCh38.p14 assembly report).
GRCH38_LENGTHS = {
    "1": 248956422,
    "2": 242193529,
    "3": 198295559,
    "4": 190214555,
    "5": 181538259,
    "6": 170805979,
    "7": 159345973,
    "8": 145138636,
    "9": 138394717,
    "10": 133797422,
    "11": 135086622,
    "12": 133275309,
    "13": 114364328,
    "14": 107043718,
    "15": 101991189,
    "16": 90338345,
    "17": 83257441,
    "18": 80373285,
    "19": 58617616,
    "20": 64444167,
    "21": 46709983,
    "22": 50818468,
}
# Breakpoints on chr9 (GRCh38) bracketing the IFN cluster (IFNB1 21.08 Mb .. IFNE 21.48 Mb)
# and the CDKN2A/CDKN2B/MTAP locus (MTAP 21.80 Mb .. CDKN2B 22.01 Mb).
_IFN_REGION = (20_950_000, 21_600_000)
_CDKN2A_REGION = (21_600_001, 22_200_000)


def _log2ratio(cn: float, purity: float) -> float:
    return float(np.log2((purity * cn + (1.0 - purity) * 2.0) / 2.0))


def cohort_segments(truth: pd.DataFrame, *, rng: RngLike = 0, noise: float = 0.04) -> pd.DataFrame:
    """Return segments with columns ID, chrom, loc.start, loc.end, num.mark, seg.mean.

    ``truth`` needs ``patient_id``, ``purity``, ``ifn_cluster_cn`` and ``cdkn2a_cn``.

    Parameters
    ----------
    truth
        The per-patient truth (see above).
    rng
        Seed (int >= 0, 0 is valid), SeedSequence, Generator or None.
    noise
        SD of the log2 ratio noise of a 50-marker segment (scaled by ``sqrt(50 / markers)``).

    Returns
    -------
    pandas.DataFrame
        DNAcopy-style segments (GRCh38) of every patient.
    """
    g = as_generator(rng)
    rows = []
    for _, p in truth.iterrows():
        pid, purity = p["patient_id"], float(p["purity"])
        for chrom, length in GRCH38_LENGTHS.items():
            if chrom == "9":
                pieces = [
                    (1, _IFN_REGION[0] - 1, 2.0),
                    (_IFN_REGION[0], _IFN_REGION[1], float(p["ifn_cluster_cn"])),
                    (_CDKN2A_REGION[0], _CDKN2A_REGION[1], float(p["cdkn2a_cn"])),
                    (_CDKN2A_REGION[1] + 1, length, 2.0),
                ]
                merged: list[list[float]] = []
                for p_start, p_end, p_cn in pieces:
                    if merged and merged[-1][2] == p_cn:
                        merged[-1][1] = p_end
                    else:
                        merged.append([p_start, p_end, p_cn])
            else:
                cn_arm = g.choice([1.0, 2.0, 3.0], p=[0.08, 0.84, 0.08])
                mid = int(length * g.uniform(0.35, 0.55))
                merged = [[1, mid, cn_arm], [mid + 1, length, 2.0]]
            for start, end, cn in merged:
                marks = max(int((end - start) / 1.5e4), 3)
                rows.append(
                    {
                        "ID": pid,
                        "chrom": chrom,
                        "loc.start": int(start),
                        "loc.end": int(end),
                        "num.mark": marks,
                        "seg.mean": round(
                            _log2ratio(cn, purity) + g.normal(0, noise / np.sqrt(marks / 50)), 4
                        ),
                    }
                )
    return pd.DataFrame(
        rows, columns=["ID", "chrom", "loc.start", "loc.end", "num.mark", "seg.mean"]
    )
