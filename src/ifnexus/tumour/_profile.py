"""One table per cohort: purity, contexture, 9p21 and the IFN state of every tumour.

:func:`profile_tumours` is the pipeline the CLI and the virtual study call: expression (optional)
-> scale detection -> ESTIMATE scores and purity (+ IFN-aware) -> immune contexture -> IFN signals;
copy number (optional) -> 9p21 calls, purity-aware where purity is known; both -> IFN state;
clinical columns joined last. Samples present in only one input are kept (with a warning naming
them), so a tumour with only copy number still gets its 9p21 calls.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ifnexus.errors import IfnexusWarning, InputFormatError, ValidationError
from ifnexus.tumour._contexture import immune_contexture
from ifnexus.tumour._copynumber import HEMIZYGOUS_LOG2, HOMOZYGOUS_LOG2, call_9p21, tidy_segments
from ifnexus.tumour._estimate import Platform, estimate_scores
from ifnexus.tumour._expression import SCALES, detect_scale, log2_expression, read_table
from ifnexus.tumour._ifnstate import call_ifn_state, ifn_signals

logger = logging.getLogger(__name__)

CnPurity = Literal["auto", "clinical", "estimate", "estimate_ifnaware", "none"]
_SAMPLE_COLUMNS = ("sample", "sample_id", "id", "tumour", "tumor", "patient", "case", "barcode")


def read_clinical(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a clinical table (CSV, TSV or parquet) indexed by sample.

    The sample column is the first one named sample, sample_id, ID, tumour/tumor, patient, case or
    barcode (any case), else the first column. Duplicated samples are an error.

    Parameters
    ----------
    path
        The clinical file.

    Returns
    -------
    pandas.DataFrame
        The table indexed by ``sample`` (str), other columns as read.

    Raises
    ------
    InputFormatError
        A sample appears more than once, or a ``purity`` cell is not a fraction between 0 and 1
        (text, a percentage, infinity); the message gives its line.
    """
    p = Path(path)
    df = read_table(p, "clinical")
    lower = {str(c).strip().lower(): c for c in df.columns}
    col = next((lower[k] for k in _SAMPLE_COLUMNS if k in lower), df.columns[0])
    df[col] = df[col].astype(str).str.strip()
    dup = df[col][df[col].duplicated()]
    if not dup.empty:
        line = int(dup.index[0]) + 2
        raise InputFormatError(f"{p}: line {line}: sample {dup.iloc[0]!r} appears more than once")
    pcol = next((c for c in df.columns if str(c).strip().lower() == "purity"), None)
    if pcol is not None:
        raw = df[pcol]
        num = pd.to_numeric(raw, errors="coerce")
        text = raw.astype(str).str.strip()
        bad = (num.isna() & raw.notna() & ~text.isin(["", "NA", "nan", "NaN"])) | ~(
            num.isna() | ((num >= 0) & (num <= 1))
        )
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            cell = raw.iloc[i]
            shown = f"{cell:g}" if isinstance(cell, (int, float, np.number)) else str(cell)
            raise InputFormatError(
                f"{p}: line {i + 2}, column '{pcol}', sample {df[col].iloc[i]!r}: purity "
                f"'{shown}' is not a fraction between 0 and 1 (a percentage? divide by "
                "100; leave the cell empty when unknown)"
            )
        df[pcol] = num
    return df.set_index(col).rename_axis("sample")


def _tcga_key(ids: pd.Index) -> pd.Index | None:
    """TCGA aliquot barcodes cut to the sample (first 15 characters), if all ids are TCGA."""
    s = pd.Index(ids.astype(str))
    if len(s) and s.str.startswith("TCGA-").all() and (s.str.len() >= 15).all():
        return pd.Index(s.str[:15])
    return None


def _align(expr_samples: pd.Index, cn_samples: pd.Index) -> dict[str, str]:
    """Map copy-number sample ids onto expression ids (exact, else TCGA sample barcode)."""
    exact = set(expr_samples) & set(cn_samples)
    if exact or not len(expr_samples) or not len(cn_samples):
        return {}
    ke, kc = _tcga_key(expr_samples), _tcga_key(cn_samples)
    if ke is None or kc is None:
        return {}
    by_key = dict(zip(ke, expr_samples, strict=True))
    if len(by_key) != len(expr_samples):
        return {}
    mapping = {c: by_key[k] for c, k in zip(cn_samples, kc, strict=True) if k in by_key}
    if mapping:
        logger.info(
            "matched %d copy-number samples to expression by TCGA sample barcode", len(mapping)
        )
    return mapping


