"""Execute solution notebooks in place so their committed outputs match the code.

    python scripts/execute_notebooks.py solutions/04_em.ipynb [more.ipynb ...]

Runs each notebook top to bottom with the current environment's kernel, in the
notebook's folder (as nbval does), normalises its metadata, and prints the wall time.
A cell error stops with a non-zero exit; the notebook on disk is then left unchanged.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_lectures import normalise_metadata  # noqa: E402


def execute(path: Path, timeout: int = 300) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    seconds = time.perf_counter() - start
    normalise_metadata(nb)
    for cell in nb.cells:  # per-cell timestamps only make diffs noisy
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    for arg in argv:
        seconds = execute(Path(arg))
        print(f"{arg}: executed in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
