"""Interactive demos for the eigen notebooks."""
from __future__ import annotations

__all__: list[str] = []
