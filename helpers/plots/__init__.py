"""Plotting helpers shared by the notebooks, one module per topic; all names importable from here.

Importing this package applies the course style (:func:`use_style`).
"""
from ._style import (CMAP_IMAGE, CMAP_SIGNED, PANEL, WIDTH, figure, patch_grid,  # noqa: F401
                     show_image, tile, use_style)
from .gaussian import *  # noqa: F401,F403
from .mixture import *  # noqa: F401,F403
from .em import *  # noqa: F401,F403
from .sgd import *  # noqa: F401,F403
from .eigen import *  # noqa: F401,F403
from .digits import *  # noqa: F401,F403
from .denoise import *  # noqa: F401,F403

use_style()
