"""docs/architecture.md is the repository's own design reference and agrees with the code."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from test_layering import _layers

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"


def test_no_file_points_to_a_design_document_outside_the_repository():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    name = "DESIGN" + ".md"   # split so this file does not match itself
    hits = [f for f in files if (ROOT / f).is_file() and not f.endswith((".png", ".npz", ".jpg"))
            and name in (ROOT / f).read_text(encoding="utf-8", errors="ignore")]
    assert hits == [], f"{name} is not part of this repository; point to docs/architecture.md instead: {hits}"


def test_the_layer_table_matches_helpers_init():
    rows = re.findall(r"^\| ([a-z ()]+?) \| (`.*?) \|", DOC.read_text(encoding="utf-8"), flags=re.M)
    table = [(layer, re.findall(r"`(\w+)`", mods)) for layer, mods in rows]
    assert table == _layers()
