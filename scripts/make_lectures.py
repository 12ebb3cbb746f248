"""Generate the student notebooks in lectures/ from the solution notebooks in solutions/.

    python scripts/make_lectures.py            # write lectures/
    python scripts/make_lectures.py --check    # exit 1 if any lecture would change

For every solution notebook:

* its first code cell is the set-up cell (tag ``setup``), written from one template,
  ``scripts/setup_cell.py.in``, with the install target from ``helpers/_course.py``: it is
  rewritten where it differs, or inserted before the first code cell.  This is the one edit
  made to ``solutions/`` (never with ``--check``, which reports it); re-stamping is a no-op;
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
import string
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BEGIN = re.compile(r"^(\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
TEXT_STUB = ["YOUR ANSWER HERE"]
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
SETUP_TAG = "setup"
SETUP_TEMPLATE = ROOT / "scripts" / "setup_cell.py.in"


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


def setup_cell_source() -> str:
    """The set-up cell's code: the template with the course's install target filled in."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from helpers import _course
    return string.Template(SETUP_TEMPLATE.read_text(encoding="utf-8")).substitute(
        PIP_TARGET=_course.pip_target(), ENV_VAR=_course.PIP_TARGET_ENV, DIST=_course.DIST_NAME).rstrip("\n")


def has_setup_cell(nb: nbformat.NotebookNode, source: str) -> bool:
    """Whether the first code cell of `nb` is the set-up cell with exactly `source`."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    return bool(code) and SETUP_TAG in code[0].metadata.get("tags", []) and code[0].source == source


def stamp_setup_cell(nb: nbformat.NotebookNode, folder: Path, source: str) -> bool:
    """Make the first code cell of solution notebook `nb` the set-up cell; True if `nb` changed.

    An existing first code cell tagged ``setup`` gets `source`; otherwise a new cell is inserted
    before the first code cell.  In an executed notebook the new or changed cell is run once
    (a subprocess of this Python in `folder`, the notebook's folder, as a kernel would be) for
    its output, and a new cell takes execution count 1, the later cells' counts moving up by
    one, as re-executing the notebook would number them.
    """
    if has_setup_cell(nb, source):
        return False
    code = [c for c in nb.cells if c.cell_type == "code"]
    first = code[0] if code else None
    if first is not None and SETUP_TAG in first.metadata.get("tags", []):
        cell = first
    else:
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": [SETUP_TAG]})
        where = nb.cells.index(first) if first is not None else len(nb.cells)
        nb.cells.insert(where, cell)
        if any(c.execution_count is not None for c in code):
            for c in code:
                if c.execution_count is not None:
                    c.execution_count += 1
            cell.execution_count = 1
    cell.source = source
    if cell.execution_count is not None:
        run = subprocess.run([sys.executable, "-c", source], cwd=folder, capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"the set-up cell fails in {folder}:\n{run.stderr}")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=run.stdout)]
    return True


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
    unstamped: list[str] = []
    setup = setup_cell_source()
    try:
        for target, source in expected.items():
            nb = nbformat.read(source, as_version=4)
            if not has_setup_cell(nb, setup):
                unstamped.append(source.name)
                if not args.check:
                    stamp_setup_cell(nb, source.parent, setup)
                    nbformat.write(nb, source)
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
        for n in unstamped:
            print(f"solutions/{n}: the set-up cell is missing or out of date; run `make lectures`", file=sys.stderr)
        problems += [f"{p.name} has no source in solutions/" for p in stale]
        for p in problems:
            print(f"lectures/{p}; run `make lectures`", file=sys.stderr)
        return 1 if problems or unstamped else 0
    for p in stale:
        p.unlink()
        print(f"removed lectures/{p.name} (no source in solutions/)")
    print(f"{len(sources)} lecture notebook(s) generated, {len(changed)} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
