"""Load test: N students at once on a real JupyterHub (deploy/jupyterhub), loopback only, bounded, self-stopping.

    python benchmarks/hub_load.py                          # 10 students, lectures/05_sgd_momentum.ipynb
    python benchmarks/hub_load.py --students 3 --notebook 03_jensen_elbo --timeout 240
    python benchmarks/hub_load.py --md benchmarks/results/hub.md   # also write the results file

Needs the hub extra (`pip install -e ".[hub]"`) and configurable-http-proxy (`cd deploy/jupyterhub && npm ci`).

The script starts `jupyterhub -f deploy/jupyterhub/jupyterhub_config.py` on free 127.0.0.1 ports with a fresh
state folder and fresh homes, and a service token with admin rights over users and servers.  Then every
simulated student, in a thread of this process, does what a browser would, over HTTP and websockets only:

1. logs in through the hub's login form (GET /hub/login for the XSRF token, POST user name and password);
2. starts a server (POST /hub/api/users/NAME/server with the service token) and waits until it is ready;
3. through the proxy, with a token the hub issues for that user: reads ~/lectures/NB.ipynb (contents API),
   opens a notebook session with a new kernel (POST /user/NAME/api/sessions) and connects to the kernel's
   websocket (/user/NAME/api/kernels/ID/channels); time to first kernel = from step 1 to kernel_info_reply;
4. executes the notebook's code cells in order over the kernel protocol (execute_request on the shell channel,
   outputs from iopub), saves the notebook with its outputs (PUT contents), deletes the session, stops the server.

A student succeeds when every step answered as expected and the only cell errors are NotImplementedError in
cells tagged raises-exception (the unsolved exercises' check cells).  A sampler sums the RSS of the hub, the
proxy, the single-user servers and the kernels (the hub's whole process tree) every 0.25 s.  Hub and proxy
errors are the [E] lines of the hub's log, its 5xx responses, and the proxy's error lines.  After the run (or at
--timeout) the hub is stopped with SIGTERM, which stops the servers and the proxy; any process of its tree still
alive 30 s later is killed by pid and counted as a failure.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import psutil
import requests
import websocket

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
CHP = ROOT / "deploy" / "jupyterhub" / "node_modules" / ".bin" / "configurable-http-proxy"
MiB = 1024 * 1024


def proxy_command() -> str | None:
    """The configurable-http-proxy the hub config will use, or None if there is none."""
    if CHP.exists():
        return str(CHP)
    return shutil.which("configurable-http-proxy")


def missing() -> str | None:
    """Why the hub cannot run here (None when it can)."""
    if shutil.which("node") is None and shutil.which("nodejs") is None:
        return "node is not installed (apt-get install nodejs npm), so configurable-http-proxy cannot run"
    if proxy_command() is None:
        return "configurable-http-proxy is not installed: cd deploy/jupyterhub && npm ci"
    if shutil.which("jupyterhub", path=str(Path(sys.executable).parent)) is None:
        return 'jupyterhub is not installed in this environment: pip install -e ".[hub]"'
    return None


def free_base_port() -> int:
    """A port p with p, p+1, p+2 free on 127.0.0.1 (proxy, proxy API, hub)."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base > 65000:
            continue
        try:
            socks = []
            for p in range(base, base + 3):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no three consecutive free ports on 127.0.0.1")


# ----------------------------------------------------------------------------------------- memory sampling

def classify(p: psutil.Process) -> str:
    try:
        cmd = " ".join(p.cmdline())
    except psutil.Error:
        return "other"
    if "ipykernel" in cmd:
        return "kernels"
    if "jupyterhub-singleuser" in cmd or "singleuser" in cmd:
        return "servers"
    if "configurable-http-proxy" in cmd or p.name() in ("node", "nodejs"):
        return "proxy"
    if "jupyterhub" in cmd:
        return "hub"
    return "other"


