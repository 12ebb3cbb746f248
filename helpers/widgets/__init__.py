"""Interactive demos (ipywidgets) for the notebooks, one module per topic; names importable from here."""
from ._style import demo, float_slider, int_slider  # noqa: F401
from .gaussian import *  # noqa: F401,F403
from .mixture import *  # noqa: F401,F403
from .em import *  # noqa: F401,F403
from .sgd import *  # noqa: F401,F403
from .eigen import *  # noqa: F401,F403
from .denoise import *  # noqa: F401,F403
