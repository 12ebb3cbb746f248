"""Saving and loading models as tagged ``.npz`` archives, never with pickles.

Each archive carries a tag entry naming what it holds (for example ``format =
"helpers.mixture.GMM/1"``), so loading a foreign or damaged file fails with a ``ValueError``
that starts with ``path`` and says what was wrong, instead of a confusing error later on.  A
missing file raises ``FileNotFoundError`` (also starting with ``path``), as everywhere in helpers.
"""
from __future__ import annotations

import zipfile
from os import PathLike

import numpy as np
from numpy.typing import NDArray


def save_tagged(path: str | PathLike, tag_key: str, tag: str, **arrays: NDArray) -> None:
    """Write `arrays` and the entry ``tag_key = tag`` to `path` (uncompressed, dtypes kept)."""
    np.savez(path, **{tag_key: np.array(tag)}, **arrays)


def load_tagged(path: str | PathLike, tag_key: str, tag: str, names: tuple[str, ...],
                what: str) -> dict[str, NDArray]:
    """Read the arrays `names` from an archive written by :func:`save_tagged` with `tag`.

    `what` completes the message "not a saved <what>" for a file with another or no tag.
    Raises ``FileNotFoundError("path: ...")`` for a missing file and ``ValueError("path: ...")``
    for a damaged, pickled or foreign one.
    """
    try:
        f = np.load(path, allow_pickle=False)
        if not isinstance(f, np.lib.npyio.NpzFile):
            raise ValueError("a plain .npy array, not an .npz archive")
        with f:
            if tag_key not in f.files or str(f[tag_key]) != tag:
                found = str(f[tag_key]) if tag_key in f.files else "none"
                raise ValueError(f"not a saved {what} ({tag_key} tag {found!r}, expected {tag!r})")
            missing = set(names) - set(f.files)
            if missing:
                raise ValueError(f"missing entries {sorted(missing)} (found {sorted(f.files)})")
            return {k: f[k] for k in names}
    except FileNotFoundError:
        raise FileNotFoundError(f"path: no such file {str(path)!r}") from None
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as err:
        if "pickle" in str(err):  # numpy's message for bytes that are neither .npy nor .npz
            err = ValueError("not an .npz archive")
        raise ValueError(f"path: {str(path)!r}: {err}") from None