def _pss(p: psutil.Process) -> int:
    """Proportional set size (shared pages divided among the processes sharing them), from smaps_rollup."""
    try:
        with open(f"/proc/{p.pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class TreeSampler:
    """Sum of RSS over the hub's process tree, sampled every `interval` s; remembers every pid seen."""

    def __init__(self, pid: int, interval: float = 0.25):
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_total = 0
        self.peak_pss = 0
        self.peak_parts: dict[str, int] = {}
        self.peak_counts: dict[str, int] = {}
        self.seen: dict[int, tuple[float, str]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                procs = [self.root] + self.root.children(recursive=True)
            except psutil.Error:
                continue
            parts: dict[str, int] = {}
            counts: dict[str, int] = {}
            pss = 0
            for p in procs:
                try:
                    rss = p.memory_info().rss
                    pss += _pss(p)
                    if p.pid not in self.seen:
                        self.seen[p.pid] = (p.create_time(), classify(p))
                    kind = self.seen[p.pid][1]
                except psutil.Error:
                    continue
                parts[kind] = parts.get(kind, 0) + rss
                counts[kind] = counts.get(kind, 0) + 1
            total = sum(parts.values())
            self.peak_pss = max(self.peak_pss, pss)
            if total > self.peak_total:
                self.peak_total, self.peak_parts, self.peak_counts = total, parts, counts

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def alive(self) -> list[psutil.Process]:
        """Processes of the tree that still run (same pid and start time as when seen)."""
        out = []
        for pid, (created, _) in self.seen.items():
            try:
                p = psutil.Process(pid)
                if abs(p.create_time() - created) < 1e-3 and p.status() != psutil.STATUS_ZOMBIE:
                    out.append(p)
            except psutil.Error:
                pass
        return out


# ----------------------------------------------------------------------------------------- one student

class Failure(Exception):
    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


def _message(msg_type: str, content: dict, session: str, channel: str = "shell") -> dict:
    return {"header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "student",
                       "session": session, "date": datetime.now(timezone.utc).isoformat(), "version": "5.3"},
            "parent_header": {}, "metadata": {}, "content": content, "channel": channel, "buffers": []}


class KernelSocket:
    """The Jupyter kernel protocol over jupyter_server's kernel websocket (JSON frames)."""

    def __init__(self, url: str, token: str, timeout: float):
        self.session = uuid.uuid4().hex
        self.ws = websocket.create_connection(f"{url}?session_id={self.session}", timeout=timeout,
                                              header=[f"Authorization: token {token}"])

    def send(self, msg_type: str, content: dict) -> str:
        msg = _message(msg_type, content, self.session)
        self.ws.send(json.dumps(msg))
        return msg["header"]["msg_id"]

    def recv(self, deadline: float) -> dict | None:
        self.ws.settimeout(max(0.5, deadline - time.monotonic()))
        frame = self.ws.recv()
        if isinstance(frame, bytes):  # binary frame (a message with buffers, e.g. a widget's): not ours
            return None
        return json.loads(frame)

    def kernel_info(self, deadline: float) -> None:
        msg_id = self.send("kernel_info_request", {})
        while time.monotonic() < deadline:
            msg = self.recv(deadline)
            if msg and msg.get("channel") == "shell" and msg["parent_header"].get("msg_id") == msg_id:
                return
        raise Failure("kernel timeout", "no kernel_info_reply")

    def execute(self, code: str, deadline: float) -> tuple[list, list[str]]:
        """Run `code`; return (nbformat outputs, [(error name, message)])."""
        import nbformat
        msg_id = self.send("execute_request", {"code": code, "silent": False, "store_history": True,
                                               "user_expressions": {}, "allow_stdin": False,
                                               "stop_on_error": False})
        outputs, errors, idle, replied = [], [], False, False
        while not (idle and replied):
            if time.monotonic() > deadline:
                raise Failure("cell timeout")
            msg = self.recv(deadline)
            if not msg or msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, channel = msg["msg_type"], msg.get("channel")
            if channel == "shell" and kind == "execute_reply":
                replied = True
            elif channel == "iopub":
                if kind == "status" and msg["content"]["execution_state"] == "idle":
                    idle = True
                elif kind in ("stream", "display_data", "execute_result", "error"):
                    outputs.append(nbformat.v4.output_from_msg(msg))
                    if kind == "error":
                        errors.append((msg["content"]["ename"], msg["content"]["evalue"]))
                elif kind == "clear_output":
                    outputs.clear()
        return outputs, errors

    def close(self) -> None:
        self.ws.close()


def student(name: str, hub: str, password: str, admin: str, notebooks: list[str], deadline: float,
            stop: threading.Event) -> dict:
    rec: dict = {"name": name, "ok": False, "failure": None, "notebooks": {}, "cell_errors": {}}
    t0 = time.monotonic()
    api = f"{hub}/hub/api"
    adm = {"Authorization": f"token {admin}"}

    def left() -> float:
        r = deadline - time.monotonic()
        if r <= 0 or stop.is_set():
            raise Failure("timeout", "overall --timeout reached")
        return r

    def check(resp: requests.Response, kind: str, ok=(200, 201, 202, 204)) -> requests.Response:
        if resp.status_code not in ok:
            raise Failure(kind, f"HTTP {resp.status_code} {resp.request.method} {resp.url}: {resp.text[:200]}")
        return resp

    server_started = False
    try:
        # 1. log in through the form, as a browser does
        web = requests.Session()
        page = check(web.get(f"{hub}/hub/login", timeout=min(60, left())), "login")
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
        if not xsrf:
            raise Failure("login", "no _xsrf field on the login page")
        resp = web.post(f"{hub}/hub/login", data={"username": name, "password": password, "_xsrf": xsrf.group(1)},
                        allow_redirects=False, timeout=min(60, left()))
        if resp.status_code != 302 or not any(c.name in ("jupyterhub-session-id", "jupyterhub-hub-login")
                                              for c in web.cookies):
            raise Failure("login", f"HTTP {resp.status_code}, cookies {sorted(c.name for c in web.cookies)}")
        rec["login"] = time.monotonic() - t0

        # 2. start the server and wait until the hub says it is ready
        check(requests.post(f"{api}/users/{name}/server", headers=adm, timeout=min(120, left())), "spawn")
        server_started = True
        while True:
            info = check(requests.get(f"{api}/users/{name}", headers=adm, timeout=min(60, left())), "spawn").json()
            server = info.get("servers", {}).get("")
            if server and server.get("ready"):
                break
            if not server or not server.get("pending"):
                raise Failure("spawn", f"server neither pending nor ready: {server}")
            time.sleep(0.5)
        rec["spawn"] = time.monotonic() - t0
        token = check(requests.post(f"{api}/users/{name}/tokens", headers=adm, timeout=min(60, left()),
                                    json={"scopes": [f"access:servers!user={name}"], "expires_in": 7200,
                                          "note": "load test"}), "token").json()["token"]
        user = requests.Session()
        user.headers["Authorization"] = f"token {token}"
        base = f"{hub}{server['url']}"  # /user/NAME/ through the proxy

        unexpected: list[str] = []
        for nb_name in notebooks:
            path = f"lectures/{nb_name}.ipynb"
            t_nb = time.monotonic()
            model = check(user.get(f"{base}api/contents/{path}", params={"content": "1"},
                                   timeout=min(60, left())), "contents").json()
            nb = model["content"]
            sess = check(user.post(f"{base}api/sessions", timeout=min(120, left()),
                                   json={"path": path, "name": f"{nb_name}.ipynb", "type": "notebook",
                                         "kernel": {"name": "python3"}}), "kernel start").json()
            kid = sess["kernel"]["id"]
            ws_url = f"{base.replace('http', 'ws', 1)}api/kernels/{kid}/channels"
            try:
                ks = KernelSocket(ws_url, token, timeout=min(120, left()))
            except Exception as e:  # noqa: BLE001  (handshake refused, timeout, ...)
                raise Failure("websocket", repr(e)) from e
            try:
                ks.kernel_info(time.monotonic() + min(120, left()))
                rec.setdefault("first_kernel", time.monotonic() - t0)
                t_run = time.monotonic()
                for index, cell in enumerate(nb["cells"]):
                    if cell["cell_type"] != "code":
                        continue
                    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                    outputs, errors = ks.execute(source, time.monotonic() + min(600, left()))
                    cell["outputs"] = outputs
                    tags = cell.get("metadata", {}).get("tags", [])
                    for e, value in errors:
                        rec["cell_errors"][e] = rec["cell_errors"].get(e, 0) + 1
                        if e != "NotImplementedError" or "raises-exception" not in tags:
                            unexpected.append(f"{nb_name} cell {index}: {e}: {value[:120]}")
                run_seconds = time.monotonic() - t_run
            finally:
                ks.close()
            check(user.put(f"{base}api/contents/{path}", timeout=min(120, left()),
                           json={"type": "notebook", "format": "json", "content": nb}), "save")
            check(user.delete(f"{base}api/sessions/{sess['id']}", timeout=min(60, left())), "kernel stop")
            rec["notebooks"][nb_name] = {"run": run_seconds, "total": time.monotonic() - t_nb}
        if unexpected:
            raise Failure("unexpected cell error", "; ".join(unexpected))
        rec["ok"] = True
    except Failure as f:
        rec["failure"] = str(f)
        rec["kind"] = f.kind
    except (requests.RequestException, websocket.WebSocketException, OSError) as e:
        rec["failure"] = f"{type(e).__name__}: {e}"
        rec["kind"] = type(e).__name__
    finally:
        if server_started:
            try:
                requests.delete(f"{api}/users/{name}/server", headers=adm, timeout=60)
            except requests.RequestException:
                pass
        rec["total"] = time.monotonic() - t0
    return rec


# ----------------------------------------------------------------------------------------- the run

def percentile(values: list[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default) of a non-empty list."""
    v = sorted(values)
    pos = (len(v) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


RUNNING = "JupyterHub is now running at"


def log_errors(text: str) -> dict[str, list[str]]:
    """Error lines of the hub's log once it runs (before that the proxy answers 404 to our readiness polls)."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if RUNNING in ln), 0)
    lines = lines[start:]
    hub_err = [ln for ln in lines if ln.startswith("[E ")]
    hub_5xx = [ln for ln in lines if re.match(r"^\[[WE] .*\] 5\d\d ", ln)]
    proxy_err = [ln for ln in lines if "[ConfigProxy]" in ln and re.search(r"error", ln, re.I)]
    return {"hub [E] lines": hub_err, "hub 5xx responses": [ln for ln in hub_5xx if ln not in hub_err],
            "proxy error lines": proxy_err}


def run(students: int = 10, notebooks: tuple[str, ...] = ("05_sgd_momentum",), timeout: float = 900.0,
        stagger: float = 0.0, keep: bool = False, quiet: bool = False) -> dict:
    why = missing()
    if why:
        raise RuntimeError(why)
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    work = Path(tempfile.mkdtemp(prefix="gmm-hub-"))
    port = free_base_port()
    hub_url = f"http://127.0.0.1:{port}"
    password, admin = secrets.token_urlsafe(12), secrets.token_hex(32)
    env = dict(os.environ, GMM_HUB_PORT=str(port), GMM_HUB_STATE=str(work / "state"),
               GMM_HUB_HOMES=str(work / "homes"), GMM_HUB_PASSWORD=password, GMM_HUB_API_TOKEN=admin)
    log_path = work / "hub.log"
    load0 = os.getloadavg()
    started = time.monotonic()
    deadline = started + timeout
    log = open(log_path, "w")
    hub = subprocess.Popen([str(Path(sys.executable).parent / "jupyterhub"), "-f", str(CONFIG)],
                           cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    sampler = TreeSampler(hub.pid)
    results: list[dict] = []
    stop = threading.Event()
    report: dict = {"students": students, "notebooks": list(notebooks), "port": port, "work": str(work)}
    try:
        while True:  # wait for the hub
            if hub.poll() is not None:
                raise RuntimeError(f"jupyterhub exited with {hub.returncode}:\n{log_path.read_text()[-3000:]}")
            if RUNNING in log_path.read_text():
                try:
                    if requests.get(f"{hub_url}/hub/api/", timeout=5).status_code == 200:
                        break
                except requests.RequestException:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError("jupyterhub did not answer before --timeout")
            time.sleep(0.5)
        report["hub_start"] = time.monotonic() - started
        say(f"hub up at {hub_url} after {report['hub_start']:.1f} s; {students} students, {', '.join(notebooks)}")
        names = [f"student{i:02d}" for i in range(1, students + 1)]
        lock = threading.Lock()

        def one(name: str) -> None:
            rec = student(name, hub_url, password, admin, list(notebooks), deadline, stop)
            with lock:
                results.append(rec)
            say(f"  {name}: {'ok' if rec['ok'] else 'FAILED ' + str(rec['failure'])} "
                f"(first kernel {rec.get('first_kernel', float('nan')):.1f} s, total {rec['total']:.1f} s)")

        threads = []
        t_students = time.monotonic()
        for name in names:
            th = threading.Thread(target=one, args=(name,), daemon=True)
            th.start()
            threads.append(th)
            if stagger:
                time.sleep(stagger)
        for th in threads:
            th.join(max(0.0, deadline - time.monotonic()) + 90)  # each student's calls end by deadline
        stop.set()
        report["students_wall"] = time.monotonic() - t_students
        done = {r["name"] for r in results}
        for name in names:
            if name not in done:
                results.append({"name": name, "ok": False, "failure": "timeout: thread did not finish",
                                "kind": "timeout", "notebooks": {}, "cell_errors": {}})
    finally:
        stop.set()
        if hub.poll() is None:
            hub.send_signal(signal.SIGTERM)
            try:
                hub.wait(60)
            except subprocess.TimeoutExpired:
                hub.kill()
                hub.wait(10)
        t_end = time.monotonic() + 30
        leftovers = sampler.alive()
        while leftovers and time.monotonic() < t_end:
            time.sleep(0.5)
            leftovers = sampler.alive()
        sampler.stop()
        report["leftover_processes"] = [f"{p.pid} {classify(p)}" for p in leftovers]
        for p in leftovers:  # only processes of the hub's own tree, by pid
            try:
                p.kill()
            except psutil.Error:
                pass
        log.close()
        report["hub_exit"] = hub.returncode
        report["log_errors"] = log_errors(log_path.read_text())
        report["load"] = (load0, os.getloadavg())
        report["peak_rss"] = sampler.peak_total
        report["peak_pss"] = sampler.peak_pss
        report["peak_parts"] = sampler.peak_parts
        report["peak_counts"] = sampler.peak_counts
        report["processes_seen"] = len(sampler.seen)
        report["wall"] = time.monotonic() - started
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    results.sort(key=lambda r: r["name"])
    report["results"] = results
    ok = [r for r in results if r["ok"]]
    kinds: dict[str, int] = {}
    for r in results:
        if not r["ok"]:
            kinds[r.get("kind", "?")] = kinds.get(r.get("kind", "?"), 0) + 1
    report["failures_by_kind"] = kinds
    report["succeeded"] = len(ok)
    report["passed"] = (len(ok) == students and not report["leftover_processes"]
                        and not any(report["log_errors"].values()))
    return report


def summary(rep: dict) -> str:
    res = rep["results"]
    lines = []
    lines.append(f"{rep['students']} students at once, notebook(s) {', '.join(rep['notebooks'])}; "
                 f"{rep['succeeded']}/{rep['students']} succeeded; "
                 f"failures by kind: {rep['failures_by_kind'] or 'none'}")
    lines.append(f"load average {rep['load'][0][0]:.2f} before, {rep['load'][1][0]:.2f} after (1-min); "
                 f"hub up in {rep.get('hub_start', float('nan')):.1f} s; whole run {rep['wall']:.0f} s")

    def stat(label: str, values: list[float]) -> None:
        if values:
            lines.append(f"| {label} | {len(values)} | {statistics.median(values):.1f} | "
                         f"{percentile(values, 0.95):.1f} | {max(values):.1f} |")

    lines += ["", "| seconds, per student | n | p50 | p95 | max |", "|---|---:|---:|---:|---:|"]
    stat("log in (form POST answered)", [r["login"] for r in res if "login" in r])
    stat("server ready (from the start)", [r["spawn"] for r in res if "spawn" in r])
    stat("first kernel (from the start)", [r["first_kernel"] for r in res if "first_kernel" in r])
    for nb in rep["notebooks"]:
        stat(f"{nb}: code cells run", [r["notebooks"][nb]["run"] for r in res if nb in r["notebooks"]])
        stat(f"{nb}: open + run + save", [r["notebooks"][nb]["total"] for r in res if nb in r["notebooks"]])
    stat("whole student (log in to server stopped)", [r["total"] for r in res if "total" in r])
    errs: dict[str, int] = {}
    for r in res:
        for k, v in r["cell_errors"].items():
            errs[k] = errs.get(k, 0) + v
    lines.append("")
    lines.append(f"cell errors over all students: {errs or 'none'} (allowed: NotImplementedError in check cells)")
    for r in res:
        if not r["ok"]:
            lines.append(f"- {r['name']}: {r['failure']}")
    parts = ", ".join(f"{k} {v / MiB:.0f} MiB ({rep['peak_counts'].get(k, 0)} processes)"
                      for k, v in sorted(rep["peak_parts"].items()))
    lines.append(f"peak total RSS of the hub's process tree: {rep['peak_rss'] / MiB:.0f} MiB = {parts or '-'} "
                 f"(a sum of RSS counts shared pages once per process: an upper bound)")
    lines.append(f"peak total PSS (shared pages divided among their processes): {rep['peak_pss'] / MiB:.0f} MiB")
    le = rep["log_errors"]
    lines.append("hub and proxy errors: " + ", ".join(f"{k}: {len(v)}" for k, v in le.items()))
    for k, v in le.items():
        for ln in v[:5]:
            lines.append(f"    {ln[:300]}")
    lines.append(f"processes seen in the hub's tree: {rep['processes_seen']}; still running 30 s after the hub "
                 f"stopped: {len(rep['leftover_processes'])} {rep['leftover_processes'] or ''}")
    lines.append("PASSED" if rep["passed"] else "FAILED")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", "-n", type=int, default=10)
    ap.add_argument("--notebook", action="append", dest="notebooks",
                    help="lecture to run, e.g. 04_em (repeat for several, run in order; "
                         "default 05_sgd_momentum, the most CPU)")
    ap.add_argument("--timeout", type=float, default=900.0, help="hard limit for the students' work, s (900)")
    ap.add_argument("--stagger", type=float, default=0.0, help="seconds between students' starts (0: at once)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary hub folder (log, homes)")
    ap.add_argument("--json", type=Path, help="write the full report as JSON")
    ap.add_argument("--md", type=Path, help="append the summary to this Markdown file")
    args = ap.parse_args(argv)
    if not 1 <= args.students <= 50:
        ap.error("--students must be between 1 and 50 (one machine)")
    notebooks = tuple(n.removesuffix(".ipynb").split("/")[-1] for n in (args.notebooks or ["05_sgd_momentum"]))
    for n in notebooks:
        if not (ROOT / "lectures" / f"{n}.ipynb").exists():
            ap.error(f"no lectures/{n}.ipynb")
    why = missing()
    if why:
        print(f"cannot run: {why}")
        return 2
    def version(cmd: str) -> str:
        return subprocess.run([cmd, "--version"], capture_output=True, text=True).stdout.strip()

    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GiB, "
          f"jupyterhub {version(str(Path(sys.executable).parent / 'jupyterhub'))}, "
          f"configurable-http-proxy {version(proxy_command())}", flush=True)
    rep = run(args.students, notebooks, args.timeout, args.stagger, args.keep)
    text = summary(rep)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(rep, indent=1, default=str))
    if args.md:
        with open(args.md, "a") as f:
            f.write(f"\n```\n{text}\n```\n")
    return 0 if rep["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
