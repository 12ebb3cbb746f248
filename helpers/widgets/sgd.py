"""Interactive demos for the sgd notebooks."""
from __future__ import annotations

__all__: list[str] = []
