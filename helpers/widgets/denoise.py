"""Interactive demos for the denoise notebooks."""
from __future__ import annotations

__all__: list[str] = []
