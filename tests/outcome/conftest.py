"""Fixtures for the outcome tests: tables read straight from R's printed reference output."""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
import pytest


@pytest.fixture
def r_table(shared) -> Callable[[str], pd.DataFrame]:
    """Return ``get(marker)``: the table printed after the line starting with ``marker``.

    Reads ``reference/survival/R_reference_output.txt`` (R 4.2.2, survival 3.5-3, cmprsk
    2.2-11; made by ``ref.R``) so that the tests compare against R's own digits, not copies.
    """
    lines = shared("reference", "survival", "R_reference_output.txt").read_text().splitlines()

    def get(marker: str) -> pd.DataFrame:
        start = next(i for i, line in enumerate(lines) if line.startswith(marker)) + 1
        stop = next(
            (i for i in range(start, len(lines)) if not lines[i].strip() or lines[i][:2] == "##"),
            len(lines),
        )
        return pd.read_csv(io.StringIO("\n".join(lines[start:stop])), sep=r"\s+")

    return get
