"""``ifnexus genesets``: list and show the curated gene-set resource."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ifnexus._runfolder import run_output
from ifnexus.cli._options import JSON
from ifnexus.errors import ValidationError

app = typer.Typer(
    help="The curated gene-set resource (sources, licences, mouse mapping).", no_args_is_help=True
)


@app.command("list")
def list_cmd(as_json: bool = JSON) -> None:
    """List the shipped gene sets with size, source and licence."""
    from ifnexus.genesets import list_sets

    df = list_sets()
    if as_json:
        typer.echo(json.dumps({"sets": df.to_dict(orient="records")}, indent=1))
        return
    width = max(len(n) for n in df["name"])
    for _, r in df.iterrows():
        typer.echo(f"{r['name']:<{width}}  {r['n_genes']:>4}  {r['role']:<10}  {r['licence']}")


@app.command("show")
def show_cmd(
    name: str = typer.Argument(
        ..., metavar="NAME", help="Gene-set name (case-insensitive; e.g. ISG.RS, IFNA)."
    ),
    species: str = typer.Option("human", "--species", help="human or mouse."),
    as_json: bool = JSON,
) -> None:
    """Show one gene set: its genes, source, licence and (for mouse) mapping notes."""
    from ifnexus.genesets import get_set

    gs = get_set(name, species=species)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "name": gs.name,
                    "species": gs.species,
                    "genes": list(gs.genes),
                    "source": gs.source,
                    "licence": gs.licence,
                    "version": gs.version,
                    "description": gs.description,
                    "notes": gs.notes,
                },
                indent=1,
            )
        )
        return
    typer.echo(f"# {gs.name} ({gs.species}, {len(gs)} genes)")
    typer.echo(f"# {gs.description}")
    typer.echo(f"# source: {gs.source}")
    typer.echo(f"# licence: {gs.licence}; version: {gs.version}")
    for gene in gs.genes:
        typer.echo(gene)
    if gs.notes:
        typer.echo("# mapping notes:")
        for gene, note in gs.notes.items():
            typer.echo(f"#   {gene}: {note}")


@app.command("export")
@run_output(file_suffixes=(".gmt",))
def export_cmd(
    out: Path = typer.Option(
        ...,
        "--out",
        help="Output directory: writes ifnexus_SPECIES_ROLE.gmt there (deprecated: a path "
        "ending in .gmt is the file itself).",
    ),
    species: str = typer.Option("human", "--species", help="human or mouse."),
    role: str = typer.Option(
        "score", "--role", help="Which sets: score, region, annotation or all."
    ),
) -> None:
    """Write the shipped sets (optionally mapped to mouse) as a GMT file for other tools."""
    from ifnexus.cli._files import out_file
    from ifnexus.genesets import get_set, list_sets, write_gmt

    shipped = list_sets()
    roles = list(dict.fromkeys(shipped["role"]))
    if role != "all" and role not in roles:  # a typo would otherwise write an empty file
        raise ValidationError(f"unknown --role {role!r}; accepted: {', '.join(roles)} or all")
    names = shipped["name"] if role == "all" else shipped.loc[shipped["role"] == role, "name"]
    sets = [get_set(n, species=species) for n in names]  # only the chosen sets are mapped
    path = write_gmt(sets, out_file(out, f"ifnexus_{species}_{role}.gmt", file_suffixes=(".gmt",)))
    typer.echo(f"wrote {len(sets)} {species} gene sets to {path}")
