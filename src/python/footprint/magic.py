"""IPython and Jupyter: `%load_ext footprint` adds

    %%footprint [options]     profile the cell
    %footprint [options] statement

Options mirror the command line: --cpu-only, --reduced, --interval S,
--alloc-sample-bytes N, --profile-all, --include GLOB, --exclude GLOB,
--no-children, --no-leaks, --native-stacks, --json FILE, --html FILE. A bad
option prints the usage and the cell does not run.

The code runs in the notebook's own namespace. Every cell, once the
extension is loaded, is compiled under a file of its own,
<dir>/cell-N.py, holding its source, so a profile names a cell's lines by
its execution count (code from an earlier cell charged to that cell's
lines), and shows their source; those paths read "In [N]" in the
profile. The report is shown inline: the HTML report in a sandboxed
iframe where the frontend renders HTML, else the text report.
"""
import argparse
import html
import linecache
import os
import shlex
import sys
import tempfile

from . import api

_CELLS = {}  # per process: the directory cells are written to


def _cells_dir():
    if os.getpid() not in _CELLS:
        _CELLS[os.getpid()] = tempfile.mkdtemp(prefix="footprint-cells-")
    return _CELLS[os.getpid()]


def _cell_path(number, kind="cell"):
    """cell-N.py: cell N's code as it runs (a %%footprint cell: its body);
    call-N.py: a %%footprint cell's own call of the magic, which must not
    share a name with its body (tracebacks read each one's lines)."""
    return os.path.join(_cells_dir(), "%s-%d.py" % (kind, number))


def _cell_name(path):
    """"In [N]" for a cell file, else None."""
    name = path[len(_cells_dir()) + 1:] if path.startswith(_cells_dir() + os.sep) else ""
    if name.startswith("cell-") and name.endswith(".py") and name[5:-3].isdigit():
        return "In [%s]" % name[5:-3]
    return None


def _parser():
    p = argparse.ArgumentParser(prog="%%footprint", add_help=False,
                                description="Profile a cell (%%footprint) or a statement (%footprint).")
    p.add_argument("--cpu-only", action="store_true")
    p.add_argument("--reduced", action="store_true")
    p.add_argument("--interval", type=float, default=0.01)
    p.add_argument("--alloc-sample-bytes", type=int, default=16384)
    p.add_argument("--profile-all", action="store_true")
    p.add_argument("--include", action="append", default=[])
    p.add_argument("--exclude", action="append", default=[])
    p.add_argument("--children", action="store_true")  # the default; kept for old cells
    p.add_argument("--no-children", action="store_true")
    p.add_argument("--no-leaks", action="store_true")
    p.add_argument("--native-stacks", action="store_true")
    p.add_argument("--json", metavar="FILE")
    p.add_argument("--html", metavar="FILE")
    return p


class _Usage(Exception):
    pass


def _parse(words):
    p = _parser()
    try:
        args, rest = p.parse_known_args(words)
    except SystemExit:  # argparse has printed what was wrong
        raise _Usage(p.format_usage()) from None
    if any(w.startswith("--") for w in rest):
        raise _Usage("%%footprint: unknown option %s\n%s" % (rest[0], p.format_usage()))
    if not 0.0005 <= args.interval <= 10 or args.alloc_sample_bytes < 1:
        raise _Usage("%%footprint: --interval is 0.0005 to 10 s, --alloc-sample-bytes at least 1\n"
                     + p.format_usage())
    return args, rest


def _options(args):
    return {"cpu_only": args.cpu_only, "interval": args.interval, "alloc_sample_bytes": args.alloc_sample_bytes,
            "profile_all": args.profile_all, "include": [_cells_dir() + "/cell-*.py"] + args.include,
            "exclude": args.exclude, "children": not args.no_children, "leaks": not args.no_leaks,
            "native_stacks": args.native_stacks}


def _rename_cells(data):
    """Cell files are named as the notebook names them: In [N]."""
    for entry in data.get("files", []) + data.get("leaks", []):
        name = _cell_name(entry.get("path", ""))
        if name:
            entry["path"] = name


def _show(profile, args):
    from IPython.display import display

    if args.json:
        profile.save(args.json)
    if args.html:
        profile.save_html(args.html)
    text = profile.text(reduced=args.reduced)
    with tempfile.TemporaryDirectory(prefix="footprint-magic-") as d:
        page_path = os.path.join(d, "report.html")
        profile.save_html(page_path)
        with open(page_path, encoding="utf-8") as f:
            page = f.read()
    frame = ('<iframe sandbox="allow-scripts" style="width:100%%;height:640px;border:1px solid #ddd" '
             'srcdoc="%s"></iframe>' % html.escape(page, quote=True))
    display({"text/plain": text, "text/html": frame}, raw=True)


class _Magics:
    """The magics, bound to one shell."""

    def __init__(self, shell):
        self.shell = shell

    def run(self, source, first_line, args):
        """Runs SOURCE in the user's namespace, profiled; the report is
        shown even when the code raises (the exception then goes on)."""
        number = self.shell.execution_count
        path = _cell_path(number)
        text = first_line + "\n" + source
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        # tracebacks read the cell's lines from linecache: these, not the magic call
        linecache.cache[path] = (len(text), None, [l + "\n" for l in text.splitlines()], path)
        code = compile("\n" + source, path, "exec")
        options = _options(args)
        profile = api.Profile(None, **options)
        try:
            with profile:
                exec(code, self.shell.user_ns)
        finally:
            if profile._data:
                _rename_cells(profile._data)
                _show(profile, args)

    def cell(self, line, cell):
        try:
            args, rest = _parse(shlex.split(line))
        except _Usage as e:
            sys.stderr.write(str(e))
            return
        if rest:
            sys.stderr.write("%%%%footprint: unexpected %r\n%s" % (" ".join(rest), _parser().format_usage()))
            return
        self.run(cell, "# %%footprint " + line, args)

    def line(self, line):
        words = line.split()
        options = []
        while words and words[0].startswith("--"):
            options.append(words.pop(0))
            if options[-1] in ("--interval", "--alloc-sample-bytes", "--include", "--exclude", "--json",
                               "--html") and words:
                options.append(words.pop(0))
        try:
            args, rest = _parse(options)
        except _Usage as e:
            sys.stderr.write(str(e).replace("%%footprint", "%footprint"))
            return
        statement = line[len(line) - len(" ".join(words)):] if words else ""
        if not statement.strip():
            sys.stderr.write("%footprint: no statement\n" + _parser().format_usage().replace("%%", "%"))
            return
        self.run(statement, "# %footprint " + " ".join(options), args)


def _name_cells(shell):
    """Every cell from now on is compiled under <dir>/cell-N.py, written
    with the code that runs, so its lines are found and named."""
    compiler = shell.compile
    if getattr(compiler, "_footprint_named", False):
        return
    original = compiler.get_code_name

    def get_code_name(raw_code, transformed_code, number):
        magic = (raw_code or "").lstrip().startswith("%%footprint")
        path = _cell_path(number, "call" if magic else "cell")
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(transformed_code)
            return path
        except OSError:
            return original(raw_code, transformed_code, number)

    compiler.get_code_name = get_code_name
    compiler._footprint_named = True


def load_ipython_extension(shell):
    magics = _Magics(shell)
    shell.register_magic_function(magics.cell, magic_kind="cell", magic_name="footprint")
    shell.register_magic_function(magics.line, magic_kind="line", magic_name="footprint")
    _name_cells(shell)
