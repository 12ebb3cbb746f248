"""The import layering of helpers/, as listed in helpers/__init__.py, is what the code does.

* every module of helpers/ is in exactly one layer of the list, and every listed name exists;
* no module imports a module of a higher layer (static check of every import statement);
* below teaching nothing imports matplotlib, ipywidgets or IPython, also transitively (a fresh
  interpreter imports every lower module and then inspects ``sys.modules``);
* inside teaching, ``plots`` imports neither ``widgets`` nor ``checks``, and ``checks`` imports
  neither ``plots`` nor ``widgets`` (graders must not depend on drawing code).
"""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "helpers"
GUI = ("matplotlib", "ipywidgets", "IPython")


def _layers() -> list[tuple[str, list[str]]]:
    doc = ast.get_docstring(ast.parse((PKG / "__init__.py").read_text(encoding="utf-8")))
    layers = []
    for line in doc.splitlines():
        m = re.match(r"\* ([a-z ()]+?):\s*(.*)", line.strip())
        if m:
            layers.append((m.group(1), re.findall(r"``(\w+)``", m.group(2))))
    return layers


def _top(path: Path) -> str:
    """The top-level name below helpers/ that a file belongs to (``sgd`` for helpers/sgd/x.py)."""
    return path.relative_to(PKG).parts[0].removesuffix(".py")


def _modules() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py") if p != PKG / "__init__.py" and "__pycache__" not in p.parts)


def _imports(path: Path) -> set[str]:
    """Absolute names imported by `path` (relative imports resolved against helpers/)."""
    package = list(path.relative_to(ROOT).with_suffix("").parts)
    package = package if path.name == "__init__.py" else package[:-1]
    if path.name == "__init__.py":
        package = package[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
                names.update([mod] if node.module else [f"{mod}.{a.name}" for a in node.names])
            else:
                names.add(node.module)
                if node.module == "helpers":
                    names.update(f"helpers.{a.name}" for a in node.names)
    return names


def _rank() -> dict[str, int]:
    return {name: i for i, (_, names) in enumerate(_layers()) for name in names}


def test_the_layer_list_covers_every_module_exactly_once():
    listed = [name for _, names in _layers() for name in names]
    assert [layer for layer, _ in _layers()][-1] == "teaching"
    assert len(listed) == len(set(listed)), f"listed twice: {sorted(n for n in listed if listed.count(n) > 1)}"
    actual = {_top(p) for p in _modules()}
    assert actual - set(listed) == set(), "modules missing from the layer list in helpers/__init__.py"
    assert set(listed) - actual == set(), "the layer list in helpers/__init__.py names modules that do not exist"


def _violations(me: str, names: set[str], rank: dict[str, int]) -> list[str]:
    """What is wrong with module helpers.<me> importing `names`."""
    teaching, out = rank["plots"], []
    for name in sorted(names):
        parts = name.split(".")
        if parts[0] in GUI and rank[me] < teaching:
            out.append(f"{me} (below teaching) imports {name}")
        if parts[0] != "helpers" or len(parts) < 2:
            continue
        other = parts[1]
        if other not in rank:
            out.append(f"{me} imports helpers.{other}, which is in no layer")
        elif rank[other] > rank[me]:
            out.append(f"helpers.{me} (layer {rank[me]}) imports helpers.{other} (layer {rank[other]}, higher)")
        elif (me, other) in {("plots", "widgets"), ("plots", "checks"), ("checks", "plots"), ("checks", "widgets")}:
            out.append(f"helpers.{me} imports helpers.{other}")
    return out


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PKG)))
def test_no_module_imports_a_higher_layer(path):
    assert _violations(_top(path), _imports(path), _rank()) == []


def test_nothing_below_teaching_loads_a_gui_library_even_indirectly():
    rank = _rank()
    lower = sorted(n for n, r in rank.items() if r < rank["plots"])
    code = ("import importlib, sys\n"
            f"for m in {lower!r}: importlib.import_module('helpers.' + m)\n"
            f"print([m for m in sys.modules if m.split('.')[0] in {GUI!r}])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"GUI modules loaded by the lower layers: {out.stdout.strip()}"


def test_the_checker_sees_violations():
    rank = _rank()
    assert set(_violations("gaussian", {"helpers.plots", "matplotlib.pyplot"}, rank)) == {
        "gaussian (below teaching) imports matplotlib.pyplot",
        f"helpers.gaussian (layer {rank['gaussian']}) imports helpers.plots (layer {rank['plots']}, higher)"}
    assert _violations("em", {"helpers.denoise"}, rank) != []
    assert _violations("checks", {"helpers.plots"}, rank) != []
    assert _violations("plots", {"helpers.denoise", "matplotlib"}, rank) == []
    # relative imports are resolved, in packages too
    assert "helpers._validation" in _imports(PKG / "gaussian.py")
    assert {"helpers.mixture", "helpers.sgd._common"} <= _imports(PKG / "sgd" / "gmm_loss.py")
