"""Open anywhere, the proof: the wheel carries the data, Binder's steps install, every notebook runs alone.

One fresh virtual environment outside the repository serves the whole module (it is slow:
marked ``slow``, so ``make test-fast`` leaves it out; ``make test`` runs it):

1. the wheel is built once, from a copy of the package sources (``pip wheel --no-deps``);
2. Binder: ``binder/postBuild`` runs in the fresh venv, from a copy of the sources, as
   repo2docker runs it after copying the repository; the installed (not editable) copy then
   finds all eleven images, the models and the digits from an unrelated folder;
3. the venv gets a Jupyter kernel (ipykernel, what Colab or a JupyterHub already has) and the
   course package is uninstalled again;
4. each of the fourteen notebooks is copied alone into an empty folder and executed there with
   nbclient on that venv's kernel.  Before each one the course package is uninstalled, so the
   notebook's own set-up cell must take its install branch: ``GMM_COURSE_PIP_TARGET`` points
   it at the wheel of step 1 (its dependencies are present from step 2, as numpy, SciPy and
   matplotlib are on Colab).  Lectures may fail only with the exercises' NotImplementedError;
   solutions not at all.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = (sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
             + sorted((ROOT / "lectures").glob("[0-9][0-9]_*.ipynb")))
# What a build reads, and the notebooks: one snapshot, so the wheel and the notebooks always match.
SOURCES = ["helpers", "data", "binder", "pyproject.toml", "README.md", "LICENSE", "solutions", "lectures"]
sys.path.insert(0, str(ROOT))
from helpers import _course  # noqa: E402


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _clean_env(venv: Path) -> dict[str, str]:
    """The environment of a student's shell in `venv`: nothing pointing back into the repository."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return env


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("alone")
    assert ROOT not in root.parents, "the venv and the notebooks must live outside the repository"
    src = root / "src"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    return root


@pytest.fixture(scope="module")
def wheel(work) -> Path:
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "dist"), str(work / "src")])
    (path,) = (work / "dist").glob("gmm_course_helpers-*.whl")
    print(f"\nwheel {path.name}: {path.stat().st_size / 1e6:.2f} MB")
    return path


@pytest.fixture(scope="module")
def venv(work) -> Path:
    path = work / "venv"
    _run([sys.executable, "-m", "venv", str(path)])
    return path


@pytest.fixture(scope="module")
def binder_install(work, venv) -> subprocess.CompletedProcess:
    t0 = time.perf_counter()
    proc = subprocess.run(["bash", str(work / "src" / "binder" / "postBuild")], cwd=work / "src",
                          env=_clean_env(venv), capture_output=True, text=True)
    print(f"\nbinder/postBuild in a fresh venv: {time.perf_counter() - t0:.1f} s")
    return proc


@pytest.fixture(scope="module")
def kernel(work, venv, binder_install) -> Path:
    """A kernelspec for the venv's Python, with the course package uninstalled again."""
    assert binder_install.returncode == 0, binder_install.stderr[-3000:]
    py = venv / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "--quiet", "ipykernel"], env=_clean_env(venv))
    _run([str(py), "-m", "pip", "uninstall", "--yes", "--quiet", _course.DIST_NAME], env=_clean_env(venv))
    spec = work / "kernels" / "alone"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        '{"argv": ["%s", "-m", "ipykernel_launcher", "-f", "{connection_file}"], '
        '"display_name": "alone", "language": "python"}' % py, encoding="utf-8")
    return spec.parent


def test_wheel_holds_every_data_file_and_module(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    data = {f"helpers/data/{p.relative_to(ROOT / 'data').as_posix()}"
            for p in (ROOT / "data").rglob("*") if p.is_file()}
    code = {p.relative_to(ROOT).as_posix() for p in (ROOT / "helpers").rglob("*.py") if "__pycache__" not in p.parts}
    assert data - names == set(), f"data missing from the wheel: {sorted(data - names)}"
    assert code - names == set(), f"modules missing from the wheel: {sorted(code - names)}"
    assert sum(n.startswith("helpers/data/images/") and n.endswith(".png") for n in names) == 11
    assert {"helpers/data/models/gmm_8x8_k200.npz", "helpers/data/digits/digits.csv.gz",
            "helpers/data/README.md"} <= names


def test_binder_files_parse_and_postbuild_installs_in_a_fresh_venv(work, venv, binder_install):
    binder = ROOT / "binder"
    assert (binder / "runtime.txt").read_text(encoding="utf-8").strip() == "python-3.11"
    post = binder / "postBuild"
    assert os.access(post, os.X_OK), "repo2docker runs postBuild only if it is executable"
    _run(["bash", "-n", str(post)])
    assert not (binder / "requirements.txt").exists() and not (binder / "environment.yml").exists(), \
        "postBuild alone installs the package, after the source is present"
    assert binder_install.returncode == 0, binder_install.stderr[-3000:]
    probe = ("import helpers, sys; from helpers import images, pretrained, digits;"
             "print(helpers.__file__); print(len(images.names())); print(pretrained.load(200).n_components);"
             "print(digits.load_digits()[0].shape[0])")
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    out = _run([str(venv / "bin" / "python"), "-c", probe], cwd=elsewhere, env=_clean_env(venv)).stdout.split()
    assert Path(out[0]).is_relative_to(venv), f"helpers came from {out[0]}, not the venv"
    assert out[1:] == ["11", "200", "1797"], out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_runs_alone_in_an_empty_folder(path, work, venv, wheel, kernel):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    env = _clean_env(venv)
    _run([str(venv / "bin" / "python"), "-m", "pip", "uninstall", "--yes", "--quiet", _course.DIST_NAME], env=env)
    folder = work / "run" / path.parent.name / path.stem
    folder.mkdir(parents=True)
    shutil.copy2(work / "src" / path.relative_to(ROOT), folder / path.name)   # from the snapshot
    nb = nbformat.read(folder / path.name, as_version=4)
    env[_course.PIP_TARGET_ENV] = str(wheel)
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    km = KernelManager(kernel_name="alone", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel)]))
    client = NotebookClient(nb, km=km, timeout=600, allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    t0 = time.perf_counter()
    client.execute(env=env)
    print(f"\n{path.parent.name}/{path.name}: {time.perf_counter() - t0:.1f} s alone")

    setup = next(c for c in nb.cells if c.cell_type == "code")
    said = "".join(o.get("text", "") for o in setup.outputs if o.output_type == "stream")
    assert said == f"Installed the course package from {wheel}.\n", \
        f"the set-up cell did not take its install branch: {setup.outputs}"
    errors = [(i, o.ename, o.evalue[:200]) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    if path.parent.name == "solutions":
        assert errors == [], f"{path.name} alone: {errors}"
    else:
        assert all(e[1] == "NotImplementedError" for e in errors), f"{path.name} alone: {errors}"
