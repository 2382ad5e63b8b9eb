"""Write a tumour profile to a folder: tumours.csv, genes_9p21.csv, figures and run.json."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ifnexus._io import write_table, write_text
from ifnexus._json import dumps
from ifnexus._version import __version__
from ifnexus.errors import ValidationError

__all__ = ["profile_run_record", "write_tumour_profile"]


def profile_run_record(
    profile: pd.DataFrame,
    *,
    inputs: Mapping[str, Any] | None = None,
    files: list[str] | None = None,
) -> dict[str, Any]:
    """Return the run record of a profile (what ``run.json`` holds), from its ``.attrs``.

    Parameters
    ----------
    profile
        The table returned by :func:`ifnexus.tumour.profile_tumours`.
    inputs
        Where the inputs came from (``expression``, ``segments``, ``gene_cn``, ``build``,
        ``clinical``, ``reference``: paths or None), recorded as given.
    files
        The files written beside it.

    Returns
    -------
    dict
        ``ifnexus`` (version), ``inputs``, ``expression_scale``, ``scale_reason``, ``platform``,
        ``n_common_genes``, ``ifn_genes_removed_from_immune_signature``, ``ifn_state_reference``,
        ``ifn_calibration`` (how the IFN state was calibrated: controls, reference, mixture or
        cohort median; baseline mean and SD; gene coverage; constants), ``cn_purity``,
        ``thresholds``, ``n_tumours``, ``ifn_state_counts``, ``ifn_class_counts``, ``files``.
    """
    a = profile.attrs
    keys = ("expression", "segments", "gene_cn", "build", "clinical", "reference")
    given = dict(inputs or {})
    has_expr = "expression_scale" in profile.columns and profile["expression_scale"].notna().any()
    return {
        "ifnexus": __version__,
        "inputs": {k: (str(given[k]) if given.get(k) else None) for k in keys},
        "expression_scale": str(profile["expression_scale"].dropna().iloc[0]) if has_expr else None,
        "scale_reason": a.get("scale_reason"),
        "platform": a.get("platform"),
        "n_common_genes": a.get("n_common_genes"),
        "ifn_genes_removed_from_immune_signature": a.get("ifn_genes_removed"),
        "ifn_state_reference": a.get("ifn_state_reference"),
        "ifn_calibration": a.get("ifn_calibration"),
        "cn_purity": a.get("cn_purity"),
        "thresholds": a.get("thresholds"),
        "n_tumours": len(profile),
        "ifn_state_counts": _counts(profile, "ifn_state"),
        "ifn_class_counts": _counts(profile, "ifn_class"),
        "files": list(files or []),
    }


def write_tumour_profile(
    profile: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    figures: bool = True,
    inputs: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write a tumour profile as ``ifnexus tumour profile --out`` does.

    Parameters
    ----------
    profile
        The table returned by :func:`ifnexus.tumour.profile_tumours` (tumours as rows).
    out_dir
        Output folder (created).
    figures
        Also draw ``score_heatmap.png`` and ``purity_by_ifn_state.png`` (only when the profile
        has expression scores).
    inputs
        Input paths recorded in ``run.json`` (see :func:`profile_run_record`).

    Returns
    -------
    list of pathlib.Path
        ``tumours.csv`` (index ``sample``), ``genes_9p21.csv`` (when copy number was given),
        the figures, then ``run.json`` (last).
    """
    if not isinstance(profile, pd.DataFrame) or "ifn_state" not in profile.columns:
        raise ValidationError("write_tumour_profile needs the table returned by profile_tumours")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = [write_table(profile, out / "tumours.csv", index=True)]
    genes = profile.attrs.get("genes_9p21")
    if genes is not None:
        files.append(write_table(genes, out / "genes_9p21.csv"))
    has_expr = "expression_scale" in profile.columns and profile["expression_scale"].notna().any()
    if figures and has_expr:
        from ifnexus._figures import save_figure
        from ifnexus.tumour._plots import plot_purity_by_state, plot_score_heatmap

        files.append(save_figure(plot_score_heatmap(profile), out / "score_heatmap.png"))
        files.append(save_figure(plot_purity_by_state(profile), out / "purity_by_ifn_state.png"))
    # paths relative to the folder, so the record is the same on every machine
    rel = [Path(f).relative_to(out).as_posix() for f in files]
    run = profile_run_record(profile, inputs=inputs, files=rel)
    files.append(write_text(out / "run.json", dumps(run) + "\n"))
    return files


def _counts(profile: pd.DataFrame, col: str) -> dict[str, int] | None:
    if col not in profile.columns:
        return None
    vc = profile[col].astype(object).where(profile[col].notna(), "NA").value_counts()
    return {str(k): int(v) for k, v in vc.items()}
