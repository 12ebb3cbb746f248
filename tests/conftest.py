"""Shared set-up of the unit tests in tests/ (nbval's notebook kernels are separate processes).

Plots are drawn with the non-interactive Agg backend, ``plt.show`` does nothing, and every
figure a test opened is closed after it, so the tests neither block nor leak memory.
"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    yield
    plt.close("all")


# Modules that run notebooks, nbgrader, a JupyterHub or a browser: marked `slow`, so
# `make test-fast` (pytest -m "not slow" tests) is the unit tests alone.
SLOW_MODULES = {"test_nbgrader.py", "test_hub.py", "test_notebook_alone.py"}


# Longest first: with `-n 2 --dist loadscope` each module (or class) runs on one worker, so the
# long serial ones (one venv for all fourteen notebooks alone, nbgrader's autograde per notebook,
# the hub) must start at once, not after the unit tests, or one worker idles while the other
# finishes them (the whole suite's wall time).
FIRST = ["test_notebook_alone.py", "test_nbgrader.py", "test_hub.py"]


def _start_order(item) -> int:
    name = item.path.name
    return FIRST.index(name) if name in FIRST else len(FIRST) + (item.path.suffix != ".ipynb")


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.path
        if path.suffix == ".ipynb" or path.name in SLOW_MODULES or "browser" in path.parts:
            item.add_marker(pytest.mark.slow)
    items.sort(key=_start_order)  # stable: the order within each group is unchanged
