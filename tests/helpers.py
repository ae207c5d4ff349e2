"""Helpers shared by test modules that are not fixtures: children killed at a known point."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any, Mapping

from conftest import ROOT
from socrata_server import Hold


def spawn_python(script: str, *args: object, env: Mapping[str, str] | None = None,
                 **popen: Any) -> subprocess.Popen:
    """Start ``python -c script args...`` in a child that imports this checkout's nyc_cannabis (the project
    root first on its sys.path; ``sys`` is imported, ``sys.argv[1:]`` are ``args``) and sees no
    SODA_APP_TOKEN; ``env`` adds variables. Its stdout and stderr are pipes; ``popen`` goes to
    :class:`subprocess.Popen` (``stdin``, ``text``, ...)."""
    child_env = {k: v for k, v in os.environ.items() if k != "SODA_APP_TOKEN"} | dict(env or {})
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r})\n{script}"
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], env=child_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def kill_when_held(proc: subprocess.Popen, hold: Hold) -> None:
    """SIGKILL ``proc`` while the request ``hold`` waits for is in flight, then let the server drop that
    request. Asserts that the request came (its output is the message if not) and that the kill ended it."""
    try:
        arrived = hold.arrived.wait(timeout=120)  # a bound on a hang, not a synchronisation
        assert arrived, proc.communicate(timeout=30)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        hold.release.set()
    assert proc.returncode == -signal.SIGKILL
