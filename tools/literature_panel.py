"""Run the model's literature panel and write ``docs/model_literature.md``.

Run from the repository root after a model change: ``python tools/literature_panel.py``.
It runs every entry of ``tests/model/literature/panel.toml`` through the runner the tests use
(``tests/model/literature/panel.py``; the model's public API, the same seed in every arm),
and writes:

* ``docs/model_literature.md``: agreement on the calibration set and on the validation set,
  separately; the disagreements with what the model is missing (from
  ``known_disagreements.toml``); one row per entry (paper, experiment, published, model,
  agree?); and the ``ifnexus simulate`` command of every arm;
* ``docs/model_literature/entries.csv``: the per-entry table;
* ``docs/model_literature/panel.png``: the published bands against the model, and the status
  of every entry.

An entry whose status differs from what ``known_disagreements.toml`` records is flagged in the
report (the test suite fails on it too).
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "tests" / "model" / "literature" / "panel.py"
DOC = ROOT / "docs" / "model_literature.md"
ASSETS = ROOT / "docs" / "model_literature"
STATUS_ORDER = ("agree", "disagree", "not evaluable", "not expressible")
COLOURS = {
    "agree": "#1b7837",
    "disagree": "#c51b7d",
    "not evaluable": "#e08214",
    "not expressible": "#999999",
}


def _runner():
    name = "ifnexus_literature_panel"
    spec = importlib.util.spec_from_file_location(name, RUNNER)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _short_citation(entry: dict) -> str:
    cit = entry["citation"]
    first = cit.split(",")[0].split(".")[0]
    ident = f"PMID {entry['pmid']}" if entry.get("pmid") else (entry.get("doi") or "")
    year = next(
        (
            t
            for t in cit.replace(";", " ").replace(".", " ").split()
            if t[:2] in ("19", "20") and t[:4].isdigit()
        ),
        "",
    )
    return f"{first} {year[:4]}" + (f" ({ident})" if ident else "")


def _caveats(results: list) -> list[str]:
    """Agreements that hold for a reason other than the published one (checked on the values)."""
    out = []
    for r in results:
        e = r.entry
        if r.status != "agree":
            continue
        surgery = r.values.get("surgery", {}).get("local_control")
        if e.get("setting") == "patient" and surgery is not None and surgery < 0.5:
            out.append(
                f"`{e['id']}` agrees, but surgery alone controls {surgery:.2f} of tumours here "
                "(published series: most); the difference with RT is then too large for the "
                "right reason to be claimed (issue #15 item 5)."
            )
    return out


def _named_in_sources(entries: list[dict]) -> dict[str, list[str]]:
    """Validation entries whose paper a parameter source names: ``{id: [parameter, ...]}``.

    Matched on the PMID, the DOI, or the first author's surname followed within a few words
    by the year. The same paper may be cited for another of its results, so this is a
    prompt to check, not a verdict.
    """
    import re

    from ifnexus.model import PARAMETERS

    sources = {p.name: f"{p.source} {p.source_patient or ''}" for p in PARAMETERS}
    out: dict[str, list[str]] = {}
    for e in entries:
        if e["set"] != "validation":
            continue
        surname = re.split(r"[ ,.]", e["citation"].strip())[0]
        year = re.search(r"\b(19|20)\d\d\b", e["citation"])
        pats = [re.escape(x) for x in (e.get("pmid"), e.get("doi")) if x]
        if surname and surname[0].isupper() and year and len(surname) > 2:
            pats.append(rf"\b{re.escape(surname)}\b[^;]{{0,40}}\b{year.group(0)}\b")
        hits = [n for n, src in sources.items() if any(re.search(pt, src) for pt in pats)]
        if hits:
            out[e["id"]] = hits
    return out


def _by_issue_item(df: pd.DataFrame) -> dict[int, list[str]]:
    """Entries that do not agree, by the issue #15 item their recorded reason names."""
    import re

    out: dict[int, list[str]] = {}
    for i, reason in zip(df["id"], df["missing"], strict=True):
        for m in re.finditer(r"items?\s+(\d+(?:\s*(?:,|and)\s*\d+)*)", str(reason)):
            for n in re.findall(r"\d+", m.group(1)):
                out.setdefault(int(n), [])
                if i not in out[int(n)]:
                    out[int(n)].append(i)
    return dict(sorted(out.items()))


