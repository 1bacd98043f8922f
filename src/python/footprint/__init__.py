"""footprint, a CPU and memory profiler for Python, from inside Python.

The command line is `footprint` (or `python -m footprint`), the same as
the launcher built by make.
"""
__version__ = "0.1.0"
