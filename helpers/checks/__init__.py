"""Exercise checkers, one module per notebook; every public name is importable from here.

A checker takes the student's function, runs it on several cases (shapes, values against a
reference, a numerically hard case), prints a ✓ line when everything passes, and otherwise
raises :class:`ExerciseError` with a message the student can act on.
"""
from ._common import ExerciseError, install_short_tracebacks, student_or_reference  # noqa: F401
from .nb01 import *  # noqa: F401,F403
from .nb02 import *  # noqa: F401,F403
from .nb03 import *  # noqa: F401,F403
from .nb04 import *  # noqa: F401,F403
from .nb05 import *  # noqa: F401,F403
from .nb06 import *  # noqa: F401,F403
from .nb07 import *  # noqa: F401,F403

install_short_tracebacks()  # in a kernel: a failed check shows its message, not a traceback
