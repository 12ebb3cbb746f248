"""Helpers for the Gaussian-mixture-model lecture notebooks.

Layers, lowest first (a module imports only from layers below it):

* numerics and data: ``gaussian``, ``mixture``, ``images``, ``patches``, ``digits``
* learning: ``em``, ``sgd``, ``mfa``
* applications: ``denoise``
* teaching: ``plots``, ``widgets``, ``checks`` (the only ones that import matplotlib/ipywidgets)

Import submodules explicitly, e.g. ``from helpers import gaussian``.
"""
__version__ = "0.1.0"