def _warn_unmatched(only: list[str], where: str, missing_in: str) -> None:
    if only:
        warnings.warn(
            f"{len(only)} sample(s) in the {where} but not in the {missing_in}: "
            f"{', '.join(only[:5])}{' ...' if len(only) > 5 else ''}",
            IfnexusWarning,
            stacklevel=3,
        )


def refuse_removed_chronic_rule(
    chronic_z: object = None, chronic_margin: object = None, *, cli: bool = False
) -> None:
    """Refuse the removed fixed chronic-IFN rule (keywords or flags) with what replaces it.

    Parameters
    ----------
    chronic_z, chronic_margin
        The values given for the removed keywords; ``None`` means not given.
    cli
        Name the command-line flags instead of the keywords.

    Raises
    ------
    ValidationError
        Either was given (any value): the calibrated IFN state replaces the rule, as the
        removed thresholds of ``sc profile`` are refused.
    """
    for kw, flag, value in (
        ("chronic_z=", "--chronic-z", chronic_z),
        ("chronic_margin=", "--chronic-margin", chronic_margin),
    ):
        if value is not None:
            how = ("--controls, --reference and --min-probability" if cli
                   else "controls=, reference= and min_probability=")  # fmt: skip
            raise ValidationError(
                f"{flag if cli else kw} was removed in 0.2: the fixed robust-z rule did not "
                "transfer across cohorts; the IFN state is calibrated within the cohort "
                f"(set it with {how}; docs/tumour.md)"
            )


