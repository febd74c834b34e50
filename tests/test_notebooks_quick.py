"""Structure of the notebooks (nbval executes them; this checks the conventions they follow).

Each notebook: committed without outputs, opens with what the reader learns and what it needs,
reads ZSLKIT_QUICK in a first parameters cell, and ends with exercises ("Try"). The test harness
stays out of the student's way: nbval reads cell TAGS (``nbval-ignore-output`` on cells whose
output varies, ``nbval-check-output`` on cells whose output is compared), never comments; facts
are checked only in cells tagged ``check``, which are collapsed in JupyterLab
(``metadata.jupyter.source_hidden``) and are the only cells with ``assert`` lines.
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
    tags = [set(c.get("metadata", {}).get("tags", [])) for c in cells]
    checks = [i for i, t in enumerate(tags) if "check" in t]
    assert checks, f"{path.name}: no cell tagged 'check' states a fact"
    for i, (c, s, t) in enumerate(zip(cells, src, tags)):
        assert "NBVAL_" not in s, f"{path.name}: cell {i} marks nbval with a comment; use a cell tag"
        if c["cell_type"] != "code":
            continue
        if "check" in t:
            assert "nbval-check-output" in t and c["metadata"].get("jupyter", {}).get("source_hidden"), \
                f"{path.name}: check cell {i} must be tagged nbval-check-output and collapsed (source_hidden)"
        else:
            assert not re.search(r"^\s*assert ", s, re.M), f"{path.name}: cell {i} asserts in a lesson cell"
            if VARYING.search(s):
                assert "nbval-ignore-output" in t, \
                    f"{path.name}: cell {i} shows a figure or trains: tag it nbval-ignore-output:\n{s[:200]}"
    code = "\n".join(s for c, s in zip(cells, src) if c["cell_type"] == "code")
    assert "zslkit.methods." not in code.replace("help(zslkit.methods", ""), "notebooks use the public API only"
