"""``lymphocyte_loss`` is the loss of the primed T-cell pool, not the model's lymphopenia.

By the model's definitions (docs/model.md, "Lymphocytes, lymphopenia and the draining lymph
node"): the primed pool ``T`` loses ``f_circ (1 - SF_l(d))`` per fraction with the lymphocyte
LQ ``alpha_l``, ``beta_l``; the circulating count ``alc`` (the lymphopenia) loses
``f_b (1 - exp(-d b_D / (f_b D0_c)))`` (the dose to the circulating blood: ``blood_exposed``,
``blood_dose_share``). The function must give the first, and the docs must say so.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from ifnexus.model import parameters
from ifnexus.trial import lymphocyte_loss

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_value_is_the_primed_pool_not_the_blood_count():
    p = parameters("patient")
    d, n = 2.0, 25
    primed = 1 - (1 - p["f_circ"] * (1 - math.exp(-p["alpha_l"] * d - p["beta_l"] * d * d))) ** n
    f, b = p["blood_exposed"], p["blood_dose_share"]
    blood = 1 - (1 - f * (1 - math.exp(-d * b / (f * p["D0_c"])))) ** n
    assert lymphocyte_loss("50Gy/25fx") == pytest.approx(primed, rel=1e-12)
    assert abs(primed - blood) > 0.01  # the two are different quantities


def test_docs_do_not_call_it_the_lymphopenia():
    text = (DOCS / "trial.md").read_text()
    row = next(line for line in text.splitlines() if line.startswith("| `lymphocyte_loss` |"))
    assert "primed" in row and "`alc`" in row and "lymphopenia" not in row
    para = text[text.index("**Lymphocytes.**") :].split("\n\n")[0]
    assert "primed tumour-specific T-cell" in para and "alpha_l" in para
    assert "It is not the model's lymphopenia" in para and "`alc`" in para
    for page in ("trial.md", "serve.md"):
        flat = " ".join((DOCS / page).read_text().split())
        assert not re.search(r"lymphocyte[ _]loss`?[^.]{0,40}the model's lymphopenia:", flat)
    assert "primed T-cell pool" in (lymphocyte_loss.__doc__ or "")
