"""Where the course is published, and its version: the one place to set them.

An instructor who publishes the repository sets ``REPOSITORY`` here (once), then runs
``make lectures``.  From these constants the generator writes the first cell of every
notebook (which installs the course package where ``helpers`` is missing) and the README's
table of "Open in Colab" / "Launch Binder" links; ``pyproject.toml`` reads ``VERSION``.

``REPOSITORY`` holds a placeholder until then: ``YOUR_ORG`` cannot be a GitHub account (GitHub
names have no underscores), so an unpublished copy's links fail instead of reaching a stranger.
"""
from __future__ import annotations

from urllib.parse import quote

VERSION = "0.1.0"                                        # the package version (a release is tagged v<VERSION>)
REPOSITORY = "https://github.com/YOUR_ORG/gmm-course"    # set this when you publish the course
REF = f"v{VERSION}"                                      # the tag (or branch) links open and notebooks install
PIP_TARGET_ENV = "GMM_COURSE_PIP_TARGET"                 # overrides the install target (tests: a local wheel)
DIST_NAME = "gmm-course-helpers"


def pip_target() -> str:
    """What the notebooks' set-up cell installs: the package from the source archive of `REF`."""
    return f"{DIST_NAME} @ {REPOSITORY}/archive/{REF}.zip"


def github_slug() -> str:
    """``owner/name`` of `REPOSITORY` (which must be a GitHub URL for the Colab and Binder links)."""
    prefix = "https://github.com/"
    if not REPOSITORY.startswith(prefix):
        raise ValueError(f"REPOSITORY: expected a {prefix}... URL, got {REPOSITORY!r}")
    return REPOSITORY[len(prefix):].strip("/")


def colab_url(notebook: str) -> str:
    """Open `notebook` (a repository path such as ``lectures/04_em.ipynb``) in Google Colab."""
    return f"https://colab.research.google.com/github/{github_slug()}/blob/{REF}/{notebook}"


def binder_url(notebook: str) -> str:
    """Launch `notebook` on mybinder.org in JupyterLab (built from ``binder/``)."""
    return f"https://mybinder.org/v2/gh/{github_slug()}/{REF}?labpath={quote(notebook, safe='')}"


def nbgitpuller_url(hub: str, notebook: str) -> str:
    """A JupyterHub link (``hub`` like ``https://hub.example.edu``) that pulls the repository into
    the student's home with nbgitpuller and opens `notebook` in JupyterLab."""
    folder = github_slug().split("/")[-1]
    return (f"{hub.rstrip('/')}/hub/user-redirect/git-pull?repo={quote(REPOSITORY, safe='')}"
            f"&branch={quote(REF, safe='')}&urlpath={quote(f'lab/tree/{folder}/{notebook}', safe='')}")
