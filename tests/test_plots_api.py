"""Plots the lifelines way: every public plotting function draws on a given Axes/Figure and
returns it, draws on a new Figure without one, writes no file and never switches the backend;
files are written by the callers through ``save_figure`` (the CLI keeps its PNG file names)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ifnexus._figures import save_figure
from ifnexus.errors import ValidationError
from ifnexus.model import _plots as model_plots
from ifnexus.outcome import plot_curves, plot_forest
from ifnexus.screen import rank_plot, replicate_plot, sgrna_plot, volcano_plot, write_figures
from ifnexus.singlecell import CELL_TYPES, plot_composition, plot_embedding, plot_violins
from ifnexus.tumour import plot_purity_by_state, plot_score_heatmap

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SRC = Path(__file__).resolve().parents[1] / "src"

# ---------------------------------------------------------------------------------------------
# small inputs shaped as the analysis functions return them


def _curves() -> pd.DataFrame:
    t = np.array([0.0, 2, 5, 9])
    rows = []
    for g, s in (("a", [1.0, 0.9, 0.7, 0.6]), ("b", [1.0, 0.8, 0.5, 0.3])):
        for ti, si in zip(t, s, strict=True):
            rows.append({"group": g, "time": ti, "survival": si, "lower": si - 0.1,
                         "upper": min(1.0, si + 0.1), "feature": "f1" if g == "a" else "f2"})  # fmt: skip
    return pd.DataFrame(rows)


def _effects() -> pd.DataFrame:
    return pd.DataFrame({"term": ["age", "size", "age", "size"], "ratio": [1.2, 0.7, 1.1, 0.8],
                         "lower": [1.0, 0.5, 0.9, 0.6], "upper": [1.5, 0.95, 1.3, 1.0],
                         "analysis": ["uni", "uni", "multi", "multi"]})  # fmt: skip


def _timecourses() -> pd.DataFrame:
    t = np.linspace(0, 30, 7)
    return pd.concat(
        [
            pd.DataFrame({"patient": p, "time": t, "state": st, "value": (p + 1) * (1 + t)})
            for p in range(2)
            for st in ("burden", "ifn")
        ],  # fmt: skip
        ignore_index=True,
    )


def _lc() -> pd.DataFrame:
    c = _curves().rename(columns={"survival": "local_control", "lower": "ci_lower",
                                  "upper": "ci_upper"})  # fmt: skip
    return c.drop(columns="feature")


def _genes() -> pd.DataFrame:
    return pd.DataFrame({"gene": ["TMEM173", "IRF3", "STAT1", "GAPDH", "ACTB"],
                         "rho": [-2.0, -1.5, -1.0, 0.1, 0.2],
                         "rho_p": [1e-5, 1e-4, 1e-3, 0.5, 0.9],
                         "rho_hit": [True, True, False, False, False]})  # fmt: skip


def _sgrnas() -> pd.DataFrame:
    return pd.DataFrame({"sgRNA": ["a", "b", "n1", "n2", "n3"], "Gene": ["IRF3", "IRF3", "nt", "nt", "nt"],
                         "control": [False, False, True, True, True], "rho_r1": [1.0, 2, 0, 0.1, -0.2],
                         "rho_r2": [1.1, 1.8, 0.1, -0.1, -0.1], "rho": [1.05, 1.9, 0.05, 0.0, -0.15]})  # fmt: skip


def _tumours() -> pd.DataFrame:
    idx = [f"T{i}" for i in range(6)]
    return pd.DataFrame(
        {"ifn_state": ["acute-competent", "chronic", "ifn-deficient"] * 2,
         "TumorPurity": [0.5, 0.6, 0.7, 0.8, 0.55, 0.65],
         "TumorPurity_ifnaware": [0.52, 0.61, 0.72, 0.79, 0.56, 0.66],
         "ImmuneScore": [100.0, 200, 300, 50, 120, 220], "StromalScore": [10.0, 20, 5, 8, 12, 30],
         "cdkn2a_status": ["neutral", "homozygous", "hemizygous", "neutral", "neutral", "homozygous"]},
        index=idx,
    )  # fmt: skip


def _sc():
    rng = np.random.default_rng(0)
    n = 60
    types = np.array(CELL_TYPES)[np.arange(n) % 3]
    cells = pd.DataFrame({"cell_type": types, "ifn_acute": rng.normal(size=n),
                          "ifn_chronic": rng.normal(size=n), "ifn_gamma": np.nan,
                          "condition": np.where(np.arange(n) < 30, "sham", "RT")})  # fmt: skip
    samples = pd.DataFrame(
        {f"prop_{t}": [1.0 if i == j else 0.0 for j in range(2)] for i, t in enumerate(CELL_TYPES)}
        | {"condition": ["sham", "RT"]},
        index=["s1", "s2"],
    )
    result = SimpleNamespace(cells=cells, samples=samples)  # the two tables the plots read
    adata = SimpleNamespace(obsm={"X_umap": rng.normal(size=(n, 2))})
    return adata, result


# name -> (call drawing on a given Axes or Figure, returns the result; kind the function returns)
def _cases():
    adata, sc = _sc()
    return {
        "outcome.plot_curves": (lambda **k: plot_curves(_curves(), value_col="survival", **k), "ax"),
        "outcome.plot_curves[panel]": (
            lambda **k: plot_curves(_curves(), value_col="survival", panel_col="feature", **k), "fig"),
        "outcome.plot_forest": (lambda **k: plot_forest(_effects(), **k), "ax"),
        "model.plot_timecourses": (lambda **k: model_plots.plot_timecourses(
            _timecourses(), states=("burden", "ifn"), **k), "fig"),
        "model.plot_local_control": (lambda **k: model_plots.plot_local_control(_lc(), **k), "ax"),
        "model.plot_survival": (lambda **k: model_plots.plot_survival(pd.DataFrame(
            {"genotype": "wt", "dose": [2.0, 4.0], "surviving_fraction": [0.5, 0.2]}), **k), "ax"),
        "model.plot_tcd50": (lambda **k: model_plots.plot_tcd50(pd.DataFrame(
            {"dose": [10.0, 20, 30], "tcp_mean": [0.1, 0.5, 0.9]}), -4.0, 0.2, **k), "ax"),
        "screen.volcano_plot": (lambda **k: volcano_plot(_genes(), "rho", **k), "ax"),
        "screen.rank_plot": (lambda **k: rank_plot(_genes(), "rho", **k), "ax"),
        "screen.replicate_plot": (lambda **k: replicate_plot(_sgrnas(), "rho", **k), "ax"),
        "screen.sgrna_plot": (lambda **k: sgrna_plot(_sgrnas(), "IRF3", "rho", **k), "ax"),
        "tumour.plot_score_heatmap": (lambda **k: plot_score_heatmap(_tumours(), **k), "fig"),
        "tumour.plot_purity_by_state": (lambda **k: plot_purity_by_state(_tumours(), **k), "ax"),
        "singlecell.plot_embedding": (lambda **k: plot_embedding(adata, sc, **k), "fig"),
        "singlecell.plot_violins": (lambda **k: plot_violins(sc, **k), "fig"),
        "singlecell.plot_composition": (lambda **k: plot_composition(sc, **k), "ax"),
    }  # fmt: skip


CASES = _cases()


def _drawn(ax: Axes) -> int:
    return len(ax.lines) + len(ax.collections) + len(ax.patches) + len(ax.images)


@pytest.mark.parametrize("name", list(CASES))
def test_draws_on_the_given_axes_or_figure_and_returns_it(name):
    call, kind = CASES[name]
    fig = Figure()
    if kind == "ax":
        ax = fig.add_subplot(1, 1, 1)
        got = call(ax=ax)
        assert got is ax
        assert _drawn(ax) > 0
        assert fig.axes == [ax]  # nothing added beside it
    else:
        got = call(fig=fig)
        assert got is fig
        assert fig.axes and any(_drawn(a) > 0 for a in fig.axes)


@pytest.mark.parametrize("name", list(CASES))
def test_without_ax_returns_a_new_figure_and_writes_nothing(name, tmp_path, monkeypatch):
    import matplotlib

    call, kind = CASES[name]
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    backend = matplotlib.get_backend()
    fignums = plt.get_fignums()
    got = call()
    if kind == "ax":
        assert isinstance(got, Axes) and _drawn(got) > 0
        assert isinstance(got.figure, Figure)
    else:
        assert isinstance(got, Figure) and any(_drawn(a) > 0 for a in got.axes)
    assert list(tmp_path.iterdir()) == []
    assert matplotlib.get_backend() == backend
    # a new figure belongs to no pyplot figure manager (nothing kept in global state)
    assert plt.get_fignums() == fignums


def test_drawn_data_equal_the_input():
    # identities: what is drawn is the input (curves, log10 p, logistic), not something else
    ax = plot_curves(_curves(), value_col="survival")
    a = _curves().query("group == 'a'")
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), a["time"])
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), a["survival"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    g = _genes()
    ax = volcano_plot(g, "rho")
    np.testing.assert_allclose(ax.collections[0].get_offsets(),
                               np.c_[g["rho"], -np.log10(g["rho_p"])])  # fmt: skip
    ax = model_plots.plot_tcd50(
        pd.DataFrame({"dose": [10.0, 30], "tcp_mean": [0.1, 0.9]}), -4.0, 0.2
    )
    x, y = ax.lines[1].get_xdata(), ax.lines[1].get_ydata()
    np.testing.assert_allclose(y, 1 / (1 + np.exp(4.0 - 0.2 * x)))
    ax = plot_forest(_effects(), series_col=None, labels=False)
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["age", "size"]
    # default: model terms in words (tests/outcome/test_plots.py checks the rules)
    ax = plot_forest(_effects(), series_col=None)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Age", "Size"]


def test_axes_carry_units():
    assert "(days)" in model_plots.plot_local_control(_lc()).get_xlabel()
    assert "(Gy)" in model_plots.plot_survival(pd.DataFrame(
        {"genotype": "wt", "dose": [2.0], "surviving_fraction": [0.5]})).get_xlabel()  # fmt: skip
    assert "(Gy)" in model_plots.plot_tcd50(pd.DataFrame({"dose": [1.0, 2], "tcp_mean": [0.2, 0.8]}),
                                            0, 1).get_xlabel()  # fmt: skip
    fig = model_plots.plot_timecourses(_timecourses(), states=("burden",))
    # the unit comes from the model's declaration of the state (burden: cells)
    from ifnexus.model import OBSERVABLES

    unit = {s.name: s.unit for s in OBSERVABLES}["burden"]
    assert fig.axes[0].get_ylabel() == f"burden ({unit})"
    assert "(days)" in fig.axes[0].get_xlabel()


def test_multi_panel_refuses_a_single_axes():
    ax = Figure().add_subplot(1, 1, 1)
    with pytest.raises(ValidationError, match="fig="):
        plot_curves(_curves(), value_col="survival", panel_col="feature", ax=ax)
    with pytest.raises(ValidationError, match="'survival'"):
        plot_curves(_curves().drop(columns="survival"), value_col="survival")


def test_plot_embedding_without_embedding_says_so():
    _, sc = _sc()
    with pytest.raises(ValidationError, match="X_umap"):
        plot_embedding(SimpleNamespace(obsm={}), sc)


# ---------------------------------------------------------------------------------------------
# the old signatures that took a path still work for one release, with a FutureWarning

OLD_PATH_CALLS = {
    "plot_curves": lambda p: plot_curves(_curves(), p, value_col="survival"),
    "plot_forest": lambda p: plot_forest(_effects(), p),
    "plot_timecourses": lambda p: model_plots.plot_timecourses(_timecourses(), p, states=("burden",)),
    "plot_local_control": lambda p: model_plots.plot_local_control(_lc(), p, title="t"),
    "plot_survival": lambda p: model_plots.plot_survival(pd.DataFrame(
        {"genotype": "wt", "dose": [2.0], "surviving_fraction": [0.5]}), p),
    "plot_tcd50": lambda p: model_plots.plot_tcd50(pd.DataFrame(
        {"dose": [1.0, 2], "tcp_mean": [0.2, 0.8]}), 0, 1, p),
    "plot_score_heatmap": lambda p: plot_score_heatmap(_tumours(), p),
    "plot_purity_by_state": lambda p: plot_purity_by_state(_tumours(), p),
    "plot_embedding": lambda p: plot_embedding(_sc()[0], _sc()[1], p),
    "plot_violins": lambda p: plot_violins(_sc()[1], p),
    "plot_composition": lambda p: plot_composition(_sc()[1], p),
}  # fmt: skip


@pytest.mark.parametrize("name", list(OLD_PATH_CALLS))
def test_old_path_argument_saves_and_warns(name, tmp_path):
    path = tmp_path / "sub" / f"{name}.png"
    with pytest.warns(FutureWarning, match=f"{name}\\(\\.\\.\\., path\\) is deprecated") as rec:
        got = OLD_PATH_CALLS[name](path)
    assert {Path(w.filename) for w in rec} == {Path(__file__)}  # points at the caller's line
    assert got == path
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_old_plot_embedding_without_embedding_still_returns_none(tmp_path):
    _, sc = _sc()
    assert plot_embedding(SimpleNamespace(obsm={}), sc, tmp_path / "e.png") is None
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# save_figure: the one helper callers save with


def test_save_figure_writes_the_format_of_the_suffix_atomically(tmp_path):
    ax = plot_forest(_effects())
    assert save_figure(ax, tmp_path / "a" / "f.png") == tmp_path / "a" / "f.png"
    assert (tmp_path / "a" / "f.png").read_bytes()[:8] == PNG_MAGIC
    save_figure(ax.figure, tmp_path / "f.svg")
    assert b"<svg" in (tmp_path / "f.svg").read_bytes()[:400]
    save_figure(ax, tmp_path / "f.pdf")
    assert (tmp_path / "f.pdf").read_bytes()[:5] == b"%PDF-"
    with pytest.raises(ValidationError, match=r"suffix '\.csv'"):
        save_figure(ax, tmp_path / "f.csv")
    with pytest.raises(ValidationError, match="Figure or Axes"):
        save_figure("not a figure", tmp_path / "g.png")  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "f.pdf", "f.svg"]


def test_write_figures_takes_axes_and_figures(tmp_path):
    paths = write_figures(
        tmp_path, {"v": volcano_plot(_genes(), "rho"), "h": plot_score_heatmap(_tumours())}
    )
    assert [p.name for p in paths] == ["v.png", "h.png"]
    assert all(p.read_bytes()[:8] == PNG_MAGIC for p in paths)


# ---------------------------------------------------------------------------------------------
# no matplotlib.use() anywhere: importing the package and drawing leave the backend alone

_BACKEND_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import matplotlib
    if sys.argv[1] == "use":
        matplotlib.use("svg")
    before = matplotlib.get_backend()
    import ifnexus, ifnexus.report, ifnexus.report._figures
    import ifnexus.model._plots, ifnexus.outcome._plots, ifnexus.screen._plots
    import ifnexus.tumour._plots, ifnexus.singlecell._plots, ifnexus._figures
    import ifnexus.cli
    after_import = matplotlib.get_backend()
    import pandas as pd
    from ifnexus.outcome import plot_forest
    from ifnexus._figures import save_figure
    ax = plot_forest(pd.DataFrame({"term": ["x"], "ratio": [1.5], "lower": [1.0], "upper": [2.0]}),
                     series_col=None)
    save_figure(ax, sys.argv[2])
    print(json.dumps({"before": before, "after_import": after_import,
                      "after_draw": matplotlib.get_backend()}))
    """
)


