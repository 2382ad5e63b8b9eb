"""Parameter overrides from a TOML file, and the record of the values a run used.

A parameter file holds ``name = number`` lines (any parameter of :data:`PARAMETERS`, in its
unit, see ``ifnexus simulate params``). Top-level lines apply to both settings; a ``[mouse]``
or ``[patient]`` table applies to that setting only and wins over a top-level line::

    # overrides for ifnexus simulate --params FILE
    alpha_cv = 0.3

    [patient]
    r = 0.05          # 1/d: clonogen doubling time ln 2 / r = 14 d
    p_residual_r1 = 0.5

Every value is checked against its declared range (:meth:`Parameter.check`) and the ranges
that involve two parameters (:func:`~ifnexus.model._params.check_values`); an unknown name is
refused with the closest known names. Messages name the file and the TOML line (the standard
library's :mod:`tomllib` reports positions only for syntax errors, so the line of a key is
found by scanning the text for its table header and ``name =`` line).

:meth:`ParameterSet.to_toml` writes every value of a setting in the same format, one per
line with its unit and meaning, so that the ``params_used.toml`` of a run can be given back to
``--params`` and reproduces it.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ifnexus._textfile import read_toml
from ifnexus.errors import UnknownNameError, ValidationError
from ifnexus.model._params import PARAMETERS, SETTINGS, check_values, parameters

__all__ = ["ParameterSet", "read_params"]

_BY_NAME = {p.name: p for p in PARAMETERS}


def _line_of(text: str | None, table: str | None, key: str) -> int | None:
    """1-based line of ``key =`` in ``[table]`` (top level when ``table`` is None), or None."""
    if text is None:
        return None
    current: str | None = None
    pat = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=")
    for i, line in enumerate(text.splitlines(), start=1):
        m = re.match(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$", line)
        if m:
            current = m.group(1).strip().strip("\"'")
            continue
        if current == table and pat.match(line):
            return i
    return None


def _where(source: str | None, line: int | None) -> str:
    if source is None:
        return ""
    return f"{source}, line {line}: " if line else f"{source}: "


def _suggest(name: str) -> str:
    close = difflib.get_close_matches(name, list(_BY_NAME), n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    return f"{hint}(`ifnexus simulate params` lists every parameter)"


def _check_one(name: str, value: Any, where: str) -> float:
    if name not in _BY_NAME:
        raise UnknownNameError(f"{where}unknown model parameter {name!r}; {_suggest(name)}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        par = _BY_NAME[name]
        raise ValidationError(
            f"{where}parameter {name!r} must be a number in {par.range_text} ({par.unit}), "
            f"got {value!r}"
        )
    try:
        return _BY_NAME[name].check(value)
    except ValidationError as exc:
        raise ValidationError(f"{where}{exc}") from None


@dataclass(frozen=True)
class ParameterSet:
    """The parameter values of one setting: the declared ones with overrides.

    Build it with :meth:`from_toml` (a ``--params`` file), :meth:`from_dict` or
    ``ParameterSet(setting)`` (no overrides); pass ``overrides`` as ``params=`` to
    :func:`~ifnexus.model.simulate_cohort` (or the set itself).

    Attributes
    ----------
    setting
        ``"patient"`` or ``"mouse"``.
    overrides
        Parameter values by name that replace the declared ones (checked).
    source
        The file the overrides came from (``None`` when built in Python).
    """

    setting: str = "patient"
    overrides: Mapping[str, float] = field(default_factory=dict)
    source: str | None = None

    def __post_init__(self) -> None:
        if self.setting not in SETTINGS:
            raise UnknownNameError(
                f"unknown setting {self.setting!r}; accepted: {', '.join(SETTINGS)}"
            )
        where = _where(self.source, None)
        checked = {k: _check_one(k, v, where) for k, v in dict(self.overrides).items()}
        try:
            check_values(parameters(self.setting) | checked)
        except ValidationError as exc:
            raise ValidationError(f"{where}{exc}") from None
        object.__setattr__(self, "overrides", checked)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], setting: str = "patient", *, source: str | None = None,
        text: str | None = None,
    ) -> ParameterSet:  # fmt: skip
        """Build the set of ``setting`` from the tables of a parameter file, given as a dict.

        Parameters
        ----------
        data
            ``name: number`` (both settings) and optional ``mouse`` / ``patient`` tables.
        setting
            The setting whose values are wanted.
        source, text
            The file name and its text, for the line numbers of messages.

        Returns
        -------
        ParameterSet
            The set, every override checked.

        Raises
        ------
        UnknownNameError
            An unknown parameter name (with the closest known ones) or setting.
        ValidationError
            A value that is not a number in the parameter's range, a table that is not a
            setting, or ``K`` not above ``n0`` / ``n0_postop``; the message names the file and
            line.
        """
        if setting not in SETTINGS:
            raise UnknownNameError(f"unknown setting {setting!r}; accepted: {', '.join(SETTINGS)}")
        over: dict[str, float] = {}
        tables: dict[str, Mapping[str, Any]] = {}
        for key, value in data.items():
            if isinstance(value, Mapping):
                if key not in SETTINGS:
                    raise ValidationError(
                        f"{_where(source, _table_line(text, key))}unknown table [{key}]; a "
                        f"parameter file has name = number lines and optional tables "
                        f"{', '.join(f'[{s}]' for s in SETTINGS)}"
                    )
                tables[key] = value
                continue
            over[key] = _check_one(key, value, _where(source, _line_of(text, None, key)))
        for name, table in tables.items():
            for key, value in table.items():
                v = _check_one(key, value, _where(source, _line_of(text, name, key)))
                if name == setting:
                    over[key] = v
        try:
            check_values(parameters(setting) | over)
        except ValidationError as exc:
            raise ValidationError(f"{_where(source, None)}{exc}") from None
        return cls(setting=setting, overrides=over, source=source)

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str], setting: str = "patient") -> ParameterSet:
        """Read a parameter file (see the module docstring) for ``setting``.

        Parameters
        ----------
        path
            The TOML file.
        setting
            ``"patient"`` or ``"mouse"``.

        Returns
        -------
        ParameterSet
            The overrides of that setting, checked.

        Raises
        ------
        InputFormatError
            The file cannot be read, is not UTF-8 or is not valid TOML (with tomllib's line and
            column).
        UnknownNameError, ValidationError
            As :meth:`from_dict`.
        """
        p = Path(path)
        data, text = read_toml(p, "parameter file")
        return cls.from_dict(data, setting, source=str(p), text=text)

    @property
    def values(self) -> dict[str, float]:
        """Every parameter's value in this set (declared values with the overrides)."""
        return parameters(self.setting, **self.overrides)

    @property
    def summary(self) -> pd.DataFrame:
        """Every parameter of the set as a table.

        Returns
        -------
        pandas.DataFrame
            Columns ``name``, ``group``, ``unit``, ``value``, ``default`` (the declared value
            of the setting), ``overridden``, ``range``, ``meaning``, ``source``.
        """
        vals = self.values
        rows = []
        for p in PARAMETERS:
            src = p.source_patient if self.setting == "patient" and p.source_patient else p.source
            rows.append({"name": p.name, "group": p.group, "unit": p.unit, "value": vals[p.name],
                         "default": p.value(self.setting), "overridden": p.name in self.overrides,
                         "range": p.range_text, "meaning": p.meaning, "source": src})  # fmt: skip
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """Return the set as a JSON-ready dict.

        Returns
        -------
        dict
            ``setting``, ``source`` (the file or None), ``overrides`` and ``values`` (every
            parameter by name).
        """
        return {"setting": self.setting, "source": self.source,
                "overrides": dict(self.overrides), "values": self.values}  # fmt: skip

    def to_toml(self) -> str:
        """Every value of the set as a parameter file for its setting (``--params`` reads it).

        Returns
        -------
        str
            A ``[setting]`` table with one ``name = value`` line per parameter, its unit and
            meaning as a comment; overridden values are marked.
        """
        vals = self.values
        out = [
            "# ifnexus model parameters used (every value; give this file to --params to reuse)",
            f"# setting: {self.setting}"
            + (f"; overrides read from {self.source}" if self.source else ""),
            "",
            f"[{self.setting}]",
        ]
        for p in PARAMETERS:
            v = vals[p.name]
            text = repr(float(v)) if math.isfinite(v) else "inf"
            mark = " (override)" if p.name in self.overrides else ""
            out.append(f"{p.name} = {text}  # {p.unit}: {p.meaning}{mark}")
        return "\n".join(out) + "\n"

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_toml` to ``path`` atomically.

        Parameters
        ----------
        path
            The file (e.g. ``OUT/params_used.toml``).

        Returns
        -------
        pathlib.Path
            ``path``.
        """
        from ifnexus._io import write_text

        return write_text(path, self.to_toml())


def _table_line(text: str | None, table: str) -> int | None:
    if text is None:
        return None
    for i, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"^\s*\[\s*[\"']?{re.escape(table)}[\"']?\s*\]", line):
            return i
    return None


def read_params(path: str | os.PathLike[str], setting: str = "patient") -> dict[str, float]:
    r"""Read the overrides of ``setting`` from a parameter file (TOML; see the module docstring).

    Parameters
    ----------
    path
        The file.
    setting
        ``"patient"`` or ``"mouse"``.

    Returns
    -------
    dict
        Parameter values by name, checked, for ``params=`` of
        :func:`~ifnexus.model.simulate_cohort`.

    Raises
    ------
    InputFormatError
        Unreadable file or invalid TOML (with its line and column).
    UnknownNameError
        An unknown parameter (with the closest names).
    ValidationError
        A value outside its range (named with the range and unit, file and line).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from ifnexus.model import read_params
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "p.toml"
    >>> _ = f.write_text("alpha_cv = 0.3\n[patient]\nr = 0.05\n")
    >>> read_params(f)
    {'alpha_cv': 0.3, 'r': 0.05}
    """
    return dict(ParameterSet.from_toml(path, setting).overrides)
