"""Helpers shared by test modules that are not fixtures: children killed at a known point."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

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


# --------------------------------------------------------------------------------------------- faults

def kill_when(proc: subprocess.Popen, ready=lambda: True, *, then=lambda: None, timeout: float = 120) -> int:
    """SIGKILL ``proc`` once ``ready()`` (a synchronisation that blocks: a line on stderr, a write seen) says
    so (a false answer: the process is left to end by itself), wait for it, run ``then`` (close a watcher),
    make sure it is gone; returns its exit code."""
    try:
        if ready():
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=timeout)
    finally:
        then()
        if proc.poll() is None:
            proc.kill()
    return proc.returncode


def fingerprint(db_path, without: Mapping[str, tuple[str, ...]] | None = None) -> dict[str, tuple[int, int]]:
    """Every table of the database file: its row count and an order-independent hash of all its rows (the sum
    of each row's hash), by SQL written here, read-only (a write-ahead log beside it is read, not folded).
    ``without``: columns left out per table (``{"sources": ("ingested_at",)}`` to compare with a database that
    loaded the same files at another moment)."""
    import duckdb

    without = without or {}

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1")
                  .fetchall()]
        return {t: tuple(int(v) for v in con.execute(
            f'SELECT count(*), coalesce(sum(hash(r)::HUGEINT), 0) FROM (SELECT * {_exclude(without.get(t))} '
            f'FROM "{t}") AS r').fetchone()) for t in tables}
    finally:
        con.close()


def _exclude(columns: tuple[str, ...] | None) -> str:
    return f"EXCLUDE ({', '.join(columns)})" if columns else ""


#: what differs between two loads of the same files: the moment
AT_ANOTHER_MOMENT = {"sources": ("ingested_at",)}


def assert_usable(db_path) -> None:
    """The file opens for writing, answers a PRAGMA and checkpoints (which folds any write-ahead log)."""
    import duckdb

    con = duckdb.connect(str(db_path))
    try:
        assert con.execute("PRAGMA database_size").fetchall()
        con.execute("CHECKPOINT")
    finally:
        con.close()


def file_size_limit(limit: int):
    """``preexec_fn`` for a child whose writes past ``limit`` bytes of any file fail with EFBIG ("File too large"),
    the way a full disk fails them; SIGXFSZ is ignored so the write returns the error instead of killing."""
    def apply() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def wait_for_line(stream, expected: str) -> list[str]:
    """Read ``stream`` (a child's text stderr) up to the line ``expected``; returns the lines before it. Fails
    with what was read when the stream ends first (the child exited instead of pausing)."""
    seen = []
    for line in stream:
        if line.strip() == expected:
            return seen
        seen.append(line)
    raise AssertionError(f"the child ended before {expected!r}: {''.join(seen)}")


def one_line_error(stderr: str) -> str:
    """The single ``error: …`` line of a failed command (asserts there is nothing else: no traceback)."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


class FileWrites:
    """Wait, through Linux inotify (no polling, no sleep), until a file of ``directory`` has been written
    ``times`` times: the moment to SIGKILL a process in the middle of writing it. Skips off Linux."""

    IN_MODIFY = 0x2

    def __init__(self, directory) -> None:
        import ctypes
        import ctypes.util

        import pytest

        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            self.fd = libc.inotify_init1(os.O_CLOEXEC)
        except (OSError, AttributeError):
            pytest.skip("no inotify here")
        if self.fd < 0 or libc.inotify_add_watch(self.fd, str(directory).encode(), self.IN_MODIFY) < 0:
            pytest.skip(f"no inotify here (errno {ctypes.get_errno()})")

    def wait(self, name: str, times: int = 1, timeout: float = 120) -> bool:
        """True once ``name`` was written ``times`` times; False when no write came for ``timeout`` s."""
        import select
        import struct

        count = 0
        while count < times:
            ready, _, _ = select.select([self.fd], [], [], timeout)  # a bound on a hang, not a synchronisation
            if not ready:
                return False
            buf = os.read(self.fd, 65536)
            i = 0
            while i < len(buf):
                _wd, _mask, _cookie, length = struct.unpack_from("iIII", buf, i)
                if buf[i + 16:i + 16 + length].rstrip(b"\0").decode() == name:
                    count += 1
                i += 16 + length
        return True

    def close(self) -> None:
        os.close(self.fd)


def read_only_copy(src, tmp_path):
    """A copy of the database ``src`` in a directory this process really cannot write: ``chmod`` for an
    ordinary user; for root (which ignores modes) a small tmpfs remounted read-only (skipped when mounting is
    not permitted). Returns ``(path, undo)``."""
    import shutil
    import subprocess as sp

    import pytest

    d = tmp_path / "ro"
    d.mkdir()
    if os.geteuid() != 0:
        db = d / src.name
        shutil.copy2(src, db)
        db.chmod(0o444)
        d.chmod(0o555)
        return db, lambda: d.chmod(0o755)
    size = max(src.stat().st_size * 2, 4 << 20)
    if sp.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(d)], check=False, capture_output=True).returncode:
        pytest.skip("root, but mounting a tmpfs is not permitted here")
    db = d / src.name
    shutil.copy2(src, db)
    if sp.run(["mount", "-o", "remount,ro", str(d)], check=False, capture_output=True).returncode:
        sp.run(["umount", str(d)], check=False)
        pytest.skip("cannot remount the tmpfs read-only")
    return db, lambda: sp.run(["umount", "-l", str(d)], check=False, capture_output=True)


def small_disk(tmp_path, size: int):
    """A tmpfs of ``size`` bytes (a full disk says ENOSPC, "No space left on device"); root only, skipped
    otherwise. Returns ``(directory, undo)``."""
    import subprocess as sp

    import pytest

    d = tmp_path / "small"
    d.mkdir()
    if os.geteuid() != 0 or sp.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(d)],
                                   check=False, capture_output=True).returncode:
        pytest.skip("a small tmpfs needs root and mount")
    return d, lambda: sp.run(["umount", "-l", str(d)], check=False, capture_output=True)
