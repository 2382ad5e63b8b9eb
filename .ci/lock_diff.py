"""Print the packages whose version differs from the lock: ``pip freeze | python lock_diff.py LOCK``.

Used by ``make check-latest`` to say which newer releases the newest-versions check ran with.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def pins(lines: list[str]) -> dict[str, str]:
    """Map normalised package names to their pinned versions (``name==version`` lines only).

    Parameters
    ----------
    lines
        Lines of a ``pip freeze`` output or of the lock file; comments and others are skipped.

    Returns
    -------
    dict of str to str
        Lower-case name with ``_`` and ``.`` as ``-`` (PEP 503) -> version.
    """
    out = {}
    for line in lines:
        m = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line.strip())
        if m:
            out[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    return out


def main() -> int:
    """Compare stdin's pins with the lock file's and print the differences; always 0."""
    lock = pins(Path(sys.argv[1]).read_text().splitlines())
    new = pins(sys.stdin.read().splitlines())
    rows = []
    for name in sorted(set(lock) | set(new)):
        old, now = lock.get(name, "-"), new.get(name, "-")
        if old != now:
            rows.append(f"  {name}: {old} -> {now}")
    print("\n".join(rows) if rows else "  none: the newest versions are the locked ones")
    return 0


if __name__ == "__main__":
    sys.exit(main())
