"""The README's syllabus table is generated from the notebooks' headings and is current; the problem set
adds up to what the README promises (100 points, about three hours of core work)."""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import make_syllabus  # noqa: E402
import nbgrader_source  # noqa: E402

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def test_readme_syllabus_is_current():
    assert make_syllabus.main(["--check"]) == 0, "run `python scripts/make_syllabus.py`"


def test_the_set_totals_100_points_and_about_three_core_hours():
    parsed = [make_syllabus.parse(p) for p in SOLUTIONS]
    points = sum(pts for _, exercises in parsed for _, pts, *_ in exercises)
    core = sum(m for sections, _ in parsed for *_, kind, m in sections if kind == "core")
    assert points == 100
    assert 165 <= core <= 195, f"core path is {core} min"


def test_every_section_is_marked_core_or_bonus_and_every_exercise_is_parsed():
    for path in SOLUTIONS:
        nb = nbformat.read(path, as_version=4)
        sections, exercises = make_syllabus.parse(path)
        numbered = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
                    if line.startswith("## ") and line[3:4].isdigit()]
        assert len(numbered) == len(sections), f"{path.name}: a numbered section lacks '(core|bonus, ~N min)'"
        headings = [m for c in nb.cells if c.cell_type == "markdown"
                    for m in nbgrader_source.EXERCISE.findall(c.source)]
        assert len(headings) == len(exercises), f"{path.name}: an exercise heading lacks its '· kind'"
        numbers = [e[0] for e in exercises]
        assert numbers == sorted(numbers, key=lambda n: tuple(map(int, n.split(".")))), f"{path.name}: out of order"
        assert {e[3] for e in exercises} <= {"derive", "implement", "explore"}
        kinds = {e[3] for e in exercises}
        assert {"derive", "implement", "explore"} <= kinds, f"{path.name}: the ladder lacks a rung ({kinds})"
