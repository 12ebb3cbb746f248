"""Where the bundled data (images, pretrained models, digits) is, in a clone and in an install.

The top-level ``data/`` folder of the repository is the one source.  The wheel carries a copy
of it as the package directory ``helpers/data/`` (pyproject.toml maps ``data/`` to
``helpers.data``), so the two places to look are, in order:

1. ``helpers/data/`` next to this file: a regular install (``pip install gmm-course-helpers``,
   a wheel, Colab, Binder, a JupyterHub image);
2. ``data/`` beside the ``helpers/`` folder and ``pyproject.toml``: the repository itself, used
   directly or through an editable install (``pip install -e .``, ``make``).

Both are found from ``importlib.resources.files("helpers")``, the package's own location, so
the answer does not depend on the working directory.  When neither holds the requested item,
:func:`path` raises :class:`MissingDataError` saying what is missing, where it looked, and how
to get it; nothing returns an empty list for a missing bundle.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from . import _course

__all__ = ["MissingDataError", "candidates", "root", "path"]


class MissingDataError(FileNotFoundError):
    """A bundled data file or folder is not where the course package expects it."""


def candidates() -> tuple[Path, ...]:
    """The folders searched for the bundled data, in order (installed copy, then repository).

    The repository's ``data/`` counts only beside its ``pyproject.toml``, so a stray
    ``site-packages/data`` folder of some other package is never taken for ours.
    """
    package = Path(str(resources.files(__package__)))
    repo = package.parent
    return (package / "data",) + ((repo / "data",) if (repo / "pyproject.toml").is_file() else ())


def root() -> Path:
    """The data folder in use: the first candidate that exists (the installed one if neither does)."""
    for folder in candidates():
        if (folder / "images").is_dir() or (folder / "models").is_dir() or (folder / "digits").is_dir():
            return folder
    return candidates()[0]


def path(*parts: str, kind: str = "file") -> Path:
    """The bundled data item ``data/<parts...>`` (a ``kind`` of "file" or "folder").

    Raises :class:`MissingDataError` naming the item and the folders searched if it is absent.
    """
    for folder in candidates():
        target = folder.joinpath(*parts)
        if target.is_dir() if kind == "folder" else target.is_file():
            return target
    rel = "/".join(("data",) + parts)
    looked = ", ".join(str(f) for f in candidates())
    raise MissingDataError(
        f"bundled {kind} {rel} is missing (looked in {looked}). The course package carries its data: "
        f"reinstall it with  pip install --force-reinstall \"{_course.pip_target()}\"  or, in a clone "
        "of the repository, restore the folder with  git checkout data/")