def _figure(results: list, path: Path) -> Path:
    from ifnexus._figures import new_figure, save_figure

    bands = []
    for r in results:
        for c, spec in zip(r.checks, r.entry["checks"], strict=False):
            if spec["op"] != "between":
                continue
            readout = spec.get("readout", r.entry["readout"])
            if readout not in ("local_control", "fail_within_365"):
                continue
            value = r.values[spec["a"]][readout]
            bands.append((f"{r.entry['id']}:{spec['a']}", spec["low"], spec["high"], value, c.ok))
    fig = new_figure((10.0, 0.2 * len(results) + 1.2))
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1.6, 0.25])
    for i, (_label, lo, hi, v, ok) in enumerate(bands):
        ax1.plot([lo, min(hi, 1.0)], [i, i], color="#bbbbbb", lw=6, solid_capstyle="butt")
        ax1.plot([v], [i], "o", color=COLOURS["agree" if ok else "disagree"], ms=6)
    ax1.set_yticks(range(len(bands)), [b[0] for b in bands], fontsize=7)
    ax1.invert_yaxis()
    ax1.set_xlim(-0.02, 1.02)
    ax1.set_xlabel("fraction (local control; share of failures within 1 y)")
    ax1.set_title("published band (grey) vs model (dot)", fontsize=9)
    for i, r in enumerate(results):
        marker = "o" if r.entry["set"] == "calibration" else "s"
        ax2.plot([0], [i], marker, color=COLOURS[r.status], ms=7)
    ax2.set_yticks(
        range(len(results)),
        [f"{r.entry['id']} ({r.entry['set'][:3]})" for r in results],
        fontsize=7,
    )
    ax2.yaxis.tick_right()
    ax2.invert_yaxis()
    ax2.set_xticks([])
    ax2.set_title("status", fontsize=9)
    ax2.set_xlabel(
        "green agree\npink disagree\norange not evaluable\ngrey not expressible\n"
        "(o calibration, s validation)",
        fontsize=7,
    )
    return save_figure(fig, path, dpi=110)


def _rate(df: pd.DataFrame) -> str:
    n = len(df)
    agree = int((df["status"] == "agree").sum())
    expressible = int((df["status"] != "not expressible").sum())
    return f"{agree}/{n} ({100 * agree / n:.0f}%)" + (
        f"; {agree}/{expressible} ({100 * agree / expressible:.0f}%) of the expressible"
        if expressible
        else ""
    )


def _git(*args: str) -> str:
    """Output of ``git args`` in the repository ("" without git or outside a checkout)."""
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _split_commits(entries: list[dict]) -> list[dict]:
    """The commits that fixed each entry's set: for each, the commit that first added its id.

    Read from the history of ``panel.toml`` (``git log -p``), so a new batch is named without
    editing this tool. Returns, in history order, ``{"commit", "ids", "sets", "alone"}`` per
    commit (``alone``: the commit changed ``panel.toml`` and nothing else), and one record with
    ``commit`` ``None`` for entries not committed yet.
    """
    import re

    rel = RUNNER.with_name("panel.toml").relative_to(ROOT).as_posix()
    first: dict[str, str] = {}
    commit = ""
    log = _git("log", "--reverse", "--format=commit %h", "-p", "--unified=0", "--", rel)
    for line in log.splitlines():
        if line.startswith("commit "):
            commit = line.split()[1]
            continue
        m = re.match(r'\+id\s*=\s*"([^"]+)"', line)
        if m and m.group(1) not in first:
            first[m.group(1)] = commit
    sets = {e["id"]: e["set"] for e in entries}
    out: list[dict] = []
    for c in dict.fromkeys(first[i] for i in sets if i in first):
        ids = [i for i in sets if first.get(i) == c]
        files = _git("show", "--format=", "--name-only", c).split()
        out.append(
            {"commit": c, "ids": ids, "sets": [sets[i] for i in ids], "alone": files == [rel]}
        )
    uncommitted = [i for i in sets if i not in first]
    if uncommitted:
        out.append(
            {
                "commit": None,
                "ids": uncommitted,
                "sets": [sets[i] for i in uncommitted],
                "alone": False,
            }
        )
    return out


