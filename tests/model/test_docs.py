"""docs/model.md is generated from the declarations and must match them."""

from __future__ import annotations

from pathlib import Path

from ifnexus.model import PARAMETERS, model_markdown, write_model_docs

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"


def test_committed_docs_equal_generated():
    assert DOC.exists(), "docs/model.md is missing; run ifnexus.model.write_model_docs()"
    assert DOC.read_text(encoding="utf-8") == model_markdown(), (
        "docs/model.md is stale; regenerate with python -c "
        "'from ifnexus.model import write_model_docs; write_model_docs()'"
    )


def test_docs_list_every_parameter(tmp_path):
    text = model_markdown()
    for p in PARAMETERS:
        assert f"`{p.name}`" in text
    out = write_model_docs(tmp_path / "m.md")
    assert out.read_text(encoding="utf-8") == text
