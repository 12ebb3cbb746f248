"""Copy the UCI optical-recognition handwritten digits into data/digits/.

Run once by the maintainers (``python scripts/make_digits.py``); the file it writes is
committed, so nothing is fetched when students or CI run the notebooks.

The source is the copy of the UCI "Optical Recognition of Handwritten Digits" test set
that scikit-learn bundles (``sklearn/datasets/data/digits.csv.gz``): 1 797 rows, each 64
grey levels 0..16 of an 8x8 image followed by the digit label 0..9.  It is copied byte for
byte, so its SHA-256 (checked by tests/test_digits.py) identifies it.  Licence CC BY 4.0,
by E. Alpaydin and C. Kaynak; see data/README.md.  scikit-learn is needed only here.
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np

TARGET = Path(__file__).resolve().parents[1] / "data" / "digits" / "digits.csv.gz"


def main() -> None:
    import sklearn.datasets

    source = Path(sklearn.datasets.__file__).parent / "data" / "digits.csv.gz"
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, TARGET)
    table = np.loadtxt(TARGET, delimiter=",", dtype=np.int64)
    assert table.shape == (1797, 65) and table[:, :64].max() == 16, table.shape
    digest = hashlib.sha256(TARGET.read_bytes()).hexdigest()
    print(f"{TARGET.name}: {table.shape[0]} images of 8x8, labels {np.bincount(table[:, 64]).tolist()}")
    print(f"sha256 {digest}")


if __name__ == "__main__":
    main()
