"""Switch nbgrader's JupyterLab menus and server extensions off (students' view) or on (formgrader).

    python scripts/nbgrader_menus.py off     # what `make` does in .venv
    python scripts/nbgrader_menus.py on      # instructors: the "Formgrader" and assignment menus back

Acts on the environment of the Python that runs it (``--sys-prefix``), on every route: the
Makefile's ``.venv``, ``environment-dev.yml``'s conda environment, or any venv with the
``instructor`` extra.  Without nbgrader installed it does nothing and says so.  The nbgrader
command line (``nbgrader generate_assignment``, ``autograde``) works either way.
"""
from __future__ import annotations

import importlib.util
import subprocess
import sys

SERVER_EXTENSIONS = ("formgrader", "validate_assignment", "assignment_list", "course_list")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in (["on"], ["off"]):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    if importlib.util.find_spec("nbgrader") is None:
        print("nbgrader is not installed here: no menus to switch")
        return 0
    verb = "enable" if args[0] == "on" else "disable"
    jupyter = [sys.executable, "-m", "jupyter"]
    commands = [jupyter + ["labextension", verb, "--level=sys_prefix", "@jupyter/nbgrader"]]
    commands += [jupyter + ["server", "extension", verb, "--sys-prefix", f"nbgrader.server_extensions.{m}"]
                 for m in SERVER_EXTENSIONS]
    failed = [c for c in commands if subprocess.run(c, capture_output=True, text=True).returncode != 0]
    for c in failed:
        print("warning: failed: " + " ".join(c[1:]), file=sys.stderr)
    print(f"nbgrader menus and server extensions {'on' if verb == 'enable' else 'off'} in {sys.prefix}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
