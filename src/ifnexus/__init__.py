"""ifnexus: the interferon axis of the radiotherapy response, executable and measurable."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ifnexus")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
