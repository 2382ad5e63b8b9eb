"""Option declarations shared by several ``ifnexus`` commands, declared once.

Declarations only (no imports beyond Typer), so every command module can import this
without loading a domain. A command keeps its own declaration where its help text differs.
"""

from __future__ import annotations

from enum import StrEnum

import typer


class SpeciesChoice(StrEnum):
    """``--species`` of the commands that detect the species when it is not given."""

    human = "human"
    mouse = "mouse"


#: ``--species`` where the default is detected from the gene names (``score``, ``sc profile``)
SPECIES_DETECTED = typer.Option(None, "--species", help="human or mouse (default: detected).")
#: ``--json``: print one JSON object instead of the readable text
JSON = typer.Option(False, "--json", help="Print one JSON object.")
#: ``--no-figures``: tables only
NO_FIGURES = typer.Option(False, "--no-figures", help="Skip the figures.")
