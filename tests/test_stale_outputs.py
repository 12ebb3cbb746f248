"""Fast check that no solution notebook's outputs are stale (seconds, instead of the full nbval run).

``scripts/execute_notebooks.py`` records in every code cell a hash of the code-cell sources up to
and including it, at execution time.  A cell whose source (or an earlier cell's) was edited after
the notebook last ran no longer matches: re-execute it with ``make solutions NB=...``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from execute_notebooks import HASH_KEY, source_hashes  # noqa: E402

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_solution_notebooks():
    assert len(SOLUTIONS) >= 7


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_outputs_were_produced_by_the_current_source(path):
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    stale = [i for i, (cell, h) in enumerate(zip(cells, source_hashes(nb)))
             if cell.metadata.get(HASH_KEY) != h]
    assert not stale, (f"{path.name}: code cells {stale[:10]} (of {len(cells)}) changed since the notebook "
                       f"was last executed; run `make solutions NB=solutions/{path.name}`")


def test_hashes_change_with_an_upstream_edit():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("a = 1"), nbformat.v4.new_markdown_cell("m"),
                                         nbformat.v4.new_code_cell("print(a)")])
    before = source_hashes(nb)
    nb.cells[1].source = "other text"          # markdown does not change outputs
    assert source_hashes(nb) == before
    nb.cells[0].source = "a = 2"               # an upstream code edit changes both hashes
    after = source_hashes(nb)
    assert len(after) == 2 and after[0] != before[0] and after[1] != before[1]


def test_make_lectures_strips_the_hashes():
    import make_lectures
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", metadata={HASH_KEY: "0" * 16,
                                                                                      "tags": ["check"]})])
    lecture = make_lectures.make_lecture(nb, "test.ipynb")
    assert HASH_KEY not in lecture.cells[0].metadata
