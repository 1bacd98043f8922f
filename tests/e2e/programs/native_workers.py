"""Native code that works on threads of its own beside the calling line,
as OpenMP and BLAS do: native_workers.py LIBRARY.

plain() runs one native worker beside itself for SECONDS of CPU each;
borrowed() does the same with a worker that first borrows a Python thread
state (PyGILState_Ensure) and runs no Python code, as Cython's OpenMP
workers do. Prints, as JSON, the threads each started and the time its
threads were kept off a CPU they wanted (which a profile counts with the
work)."""
import ctypes
import json
import os
import sys

SECONDS = float(os.environ.get("PHASE", "0.5"))

lib = ctypes.CDLL(sys.argv[1])
lib.parallel_spin.argtypes = [ctypes.c_double, ctypes.c_int] + [ctypes.c_void_p] * 4 + [
    ctypes.POINTER(ctypes.c_double)]
lib.parallel_spin.restype = ctypes.c_int
api = ctypes.pythonapi
PYTHON_API = [ctypes.cast(f, ctypes.c_void_p) for f in
              (api.PyGILState_Ensure, api.PyGILState_Release, api.PyEval_SaveThread, api.PyEval_RestoreThread)]


def plain():
    waited = ctypes.c_double()
    return lib.parallel_spin(SECONDS, 1, None, None, None, None, ctypes.byref(waited)), waited.value


def borrowed():
    waited = ctypes.c_double()
    return lib.parallel_spin(SECONDS, 1, *PYTHON_API, ctypes.byref(waited)), waited.value


if __name__ == "__main__":
    print(json.dumps({"plain": plain(), "borrowed": borrowed()}))
