"""Packaging and platforms, the fast checks: conda names, one version, links and set-up cells current.

The slow proof (a wheel installed in a fresh venv, Binder's install steps, every notebook run
alone) is tests/test_notebook_alone.py.
"""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import make_lectures  # noqa: E402

from helpers import _course  # noqa: E402

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]

# pip (PyPI) name -> conda-forge name, for every package environment*.yml installs.  Checked by
# hand on anaconda.org/conda-forge/<name> (conda cannot be reached from CI); the names that
# differ, with why:
#   matplotlib -> matplotlib-base: conda-forge's "matplotlib" is matplotlib-base plus a Qt GUI
#                 backend (pyqt); the notebooks draw inline, so the smaller package suffices and
#                 provides the same "matplotlib" distribution pip sees.
#   playwright -> playwright-python: on conda-forge "playwright" is not the Python package.
CONDA_FORGE = {
    "numpy": "numpy",
    "scipy": "scipy",
    "matplotlib": "matplotlib-base",
    "ipywidgets": "ipywidgets",
    "jupyterlab": "jupyterlab",
    "scikit-image": "scikit-image",
    "tqdm": "tqdm",
    "threadpoolctl": "threadpoolctl",
    "pillow": "pillow",
    "pytest": "pytest",
    "nbval": "nbval",
    "hypothesis": "hypothesis",
    "scikit-learn": "scikit-learn",
    "pytest-xdist": "pytest-xdist",
    "pyyaml": "pyyaml",
    "playwright": "playwright-python",
    "nbclient": "nbclient",
    "ruff": "ruff",
    "nbgrader": "nbgrader",
}


def _requirements(reqs: list[str]) -> dict[str, str]:
    """name (lower case, '-' for '_') -> version bound, without spaces."""
    out = {}
    for r in reqs:
        m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*([^;#]*)", r)
        assert m, r
        out[m.group(1).lower().replace("_", "-")] = m.group(2).replace(" ", "")
    return out


def _conda_env(name: str) -> tuple[dict[str, str], list[str]]:
    env = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    assert env["channels"] == ["conda-forge"], f"{name}: conda-forge only, so the names below are the ones checked"
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    return _requirements(conda), pip


def _mapped(pip_names: dict[str, str]) -> dict[str, str]:
    missing = sorted(set(pip_names) - set(CONDA_FORGE))
    assert not missing, f"no conda-forge name known for {missing}: check anaconda.org and add it to CONDA_FORGE"
    return {CONDA_FORGE[n]: bound for n, bound in pip_names.items()}


@pytest.mark.parametrize("env_file, extras", [
    ("environment.yml", ["lab"]),                             # students: the runtime and JupyterLab
    ("environment-dev.yml", ["lab", "test", "instructor"]),   # instructors and developers
])
def test_conda_environment_lists_pyproject_under_conda_forge_names(env_file, extras):
    wanted = _requirements(PROJECT["dependencies"] + [r for e in extras for r in PROJECT["optional-dependencies"][e]])
    have, pip = _conda_env(env_file)
    python = have.pop("python")
    assert python == ">=" + PROJECT["requires-python"].removeprefix(">="), f"{env_file}: python bound"
    assert have.pop("pip") == ""
    assert have == _mapped(wanted), f"{env_file} must list pyproject's packages, bounds kept, under conda-forge names"
    assert pip == ["-e ."], f"{env_file}: pip installs only the course package (its dependencies come from conda)"


def test_student_environment_has_no_test_or_instructor_packages():
    have, _ = _conda_env("environment.yml")
    extras = _requirements([r for e in ("test", "instructor") for r in PROJECT["optional-dependencies"][e]])
    assert not set(have) & set(_mapped(extras)), "test and instructor packages stay out of the students' environment"


def test_extras_split_by_user():
    extras = PROJECT["optional-dependencies"]
    runtime = set(_requirements(PROJECT["dependencies"]))
    assert {"lab", "test", "bench", "instructor"} <= set(extras)
    assert "nbgrader" in _requirements(extras["instructor"]) and "nbgrader" not in runtime
    for e in ("lab", "test", "bench", "instructor"):
        assert not runtime & set(_requirements(extras[e])), f"extra {e} repeats a runtime dependency"
    assert not {"pytest", "nbval", "hypothesis", "playwright", "nbgrader", "bm3d", "jupyterlab"} & runtime


def test_version_is_set_in_one_place():
    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "helpers._course.VERSION"}
    import helpers
    assert helpers.__version__ == _course.VERSION
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(cff["version"]) == _course.VERSION, "CITATION.cff's version must be helpers/_course.py's VERSION"
    assert cff["repository-code"] == _course.REPOSITORY
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[?{re.escape(_course.VERSION)}\]?", changelog, re.M), \
        "CHANGELOG.md needs a section for the current version"


def test_project_urls_and_authors():
    assert PROJECT["authors"]
    urls = PROJECT["urls"]
    assert urls["Homepage"] == urls["Source"] == _course.REPOSITORY
    assert urls["Changelog"].startswith(_course.REPOSITORY)


def test_requires_python_is_what_ci_and_binder_run():
    lower = tuple(int(x) for x in PROJECT["requires-python"].removeprefix(">=").split("."))
    assert sys.version_info[:2] >= lower
    runtime = (ROOT / "binder" / "runtime.txt").read_text(encoding="utf-8").strip()
    assert re.fullmatch(r"python-3\.\d+", runtime), runtime
    assert tuple(int(x) for x in runtime.removeprefix("python-").split(".")) >= lower


def test_every_helpers_package_is_in_the_wheel_configuration():
    packages = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "helpers").rglob("__init__.py")}
    assert found <= packages, f"add {sorted(found - packages)} to [tool.setuptools] packages in pyproject.toml"
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"helpers.data": "data"}


