"""Regenerate docs/architecture.md from the first docstring paragraph of every module.

Run from the repository root after adding or renaming a module: ``python tools/architecture_doc.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "ifnexus"
ORDER = [
    "",
    "genesets",
    "scoring",
    "screen",
    "singlecell",
    "tumour",
    "outcome",
    "model",
    "fit",
    "sensitivity",
    "study",
    "report",
    "trial",
    "serve",
    "cli",
]
HEAD = """# ifnexus: the layout as built

One line per module, kept true to what is in `src/ifnexus` (`tests/test_architecture_doc.py`
checks that every module is listed; `tools/architecture_doc.py` rewrites this page). Data flow
one way: inputs -> domain module -> tidy tables -> files / report; domain modules never import
`cli` or `report`; `study` runs the other domains through their library functions and
writers (the ones the commands call), in process; `report` reads a study folder and only
summarises its tables (peaks, means, medians for the takeaways); it runs no analysis.
"""
TAIL = """## outside the package

- `src/ifnexus/genesets/data/`: the shipped gene sets (`sets/*.tsv` with source, licence, version), aliases, orthologs, ESTIMATE common genes, 9p21 coordinates.
- `tools/build_genesets.py`: how the shipped sets were transcribed from the shared source lists (provenance).
- `tools/architecture_doc.py`: rewrites this page.
- `tools/fuzz_model.py`: seeded robustness sweep of the model's API and `ifnexus simulate` (every case runs sanely or is refused naming the option).
- `benchmarks/`: ifnexus beside its peer tools on the same input; results in `docs/benchmarks.md`.
- `tests/<domain>/`: tests mirror the package; `tests/conftest.py` holds the one helper that finds `../shared`.
"""


def main() -> None:
    lines = [HEAD]
    for d in ORDER:
        folder = PKG / d if d else PKG
        lines.append(f"## `ifnexus/{d}`\n" if d else "## shared floor\n")
        for f in sorted(folder.glob("*.py")):
            if f.name == "__init__.py" and d:
                continue
            doc = ast.get_docstring(ast.parse(f.read_text())) or ""
            first = " ".join(doc.split("\n\n")[0].split())
            lines.append(f"- `{f.relative_to(PKG.parent)}`: {first}")
        lines.append("")
    lines.append(TAIL)
    (ROOT / "docs" / "architecture.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
