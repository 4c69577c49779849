"""The doors: `run.py`'s front, the notebook API, the cluster checks and the catalogue pick a mode.

A single run (`single`) or a grid (`sweeps`), both on the run core (`core`).
"""