def test_every_notebook_starts_with_the_setup_cell_from_the_template():
    source = make_lectures.setup_cell_source()
    assert _course.pip_target() in source and _course.PIP_TARGET_ENV in source
    for folder in ("solutions", "lectures"):
        for path in sorted((ROOT / folder).glob("[0-9][0-9]_*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            first = next(c for c in nb.cells if c.cell_type == "code")
            assert "setup" in first.metadata.get("tags", []) and first.source == source, \
                f"{folder}/{path.name}: first code cell is not the current set-up cell; run `make lectures`"


def test_stamping_inserts_once_renumbers_and_is_idempotent(tmp_path):
    title = nbformat.v4.new_markdown_cell("# T")
    a = nbformat.v4.new_code_cell("x = 1", execution_count=1)
    b = nbformat.v4.new_code_cell("print(x)", execution_count=2)
    nb = nbformat.v4.new_notebook(cells=[title, a, b])
    source = "print('set up')"
    assert make_lectures.stamp_setup_cell(nb, tmp_path, source) is True
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code", "code"]
    setup = nb.cells[1]
    assert setup.source == source and setup.metadata.tags == ["setup"]
    assert [c.execution_count for c in nb.cells[1:]] == [1, 2, 3]
    assert setup.outputs[0].text == "set up\n", "the new cell's output is its real output"
    before = nbformat.writes(nb)
    assert make_lectures.stamp_setup_cell(nb, tmp_path, source) is False
    assert nbformat.writes(nb) == before, "re-stamping must change nothing"
    assert make_lectures.stamp_setup_cell(nb, tmp_path, "print('v2')") is True   # a new template: rewritten in place
    assert len(nb.cells) == 4 and nb.cells[1].source == "print('v2')" and nb.cells[1].outputs[0].text == "v2\n"
    assert nb.cells[1].execution_count == 1


def test_setup_cell_refuses_to_pip_install_in_the_clone_or_in_ci(tmp_path):
    source = make_lectures.setup_cell_source()
    clean = [sys.executable, "-I", "-S", "-c", source]     # -S: no site-packages, so `helpers` is missing
    inside = subprocess.run(clean, cwd=ROOT / "lectures", capture_output=True, text=True)
    assert inside.returncode != 0 and "inside the course repository" in inside.stderr
    ci = subprocess.run(clean, cwd=tmp_path, capture_output=True, text=True, env={"CI": "true", "PATH": ""})
    assert ci.returncode != 0 and "CI: install the course package" in ci.stderr
    here = subprocess.run([sys.executable, "-c", source], cwd=ROOT / "lectures", capture_output=True, text=True)
    assert here.returncode == 0 and here.stdout == "Course package found: nothing to install.\n"


def test_readme_links_are_generated_from_the_course_constants():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_links.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in sorted((ROOT / "lectures").glob("[0-9][0-9]_*.ipynb")):
        nb = f"lectures/{path.name}"
        assert _course.colab_url(nb) in readme and _course.binder_url(nb) in readme


def test_nbgitpuller_link_opens_the_lecture_in_the_pulled_folder():
    url = _course.nbgitpuller_url("https://hub.example.edu/", "lectures/04_em.ipynb")
    assert url.startswith("https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2F")
    assert "urlpath=lab%2Ftree%2Fgmm-course%2Flectures%2F04_em.ipynb" in url and f"branch={_course.REF}" in url
