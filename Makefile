# Two commands for students:  `make lab`  and  `make test`.
# Both create .venv on first use and install the helpers package with its dependencies.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The stamp names the Python version, so a .venv built by another Python (e.g. after an upgrade,
# or with PYTHON=python3.12) is rebuilt from scratch instead of being reused.
PY_VERSION  := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
VENV_VERSION = $(shell $(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
STAMP  := $(VENV)/.installed-py$(PY_VERSION)
NB     ?= solutions/*.ipynb
# Two pytest workers on two cores: one BLAS thread each, so the kernels do not oversubscribe
# the cores (OpenBLAS threads spinning against each other made notebooks 5-10x slower).
TEST_ENV := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
LAB_ARGS ?=        # e.g. LAB_ARGS="--no-browser --port 8890"

.PHONY: lab test test-fast lint lectures check-lectures solutions install test-browser benchmarks clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || \
	  { echo "make: Python >= 3.11 is needed; '$(PYTHON)' is $(or $(PY_VERSION),missing). Try: make PYTHON=python3.11" >&2; exit 1; }
	@if [ -d $(VENV) ] && [ "$(VENV_VERSION)" != "$(PY_VERSION)" ]; then \
	  echo "$(VENV) was built by Python $(or $(VENV_VERSION),?) (now $(PY_VERSION)): rebuilding it"; rm -rf $(VENV); fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[lab,test,instructor]"
	@# nbgrader (instructor extra) is installed for the test that checks our generator against it;
	@# keep its menus out of the students' JupyterLab (README, "Teaching with these notebooks").
	-@$(BIN)/python scripts/nbgrader_menus.py off >/dev/null
	@rm -f $(VENV)/.installed*
	@touch $(STAMP)

install: $(STAMP)

## Open the student notebooks in JupyterLab.
lab: install
	$(BIN)/jupyter lab $(LAB_ARGS) lectures/

## Unit tests of helpers/, repository checks, and nbval over solutions/ and lectures/.
test: install
	$(TEST_ENV) $(BIN)/python -m pytest -n 2 --dist loadscope

## Unit tests alone (no notebooks, nbgrader, hub or browser; tests marked `slow` are left out): seconds.
test-fast: install
	$(TEST_ENV) $(BIN)/python -m pytest tests -m "not slow" -n 2 --dist loadscope -q

## ruff over the repository (configured in pyproject.toml, [tool.ruff]).
lint: install
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/ruff check .

## Regenerate the student notebooks in lectures/ from solutions/.
lectures: install
	$(BIN)/python scripts/make_lectures.py
	$(BIN)/python scripts/make_links.py
	$(BIN)/python scripts/make_syllabus.py

## Fail if lectures/ (or the README's links) is out of date.
check-lectures: install
	$(BIN)/python scripts/make_lectures.py --check
	$(BIN)/python scripts/make_links.py --check
	$(BIN)/python scripts/make_syllabus.py --check

## Re-execute solution notebooks in place (NB=solutions/04_em.ipynb for one), then regenerate lectures.
solutions: install
	$(BIN)/python scripts/execute_notebooks.py $(NB)
	$(BIN)/python scripts/make_lectures.py

## Students' view: lecture widgets in real JupyterLab, headless Chromium (skips without Chromium).
test-browser: install
	$(BIN)/python -m pytest tests/browser -p no:xdist -rs

## Every benchmark in turn (about 40 min on 2 cores; BM3D needs the bench extra). Each prints its table;
## benchmarks/results/ holds the recorded ones.
benchmarks: install
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	for b in patches em sgd mfa denoise denoise_prior; do $(BIN)/python benchmarks/$$b.py || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
