"""footprint's build backend (PEP 517): what `pip install .` runs.

It builds with the project's Makefile, for the one interpreter pip runs
it with (`make PYTHONS=<that interpreter>` in a private build
directory), and packs the launcher, lib/footprint (boot module,
interposer, this interpreter's agent) and the `footprint` package into a
wheel, with the standard library alone. The build therefore needs no
package index and no build requirements: `pip install .` and
`pip install --no-build-isolation .` both work offline.

Wheel layout: footprint/*.py, and footprint/_native/ laid out as make's
build/ directory (footprint, lib/footprint/...), which is where the
launcher looks for its support files (next to itself).
"""
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

NAME = "footprint"
VERSION = "0.1.0"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUMMARY = "A CPU and memory profiler for Python programs, written in C"


def get_requires_for_build_wheel(config_settings=None):
    return []


def _tag():
    impl = "cp%d%d" % sys.version_info[:2]
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return "%s-%s%s-%s" % (impl, impl, getattr(sys, "abiflags", ""), plat)


def _make(build):
    """Builds everything for this interpreter into BUILD; make's output
    goes to stderr (pip shows it with -v, and on failure)."""
    jobs = str(min(os.cpu_count() or 1, 8))
    cmd = ["make", "-C", ROOT, "-j" + jobs, "BUILD=" + build, "PYTHONS=" + sys.executable, "all"]
    rc = subprocess.call(cmd, stdout=sys.stderr)
    if rc != 0:
        raise RuntimeError("footprint: `%s` failed (exit %d); tools/install-deps installs what it needs"
                           % (" ".join(cmd), rc))


def _files(build):
    """(path in the wheel, path on disk) for everything the wheel holds."""
    out = []
    pkg = os.path.join(build, "python", NAME)
    for name in sorted(os.listdir(pkg)):
        if name.endswith(".py"):
            out.append((NAME + "/" + name, os.path.join(pkg, name)))
    out.append((NAME + "/_native/footprint", os.path.join(build, "footprint")))
    lib = os.path.join(build, "lib")
    for dirpath, dirnames, filenames in os.walk(lib):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            disk = os.path.join(dirpath, name)
            out.append((NAME + "/_native/lib/" + os.path.relpath(disk, lib).replace(os.sep, "/"), disk))
    return out


def _metadata():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    return ("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\nRequires-Python: >=3.9,<3.14\n"
            "Description-Content-Type: text/markdown\n\n%s" % (NAME, VERSION, SUMMARY, readme))


def _dist_info(tag):
    return {
        "METADATA": _metadata(),
        "WHEEL": "Wheel-Version: 1.0\nGenerator: footprint-pep517\nRoot-Is-Purelib: false\nTag: %s\n" % tag,
        "entry_points.txt": ("[console_scripts]\nfootprint = footprint.__main__:main\n\n"
                             "[pytest11]\nfootprint = footprint.pytest_plugin\n"),
    }


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d\n" % (arcname, digest, len(data))


def _add(zf, arcname, data, mode):
    info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16  # a regular file; pip keeps the exec bit
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)
    return _record_line(arcname, data)


def _write_wheel(path, files, tag):
    dist = "%s-%s.dist-info" % (NAME, VERSION)
    record = []
    with zipfile.ZipFile(path, "w") as zf:
        for arcname, disk in files:
            with open(disk, "rb") as f:
                data = f.read()
            mode = 0o755 if os.access(disk, os.X_OK) else 0o644
            record.append(_add(zf, arcname, data, mode))
        for name, text in _dist_info(tag).items():
            record.append(_add(zf, dist + "/" + name, text.encode(), 0o644))
        record.append(dist + "/RECORD,,\n")
        _add(zf, dist + "/RECORD", "".join(record).encode(), 0o644)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    tag = _tag()
    wheel = "%s-%s-%s.whl" % (NAME, VERSION, tag)
    tmp = tempfile.mkdtemp(prefix="footprint-build-")
    try:
        build = os.path.join(tmp, "build")
        _make(build)
        _write_wheel(os.path.join(wheel_directory, wheel), _files(build), tag)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return wheel
