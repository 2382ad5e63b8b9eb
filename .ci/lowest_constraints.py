"""Print constraints at the LOWER bound of every range in pyproject.toml (dependencies, extras).

``make check-oldest`` installs with these constraints, so that the oldest versions the ranges
promise are tried too (e.g. ``typer>=0.12`` with the standalone click, not only typer 0.29).
A bound ``>=1.26`` becomes ``==1.26.*``: the oldest release series, at its last patch (the
first release of a series is sometimes incompatible with its peers, e.g. numba 0.58.0 with
numpy 1.26, fixed by 0.58.1).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def lower_pins(requirements: list[str]) -> list[str]:
    """``name==lower.*`` for each requirement with a ``>=`` bound (extras and markers dropped).

    Parameters
    ----------
    requirements
        PEP 508 requirement strings, e.g. ``"numpy>=1.26,<3"`` or ``"dask[array]>=2024.1"``.

    Returns
    -------
    list of str
        One pin per requirement that has a lower bound, in the order given.
    """
    pins = []
    for req in requirements:
        m = re.match(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*([^;]*)", req)
        if not m:
            continue
        low = re.search(r">=\s*([0-9][^,\s]*)", m.group(3))
        if low:
            pins.append(f"{m.group(1)}=={low.group(1)}.*")
    return pins


def main() -> int:
    """Print the lower-bound pins of pyproject.toml (path as the first argument)."""
    meta = tomllib.loads(Path(sys.argv[1]).read_text())["project"]
    reqs = list(meta["dependencies"])
    for extra in meta.get("optional-dependencies", {}).values():
        reqs += [r for r in extra if not r.startswith("ifnexus")]
    seen = set()
    for pin in lower_pins(reqs):
        if pin.split("==")[0].lower() not in seen:
            seen.add(pin.split("==")[0].lower())
            print(pin)
    return 0


if __name__ == "__main__":
    sys.exit(main())