def _split_text(batches: list[dict]) -> str:
    """One sentence naming the commit of every batch of entries (see :func:`_split_commits`)."""
    if not batches:
        return "(the commit history of `panel.toml` is not available here)"

    def counts(sets: list[str]) -> str:
        n = {k: sets.count(k) for k in ("calibration", "validation") if k in sets}
        return ", ".join(f"{v} {k}" for k, v in n.items())

    parts = []
    for k, b in enumerate(batches):
        n = len(b["ids"])
        if b["commit"] is None:
            parts.append(f"{n} {'entry' if n == 1 else 'entries'} not yet committed")
            continue
        label = f"the first {n}" if k == 0 else f"the {n} of batch {k + 1}"
        alone = "" if b["alone"] else "; also changing other files"
        parts.append(f"`{b['commit']}` for {label} ({counts(b['sets'])}{alone})")
    shared = all(b["alone"] for b in batches)
    return (
        "(the commit that first added each entry to `panel.toml`, from its git history: "
        + "; ".join(parts)
        + ("; each committing `panel.toml` alone)" if shared else ")")
    )


def _model_state() -> str:
    """The commit the model was run at, and whether ``src/ifnexus/model`` had local edits."""
    head = _git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = _git("status", "--porcelain", "--", "src/ifnexus/model")
    return f"commit `{head}`" + (
        " with uncommitted changes in `src/ifnexus/model`" if dirty else ""
    )


