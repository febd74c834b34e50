"""Structure of the notebooks (nbval executes them; this checks the conventions they follow).

Each notebook: committed without outputs, opens with what the reader learns and what it needs,
reads ZSLKIT_QUICK in a first parameters cell, marks cells whose output varies with
NBVAL_IGNORE_OUTPUT, checks at least one fact, and ends with exercises ("Try").
"""
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXPECTED = ["00_the_zero_shot_problem", "01_data_and_metrics", "02_cada_vae", "03_sp_aen", "04_acmr",
            "05_two_level", "06_mianet", "07_training", "08_hyperparameters", "09_feature_views",
            "10_retrieval", "11_comparison"]
VARYING = re.compile(r"plots\.\w+\(|\.fit\(|HyperparameterPanel|print\(model\.modules_\)")


def test_the_numbered_notebooks_exist():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_conventions(path):
    nb = json.loads(path.read_text())
    cells = nb["cells"]
    src = ["".join(c["source"]) for c in cells]
    for c in cells:
        if c["cell_type"] == "code":
            assert not c.get("outputs") and c.get("execution_count") is None, f"{path.name}: outputs are committed"
    head = src[0]
    assert cells[0]["cell_type"] == "markdown" and "What you will learn" in head and "What it needs" in head
    assert "Full-budget run time" in head
    first_code = next(s for c, s in zip(cells, src) if c["cell_type"] == "code")
    assert "ZSLKIT_QUICK" in first_code and "QUICK =" in first_code
    assert cells[-1]["cell_type"] == "markdown" and "## Try" in src[-1]
    checked = [s for c, s in zip(cells, src) if c["cell_type"] == "code" and "NBVAL_CHECK_OUTPUT" in s]
    assert checked and all("assert" in s for s in checked), f"{path.name}: each checked cell asserts its fact"
    for c, s in zip(cells, src):
        if c["cell_type"] == "code" and VARYING.search(s) and "NBVAL_CHECK_OUTPUT" not in s:
            assert s.startswith("# NBVAL_IGNORE_OUTPUT") or "plots." not in s.splitlines()[-1], \
                f"{path.name}: a cell showing a figure or training must be marked NBVAL_IGNORE_OUTPUT:\n{s[:200]}"
    code = "\n".join(s for c, s in zip(cells, src) if c["cell_type"] == "code")
    assert "zslkit.methods." not in code.replace("help(zslkit.methods", ""), "notebooks use the public API only"
