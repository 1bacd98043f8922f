"""Imports whose cost is known: heavy (0.3 s, 20 MB of its own) imports
light (0.1 s, 5 MB); the script then imports a third module by
importlib.import_module, and tries one that does not exist."""
import importlib
import sys

sys.path.insert(0, sys.argv[1])

import heavy_mod  # noqa: E402  (line 9)

importlib.import_module("plain_mod")  # line 11
try:
    import no_such_module_here  # noqa: F401
except ImportError:
    pass
print(len(heavy_mod.BLOCK), len(heavy_mod.light_mod.BLOCK))
