"""A minimal JupyterHub that serves the course: every student gets JupyterLab with lectures/ in their home.

Start it (from the repository root; README, "Running the course on a JupyterHub"):

    .venv/bin/pip install -e ".[hub]"                    # jupyterhub (+ psutil for the load test)
    (cd deploy/jupyterhub && npm ci)                     # configurable-http-proxy, pinned in package.json
    GMM_HUB_PASSWORD=choose-one .venv/bin/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

then open http://127.0.0.1:8000 and log in with any user name and that password.

This file is the test configuration that tests/test_hub.py and benchmarks/hub_load.py drive, on loopback only.
Each setting that must change for a real course says what it becomes in production. Environment variables
(all optional):

    GMM_HUB_PORT       public port of the proxy (8000); the proxy API uses PORT+1, the hub PORT+2
    GMM_HUB_STATE      folder for the database, cookie secret and proxy pid file (deploy/jupyterhub/state)
    GMM_HUB_HOMES      folder holding one home per student (deploy/jupyterhub/homes)
    GMM_HUB_PASSWORD   the shared password of the test authenticator (a random one is printed if unset)
    GMM_HUB_API_TOKEN  token of the "loadtest" service, with admin rights over users and servers
    GMM_HUB_MEM_LIMIT  per-student memory limit (benchmarks/results/resources.md); see Spawner.mem_limit
"""
import os
import secrets
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (injected by jupyterhub when it loads this file)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
# The single-user environment: the Python that runs the hub, i.e. the project's .venv with the course package
# installed (editable here).  Production installs the course wheel (`pip install gmm-course-helpers`) into the
# user image / TLJH user environment instead, and points nothing at a source tree.
BIN = Path(sys.executable).parent
LECTURES = REPO / "lectures"

port = int(os.environ.get("GMM_HUB_PORT", "8000"))
state = Path(os.environ.get("GMM_HUB_STATE", HERE / "state"))
homes = Path(os.environ.get("GMM_HUB_HOMES", HERE / "homes"))
state.mkdir(parents=True, exist_ok=True)
homes.mkdir(parents=True, exist_ok=True)

# --- network: loopback only.  Production: TLJH/z2jh put the proxy behind HTTPS on the public address.
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = port
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = port + 2
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port + 1}"
chp = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = [str(chp) if chp.exists() else "configurable-http-proxy"]
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every student's server (and the proxy)

# --- authentication.  Test: one shared password (at least 8 characters), any user name.
# Production: the university's single sign-on, e.g. oauthenticator's GenericOAuthenticator /
# AzureAdOAuthenticator / GitHubOAuthenticator, ltiauthenticator from the LMS (Moodle, Canvas), or
# ldapauthenticator; with allowed_users or a group instead of allow_all.
c.JupyterHub.authenticator_class = "shared-password"  # jupyterhub >= 5.3
password = os.environ.get("GMM_HUB_PASSWORD")
if not password:
    password = secrets.token_urlsafe(12)
    print(f"jupyterhub_config: GMM_HUB_PASSWORD not set; the password for every user is {password}", flush=True)
c.SharedPasswordAuthenticator.user_password = password
c.Authenticator.allow_all = True
# Instructors as hub admins: c.Authenticator.admin_users = {...} (with SharedPasswordAuthenticator.admin_password).

# --- a service token for driving the hub through its REST API (the load test); not needed to teach.
token = os.environ.get("GMM_HUB_API_TOKEN")
if token:
    c.JupyterHub.services = [{"name": "loadtest", "api_token": token}]
    c.JupyterHub.load_roles = [{
        "name": "loadtest",
        "scopes": ["admin:users", "admin:servers", "tokens", "access:servers"],
        "services": ["loadtest"],
    }]

# --- spawning.  Test: every student's server is a local process of the hub's own user, with a home folder
# under GMM_HUB_HOMES (no system accounts, no isolation between students: for a test only).
# Production: TLJH uses systemdspawner (one system user and cgroup limits per student); zero-to-jupyterhub
# uses KubeSpawner (one pod per student, limits from singleuser.memory / singleuser.cpu).
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(homes / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab/tree/lectures"
c.Spawner.start_timeout = 300  # generous: on 2 shared cores ten servers starting at once take a while
c.Spawner.http_timeout = 180
if os.geteuid() == 0:
    c.Spawner.args = ["--allow-root"]  # the test runs as root; production never does
# One BLAS thread per kernel: many students share a node's cores (and it is what the resource table measured).
c.Spawner.environment = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
c.Spawner.env_keep.extend(["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"])  # set on some CPUs for old OpenBLAS builds
# The limits from benchmarks/results/resources.md.  LocalProcessSpawner does not enforce them (it only exports
# MEM_LIMIT / CPU_LIMIT to the server); systemdspawner and KubeSpawner do.
c.Spawner.mem_limit = os.environ.get("GMM_HUB_MEM_LIMIT", "1G")
c.Spawner.cpu_limit = 1.0
# Production: cull idle servers (jupyterhub-idle-culler as a hub service; TLJH and z2jh have it built in).


def copy_lectures(spawner):
    """Put the student notebooks in ~/lectures on first login, and any lecture added since on later logins.

    An existing file is never overwritten, so a student's work survives.  This is what an nbgitpuller link does
    with a public git repository (README); the hook needs no git server, which suits a loopback test and a hub
    without outbound access.
    """
    target = Path(spawner.home_dir) / "lectures"
    target.mkdir(parents=True, exist_ok=True)
    for nb in sorted(LECTURES.glob("*.ipynb")):
        if not (target / nb.name).exists():
            shutil.copy2(nb, target / nb.name)


c.Spawner.pre_spawn_hook = copy_lectures
