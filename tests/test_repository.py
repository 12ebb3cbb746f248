"""Repository checks: generated lectures in sync, solutions executed, Makefile and CI.

(The environment files are checked in test_packaging.py.)
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import make_lectures  # noqa: E402

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


# environment.yml / environment-dev.yml against pyproject.toml, with the conda-forge names:
# tests/test_packaging.py.


def test_lectures_are_in_sync_with_solutions():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_lectures.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solution_is_executed_with_outputs_and_no_errors(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code if c.source.strip()), \
        f"{path.name}: some code cells were never executed; run `make solutions NB={path}`"
    counts = [c.execution_count for c in code if c.execution_count is not None]
    assert counts == sorted(counts), f"{path.name}: cells were executed out of order"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name}: committed outputs contain errors"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", sorted((ROOT / "lectures").glob("*.ipynb")), ids=lambda p: p.name)
def test_lectures_carry_no_outputs_and_no_solutions(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert "### BEGIN SOLUTION" not in cell.source
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_generator_replaces_solution_regions_like_nbgrader():
    src = "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n\nprint(f)"
    out = make_lectures.clear_solutions(src, "t")
    assert out == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\nprint(f)"


def test_generator_rejects_a_region_without_end_marker(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n")])
    sol, lec = tmp_path / "solutions", tmp_path / "lectures"
    sol.mkdir()
    nbformat.write(nb, sol / "01_x.ipynb")
    code = make_lectures.main(["--solutions", str(sol), "--lectures", str(lec)])
    assert code == 2
    assert not (lec / "01_x.ipynb").exists(), "no half-generated notebook may be written"
    with pytest.raises(make_lectures.MarkerError, match="no matching"):
        make_lectures.clear_solutions(nb.cells[0].source, "01_x.ipynb, cell 0")
    with pytest.raises(make_lectures.MarkerError, match="without a BEGIN"):
        make_lectures.clear_solutions("x = 1\n### END SOLUTION", "c")


def test_generator_tags_check_cells_and_clears_outputs():
    cell = nbformat.v4.new_code_cell("checks.check_x(x)", metadata={"tags": ["check"]})
    cell.outputs = [nbformat.v4.new_output("stream", text="ok")]
    cell.execution_count = 3
    nb = nbformat.v4.new_notebook(cells=[cell], metadata={"widgets": {"state": {}}})
    out = make_lectures.make_lecture(nb, "t")
    assert out.cells[0].metadata["tags"] == ["check", "raises-exception"]
    assert out.cells[0].outputs == [] and out.cells[0].execution_count is None
    assert set(out.metadata) == {"kernelspec", "language_info"}
    assert cell.execution_count == 3, "the solution notebook itself must not be modified"


def test_makefile_declares_command_targets_phony():
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    phony = re.search(r"^\.PHONY:(.*)$", text, re.M).group(1).split()
    for target in ("lab", "test", "lectures"):
        assert target in phony


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in readme.split("\n## ")[0], "README must open with `make test`"
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
