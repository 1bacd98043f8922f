"""One home for each shared object's state (docs/design.md, "The agent's
state"): the built interposer's only mutable global is fp_state and each
agent's is fp_agent (plus the module tables CPython writes), with the
thread-local variables kept apart on purpose. Counted by
tools/count-globals from nm, so a static that creeps back in fails here."""
import os
import subprocess

import pytest

from conftest import FOOTPRINT, ROOT, SANITIZED

COUNT = os.path.join(ROOT, "tools", "count-globals")

# The sanitizers add instrumentation data of their own to every object.
pytestmark = pytest.mark.skipif(SANITIZED, reason="sanitizer builds carry the sanitizers' own globals")


def counted():
    """{object: {kind: [names]}} from tools/count-globals."""
    out = subprocess.run([COUNT, os.path.dirname(FOOTPRINT)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    objects, current = {}, None
    for line in out.stdout.splitlines():
        if not line.startswith(" "):
            current = objects.setdefault(line, {})
            continue
        kind, _count, names = line.split(None, 2)
        current[kind] = [] if names == "-" else [n.split(" (")[0] for n in names.split("), ")]
    return objects


def test_each_shared_object_keeps_its_state_in_one_struct():
    objects = counted()
    agents = [name for name in objects if name.startswith("agents/")]
    assert "libfootprint_alloc.so" in objects and agents, objects
    interposer = objects["libfootprint_alloc.so"]
    assert interposer["mutable"] == ["fp_state"], interposer
    assert sorted(interposer["tls"]) == ["fp_tls", "resolving"], interposer
    for name in agents:
        agent = objects[name]
        assert agent["mutable"] == ["fp_agent"], (name, agent)
        assert sorted(agent["cpython"]) == ["methods", "module"], (name, agent)
        assert sorted(agent["tls"]) == ["held", "held_size"], (name, agent)
