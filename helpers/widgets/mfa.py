"""Interactive demos for the mfa notebooks."""
from __future__ import annotations

__all__: list[str] = []
