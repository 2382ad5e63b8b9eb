"""Start-up cost of the ``ifnexus`` command: help, version, and a command end to end.

Times, alternating and ``--repeats`` times each (median of wall and CPU seconds, the CPU of the
child process from ``getrusage``):

* ``ifnexus --help`` and ``ifnexus --version`` (goal: help under 0.3 s wall);
* ``ifnexus outcome finegray DATA ... --json`` on a seeded 5,000-patient cohort, end to end
  (process start, imports, reading the CSV, the fit, the JSON), against
* the same computation in this process (read the CSV, fit :class:`FineGrayFitter`, build the
  JSON), with everything already imported: the computation alone.

The difference of the last two is what a user pays for starting the command (goal: within
0.5 s of the computation). The cohort is the one of ``benchmarks/finegray_vs_r.py`` (seed 1).

Usage::

    python benchmarks/startup.py [--repeats 7] [--patients 5000]
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import importlib.util
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _cohort_module():
    path = Path(__file__).with_name("finegray_vs_r.py")
    spec = importlib.util.spec_from_file_location("finegray_vs_r", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _command() -> list[str]:
    script = Path(sys.executable).with_name("ifnexus")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "ifnexus"]


def run_child(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one run of ``args``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def finegray_in_process(path: Path) -> tuple[float, float]:
    """Wall and CPU seconds of the CLI's computation, in this (warm) process."""
    import json

    import pandas as pd

    from ifnexus._json import json_safe
    from ifnexus.outcome import FineGrayFitter

    t0, c0 = time.perf_counter(), time.process_time()
    df = pd.read_csv(path, sep=None, engine="python")
    f = FineGrayFitter().fit(df, "time", "status", cause=1, covariates=["x1", "x2", "x3", "x4"])
    json.dumps(json_safe(f.to_dict()))
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--patients", type=int, default=5000)
    a = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "cohort.csv"
        _cohort_module().cohort(a.patients, seed=1).to_csv(data, index=False)
        cmd = _command()
        runs = {
            "ifnexus --help": lambda: run_child([*cmd, "--help"]),
            "ifnexus --version": lambda: run_child([*cmd, "--version"]),
            f"ifnexus outcome finegray ({a.patients:,} patients, end to end)": lambda: run_child(
                [
                    *cmd,
                    "outcome",
                    "finegray",
                    str(data),
                    "--time",
                    "time",
                    "--event",
                    "status",
                    "--cause",
                    "1",
                    "--covariates",
                    "x1,x2,x3,x4",
                    "--json",
                ]
            ),  # fmt: skip
            f"FineGrayFitter in process ({a.patients:,} patients, read + fit + JSON)": (
                lambda: finegray_in_process(data)
            ),
        }
        for fn in runs.values():  # warm the file cache and numba's on-disk cache
            fn()
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in runs}
        for _ in range(a.repeats):  # alternating, so drifts in machine load hit all alike
            for name, fn in runs.items():
                times[name].append(fn())

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
        f"Python {platform.python_version()}; ifnexus {md.version('ifnexus')}, "
        f"typer {md.version('typer')}, numpy {md.version('numpy')}, "
        f"pandas {md.version('pandas')}; median of {a.repeats}, alternating"
    )
    print("\n| run | wall s (median) | CPU s (median) |\n|---|---:|---:|")
    med = {}
    for name, vals in times.items():
        wall = statistics.median(v[0] for v in vals)
        cpu = statistics.median(v[1] for v in vals)
        med[name] = (wall, cpu)
        print(f"| {name} | {wall:.3f} | {cpu:.3f} |")
    names = list(med)
    end, inproc = med[names[2]], med[names[3]]
    print(
        f"\nstart-up overhead of 'outcome finegray': wall {end[0] - inproc[0]:.3f} s "
        f"(end to end / computation = {end[0] / inproc[0]:.1f}x), "
        f"CPU {end[1] - inproc[1]:.3f} s ({end[1] / inproc[1]:.1f}x)"
    )
    print(
        f"goals: --help under 0.3 s wall: {'met' if med[names[0]][0] < 0.3 else 'NOT met'}; "
        f"command within 0.5 s of its computation: "
        f"{'met' if end[0] - inproc[0] < 0.5 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
