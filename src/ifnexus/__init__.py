"""ifnexus: the interferon axis of the radiotherapy response, executable and measurable."""

from ifnexus._runoptions import RunOptions
from ifnexus._version import __version__

__all__ = ["RunOptions", "__version__"]
