"""Typed errors and warnings of ifnexus.

Each error also inherits the built-in a caller would catch (ValueError, KeyError, ...), so
code written against the built-ins keeps working. Messages name the input, the bad value and
what was expected.
"""

from __future__ import annotations

__all__ = [
    "ConvergenceError",
    "IfnexusError",
    "IfnexusWarning",
    "InputFormatError",
    "MissingDependencyError",
    "UnknownNameError",
    "ValidationError",
]


class IfnexusError(Exception):
    """Base class of every error ifnexus raises on purpose."""


class ValidationError(IfnexusError, ValueError):
    """An argument or input value is not what was expected."""


class InputFormatError(ValidationError):
    """An input file is malformed; the message names the file, line or column."""


class UnknownNameError(IfnexusError, KeyError):
    """A name (gene set, genotype, intervention, ...) is not known; the message lists the known ones."""

    def __str__(self) -> str:
        """Return the message as given (KeyError would quote it)."""
        return str(self.args[0]) if self.args else ""


class ConvergenceError(IfnexusError, ArithmeticError):
    """A numerical fit or solver did not converge."""


class MissingDependencyError(IfnexusError, ImportError):
    """An optional dependency is not installed; the message names the ifnexus extra to install."""


class IfnexusWarning(UserWarning):
    """Base class of ifnexus warnings."""
