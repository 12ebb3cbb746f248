"""Interactive demos for the gaussian notebooks."""
from __future__ import annotations

__all__: list[str] = []
