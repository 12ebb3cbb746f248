"""Checkers for notebook 01."""
from __future__ import annotations

__all__: list[str] = []
