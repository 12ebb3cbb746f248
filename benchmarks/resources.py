"""Resource profile of each solution notebook, for sizing a JupyterHub (memory and CPU limits).

    python benchmarks/resources.py                       # every solutions/*.ipynb
    python benchmarks/resources.py solutions/04_em.ipynb # one or more notebooks
    python benchmarks/resources.py --md out.md           # also write the Markdown table

Each notebook runs top to bottom in a fresh kernel (the project's python3 kernel, started by
jupyter_client like JupyterLab's, cwd = the notebook's folder), one cell at a time, with one BLAS
thread (the setting deploy/jupyterhub gives every student, so that kernels on a shared node do not
oversubscribe its cores).  For the notebook and for its heaviest cell it reports:

- peak kernel RSS: the kernel process's (and any children's) resident-set high-water mark,
  read from /proc/PID/status VmHWM.  Before each cell the mark is reset (writing 5 to
  /proc/PID/clear_refs, Linux >= 4.0), so the per-cell peak is exact, not sampled; where the reset
  is not permitted a sampler thread (every 5 ms) gives a lower bound instead and the table says so;
- CPU seconds (user + system of the kernel process and its children) and wall seconds;
- the size of the notebook saved with its outputs (nbformat, as JupyterLab saves it), and of the
  heaviest cell's outputs.

"Heaviest cell" is the one with the most CPU seconds; the cell that grew the RSS most is listed too.
The recommended per-student memory limit is the largest notebook peak plus a stated margin (see
``--margin``), rounded up to 64 MiB; the Jupyter server process itself (measured by
benchmarks/hub_load.py) comes on top of the kernel and is added in the results file.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parents[1]
MiB = 1024 * 1024


def _status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


class KernelMeter:
    """RSS high-water mark and CPU time of one process tree (the kernel and its children)."""

    def __init__(self, pid: int, interval: float = 0.005):
        self.proc = psutil.Process(pid)
        self.interval = interval
        self.exact = True
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _tree(self) -> list[psutil.Process]:
        try:
            return [self.proc] + self.proc.children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def rss(self) -> int:
        total = 0
        for p in self._tree():
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self._peak = max(self._peak, self.rss())

    def reset(self) -> None:
        """Start a new peak window (the current RSS is its floor)."""
        for p in self._tree():
            try:
                with open(f"/proc/{p.pid}/clear_refs", "w") as f:
                    f.write("5")
            except OSError:
                self.exact = False
        self._peak = self.rss()

    def peak(self) -> int:
        """Peak RSS of the tree since reset(): VmHWM (exact) or the sampled maximum."""
        hwm = 0
        for p in self._tree():
            try:
                hwm += _status_kb(p.pid, "VmHWM")
            except OSError:
                pass
        self._peak = max(self._peak, self.rss())
        return max(hwm, self._peak) if self.exact else self._peak

    def cpu(self) -> float:
        t = self.proc.cpu_times()
        total = t.user + t.system + t.children_user + t.children_system
        for c in self._tree()[1:]:
            try:
                ct = c.cpu_times()
                total += ct.user + ct.system
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_cell(kc, code: str, timeout: float) -> tuple[list, str | None]:
    """Execute `code`; return (nbformat outputs, error name or None)."""
    msg_id = kc.execute(code, store_history=True, allow_stdin=False, stop_on_error=False)
    outputs, error = [], None
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(1.0, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            break
        if kind in ("stream", "display_data", "execute_result", "error"):
            outputs.append(nbformat.v4.output_from_msg(msg))
            if kind == "error":
                error = msg["content"]["ename"]
        elif kind == "clear_output":
            outputs.clear()
    kc.get_shell_msg(timeout=timeout)  # the execute_reply
    return outputs, error


def committed(path: Path, rev: str) -> tuple[nbformat.NotebookNode, str]:
    """The notebook as committed at `rev` (others may be editing the work tree), and its commit."""
    rel = path.resolve().relative_to(ROOT).as_posix()
    text = subprocess.run(["git", "show", f"{rev}:{rel}"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout
    commit = subprocess.run(["git", "log", "-1", "--format=%h", rev, "--", rel], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    return nbformat.reads(text, as_version=4), commit


def profile(path: Path, rev: str | None = "HEAD", timeout: float = 600.0) -> dict:
    if rev:
        nb, commit = committed(path, rev)
    else:
        nb, commit = nbformat.read(path, as_version=4), "work tree"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    km = KernelManager(kernel_name="python3")
    t0 = time.perf_counter()
    km.start_kernel(cwd=str(path.parent), env=env)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    start_seconds = time.perf_counter() - t0
    pid = km.provisioner.process.pid
    meter = KernelMeter(pid)
    baseline_rss = meter.rss()
    cells, errors = [], []
    nb_peak = meter.peak()
    cpu0, wall0 = meter.cpu(), time.perf_counter()
    try:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            meter.reset()
            rss0, c0, w0 = meter.rss(), meter.cpu(), time.perf_counter()
            cell.outputs, error = run_cell(kc, cell.source, timeout)
            wall, cpu, peak = time.perf_counter() - w0, meter.cpu() - c0, meter.peak()
            nb_peak = max(nb_peak, peak)
            if error:
                errors.append(f"cell {index}: {error}")
            cells.append({"index": index, "wall": wall, "cpu": cpu, "peak": peak,
                          "growth": peak - rss0,
                          "output_bytes": len(json.dumps(cell.outputs).encode()),
                          "first_line": (cell.source.strip().splitlines() or [""])[0][:60].replace("`", "'")})
        wall, cpu = time.perf_counter() - wall0, meter.cpu() - cpu0
        exact = meter.exact
    finally:
        meter.stop()
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / path.name
        nbformat.write(nb, saved)
        saved_bytes = saved.stat().st_size
    heaviest = max(cells, key=lambda c: c["cpu"])
    grower = max(cells, key=lambda c: c["growth"])
    return {"notebook": path.name, "commit": commit, "kernel_start": start_seconds, "baseline_rss": baseline_rss,
            "peak": nb_peak, "cpu": cpu, "wall": wall, "saved_bytes": saved_bytes,
            "code_cells": len(cells), "heaviest": heaviest, "grower": grower,
            "errors": errors, "exact": exact}


def mib(b: float) -> str:
    return f"{b / MiB:.0f}"


def table(results: list[dict], margin: float, floor_mib: int) -> str:
    rows = ["| notebook (commit) | code cells | peak RSS [MiB] | CPU [s] | wall [s] | saved [KiB] | heaviest cell: # | "
            "its peak RSS [MiB] | its RSS growth [MiB] | its CPU [s] | its wall [s] | its outputs [KiB] |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        h = r["heaviest"]
        rows.append(f"| `{r['notebook']}` ({r['commit']}) | {r['code_cells']} | {mib(r['peak'])} | {r['cpu']:.1f} | "
                    f"{r['wall']:.1f} | {r['saved_bytes'] / 1024:.0f} | {h['index']} | {mib(h['peak'])} | "
                    f"{mib(h['growth'])} | {h['cpu']:.1f} | {h['wall']:.1f} | {h['output_bytes'] / 1024:.0f} |")
    peak = max(r["peak"] for r in results)
    limit = recommended_limit(peak, margin, floor_mib)
    lines = ["\n".join(rows), "",
             "Cell that grew the kernel's RSS most (cell numbers count every cell from 0): " + "; ".join(
                 f"`{r['notebook']}` cell {r['grower']['index']} +{mib(r['grower']['growth'])} MiB "
                 f"(`{r['grower']['first_line']}`)" for r in results),
             "",
             f"Kernel RSS right after start (imports not yet run): "
             f"{', '.join(mib(r['baseline_rss']) for r in results)} MiB.",
             f"Largest notebook peak: {mib(peak)} MiB. Recommended kernel memory: peak × {1 + margin:.2f}, "
             f"at least {floor_mib} MiB over the peak, rounded up to 64 MiB = **{limit} MiB**."]
    errors = [f"{r['notebook']}: {', '.join(r['errors'])}" for r in results if r["errors"]]
    if errors:
        lines.append("Cell errors (a solution notebook should have none): " + "; ".join(errors))
    if not all(r["exact"] for r in results):
        lines.append("Peak RSS sampled every 5 ms (clear_refs not permitted): a lower bound.")
    return "\n".join(lines)


def recommended_limit(peak: int, margin: float, floor_mib: int) -> int:
    over = max(peak * margin, floor_mib * MiB)
    return int(math.ceil((peak + over) / MiB / 64) * 64)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*", type=Path)
    ap.add_argument("--margin", type=float, default=0.5, help="relative margin over the peak (default 0.5)")
    ap.add_argument("--floor", type=int, default=256, help="minimum margin in MiB (default 256)")
    ap.add_argument("--rev", default="HEAD",
                    help="profile the notebooks as committed at this revision (default HEAD; '' = work tree)")
    ap.add_argument("--md", type=Path, help="write the table to this Markdown file as well")
    args = ap.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "solutions").glob("*.ipynb"))
    load = os.getloadavg()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.node()}, "
          f"{os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    results = []
    for p in paths:
        r = profile(p.resolve(), args.rev or None)
        results.append(r)
        h = r["heaviest"]
        print(f"{r['notebook']}: peak {mib(r['peak'])} MiB, CPU {r['cpu']:.1f} s, wall {r['wall']:.1f} s, "
              f"saved {r['saved_bytes'] / 1024:.0f} KiB; heaviest cell {h['index']}: CPU {h['cpu']:.1f} s, "
              f"peak {mib(h['peak'])} MiB, +{mib(h['growth'])} MiB; errors {r['errors'] or 'none'}", flush=True)
    text = table(results, args.margin, args.floor)
    load = os.getloadavg()
    text += f"\nLoad average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}."
    print(text)
    if args.md:
        args.md.write_text(text + "\n")
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
