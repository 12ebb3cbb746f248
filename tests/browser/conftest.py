"""A real JupyterLab server and a headless Chromium page driving it, for the browser checks.

The server runs from this Python environment (``sys.executable -m jupyterlab``) on a free loopback
port with a random token, ``allow_root`` (CI runs as root), and throw-away runtime, settings,
workspaces, data and config folders, so nothing of the user's Jupyter set-up leaks in or out.
Its settings switch off the news/update pop-up (it would cover the notebook), autosave (a test
run must never write into lectures/) and notebook windowing (every cell stays in the DOM).

The notebooks under test are COPIES in the server's temporary root (``lectures/``, with ``data``
linked beside it as in the repository), so the working tree is never touched.

Chromium: ``$CHROMIUM`` or ``chromium`` / ``chromium-browser`` on PATH (Debian: ``apt-get install
chromium``).  Playwright for Python drives it through ``executable_path``; nothing downloads a
browser.  Without Chromium or Playwright every browser test is skipped with the reason.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SETTINGS = {  # JupyterLab user settings written into the temporary settings folder
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}
SERVER_START_TIMEOUT = 60.0  # s


def find_chromium() -> str | None:
    """Path of a Chromium executable ($CHROMIUM if set, else chromium on PATH), or None."""
    if os.environ.get("CHROMIUM"):
        candidates = [os.environ["CHROMIUM"]]
    else:
        candidates = [shutil.which("chromium") or "", shutil.which("chromium-browser") or "",
                      "/usr/bin/chromium"]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def require_browser() -> str:
    """Skip the calling test unless Playwright and Chromium are both available."""
    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed "
                        "(pip install -e '.[test]')")
    chromium = find_chromium()
    if chromium is None:
        where = f"CHROMIUM={os.environ['CHROMIUM']} is not an executable" if os.environ.get("CHROMIUM") \
            else "Chromium not found"
        pytest.skip(f"{where}: install it (Debian/Ubuntu: apt-get install chromium) "
                    "or set CHROMIUM=/path/to/chromium")
    return chromium


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    url: str          # http://127.0.0.1:PORT
    token: str
    root: Path        # the server's root folder (temporary)
    log: Path         # the server's stdout/stderr


def _write_settings(folder: Path) -> None:
    for plugin, values in SETTINGS.items():
        path = folder / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: SIGTERM the server if pytest itself is killed (a CI timeout), so none is left over."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and its kernels (its own process group): SIGTERM, then SIGKILL."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@pytest.fixture(scope="session")
def lab(tmp_path_factory) -> Lab:
    """A JupyterLab server on a free loopback port; always shut down at the end of the session."""
    require_browser()
    tmp = tmp_path_factory.mktemp("jupyterlab")
    dirs = {name: tmp / name for name in ("runtime", "settings", "workspaces", "data", "config", "root")}
    for d in dirs.values():
        d.mkdir()
    _write_settings(dirs["settings"])
    (dirs["root"] / "data").symlink_to(ROOT / "data", target_is_directory=True)
    (dirs["root"] / "lectures").mkdir()
    env = dict(os.environ,
               JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
               JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]), JUPYTER_DATA_DIR=str(dirs["data"]),
               JUPYTER_CONFIG_DIR=str(dirs["config"]))
    env.pop("MPLBACKEND", None)
    port, token = free_port(), secrets.token_hex(16)
    log = tmp / "server.log"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           "--ServerApp.allow_root=True", f"--ServerApp.root_dir={dirs['root']}",
           "--LabApp.expose_app_in_browser=True"]
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n" + log.read_text(encoding="utf-8")[-3000:])
                time.sleep(0.2)
        yield Lab(url=url, token=token, root=dirs["root"], log=log)
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def lab_page(lab):
    """One Chromium page with JupyterLab loaded (fresh profile folder), shared by the tests."""
    from playwright.sync_api import sync_playwright

    chromium = require_browser()
    profile = lab.root.parent / "chromium-profile"
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 1000})
        try:
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.goto(f"{lab.url}/lab?token={lab.token}")
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=90_000)
            page.evaluate("() => window.jupyterapp.restored")
            page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
            (SCREENSHOTS / "summary.txt").unlink(missing_ok=True)
            yield page
        finally:
            context.close()