def build(
    doc: Path = DOC, assets: Path = ASSETS, extra_seeds: tuple[int, ...] = (1, 2)
) -> pd.DataFrame:
    """Run the panel, write the report, table and figure; return the per-entry table.

    ``extra_seeds``: the panel is re-run with these seeds to show which statuses depend on
    the draw of the cohort (the tests and the rates use the panel's own seed).
    """
    from ifnexus._io import write_table, write_text

    panel = _runner()
    meta, entries = panel.load_panel()
    known = panel.load_known()
    t_cpu, t_wall = time.process_time(), time.perf_counter()
    results = [panel.run_entry(e, meta) for e in entries]
    cpu, wall = time.process_time() - t_cpu, time.perf_counter() - t_wall
    by_seed = {
        seed: {e["id"]: panel.run_entry(e, {**meta, "seed": seed}).status for e in entries}
        for seed in extra_seeds
    }

    rows = []
    for r in results:
        e = r.entry
        k = known.get(e["id"])
        expected = (
            "agree"
            if k is None
            else ("not expressible" if k["kind"] == "not expressible" else "disagree")
        )
        rows.append(
            {
                "id": e["id"],
                "set": e["set"],
                "topic": e["topic"],
                "paper": _short_citation(e),
                "experiment": e["experiment"],
                "published": e["published"],
                "model": r.model_text,
                "status": r.status,
                "kind": "" if k is None else k["kind"],
                "missing": "" if k is None else k["reason"],
                "recorded": expected == r.status,
                "other_seeds": "/".join(by_seed[seed][e["id"]] for seed in extra_seeds),
                "source_checked": e["source_checked"],
            }
        )
    df = pd.DataFrame(rows)
    assets.mkdir(parents=True, exist_ok=True)
    write_table(df, assets / "entries.csv")
    _figure(results, assets / "panel.png")

    cal, val = df[df["set"] == "calibration"], df[df["set"] == "validation"]
    lines = [
        "# The model against published results: the literature panel",
        "",
        "<!-- generated by tools/literature_panel.py from tests/model/literature/panel.toml; "
        "do not edit by hand -->",
        "",
        f"{len(df)} published results (mouse experiments and clinical series), each a test in "
        "`tests/model/literature/` (`test_literature_panel.py`, data in `panel.toml`). Each entry "
        "names the paper, the experiment, what was published (direction, and the size where a "
        "number was checked) and the model's command; the model is run through its public API "
        f"({meta['n_mouse']} mice or {meta['n_patient']} patients per arm, seed {meta['seed']} "
        "in every arm, so arms differ only by what the experiment changes).",
        "",
        "**The split was fixed before the model was run on any entry** "
        f"{_split_text(_split_commits(entries))}: "
        "`calibration` = results the current parameters were "
        "tuned to (the sources in `src/ifnexus/model/_params.py`, `tests/model/test_calibration.py` "
        "and the shared design's list of targets); `validation` = everything else, never to be "
        "used to tune a parameter. Entries the model gets wrong are recorded afterwards, with what "
        "the model is missing, in `known_disagreements.toml` and run as strict xfails: a model "
        "change that fixes one fails the suite until the record is updated and this page rebuilt.",
        "",
        "## Agreement",
        "",
        "| set | entries | agree | disagree | not evaluable | not expressible | agreement |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, part in (("calibration", cal), ("validation", val), ("all", df)):
        counts = part["status"].value_counts()
        lines.append(
            f"| {name} | {len(part)} | {counts.get('agree', 0)} | {counts.get('disagree', 0)} | "
            f"{counts.get('not evaluable', 0)} | {counts.get('not expressible', 0)} | "
            f"{_rate(part)} |"
        )
    lines += [
        "",
        "Goal of issue #15: at least 85% agreement on the validation set, and no result in the "
        "opposite direction without a stated reason. An entry agrees when every one of its "
        "checks holds; `not expressible` = the model refuses the experiment's command (an "
        "intervention, genotype or disease extent it does not have) and counts as a "
        "disagreement in the rate; `not evaluable` = the model ran but a compared readout has "
        "no value in an arm (no tumour evaluable, e.g. follow-up shorter than the readout's "
        "day), and also counts as a disagreement in the rate.",
        "",
        f"Model: {_model_state()}. Run time of the whole panel: {cpu:.1f} s CPU "
        f"({wall:.1f} s wall) on this machine.",
        "",
    ]
    if extra_seeds:
        flips = [
            f"`{i}` ({s} with seed {meta['seed']}; {o} with seeds "
            f"{'/'.join(str(x) for x in extra_seeds)})"
            for i, s, o in zip(df["id"], df["status"], df["other_seeds"], strict=True)
            if any(t != s for t in o.split("/"))
        ]
        lines += [
            f"Seed dependence: the panel was re-run with seeds "
            f"{', '.join(str(x) for x in extra_seeds)}; "
            + (
                f"{len(flips)} {'entry changes' if len(flips) == 1 else 'entries change'} status: "
                + "; ".join(flips)
                + "."
                if flips
                else "no entry changes status."
            ),
            "",
        ]
    stale = df[~df["recorded"]]
    if len(stale):
        lines += [
            "**Not as recorded** (update `known_disagreements.toml`): "
            + ", ".join(f"`{i}` ({s})" for i, s in zip(stale["id"], stale["status"], strict=True)),
            "",
        ]
    named = _named_in_sources(entries)
    if named:
        lines += [
            "Validation entries whose paper a model parameter's source names (the same paper "
            "may be cited for another of its results; check that this result was not tuned "
            "on): " + "; ".join(f"`{i}` ({', '.join(p)})" for i, p in named.items()) + ".",
            "",
        ]
    lines += ["![published bands and entry status](model_literature/panel.png)", ""]

    lines += ["## Disagreements and what the model is missing", ""]
    order = [
        "opposite direction",
        "no effect",
        "too small",
        "outside the published band",
        "not expressible",
        "not evaluable",
    ]
    bad = df[df["status"] != "agree"].copy()
    bad.loc[bad["status"] == "not evaluable", "kind"] = "not evaluable"
    bad["rank"] = bad["kind"].map({k: i for i, k in enumerate(order)}).fillna(len(order))
    for kind, part in bad.sort_values(["rank", "set", "id"]).groupby("rank", sort=True):
        title = order[int(kind)] if int(kind) < len(order) else "not recorded"
        lines += [f"### {title}", ""]
        for _, row in part.iterrows():
            lines.append(
                f"* `{row['id']}` ({row['set']}; {row['paper']}): published: {row['published']} "
                f"Model: {row['model']}. Missing: {row['missing'] or '(not recorded)'}"
            )
        lines.append("")
    items = _by_issue_item(bad)
    if items:
        lines += [
            "### What the disagreements ask of the model, by issue #15 item",
            "",
            "| item | entries that name it | entries |",
            "|---|---|---|",
        ]
        lines += [
            f"| {n} | {len(ids)} | " + ", ".join(f"`{i}`" for i in ids) + " |"
            for n, ids in items.items()
        ]
        lines.append("")
    caveats = _caveats(results)
    if caveats:
        lines += ["### Agreements with a caveat", ""] + [f"* {c}" for c in caveats] + [""]

    lines += [
        "## Adding a result, and after a model change",
        "",
        "1. Add the entry to `panel.toml` as `validation` (paper, experiment, what was "
        "published and how it was checked, arms, checks) and commit `panel.toml` alone "
        "before running it: the split is fixed by that commit.",
        "2. Run `python tools/literature_panel.py`; record a disagreement in "
        "`known_disagreements.toml` with its kind and what the model is missing.",
        "3. A result used to tune a parameter afterwards stays `validation` in the file but "
        "must be named in the parameter's source; this page then reports it as tuned-on.",
        "4. After a model change: run the tests of `tests/model/literature/`; a strict xfail "
        "that now passes (or fails differently) means the record is out of date: update "
        "`known_disagreements.toml` and re-run this tool.",
        "",
        "## Every entry",
        "",
        "| id | set | topic | paper | experiment | published | model | agree? |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for _, row in df.iterrows():
        mark = {
            "agree": "yes",
            "disagree": "**no**",
            "not evaluable": "**not evaluable**",
            "not expressible": "**not expressible**",
        }[row["status"]]
        lines.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    f"`{row['id']}`",
                    row["set"],
                    row["topic"],
                    row["paper"],
                    row["experiment"],
                    row["published"],
                    row["model"],
                    mark,
                )
            )
            + " |"
        )
    lines += [
        "",
        "## Sources: how each number was checked",
        "",
        "`abstract` = read in a stored abstract or page through the project's search tools; "
        "`shared notes` = the project's reference notes with their confidence mark; `memory` = "
        "not re-checked, so only the direction is asserted.",
        "",
    ]
    for e in entries:
        lines.append(f"* `{e['id']}`: {e['citation']} Checked: {e['source_checked']}.")
    lines += [
        "",
        "## Model commands",
        "",
        "The `ifnexus simulate` command of every arm (the tests call the same API). "
        "Each line runs as is in bash: parameter overrides are a TOML file given through "
        "process substitution (`--params <(printf 'name = value\\n')`). Two exceptions: a "
        "schedule of many equal pulses is abbreviated (`<N pulses of D Gy every H h: ...>`; "
        "the panel runs the full `day:dose` list), and the arms of a `not expressible` entry "
        "end in the model's error naming what it lacks. The panel's own choices (doses or "
        "timings the abstract does not give) are listed under each entry.",
        "",
    ]
    for e in entries:
        lines += [
            f"**{e['id']}** ({e['readout']})"
            + (f"; panel's choice: {e['model_choice']}" if e.get("model_choice") else ""),
            "",
            "```",
        ]
        lines += [f"# {name}\n{panel.cli_command(e, meta, name)}" for name in e["arms"]]
        lines += ["```", ""]
    write_text(doc, "\n".join(lines).rstrip() + "\n")
    return df


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--doc", type=Path, default=DOC, help="report to write")
    ap.add_argument("--assets", type=Path, default=ASSETS, help="folder of the table and figure")
    args = ap.parse_args(argv)
    df = build(args.doc, args.assets)
    for name in ("calibration", "validation"):
        print(f"{name}: {_rate(df[df['set'] == name])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
