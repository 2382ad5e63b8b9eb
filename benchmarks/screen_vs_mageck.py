"""Benchmark: ``ifnexus screen`` against ``mageck2`` 0.3.0 (a faithful MAGeCK 0.5.9 port).

Builds a seeded genome-wide CRISPRi radiation screen (20,000 genes x 10 sgRNAs + 2,000
non-targeting; T0, untreated, irradiated x 2 replicates; planted IFN-axis radioresistance hits
with CRISPRi-like guide efficacy), runs ``mageck2 test`` and ``ifnexus screen test`` on the same
table (irradiated vs untreated) alternately, and reports wall and CPU time (user + system),
peak memory, their ratio, and recovery of the planted hits (AUROC, hits among the top 200).
Then the same for ``count`` on a 5-million-read FASTQ. ``ifnexus``'s CRISPRi phenotype
analysis (gamma/tau/rho, pseudogene FDR) is timed in-process too.

Two numbers answer issue 4's "at least 20x faster than mageck2 test": the command line end to
end (both tools start an interpreter, read the table, test, write MAGeCK's files) and the
gene-level analysis itself (``mageck_test()`` on the table in memory) against the same
``mageck2 test`` run. The 1-minute load average is printed before and after each block,
because the development machine is shared.

mageck2 is installed into its own venv (``$MAGECK2_VENV``, default /tmp/mageck2-venv) when
absent; its ``bin`` goes on PATH because ``mageck2 test`` calls the ``RRA`` helper via the shell.

Usage: python benchmarks/screen_vs_mageck.py [--repeats 3] [--reads 5000000] [--skip-count]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
IFNEXUS = [sys.executable, "-c", "import sys; from ifnexus.cli import main; sys.exit(main())"]
IFN_AXIS = ["STING1", "CGAS", "TBK1", "IRF3", "IFNAR1", "IFNAR2", "JAK1", "TYK2", "STAT1",
            "STAT2", "IRF9", "IRF7", "IFNB1"]  # fmt: skip
BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def ensure_mageck2() -> Path:
    venv = Path(os.environ.get("MAGECK2_VENV", "/tmp/mageck2-venv"))
    if not (venv / "bin" / "mageck2").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "mageck2==0.3.0"], check=True)
    return venv / "bin"


def build_table(seed: int = 2024) -> tuple[pd.DataFrame, set[str], pd.DataFrame]:
    """Genome-wide CRISPRi radiation screen with planted IFN-axis radioresistance hits."""
    rng = np.random.default_rng(seed)
    n_genes, per = 20000, 10
    genes = [f"GENE{i:05d}" for i in range(n_genes)]
    genes[: len(IFN_AXIS)] = IFN_AXIS
    planted = set(IFN_AXIS) | {genes[i] for i in range(len(IFN_AXIS), 60)}  # 60 hits
    gene_col = np.repeat(genes, per).tolist() + ["non-targeting"] * 2000
    n = len(gene_col)
    ids = [f"{g}_{k}" for g in genes for k in range(per)] + [f"NT_{k}" for k in range(2000)]
    # CRISPRi efficacy: most guides of a gene work partly, some not at all
    eff = np.where(rng.random(n) < 0.7, rng.beta(5, 2, n), rng.beta(1, 8, n))
    eff[-2000:] = 0.0
    gene_idx = np.concatenate([np.repeat(np.arange(n_genes), per), np.full(2000, -1)])
    gamma = np.zeros(n_genes)
    ess = rng.choice(np.arange(100, n_genes), 1500, replace=False)
    gamma[ess] = -rng.gamma(2.0, 0.15, ess.size)  # growth defects (per doubling)
    rho = np.zeros(n_genes)
    hit_idx = np.array([genes.index(g) for g in sorted(planted)])  # sorted: hash-independent
    rho[hit_idx] = rng.uniform(0.12, 0.35, hit_idx.size)  # radioresistance (per doubling)
    g_s = np.where(gene_idx >= 0, gamma[np.maximum(gene_idx, 0)], 0) * eff
    r_s = np.where(gene_idx >= 0, rho[np.maximum(gene_idx, 0)], 0) * eff
    base = rng.lognormal(0, 0.6, n)
    depth = 500.0 * n
    cols = {}
    for rep in (1, 2):
        a0 = base * rng.lognormal(0, 0.05, n)
        au = a0 * 2 ** (g_s * 10)
        ai = a0 * 2 ** (g_s * 7 + r_s * 5)
        for name, a in (("T0", a0), ("untreated", au), ("irradiated", ai)):
            mu = a / a.sum() * depth
            cols[f"{name}_{rep}"] = rng.negative_binomial(20, 20 / (20 + mu))
    df = pd.DataFrame(cols, index=pd.Index(ids, name="sgRNA"))
    df.insert(0, "Gene", gene_col)
    truth = pd.DataFrame({"gene": genes, "planted": [g in planted for g in genes]})
    return df, planted, truth


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    from scipy.stats import rankdata

    r = rankdata(scores)
    n1 = labels.sum()
    n0 = labels.size - n1
    return float((r[labels].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def recovery(ranked_genes: list[str], score: np.ndarray, truth: pd.DataFrame) -> tuple[float, int]:
    t = truth.set_index("gene").loc[ranked_genes]
    lab = t["planted"].to_numpy()
    return auroc(score, lab), int(lab[np.argsort(-score, kind="stable")[:200]].sum())


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def timed(cmd: list[str], env: dict | None = None, cwd: str | None = None) -> dict:
    tf = tempfile.NamedTemporaryFile(delete=False, suffix=".time")
    tf.close()
    full = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.name, *cmd]
    t0 = time.perf_counter()
    proc = subprocess.run(full, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed:\n{proc.stderr[-3000:]}")
    e, u, s, m = Path(tf.name).read_text().split()[-4:]
    os.unlink(tf.name)
    return {"wall": wall, "cpu": float(u) + float(s), "rss_mb": int(m) / 1024}


def summarise(name: str, runs: list[dict]) -> dict:
    return {
        "tool": name,
        "wall_s": statistics.median(r["wall"] for r in runs),
        "cpu_s": statistics.median(r["cpu"] for r in runs),
        "peak_mb": max(r["rss_mb"] for r in runs),
    }


def bench_test(work: Path, mbin: Path, repeats: int) -> None:
    df, planted, truth = build_table()
    table = work / "screen.txt"
    df.to_csv(table, sep="\t")
    env = dict(os.environ, PATH=f"{mbin}:{os.environ['PATH']}")
    t = ["-k", str(table), "-t", "irradiated_1,irradiated_2", "-c", "untreated_1,untreated_2"]
    runs: dict[str, list[dict]] = {"mageck2 test": [], "ifnexus screen test": []}
    timed([*IFNEXUS, "screen", "test", *t, "-n", str(work / "warm")], cwd=str(work))  # warm-up
    print(f"\n[test] before: {load()}")
    for _ in range(repeats):
        runs["mageck2 test"].append(
            timed(
                [str(mbin / "mageck2"), "test", *t, "-n", str(work / "m2")], env=env, cwd=str(work)
            )  # fmt: skip
        )
        runs["ifnexus screen test"].append(
            timed([*IFNEXUS, "screen", "test", *t, "-n", str(work / "ifx")], cwd=str(work))
        )
    # in-process library call (no interpreter start-up, no file formatting)
    from ifnexus.screen import mageck_test, phenotypes

    cpu = []
    wall = []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        mageck_test(df, ["irradiated_1", "irradiated_2"], ["untreated_1", "untreated_2"])
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    ph_cpu = []
    for _ in range(repeats):
        c0 = time.process_time()
        ph = phenotypes(df, t0="T0_1,T0_2", untreated="untreated_1,untreated_2",
                        treated="irradiated_1,irradiated_2",
                        doublings={"gamma": 10, "tau": 7, "rho": 5})  # fmt: skip
        ph_cpu.append(time.process_time() - c0)
    print(f"[test] after: {load()}")
    rows = [summarise(k, v) for k, v in runs.items()]
    rows.append({"tool": "ifnexus mageck_test() in-process", "wall_s": statistics.median(wall),
                 "cpu_s": statistics.median(cpu), "peak_mb": float("nan")})  # fmt: skip
    rows.append({"tool": "ifnexus phenotypes() in-process", "wall_s": float("nan"),
                 "cpu_s": statistics.median(ph_cpu), "peak_mb": float("nan")})  # fmt: skip
    out = pd.DataFrame(rows)
    print("\n== gene-level test: 202,000 sgRNAs, irradiated vs untreated, 2 replicates ==")
    print(out.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    m, i = rows[0], rows[1]
    print(f"speed-up (CLI, end to end): wall {m['wall_s'] / i['wall_s']:.1f}x, "
          f"CPU {m['cpu_s'] / i['cpu_s']:.1f}x; library call CPU "
          f"{m['cpu_s'] / rows[2]['cpu_s']:.1f}x")  # fmt: skip
    # planted-hit recovery: positive selection (knock-down enriched after irradiation)
    print("\nplanted radioresistance hits (60 genes, 13 of them the cGAS-STING-IFN-I core):")
    for name, path in (("mageck2", work / "m2.gene_summary.txt"),
                       ("ifnexus", work / "ifx.gene_summary.txt")):  # fmt: skip
        g = pd.read_csv(path, sep="\t")
        g = g[g["id"] != "non-targeting"]
        a, top = recovery(g["id"].tolist(), -np.log10(g["pos|score"].to_numpy()), truth)
        fdr = set(g.loc[g["pos|fdr"] < 0.25, "id"])
        print(f"  {name:8s} RRA pos: AUROC {a:.4f}, planted in top 200: {top}, "
              f"FDR<0.25: {len(fdr)} genes, {len(fdr & planted)} planted")  # fmt: skip
    gp = ph.genes
    hits = set(gp.loc[gp["rho_hit"] & (gp["rho"] > 0), "gene"])
    for label, sc in (
        ("rho discriminant score", gp["rho_score"].fillna(0) * np.sign(gp["rho"].fillna(0))),
        ("rho phenotype", gp["rho"].fillna(0)),
    ):
        a, top = recovery(gp["gene"].tolist(), sc.to_numpy(), truth)
        print(f"  ifnexus {label}: AUROC {a:.4f}, planted in top 200: {top}")
    print(f"  ifnexus rho hits at FDR 0.05 (rho > 0): {len(hits)}, {len(hits & planted)} planted")
    same = (work / "ifx.gene_summary.txt").read_bytes() == (
        work / "m2.gene_summary.txt"
    ).read_bytes()
    same_sg = (work / "ifx.sgrna_summary.txt").read_bytes() == (
        work / "m2.sgrna_summary.txt"
    ).read_bytes()
    print(f"  gene_summary byte-identical to mageck2's: {same}; sgrna_summary: {same_sg}")


def write_fastq(path: Path, seqs: list[str], reads: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    lib = np.frombuffer("".join(seqs).encode(), dtype=np.uint8).reshape(len(seqs), -1)
    w = np.random.default_rng(seed + 1).lognormal(0, 0.8, len(seqs))
    w /= w.sum()
    qual = b"I" * 30
    with open(path, "wb") as fh:
        step = 500000
        for r0 in range(0, reads, step):
            r = min(step, reads - r0)
            pick = rng.choice(len(seqs), r, p=w)
            seq = np.empty((r, 30), dtype=np.uint8)
            seq[:, :20] = lib[pick]
            seq[:, 20:] = BASES[rng.integers(0, 4, (r, 10))]
            miss = rng.random(r) < 0.15  # unmapped reads
            seq[miss, :20] = BASES[rng.integers(0, 4, (int(miss.sum()), 20))]
            buf = []
            for k in range(r):
                buf.append(b"@r%d\n" % (r0 + k) + seq[k].tobytes() + b"\n+\n" + qual + b"\n")
            fh.write(b"".join(buf))


def bench_count(work: Path, mbin: Path, repeats: int, reads: int) -> None:
    rng = np.random.default_rng(3)
    nlib = 20000
    seqs = ["".join(x) for x in BASES[rng.integers(0, 4, (nlib, 20))].view("S1").astype(str)]
    seqs = list(dict.fromkeys(seqs))
    lib = work / "library.txt"
    lib.write_text("".join(f"sg{i}\t{s}\tG{i // 4}\n" for i, s in enumerate(seqs)))
    fq = work / "reads.fastq"
    if not fq.exists():
        write_fastq(fq, seqs, reads)
    env = dict(os.environ, PATH=f"{mbin}:{os.environ['PATH']}")
    c = ["count", "-l", str(lib), "--fastq", str(fq), "--sample-label", "S"]
    runs: dict[str, list[dict]] = {"mageck2 count": [], "ifnexus screen count": []}
    print(f"\n[count] before: {load()}")
    for _ in range(repeats):
        runs["mageck2 count"].append(
            timed([str(mbin / "mageck2"), *c, "-n", str(work / "mc")], env=env, cwd=str(work))
        )
        runs["ifnexus screen count"].append(
            timed([*IFNEXUS, "screen", *c, "-n", str(work / "ic")], cwd=str(work))
        )
    print(f"[count] after: {load()}")
    out = pd.DataFrame([summarise(k, v) for k, v in runs.items()])
    print(f"\n== count: {reads:,} reads x 30 bp, 20,000-guide library ==")
    print(out.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    m, i = out.iloc[0], out.iloc[1]
    print(f"speed-up: wall {m['wall_s'] / i['wall_s']:.1f}x, CPU {m['cpu_s'] / i['cpu_s']:.1f}x")
    a = pd.read_csv(work / "mc.count.txt", sep="\t")
    b = pd.read_csv(work / "ic.count.txt", sep="\t")
    same = all(
        (work / f"mc.{x}.txt").read_bytes() == (work / f"ic.{x}.txt").read_bytes()
        for x in ("count", "count_normalized")
    )
    print(f"count tables equal: {a.equals(b)}; count and normalised files byte-identical: {same}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--reads", type=int, default=5_000_000)
    ap.add_argument("--skip-count", action="store_true")
    ap.add_argument("--skip-test", action="store_true")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    mbin = ensure_mageck2()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="screen_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    import scipy

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
          f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"pandas {pd.__version__}; mageck2 0.3.0")  # fmt: skip
    try:
        if not args.skip_test:
            bench_test(work, mbin, args.repeats)
        if not args.skip_count:
            bench_count(work, mbin, args.repeats, args.reads)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
