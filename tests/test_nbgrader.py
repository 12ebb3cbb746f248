"""The README's nbgrader claim: nbgrader's own ClearSolutions preprocessor, run over solutions/,
yields exactly the code cells of our generated lectures/ (scripts/make_lectures.py; that lectures/
is in sync with the generator is checked in test_repository.py), and nbgrader's full
`generate_assignment` on sources marked by scripts/nbgrader_source.py releases the same cells.

nbgrader is a test-only dependency (it installs beside JupyterLab 4 without downgrading it).
``enforce_metadata=False`` because our sources mark regions with the comment lines only, not with
nbgrader's per-cell metadata; this is the setting nbgrader documents for using its solution
clearing without the rest of its pipeline.
"""
from __future__ import annotations

import os
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
    lecture = make_lectures.make_lecture(solution, path.name)  # == lectures/ (test_repository checks sync)
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


# --- the full nbgrader pipeline: scripts/nbgrader_source.py, then `nbgrader generate_assignment` ---

import nbgrader_source  # noqa: E402  (scripts/ is on sys.path above)


def test_marking_sets_answer_and_test_cells_with_the_heading_points():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("### Exercise 3.2 (4 points): something"),
        nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"),
        nbformat.v4.new_code_cell("check(f)", metadata={"tags": ["check"]}),
        nbformat.v4.new_code_cell("check_more(f)", metadata={"tags": ["check"]}),
        nbformat.v4.new_code_cell("print('not graded')"),
    ])
    marked = nbgrader_source.mark(nb)
    meta = [c.metadata.get("nbgrader") for c in marked.cells]
    assert meta[0] is None and meta[4] is None
    assert meta[1] == {"grade": False, "solution": True, "locked": False, "grade_id": "ex3_2_answer",
                       "schema_version": 3}
    assert [m["points"] for m in meta[2:4]] == [2.0, 2.0], "an exercise's points are split over its checks"
    assert [m["grade_id"] for m in meta[2:4]] == ["ex3_2_check", "ex3_2_check_2"]
    assert all(m["grade"] and m["locked"] for m in meta[2:4])
    assert marked.cells[2].metadata["tags"] == ["check", "raises-exception"]
    assert "nbgrader" not in nb.cells[1].metadata, "the source notebook itself is not modified"


def test_marking_rejects_a_solution_without_an_exercise_heading():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION")])
    with pytest.raises(nbgrader_source.MarkingError, match="cell 0: no 'Exercise N.M"):
        nbgrader_source.mark(nb, "x.ipynb")


@pytest.mark.skipif(not SOLUTIONS, reason="no solution notebooks yet")
def test_nbgrader_generate_assignment_releases_our_lecture_code_cells(tmp_path, monkeypatch):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    # nbgrader runs the `alembic` executable of this environment to create its gradebook
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.chdir(tmp_path)
    assert nbgrader_source.main([str(tmp_path)]) == 0
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    config.Exchange.root = str(tmp_path / "exchange")
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    for path in SOLUTIONS:
        result = api.generate_assignment(path.stem)
        assert result["success"], f"{path.name}: nbgrader generate_assignment failed:\n{result.get('error')}"
        release = nbformat.read(tmp_path / "release" / path.stem / path.name, as_version=4)
        lecture = make_lectures.make_lecture(nbformat.read(path, as_version=4), path.name)
        assert code_sources(release) == code_sources(lecture), path.name
        headings = sum(float(p) for c in lecture.cells if c.cell_type == "markdown"
                       for *_, p in nbgrader_source.EXERCISE.findall(c.source))
        graded = sum(c.metadata["nbgrader"].get("points", 0) for c in release.cells if "nbgrader" in c.metadata)
        assert graded == pytest.approx(headings), f"{path.name}: points in nbgrader differ from the headings"


def markdown_sources(nb: nbformat.NotebookNode) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_written_answers_are_cleared_like_nbgrader_does(path):
    """Written answers (markdown regions) become nbgrader's 'YOUR ANSWER HERE' in our lectures too."""
    solution = nbformat.read(path, as_version=4)
    lecture = make_lectures.make_lecture(solution, path.name)
    resources = {"language": "python"}
    theirs, _ = nbgrader_pre.ClearSolutions(enforce_metadata=False).preprocess(nbformat.from_dict(solution),
                                                                               resources)
    assert markdown_sources(lecture) == markdown_sources(theirs)
    assert not any("BEGIN SOLUTION" in s for s in markdown_sources(lecture)), "a model answer leaked"


