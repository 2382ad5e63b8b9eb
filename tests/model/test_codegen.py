"""The generated modules are current, and a state added to the declaration reaches every output."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pytest

sp = pytest.importorskip("sympy")

from ifnexus.model._codegen import GENERATED, generate  # noqa: E402
from ifnexus.model._equations import MODEL, StateDecl, par  # noqa: E402

HERE = Path(__file__).resolve().parents[2] / "src" / "ifnexus" / "model"


def test_committed_generated_modules_equal_the_generator():
    out = generate()
    assert set(out) == set(GENERATED)
    for name, text in out.items():
        assert (HERE / name).read_text(encoding="utf-8") == text, (
            f"src/ifnexus/model/{name} is stale; run python tools/generate_model.py"
        )


def _cached_jit(decorator: ast.expr) -> bool:
    """``@nb.njit(..., cache=True, ...)`` (or ``jit``)."""
    return (
        isinstance(decorator, ast.Call)
        and (ast.unparse(decorator.func).split(".")[-1] in ("njit", "jit"))
        and any(
            k.arg == "cache" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in decorator.keywords
        )
    )


def _cached_function_dependencies() -> dict[Path, set[Path]]:
    """Per module of the package with cache=True numba functions: the package's modules whose
    names (functions to inline, constants) those functions use."""
    package = HERE.parent
    out: dict[Path, set[Path]] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        cached = [
            f
            for f in tree.body
            if isinstance(f, ast.FunctionDef) and any(map(_cached_jit, f.decorator_list))
        ]
        if not cached:
            continue
        imported: dict[str, str] = {}  # local name -> module
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ifnexus"):
                imported |= {a.asname or a.name: str(node.module) for a in node.names}
            elif isinstance(node, ast.Import):
                imported |= {
                    a.asname or a.name: a.name for a in node.names if a.name.startswith("ifnexus")
                }
        used = {n.id for f in cached for n in ast.walk(f) if isinstance(n, ast.Name)}
        out[path] = {
            package.parent.joinpath(*imported[name].split(".")).with_suffix(".py")
            for name in used & set(imported)
        }
    return out


def test_every_cached_numba_function_records_the_files_it_depends_on():
    """numba's cache of a function sees changes to its own file only: every other file that a
    cached function inlines or reads must be in CACHE_DEPENDENCIES (with its own dependencies)."""
    from ifnexus.model._codegen import CACHE_DEPENDENCIES

    found = _cached_function_dependencies()
    assert HERE / "_kernel.py" in found and HERE / "_kernel_math.py" in found  # the scan works
    assert found[HERE / "_generated_kernel.py"] == {HERE / "_kernel_math.py"}
    for path, deps in found.items():
        if not deps:
            continue
        assert path.parent == HERE and path.name in CACHE_DEPENDENCIES, (
            f"{path} has cache=True numba functions that use {sorted(map(str, deps))}: list them "
            "in ifnexus.model._codegen.CACHE_DEPENDENCIES and give it a _CACHE_DIGEST"
        )
        closure, todo = set(), set(deps)
        while todo:
            d = todo.pop()
            closure.add(d)
            todo |= found.get(d, set()) - closure
        assert {HERE / n for n in CACHE_DEPENDENCIES[path.name]} >= closure, path


def test_every_cache_digest_is_current():
    """numba recompiles a cached module only when its file changes: it must record its inputs."""
    import importlib

    from ifnexus.model._codegen import CACHE_DEPENDENCIES, cache_digest

    for name in CACHE_DEPENDENCIES:
        module = importlib.import_module(f"ifnexus.model.{name.removesuffix('.py')}")
        assert module._CACHE_DIGEST == cache_digest(name), (
            f"src/ifnexus/model/{name} has a stale _CACHE_DIGEST; run python "
            "tools/generate_model.py"
        )


def test_an_edit_of_kernel_math_changes_every_dependant_digest(tmp_path, monkeypatch):
    """A change of _kernel_math.py alone (no regenerated forcing) changes both digests."""
    from ifnexus.model import _codegen

    before = {n: _codegen.cache_digest(n) for n in _codegen.CACHE_DEPENDENCIES}
    for name in ("_kernel_math.py", "_generated_kernel.py"):
        (tmp_path / name).write_text((HERE / name).read_text(encoding="utf-8"), encoding="utf-8")
    with (tmp_path / "_kernel_math.py").open("a", encoding="utf-8") as fh:
        fh.write("\n# edited\n")
    monkeypatch.setattr(_codegen, "_HERE", tmp_path)
    after = {n: _codegen.cache_digest(n) for n in _codegen.CACHE_DEPENDENCIES}
    assert all(after[n] != before[n] for n in before)
    assert (
        f'_CACHE_DIGEST = "{after["_generated_kernel.py"]}"'
        in _codegen.generate()["_generated_kernel.py"]
    )


def _toy_model():
    """The declaration plus one state: a first-order tracer of the acute signal, W' = k (A - W)."""
    A = sp.Symbol("A", real=True)
    W = sp.Symbol("Wtoy", real=True)
    k = par("k_F")
    toy = StateDecl(
        "toy_tracer", "Wtoy", "W_{toy}", "1", "toy tracer of the acute signal",
        forcing=k * A, decay=k, jump=W * sp.Rational(1, 2), initial=sp.Integer(0),
        title="toy tracer",
    )  # fmt: skip
    return dataclasses.replace(MODEL, states=(*MODEL.states, toy))


