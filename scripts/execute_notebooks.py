"""Execute solution notebooks in place so their committed outputs match the code.

    python scripts/execute_notebooks.py solutions/04_em.ipynb [more.ipynb ...]

Runs each notebook top to bottom with the current environment's kernel, in the
notebook's folder (as nbval does), normalises its metadata, and prints the wall time.
A cell error stops with a non-zero exit; the notebook on disk is then left unchanged.

Every code cell records ``metadata["source_hash"]``: a hash of its own source and of every code
cell above it (an edit upstream changes what a cell prints too), as it was when it ran.
``tests/test_stale_outputs.py`` recomputes the hashes in seconds, so an output left stale by a
source edit is caught without the full nbval run.  ``make_lectures.py`` keeps only the tags of
a cell's metadata, so the hashes never reach lectures/.
"""
from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_lectures import normalise_metadata  # noqa: E402


HASH_KEY = "source_hash"


def source_hashes(nb: nbformat.NotebookNode) -> list[str]:
    """One hash per code cell, in order: sha256 of all code-cell sources up to and including it."""
    digest, out = hashlib.sha256(), []
    for cell in nb.cells:
        if cell.cell_type == "code":
            digest.update(cell.source.encode("utf-8") + b"\0")
            out.append(digest.copy().hexdigest()[:16])
    return out


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
    for cell, h in zip((c for c in nb.cells if c.cell_type == "code"), source_hashes(nb)):
        cell.metadata[HASH_KEY] = h
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
