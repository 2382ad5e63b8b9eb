"""Derive counts.tsv.gz from CRISPhieRmix's copy of Rosenbluh et al. 2017 (see README.md).

Run from the project root after ``fetch github:timydaley/CRISPhieRmix``:
    .venv/bin/python tests/data/rosenbluh2017_crispri_ko/derive.py /work/.mirror/timydaley+CRISPhieRmix/repo
"""

import gzip
import subprocess
import sys
from pathlib import Path

COMMIT = "e400f21e00bfdb2ec5e88fb6e1dc8b6e9fba1cb5"
repo = Path(sys.argv[1])
raw = subprocess.run(
    ["git", "-C", str(repo), "show", f"{COMMIT}:data/Rosenbluh2017CRISPRkoANDi.txt"],
    check=True,
    capture_output=True,
).stdout
out = Path(__file__).with_name("counts.tsv.gz")
# unchanged content, gzip with a fixed mtime so the file is reproducible byte for byte
with open(out, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, compresslevel=9) as gz:
    gz.write(raw)
print(out, out.stat().st_size)
