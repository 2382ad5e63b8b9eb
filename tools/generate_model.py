"""Regenerate the model's generated modules from its declaration.

Run from the repository root after editing ``src/ifnexus/model/_equations.py`` or
``_kernel_math.py``: ``python tools/generate_model.py``. Writes
``src/ifnexus/model/_generated_kernel.py`` (with the digest of ``_kernel_math.py``),
``_generated_reference.py`` and ``_generated_exports.py`` where they changed, the digest of the
generated kernel and ``_kernel_math.py`` in ``_kernel.py`` (numba caches a function by its own
file only; ``_codegen.CACHE_DEPENDENCIES`` lists what each cached module depends on and
``tests/model/test_codegen.py`` checks all of them are current) and then ``docs/model.md``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Write the generated modules, then docs/model.md in a fresh interpreter (new modules)."""
    from ifnexus.model._codegen import write_generated

    for path in write_generated(ROOT / "src" / "ifnexus" / "model"):
        print(f"wrote {path.relative_to(ROOT)}")
    code = "from ifnexus.model import write_model_docs; print('wrote', write_model_docs(%r))"
    subprocess.run(
        [sys.executable, "-c", code % str(ROOT / "docs" / "model.md")], check=True, cwd=ROOT
    )


if __name__ == "__main__":
    main()
