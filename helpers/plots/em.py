"""Plots for the em notebooks."""
from __future__ import annotations

__all__: list[str] = []
