"""Helpers for the Gaussian-mixture-model lecture notebooks.

Layers, lowest first: a module imports only from its own layer or the layers below it
(``tests/test_layering.py`` checks the code against this list; docs/architecture.md explains it):

* infrastructure (private): ``_validation``, ``_npz``, ``_course``, ``_data``
* numerics and data: ``gaussian``, ``mixture``, ``patches``, ``images``, ``digits``, ``dead_leaves``, ``pretrained``
* learning: ``em_driver``, ``em``, ``sgd``, ``mfa``
* applications: ``denoise``
* teaching: ``plots``, ``widgets``, ``checks`` (the only ones that import matplotlib, ipywidgets or
  IPython; ``widgets`` builds on ``plots``, ``checks`` uses neither)

Import submodules explicitly, e.g. ``from helpers import gaussian``.
"""
from ._course import VERSION as __version__  # noqa: F401  (the one place the version is set)