@pytest.mark.parametrize("how", ["env", "use"])
def test_importing_and_drawing_keep_the_callers_backend(how, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("MPLBACKEND", None)
    if how == "env":
        env["MPLBACKEND"] = "svg"
    out = tmp_path / "f.png"
    r = subprocess.run([sys.executable, "-c", _BACKEND_SCRIPT, how, str(out)], env=env,
                       capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got == {"before": "svg", "after_import": "svg", "after_draw": "svg"}
    assert out.read_bytes()[:8] == PNG_MAGIC  # a PNG is written whatever the backend


def test_no_matplotlib_use_in_the_package():
    """No call of ``matplotlib.use`` (or ``pyplot.switch_backend``) anywhere in the source."""
    import ast

    hits = []
    for path in sorted((SRC / "ifnexus").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in ("use", "switch_backend") and ast.unparse(node.func.value) in (
                    "matplotlib", "mpl", "plt", "pyplot", "matplotlib.pyplot"
                ):  # fmt: skip
                    hits.append(f"{path.relative_to(SRC)}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and node.module == "matplotlib":
                hits += [
                    f"{path.relative_to(SRC)}:{node.lineno}" for a in node.names if a.name == "use"
                ]
    assert hits == []


# ---------------------------------------------------------------------------------------------
# the CLI still writes the same PNG file names, and its figure is the library's figure


def _pngs(d: Path) -> set[str]:
    return {p.name for p in d.rglob("*.png")}


def test_model_cli_writes_the_same_png_names_and_the_library_figure(tmp_path, capsys):
    from ifnexus.cli import main
    from ifnexus.model import in_vitro_curves, parse_dose_grid, tcd50

    assert (
        main(
            [
                "simulate",
                "--in-vitro",
                "--doses",
                "2,4",
                "--setting",
                "patient",
                "--out",
                str(tmp_path / "iv"),
            ]
        )
        == 0
    )
    assert _pngs(tmp_path / "iv") == {"survival.png"}
    # identity: the CLI's figure is save_figure(plot_survival(in_vitro_curves(...)))
    df = in_vitro_curves(parse_dose_grid("2,4", min_doses=1), genotypes=[None], setting="patient",
                         days=14.0, interventions=[])  # fmt: skip
    save_figure(model_plots.plot_survival(df), tmp_path / "lib_survival.png")
    assert (tmp_path / "iv" / "survival.png").read_bytes() == (
        tmp_path / "lib_survival.png"
    ).read_bytes()

    argv = ["simulate", "tcd50", "--doses", "10:40:10", "--patients", "20", "--seed", "1",
            "--out", str(tmp_path / "t")]  # fmt: skip
    assert main(argv) == 0
    assert _pngs(tmp_path / "t") == {"tcd50.png"}
    res = tcd50(parse_dose_grid("10:40:10"), fractions=1, setting="mouse", n_patients=20, rng=1,
                genotype=None, host=None, interventions=[], days=None, disease="gross")  # fmt: skip
    save_figure(model_plots.plot_tcd50(res.table, res.b0, res.b1), tmp_path / "lib_tcd50.png")
    assert (tmp_path / "t" / "tcd50.png").read_bytes() == (tmp_path / "lib_tcd50.png").read_bytes()
    capsys.readouterr()


def test_outcome_cli_writes_the_same_png_names(shared, tmp_path, capsys):
    from ifnexus.cli import main

    rossi = str(shared("reference", "survival", "rossi.csv"))
    base = ["--data", rossi, "--time", "week", "--event", "arrest"]
    assert main(["outcome", "km", *base, "--out", str(tmp_path / "km")]) == 0
    assert _pngs(tmp_path / "km") == {"km.png"}
    assert (
        main(["outcome", "cox", *base, "--covariates", "fin,age", "--out", str(tmp_path / "cox")])
        == 0
    )
    assert _pngs(tmp_path / "cox") == {"forest.png"}
    assert (
        main(
            [
                "outcome",
                "cif",
                *base,
                "--cause",
                "1",
                "--group",
                "fin",
                "--out",
                str(tmp_path / "cif"),
            ]
        )
        == 0
    )
    assert _pngs(tmp_path / "cif") == {"cif.png"}
    for d in ("km", "cox", "cif"):
        for p in (tmp_path / d).glob("*.png"):
            assert p.read_bytes()[:8] == PNG_MAGIC
    capsys.readouterr()


def test_model_plots_are_public():
    import ifnexus.model as model

    for name in ("plot_local_control", "plot_survival", "plot_tcd50", "plot_timecourses"):
        assert name in model.__all__
        assert getattr(model, name) is getattr(model_plots, name)


def test_screen_phenotype_cli_writes_the_library_figure_set(tmp_path, capsys):
    import importlib.util

    from ifnexus.cli import main
    from ifnexus.screen import phenotype_figures, phenotypes, read_counts

    spec = importlib.util.spec_from_file_location(
        "screen_cli_data", Path(__file__).parent / "screen" / "test_cli_screen.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    k = tmp_path / "counts.txt"
    mod._screen_table(k)
    design = dict(t0="T0_1,T0_2", untreated="U_1,U_2", treated="IR_1,IR_2",
                  doublings={"gamma": [8.0], "tau": [5.0], "rho": [3.0]})  # fmt: skip
    argv = ["screen", "phenotype", "-k", str(k), "--t0", design["t0"], "--untreated", "U_1,U_2",
            "--treated", "IR_1,IR_2", "--doublings", "gamma=8,tau=5,rho=3", "--seed", "0",
            "--plot-gene", "STING1", "--out", str(tmp_path / "ph")]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    res = phenotypes(read_counts(k), control_gene="non-targeting", rng=0, **design)
    figs = phenotype_figures(res.genes, res.sgrnas, plot_genes=["STING1"])
    assert _pngs(tmp_path / "ph") == {f"{name}.png" for name in figs}
    assert {"volcano_rho.png", "replicates_rho.png", "sgrnas_STING1.png"} <= _pngs(tmp_path / "ph")
    # identity: the CLI's volcano is the library's, saved through the same helper
    save_figure(figs["volcano_rho"], tmp_path / "lib.png")
    assert (tmp_path / "ph" / "volcano_rho.png").read_bytes() == (tmp_path / "lib.png").read_bytes()


def test_screen_gene_labels_do_not_overlap():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    # five labelled IFN-axis genes on almost the same spot, as in a strong screen
    g = pd.DataFrame({"gene": ["CGAS", "IRF3", "IFNAR1", "STAT1", "STING1", "GAPDH"],
                      "rho": [0.49, 0.491, 0.492, 0.495, 0.493, 0.0],
                      "rho_p": [1.2e-4, 1.25e-4, 1.3e-4, 1.2e-4, 1.28e-4, 0.5]})  # fmt: skip
    for ax in (volcano_plot(g, "rho"), rank_plot(g, "rho")):
        canvas = FigureCanvasAgg(ax.figure)
        canvas.draw()
        renderer = canvas.get_renderer()
        # the text itself, without the leader line of an Annotation
        boxes = [Text.get_window_extent(t, renderer) for t in ax.texts]
        assert len(boxes) == 5
        for i in range(len(boxes)):
            for j in range(i):
                assert not boxes[i].overlaps(boxes[j]), (
                    ax.texts[i].get_text(),
                    ax.texts[j].get_text(),
                )


def test_purity_by_state_says_which_box_is_which():
    ax = plot_purity_by_state(_tumours())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "ESTIMATE purity",
        "IFN-aware purity",
    ]
    assert ax.get_xlabel() == "IFN state"
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "acute-competent",
        "chronic",
        "ifn-deficient",
    ]


def test_score_heatmap_key_names_every_state_and_copy_number_call():
    from ifnexus.tumour._plots import CN_COLOURS, STATE_COLOURS

    fig = plot_score_heatmap(_tumours())
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == list(STATE_COLOURS) + [f"CN {k}" for k in CN_COLOURS]
    assert fig.axes[0].get_yticklabels()[0].get_text() == "IFN state"