def test_one_edit_of_the_declaration_reaches_every_output():
    """A new state appears in the kernel, the reference, the SBML formulas and the docs."""
    from ifnexus.model._codegen import kernel_rows

    out = generate(_toy_model())
    n = len(MODEL.states)
    row = kernel_rows(_toy_model())[n]  # its row in the kernel's buffer
    kernel, ref, exports = (out[k] for k in GENERATED)
    assert f"NS = {n + 1}" in kernel and f"buf[fr + {row} * W + lane]" in kernel
    assert f"buf[_Z + {row} * W + lane] = ((1.0 / 2.0))*x_Wtoy" in kernel  # its fraction jump
    assert f"NS = {n + 1}" in ref and f"out[{n}] = " in ref and f"z[{n}] = " in ref
    ns: dict = {}
    exec(compile(exports, "<exports>", "exec"), ns)  # noqa: S102  (our own generated text)
    assert ("toy_tracer", "Wtoy") in ns["SBML_SYMBOLS"]
    names = {s: sp.Symbol(s, real=True) for s in ("A", "Wtoy", "k_F")}
    rate = sp.parse_expr(dict(ns["SBML_RATES"])["Wtoy"], local_dict=names)
    assert sp.simplify(rate - names["k_F"] * (names["A"] - names["Wtoy"])) == 0
    jump = sp.parse_expr(dict(ns["SBML_FRACTION"])["Wtoy"], local_dict=names)
    assert sp.simplify(jump - names["Wtoy"] / 2) == 0
    assert any("W_{toy}" in eq for _, eq in ns["EQUATIONS"])


def test_the_toy_state_integrates_as_declared():
    """The generated reference with the toy state: its forcing and jump are the declared ones."""
    ns: dict = {}
    exec(compile(generate(_toy_model())["_generated_reference.py"], "<ref>", "exec"), ns)  # noqa: S102
    from ifnexus.model import tumour_model

    m = tumour_model("8Gy x1", setting="mouse", days=10)
    z = ns["initial_state"](m.p, m.q, 3, 1.0)
    z[-1] = [0.2, 0.4, 0.8]
    drive = (0.5, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    f = ns["forcing"](z, m.p, m.q, *drive)
    a = ns["signals"](z, m.p, m.q, *drive)["A"]
    np.testing.assert_allclose(f[-1], m.p["k_F"] * a, rtol=1e-14)
    np.testing.assert_allclose(ns["decay_rates"](m.p)[-1], m.p["k_F"])
    ns["apply_fraction"](z, np.asarray(8.0), 0.0, m.p, m.q)
    np.testing.assert_allclose(z[-1], [0.1, 0.2, 0.4])


def test_the_toy_kernel_computes_the_toy_reference(tmp_path):
    """The compiled forcing and fraction generated with the toy state equal the numpy ones."""
    import importlib.util
    import sys

    from ifnexus.model import tumour_model

    out = generate(_toy_model())
    path = tmp_path / "toy_generated_kernel.py"
    path.write_text(out["_generated_kernel.py"], encoding="utf-8")
    spec = importlib.util.spec_from_file_location("toy_generated_kernel", path)
    assert spec is not None and spec.loader is not None
    k = importlib.util.module_from_spec(spec)
    sys.modules["toy_generated_kernel"] = k
    try:
        spec.loader.exec_module(k)
    finally:
        del sys.modules["toy_generated_kernel"]
    ref: dict = {}
    exec(compile(out["_generated_reference.py"], "<ref>", "exec"), ref)  # noqa: S102
    m = tumour_model("8Gy x1", setting="mouse", days=10)
    z = ref["initial_state"](m.p, m.q, 1, 1.0)
    z[1:5, 0] = [1e6, 2e6, 3e6, 4e6]
    z[6, 0], z[-1, 0] = 0.4, 0.3  # cytosolic DNA, the toy state
    W = k.W
    rows = list(k.KROW)  # kernel row of each state
    buf = np.zeros(k._ROWS * W)
    for s in range(k.NS):
        buf[k._Z + rows[s] * W : k._Z + (rows[s] + 1) * W] = z[s, 0]
    for j, name in enumerate(k.Q_NAMES):
        buf[(k._QR + j) * W : (k._QR + j + 1) * W] = float(np.ravel(m.q[name])[0])
    P = np.array([m.p[n] for n in k.P_NAMES])
    drive = (0.5, 0.2, 0.1, 0.3, 0.4, 1.0, 1.0, 0.6, 0.05, 0.7, 0.8, 0.9)  # g, o, blk, ..., ox40
    k._force(buf, k._Z, k._FU, P, *drive)
    want = ref["forcing"](z, m.p, m.q, *drive)[:, 0]
    got = buf[k._FU : k._FU + k.NS * W : W][rows]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)
    # without a second lesion (m.p: second_lesion 0) the short forcing gives the same numbers
    # for every state it integrates (all but the held second-lesion clonogens)
    assert m.p["second_lesion"] == 0.0 and k.FROZEN == (list(MODEL.states).index(
        next(s for s in MODEL.states if s.name == "lesion2")),)  # fmt: skip
    buf[k._FU : k._FU + k.NS * W] = np.nan
    k._force_off(buf, k._Z, k._FU, P, *drive)
    got_off = buf[k._FU : k._FU + k.NS * W : W][rows]
    live = [s for s in range(k.NS) if s not in k.FROZEN]
    np.testing.assert_array_equal(got_off[live], got[live])
    assert np.isnan(got_off[list(k.FROZEN)]).all()  # not written
    k._fraction(buf, 0, 8.0, 1.5, P)
    ref["apply_fraction"](z, np.asarray(8.0), 1.5, m.p, m.q)
    np.testing.assert_allclose(buf[k._Z : k._Z + k.NS * W : W][rows], z[:, 0], rtol=1e-12)
