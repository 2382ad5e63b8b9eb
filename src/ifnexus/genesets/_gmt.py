"""Read users' gene sets from GMT or TSV files, with line-numbered errors."""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

from ifnexus._textfile import decode_text, read_text_bytes
from ifnexus.errors import IfnexusWarning, InputFormatError, ValidationError
from ifnexus.genesets._geneset import GeneSet

_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")  # every control character but the tab


def read_gmt(path: str | os.PathLike[str], *, species: str = "human") -> dict[str, GeneSet]:
    """Read a GMT file (name, description, genes... tab-separated per line).

    Blank lines and lines starting with ``#`` are skipped. The file must be UTF-8 text (a
    byte-order mark is dropped; gzip is read when the content is gzip). A line with fewer than
    three fields, no genes, or a repeated set name is an error naming the file and line; a
    gene repeated within a set is dropped with an :class:`~ifnexus.errors.IfnexusWarning`.

    Parameters
    ----------
    path
        The file (UTF-8, plain or gzip).
    species
        ``"human"`` or ``"mouse"``: the species of the genes listed.

    Returns
    -------
    dict of str to GeneSet
        The sets by name, in file order.

    Raises
    ------
    InputFormatError
        A missing file, text that is not UTF-8 (line and byte named), a ``.gz`` name without
        gzip content, corrupt gzip data, or a malformed line as above.
    """
    p = Path(path)
    text = decode_text(p, "gene-set file")
    sets: dict[str, GeneSet] = {}
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        ctrl = _CONTROL.search(line)
        if ctrl:
            raise InputFormatError(
                f"{p}, line {lineno}: the control character {ctrl.group()!r} at character "
                f"{ctrl.start() + 1}; names and genes are separated by tabs only"
            )
        parts = line.split("\t")
        if len(parts) < 3:
            raise InputFormatError(
                f"{p}, line {lineno}: expected 'name<TAB>description<TAB>gene...', "
                f"found {len(parts)} tab-separated field(s)"
            )
        name, desc = parts[0].strip(), parts[1].strip()
        genes = [g.strip() for g in parts[2:] if g.strip()]
        if not name:
            raise InputFormatError(f"{p}, line {lineno}: empty gene-set name")
        if not genes:
            raise InputFormatError(f"{p}, line {lineno}: gene set {name!r} lists no genes")
        if name in sets:
            raise InputFormatError(f"{p}, line {lineno}: gene set {name!r} appears twice")
        if len(set(genes)) != len(genes):
            dup = sorted({g for g in genes if genes.count(g) > 1})
            warnings.warn(
                f"{p}, line {lineno}: gene set {name!r} lists {', '.join(dup[:5])} more than "
                "once; each gene is kept once",
                IfnexusWarning,
                stacklevel=2,
            )
        sets[name] = GeneSet(
            name,
            tuple(genes),
            species=species,
            source=f"{p.name}",
            description=desc,
            version="user",
        )
    if not sets:
        raise InputFormatError(f"{p}: no gene sets found (is it a GMT file?)")
    return sets


def read_gene_set_table(
    path: str | os.PathLike[str], *, species: str = "human"
) -> dict[str, GeneSet]:
    """Read gene sets from a long-format table, one row per (set, gene).

    Columns ``set`` (or ``term``, ``gene_set``, ``geneset``, ``source``) and ``gene`` (or
    ``target``, ``symbol``, ``genesymbol``), in any case; CSV when the name ends in ``.csv``,
    else tab-separated; lines starting with ``#`` are skipped.

    Parameters
    ----------
    path
        The file (UTF-8, plain or gzip).
    species
        ``"human"`` or ``"mouse"``: the species of the genes listed.

    Returns
    -------
    dict of str to GeneSet
        The sets by name, in file order.

    Raises
    ------
    InputFormatError
        An unreadable or unparsable file, missing columns, or a row with an empty set name
        or gene (the line is named).
    ValidationError
        No gene set in the file.
    """
    import pandas as pd

    p = Path(path)
    raw = read_text_bytes(p, "gene-set file")  # UTF-8, gzip and NUL checks with line and byte
    sep = "," if p.suffix.lower() == ".csv" else "\t"
    try:
        df = pd.read_csv(io.BytesIO(raw), sep=sep, dtype=str, comment="#")
    except (ValueError, pd.errors.ParserError) as exc:  # EmptyDataError is a ValueError
        raise InputFormatError(f"{p}: could not parse as a table: {exc}") from None
    cols = {c.lower(): c for c in df.columns}
    set_col = next(
        (cols[c] for c in ("set", "term", "gene_set", "geneset", "source") if c in cols), None
    )
    gene_col = next(
        (cols[c] for c in ("gene", "target", "symbol", "genesymbol") if c in cols), None
    )
    if set_col is None or gene_col is None:
        raise InputFormatError(
            f"{p}: expected columns 'set' and 'gene' (or 'source'/'target'); found {list(df.columns)}"
        )
    bad = df[df[set_col].isna() | df[gene_col].isna()]
    if len(bad):
        row = int(bad.index[0]) + 2  # header is line 1
        raise InputFormatError(f"{p}, line {row}: empty set name or gene")
    sets: dict[str, GeneSet] = {}
    for name, grp in df.groupby(set_col, sort=False):
        sets[str(name)] = GeneSet(
            str(name), tuple(grp[gene_col]), species=species, source=p.name, version="user"
        )
    if not sets:
        raise ValidationError(f"{p}: no gene sets found")
    return sets


def read_gene_sets(path: str | os.PathLike[str], *, species: str = "human") -> dict[str, GeneSet]:
    """Read GMT (``.gmt``) or long-format TSV/CSV gene sets, chosen by suffix.

    ``.gmt`` goes to :func:`read_gmt`; ``.tsv``, ``.csv`` and ``.txt`` to
    :func:`read_gene_set_table`.

    Parameters
    ----------
    path
        The file (UTF-8, plain or gzip).
    species
        ``"human"`` or ``"mouse"``: the species of the genes listed.

    Returns
    -------
    dict of str to GeneSet
        The sets by name, in file order.

    Raises
    ------
    InputFormatError
        Another suffix, or a malformed file.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".gmt":
        return read_gmt(path, species=species)
    if suffix in (".tsv", ".csv", ".txt"):
        return read_gene_set_table(path, species=species)
    raise InputFormatError(
        f"{path}: unknown gene-set format {suffix!r}; expected .gmt, .tsv or .csv"
    )


def write_gmt(sets: Iterable[GeneSet], path: str | os.PathLike[str]) -> Path:
    """Write gene sets as a GMT file, atomically.

    Parameters
    ----------
    sets
        The gene sets, written in this order.
    path
        The file to write.

    Returns
    -------
    pathlib.Path
        The file written. Its description column carries each set's source, licence and
        version (``source | licence | version``).
    """
    from ifnexus._io import write_text

    lines = []
    for gs in sets:
        desc = f"{gs.source} | {gs.licence} | {gs.version}".replace("\t", " ")
        lines.append("\t".join([gs.name, desc, *gs.genes]))
    return write_text(path, "\n".join(lines) + "\n")
