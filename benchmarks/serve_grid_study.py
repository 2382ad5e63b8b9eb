"""Would longer late steps of the patient grid keep the model's accuracy? (a lever not taken)

Run::

    .venv/bin/python benchmarks/serve_grid_study.py [SEED]

Most of a designer Run is the model's kernel, and over a five-year follow-up about 70% of the
patient grid's nodes are the late steps (1.25 d from 60 days after the last jump,
``model/_solver.py`` ``GRIDS``). This compares, for 160 sampled tumours of six designs, the
tumour burden at 2 and 5 years on the grid as it is and with the late step lengthened to
2.0, 2.5 or 3.0 d from one year (or half a year) after the last jump, against the 8x finer
grid that ``tests/model/test_accuracy.py`` uses as the reference (its bar: 1e-4 relative for
every tumour). The lengthened grids are built here, from the grid as it is up to the switch and
equal steps after it; nothing in the package changes. Prints one line per design and horizon:
nodes and the worst relative error of each grid. Results go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import sys

import numpy as np

from ifnexus.model._cohort import _config, _draws, _patients
from ifnexus.model._solver import Drive, Grid, build_grid, grid_options, integrate
from ifnexus.model._system import initial_state

N = 160
CASES = [
    ("50Gy/25fx", None, ()),
    ("20Gy x1", None, ()),
    ("30Gy/10fx", "chronic-ifn", ()),
    ("60Gy/30fx", None, ()),
    ("50Gy/25fx", None, ("anti-pd1:day=0,dose=1,repeat=6,every=14",)),
    ("8Gy x3", None, ("sting-agonist:day=0,dose=1,repeat=3,every=7",)),
]
#: (days after the last jump from which the step is lengthened, the late step in days)
VARIANTS = [(np.inf, 1.25), (365.0, 2.0), (365.0, 2.5), (180.0, 2.5), (365.0, 3.0)]


def lengthened(later: float, h_later: float):
    """A build_grid that takes steps of ``h_later`` from ``later`` days after the last jump."""

    def build(schedule, drive, t0, t_end, *, probes=(), **kw):
        g = build_grid(schedule, drive, t0, t_end, probes=probes, **kw)
        fr = [(float(t), float(d)) for t, d in zip(schedule.days, schedule.doses, strict=False)
              if t <= t_end]  # fmt: skip
        jumps = {t for t, d in fr if d > 0} | {b for b in drive.breakpoints() if t0 <= b < t_end}
        cut = max(jumps, default=t0) + later
        if not cut < t_end:
            return g
        pts = list(g.t[g.t <= cut])
        a = pts[-1]
        for b in sorted({p for p in probes if a < p < t_end} | {t_end}):
            k = max(1, int(np.ceil((b - a) / h_later - 1e-9)))
            pts.extend(np.linspace(a, b, k + 1)[1:])
            a = b
        tg = np.asarray(pts)
        index = {float(v): i for i, v in enumerate(tg)}
        return Grid(t=tg, dose_at={index[t]: d for t, d in fr if d > 0},
                    probe_at={index[p]: p for p in probes if p in index})  # fmt: skip

    return build


def burden(cfg, q, days: float, build, refine: float = 1.0):
    p, sched = cfg.p, cfg.schedule
    drive = Drive(cfg.interventions, p)
    t0, t_end = min([sched.first_day, *drive.breakpoints()]), sched.first_day + days
    grid = build(sched, drive, t0, t_end, **grid_options("patient", refine=refine))
    z = integrate(initial_state(p, q, N), p, q, sched, drive, t0, t_end, grid=grid).z_end
    return np.exp(z[0]) + z[1:5].sum(axis=0), grid.t.size


def main() -> None:
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    print(f"seed {seed}, {N} tumours; per grid (switch day/late step): nodes, worst |rel|")
    for schedule, genotype, ivs in CASES:
        cfg = _config(schedule, "patient", "gross", genotype, None, ivs, 1825, True, 0, seed,
                      None)  # fmt: skip
        q = _patients(cfg, _draws(cfg.entropy, 0, N))
        for days in (730.0, 1825.0):
            ref, _ = burden(cfg, q, days, build_grid, refine=8)
            cells = []
            for later, h in VARIANTS:
                ours, nodes = burden(cfg, q, days, lengthened(later, h))
                cells.append(f"{later:g}/{h:g}: {nodes} {np.abs(ours / ref - 1).max():.1e}")
            label = " + ".join(x for x in (schedule, genotype, *ivs) if x)
            print(f"{label} | {days:g} d | " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
