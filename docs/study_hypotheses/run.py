"""Power to tell the purity explanations apart (docs/study.md): runs design.toml into result/.

The same as ``ifnexus study hypotheses docs/study_hypotheses/design.toml --out
docs/study_hypotheses/result``; prints the CPU and wall time. Usage:
``python docs/study_hypotheses/run.py``.
"""

import time
from pathlib import Path

from ifnexus.cli import main

here = Path(__file__).parent
w, c = time.perf_counter(), time.process_time()
rc = main(["study", "hypotheses", str(here / "design.toml"), "--out", str(here / "result"),
           "--quiet"])  # fmt: skip
print(f"exit {rc}; wall {time.perf_counter() - w:.0f} s, CPU {time.process_time() - c:.0f} s")
