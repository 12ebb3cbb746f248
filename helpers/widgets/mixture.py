"""Interactive demos for the mixture notebooks."""
from __future__ import annotations

__all__: list[str] = []