def profile_tumours(
    *,
    expression: pd.DataFrame | None = None,
    segments: pd.DataFrame | None = None,
    gene_cn: pd.DataFrame | None = None,
    build: str | None = None,
    clinical: pd.DataFrame | None = None,
    platform: Platform | None = None,
    scale: str | None = None,
    reference: pd.DataFrame | None = None,
    cn_purity: CnPurity = "auto",
    homozygous: float = HOMOZYGOUS_LOG2,
    hemizygous: float = HEMIZYGOUS_LOG2,
    cluster_fraction: float = 0.5,
    silenced_z: float = -2.0,
    controls: list[str] | None = None,
    min_effect: float = 1.0,
    min_probability: float = 0.8,
    min_coverage: float = 0.5,
    chronic_z: float | None = None,
    chronic_margin: float | None = None,
) -> pd.DataFrame:
    """Profile every tumour: ESTIMATE purity, immune contexture, 9p21 status and IFN state.

    Parameters
    ----------
    expression
        Genes x samples (unique HGNC symbols), counts, TPM/FPKM, log or array intensities.
    segments, gene_cn
        Copy number as segments (either header style; needs ``build``) or gene-level (genes x
        samples log2 ratios or GISTIC calls). At least one of expression / copy number is needed.
    build
        ``"hg19"`` or ``"hg38"`` for the segment coordinates (required with ``segments``).
    clinical
        Table indexed by sample; its columns are appended. A ``purity`` column (0-1) is used for
        the purity-aware copy-number calls.
    platform
        Expression platform (``affymetrix``, ``agilent``, ``illumina``, ``rnaseq``), recorded in
        ``purity_calibration``.
    scale
        ``counts``, ``tpm``, ``log`` or ``intensity``; detected when None (the choice and why is in
        ``expression_scale`` and ``.attrs``).
    reference
        Expression of baseline samples outside the cohort (genes x samples, same scale: untreated,
        sham or IFN-free tissue): the IFN state is calibrated against them, and the CGAS/STING1
        z scores are taken against them. Not together with ``controls``.
    cn_purity
        Purity for the copy-number calls: ``auto`` (clinical ``purity`` if given, else the ESTIMATE
        purity when the platform is Affymetrix, else none), ``clinical``, ``estimate``,
        ``estimate_ifnaware`` or ``none``.
    homozygous, hemizygous, cluster_fraction
        9p21 calling parameters (:func:`ifnexus.tumour.call_9p21`).
    silenced_z
        CGAS or STING1 robust z at or below which the IFN capacity is ``deficient``.
    controls
        Expression sample ids that are baseline (untreated, sham); the IFN state is calibrated
        against them. Default (and no ``reference``): a mixture model of the cohort.
    min_effect, min_probability, min_coverage
        IFN-state calibration (:func:`ifnexus.tumour.ifn_state_probabilities`).
    chronic_z, chronic_margin
        Removed in 0.2 (the fixed robust-z rule did not transfer across cohorts): giving either
        raises :class:`~ifnexus.errors.ValidationError` naming what replaces it; the keywords
        go in 0.3.

    Returns
    -------
    pandas.DataFrame
        One row per tumour (index ``sample``): ``expression_scale``; ``StromalScore``,
        ``ImmuneScore``, ``ESTIMATEScore``, ``TumorPurity``, ``ImmuneScore_ifnaware``,
        ``ESTIMATEScore_ifnaware``, ``TumorPurity_ifnaware``, ``purity_calibration``; the
        ``danaher_*`` scores, ``cytolytic_activity``, ``M1``, ``M2``, ``M1_M2_log2ratio``;
        ``ifna_score``, ``isgrs_score``, ``ifng_score``, ``CGAS_log2``, ``STING1_log2``; the 9p21
        columns of :func:`ifnexus.tumour.call_9p21` (``cdkn2a_status``, ``ifn_cluster_status``,
        ...) and ``cn_purity_source``; the IFN state (``ifn_state`` in ``acute``, ``chronic``,
        ``none``, ``undetermined``; ``ifn_p_acute``, ``ifn_p_chronic``, ``ifn_p_none``,
        ``ifn_state_reason``, the programme scores, ``ifn_type`` with ``ifn_type2`` and
        ``ifn_p_type2``), ``ifn_capacity``, ``ifn_class`` and
        ``ifn_state_evidence`` (:func:`ifnexus.tumour.call_ifn_state`); then the clinical
        columns. Expression columns are NaN for
        tumours with copy number only and vice versa. ``.attrs`` records ``scale_reason``,
        ``n_common_genes``, ``platform``, ``cn_purity`` and the thresholds;
        ``.attrs["genes_9p21"]`` the per-gene calls. Orientation: the inputs are genes x samples
        (the file formats of expression and copy-number cohorts); the result is samples x
        features, like every in-memory table of ifnexus. :func:`ifnexus.tumour.write_tumour_profile`
        writes it as ``ifnexus tumour profile --out`` does.
    """
    refuse_removed_chronic_rule(chronic_z, chronic_margin)
    if expression is None and segments is None and gene_cn is None:
        raise ValidationError("give expression, copy number (segments or gene_cn), or both")
    if segments is not None and gene_cn is not None:
        raise ValidationError("give copy number as segments or as gene_cn, not both")
    if segments is not None and build is None:
        raise ValidationError("segments need a genome build: build='hg19' or build='hg38'")
    if cn_purity not in ("auto", "clinical", "estimate", "estimate_ifnaware", "none"):
        raise ValidationError(f"unknown cn_purity {cn_purity!r}")
    attrs: dict[str, object] = {}
    parts: list[pd.DataFrame] = []
    signals = None
    est = None
    log2: pd.DataFrame | None = None
    if expression is not None:
        if expression.index.has_duplicates:
            dup = expression.index[expression.index.duplicated()].unique()[:5].tolist()
            raise ValidationError(
                f"expression has duplicated gene symbols {dup}; collapse them first "
                "(ifnexus.tumour.collapse_duplicates keeps the highest-mean row)"
            )
        if scale is None:
            scale, reason = detect_scale(expression)
        elif scale not in SCALES:
            raise ValidationError(f"scale must be one of {SCALES}, got {scale!r}")
        else:
            reason = "given"
        attrs["scale_reason"] = reason
        logger.info("expression scale: %s (%s)", scale, reason)
        log2 = log2_expression(expression, scale)  # type: ignore[arg-type]
        est = estimate_scores(expression, platform=platform, scale=scale)
        attrs["n_common_genes"] = est.attrs["n_common_genes"]
        attrs["ifn_genes_removed"] = est.attrs["ifn_genes_removed"]
        expr_part = est.copy()
        expr_part.insert(0, "expression_scale", scale)
        ctx = immune_contexture(log2)
        signals = ifn_signals(expression, log2)
        parts.append(expr_part.join(ctx).join(signals))
    ref_signals = None
    ref_log2 = None
    if reference is not None:
        if expression is None:
            raise ValidationError("a reference cohort needs expression for the tumours too")
        # the reference is on the tumours' scale (given or detected above)
        ref_log2 = log2_expression(reference, scale)  # type: ignore[arg-type]
        ref_signals = ifn_signals(reference, ref_log2)
    if controls is not None and expression is None:
        raise ValidationError("controls name expression samples; give expression too")
    cn = None
    if segments is not None or gene_cn is not None:
        if segments is not None and "line" not in segments.columns:
            segments = tidy_segments(segments)
        if segments is not None:
            cn_samples = pd.Index(pd.unique(segments["sample"]))
        else:  # gene_cn is given (checked above)
            cn_samples = pd.Index(gene_cn.columns.astype(str))  # type: ignore[union-attr]
        mapping = _align(expression.columns if expression is not None else pd.Index([]), cn_samples)
        purity, source = _cn_purity(cn_purity, clinical, est, platform)
        if purity is not None and mapping:
            inv = {v: k for k, v in mapping.items()}
            purity = purity.rename(index=lambda s: inv.get(s, s))
        cn = call_9p21(
            segments,
            gene_cn=gene_cn,
            build=build or "hg38",
            purity=purity,
            homozygous=homozygous,
            hemizygous=hemizygous,
            cluster_fraction=cluster_fraction,
        )
        attrs["genes_9p21"] = cn.attrs["genes"].assign(
            sample=lambda d: d["sample"].map(lambda s: mapping.get(s, s))
        )
        cn = cn.rename(index=lambda s: mapping.get(s, s))
        cn.insert(1, "cn_purity_source", np.where(cn["purity_cn"].notna(), source, "none"))
        if expression is not None:
            _warn_unmatched(
                [s for s in cn.index if s not in expression.columns], "copy number", "expression"
            )
            _warn_unmatched(
                [s for s in expression.columns if s not in cn.index], "expression", "copy number"
            )
        parts.append(cn)
    state = call_ifn_state(
        log2,
        signals=signals,
        copy_number=cn,
        controls=controls,
        reference=ref_log2,
        reference_signals=ref_signals,
        silenced_z=silenced_z,
        min_effect=min_effect,
        min_probability=min_probability,
        min_coverage=min_coverage,
    )
    parts.append(state)
    index = state.index
    out = pd.concat([p.reindex(index) for p in parts], axis=1)
    if clinical is not None:
        extra = [s for s in clinical.index if s not in index]
        _warn_unmatched(list(map(str, extra)), "clinical table", "expression or copy number")
        clin = clinical.rename(columns=lambda c: f"clinical_{c}" if c in out.columns else c)
        out = out.join(clin, how="left")
    out.index.name = "sample"
    attrs["thresholds"] = {
        "homozygous_log2": homozygous,
        "hemizygous_log2": hemizygous,
        "cluster_fraction": cluster_fraction,
        **state.attrs["thresholds"],
    }
    attrs["ifn_calibration"] = state.attrs["ifn_calibration"]
    attrs["ifn_state_reference"] = (
        "reference samples"
        if reference is not None
        else f"{len(controls)} control samples"
        if controls is not None
        else "this cohort"
    )
    attrs["platform"] = platform
    attrs["cn_purity"] = cn_purity
    out.attrs.update(attrs)
    return out


def _cn_purity(
    mode: str, clinical: pd.DataFrame | None, est: pd.DataFrame | None, platform: str | None
) -> tuple[pd.Series | None, str]:
    clin = None
    if clinical is not None:
        cols = {str(c).lower(): c for c in clinical.columns}
        if "purity" in cols:
            clin = pd.to_numeric(clinical[cols["purity"]], errors="coerce")
            clin.index = clin.index.astype(str)
    if mode == "none":
        return None, "none"
    if mode == "clinical":
        if clin is None:
            raise ValidationError(
                "cn_purity='clinical' needs a 'purity' column in the clinical table"
            )
        return clin, "clinical"
    if mode in ("estimate", "estimate_ifnaware"):
        if est is None:
            raise ValidationError(f"cn_purity={mode!r} needs expression")
        col = "TumorPurity" if mode == "estimate" else "TumorPurity_ifnaware"
        return est[col], mode
    if clin is not None:
        return clin, "clinical"
    if est is not None and platform == "affymetrix":
        return est["TumorPurity"], "estimate"
    return None, "none"
