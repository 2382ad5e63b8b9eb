"""API conventions across the public surface: every name in each package's ``__all__``.

The conventions (``../shared/design/STYLE.md``, "Conventions for ifnexus", items 3, 10, 11):

- functions take at most ``MAX_POSITIONAL`` positional parameters (the data); options are
  keyword-only;
- every public function and class has a numpy-style docstring: a summary line, a ``Parameters``
  section listing every parameter when it takes any (``Attributes`` also serves a record class),
  and, for functions, a ``Returns`` (or ``Yields``) section unless it returns ``None``;
- every parameter and the return of a public function is annotated;
- public constants are immutable: tuples, frozensets, read-only mappings (``MappingProxyType``),
  never a ``dict``, ``list`` or ``set`` that a caller could change for everyone.

Deprecated aliases (their docstring says "Deprecated") are exempt: they only forward. Known
violations that are still being fixed are listed in ``KNOWN`` and run as ``xfail`` (not strict:
a fixed one passes and should then be removed from the list).
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import re
import types
from collections.abc import Callable, Mapping
from typing import Any

import pytest

PACKAGES = (
    "ifnexus",
    "ifnexus.errors",
    "ifnexus.genesets",
    "ifnexus.scoring",
    "ifnexus.screen",
    "ifnexus.singlecell",
    "ifnexus.tumour",
    "ifnexus.outcome",
    "ifnexus.model",
    "ifnexus.study",
    "ifnexus.report",
    "ifnexus.fit",
    "ifnexus.trial",
    "ifnexus.sensitivity",
    "ifnexus.serve",
)
#: Positional parameters a public function may take (one to three data arguments).
MAX_POSITIONAL = 3

#: Functions whose leading positional parameters are all data, in the lifelines shape: a frame
#: and the names of its duration, event and group (or feature) columns.
LIFELINES_SHAPE = {
    "ifnexus.outcome.feature_effects",
    "ifnexus.outcome.gray_test",
    "ifnexus.outcome.logrank_test",
}

#: Result records with a hand-written constructor (lazy tables), built only by the library.
RECORDS = {"ifnexus.screen.CountResult"}

#: Known violations, by check: why each still fails. Each runs as a non-strict xfail; remove a
#: name once it is fixed.
_DOC_REASON = "docstring lacks a numpy Parameters (listing every parameter) or Returns section"
_KNOWN_BY_CHECK: dict[str, tuple[str, tuple[str, ...]]] = {
    "positional": (
        "low-level model kernels over several per-patient arrays (sample_failure, ifn_summary) "
        "and plot_tcd50, whose deprecated positional path= is kept for one release",
        (
            "ifnexus.model.ifn_summary",
            "ifnexus.model.sample_failure",
            "ifnexus.model.plot_tcd50",
        ),
    ),
    "docstring": (
        _DOC_REASON,
        (),
    ),
    "annotations": (
        "parameters or return not annotated yet",
        (),
    ),
}
KNOWN: dict[tuple[str, str], str] = {
    (name, check): reason for check, (reason, names) in _KNOWN_BY_CHECK.items() for name in names
}


def _public() -> list[tuple[str, Any]]:
    seen: dict[int, str] = {}
    out = []
    for pkg in PACKAGES:
        mod = importlib.import_module(pkg)
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            if id(obj) in seen and not isinstance(obj, (str, int, float, tuple)):
                continue  # re-exported by a second package: checked once
            seen[id(obj)] = name
            out.append((f"{pkg}.{name}", obj))
    return out


PUBLIC = _public()
FUNCTIONS = [(q, o) for q, o in PUBLIC if inspect.isfunction(o)]
CLASSES = [(q, o) for q, o in PUBLIC if inspect.isclass(o)]
CONSTANTS = [(q, o) for q, o in PUBLIC if not callable(o) and not inspect.ismodule(o)]


def _methods() -> list[tuple[str, Any]]:
    """Public methods defined by the public classes (errors and enums have none of their own)."""
    out = []
    for q, cls in CLASSES:
        if issubclass(cls, (BaseException, enum.Enum)):
            continue
        for name, member in vars(cls).items():
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if not name.startswith("_") and inspect.isfunction(member):
                out.append((f"{q}.{name}", member))
    return out


METHODS = _methods()


def _deprecated(obj: Any) -> bool:
    """A deprecated alias: its summary paragraph says "deprecated"."""
    doc = inspect.getdoc(obj) or ""
    return "deprecated" in doc.split("\n\n")[0].lower() or ".. deprecated::" in doc


def _section(doc: str, title: str) -> str | None:
    """The body of a numpydoc section (``title`` underlined by dashes), or None."""
    m = re.search(
        rf"^{title}\n-{{{len(title)}}}\n(.*?)(?=^\S[^\n]*\n-{{3,}}\n|\Z)", doc, re.M | re.S
    )
    return m.group(1) if m else None


def _documented(section: str) -> set[str]:
    """Names a Parameters section documents: ``name``, ``name : type``, ``a, b : type``, ``*args``."""
    names: set[str] = set()
    for line in section.splitlines():
        if line and not line[0].isspace():
            head = line.split(" : ")[0]
            names.update(n.strip().lstrip("*") for n in head.split(","))
    return names


def _params(func: Callable[..., Any], *, skip_self: bool = False) -> list[inspect.Parameter]:
    ps = list(inspect.signature(func).parameters.values())
    return ps[1:] if skip_self and ps else ps


def _case(qualname: str, check: str) -> Any:
    reason = KNOWN.get((qualname, check))
    marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
    return pytest.param(qualname, id=f"{qualname}:{check}", marks=marks)


def _cases(items: list[tuple[str, Any]], check: str) -> list[Any]:
    return [_case(q, check) for q, o in items if not _deprecated(o)]


_BY_NAME = dict(PUBLIC) | dict(METHODS)


def _check_positional(qualname: str, func: Callable[..., Any], *, skip_self: bool) -> None:
    positional = [
        p.name
        for p in _params(func, skip_self=skip_self)
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    assert len(positional) <= MAX_POSITIONAL, (
        f"{qualname} takes {len(positional)} positional parameters {positional}: keep the data "
        f"(at most {MAX_POSITIONAL}) positional and make the options keyword-only (add '*,')"
    )


def _check_docstring(
    qualname: str, obj: Any, func: Callable[..., Any], *, is_class: bool, skip_self: bool = False
) -> None:
    doc = inspect.getdoc(obj)
    assert doc and doc.strip(), f"{qualname} has no docstring"
    params = [p.name for p in _params(func, skip_self=is_class or skip_self)]
    if params:
        section = _section(doc, "Parameters")
        if section is None and is_class:
            section = _section(doc, "Attributes")
        assert section is not None, f"{qualname}: no 'Parameters' section for {params}"
        missing = [p for p in params if p not in _documented(section)]
        assert not missing, f"{qualname}: parameters not documented: {missing}"
    if not is_class:
        returns_none = inspect.signature(func).return_annotation in (None, "None")
        if not returns_none:
            assert _section(doc, "Returns") is not None or _section(doc, "Yields") is not None, (
                f"{qualname}: no 'Returns' section"
            )


_METHOD_NAMES = {q for q, _ in METHODS}


def _is_method(qualname: str) -> bool:
    return qualname in _METHOD_NAMES


@pytest.mark.parametrize("qualname", _cases(FUNCTIONS + METHODS, "positional"))
def test_functions_keep_options_keyword_only(qualname: str) -> None:
    func = _BY_NAME[qualname]
    if qualname in LIFELINES_SHAPE:
        _frame, *columns = _params(func)[:4]
        assert all(p.name.endswith("_col") or p.name == "features" for p in columns), qualname
        return
    _check_positional(qualname, func, skip_self=_is_method(qualname))


@pytest.mark.parametrize("qualname", _cases(FUNCTIONS + METHODS, "docstring"))
def test_functions_have_numpy_docstrings(qualname: str) -> None:
    func = _BY_NAME[qualname]
    _check_docstring(qualname, func, func, is_class=False, skip_self=_is_method(qualname))


@pytest.mark.parametrize("qualname", _cases(FUNCTIONS + METHODS, "annotations"))
def test_functions_are_annotated(qualname: str) -> None:
    func = _BY_NAME[qualname]
    sig = inspect.signature(func)
    params = _params(func, skip_self=_is_method(qualname))
    missing = [p.name for p in params if p.annotation is inspect.Parameter.empty]
    assert not missing, f"{qualname}: parameters without a type annotation: {missing}"
    assert sig.return_annotation is not inspect.Signature.empty, f"{qualname}: no return annotation"


def _init(cls: type) -> Callable[..., Any] | None:
    """The class's own constructor, or None when it only inherits one (errors, enums)."""
    if issubclass(cls, (BaseException, enum.Enum)):
        return None
    for klass in cls.__mro__:
        if klass is object:
            return None
        if "__init__" in vars(klass):
            return klass.__init__
    return None


