"""Notebooks run under nbval in quick mode (tiny budgets).

The kernel nbval starts inherits this process's environment, so setting the variables here (also
when only ``pytest notebooks/NN_*.ipynb`` is run, without tests/conftest.py) puts every notebook
in quick mode. Export ZSLKIT_QUICK=0 before pytest to execute them with the full budgets.
"""
import os

os.environ.setdefault("ZSLKIT_QUICK", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
