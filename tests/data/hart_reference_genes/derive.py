"""Derive CEGv2.txt and NEGv1.txt (gene symbols, one a line) from hart-lab/bagel (see README.md).

.venv/bin/python tests/data/hart_reference_genes/derive.py /work/.mirror/hart-lab+bagel/repo
"""

import subprocess
import sys
from pathlib import Path

COMMIT = "53388adbb4fb0931e5c9dda135502be19e4555f0"
repo = Path(sys.argv[1])
for name in ("CEGv2.txt", "NEGv1.txt"):
    text = subprocess.run(
        ["git", "-C", str(repo), "show", f"{COMMIT}:{name}"], check=True, capture_output=True
    ).stdout.decode()
    genes = [line.split("\t")[0] for line in text.splitlines()[1:] if line.strip()]
    Path(__file__).with_name(name).write_text("\n".join(genes) + "\n")
    print(name, len(genes))
