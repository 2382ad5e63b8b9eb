"""Deprecated alias of :mod:`ifnexus.tumour` (the API spells "tumour" everywhere since 0.2).

``import ifnexus.tumor`` keeps working for one release and warns; use ``ifnexus.tumour``.
"""

import warnings

from ifnexus.tumour import *  # noqa: F403
from ifnexus.tumour import __all__  # noqa: F401

warnings.warn(
    "ifnexus.tumor is deprecated and will be removed in 0.3; use ifnexus.tumour",
    FutureWarning,
    stacklevel=2,
)
