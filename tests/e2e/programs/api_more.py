"""footprint.start()/stop() with threads, forked children and two regions
in one process; prints what each region's profile says, as JSON.

  threads   a thread alive before the region spins 0.3 s of CPU in it
            (old_work), one started in it spins 0.3 s (new_work)
  children  a child forked in the region allocates 30 MB (in_child), with
            children=True or False (argv[2] 1 or 0; anything else: the default)
  twice     two regions: 40 MB in the first (first), 25 MB in the second
            (second), each with its own lines only
"""
import json
import os
import sys
import threading
import time

import footprint

MB = 1_000_000


def spin(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        for _ in range(1000): pass  # Python work between clock reads (each a system call)


def old_work(go):
    go.wait()
    end = time.thread_time() + 0.3  # its own loop: figures go to the innermost line
    while time.thread_time() < end:
        for _ in range(1000): pass  # Python work between clock reads (each a system call)


def new_work():
    end = time.thread_time() + 0.3
    while time.thread_time() < end:
        for _ in range(1000): pass  # Python work between clock reads (each a system call)


def in_child():
    block = bytearray(30 * MB)
    spin(0.1)
    return block


def first():
    return bytearray(40 * MB)


def second():
    return bytearray(25 * MB)


def lines_by_function(profile):
    out = {}
    for f in profile.data["files"]:
        for fn in f["functions"]:
            out[fn["name"]] = {"cpu_s": fn["cpu_python_s"] + fn["cpu_native_s"], "alloc_bytes": fn["alloc_bytes"]}
    return out


def threads():
    go = threading.Event()
    old = threading.Thread(target=old_work, args=(go,))
    old.start()
    time.sleep(0.1)
    footprint.start()
    go.set()
    new = threading.Thread(target=new_work)
    new.start()
    old.join()
    new.join()
    return {"functions": lines_by_function(footprint.stop())}


def children(follow):
    options = {} if follow is None else {"children": follow}  # None: the default
    with footprint.profile(**options) as p:
        pid = os.fork()
        if pid == 0:
            in_child()
            sys.exit(0)  # atexit in the child ends its part
        os.waitpid(pid, 0)
    return {"functions": lines_by_function(p), "processes": len(p.data["processes"])}


def twice():
    with footprint.profile() as p1:
        a = first()
    with footprint.profile() as p2:
        b = second()
    del a, b
    return {"first": lines_by_function(p1), "second": lines_by_function(p2)}


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "threads":
        result = threads()
    elif what == "children":
        result = children({"1": True, "0": False}.get(sys.argv[2]))
    else:
        result = twice()
    print(json.dumps(result))
