"""Generate the student notebooks in lectures/ from the solution notebooks in solutions/.

    python scripts/make_lectures.py            # write lectures/
    python scripts/make_lectures.py --check    # exit 1 if any lecture would change

For every solution notebook:

* each region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` in a code cell
  becomes ``# YOUR CODE HERE`` + ``raise NotImplementedError()`` at the marker's
  indentation (what nbgrader's ClearSolutions produces);
* the same region in a markdown cell (a written answer: model answer and rubric, graded by
  hand) becomes ``YOUR ANSWER HERE``, nbgrader's text stub;
* cells tagged ``check`` (the exercise checkers) gain the nbval tag ``raises-exception``,
  so Run All and nbval continue past an unsolved exercise;
* outputs and execution counts are cleared, and notebook metadata is reduced to the
  kernelspec and language name so diffs stay small.

A BEGIN marker without its END (or the reverse) is an error naming the notebook and cell.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BEGIN = re.compile(r"^(\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
TEXT_STUB = ["YOUR ANSWER HERE"]
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class MarkerError(ValueError):
    """A solution region is not closed (or closed without being opened)."""


def clear_solutions(source: str, where: str, stub: list[str] = STUB) -> str:
    """Replace every marked solution region in `source` by the student `stub`."""
    out: list[str] = []
    indent: str | None = None
    for lineno, line in enumerate(source.splitlines(), 1):
        if (m := BEGIN.match(line)) is not None:
            if indent is not None:
                raise MarkerError(f"{where}, line {lineno}: BEGIN SOLUTION inside an open solution region")
            indent = m.group(1)
            out.extend(indent + s for s in stub)
        elif END.match(line):
            if indent is None:
                raise MarkerError(f"{where}, line {lineno}: END SOLUTION without a BEGIN SOLUTION")
            indent = None
        elif indent is None:
            out.append(line)
    if indent is not None:
        raise MarkerError(f"{where}: BEGIN SOLUTION has no matching '### END SOLUTION'")
    return "\n".join(out)


def normalise_metadata(nb: nbformat.NotebookNode) -> None:
    nb.metadata = nbformat.from_dict(
        {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    )


def make_lecture(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Return the student version of solution notebook `nb` (which is not modified)."""
    nb = nbformat.from_dict(nb)  # deep copy
    normalise_metadata(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            cell.source = clear_solutions(cell.source, f"{name}, cell {i}", TEXT_STUB)
        if cell.cell_type != "code":
            continue
        cell.source = clear_solutions(cell.source, f"{name}, cell {i}")
        cell.outputs = []
        cell.execution_count = None
        tags = list(cell.metadata.get("tags", []))
        if "check" in tags and "raises-exception" not in tags:
            tags.append("raises-exception")
        cell.metadata = nbformat.from_dict({"tags": tags} if tags else {})
    return nb


def render(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    lecture = make_lecture(nb, path.name)
    nbformat.validate(lecture)
    return nbformat.writes(lecture) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if lectures/ is out of date")
    parser.add_argument("--solutions", type=Path, default=ROOT / "solutions")
    parser.add_argument("--lectures", type=Path, default=ROOT / "lectures")
    args = parser.parse_args(argv)

    sources = sorted(args.solutions.glob("[0-9][0-9]_*.ipynb"))
    expected = {args.lectures / p.name: p for p in sources}
    stale = [p for p in args.lectures.glob("*.ipynb") if p not in expected]
    changed: list[str] = []
    try:
        for target, source in expected.items():
            text = render(source)
            old = target.read_text(encoding="utf-8") if target.exists() else None
            if old != text:
                changed.append(target.name)
                if not args.check:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(text, encoding="utf-8")
    except MarkerError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.check:
        problems = [f"{n} is out of date" for n in changed]
        problems += [f"{p.name} has no source in solutions/" for p in stale]
        for p in problems:
            print(f"lectures/{p}; run `make lectures`", file=sys.stderr)
        return 1 if problems else 0
    for p in stale:
        p.unlink()
        print(f"removed lectures/{p.name} (no source in solutions/)")
    print(f"{len(sources)} lecture notebook(s) generated, {len(changed)} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