@pytest.mark.parametrize("qualname", _cases(CLASSES, "docstring"))
def test_classes_have_numpy_docstrings(qualname: str) -> None:
    cls = _BY_NAME[qualname]
    init = _init(cls)
    if init is None:
        doc = inspect.getdoc(cls)
        assert doc and doc.strip(), f"{qualname} has no docstring"
        return
    _check_docstring(qualname, cls, init, is_class=True)


@pytest.mark.parametrize("qualname", _cases(CLASSES, "positional"))
def test_class_constructors_keep_options_keyword_only(qualname: str) -> None:
    cls = _BY_NAME[qualname]
    init = _init(cls)
    # A record's fields are all its data (results the library builds), not options.
    if init is not None and not dataclasses.is_dataclass(cls) and qualname not in RECORDS:
        _check_positional(qualname, init, skip_self=True)


_MUTABLE = (dict, list, set, bytearray)


def _mutable_inside(value: Any, path: str) -> list[str]:
    if isinstance(value, _MUTABLE):
        return [f"{path} is a {type(value).__name__}"]
    found: list[str] = []
    if isinstance(value, Mapping):
        if not isinstance(value, types.MappingProxyType):
            found.append(f"{path} is a {type(value).__name__}, not a read-only mapping")
        for key, item in value.items():
            found += _mutable_inside(item, f"{path}[{key!r}]")
    elif isinstance(value, (tuple, frozenset)):
        for i, item in enumerate(value):
            found += _mutable_inside(item, f"{path}[{i}]")
    return found


@pytest.mark.parametrize("qualname", _cases(CONSTANTS, "immutable"))
def test_public_constants_are_immutable(qualname: str) -> None:
    problems = _mutable_inside(_BY_NAME[qualname], qualname)
    assert not problems, "; ".join(problems)


def test_the_surface_is_walked() -> None:
    # Guard against a walk that silently finds nothing (e.g. an __all__ renamed).
    assert len(FUNCTIONS) > 100
    assert len(CLASSES) > 20
    assert any(q.endswith(".GENOTYPES") for q, _ in CONSTANTS)
    for pkg in PACKAGES:
        assert hasattr(importlib.import_module(pkg), "__all__"), f"{pkg} has no __all__"
