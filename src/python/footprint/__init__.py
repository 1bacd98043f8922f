"""footprint, a CPU and memory profiler for Python, from inside Python.

    import footprint
    with footprint.profile() as p:     # options: cpu_only, interval, alloc_sample_bytes,
        train()                        # profile_all, include, exclude, children, leaks
    p.report(); p.save("p.json"); p.save_html("p.html")
    p.peak_bytes, p.cpu_s, p.elapsed_s

footprint.start() ... footprint.stop() (which returns the Profile) does the
same without a block. The command line is `footprint` (or
`python -m footprint`), the same as the launcher built by make.
"""
from .api import FootprintError, Profile, profile, start, stop

__version__ = "0.1.0"
__all__ = ["FootprintError", "Profile", "profile", "start", "stop"]


def load_ipython_extension(shell):
    """`%load_ext footprint`: the %%footprint and %footprint magics."""
    from .magic import load_ipython_extension as load

    load(shell)
