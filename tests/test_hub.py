"""The course on a real JupyterHub: three students at once run a lecture through the hub's proxy.

The short version of benchmarks/hub_load.py (the full one, N = 10, is a benchmark: benchmarks/results/hub.md).
It starts deploy/jupyterhub/jupyterhub_config.py on free 127.0.0.1 ports; each student logs in through the
login form, gets a server, opens a kernel through the proxy and runs every code cell of lectures/03 over the
kernel websocket.  Skips, saying why, without the hub extra (`pip install -e ".[hub]"`) or without node and
configurable-http-proxy (`apt-get install nodejs npm`, then `cd deploy/jupyterhub && npm ci`).
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

for module, what in [("jupyterhub", "jupyterhub"), ("psutil", "psutil"), ("requests", "requests"),
                     ("websocket", "websocket-client")]:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f'{what} is not installed (the hub extra: pip install -e ".[hub]")', allow_module_level=True)

sys.path.insert(0, str(ROOT / "benchmarks"))
import hub_load  # noqa: E402

WHY = hub_load.missing()
if WHY:
    pytest.skip(WHY, allow_module_level=True)

NOTEBOOK = "03_jensen_elbo"


@pytest.fixture(scope="module")
def report():
    return hub_load.run(students=3, notebooks=(NOTEBOOK,), timeout=300, quiet=True)


def test_every_student_ran_the_lecture(report):
    failures = {r["name"]: r["failure"] for r in report["results"] if not r["ok"]}
    assert not failures, hub_load.summary(report)
    assert report["succeeded"] == 3
    for r in report["results"]:
        assert NOTEBOOK in r["notebooks"] and r["first_kernel"] > 0


def test_unsolved_exercises_show_their_error(report):
    # The lecture's exercises are stubs: each check cell ends in NotImplementedError, which the student
    # must see (an error message, and an error reply), and no other error is allowed.
    for r in report["results"]:
        assert set(r["cell_errors"]) == {"NotImplementedError"}, r["cell_errors"]


def test_hub_and_proxy_logged_no_error(report):
    errors = {k: v for k, v in report["log_errors"].items() if v}
    assert not errors, errors


def test_every_process_stopped(report):
    assert report["leftover_processes"] == []
    assert report["processes_seen"] >= 1 + 1 + 3 + 3  # hub, proxy, three servers, three kernels
    assert report["peak_rss"] > 0
