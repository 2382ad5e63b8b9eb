"""Malformed inputs for the screen readers and commands: each ends in a clear error or a right result.

The corpus is generated from small valid files (a count table, a library, a FASTQ file, a
control list, a GMT file and a gene table) by mechanical damage: truncation after every line
and inside every line, a byte that is not UTF-8 or a NUL on every line, wrong delimiters,
missing and duplicated columns, every count cell replaced by a bad value, other encodings,
files named ``.gz`` that are not gzip, and gzip streams cut short. Each case carries its
expected outcome:

* ``("error", pattern)``: an :class:`ifnexus.errors.IfnexusError` whose message names the file
  and matches ``pattern`` (the line, the column, what was expected);
* ``("ok", expected)``: the reader returns ``expected``, built here from the source data, not
  from ifnexus output.

Any other exception fails the case. ``test_corpus_size`` keeps the count documented in
docs/reliability.md honest. The property-based tests (hypothesis) then feed arbitrary bytes and
near-valid text to each reader: it returns a valid result or raises an ``IfnexusError``, never
another exception, within a deadline.
"""

from __future__ import annotations

import gzip
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ifnexus.cli import main
from ifnexus.cli._screen import _parse_doublings
from ifnexus.errors import IfnexusError, InputFormatError, ValidationError
from ifnexus.genesets._gmt import read_gene_set_table, read_gmt
from ifnexus.screen import count_fastq, parse_comparisons, parse_samples
from ifnexus.screen._count import MAX_ID_LENGTH, read_library_records
from ifnexus.screen._fastq import MAX_LINE_BYTES, iter_fastq
from ifnexus.screen._io import MAX_COUNT, read_control_list, read_counts
from ifnexus.screen._pathway import gene_set_ranks, read_gene_table

# ---------------------------------------------------------------------------------------------
# the valid sources

SAMPLES = ["T0", "A", "B"]
ROWS = [  # sgRNA, gene, counts
    ("s1", "STING1", (10, 0, 5)),
    ("s2", "STING1", (7, 3, 2)),
    ("s3", "IRF3", (120, 80, 95)),
    ("s4", "IRF3", (0, 0, 1)),
    ("s5", "CGAS", (33, 41, 12)),
    ("s6", "CGAS", (1, 2, 3)),
    ("s7", "NTC", (500, 510, 490)),
]
COUNT_LINES = ["sgRNA\tGene\t" + "\t".join(SAMPLES)] + [
    f"{s}\t{g}\t" + "\t".join(str(c) for c in cs) for s, g, cs in ROWS
]
LIBRARY = [
    ("s1", "ACGTACGTAC", "STING1"),
    ("s2", "TTGACCAGTA", "STING1"),
    ("s3", "GGGCCCAAAT", "IRF3"),
    ("s4", "CATGCATGCA", "IRF3"),
    ("s5", "AACCGGTTAA", "CGAS"),
    ("s6", "TGCATGCAAG", "CGAS"),
]
LIB_LINES = ["sgRNA\tsequence\tgene"] + ["\t".join(r) for r in LIBRARY]
READS = ["ACGTACGTAC", "TTGACCAGTA", "ACGTACGTAC", "GGGCCCAAAT", "NNNNNNNNNN", "CATGCATGCA"]
FASTQ_LINES = [x for i, r in enumerate(READS) for x in (f"@r{i}", r, "+", "I" * len(r))]
CONTROLS = ["s7", "s6", "s5"]
GMT_LINES = [
    "SET_A\tfirst set\tSTING1\tIRF3\tCGAS",
    "SET_B\tsecond set\tIFNB1\tIRF7",
    "SET_C\tthird\tMX1\tISG15\tOAS1\tIFIT1",
]
GMT_SETS = {"SET_A": ("STING1", "IRF3", "CGAS"), "SET_B": ("IFNB1", "IRF7"),
            "SET_C": ("MX1", "ISG15", "OAS1", "IFIT1")}  # fmt: skip
GENES = ["STING1", "IRF3", "CGAS", "TBK1", "G1", "G2", "G3", "G4"]
SCORES = [3.5, 2.0, 1.5, 0.5, -0.1, -0.4, -1.2, -2.0]
GENE_LINES = ["gene,rho"] + [f"{g},{s}" for g, s in zip(GENES, SCORES, strict=True)]


def _text(lines: list[str]) -> bytes:
    return "".join(f"{x}\n" for x in lines).encode("utf-8")


def _expected_counts(rows: list[tuple[str, str, tuple[float, ...]]], samples=SAMPLES):
    df = pd.DataFrame(
        np.array([cs for _, _, cs in rows], dtype=np.float64).reshape(len(rows), len(samples)),
        columns=samples,
    )
    df.insert(0, "Gene", [g for _, g, _ in rows])
    df.index = pd.Index([s for s, _, _ in rows], name="sgRNA")
    return df


def _read_fastq(path: Path) -> list[str]:
    out: list[str] = []
    for ch in iter_fastq(path):
        b = ch.buf
        out += [bytes(b[s : s + n]).decode() for s, n in zip(ch.start, ch.length, strict=True)]
    return out


def _library(path: Path):
    return tuple(read_library_records(path))


def _pathway(path: Path):
    table = read_gene_table(path)
    return gene_set_ranks(table, ["STING1", "IRF3"], score="rho")["rank"].tolist()


READERS: dict[str, Callable[[Path], object]] = {
    "counts": read_counts,
    "library": _library,
    "fastq": _read_fastq,
    "controls": read_control_list,
    "gmt": lambda p: {k: v.genes for k, v in read_gmt(p).items()},
    "genes": _pathway,
}


@dataclass(frozen=True)
class Case:
    """One malformed (or damaged but still valid) input and what must come of it."""

    reader: str
    name: str  # file name; its suffix chooses TSV/CSV/gzip handling
    data: bytes
    outcome: str  # "error" or "ok"
    expect: object  # a message pattern (error) or the expected value (ok)

    @property
    def id(self) -> str:
        return f"{self.reader}-{self.name}"


# ---------------------------------------------------------------------------------------------
# generic damage, applied to every reader's valid file


