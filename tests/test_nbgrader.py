"""The README's nbgrader claim: nbgrader's own ClearSolutions preprocessor, run over solutions/,
yields exactly the code cells of our generated lectures/ (scripts/make_lectures.py).

nbgrader is a test-only dependency (it installs beside JupyterLab 4 without downgrading it).
``enforce_metadata=False`` because our sources mark regions with the comment lines only, not with
nbgrader's per-cell metadata; this is the setting nbgrader documents for using its solution
clearing without the rest of its pipeline.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import make_lectures  # noqa: E402

nbgrader_pre = pytest.importorskip("nbgrader.preprocessors", reason="nbgrader is not installed (test extra)")

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def nbgrader_clear(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """nbgrader's ClearSolutions with its default stub and delimiters."""
    pre = nbgrader_pre.ClearSolutions(enforce_metadata=False)
    out, _ = pre.preprocess(nbformat.from_dict(nb), {})
    return out


def code_sources(nb: nbformat.NotebookNode) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_nbgrader_clear_solutions_gives_our_lecture_code_cells(path):
    solution = nbformat.read(path, as_version=4)
    lecture = nbformat.read(ROOT / "lectures" / path.name, as_version=4)
    ours, theirs = code_sources(lecture), code_sources(nbgrader_clear(solution))
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a == b, f"{path.name}, code cell {i}: generator and nbgrader differ:\n{a}\n---\n{b}"


CASES = {
    "function body": "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
    "two regions, nested indent": (
        "import numpy as np\n\ndef g(X, k):\n    \"\"\"Docstring.\"\"\"\n    n = len(X)\n"
        "    ### BEGIN SOLUTION\n    r = X.sum(0)\n    ### END SOLUTION\n    for i in range(k):\n"
        "        ### BEGIN SOLUTION\n        n += i\n        ### END SOLUTION\n    return n"),
    "region at column 0": "### BEGIN SOLUTION\nx = 1\n### END SOLUTION\nprint(x)",
    "no region": "print('unchanged')",
}


@pytest.mark.parametrize("source", CASES.values(), ids=CASES.keys())
def test_generator_matches_nbgrader_on_marker_cases(source):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)],
                                  metadata={"kernelspec": make_lectures.KERNELSPEC})
    theirs = code_sources(nbgrader_clear(nb))[0]
    ours = make_lectures.clear_solutions(source, "case")
    assert ours == theirs
