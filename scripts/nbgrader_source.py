"""Copy solution notebooks into an nbgrader course as assignment sources, cells already marked.

    python scripts/nbgrader_source.py COURSE [solutions/04_em.ipynb ...]   (default: all)

writes ``COURSE/source/04_em/04_em.ipynb`` for each notebook, with nbgrader's cell metadata set
the way the "Create Assignment" sidebar would set it by hand:

* a code cell with a ``### BEGIN SOLUTION`` region -> "Autograded answer" (``solution``);
* a markdown cell with a ``### BEGIN SOLUTION`` region (a written answer; the region holds the
  model answer and its rubric) -> "Manually graded answer" worth the points of its heading;
* a cell tagged ``check`` (the exercise checker) -> "Autograder tests" (``grade``, locked), worth
  the points of the heading "Exercise N.M (P points)" above it (split evenly when an exercise has
  several check cells); it also gets the tag ``raises-exception`` as in lectures/, so students can
  Run All past an unsolved exercise.

Then, in COURSE: ``nbgrader generate_assignment 04_em`` writes the student version to
``release/04_em/``; its code cells equal those of our ``lectures/04_em.ipynb`` (tested in
tests/test_nbgrader.py).  Collect and ``nbgrader autograde`` as usual: a check cell that raises
scores 0, one that passes scores the exercise's points.
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
# "Exercise 4.2 (3 points)", also "Exercise 4.3 (2 points, written)"
EXERCISE = re.compile(r"Exercise\s+(\d+)\.(\d+)\s*\(\s*(\d+(?:\.\d+)?)\s*points?\b[^)]*\)", re.I)
BEGIN = re.compile(r"^\s*### BEGIN SOLUTION\s*$", re.M)


class MarkingError(ValueError):
    """A solution region or check cell that no "Exercise N.M (P points)" heading precedes."""


def _meta(grade_id: str, *, solution: bool = False, points: float | None = None) -> dict:
    meta = {"grade": points is not None, "solution": solution, "locked": points is not None and not solution,
            "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return meta


def _exercise_of_each_cell(nb: nbformat.NotebookNode) -> list[tuple[str, float] | None]:
    """For each cell, the (id "exN_M", points) of the last exercise heading at or above it."""
    current, out = None, []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and (found := EXERCISE.findall(cell.source)):
            n, m, points = found[-1]
            current = (f"ex{n}_{m}", float(points))
        out.append(current)
    return out


def mark(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """Return a copy of solution notebook `nb` with nbgrader metadata on answer and check cells."""
    nb = nbformat.from_dict(nb)
    exercises = _exercise_of_each_cell(nb)
    is_check = [c.cell_type == "code" and "check" in c.metadata.get("tags", []) for c in nb.cells]
    checks_per_exercise = Counter(ex[0] for ex, chk in zip(exercises, is_check) if chk and ex)
    used: Counter = Counter()
    for i, (cell, exercise, check) in enumerate(zip(nb.cells, exercises, is_check)):
        if cell.cell_type == "markdown" and BEGIN.search(cell.source):
            if exercise is None:
                raise MarkingError(f"{name}, cell {i}: no 'Exercise N.M (P points)' heading above this "
                                   "written answer")
            ex_id, points = exercise
            used[ex_id, "written"] += 1
            suffix = f"_{used[ex_id, 'written']}" if used[ex_id, "written"] > 1 else ""
            cell.metadata["nbgrader"] = _meta(f"{ex_id}_written{suffix}", solution=True, points=points)
            continue
        if cell.cell_type != "code":
            continue
        answer = BEGIN.search(cell.source) is not None
        if not (answer or check):
            continue
        if exercise is None:
            raise MarkingError(f"{name}, cell {i}: no 'Exercise N.M (P points)' heading above this "
                               f"{'check' if check else 'solution'} cell")
        ex_id, points = exercise
        kind = "check" if check else "answer"
        used[ex_id, kind] += 1
        grade_id = f"{ex_id}_{kind}" + (f"_{used[ex_id, kind]}" if used[ex_id, kind] > 1 else "")
        if check:
            cell.metadata["nbgrader"] = _meta(grade_id, points=points / checks_per_exercise[ex_id])
            tags = cell.metadata.setdefault("tags", [])
            if "raises-exception" not in tags:
                tags.append("raises-exception")
        else:
            cell.metadata["nbgrader"] = _meta(grade_id, solution=True)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course", type=Path, help="the nbgrader course folder (holds source/)")
    parser.add_argument("notebooks", type=Path, nargs="*", help="solution notebooks (default: all)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        try:
            marked = mark(nbformat.read(path, as_version=4), path.name)
        except MarkingError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        target = args.course / "source" / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(marked, target)
        n_points = sum(c.metadata["nbgrader"].get("points", 0) for c in marked.cells if "nbgrader" in c.metadata)
        print(f"{target}: {n_points:g} points; next: cd {args.course} && nbgrader generate_assignment {path.stem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