def _generic(reader: str, stem: str, suffix: str, lines: list[str], ok_value) -> list[Case]:
    """Damage every reader's file suffers the same way: encodings, NULs, gzip, emptiness."""
    cases = []
    good = _text(lines)
    name = f"{stem}{suffix}"
    cases.append(Case(reader, f"empty{suffix}", b"", "error", r"empty|no .*found"))
    cases.append(Case(reader, f"blank{suffix}", b"\n\n  \n", "error",
                      r"empty|no .*found|truncated record 1"))  # fmt: skip
    cases.append(Case(reader, f"notgz{suffix}.gz", good, "error", r"\.gz but .*not gzip"))
    cases.append(Case(reader, f"gz{suffix}.gz", gzip.compress(good), "ok", ok_value))
    cases.append(Case(reader, f"gzbycontent{suffix}", gzip.compress(good), "ok", ok_value))
    cases.append(Case(reader, f"bom{suffix}", b"\xef\xbb\xbf" + good, "ok", ok_value))
    cases.append(Case(reader, f"crlf{suffix}", good.replace(b"\n", b"\r\n"), "ok", ok_value))
    cases.append(Case(reader, f"cr{suffix}", good.replace(b"\n", b"\r"), "ok", ok_value))
    cases.append(Case(reader, f"utf16{suffix}", good.decode().encode("utf-16"), "error",
                      r"line 1, byte 1: not UTF-8"))  # fmt: skip
    packed = gzip.compress(good)
    for cut in (5, 12, len(packed) // 2, len(packed) - 4):
        cases.append(Case(reader, f"gzcut{cut}{suffix}.gz", packed[:cut], "error",
                          r"corrupt or truncated"))  # fmt: skip
    for k in range(len(lines)):
        for bad, what in ((b"\xff", r"not UTF-8 text \(byte 0xff\)"), (b"\xe9", "not UTF-8"),
                          (b"\x00", "NUL byte")):  # fmt: skip
            damaged = list(lines)
            raw = damaged[k].encode()
            pos = min(2, len(raw))
            data = _text(damaged[:k]) + raw[:pos] + bad + raw[pos:] + b"\n"
            data += _text(damaged[k + 1 :]) if k + 1 < len(lines) else b""
            tag = {b"\xff": "ff", b"\xe9": "latin1", b"\x00": "nul"}[bad]
            cases.append(Case(reader, f"{tag}{k + 1}{suffix}", data, "error",
                              rf"line {k + 1}, byte {pos + 1}: .*{what}"))  # fmt: skip
    latin = "\n".join(lines).replace("STING1", "STÏNG1").replace("s1", "sé1") + "\n"
    if latin.encode("latin-1") != latin.encode("utf-8"):
        cases.append(Case(reader, f"latin1{suffix}", latin.encode("latin-1"), "error",
                          "not UTF-8"))  # fmt: skip
    del name
    return cases


def _count_cases() -> list[Case]:
    cases = _generic("counts", "counts", ".txt", COUNT_LINES, _expected_counts(ROWS))
    # truncation after every line: a prefix of the rows is a valid, smaller table
    cases.append(Case("counts", "header_only.txt", _text(COUNT_LINES[:1]), "error",
                      "only a header line"))  # fmt: skip
    for k in range(2, len(COUNT_LINES)):
        cases.append(Case("counts", f"first{k}.txt", _text(COUNT_LINES[:k]), "ok",
                          _expected_counts(ROWS[: k - 1])))  # fmt: skip
    # truncation inside every data line (no final newline): the cut line is ragged or valid
    for k in range(1, len(COUNT_LINES)):
        line = COUNT_LINES[k]
        cut = line.rsplit("\t", 1)[0] + "\t"  # last count missing
        data = _text(COUNT_LINES[:k]) + cut.encode()
        cases.append(Case("counts", f"cut{k + 1}.txt", data, "error",
                          rf"line {k + 1}.*column 'B'|ragged"))  # fmt: skip
        cut2 = "\t".join(line.split("\t")[:2])  # only sgRNA and gene
        data = _text(COUNT_LINES[:k]) + cut2.encode()
        cases.append(Case("counts", f"cutfields{k + 1}.txt", data, "error",
                          rf"line {k + 1}|ragged|Expected"))  # fmt: skip
    # every count cell replaced by a bad value
    bad_values = {
        "neg": ("-1", "cannot be negative"),
        "text": ("abc", "expected a finite read count"),
        "nan": ("nan", "expected a finite read count"),
        "inf": ("inf", "expected a finite read count"),
        "huge": ("1e300", r"above 9007199254740992"),
        "empty": ("", "expected a finite read count"),
        "comma": ("1,5", "expected a finite read count"),
    }
    for r in range(len(ROWS)):
        for j, sample in enumerate(SAMPLES):
            for tag, (value, msg) in bad_values.items():
                lines = list(COUNT_LINES)
                f = lines[r + 1].split("\t")
                f[2 + j] = value
                lines[r + 1] = "\t".join(f)
                cases.append(Case("counts", f"{tag}_r{r + 2}_{sample}.txt", _text(lines), "error",
                                  rf"line {r + 2}, column '{sample}': .*{msg}"))  # fmt: skip
    # ids: empty, duplicated, with a tab (quoted), too long
    for r in range(len(ROWS)):
        lines = list(COUNT_LINES)
        f = lines[r + 1].split("\t")
        lines[r + 1] = "\t".join(["", *f[1:]])
        cases.append(Case("counts", f"emptyid{r + 2}.txt", _text(lines), "error",
                          rf"line {r + 2}: empty sgRNA id"))  # fmt: skip
        lines = list(COUNT_LINES)
        lines[r + 1] = "\t".join([f[0], "", *f[2:]])
        cases.append(Case("counts", f"emptygene{r + 2}.txt", _text(lines), "error",
                          rf"line {r + 2}: empty gene"))  # fmt: skip
        lines = list(COUNT_LINES)
        lines[r + 1] = "\t".join([f'"{f[0]}\tx"', *f[1:]])
        cases.append(Case("counts", f"tabid{r + 2}.txt", _text(lines), "error",
                          rf"line {r + 2}: sgRNA id .* control character '\\t'"))  # fmt: skip
        lines = list(COUNT_LINES)
        lines[r + 1] = "\t".join([f[0], f'"{f[1]}\nx"', *f[2:]])
        cases.append(Case("counts", f"newlinegene{r + 2}.txt", _text(lines), "error",
                          rf"line {r + 2}: gene .* control character '\\n'"))  # fmt: skip
        if r > 0:
            lines = list(COUNT_LINES)
            lines[r + 1] = "\t".join(["s1", *f[1:]])
            cases.append(Case("counts", f"dupid{r + 2}.txt", _text(lines), "error",
                              rf"line {r + 2}: duplicated sgRNA id 's1' \(first seen on line 2\)"))  # fmt: skip
    lines = list(COUNT_LINES)
    lines[3] = "\t".join(["x" * (MAX_ID_LENGTH + 1), *lines[3].split("\t")[1:]])
    cases.append(Case("counts", "longid.txt", _text(lines), "error",
                      rf"line 4: sgRNA id .* the limit is {MAX_ID_LENGTH}"))  # fmt: skip
    # wrong delimiters, missing and duplicated columns
    for tag, sep in (("comma", ","), ("semicolon", ";"), ("space", " ")):
        lines = [x.replace("\t", sep) for x in COUNT_LINES]
        cases.append(Case("counts", f"{tag}.txt", _text(lines), "error",
                          r"line 1: expected sgRNA, Gene and at least one sample"))  # fmt: skip
    csv_lines = [x.replace("\t", ",") for x in COUNT_LINES]
    cases.append(Case("counts", "comma.csv", _text(csv_lines), "ok", _expected_counts(ROWS)))
    cases.append(Case("counts", "tabs.csv", _text(COUNT_LINES), "error", r"line 1: expected"))
    lines = [x.rsplit("\t", 1)[0] for x in COUNT_LINES[:1]] + COUNT_LINES[1:]
    cases.append(Case("counts", "header_short.txt", _text(lines), "error", r"ragged|Expected"))
    lines = COUNT_LINES[:1] + [x.rsplit("\t", 1)[0] for x in COUNT_LINES[1:]]
    cases.append(Case("counts", "rows_short.txt", _text(lines), "error", r"column 'B'|ragged"))
    lines = [COUNT_LINES[0].replace("\tB", "\tA")] + COUNT_LINES[1:]
    cases.append(Case("counts", "dup_sample.txt", _text(lines), "error",
                      r"line 1: duplicated sample label\(s\) \['A'\]"))  # fmt: skip
    lines = [x + "\t1" for x in COUNT_LINES[1:]]
    cases.append(Case("counts", "extra_col.txt", _text(COUNT_LINES[:1] + lines), "error",
                      r"ragged|Expected"))  # fmt: skip
    return cases


def _library_ok(records):
    ids = [r[0] for r in records]
    return ids, [r[1] for r in records], [r[2] for r in records]


def _library_cases() -> list[Case]:
    cases = _generic("library", "library", ".txt", LIB_LINES, _library_ok(LIBRARY))
    cases.append(Case("library", "header_only.txt", _text(LIB_LINES[:1]), "error",
                      "no sgRNA records"))  # fmt: skip
    for k in range(2, len(LIB_LINES)):
        cases.append(Case("library", f"first{k}.txt", _text(LIB_LINES[:k]), "ok",
                          _library_ok(LIBRARY[: k - 1])))  # fmt: skip
    for r in range(len(LIBRARY)):
        n = r + 2
        for ch in "XUZ-*1 ":
            lines = list(LIB_LINES)
            sid, seq, gene = LIBRARY[r]
            lines[r + 1] = "\t".join([sid, seq[:4] + ch + seq[5:], gene])
            if ch == " ":
                continue  # a space inside a field is kept and refused like any letter below
            cases.append(Case("library", f"notdna_{ord(ch)}_{n}.txt", _text(lines), "error",
                              rf"line {n}: sequence .* is not DNA \(character '{re.escape(ch)}' "
                              r"at position 5\)"))  # fmt: skip
        lines = list(LIB_LINES)
        lines[r + 1] = "\t".join([sid, "", gene])
        cases.append(Case("library", f"emptyseq{n}.txt", _text(lines), "error",
                          rf"line {n}: empty sequence"))  # fmt: skip
        lines = list(LIB_LINES)
        lines[r + 1] = "\t".join([sid, seq])
        cases.append(Case("library", f"twofields{n}.txt", _text(lines), "error",
                          rf"line {n}: expected sgRNA id, sequence and gene, found 2"))  # fmt: skip
        lines = list(LIB_LINES)
        lines[r + 1] = "\t".join([sid, seq.lower(), gene])
        cases.append(Case("library", f"lower{n}.txt", _text(lines), "ok", _library_ok(LIBRARY)))
        lines = list(LIB_LINES)
        lines[r + 1] = ",".join([sid, seq, gene])
        cases.append(Case("library", f"comma{n}.txt", _text(lines), "error",
                          rf"line {n}: expected sgRNA id, sequence and gene, found 1"))  # fmt: skip
        lines = list(LIB_LINES)
        lines[r + 1] = "\t".join([sid, seq, ""])
        cases.append(Case("library", f"emptygene{n}.txt", _text(lines), "error",
                          rf"line {n}: .*empty gene|line {n}: expected"))  # fmt: skip
    return cases


def _fastq_cases() -> list[Case]:
    cases = _generic("fastq", "reads", ".fastq", FASTQ_LINES, READS)
    cases = [c for c in cases if "latin1" not in c.name or c.outcome == "ok"]
    # the FASTQ reader does not decode text: bytes that are not UTF-8 are only wrong where
    # they break a record, so the encoding cases above are replaced by structural ones
    cases = [c for c in cases if not re.match(r"(ff|latin1|nul|utf16|bom|cr\.)", c.name)]
    cases.append(Case("fastq", "cr.fastq", _text(FASTQ_LINES).replace(b"\n", b"\r"), "error",
                      r"truncated record 1 at the end of the file \(1 of 4 lines present\)"))  # fmt: skip
    cases.append(Case("fastq", "bom.fastq", b"\xef\xbb\xbf" + _text(FASTQ_LINES), "error",
                      r"malformed record 1: header line does not start with '@'"))  # fmt: skip
    n = len(FASTQ_LINES)
    for k in range(1, n):  # truncation after every line
        data = _text(FASTQ_LINES[:k])
        if k % 4 == 0:
            cases.append(Case("fastq", f"first{k}.fastq", data, "ok", READS[: k // 4]))
        else:
            cases.append(Case("fastq", f"first{k}.fastq", data, "error",
                              rf"truncated record {k // 4 + 1} at the end of the file "
                              rf"\({k % 4} of 4 lines present\)"))  # fmt: skip
    for r in range(len(READS)):
        i = 4 * r
        lines = list(FASTQ_LINES)
        lines[i] = "x" + lines[i][1:]
        cases.append(Case("fastq", f"noat{r + 1}.fastq", _text(lines), "error",
                          rf"malformed record {r + 1}: header line does not start with '@'"))  # fmt: skip
        lines = list(FASTQ_LINES)
        lines[i + 2] = "-"
        cases.append(Case("fastq", f"noplus{r + 1}.fastq", _text(lines), "error",
                          rf"malformed record {r + 1}: third line does not start with '\+'"))  # fmt: skip
        lines = list(FASTQ_LINES)
        lines[i + 3] = lines[i + 3][:-1]
        cases.append(Case("fastq", f"shortqual{r + 1}.fastq", _text(lines), "error",
                          rf"malformed record {r + 1}: sequence and quality lengths differ"))  # fmt: skip
        lines = list(FASTQ_LINES)
        del lines[i + 1]
        cases.append(Case("fastq", f"noseq{r + 1}.fastq", _text(lines), "error",
                          r"malformed record|truncated record"))  # fmt: skip
        lines = list(FASTQ_LINES)
        lines[i + 1] = lines[i + 1].lower()
        cases.append(Case("fastq", f"lower{r + 1}.fastq", _text(lines), "ok",
                          [x.lower() if j == r else x for j, x in enumerate(READS)]))  # fmt: skip
    return cases


def _control_cases() -> list[Case]:
    cases = _generic("controls", "controls", ".txt", CONTROLS, CONTROLS)
    for k in range(1, len(CONTROLS)):
        cases.append(Case("controls", f"first{k}.txt", _text(CONTROLS[:k]), "ok", CONTROLS[:k]))
    for k in range(len(CONTROLS)):
        lines = list(CONTROLS)
        lines[k] = lines[k] + "\textra"
        cases.append(Case("controls", f"tab{k + 1}.txt", _text(lines), "error",
                          rf"line {k + 1}: id .* control character '\\t'"))  # fmt: skip
    return cases


def _gmt_cases() -> list[Case]:
    cases = _generic("gmt", "sets", ".gmt", GMT_LINES, GMT_SETS)
    for k in range(1, len(GMT_LINES)):
        cases.append(Case("gmt", f"first{k}.gmt", _text(GMT_LINES[:k]), "ok",
                          {n: g for n, g in list(GMT_SETS.items())[:k]}))  # fmt: skip
    for k, line in enumerate(GMT_LINES):
        n = k + 1
        lines = list(GMT_LINES)
        lines[k] = "\t".join(line.split("\t")[:2])
        cases.append(Case("gmt", f"nogenes{n}.gmt", _text(lines), "error",
                          rf"line {n}: expected 'name<TAB>description<TAB>gene"))  # fmt: skip
        lines = list(GMT_LINES)
        lines[k] = line.replace("\t", ",")
        cases.append(Case("gmt", f"comma{n}.gmt", _text(lines), "error",
                          rf"line {n}: expected .*found 1 tab-separated"))  # fmt: skip
        lines = list(GMT_LINES)
        lines[k] = "\t" + line.split("\t", 1)[1]
        cases.append(Case("gmt", f"noname{n}.gmt", _text(lines), "error",
                          rf"line {n}: empty gene-set name"))  # fmt: skip
        lines = list(GMT_LINES)
        lines[k] = "\t".join(line.split("\t")[:2] + ["", " "])
        cases.append(Case("gmt", f"blankgenes{n}.gmt", _text(lines), "error",
                          rf"line {n}: gene set .* lists no genes"))  # fmt: skip
        for ch in ("\x0b", "\x0c", "\x1f", "\x7f"):
            lines = list(GMT_LINES)
            lines[k] = line.replace("\t", ch, 1)
            cases.append(Case("gmt", f"ctrl{ord(ch)}_{n}.gmt", _text(lines), "error",
                              rf"line {n}: the control character"))  # fmt: skip
        if k:
            lines = list(GMT_LINES)
            lines[k] = GMT_LINES[0]
            cases.append(Case("gmt", f"dupset{n}.gmt", _text(lines), "error",
                              rf"line {n}: gene set 'SET_A' appears twice"))  # fmt: skip
    return cases


def _gene_table_cases() -> list[Case]:
    ok = [1, 2]  # STING1 and IRF3 rank first and second by rho (largest first)
    cases = _generic("genes", "genes", ".csv", GENE_LINES, ok)
    cases.append(Case("genes", "header_only.csv", _text(GENE_LINES[:1]), "error",
                      "only a header line"))  # fmt: skip
    for r in range(len(GENES)):
        n = r + 2
        for tag, value, outcome, pat in (
            ("text", "high", "error", rf"line {n}: score 'high' in column 'rho' .* not a number"),
            ("inf", "inf", "error", rf"line {n}: score inf .* is infinite"),
            ("neginf", "-inf", "error", rf"line {n}: score -inf .* is infinite"),
        ):
            lines = list(GENE_LINES)
            lines[r + 1] = f"{GENES[r]},{value}"
            cases.append(Case("genes", f"{tag}{n}.csv", _text(lines), outcome, pat))
        if r:
            lines = list(GENE_LINES)
            lines[r + 1] = f"{GENES[0]},{SCORES[r]}"
            cases.append(Case("genes", f"dupgene{n}.csv", _text(lines), "error",
                              rf"line {n}: gene 'STING1' appears 2 times .*first at .*line 2"))  # fmt: skip
    lines = ["gene,rho,rho"] + [x + ",1" for x in GENE_LINES[1:]]
    cases.append(Case("genes", "dupcol.csv", _text(lines), "error",
                      r"line 1: duplicated column name\(s\) \['rho'\]"))  # fmt: skip
    lines = [x.replace(",", "\t") for x in GENE_LINES]
    cases.append(Case("genes", "tabs.csv", _text(lines), "error", r"no gene column found"))
    return cases


CASES = (
    _count_cases() + _library_cases() + _fastq_cases() + _control_cases() + _gmt_cases()
    + _gene_table_cases()
)  # fmt: skip


def test_corpus_size():
    # docs/reliability.md quotes these numbers
    assert len({c.id for c in CASES}) == len(CASES)
    assert len(CASES) >= 200
    assert sum(c.outcome == "error" for c in CASES) >= 200


def _check(case: Case, path: Path) -> None:
    reader = READERS[case.reader]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case.outcome == "error":
            with pytest.raises(InputFormatError) as info:
                reader(path)
            msg = str(info.value)
            assert path.name in msg, msg  # the file is named
            assert re.search(str(case.expect), msg), msg
            assert "\n" not in msg.strip(), msg
            return
        got = reader(path)
    if isinstance(case.expect, pd.DataFrame):
        pd.testing.assert_frame_equal(got, case.expect, check_index_type=False)
    else:
        assert _plain(got) == _plain(case.expect)


def _plain(x):
    if isinstance(x, tuple | list):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    return x


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, tmp_path):
    path = tmp_path / case.name
    path.write_bytes(case.data)
    _check(case, path)
    assert path.read_bytes() == case.data  # the input is never modified
    assert sorted(p.name for p in tmp_path.iterdir()) == [case.name]  # nothing else written


# ---------------------------------------------------------------------------------------------
# values the readers accept that the analysis must refuse


def test_pathway_missing_scores_are_a_named_warning_not_silently_dropped():
    table = pd.DataFrame({"gene": GENES, "rho": [*SCORES[:3], np.nan, *SCORES[4:]]})
    with pytest.warns(Warning, match=r"1 gene\(s\) have no 'rho' score .*: TBK1"):
        ranks = gene_set_ranks(table, ["STING1", "TBK1"], score="rho")
    assert ranks.set_index("set_gene").loc["STING1", "rank"] == 1
    assert np.isnan(ranks.set_index("set_gene").loc["TBK1", "rank"])


def test_pathway_duplicated_gene_in_memory_is_refused():
    table = pd.DataFrame({"gene": ["A", "B", "A"], "rho": [1.0, 2.0, 3.0]})
    with pytest.raises(ValidationError, match=r"gene table row 2: gene 'A' appears 2 times"):
        gene_set_ranks(table, ["A"], score="rho")


def test_fastq_line_over_the_limit_is_refused(tmp_path):
    f = tmp_path / "long.fastq"
    seq = "A" * (MAX_LINE_BYTES + 10)
    f.write_bytes(f"@r1\nACGT\n+\nIIII\n@r2\n{seq}\n+\n{'I' * len(seq)}\n".encode())
    with pytest.raises(InputFormatError, match=rf"long.fastq: line 6 \(record 2\) is longer "
                       rf"than the limit of {MAX_LINE_BYTES} bytes"):  # fmt: skip
        _read_fastq(f)


def test_fastq_line_over_the_limit_in_a_small_block(tmp_path):
    # the block grows for long records, but never past the line limit
    f = tmp_path / "long.fastq"
    f.write_bytes(b"@r1\n" + b"A" * (MAX_LINE_BYTES + 1))
    with pytest.raises(InputFormatError, match=r"line 2 \(record 1\) is longer than the limit"):
        list(iter_fastq(f, chunk_bytes=4096))


def test_count_table_limit_is_2_to_53():
    assert MAX_COUNT == 2.0**53


# ---------------------------------------------------------------------------------------------
# commands: exit code 2 with a one-line message naming the file, and nothing written


def _write(path: Path, lines: list[str]) -> Path:
    path.write_bytes(_text(lines))
    return path


def _big_counts(path: Path, samples=("T0", "A", "B"), sample_names=None) -> Path:
    rng = np.random.default_rng(0)
    genes = [f"G{i // 4}" for i in range(200)]
    cols = {"Gene": genes}
    for s, name in zip(samples, sample_names or samples, strict=True):
        cols[name] = rng.poisson(300, 200)
        del s
    df = pd.DataFrame(cols, index=pd.Index([f"s{i}" for i in range(200)], name="sgRNA"))
    df.to_csv(path, sep="\t")
    return path


def _cli_error(argv: list[str], capsys, name: str) -> str:
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.startswith("error: ") and name in err, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("command", "bad"),
    [
        ("test", b"sgRNA\tGene\tT0\tA\ns1\tG\xe9\t1\t2\n"),
        ("test", b"sgRNA\tGene\tT0\tA\n"),
        ("test", b""),
        ("test", b"sgRNA\tGene\tT0\tA\ns1\tG\t1\t-2\n"),
        ("test", b'sgRNA\tGene\tT0\tA\n"s\t1"\tG\t1\t2\n'),
        ("test", b"sgRNA\tGene\tT0\tA\ns1\tG\t1\t1e300\n"),
        ("phenotype", b"sgRNA\tGene\tT0\tU\tIR\ns1\tG\xe9\t1\t2\t3\n"),
        ("phenotype", b"sgRNA\tGene\tT0\tU\tIR\n"),
    ],
    ids=[
        "test-latin1",
        "test-header-only",
        "test-empty",
        "test-negative",
        "test-tab-id",
        "test-overflow",
        "phenotype-latin1",
        "phenotype-header-only",
    ],  # fmt: skip
)
def test_cli_count_table_errors(command, bad, tmp_path, capsys):
    k = tmp_path / "counts.txt"
    k.write_bytes(bad)
    out = tmp_path / "out"
    if command == "test":
        argv = ["screen", "test", str(k), "-t", "A", "-c", "T0", "-n", str(out / "x")]
    else:
        argv = ["screen", "phenotype", str(k), "--t0", "T0", "--untreated", "U", "--treated",
                "IR", "--out", str(out)]  # fmt: skip
    _cli_error(argv, capsys, "counts.txt")
    assert not out.exists()


@pytest.mark.parametrize(
    ("name", "bad", "pattern"),
    [
        ("g.csv", b"gene,rho\nA,1\nB,x\n", r"line 3: score 'x'"),
        ("g.csv", b"gene,rho\nA,1\nB,inf\n", r"line 3: score inf"),
        ("g.csv", b"gene,rho\nA,1\nA,2\n", r"line 3: gene 'A' appears 2 times"),
        ("g.csv", b"gene,rho,rho\nA,1,1\n", r"duplicated column"),
        ("g.csv", b"gene,rho\n", "only a header line"),
        ("g.csv", b"", "empty"),
        ("g.csv.gz", b"gene,rho\nA,1\n", r"\.gz but"),
        ("g.csv", "gene,rho\nSTÏNG1,1\n".encode("latin-1"), r"line 2, byte 3: not UTF-8"),
    ],
    ids=["text", "inf", "dup-gene", "dup-column", "header-only", "empty", "not-gzip", "latin1"],
)
def test_cli_pathway_errors(name, bad, pattern, tmp_path, capsys):
    g = tmp_path / name
    g.write_bytes(bad)
    err = _cli_error(["screen", "pathway", str(g), "--score", "rho", "--out",
                      str(tmp_path / "o")], capsys, name)  # fmt: skip
    assert re.search(pattern, err), err
    assert not (tmp_path / "o").exists()


def _fastq_file(path: Path, reads: list[str]) -> Path:
    path.write_text("".join(f"@r{i}\n{s}\n+\n{'I' * len(s)}\n" for i, s in enumerate(reads)))
    return path


@pytest.mark.parametrize(
    ("what", "pattern"),
    [
        ("library-not-dna", r"library.txt, line 3: sequence 'ACGUACGTAC'"),
        ("library-latin1", r"library.txt, line 2, byte \d+: not UTF-8"),
        ("fastq-not-gzip", r"reads.fastq.gz: the name ends in .gz"),
        ("fastq-truncated-gzip", r"reads2.fastq.gz: corrupt or truncated"),
        ("control-latin1", r"ctrl.txt, line 1, byte 2: not UTF-8"),
        ("fastq-empty", r"empty.fastq: no reads"),
    ],
)
def test_cli_count_errors(what, pattern, tmp_path, capsys):
    lib = _write(tmp_path / "library.txt", ["s1\tACGTACGTAC\tG1", "s2\tTTGACCAGTA\tG2"])
    fq = _fastq_file(tmp_path / "reads.fastq", ["ACGTACGTAC"] * 20)
    argv = ["screen", "count", "-l", str(lib), "--trim-5", "0", "-n", str(tmp_path / "o" / "x")]
    if what == "library-not-dna":
        _write(lib, ["s1\tACGTACGTAC\tG1", "s2\tTTGACCAGTA\tG2", "s3\tACGUACGTAC\tG3"])
    elif what == "library-latin1":
        lib.write_bytes("s1\tACGTACGTAC\tG1\ns2\tTTGACCAGTA\tGé\n".encode("latin-1"))
    elif what == "fastq-not-gzip":
        fq = fq.rename(tmp_path / "reads.fastq.gz")
    elif what == "fastq-truncated-gzip":
        data = gzip.compress(fq.read_bytes())
        fq = tmp_path / "reads2.fastq.gz"
        fq.write_bytes(data[: len(data) - 10])
    elif what == "control-latin1":
        c = tmp_path / "ctrl.txt"
        c.write_bytes("sé1\n".encode("latin-1"))
        argv += ["--control-sgrna", str(c)]
    elif what == "fastq-empty":
        fq = tmp_path / "empty.fastq"
        fq.write_bytes(b"")
    err = _cli_error([*argv, "--fastq", str(fq)], capsys, "error")
    assert re.search(pattern, err), err
    assert not (tmp_path / "o").exists()


def test_cli_count_repeated_fastq_counts_every_file(tmp_path, capsys):
    lib = _write(tmp_path / "library.txt", ["s1\tACGTACGTAC\tG1", "s2\tTTGACCAGTA\tG2"])
    a = _fastq_file(tmp_path / "a.fastq", ["ACGTACGTAC"] * 3 + ["TTGACCAGTA"])
    b = _fastq_file(tmp_path / "b.fastq", ["TTGACCAGTA"] * 5)
    for i, form in enumerate((["--fastq", str(a), "--fastq", str(b)],
                              ["--fastq", str(a), str(b)])):  # fmt: skip
        prefix = tmp_path / f"o{i}"
        rc = main(["screen", "count", "-l", str(lib), "--trim-5", "0", "-n", str(prefix),
                   "--sample-label", "A,B", *form])  # fmt: skip
        assert rc == 0, capsys.readouterr().err
        got = pd.read_csv(f"{prefix}.count.txt", sep="\t", index_col=0)
        assert got.loc["s1", "A"] == 3 and got.loc["s2", "A"] == 1
        assert got.loc["s1", "B"] == 0 and got.loc["s2", "B"] == 5
    c = _fastq_file(tmp_path / "c.fastq", ["ACGTACGTAC"])
    _cli_error(["screen", "count", "-l", str(lib), "--trim-5", "0", "-n", str(tmp_path / "z"),
                "--fastq", str(a), str(b), "--fastq", str(c)], capsys, "--fastq")  # fmt: skip


# ---------------------------------------------------------------------------------------------
# paths: names from data never write outside the output folder


def _files_outside(root: Path, inside: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and inside not in p.parents]


@pytest.mark.parametrize(
    "sample", ["../../../ESC1", "../ESC1", "a/../../b", "..", ".hidden", "x\\..\\..\\y"]
)
def test_cli_test_day0_label_sample_names_stay_inside(sample, tmp_path, capsys):
    root = tmp_path / "root"
    work = root / "deep" / "er" / "still"
    work.mkdir(parents=True)
    k = _big_counts(work / "counts.txt", sample_names=("T0", sample, "B"))
    out = work / "out"
    out.mkdir()
    figures = ["--out", str(out / "fig")] if sample == "../../../ESC1" else []  # slow: once
    rc = main(["screen", "test", str(k), "--day0-label", "T0", "-n", str(out / "run"),
               *figures])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    stray = [p for p in _files_outside(root, out) if p != k]
    assert not stray, stray
    # one pair of files per comparison, all directly in out, plus the merged PREFIX.* pair
    own = sorted(p.name for p in out.glob("run.*_vs_T0.gene_summary.txt"))
    assert len(own) == 2 and "run.B_vs_T0.gene_summary.txt" in own, own
    assert (out / "run.gene_summary.txt").is_file()
    # the column prefixes inside the merged summary keep the real label
    header = (out / "run.gene_summary.txt").read_text().split("\n", 1)[0]
    assert f"{sample}_vs_T0|" in header and "B_vs_T0|" in header


def test_cli_phenotype_plot_gene_stays_inside(tmp_path, capsys):
    rng = np.random.default_rng(2)
    evil = "../../x/EVIL"
    named = (evil, "STING1", "IRF3", "CGAS", "G1", "G2", "G3")
    genes = ["non-targeting"] * 120 + [g for g in named for _ in range(4)]
    cols = {"Gene": genes}
    for s in ("T0", "U", "IR"):
        cols[s] = rng.poisson(400, len(genes))
    root = tmp_path / "root"
    work = root / "a" / "b"
    work.mkdir(parents=True)
    k = work / "counts.txt"
    pd.DataFrame(cols, index=pd.Index([f"s{i}" for i in range(len(genes))], name="sgRNA")).to_csv(
        k, sep="\t"
    )
    out = work / "out"
    rc = main(["screen", "phenotype", str(k), "--t0", "T0", "--untreated", "U", "--treated", "IR",
               "--out", str(out), "--plot-gene", evil, "--min-reads", "0"])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    assert not [p for p in _files_outside(root, out) if p != k]
    assert any(p.name.startswith("sgrnas_") and "EVIL" in p.name for p in out.iterdir())


def test_write_figures_names_cannot_escape(tmp_path):
    import matplotlib.pyplot as plt

    from ifnexus.screen import write_figures

    fig, ax = plt.subplots()
    try:
        paths = write_figures(tmp_path / "out", {"../../EVIL": ax, "/abs/x": ax, "..": ax})
    finally:
        plt.close(fig)
    assert all(p.parent == tmp_path / "out" for p in paths)
    # separators become "_", and so does each leading dot
    assert sorted(p.name for p in paths) == ["__.png", "___.._EVIL.png", "_abs_x.png"]


def test_comparison_labels_that_clash_once_made_safe_are_refused(tmp_path):
    from ifnexus.screen import mageck_test_comparisons

    counts = _big_counts(tmp_path / "c.txt", sample_names=("T0", "a/b", "a_b"))
    res = mageck_test_comparisons(read_counts(counts), day0_label="T0", rng=0)
    with pytest.raises(ValidationError, match=r"would write the same files"):
        res.write(tmp_path / "run")
    assert not list(tmp_path.glob("run*"))


# ---------------------------------------------------------------------------------------------
# resources


def test_one_long_identifier_is_refused_quickly(tmp_path):
    import time

    k = _big_counts(tmp_path / "c.txt")
    t0 = time.perf_counter()
    read_counts(k)
    base = time.perf_counter() - t0
    lines = k.read_text().split("\n")
    lines[5] = "x" * 1_000_000 + lines[5][lines[5].index("\t") :]
    k.write_text("\n".join(lines))
    t0 = time.perf_counter()
    with pytest.raises(
        InputFormatError, match=rf"line 6: sgRNA id .* the limit is {MAX_ID_LENGTH}"
    ):
        read_counts(k)
    # numpy once padded every id to the longest: 8 s for 200 rows and a 1 MB id
    assert time.perf_counter() - t0 < 20 * base + 1.0


def test_longest_allowed_identifier_writes_quickly(tmp_path):
    import time

    from ifnexus.screen import mageck_test

    counts = read_counts(_big_counts(tmp_path / "c.txt"))
    t0 = time.perf_counter()
    mageck_test(counts, "A", "T0", rng=0).write(tmp_path / "base")
    base = time.perf_counter() - t0
    long = counts.rename(index={"s3": "x" * MAX_ID_LENGTH})
    t0 = time.perf_counter()
    mageck_test(long, "A", "T0", rng=0).write(tmp_path / "long")
    assert time.perf_counter() - t0 < 5 * base + 0.5
    # the same file with the one id changed (the long id goes through the per-row writer)
    base_text = (tmp_path / "base.sgrna_summary.txt").read_text()
    assert "\ns3\tG0\t" in base_text
    expected = base_text.replace("\ns3\tG0\t", "\n" + "x" * MAX_ID_LENGTH + "\tG0\t")
    assert (tmp_path / "long.sgrna_summary.txt").read_text() == expected


def test_count_fastq_in_memory_library_with_control_characters_is_refused(tmp_path):
    lib = pd.DataFrame({"sgRNA": ["a", "b\tc"], "sequence": ["ACGTACGTAC", "TTGACCAGTA"],
                        "Gene": ["g", "h"]})  # fmt: skip
    f = _fastq_file(tmp_path / "r.fastq", ["ACGTACGTAC"])
    with pytest.raises(InputFormatError, match=r"library table, row 1: sgRNA id 'b\\tc'"):
        count_fastq([str(f)], lib, trim_5=0)


# ---------------------------------------------------------------------------------------------
# properties: any bytes either parse to a valid result or raise an IfnexusError

# imports happen above, at collection: a first example never pays for them against the deadline
FUZZ = settings(
    max_examples=60,
    deadline=2000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SUFFIXES = st.sampled_from([".txt", ".csv", ".txt.gz", ".tsv"])
# near-valid text: the characters the formats are made of, so parsing gets past line 1
TABLE_TEXT = st.text(alphabet='\t\n,\r ACGTN0123456789.-+eE"#@sgRNAGene\xe9\x00', max_size=300)


def _fuzz_file(tmp_path: Path, data: bytes, suffix: str, gz: bool) -> Path:
    p = tmp_path / f"fuzz{suffix}"
    p.write_bytes(gzip.compress(data) if gz else data)
    return p


def _valid_counts(df: pd.DataFrame) -> None:
    assert df.index.is_unique and df.shape[0] > 0
    vals = df.drop(columns="Gene").to_numpy(dtype=np.float64)
    assert np.isfinite(vals).all() and (vals >= 0).all() and (vals <= MAX_COUNT).all()
    for v in [*df.index, *df["Gene"], *df.columns]:
        assert str(v).strip() and not re.search(r"[\x00-\x1f]", str(v))


def _run_property(fn, path: Path) -> object | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(path)
        except IfnexusError:
            return None


@FUZZ
@given(data=st.one_of(st.binary(max_size=300), TABLE_TEXT.map(lambda t: t.encode("utf-8"))),
       suffix=SUFFIXES, gz=st.booleans())  # fmt: skip
def test_property_read_counts(tmp_path, data, suffix, gz):
    got = _run_property(
        read_counts, _fuzz_file(tmp_path, data, suffix, gz and suffix.endswith("gz"))
    )
    if got is not None:
        _valid_counts(got)


@FUZZ
@given(data=st.one_of(st.binary(max_size=300), TABLE_TEXT.map(lambda t: t.encode("utf-8"))),
       suffix=SUFFIXES)  # fmt: skip
def test_property_read_library(tmp_path, data, suffix):
    got = _run_property(_library, _fuzz_file(tmp_path, data, suffix, suffix.endswith("gz")))
    if got is not None:
        ids, seqs, genes = got
        assert ids and len(ids) == len(seqs) == len(genes) == len(set(ids))
        assert all(re.fullmatch("[ACGTN]+", s) for s in seqs)


FASTQ_TEXT = st.lists(
    st.tuples(st.sampled_from(["@r", "@", "x", ""]), st.text("ACGTNacgt", max_size=12),
              st.sampled_from(["+", "+r", "-", ""]), st.text("I#!", max_size=12)),
    max_size=6,
).map(lambda recs: "".join(f"{a}\n{s}\n{b}\n{q}\n" for a, s, b, q in recs).encode())  # fmt: skip


@FUZZ
@given(data=st.one_of(st.binary(max_size=300), FASTQ_TEXT), gz=st.booleans(),
       chunk=st.sampled_from([256, 300, 4096]))  # fmt: skip
def test_property_iter_fastq(tmp_path, data, gz, chunk):
    p = _fuzz_file(tmp_path, data, ".fastq.gz" if gz else ".fastq", gz)
    got = _run_property(lambda q: [(c.start.copy(), c.length.copy())
                                   for c in iter_fastq(q, chunk_bytes=chunk)], p)  # fmt: skip
    if got is not None:
        assert sum(s.shape[0] for s, _ in got) > 0


@FUZZ
@given(data=st.one_of(st.binary(max_size=300),
                      st.text(alphabet="\t\n\r #SETabc12\xe9", max_size=200).map(str.encode)),
       gz=st.booleans())  # fmt: skip
def test_property_read_gmt(tmp_path, data, gz):
    got = _run_property(read_gmt, _fuzz_file(tmp_path, data, ".gmt", gz))
    if got is not None:
        assert got and all(name.strip() and s.genes for name, s in got.items())


@FUZZ
@given(data=st.one_of(st.binary(max_size=200), TABLE_TEXT.map(str.encode)))
def test_property_read_control_list(tmp_path, data):
    got = _run_property(read_control_list, _fuzz_file(tmp_path, data, ".txt", False))
    if got is not None:
        assert got and all(x.strip() and "\t" not in x for x in got)


@FUZZ
@given(data=st.one_of(st.binary(max_size=200), st.text(alphabet="gene,rho\n1.5-infNaA ",
                                                       max_size=120).map(str.encode)))  # fmt: skip
def test_property_pathway_gene_table(tmp_path, data):
    p = _fuzz_file(tmp_path, data, ".csv", False)
    got = _run_property(lambda q: gene_set_ranks(read_gene_table(q), ["A"], score="rho"), p)
    if got is not None:
        assert set(got.columns) >= {"set_gene", "rank", "score"}


@FUZZ
@given(rows=st.lists(
    st.tuples(st.text("abcXYZ_0123.-", min_size=1, max_size=8),
              st.text("ABCxyz-", min_size=1, max_size=6),
              st.lists(st.integers(0, 2**53), min_size=2, max_size=2)),
    min_size=1, max_size=8, unique_by=lambda r: r[0]))  # fmt: skip
def test_property_count_table_round_trip(tmp_path, rows):
    # a valid table written by hand reads back exactly (ids that look like numbers included)
    rows = [(s, g, cs) for s, g, cs in rows if s.strip() and g.strip()]
    if not rows:
        return
    p = tmp_path / "rt.txt"
    p.write_text(
        "sgRNA\tGene\tS1\tS2\n" + "".join(f"{s}\t{g}\t{c[0]}\t{c[1]}\n" for s, g, c in rows)
    )
    got = read_counts(p)
    assert got.index.tolist() == [s for s, _, _ in rows]
    assert got["Gene"].tolist() == [g for _, g, _ in rows]
    assert got[["S1", "S2"]].to_numpy().tolist() == [[float(c[0]), float(c[1])] for *_, c in rows]


@pytest.mark.parametrize(
    ("sgrna", "gene", "count", "pattern"),
    [
        ("s\t1", "G", 1.0, r"row 1 .*sgRNA id 's\\t1' contains the control character '\\t'"),
        ("s1", "G\nX", 1.0, r"row 1 .*gene 'G\\nX' contains the control character '\\n'"),
        ("s1", "G", 2.0**60, r"sgRNA 's1', column 'A': a read count above"),
        ("x" * (MAX_ID_LENGTH + 1), "G", 1.0, rf"the limit is {MAX_ID_LENGTH}"),
    ],
    ids=["tab-id", "newline-gene", "overflow", "long-id"],
)
def test_mageck_test_in_memory_table_is_checked_like_a_file(sgrna, gene, count, pattern):
    from ifnexus.screen import mageck_test

    counts = pd.DataFrame(
        {"Gene": ["G0", gene, "G2", "G3"], "T0": [5.0, 6.0, 7.0, 8.0], "A": [1.0, count, 3.0, 4.0]},
        index=["s0", sgrna, "s2", "s3"],
    )
    with pytest.raises(ValidationError, match=pattern):
        mageck_test(counts, "A", "T0", rng=0)


@FUZZ
@given(data=st.one_of(st.binary(max_size=200),
                      st.text(alphabet="set,gene\t\n#SAB\xe9", max_size=120).map(str.encode)),
       suffix=st.sampled_from([".tsv", ".csv", ".txt"]))  # fmt: skip
def test_property_read_gene_set_table(tmp_path, data, suffix):
    got = _run_property(read_gene_set_table, _fuzz_file(tmp_path, data, suffix, False))
    if got is not None:
        assert got and all(s.genes for s in got.values())


# the CLI's own parsers of sample groups, comparisons and doublings
SPEC = st.text(alphabet="AB0123,-. T_\t", max_size=12)


@FUZZ
@given(spec=st.one_of(SPEC, st.integers(-3, 5), st.lists(st.one_of(SPEC, st.integers(-2, 4)),
                                                          max_size=3)))  # fmt: skip
def test_property_parse_samples(spec):
    samples = ["T0", "A", "B", "1"]
    try:
        got = parse_samples(spec, samples)
    except IfnexusError:
        return
    assert got and len(set(got)) == len(got) and all(0 <= i < len(samples) for i in got)


@FUZZ
@given(t=st.one_of(st.none(), SPEC, st.lists(SPEC, max_size=3)),
       c=st.one_of(st.none(), SPEC, st.lists(SPEC, max_size=3)),
       day0=st.one_of(st.none(), SPEC))  # fmt: skip
def test_property_parse_comparisons(t, c, day0):
    try:
        got = parse_comparisons(["T0", "A", "B"], t, c, day0_label=day0)
    except IfnexusError:
        return
    assert got and all(x.treatment for x in got)


@FUZZ
@given(text=st.one_of(st.none(), st.text(alphabet="gamtaurho=,/0123.e-x ", max_size=30)))
def test_property_parse_doublings(text):
    try:
        got = _parse_doublings(text)
    except IfnexusError:
        return
    assert got is None or all(k in ("gamma", "tau", "rho") and v for k, v in got.items())


@pytest.mark.parametrize(
    ("labels", "pattern"),
    [
        (["A", "B\tC"], r"sample label 2: sample label 'B\\tC' contains the control character"),
        (["A", ""], r"sample label 2: empty sample label"),
        (["A", "A"], r"sample label 'A' is given twice"),
    ],
    ids=["tab", "empty", "twice"],
)
def test_count_fastq_sample_labels_are_checked(labels, pattern, tmp_path):
    lib = pd.DataFrame({"sgRNA": ["a"], "sequence": ["ACGTACGTAC"], "Gene": ["g"]})
    f = _fastq_file(tmp_path / "r.fastq", ["ACGTACGTAC"])
    with pytest.raises(ValidationError, match=pattern):
        count_fastq([str(f), str(f)], lib, sample_labels=labels, trim_5=0)