def test_marking_makes_written_answers_manually_graded():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("### Exercise 1.3 (2 points, written) · derive\n\nShow that ..."),
        nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\n**Model answer.** ...\n\n**Rubric.** ...\n"
                                      "### END SOLUTION"),
    ])
    meta = [c.metadata.get("nbgrader") for c in nbgrader_source.mark(nb).cells]
    assert meta[0] is None
    assert meta[1] == {"grade": True, "solution": True, "locked": False, "grade_id": "ex1_3_written",
                       "schema_version": 3, "points": 2.0}


# --- grading: nbgrader's own autograde on an untouched, a fully solved and a one-exercise submission ---

def _exercises(marked: nbformat.NotebookNode) -> dict[str, float]:
    """Autograded exercises of a marked solution notebook: {"exN_M": points of its check cells}."""
    out: dict[str, float] = {}
    for cell in marked.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade"):
            ex = meta["grade_id"].split("_check")[0]
            out[ex] = out.get(ex, 0.0) + meta["points"]
    return out


def _solve(release: nbformat.NotebookNode, marked: nbformat.NotebookNode, exercises: set[str]):
    """The released notebook with the answer cells of `exercises` filled in from the (marked) solution,
    as a student who solved exactly those would submit it."""
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in marked.cells
               if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.from_dict(release)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type == "code" and gid in answers and gid.split("_answer")[0] in exercises:
            cell.source = answers[gid]
    return nb


def _autograde_scores(tmp_path, monkeypatch, path: Path) -> tuple[dict[str, tuple[float, float]],
                                                                   dict[str, float], str]:
    """({submission: (autograded score, max autograded score)} from `nbgrader autograde`,
    the autograded exercises with their points, the exercise solved alone)."""
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.chdir(tmp_path)
    assert nbgrader_source.main([str(tmp_path), str(path)]) == 0
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    config.Exchange.root = str(tmp_path / "exchange")
    config.ExecutePreprocessor.timeout = 300
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    assert api.generate_assignment(path.stem)["success"]
    release = nbformat.read(tmp_path / "release" / path.stem / path.name, as_version=4)
    marked = nbgrader_source.mark(nbformat.read(path, as_version=4))
    exercises = _exercises(marked)
    first = sorted(exercises)[0]
    submissions = {"untouched": release, "solved": _solve(release, marked, set(exercises)),
                   f"only_{first}": _solve(release, marked, {first})}
    scores = {}
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        for student in submissions:
            gb.update_or_create_student(student)
    for student, nb in submissions.items():
        target = tmp_path / "submitted" / student / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        result = api.autograde(path.stem, student, force=True, create=True)
        assert result["success"], f"{path.name}, {student}: autograde failed:\n{result.get('error')}"
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        for student in submissions:
            sub = gb.find_submission_notebook(path.stem, path.stem, student)
            scores[student] = (sub.code_score, sub.max_code_score)
    return scores, exercises, first


def _grading_test(path: Path):
    def test(self, tmp_path, monkeypatch):
        scores, exercises, first = _autograde_scores(tmp_path, monkeypatch, path)
        total = sum(exercises.values())
        assert scores["untouched"] == (0.0, pytest.approx(total)), "an untouched lecture must score 0"
        assert scores["solved"][0] == pytest.approx(total), "the solutions must score full marks"
        assert scores[f"only_{first}"][0] == pytest.approx(exercises[first]), (
            f"solving only {first} must score exactly its {exercises[first]:g} points")
    return test


# One class per notebook, so pytest-xdist (--dist loadscope) spreads the slow autograde runs over workers.
for _path in SOLUTIONS:
    _name = "TestAutograde_" + _path.stem
    globals()[_name] = type(_name, (), {"test_untouched_zero_solved_full_one_exercise_exact": _grading_test(_path)})
